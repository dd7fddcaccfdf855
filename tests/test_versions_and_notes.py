"""Editing a returned document into a new version, and credit and debit notes against
documents accepted through the network."""

from __future__ import annotations

import pytest

from contract.documents import DocumentMessage
from contract.errors import NetworkRefusedError
from resolvers.dispatcher import Dispatcher
from simulator.network import SimulatedNetwork
from simulator.world import DirectoryEntry
from tests.conftest import Api, Member
from tests.trading import (
    ACCEPT,
    CREATE,
    KAVERI_COMPONENTS,
    LAPTOP,
    PUSH,
    REJECT,
    SHARMA_TRADERS,
    contact,
    document,
    inbox,
    node,
    onboard,
)

UPDATE = """mutation($i: DocumentUpdateInput!) { documentUpdate(input: $i) {
    document { id number version pushStatus pushReason totals { total { amount } } }
    userErrors { code field message } } }"""


async def _delivered(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> tuple[Member, str, str, Member, str, str]:
    """Sharma's invoice to Kaveri, delivered to Kaveri's inbox."""
    seller, seller_org = await onboard(api, simulator, dispatcher, SHARMA_TRADERS)
    buyer, buyer_org = await onboard(api, simulator, dispatcher, KAVERI_COMPONENTS)
    customer = await contact(api, seller, seller_org, KAVERI_COMPONENTS)
    invoice = await document(api, seller, seller_org, customer)
    await api.ok(PUSH, {"i": {"documentId": invoice}}, token=seller.token)
    await dispatcher.run_once()
    await simulator.advance(2)
    return seller, seller_org, customer, buyer, buyer_org, invoice


async def _settle(simulator: SimulatedNetwork, dispatcher: Dispatcher) -> None:
    await dispatcher.run_once()
    await simulator.advance(2)
    await dispatcher.run_once()
    await simulator.advance(2)


def _edit(invoice: str, customer: str, price: str) -> dict[str, object]:
    return {
        "i": {
            "documentId": invoice,
            "contactId": customer,
            "documentDate": "2026-11-24",
            "lines": [{**LAPTOP, "unitPrice": price}],
        }
    }


async def test_a_returned_invoice_is_edited_into_a_new_version(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> None:
    seller, seller_org, customer, buyer, buyer_org, invoice = await _delivered(
        api, simulator, dispatcher
    )
    in_flight = await api(UPDATE, _edit(invoice, customer, "45000.00"), token=seller.token)
    assert in_flight["data"]["documentUpdate"]["userErrors"][0]["code"] == "ALREADY_DONE"
    [item] = await inbox(api, buyer, buyer_org)
    await api.ok(
        REJECT,
        {"i": {"documentId": item["id"], "reason": "Agreed 45000", "returnForEdits": True}},
        token=buyer.token,
    )
    await _settle(simulator, dispatcher)
    other = await contact(api, seller, seller_org, KAVERI_COMPONENTS)  # another contact
    moved = await api(UPDATE, _edit(invoice, other, "45000.00"), token=seller.token)
    assert [(e["code"], e["field"]) for e in moved["data"]["documentUpdate"]["userErrors"]] == [
        ("INVALID", ["input", "contactId"])
    ]
    edited = await api.ok(UPDATE, _edit(invoice, customer, "45000.00"), token=seller.token)
    before = await node(api, seller, invoice)
    assert edited["documentUpdate"]["document"] == {
        "id": invoice, "number": before["number"], "version": 2, "pushStatus": "NOT_PUSHED",
        "pushReason": None, "totals": {"total": {"amount": "106200.00"}},
    }  # fmt: skip
    assert [h["action"] for h in before["history"]][-1] == "NEW_VERSION"
    await api.ok(PUSH, {"i": {"documentId": invoice}}, token=seller.token)
    await dispatcher.run_once()
    await simulator.advance(2)
    [second] = await inbox(api, buyer, buyer_org)
    assert (second["version"], second["inboxStatus"], second["id"] != item["id"]) == (
        2, "RECEIVED", True,
    )  # fmt: skip
    assert (await node(api, buyer, second["id"]))["totals"]["total"] == {"amount": "106200.00"}
    await api.ok(ACCEPT, {"i": {"documentId": second["id"]}}, token=buyer.token)
    await _settle(simulator, dispatcher)
    sent = await node(api, seller, invoice)
    assert (sent["pushStatus"], sent["version"]) == ("ACCEPTED", 2)
    # The network's guard: version 1 is stale now, for sending and for answering.
    held = simulator.world.documents[sent["networkId"]]
    stale = DocumentMessage(
        network_id=held.network_id, kind="INVOICE", version=1, sender_b2b_id="sharma-traders",
        receiver_b2b_id="kaveri-components", number=held.number, document_date="2026-11-24",
        total_paise=0,
    )  # fmt: skip
    with pytest.raises(NetworkRefusedError) as refused:
        await simulator.document_send(stale)
    assert refused.value.reason == "VERSION_CONFLICT"
    for version, answerer, action, reason in (
        (1, "kaveri-components", "REJECT", "VERSION_CONFLICT"),
        (2, "kaveri-components", "REJECT", "ALREADY_ANSWERED"),
        (2, "sharma-traders", "ACCEPT", "NOT_RECEIVER"),
    ):
        with pytest.raises(NetworkRefusedError) as refused:
            await simulator.document_answer(
                network_id=held.network_id, version=version, answerer_b2b_id=answerer,
                action=action, remarks=None,
            )  # fmt: skip
        assert refused.value.reason == reason
    assert held.state == "ACCEPTED"  # none of the refused answers changed it


async def _note(
    api: Api, member: Member, org: str, kind: str, contact_id: str, reference: str | None,
    price: str = "1000.00",
) -> dict[str, object]:  # fmt: skip
    result = await api(
        CREATE,
        {
            "i": {
                "organisationId": org, "kind": kind, "contactId": contact_id,
                "referenceId": reference, "documentDate": "2026-11-25",
                "lines": [{**LAPTOP, "quantity": "1", "unitPrice": price}],
            }
        },
        token=member.token,
    )  # fmt: skip
    assert "errors" not in result, result
    made: dict[str, object] = result["data"]["documentCreate"]
    return made


def _codes(made: dict[str, object]) -> list[tuple[str, list[str]]]:
    errors = made["userErrors"]
    assert isinstance(errors, list)
    return [(e["code"], e["field"]) for e in errors]


async def test_credit_and_debit_notes_only_against_accepted_documents(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> None:
    seller, seller_org, customer, buyer, buyer_org, invoice = await _delivered(
        api, simulator, dispatcher
    )
    field = ["input", "referenceId"]
    assert _codes(await _note(api, seller, seller_org, "CREDIT_NOTE", customer, None)) == [
        ("REQUIRED", field)
    ]
    assert _codes(await _note(api, seller, seller_org, "CREDIT_NOTE", customer, invoice)) == [
        ("STEP_OUT_OF_ORDER", field)
    ]
    assert _codes(await _note(api, seller, seller_org, "INVOICE", customer, invoice)) == [
        ("INVALID", field)
    ]
    [bill] = await inbox(api, buyer, buyer_org)
    await api.ok(ACCEPT, {"i": {"documentId": bill["id"]}}, token=buyer.token)
    await _settle(simulator, dispatcher)
    # Another organisation's invoice is no reference at all.
    assert _codes(await _note(api, buyer, buyer_org, "CREDIT_NOTE", customer, invoice)) == [
        ("NOT_FOUND", field)
    ]
    too_much = await _note(
        api, seller, seller_org, "CREDIT_NOTE", customer, invoice, price="100001.00"
    )
    assert _codes(too_much) == [("INVALID", ["input", "lines"])]
    made = await _note(api, seller, seller_org, "CREDIT_NOTE", customer, invoice)
    assert made["userErrors"] == []
    credit = made["document"]
    assert isinstance(credit, dict)
    note = await node(api, seller, credit["id"])
    assert (note["kind"], note["number"], note["reference"]["id"]) == (
        "CREDIT_NOTE", "CN-00001", invoice,
    )  # fmt: skip
    await api.ok(PUSH, {"i": {"documentId": credit["id"]}}, token=seller.token)
    await dispatcher.run_once()
    await simulator.advance(2)
    received = [i for i in await inbox(api, buyer, buyer_org) if i["kind"] == "CREDIT_NOTE"]
    assert len(received) == 1
    received_note = await node(api, buyer, received[0]["id"])
    assert received_note["reference"]["id"] == bill["id"]
    await api.ok(ACCEPT, {"i": {"documentId": received[0]["id"]}}, token=buyer.token)
    await _settle(simulator, dispatcher)
    assert (await node(api, seller, credit["id"]))["pushStatus"] == "ACCEPTED"

    # The buyer's debit note against the bill goes back to the seller.
    vendor = received_note["contact"]
    assert vendor["b2bId"] == "sharma-traders"
    bill_node = await node(api, buyer, bill["id"])
    debit = await _note(api, buyer, buyer_org, "DEBIT_NOTE", _contact_id(bill_node), bill["id"])
    assert debit["userErrors"] == [], debit
    debit_doc = debit["document"]
    assert isinstance(debit_doc, dict)
    await api.ok(PUSH, {"i": {"documentId": debit_doc["id"]}}, token=buyer.token)
    await dispatcher.run_once()
    await simulator.advance(2)
    [arrived] = await inbox(api, seller, seller_org)
    assert arrived["kind"] == "DEBIT_NOTE"
    assert (await node(api, seller, arrived["id"]))["reference"]["id"] == invoice


def _contact_id(document_node: dict[str, object]) -> str:
    ref = document_node["contactRef"]
    assert isinstance(ref, dict)
    found = ref["id"]
    assert isinstance(found, str)
    return found


async def test_a_note_brings_its_invoice_along_when_the_network_lacks_it(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> None:
    seller, seller_org = await onboard(api, simulator, dispatcher, SHARMA_TRADERS)
    simulator.world.add_directory_entry(_external("kaveri-components"))
    customer = await contact(api, seller, seller_org, KAVERI_COMPONENTS)
    invoice = await document(api, seller, seller_org, customer)
    await api.ok(PUSH, {"i": {"documentId": invoice}}, token=seller.token)
    await dispatcher.run_once()
    await simulator.advance(40)  # the external receiver accepts
    sent = await node(api, seller, invoice)
    assert sent["pushStatus"] == "ACCEPTED"
    del simulator.world.documents[sent["networkId"]]  # the network lost it
    made = await _note(api, seller, seller_org, "CREDIT_NOTE", customer, invoice)
    credit = made["document"]
    assert isinstance(credit, dict)
    await api.ok(PUSH, {"i": {"documentId": credit["id"]}}, token=seller.token)
    await dispatcher.run_once()
    note = await node(api, seller, credit["id"])
    assert note["pushStatus"] == "AWAITING_RESPONSE"
    assert [v for _, v in simulator.world.carried] == [1, 1, 1]
    assert [n for n, _ in simulator.world.carried] == [
        sent["networkId"], sent["networkId"], note["networkId"],
    ]  # fmt: skip
    assert "SENT_WITH_NOTE" in [h["action"] for h in (await node(api, seller, invoice))["history"]]


def _external(b2b_id: str) -> DirectoryEntry:
    return DirectoryEntry(b2b_id, KAVERI_COMPONENTS.gstin, "Kaveri Components")


VOID = """mutation($i: DocumentVoidInput!) { documentVoid(input: $i) {
    document { status history { action detail } } userErrors { code field } } }"""


async def test_void(api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher) -> None:
    seller, seller_org, customer, _, _, invoice = await _delivered(api, simulator, dispatcher)
    in_flight = await api(VOID, {"i": {"documentId": invoice, "reason": "x"}}, token=seller.token)
    assert in_flight["data"]["documentVoid"]["userErrors"] == [
        {"code": "ALREADY_DONE", "field": ["input", "documentId"]}
    ]
    draft = await document(api, seller, seller_org, customer)
    empty = await api(VOID, {"i": {"documentId": draft, "reason": " "}}, token=seller.token)
    assert empty["data"]["documentVoid"]["userErrors"] == [
        {"code": "REQUIRED", "field": ["input", "reason"]}
    ]
    voided = await api.ok(
        VOID, {"i": {"documentId": draft, "reason": "Duplicate"}}, token=seller.token
    )
    assert voided["documentVoid"]["document"]["status"] == "VOID"
    assert voided["documentVoid"]["document"]["history"][-1] == {
        "action": "VOIDED", "detail": "Duplicate",
    }  # fmt: skip
    pushed = await api(PUSH, {"i": {"documentId": draft}}, token=seller.token)
    assert pushed["data"]["documentPush"]["userErrors"][0]["code"] == "ALREADY_DONE"
    again = await api(VOID, {"i": {"documentId": draft, "reason": "x"}}, token=seller.token)
    assert again["data"]["documentVoid"]["userErrors"][0]["code"] == "ALREADY_DONE"
    edit = await api(UPDATE, _edit(draft, customer, "1.00"), token=seller.token)
    assert edit["data"]["documentUpdate"]["userErrors"][0]["code"] == "ALREADY_DONE"


NOTE_DOC = """query($id: ID!) { node(id: $id) { ... on Document { placeOfSupply supplyType gstin
    totals { cgst { amount } sgst { amount } igst { amount } total { amount } } } } }"""


async def _accepted_intra_state_invoice(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> tuple[Member, str, str, Member, str, str]:
    """Sharma (MH) invoices Kaveri (KA) with Maharashtra as place of supply: CGST + SGST."""
    seller, seller_org = await onboard(api, simulator, dispatcher, SHARMA_TRADERS)
    buyer, buyer_org = await onboard(api, simulator, dispatcher, KAVERI_COMPONENTS)
    customer = await contact(api, seller, seller_org, KAVERI_COMPONENTS)
    invoice = await document(api, seller, seller_org, customer, placeOfSupply="27")
    await api.ok(PUSH, {"i": {"documentId": invoice}}, token=seller.token)
    await dispatcher.run_once()
    await simulator.advance(2)
    [bill] = await inbox(api, buyer, buyer_org)
    await api.ok(ACCEPT, {"i": {"documentId": bill["id"]}}, token=buyer.token)
    await _settle(simulator, dispatcher)
    return seller, seller_org, customer, buyer, buyer_org, invoice


async def test_a_note_takes_its_documents_place_of_supply_rates_and_date(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> None:
    seller, org, customer, _buyer, _buyer_org, invoice = await _accepted_intra_state_invoice(
        api, simulator, dispatcher
    )
    made = await _note(api, seller, org, "CREDIT_NOTE", customer, invoice)
    assert made["userErrors"] == []
    credit = made["document"]
    assert isinstance(credit, dict)
    note = (await api.ok(NOTE_DOC, {"id": credit["id"]}, token=seller.token))["node"]
    assert (note["placeOfSupply"], note["supplyType"]) == ("27", "INTRA_STATE")
    assert (note["totals"]["cgst"]["amount"], note["totals"]["sgst"]["amount"]) == (
        "90.00",
        "90.00",
    )
    assert note["totals"]["igst"]["amount"] == "0.00"
    # A rate none of the invoice's lines carries, an earlier date, another place of supply:
    bad = await api(
        CREATE,
        {
            "i": {
                "organisationId": org, "kind": "CREDIT_NOTE", "contactId": customer,
                "referenceId": invoice, "documentDate": "2026-11-23", "placeOfSupply": "29",
                "lines": [{**LAPTOP, "quantity": "1", "unitPrice": "10.00"},
                          {**LAPTOP, "quantity": "1", "unitPrice": "10.00", "taxRate": "5"}],
            }
        },
        token=seller.token,
    )  # fmt: skip
    assert [(e["code"], e["field"]) for e in bad["data"]["documentCreate"]["userErrors"]] == [
        ("INVALID", ["input", "documentDate"]),
        ("INVALID", ["input", "placeOfSupply"]),
        ("INVALID", ["input", "lines", "1", "taxRate"]),
    ]


async def test_rejected_notes_do_not_count_against_the_cap(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> None:
    seller, org, customer, buyer, buyer_org, invoice = await _accepted_intra_state_invoice(
        api, simulator, dispatcher
    )
    # The whole invoice (1,18,000.00 with tax) in one credit note, which the buyer rejects.
    full = await _note(api, seller, org, "CREDIT_NOTE", customer, invoice, price="50000.00")
    assert full["userErrors"] == []
    second = await _note(api, seller, org, "CREDIT_NOTE", customer, invoice, price="50000.00")
    assert second["userErrors"] == []
    over = await _note(api, seller, org, "CREDIT_NOTE", customer, invoice, price="1.00")
    assert _codes(over) == [("INVALID", ["input", "lines"])]
    note = full["document"]
    assert isinstance(note, dict)
    await api.ok(PUSH, {"i": {"documentId": note["id"]}}, token=seller.token)
    await dispatcher.run_once()
    await simulator.advance(2)
    [received] = [i for i in await inbox(api, buyer, buyer_org) if i["kind"] == "CREDIT_NOTE"]
    await api.ok(
        REJECT, {"i": {"documentId": received["id"], "reason": "Not agreed"}}, token=buyer.token
    )
    await _settle(simulator, dispatcher)
    assert (await node(api, seller, note["id"]))["pushStatus"] == "REJECTED"
    again = await _note(api, seller, org, "CREDIT_NOTE", customer, invoice, price="50000.00")
    assert again["userErrors"] == []
