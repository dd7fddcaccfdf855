"""Paying bills through the network: both sides hosted here see the payment settle."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from contract.errors import NetworkRefusedError
from contract.payments import Allocation, PaymentOrder
from db.models import KycProfile, KycStatus, Payment
from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from resolvers.services.ids import decode_typed_id
from simulator.network import SimulatedNetwork
from simulator.world import Tracked
from tests.conftest import Api
from tests.paying import OFFLINE, PAY, PAYMENT, accepted_bill, approve_kyc, owed, pay, settle


async def test_a_bill_is_paid_and_both_sides_see_it_paid(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    seller, _, buyer, buyer_org, invoice, bill = await accepted_bill(
        api, simulator, dispatcher, state
    )
    made = await pay(api, buyer, buyer_org, [(bill, "118000.00")], idempotencyKey="pay-1")
    assert made["userErrors"] == []
    payment = made["payment"]
    assert payment["status"] == "INITIATED"
    assert payment["amount"] == {"amount": "118000.00"}
    assert payment["source"]["bankAccount"] == "XXXXXXXX9012"
    assert await owed(api, buyer, bill) == {
        "status": "OPEN", "amountPaid": {"amount": "0.00"}, "amountDue": {"amount": "118000.00"},
        "amountInFlight": {"amount": "118000.00"},
        "payments": [{"id": payment["id"], "status": "INITIATED"}],
    }  # fmt: skip
    await dispatcher.run_once()
    pending = (await api.ok(PAYMENT, {"id": payment["id"]}, token=buyer.token))["node"]
    assert pending["status"] == "PENDING"
    assert pending["virtualAccount"]["ifsc"] == "BCNB0000001"
    await settle(simulator, dispatcher)
    settled = (await api.ok(PAYMENT, {"id": payment["id"]}, token=buyer.token))["node"]
    assert settled["status"] == "SETTLED"
    assert len(settled["utr"]) == 16
    bill_now = await owed(api, buyer, bill)
    assert (bill_now["status"], bill_now["amountDue"], bill_now["amountInFlight"]) == (
        "PAID", {"amount": "0.00"}, {"amount": "0.00"},
    )  # fmt: skip
    invoice_now = await owed(api, seller, invoice)
    assert (invoice_now["status"], invoice_now["amountPaid"]) == ("PAID", {"amount": "118000.00"})
    [received] = invoice_now["payments"]
    got = (await api.ok(PAYMENT, {"id": received["id"]}, token=seller.token))["node"]
    assert (got["direction"], got["status"], got["utr"], got["source"]) == (
        "INCOMING", "SETTLED", settled["utr"], None,
    )  # fmt: skip
    assert simulator.payment_totals()["SETTLED"] == 11_800_000


async def _payments(state: AppState) -> int:
    async with state.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(Payment)) or 0)


async def test_bad_payments_are_refused_and_write_nothing(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    seller, seller_org, buyer, buyer_org, invoice, bill = await accepted_bill(
        api, simulator, dispatcher, state
    )
    card = simulator.tokenize_card("4111 1111 1111 1111", "sharma-traders")  # Sharma's card
    cases: list[tuple[list[tuple[str, str]], dict[str, Any], str, list[str]]] = [
        ([(bill, "0")], {}, "INVALID", ["input", "allocations", "0", "amount"]),
        ([(bill, "-5")], {}, "INVALID", ["input", "allocations", "0", "amount"]),
        ([(bill, "10.001")], {}, "INVALID", ["input", "allocations", "0", "amount"]),
        ([(bill, "99999999999999.99")], {}, "INVALID", ["input", "allocations", "0", "amount"]),
        ([(bill, "118000.01")], {}, "OVER_BALANCE", ["input", "allocations", "0", "amount"]),
        ([(invoice, "10")], {}, "NOT_FOUND", ["input", "allocations", "0", "documentId"]),
        ([("not-an-id", "10")], {}, "NOT_FOUND", ["input", "allocations", "0", "documentId"]),
        ([(bill, "10"), (bill, "10")], {}, "DUPLICATE", ["input", "allocations", "1", "documentId"]),
        ([], {}, "REQUIRED", ["input", "allocations"]),
        ([(bill, "10")], {"method": "UPI", "vpa": "not a vpa"}, "INVALID", ["input", "vpa"]),
        ([(bill, "10")], {"method": "UPI"}, "INVALID", ["input", "vpa"]),
        ([(bill, "10")], {"method": "NET_BANKING", "bankCode": "ZZZZ"}, "NOT_FOUND",
         ["input", "bankCode"]),
        ([(bill, "10")], {"method": "CARD", "cardToken": card.token}, "NOT_FOUND",
         ["input", "cardToken"]),
        ([(bill, "10")], {"method": "CARD", "cardToken": "x" * 50_000}, "TOO_LONG",
         ["input", "cardToken"]),
        ([(bill, "10")], {"method": "UPI", "vpa": "a\x00b@okaxis"}, "INVALID", ["input", "vpa"]),
    ]  # fmt: skip
    for allocations, extra, code, field in cases:
        refused = await pay(api, buyer, buyer_org, allocations, **extra)
        assert refused["payment"] is None
        assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [(code, field)], (
            allocations, extra, refused,
        )  # fmt: skip
    # The seller's organisation cannot pay the buyer's bill (another tenant's).
    await approve_kyc(state, seller_org, simulator)
    foreign = await pay(api, seller, seller_org, [(bill, "10")])
    assert [(e["code"], e["field"]) for e in foreign["userErrors"]] == [
        ("NOT_FOUND", ["input", "allocations", "0", "documentId"])
    ]
    assert await _payments(state) == 0
    bill_now = await owed(api, buyer, bill)
    assert (bill_now["status"], bill_now["amountInFlight"]) == ("OPEN", {"amount": "0.00"})
    # A payment on its way counts: a second one may not over-allocate.
    first = await pay(api, buyer, buyer_org, [(bill, "100000")])
    assert first["userErrors"] == []
    over = await pay(api, buyer, buyer_org, [(bill, "18000.01")])
    assert [e["code"] for e in over["userErrors"]] == ["OVER_BALANCE"]
    rest = await pay(api, buyer, buyer_org, [(bill, "18000")])
    assert rest["userErrors"] == []
    assert await _payments(state) == 2


async def test_kyc_and_access_are_required_to_pay(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    _, _, buyer, buyer_org, _, bill = await accepted_bill(api, simulator, dispatcher, state)
    async with state.unit_of_work() as uow:
        profile = await uow.session.get(KycProfile, decode_typed_id(buyer_org, "Organisation"))
        assert profile is not None
        profile.status = KycStatus.SUBMITTED
    refused = await pay(api, buyer, buyer_org, [(bill, "10")])
    assert [e["code"] for e in refused["userErrors"]] == ["KYC_NOT_APPROVED"]
    await approve_kyc(state, buyer_org)
    staff = await api.sign_up("staff")
    await api.add_member(buyer, buyer_org, staff, "STAFF")
    denied = await api(PAY, {"i": {"organisationId": buyer_org, "method": "BANK_TRANSFER",
                                   "allocations": [{"documentId": bill, "amount": "10"}]}},
                       token=staff.token)  # fmt: skip
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # Recording a payment made outside the network needs the same access.
    offline = await api(OFFLINE, {"i": {"organisationId": buyer_org, "paidOn": "2026-11-25",
                                        "mode": "CHEQUE",
                                        "allocations": [{"documentId": bill, "amount": "10"}]}},
                        token=staff.token)  # fmt: skip
    assert offline["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await _payments(state) == 0
    assert (await owed(api, buyer, bill))["amountPaid"] == {"amount": "0.00"}


async def test_a_payee_whose_kyc_is_not_approved_cannot_be_paid_through_the_network(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    _, seller_org, buyer, buyer_org, _, bill = await accepted_bill(
        api, simulator, dispatcher, state
    )
    async with state.unit_of_work() as uow:
        profile = await uow.session.get(KycProfile, decode_typed_id(seller_org, "Organisation"))
        assert profile is not None
        profile.status = KycStatus.SUBMITTED
    refused = await pay(api, buyer, buyer_org, [(bill, "10")])
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
        ("PAYEE_CANNOT_COLLECT", ["input", "allocations"])
    ]
    assert await _payments(state) == 0
    # The network checks every payee too: its KYC desk never approved this one.
    simulator.world.reviews = Tracked(
        (k, r) for k, r in simulator.world.reviews.items() if r.subject != "sharma-traders"
    )
    with pytest.raises(NetworkRefusedError) as refusal:
        await simulator.payment_initiate(
            PaymentOrder("PAYNOKYC", "kaveri-components", "sharma-traders", "BANK_TRANSFER",
                         1_000, (Allocation("X", 1_000),),
                         {"accountNumber": "123456789012", "ifsc": "HDFC0001234"})
        )  # fmt: skip
    assert refusal.value.reason == "PAYEE_CANNOT_COLLECT"
    assert simulator.payment_totals()["DEBITED"] == 0


async def test_a_upi_payment_over_the_limit_is_refused_before_it_is_sent(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    _, _, buyer, buyer_org, _, bill = await accepted_bill(api, simulator, dispatcher, state)
    over = await pay(
        api, buyer, buyer_org, [(bill, "100000.01")], method="UPI", vpa="kaveri@okhdfc"
    )
    assert [(e["code"], e["field"]) for e in over["userErrors"]] == [
        ("OVER_LIMIT", ["input", "allocations"])
    ]
    assert await _payments(state) == 0
    within = await pay(api, buyer, buyer_org, [(bill, "100000")], method="UPI", vpa="kaveri@okhdfc")
    assert within["userErrors"] == []
    await settle(simulator, dispatcher)
    assert simulator.payment_totals()["SETTLED"] == 10_000_000


async def test_the_same_idempotency_key_gives_the_same_payment(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    _, _, buyer, buyer_org, _, bill = await accepted_bill(api, simulator, dispatcher, state)
    first = await pay(api, buyer, buyer_org, [(bill, "500")], idempotencyKey="k1")
    again = await pay(api, buyer, buyer_org, [(bill, "500")], idempotencyKey="k1")
    assert first["payment"]["id"] == again["payment"]["id"]
    other = await pay(api, buyer, buyer_org, [(bill, "600")], idempotencyKey="k1")
    assert [e["code"] for e in other["userErrors"]] == ["IDEMPOTENCY_KEY_REUSED"]
    await settle(simulator, dispatcher)
    assert simulator.payment_totals()["DEBITED"] == 50_000
