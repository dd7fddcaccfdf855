"""The seller's side of getting paid outside the happy path: recording a payment its customer
made outside the network (never reported), and asking the customer to pay over the network."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from db.models import OrganisationEvent
from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from simulator.network import SimulatedNetwork
from tests.conftest import Api, Member
from tests.paying import PAYMENT_FIELDS, accepted_bill, owed
from tests.trading import node

RECORD = (
    """mutation($i: PaymentReceivedRecordInput!) { paymentReceivedRecord(input: $i) { payment { """
    + PAYMENT_FIELDS
    + """ } userErrors { code field message } } }"""
)
ASK = """mutation($i: PaymentRequestSendInput!) { paymentRequestSend(input: $i) {
    invoice { id history { action detail } } userErrors { code field message } } }"""


async def _record(api: Api, member: Member, org: str, invoice: str, amount: str) -> dict[str, Any]:
    data = await api(RECORD, {"i": {"organisationId": org, "paidOn": "2026-11-24",
                                    "mode": "CASH", "reference": "Receipt 17",
                                    "allocations": [{"documentId": invoice, "amount": amount}]}},
                     token=member.token)  # fmt: skip
    assert "errors" not in data, data
    result: dict[str, Any] = data["data"]["paymentReceivedRecord"]
    return result


async def test_a_seller_records_a_payment_its_customer_made_outside_the_network(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    seller, seller_org, buyer, _buyer_org, invoice, bill = await accepted_bill(
        api, simulator, dispatcher, state
    )
    made = await _record(api, seller, seller_org, invoice, "18000")
    assert made["userErrors"] == [], made
    payment = made["payment"]
    assert (payment["direction"], payment["method"], payment["status"], payment["offlineMode"],
            payment["reference"]) == ("INCOMING", "OFFLINE", "RECORDED", "CASH", "Receipt 17")  # fmt: skip
    shown = await owed(api, seller, invoice)
    assert (shown["status"], shown["amountDue"]) == ("PARTIALLY_PAID", {"amount": "100000.00"})
    assert (await owed(api, buyer, bill))["amountPaid"] == {"amount": "0.00"}  # not told
    assert simulator.world.payments == {}  # nothing went over the network
    over = await _record(api, seller, seller_org, invoice, "100000.01")
    assert [(e["code"], e["field"]) for e in over["userErrors"]] == [
        ("OVER_BALANCE", ["input", "allocations", "0", "amount"])
    ]
    foreign = await _record(api, seller, seller_org, bill, "10")
    assert [e["code"] for e in foreign["userErrors"]] == ["NOT_FOUND"]
    staff = await api.sign_up("staff")
    await api.add_member(seller, seller_org, staff, "STAFF")
    denied = await api(RECORD, {"i": {"organisationId": seller_org, "paidOn": "2026-11-24",
                                      "mode": "CASH",
                                      "allocations": [{"documentId": invoice, "amount": "1"}]}},
                       token=staff.token)  # fmt: skip
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_seller_asks_its_customer_to_pay_over_the_network(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    seller, _seller_org, buyer, _buyer_org, invoice, bill = await accepted_bill(
        api, simulator, dispatcher, state
    )
    too_much = await api(ASK, {"i": {"invoiceId": invoice, "amount": "118000.01"}},
                         token=seller.token)  # fmt: skip
    assert [
        (e["code"], e["field"]) for e in too_much["data"]["paymentRequestSend"]["userErrors"]
    ] == [("OVER_BALANCE", ["input", "amount"])]
    not_ours = await api(ASK, {"i": {"invoiceId": bill}}, token=seller.token)
    assert [e["code"] for e in not_ours["data"]["paymentRequestSend"]["userErrors"]] == [
        "NOT_FOUND"
    ]
    asked = await api.ok(ASK, {"i": {"invoiceId": invoice, "message": "  Please pay  by Friday ",
                                     "idempotencyKey": "ask-1"}}, token=seller.token)  # fmt: skip
    history = asked["paymentRequestSend"]["invoice"]["history"]
    assert history[-1] == {"action": "PAYMENT_REQUESTED",
                           "detail": "₹118000.00 asked for: Please pay by Friday"}  # fmt: skip
    again = await api.ok(ASK, {"i": {"invoiceId": invoice, "message": "  Please pay  by Friday ",
                                     "idempotencyKey": "ask-1"}}, token=seller.token)  # fmt: skip
    assert again["paymentRequestSend"]["invoice"]["history"] == history  # replayed, not re-sent
    twice = await api(ASK, {"i": {"invoiceId": invoice}}, token=seller.token)
    [limited] = twice["data"]["paymentRequestSend"]["userErrors"]
    assert (limited["code"], limited["field"]) == ("RATE_LIMITED", ["input", "invoiceId"])
    await dispatcher.run_once()
    await simulator.advance(1)
    assert len(simulator.world.payment_requests) == 1
    bill_history = (await node(api, buyer, bill))["history"]
    assert bill_history[-1] == {"action": "PAYMENT_REQUESTED", "byNetwork": True,
                                "detail": "₹118000.00 asked for: Please pay by Friday"}  # fmt: skip
    async with state.db.read() as session:
        events = (await session.scalars(
            select(OrganisationEvent.data).where(OrganisationEvent.kind == "PAYMENT_REQUESTED")
        )).all()  # fmt: skip
    assert [(e["amountPaise"], e["reason"]) for e in events] == [
        (11_800_000, "Please pay by Friday")
    ]
