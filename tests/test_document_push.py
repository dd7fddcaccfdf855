"""Pushing documents to external counterparties through the simulated network, under faults."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from db.models import Document as DocumentModel
from db.models import OrganisationEvent
from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from resolvers.dispatcher.base import LEASE_SECONDS
from resolvers.services import pushes
from resolvers.services.ids import decode_typed_id
from simulator.clock import ManualClock
from simulator.demo import GANGA_UP, TAPTI_DL
from simulator.faults import Fault
from simulator.network import SimulatedNetwork
from tests.conftest import Api, LiveServer, Member, event_cursor
from tests.onboarding_helpers import create_b2b_id, ready_for_b2b_id
from tests.wsclient import GraphQLWebSocket

CONTACT = """mutation($i: ContactCreateInput!) { contactCreate(input: $i) { contact { id } userErrors { code } } }"""
LINK = """mutation($i: ContactB2BIdLinkInput!) { contactB2BIdLink(input: $i) { userErrors { code } } }"""
CREATE = """mutation($i: DocumentCreateInput!) { documentCreate(input: $i) { document { id } userErrors { code field } } }"""
PUSH = """mutation($i: DocumentPushInput!) { documentPush(input: $i) {
    document { status pushStatus networkId } userErrors { code field message } } }"""
DOC = """query($id: ID!) { node(id: $id) { ... on Document { status pushStatus pushReason networkId version
    history { action detail byNetwork } } } }"""
LAPTOP = {
    "description": "Laptop",
    "hsnSac": "8471",
    "quantity": "1",
    "unitPrice": "50000.00",
    "taxRate": "18",
}


class ProcessKilledError(BaseException):
    """Stands for the process dying mid-work: nothing catches it, nothing is committed."""


async def _ready(
    api: Api,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    gstin: str = TAPTI_DL,
    b2b_id: str | None = "tapti-foods",
) -> tuple[Member, str, str]:
    owner = await api.sign_up("owner")
    org = await api.organisation(owner, "Sharma Traders")
    await ready_for_b2b_id(api, simulator, owner, org)
    await create_b2b_id(api, owner, org)
    await dispatcher.run_once()
    await simulator.advance(30)
    contact = (
        await api.ok(
            CONTACT,
            {
                "i": {
                    "organisationId": org,
                    "contact": {
                        "displayName": "Buyer",
                        "isCustomer": True,
                        "gstin": gstin,
                        "gstTreatment": "REGISTERED_REGULAR",
                    },
                }
            },
            token=owner.token,
        )
    )["contactCreate"]["contact"]["id"]
    if b2b_id is not None:
        await api.ok(LINK, {"i": {"contactId": contact, "b2bId": b2b_id}}, token=owner.token)
    document = (
        await api.ok(
            CREATE,
            {
                "i": {
                    "organisationId": org,
                    "kind": "INVOICE",
                    "contactId": contact,
                    "documentDate": "2026-11-24",
                    "lines": [LAPTOP],
                }
            },
            token=owner.token,
        )
    )["documentCreate"]["document"]["id"]
    return owner, org, document


async def _doc(api: Api, owner: Member, document: str) -> dict[str, Any]:
    data = await api.ok(DOC, {"id": document}, token=owner.token)
    result: dict[str, Any] = data["node"]
    return result


async def test_push_and_acceptance(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> None:
    owner, _, document = await _ready(api, simulator, dispatcher)
    pushed = (await api.ok(PUSH, {"i": {"documentId": document}}, token=owner.token))[
        "documentPush"
    ]["document"]
    assert (pushed["status"], pushed["pushStatus"]) == ("SENT", "PUSH_INITIATED")
    assert pushed["networkId"].startswith("INV") and len(pushed["networkId"]) == 35
    await dispatcher.run_once()
    assert (await _doc(api, owner, document))["pushStatus"] == "AWAITING_RESPONSE"
    assert simulator.world.documents[pushed["networkId"]].receiver == "tapti-foods"
    again = await api(PUSH, {"i": {"documentId": document}}, token=owner.token)
    assert again["data"]["documentPush"]["userErrors"][0]["code"] == "ALREADY_DONE"
    await simulator.advance(40)
    final = await _doc(api, owner, document)
    assert final["pushStatus"] == "ACCEPTED"
    assert [h["action"] for h in final["history"]] == [
        "CREATED",
        "PUSH_INITIATED",
        "AWAITING_RESPONSE",
        "ACCEPTED",
    ]
    assert final["history"][-1]["byNetwork"] is True


async def test_rejection_and_return_carry_the_remarks(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> None:
    owner, _, document = await _ready(api, simulator, dispatcher)
    simulator.world.behaviour.document_answers["tapti-foods"] = ("RETURN", "Wrong PO reference")
    await api.ok(PUSH, {"i": {"documentId": document}}, token=owner.token)
    await dispatcher.run_once()
    await simulator.advance(40)
    returned = await _doc(api, owner, document)
    assert (returned["pushStatus"], returned["pushReason"]) == (
        "REJECTED",
        "RETURNED: Wrong PO reference",
    )
    # A returned invoice was not sent: it is a draft again, to be edited into a new version.
    assert returned["status"] == "DRAFT"


async def test_a_refusal_fails_the_push_and_it_can_be_pushed_again(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> None:
    owner, _, document = await _ready(api, simulator, dispatcher)
    simulator.faults.add("document_send", Fault("REFUSE", reason="RECEIVER_SUSPENDED"))
    first = (await api.ok(PUSH, {"i": {"documentId": document}}, token=owner.token))[
        "documentPush"
    ]["document"]
    await dispatcher.run_once()
    failed = await _doc(api, owner, document)
    assert (failed["pushStatus"], failed["pushReason"]) == (
        "PUSH_FAILED",
        "Refused by the network: RECEIVER_SUSPENDED",
    )
    assert (first["status"], failed["status"]) == ("SENT", "DRAFT")
    second = (await api.ok(PUSH, {"i": {"documentId": document}}, token=owner.token))[
        "documentPush"
    ]["document"]
    assert second["networkId"] == first["networkId"]  # a retry never mints a new id
    await dispatcher.run_once()
    resent = await _doc(api, owner, document)
    assert (resent["status"], resent["pushStatus"]) == ("SENT", "AWAITING_RESPONSE")


async def test_a_rejected_order_is_not_open(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> None:
    owner, org, _ = await _ready(api, simulator, dispatcher)
    simulator.world.behaviour.document_answers["tapti-foods"] = ("REJECT", "No such order")
    listing = """query($o: ID!, $s: DocumentStatus) { organisation(id: $o) {
        documents(kind: SALES_ORDER, status: $s) { nodes { id status } } } }"""
    contact = (await api.ok(
        "query($o: ID!) { organisation(id: $o) { contacts { nodes { id } } } }", {"o": org},
        token=owner.token,
    ))["organisation"]["contacts"]["nodes"][0]["id"]  # fmt: skip
    order = (await api.ok(
        CREATE,
        {"i": {"organisationId": org, "kind": "SALES_ORDER", "contactId": contact,
               "documentDate": "2026-11-24", "lines": [LAPTOP]}},
        token=owner.token,
    ))["documentCreate"]["document"]["id"]  # fmt: skip
    pushed = await api.ok(PUSH, {"i": {"documentId": order}}, token=owner.token)
    assert pushed["documentPush"]["document"]["status"] == "OPEN"
    await dispatcher.run_once()
    await simulator.advance(40)
    rejected = await _doc(api, owner, order)
    assert (rejected["status"], rejected["pushStatus"]) == ("DRAFT", "REJECTED")
    open_orders = await api.ok(listing, {"o": org, "s": "OPEN"}, token=owner.token)
    assert open_orders["organisation"]["documents"]["nodes"] == []
    drafts = await api.ok(listing, {"o": org, "s": "DRAFT"}, token=owner.token)
    assert [d["id"] for d in drafts["organisation"]["documents"]["nodes"]] == [order]


async def test_a_send_that_timed_out_but_arrived_is_not_sent_twice(
    api: Api,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    clock: ManualClock,
    state: AppState,
) -> None:
    owner, _, document = await _ready(api, simulator, dispatcher)
    simulator.faults.add("document_send", Fault("TIMEOUT_DONE"))
    simulator.faults.add("deliver", Fault("DUPLICATE"))
    await api.ok(PUSH, {"i": {"documentId": document}}, token=owner.token)
    await dispatcher.run_once()
    assert (await _doc(api, owner, document))["pushStatus"] == "PUSH_INITIATED"
    clock.advance(2)
    sends_before = len(simulator.world.documents)
    await dispatcher.run_once()  # asks for status, finds it delivered, does not send again
    assert len(simulator.world.documents) == sends_before == 1
    assert (await _doc(api, owner, document))["pushStatus"] == "AWAITING_RESPONSE"
    await simulator.advance(40)  # the answer is delivered twice
    final = await _doc(api, owner, document)
    assert final["pushStatus"] == "ACCEPTED"
    assert [h["action"] for h in final["history"]].count("ACCEPTED") == 1
    async with state.db.read() as session:
        statuses = list(
            (
                await session.scalars(
                    select(OrganisationEvent.data).where(
                        OrganisationEvent.kind == "DOCUMENT_STATUS_CHANGED"
                    )
                )
            ).all()
        )
    assert [d["pushStatus"] for d in statuses] == [
        "PUSH_INITIATED",
        "AWAITING_RESPONSE",
        "ACCEPTED",
    ]


async def test_an_outage_holds_the_push_until_the_network_is_back(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, clock: ManualClock
) -> None:
    owner, _, document = await _ready(api, simulator, dispatcher)
    simulator.faults.start_outage(clock.now() + timedelta(seconds=45))
    await api.ok(PUSH, {"i": {"documentId": document}}, token=owner.token)
    await dispatcher.run_once()
    assert (await _doc(api, owner, document))["pushStatus"] == "PUSH_INITIATED"
    for _ in range(8):
        clock.advance(10)
        await dispatcher.run_once()
    assert (await _doc(api, owner, document))["pushStatus"] == "AWAITING_RESPONSE"


async def test_concurrent_pushes_send_once(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> None:
    owner, _, document = await _ready(api, simulator, dispatcher)
    results = await asyncio.gather(
        *(api(PUSH, {"i": {"documentId": document}}, token=owner.token) for _ in range(5))
    )
    errors = [r["data"]["documentPush"]["userErrors"] for r in results]
    assert sum(1 for e in errors if not e) == 1
    assert {e[0]["code"] for e in errors if e} == {"ALREADY_DONE"}
    await dispatcher.run_once()
    assert len(simulator.world.documents) == 1


async def test_refusals_before_sending(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> None:
    owner, org, unlinked = await _ready(api, simulator, dispatcher, gstin=GANGA_UP, b2b_id=None)
    not_linked = await api(PUSH, {"i": {"documentId": unlinked}}, token=owner.token)
    assert [(e["code"], e["field"]) for e in not_linked["data"]["documentPush"]["userErrors"]] == [
        ("CONTACT_NOT_LINKED", ["input", "documentId"])
    ]
    staff = await api.sign_up()
    await api.add_member(owner, org, staff, "STAFF")
    forbidden = await api(PUSH, {"i": {"documentId": unlinked}}, token=staff.token)
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    stranger = await api.sign_up()
    foreign = await api(PUSH, {"i": {"documentId": unlinked}}, token=stranger.token)
    assert foreign["data"]["documentPush"]["userErrors"][0]["code"] == "NOT_FOUND"
    assert simulator.world.documents == {}


async def test_status_changes_stream_live(
    api: Api,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    live_server: LiveServer,
    state: AppState,
) -> None:
    owner, org, document = await _ready(api, simulator, dispatcher)
    ws = await GraphQLWebSocket.open(live_server.ws_url)
    assert (await ws.init({"Authorization": f"Bearer {owner.token}"}))["type"] == "connection_ack"
    await ws.subscribe(
        "subscription($o: ID!, $after: String) { organisationEvents(organisationId: $o, after: $after, kinds: [DOCUMENT_STATUS_CHANGED]) { pushStatus document { number pushStatus } } }",
        {"o": org, "after": await event_cursor(state, org)},
    )
    await api.ok(PUSH, {"i": {"documentId": document}}, token=owner.token)
    await dispatcher.run_once()
    await simulator.advance(40)
    seen = [
        (await ws.next_message())["payload"]["data"]["organisationEvents"]["pushStatus"]
        for _ in range(3)
    ]
    assert seen == ["PUSH_INITIATED", "AWAITING_RESPONSE", "ACCEPTED"]
    await ws.close()


async def test_a_crash_after_commit_before_sending_still_sends_once(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    owner, _, document = await _ready(api, simulator, dispatcher)
    await api.ok(PUSH, {"i": {"documentId": document}}, token=owner.token)
    # The process dies before its dispatcher runs; a new process picks the outbox up.
    restarted = Dispatcher(state, simulator)
    await restarted.run_once()
    assert len(simulator.world.documents) == 1
    assert (await _doc(api, owner, document))["pushStatus"] == "AWAITING_RESPONSE"


async def test_a_crash_after_sending_before_commit_does_not_deliver_twice(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState, monkeypatch: Any
) -> None:
    import pytest

    from resolvers.services import pushes

    owner, _, document = await _ready(api, simulator, dispatcher)
    await api.ok(PUSH, {"i": {"documentId": document}}, token=owner.token)
    real = pushes.set_status

    async def die_once(*args: Any, **kwargs: Any) -> None:
        monkeypatch.setattr(pushes, "set_status", real)
        msg = "process killed after the send, before the commit"
        raise ProcessKilledError(msg)

    monkeypatch.setattr(pushes, "set_status", die_once)
    with pytest.raises(ProcessKilledError):
        await dispatcher.run_once()  # sent, but nothing of it was committed
    assert (await _doc(api, owner, document))["pushStatus"] == "PUSH_INITIATED"
    assert len(simulator.world.documents) == 1  # it did reach the network
    # Its lease runs out; a new process claims it, asks the network, and finds it there.
    simulator.clock.advance(LEASE_SECONDS + 1)  # type: ignore[attr-defined]
    await Dispatcher(state, simulator).run_once()
    assert len(simulator.world.documents) == 1  # the network took it as the same message
    await simulator.advance(40)
    final = await _doc(api, owner, document)
    assert final["pushStatus"] == "ACCEPTED"
    assert [h["action"] for h in final["history"]].count("ACCEPTED") == 1


async def test_an_answer_that_overtakes_the_delivery_records_every_transition(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    owner, org, document = await _ready(api, simulator, dispatcher)
    await api.ok(PUSH, {"i": {"documentId": document}}, token=owner.token)
    key = decode_typed_id(document, "Document")
    async with state.unit_of_work() as uow:  # the answer comes before the delivery is confirmed
        found = await uow.session.get(DocumentModel, key)
        assert found is not None and found.push_status.value == "PUSH_INITIATED"
        assert await pushes.answer(uow, found, action="ACCEPT", remarks=None,
                                   version=found.version, now=state.now())  # fmt: skip
    final = await _doc(api, owner, document)
    assert [h["action"] for h in final["history"]] == [
        "CREATED", "PUSH_INITIATED", "AWAITING_RESPONSE", "ACCEPTED",
    ]  # fmt: skip
    async with state.db.read() as session:
        kinds = (await session.scalars(
            select(OrganisationEvent.data).where(
                OrganisationEvent.organisation_id == decode_typed_id(org, "Organisation"),
                OrganisationEvent.kind == "DOCUMENT_STATUS_CHANGED",
            ).order_by(OrganisationEvent.seq)
        )).all()  # fmt: skip
    assert [k.get("pushStatus") for k in kinds][-3:] == [
        "PUSH_INITIATED", "AWAITING_RESPONSE", "ACCEPTED",
    ]  # fmt: skip
