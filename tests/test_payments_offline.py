"""Payments outside the network (recorded by the buyer, confirmed or denied by the seller),
and external businesses paying our invoices through the simulator's control API."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from sqlalchemy import func, select

from db.models import Payment
from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from simulator.demo import GANGA_UP
from simulator.network import SimulatedNetwork
from tests.conftest import Api, Member
from tests.paying import (
    CONFIRM,
    DENY,
    OFFLINE,
    PAYMENTS,
    accepted_bill,
    approve_kyc,
    owed,
)
from tests.test_versions_and_notes import VOID
from tests.trading import ACCEPT, CONTACT, LINK, PUSH, SHARMA_TRADERS, document, node, onboard


async def _record(api: Api, member: Member, org: str, bill: str, amount: str) -> dict[str, Any]:
    data = await api(
        OFFLINE,
        {"i": {"organisationId": org, "paidOn": "2026-11-24", "mode": "CHEQUE",
               "reference": " CHQ  004512 ",
               "allocations": [{"documentId": bill, "amount": amount}]}},
        token=member.token,
    )  # fmt: skip
    assert "errors" not in data, data
    result: dict[str, Any] = data["data"]["paymentRecordOffline"]
    return result


async def _received(api: Api, member: Member, org: str) -> list[dict[str, Any]]:
    data = await api.ok(PAYMENTS, {"o": org, "d": "INCOMING"}, token=member.token)
    return [e["node"] for e in data["organisation"]["payments"]["edges"]]


async def test_an_offline_payment_is_confirmed_by_the_seller(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    seller, seller_org, buyer, buyer_org, invoice, bill = await accepted_bill(
        api, simulator, dispatcher, state
    )
    made = await _record(api, buyer, buyer_org, bill, "18000")
    assert made["userErrors"] == []
    payment = made["payment"]
    assert (payment["method"], payment["status"], payment["offlineMode"], payment["reference"]) == (
        "OFFLINE", "AWAITING_CONFIRMATION", "CHEQUE", "CHQ 004512",
    )  # fmt: skip
    assert (await owed(api, buyer, bill))["status"] == "PARTIALLY_PAID"
    await dispatcher.run_once()  # reported to the vendor
    await simulator.advance(1)
    [received] = await _received(api, seller, seller_org)
    assert (received["status"], received["amount"], received["counterpartyB2BId"]) == (
        "AWAITING_CONFIRMATION", {"amount": "18000.00"}, "kaveri-components",
    )  # fmt: skip
    assert (await owed(api, seller, invoice))["status"] == "SENT"
    # The buyer cannot confirm its own payment; the seller can, once.
    foreign = await api(CONFIRM, {"i": {"paymentId": payment["id"]}}, token=buyer.token)
    assert foreign["data"]["paymentReceivedConfirm"]["userErrors"][0]["code"] == "NOT_FOUND"
    confirmed = await api.ok(CONFIRM, {"i": {"paymentId": received["id"]}}, token=seller.token)
    assert confirmed["paymentReceivedConfirm"]["payment"]["status"] == "CONFIRMED"
    again = await api(CONFIRM, {"i": {"paymentId": received["id"]}}, token=seller.token)
    assert again["data"]["paymentReceivedConfirm"]["userErrors"][0]["code"] == "ALREADY_DONE"
    invoice_now = await owed(api, seller, invoice)
    assert (invoice_now["status"], invoice_now["amountDue"]) == (
        "PARTIALLY_PAID", {"amount": "100000.00"},
    )  # fmt: skip
    await dispatcher.run_once()  # the answer goes to the network
    await simulator.advance(1)
    mine = await api.ok(PAYMENTS, {"o": buyer_org, "d": "OUTGOING"}, token=buyer.token)
    assert mine["organisation"]["payments"]["edges"][0]["node"]["status"] == "CONFIRMED"


async def test_a_denied_offline_payment_is_deleted_and_the_bill_is_open_again(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    seller, seller_org, buyer, buyer_org, invoice, bill = await accepted_bill(
        api, simulator, dispatcher, state
    )
    await _record(api, buyer, buyer_org, bill, "118000")
    assert (await owed(api, buyer, bill))["status"] == "PAID"
    await dispatcher.run_once()
    await simulator.advance(1)
    [received] = await _received(api, seller, seller_org)
    blank = await api(DENY, {"i": {"paymentId": received["id"], "remarks": "  "}},
                      token=seller.token)  # fmt: skip
    assert [
        (e["code"], e["field"]) for e in blank["data"]["paymentReceivedDeny"]["userErrors"]
    ] == [("REQUIRED", ["input", "remarks"])]
    denied = await api.ok(
        DENY, {"i": {"paymentId": received["id"], "remarks": "Not on our statement"}},
        token=seller.token,
    )  # fmt: skip
    assert denied["paymentReceivedDeny"]["payment"]["status"] == "DENIED"
    assert await _received(api, seller, seller_org) == []
    await dispatcher.run_once()
    await simulator.advance(1)
    mine = await api.ok(PAYMENTS, {"o": buyer_org, "d": "OUTGOING"}, token=buyer.token)
    [payment] = [e["node"] for e in mine["organisation"]["payments"]["edges"]]
    assert (payment["status"], payment["remarks"]) == ("DENIED", "Not on our statement")
    bill_now = await owed(api, buyer, bill)
    assert (bill_now["status"], bill_now["amountDue"]) == ("OPEN", {"amount": "118000.00"})
    assert (await owed(api, seller, invoice))["status"] == "SENT"


async def test_offline_input_is_checked(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    _, _, buyer, buyer_org, _, bill = await accepted_bill(api, simulator, dispatcher, state)
    for variables, code, field in [
        ({"paidOn": "0001-01-01"}, "INVALID", ["input", "paidOn"]),
        ({"paidOn": "9999-12-31"}, "INVALID", ["input", "paidOn"]),
        ({"reference": "R" * 101}, "TOO_LONG", ["input", "reference"]),
    ]:
        data = await api(
            OFFLINE,
            {"i": {"organisationId": buyer_org, "paidOn": "2026-11-24", "mode": "CASH",
                   "allocations": [{"documentId": bill, "amount": "10"}], **variables}},
            token=buyer.token,
        )  # fmt: skip
        errors = data["data"]["paymentRecordOffline"]["userErrors"]
        assert [(e["code"], e["field"]) for e in errors] == [(code, field)], data
    async with state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Payment)) == 0


async def test_an_external_customer_pays_our_invoice(
    api: Api,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    state: AppState,
    control: httpx.AsyncClient,
) -> None:
    seller, seller_org = await onboard(api, simulator, dispatcher, SHARMA_TRADERS)
    await approve_kyc(state, seller_org, simulator)  # to receive payments
    made = await api.ok(
        CONTACT,
        {"i": {"organisationId": seller_org, "contact": {
            "displayName": "Ganga Steel", "isCustomer": True, "gstin": GANGA_UP,
            "gstTreatment": "REGISTERED_REGULAR"}}},
        token=seller.token,
    )  # fmt: skip
    customer = made["contactCreate"]["contact"]["id"]
    await api.ok(LINK, {"i": {"contactId": customer, "b2bId": "ganga-steel"}}, token=seller.token)
    invoice = await document(api, seller, seller_org, customer)
    pushed = await api.ok(PUSH, {"i": {"documentId": invoice}}, token=seller.token)
    network_id = pushed["documentPush"]["document"]["networkId"]
    await dispatcher.run_once()
    await simulator.advance(40)  # Ganga accepts
    online = await control.post(
        "/simulator/payments",
        json={"invoiceNetworkId": network_id, "amountPaise": 10_000_000, "method": "UPI"},
    )
    assert online.status_code == 200, online.text
    await simulator.advance(10)
    [received] = await _received(api, seller, seller_org)
    assert (received["status"], received["method"], received["counterpartyB2BId"]) == (
        "SETTLED", "UPI", "ganga-steel",
    )  # fmt: skip
    assert (await owed(api, seller, invoice))["status"] == "PARTIALLY_PAID"
    offline = await control.post(
        "/simulator/payments",
        json={"invoiceNetworkId": network_id, "amountPaise": 1_800_000, "offline": True,
              "reference": "UTR998877"},
    )  # fmt: skip
    assert offline.status_code == 200
    await simulator.advance(1)
    awaiting = [p for p in await _received(api, seller, seller_org) if p["method"] == "OFFLINE"]
    assert awaiting[0]["status"] == "AWAITING_CONFIRMATION"
    await api.ok(CONFIRM, {"i": {"paymentId": awaiting[0]["id"]}}, token=seller.token)
    assert (await owed(api, seller, invoice))["status"] == "PAID"
    await dispatcher.run_once()
    assert simulator.world.payments[offline.json()["networkId"]].state == "RECEIVED"


async def test_an_invoice_with_a_payment_awaiting_confirmation_is_not_voided(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, control: httpx.AsyncClient
) -> None:
    seller, seller_org = await onboard(api, simulator, dispatcher, SHARMA_TRADERS)
    made = await api.ok(
        CONTACT,
        {"i": {"organisationId": seller_org, "contact": {
            "displayName": "Ganga Steel", "isCustomer": True, "gstin": GANGA_UP,
            "gstTreatment": "REGISTERED_REGULAR"}}},
        token=seller.token,
    )  # fmt: skip
    customer = made["contactCreate"]["contact"]["id"]
    await api.ok(LINK, {"i": {"contactId": customer, "b2bId": "ganga-steel"}}, token=seller.token)
    invoice = await document(api, seller, seller_org, customer)
    simulator.world.behaviour.document_answers["ganga-steel"] = ("REJECT", "Wrong rate")
    pushed = await api.ok(PUSH, {"i": {"documentId": invoice}}, token=seller.token)
    await dispatcher.run_once()
    # Ganga reports paying part of it outside the network, then rejects the invoice.
    reported = await control.post(
        "/simulator/payments",
        json={"invoiceNetworkId": pushed["documentPush"]["document"]["networkId"],
              "amountPaise": 1_000_000, "offline": True},
    )  # fmt: skip
    assert reported.status_code == 200, reported.text
    await simulator.advance(40)
    await dispatcher.run_once()
    assert (await node(api, seller, invoice))["pushStatus"] == "REJECTED"
    [awaiting] = await _received(api, seller, seller_org)
    assert awaiting["status"] == "AWAITING_CONFIRMATION"
    refused = await api(VOID, {"i": {"documentId": invoice, "reason": "Rejected"}},
                        token=seller.token)  # fmt: skip
    assert refused["data"]["documentVoid"]["userErrors"] == [
        {"code": "PAYMENT_IN_FLIGHT", "field": ["input", "documentId"]}
    ]
    assert (await node(api, seller, invoice))["status"] != "VOID"


async def test_we_pay_an_external_vendor(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    from contract.wire import document_from_json
    from tests.paying import pay, settle
    from tests.test_readme import SIMULATOR_GUIDE

    owner, org = await onboard(api, simulator, dispatcher, SHARMA_TRADERS)
    body = re.search(
        r"sandbox-ganga-steel-key.*?-d '(.*?)'\n",
        SIMULATOR_GUIDE.read_text(encoding="utf-8"),
        re.DOTALL,
    )
    assert body is not None
    await simulator.document_send(document_from_json(json.loads(body.group(1))))
    await simulator.advance(5)
    [bill] = [e["node"] for e in (await api.ok(
        """query($o: ID!) { organisation(id: $o) { documents(direction: INCOMING) {
        edges { node { id } } } } }""", {"o": org}, token=owner.token,
    ))["organisation"]["documents"]["edges"]]  # fmt: skip
    await api.ok(ACCEPT, {"i": {"documentId": bill["id"]}}, token=owner.token)
    await dispatcher.run_once()
    await approve_kyc(state, org)
    made = await pay(api, owner, org, [(bill["id"], "1180.00")], method="NET_BANKING",
                     bankCode="HDFC")  # fmt: skip
    assert made["userErrors"] == []
    await settle(simulator, dispatcher)
    assert (await owed(api, owner, bill["id"]))["status"] == "PAID"
    [held] = simulator.world.payments.values()
    assert (held.payee, held.state, held.amount_paise) == ("ganga-steel", "SETTLED", 118_000)
