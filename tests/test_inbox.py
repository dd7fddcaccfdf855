"""Two organisations hosted here trade through the simulated network: one's invoice arrives in
the other's inbox as a bill, which is accepted, approved, rejected or returned."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from contract.messages import InboundMessage
from db.models import Contact, Document, InboxTombstone
from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from resolvers.dispatcher.base import LEASE_SECONDS
from simulator.clock import ManualClock
from simulator.faults import Fault
from simulator.network import SimulatedNetwork
from tests.conftest import Api, LiveServer, Member, event_cursor
from tests.trading import (
    ACCEPT,
    APPROVE,
    KAVERI_COMPONENTS,
    PUSH,
    REJECT,
    SHARMA_TRADERS,
    contact,
    document,
    inbox,
    node,
    onboard,
)
from tests.wsclient import GraphQLWebSocket

SETTINGS = """mutation($i: OrganisationUpdateInput!) { organisationUpdate(input: $i) {
    organisation { billApprovalRequired } userErrors { code } } }"""


class ProcessKilledError(BaseException):
    """Stands for the process dying mid-work: nothing catches it, nothing is committed."""


async def _trade(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> tuple[Member, str, Member, str, str]:
    """Sharma pushes an invoice to Kaveri; returns both sides and the invoice."""
    seller, seller_org = await onboard(api, simulator, dispatcher, SHARMA_TRADERS)
    buyer, buyer_org = await onboard(api, simulator, dispatcher, KAVERI_COMPONENTS)
    customer = await contact(api, seller, seller_org, KAVERI_COMPONENTS)
    invoice = await document(api, seller, seller_org, customer, notes="Thank you")
    pushed = await api.ok(PUSH, {"i": {"documentId": invoice}}, token=seller.token)
    assert pushed["documentPush"]["userErrors"] == []
    return seller, seller_org, buyer, buyer_org, invoice


async def _deliver(simulator: SimulatedNetwork, dispatcher: Dispatcher) -> None:
    await dispatcher.run_once()  # the push is sent
    await simulator.advance(2)  # and handed to the receiver


async def _answer(simulator: SimulatedNetwork, dispatcher: Dispatcher) -> None:
    await dispatcher.run_once()  # the answer is sent
    await simulator.advance(1)  # and told to the sender


async def test_an_invoice_arrives_as_a_bill_and_is_accepted(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> None:
    seller, _, buyer, buyer_org, invoice = await _trade(api, simulator, dispatcher)
    assert await inbox(api, buyer, buyer_org) == []
    await _deliver(simulator, dispatcher)
    sent = await node(api, seller, invoice)
    assert sent["pushStatus"] == "AWAITING_RESPONSE"
    [item] = await inbox(api, buyer, buyer_org)
    bill = await node(api, buyer, item["id"])
    assert (bill["kind"], bill["direction"], bill["inboxStatus"], bill["status"]) == (
        "INVOICE", "INCOMING", "RECEIVED", "RECEIVED",
    )  # fmt: skip
    assert (bill["number"], bill["networkId"], bill["version"]) == (
        sent["number"], sent["networkId"], 1,
    )  # fmt: skip
    assert bill["receivedFrom"] == "sharma-traders"
    assert bill["totals"] == sent["totals"] == {
        "taxable": {"amount": "100000.00"}, "igst": {"amount": "18000.00"},
        "total": {"amount": "118000.00"},
    }  # fmt: skip
    assert bill["lines"] == sent["lines"]
    assert bill["notes"] == "Thank you"
    # The sender was unknown to the buyer: a vendor contact linked to its B2B ID was made.
    assert bill["contact"] == {
        "displayName": "Sharma Traders", "gstin": SHARMA_TRADERS.gstin, "b2bId": "sharma-traders",
        "isVendor": True, "isCustomer": False,
    }  # fmt: skip
    # The seller cannot see the buyer's bill, nor answer it.
    stranger = await api(ACCEPT, {"i": {"documentId": item["id"]}}, token=seller.token)
    assert stranger["data"]["inboxAccept"]["userErrors"][0]["code"] == "NOT_FOUND"
    # Own documents are not in the inbox and cannot be accepted.
    own = await api(ACCEPT, {"i": {"documentId": invoice}}, token=seller.token)
    assert own["data"]["inboxAccept"]["userErrors"][0]["code"] == "NOT_FOUND"

    bad = await api(
        ACCEPT, {"i": {"documentId": item["id"], "dueDate": "2026-01-01"}}, token=buyer.token
    )
    assert [(e["code"], e["field"]) for e in bad["data"]["inboxAccept"]["userErrors"]] == [
        ("INVALID", ["input", "dueDate"])
    ]
    accepted = await api.ok(
        ACCEPT,
        {"i": {"documentId": item["id"], "dueDate": "2026-12-31", "notes": " Pay by  NEFT "}},
        token=buyer.token,
    )
    assert accepted["inboxAccept"]["document"] == {
        "id": item["id"], "status": "OPEN", "inboxStatus": "ACCEPTANCE_IN_PROGRESS",
        "dueDate": "2026-12-31", "notes": "Pay by NEFT",
    }  # fmt: skip
    twice = await api(ACCEPT, {"i": {"documentId": item["id"]}}, token=buyer.token)
    assert twice["data"]["inboxAccept"]["userErrors"][0]["code"] == "ALREADY_DONE"
    await _answer(simulator, dispatcher)
    bill = await node(api, buyer, item["id"])
    assert bill["inboxStatus"] == "ACCEPTED"
    assert [h["action"] for h in bill["history"]] == [
        "RECEIVED", "ACCEPTANCE_IN_PROGRESS", "ACCEPTED",
    ]  # fmt: skip
    assert bill["history"][1]["detail"] == "Adjusted: due date 2026-12-31, notes."
    assert (await node(api, seller, invoice))["pushStatus"] == "ACCEPTED"
    late = await api(
        REJECT, {"i": {"documentId": item["id"], "reason": "Changed my mind"}}, token=buyer.token
    )
    assert "errors" not in late, late
    assert late["data"]["inboxReject"]["userErrors"][0]["code"] == "ALREADY_DONE"
    assert len(await inbox(api, buyer, buyer_org, "ACCEPTED")) == 1


async def test_a_rejected_bill_is_deleted_and_late_echoes_are_ignored(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    seller, _, buyer, buyer_org, invoice = await _trade(api, simulator, dispatcher)
    await _deliver(simulator, dispatcher)
    [item] = await inbox(api, buyer, buyer_org)
    empty = await api(REJECT, {"i": {"documentId": item["id"], "reason": "  "}}, token=buyer.token)
    assert [(e["code"], e["field"]) for e in empty["data"]["inboxReject"]["userErrors"]] == [
        ("REQUIRED", ["input", "reason"])
    ]
    rejected = await api.ok(
        REJECT,
        {"i": {"documentId": item["id"], "reason": "Not ordered"}},
        token=buyer.token,
    )
    sent = await node(api, seller, invoice)
    assert rejected["inboxReject"]["rejected"] == {
        "networkId": sent["networkId"], "version": 1, "number": sent["number"],
        "senderB2BId": "sharma-traders", "returnedForEdits": False, "reason": "Not ordered",
    }  # fmt: skip
    assert await inbox(api, buyer, buyer_org) == []
    assert (await api.ok("query($id: ID!) { node(id: $id) { id } }", {"id": item["id"]}, token=buyer.token))["node"] is None  # fmt: skip
    again = await api(REJECT, {"i": {"documentId": item["id"], "reason": "x"}}, token=buyer.token)
    assert again["data"]["inboxReject"]["userErrors"][0]["code"] == "NOT_FOUND"
    await _answer(simulator, dispatcher)
    sent = await node(api, seller, invoice)
    assert (sent["pushStatus"], sent["pushReason"]) == ("REJECTED", "Not ordered")
    # A late echo of the same version (the network delivering it again) is recognised.
    held = simulator.world.documents[sent["networkId"]]
    assert held.state == "REJECTED"
    await simulator._task_hand_over(held.network_id, held.version)
    assert await simulator.run_due() == 1  # the echo was delivered
    assert await inbox(api, buyer, buyer_org) == []
    async with state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(InboxTombstone)) == 1
        assert await session.scalar(select(func.count()).select_from(Document)) == 1


async def test_a_returned_invoice_comes_back_as_a_new_version(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> None:
    seller, _, buyer, buyer_org, invoice = await _trade(api, simulator, dispatcher)
    await _deliver(simulator, dispatcher)
    [item] = await inbox(api, buyer, buyer_org)
    returned = await api.ok(
        REJECT,
        {"i": {"documentId": item["id"], "reason": "Wrong price", "returnForEdits": True}},
        token=buyer.token,
    )
    assert returned["inboxReject"]["rejected"]["returnedForEdits"] is True
    await _answer(simulator, dispatcher)
    sent = await node(api, seller, invoice)
    assert (sent["pushStatus"], sent["pushReason"]) == ("REJECTED", "RETURNED: Wrong price")
    blocked = await api(PUSH, {"i": {"documentId": invoice}}, token=seller.token)
    assert blocked["data"]["documentPush"]["userErrors"][0]["code"] == "ALREADY_DONE"


async def test_bill_approval_flow(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> None:
    seller, _, buyer, buyer_org, invoice = await _trade(api, simulator, dispatcher)
    on = await api.ok(
        SETTINGS, {"i": {"id": buyer_org, "billApprovalRequired": True}}, token=buyer.token
    )
    assert on["organisationUpdate"]["organisation"] == {"billApprovalRequired": True}
    await _deliver(simulator, dispatcher)
    [item] = await inbox(api, buyer, buyer_org)
    early = await api(APPROVE, {"i": {"documentId": item["id"]}}, token=buyer.token)
    assert early["data"]["inboxApprove"]["userErrors"][0]["code"] == "ALREADY_DONE"
    accepted = await api.ok(ACCEPT, {"i": {"documentId": item["id"]}}, token=buyer.token)
    assert accepted["inboxAccept"]["document"]["status"] == "PENDING_APPROVAL"
    await _answer(simulator, dispatcher)  # nothing is told before approval
    assert (await node(api, seller, invoice))["pushStatus"] == "AWAITING_RESPONSE"
    staff = await api.sign_up("staff")
    await api.add_member(buyer, buyer_org, staff, "STAFF")
    denied = await api(APPROVE, {"i": {"documentId": item["id"]}}, token=staff.token)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    approved = await api.ok(APPROVE, {"i": {"documentId": item["id"]}}, token=buyer.token)
    assert approved["inboxApprove"]["document"] == {
        "id": item["id"], "status": "OPEN", "inboxStatus": "ACCEPTANCE_IN_PROGRESS",
    }  # fmt: skip
    await _answer(simulator, dispatcher)
    assert (await node(api, buyer, item["id"]))["inboxStatus"] == "ACCEPTED"
    assert (await node(api, seller, invoice))["pushStatus"] == "ACCEPTED"
    assert [h["action"] for h in (await node(api, buyer, item["id"]))["history"]] == [
        "RECEIVED", "PENDING_APPROVAL", "APPROVED", "ACCEPTED",
    ]  # fmt: skip


async def test_a_bill_waiting_for_approval_may_still_be_rejected(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> None:
    seller, _, buyer, buyer_org, invoice = await _trade(api, simulator, dispatcher)
    await api.ok(
        SETTINGS, {"i": {"id": buyer_org, "billApprovalRequired": True}}, token=buyer.token
    )
    await _deliver(simulator, dispatcher)
    [item] = await inbox(api, buyer, buyer_org)
    await api.ok(ACCEPT, {"i": {"documentId": item["id"]}}, token=buyer.token)
    await api.ok(
        REJECT, {"i": {"documentId": item["id"], "reason": "Over budget"}}, token=buyer.token
    )
    await _answer(simulator, dispatcher)
    assert (await node(api, seller, invoice))["pushStatus"] == "REJECTED"


async def test_answers_are_exactly_once_under_faults(
    api: Api,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    clock: ManualClock,
    state: AppState,
) -> None:
    seller, _, buyer, buyer_org, invoice = await _trade(api, simulator, dispatcher)
    simulator.faults.add("deliver", Fault("DUPLICATE"))  # the bill is delivered twice
    await _deliver(simulator, dispatcher)
    assert len(await inbox(api, buyer, buyer_org)) == 1
    [item] = await inbox(api, buyer, buyer_org)
    await api.ok(ACCEPT, {"i": {"documentId": item["id"]}}, token=buyer.token)
    simulator.faults.add("document_answer", Fault("TIMEOUT_DONE"))  # took it, said nothing
    await dispatcher.run_once()
    assert (await node(api, buyer, item["id"]))["inboxStatus"] == "ACCEPTANCE_IN_PROGRESS"
    simulator.faults.start_outage(clock.now() + timedelta(seconds=20))
    clock.advance(3)
    await dispatcher.run_once()  # down: held back
    assert (await node(api, buyer, item["id"]))["inboxStatus"] == "ACCEPTANCE_IN_PROGRESS"
    for _ in range(6):
        clock.advance(10)
        await dispatcher.run_once()
        await simulator.run_due()
    bill = await node(api, buyer, item["id"])
    assert bill["inboxStatus"] == "ACCEPTED"
    assert [h["action"] for h in bill["history"]].count("ACCEPTED") == 1
    sent = await node(api, seller, invoice)
    assert sent["pushStatus"] == "ACCEPTED"
    assert [h["action"] for h in sent["history"]].count("ACCEPTED") == 1
    assert simulator.world.carried == [(sent["networkId"], 1)]


def _well_formed(
    network_id: str, number: str, *, line_total: int, total: int, **dates: str
) -> dict[str, Any]:
    """A document message as the network carries it, with the given amounts."""
    money = {"taxable": line_total, "cgst": 0, "sgst": 0, "utgst": 0, "igst": 0}
    line = {"description": "Steel", "hsnSac": "7208", "quantityMilli": 1000,
            "unitPrice": line_total, "discount": 0, "taxRateBp": 0, **money}  # fmt: skip
    return {
        "receiverB2BId": "kaveri-components", "networkId": network_id, "version": 1,
        "senderB2BId": "ganga-steel", "kind": "INVOICE", "number": number,
        "documentDate": dates.get("documentDate", "2026-11-24"),
        "content": {
            "lines": [line], "totals": {**money, "rounding": 0, "total": total},
            "sellerGstin": None, "placeOfSupply": "29", "supplyType": "INTER_STATE",
            **({"dueDate": dates["dueDate"]} if "dueDate" in dates else {}),
        },
    }  # fmt: skip


async def test_malformed_network_documents_are_dropped(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    from resolvers import inbound

    buyer, buyer_org = await onboard(api, simulator, dispatcher, KAVERI_COMPONENTS)
    for data in (
        {"receiverB2BId": "kaveri-components", "networkId": "INVX", "version": 1},
        {"receiverB2BId": "kaveri-components", "networkId": "INVY", "version": 1,
         "senderB2BId": "ganga-steel", "kind": "INVOICE", "number": "G-1",
         "documentDate": "2026-11-24", "content": {"totals": {}, "lines": []}},
        {"receiverB2BId": "kaveri-components", "networkId": "INVZ", "version": 1,
         "senderB2BId": "ganga-steel", "kind": "RECEIPT", "number": "G-2",
         "documentDate": "2026-11-24", "content": {}},
        {"receiverB2BId": "somebody-else", "networkId": "INVW", "version": 1},
        # Amounts past our maximums (they would overflow 64-bit paise), and absurd dates.
        _well_formed("INVA", "G-3", line_total=2**63, total=2**63),
        _well_formed("INVB", "G-4", line_total=100, total=100, documentDate="0001-01-01"),
        _well_formed("INVC", "G-5", line_total=100, total=100, dueDate="9999-12-31"),
    ):  # fmt: skip
        await inbound.handle(
            state,
            InboundMessage(
                message_id=f"MSG-{data['networkId']}", kind="DOCUMENT_RECEIVED",
                request_id=str(data["networkId"]), approved=True, reason=None,
                occurred_at=state.now(), data=data,
            ),
        )  # fmt: skip
    assert await inbox(api, buyer, buyer_org) == []
    async with state.db.read() as session:  # nothing half-written: no document, no contact
        assert await session.scalar(select(func.count()).select_from(Document)) == 0
        assert await session.scalar(select(func.count()).select_from(Contact)) == 0
    # The same message within the maximums is booked.
    good = _well_formed("INVD", "G-6", line_total=100, total=100)
    await inbound.handle(
        state,
        InboundMessage(
            message_id="MSG-INVD", kind="DOCUMENT_RECEIVED", request_id="INVD", approved=True,
            reason=None, occurred_at=state.now(), data=good,
        ),
    )  # fmt: skip
    async with state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Document)) == 1


async def test_the_inbox_streams_live(
    api: Api,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    live_server: LiveServer,
    state: AppState,
) -> None:
    seller, seller_org, buyer, buyer_org, invoice = await _trade(api, simulator, dispatcher)
    buyer_ws = await GraphQLWebSocket.open(live_server.ws_url)
    await buyer_ws.init({"Authorization": f"Bearer {buyer.token}"})
    await buyer_ws.subscribe(
        "subscription($o: ID!, $after: String) { organisationEvents(organisationId: $o, "
        "after: $after, documentKinds: [INVOICE]) { kind inboxStatus documentKind "
        "document { number receivedFrom } } }",
        {"o": buyer_org, "after": await event_cursor(state, buyer_org)},
    )
    seller_ws = await GraphQLWebSocket.open(live_server.ws_url)
    await seller_ws.init({"Authorization": f"Bearer {seller.token}"})
    await seller_ws.subscribe(
        "subscription($o: ID!, $after: String, $d: ID) { organisationEvents(organisationId: $o, "
        "after: $after, documentId: $d) { pushStatus } }",
        {"o": seller_org, "after": await event_cursor(state, seller_org), "d": invoice},
    )
    await _deliver(simulator, dispatcher)
    arrived = (await buyer_ws.next_message())["payload"]["data"]["organisationEvents"]
    assert arrived["kind"] == "INBOX_ITEM_RECEIVED"
    assert arrived["documentKind"] == "INVOICE"
    assert arrived["document"]["receivedFrom"] == "sharma-traders"
    [item] = await inbox(api, buyer, buyer_org)
    await api.ok(ACCEPT, {"i": {"documentId": item["id"]}}, token=buyer.token)
    await _answer(simulator, dispatcher)
    statuses = [
        (await buyer_ws.next_message())["payload"]["data"]["organisationEvents"]["inboxStatus"]
        for _ in range(2)
    ]
    assert statuses == ["ACCEPTANCE_IN_PROGRESS", "ACCEPTED"]
    seen = [
        (await seller_ws.next_message())["payload"]["data"]["organisationEvents"]["pushStatus"]
        for _ in range(2)
    ]
    assert seen == ["AWAITING_RESPONSE", "ACCEPTED"]
    await buyer_ws.close()
    await seller_ws.close()


async def test_a_crash_after_answering_before_commit_answers_once(
    api: Api,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    state: AppState,
    monkeypatch: Any,
) -> None:
    import pytest

    from resolvers.services import inbox as inbox_service

    seller, _, buyer, buyer_org, invoice = await _trade(api, simulator, dispatcher)
    await _deliver(simulator, dispatcher)
    [item] = await inbox(api, buyer, buyer_org)
    await api.ok(ACCEPT, {"i": {"documentId": item["id"]}}, token=buyer.token)
    real = inbox_service.answered

    async def die_once(*args: Any, **kwargs: Any) -> None:
        monkeypatch.setattr(inbox_service, "answered", real)
        msg = "process killed after the answer, before the commit"
        raise ProcessKilledError(msg)

    monkeypatch.setattr(inbox_service, "answered", die_once)
    with pytest.raises(ProcessKilledError):
        await dispatcher.run_once()  # the network took the answer; nothing here was committed
    assert (await node(api, buyer, item["id"]))["inboxStatus"] == "ACCEPTANCE_IN_PROGRESS"
    # The dead worker's lease runs out; another answers again: the network takes it as a repeat.
    simulator.clock.advance(LEASE_SECONDS + 1)  # type: ignore[attr-defined]
    await Dispatcher(state, simulator).run_once()
    await simulator.advance(1)
    bill = await node(api, buyer, item["id"])
    assert bill["inboxStatus"] == "ACCEPTED"
    assert [h["action"] for h in bill["history"]].count("ACCEPTED") == 1
    sent = await node(api, seller, invoice)
    assert sent["pushStatus"] == "ACCEPTED"
    assert [h["action"] for h in sent["history"]].count("ACCEPTED") == 1
