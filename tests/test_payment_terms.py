"""Payment terms: a document without a due date gets one from its contact's terms, or the
organisation's default (30 days unless set), so every invoice and bill can become overdue."""

from __future__ import annotations

import json
import re

from contract.wire import document_from_json
from resolvers.dispatcher import Dispatcher
from simulator.network import SimulatedNetwork
from tests.conftest import Api
from tests.test_documents import CONTACT, CREATE, LAPTOP, _seller
from tests.test_readme import SIMULATOR_GUIDE
from tests.trading import ACCEPT, DOC, SHARMA_TRADERS, inbox, onboard

ORG_UPDATE = """mutation($i: OrganisationUpdateInput!) { organisationUpdate(input: $i) {
    organisation { defaultPaymentTermsDays } userErrors { code field } } }"""
DUE = """query($id: ID!) { node(id: $id) { ... on Document { dueDate status } } }"""


def _invoice(org: str, contact: str) -> dict[str, object]:
    return {"organisationId": org, "kind": "INVOICE", "contactId": contact,
            "documentDate": "2026-11-24", "lines": [LAPTOP]}  # fmt: skip


async def test_due_dates_come_from_the_contact_or_the_organisation(api: Api) -> None:
    owner, org, local, _delhi = await _seller(api)
    made = await api.ok(CREATE, {"i": _invoice(org, local)}, token=owner.token)
    first = made["documentCreate"]["document"]["id"]
    assert (await api.ok(DUE, {"id": first}, token=owner.token))["node"]["dueDate"] == "2026-12-24"
    bad = await api(ORG_UPDATE, {"i": {"id": org, "defaultPaymentTermsDays": 366}},
                    token=owner.token)  # fmt: skip
    assert bad["data"]["organisationUpdate"]["userErrors"] == [
        {"code": "INVALID", "field": ["input", "defaultPaymentTermsDays"]}
    ]
    changed = await api.ok(ORG_UPDATE, {"i": {"id": org, "defaultPaymentTermsDays": 45}},
                           token=owner.token)  # fmt: skip
    assert changed["organisationUpdate"]["organisation"] == {"defaultPaymentTermsDays": 45}
    made = await api.ok(CREATE, {"i": _invoice(org, local)}, token=owner.token)
    second = made["documentCreate"]["document"]["id"]
    assert (await api.ok(DUE, {"id": second}, token=owner.token))["node"]["dueDate"] == "2027-01-08"
    contact = {"organisationId": org, "contact": {
        "displayName": "Quick Payer", "isCustomer": True, "gstTreatment": "UNREGISTERED",
        "stateCode": "27", "paymentTermsDays": 15}}  # fmt: skip
    refused = await api(CONTACT, {"i": {**contact, "contact": {**contact["contact"],  # type: ignore[dict-item]
                                                               "paymentTermsDays": -1}}},
                        token=owner.token)  # fmt: skip
    assert refused["data"]["contactCreate"]["userErrors"] == [
        {"code": "INVALID", "field": ["input", "paymentTermsDays"]}
    ]
    quick = (await api.ok(CONTACT, {"i": contact}, token=owner.token))["contactCreate"]["contact"]
    made = await api.ok(CREATE, {"i": _invoice(org, quick["id"])}, token=owner.token)
    third = made["documentCreate"]["document"]["id"]
    assert (await api.ok(DUE, {"id": third}, token=owner.token))["node"]["dueDate"] == "2026-12-09"
    # A due date given is kept.
    given = await api.ok(CREATE, {"i": {**_invoice(org, quick["id"]), "dueDate": "2026-11-30"}},
                         token=owner.token)  # fmt: skip
    kept = given["documentCreate"]["document"]["id"]
    assert (await api.ok(DUE, {"id": kept}, token=owner.token))["node"]["dueDate"] == "2026-11-30"


async def test_a_received_bill_without_a_due_date_gets_ours_and_becomes_overdue(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> None:
    owner, org = await onboard(api, simulator, dispatcher, SHARMA_TRADERS)
    text = SIMULATOR_GUIDE.read_text(encoding="utf-8")
    body = re.search(r"sandbox-ganga-steel-key.*?-d '(.*?)'\n", text, re.DOTALL)
    assert body is not None
    message = json.loads(body.group(1))
    message["content"].pop("dueDate", None)
    await simulator.document_send(document_from_json(message))
    await simulator.advance(5)
    [bill] = await inbox(api, owner, org)
    found = (await api.ok(DOC, {"id": bill["id"]}, token=owner.token))["node"]
    assert found["dueDate"] is not None
    assert found["dueDate"] > message["documentDate"]
    await api.ok(ACCEPT, {"i": {"documentId": bill["id"]}}, token=owner.token)
    await dispatcher.run_once()
    assert (await api.ok(DUE, {"id": bill["id"]}, token=owner.token))["node"]["status"] == "OPEN"
    await simulator.advance(61 * 86_400)
    assert (await api.ok(DUE, {"id": bill["id"]}, token=owner.token))["node"]["status"] == "OVERDUE"
