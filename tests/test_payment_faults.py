"""Payments under the network's faults, out-of-order messages, failures and reversals: each
ends in the right state, and nothing is debited or applied twice."""

from __future__ import annotations

import pytest

from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from simulator.faults import Fault, FaultKind
from simulator.network import SimulatedNetwork
from tests.conftest import Api
from tests.paying import PAYMENT, accepted_bill, owed, pay, settle


async def _status(api: Api, member: object, payment_id: str) -> dict[str, object]:
    found: dict[str, object] = (
        await api.ok(PAYMENT, {"id": payment_id}, token=member.token)  # type: ignore[attr-defined]
    )["node"]
    return found


FAULTS: list[FaultKind] = ["TIMEOUT_DONE", "TIMEOUT_NOT_DONE", "DUPLICATE", "DELAY", "OUTAGE"]


@pytest.mark.parametrize("fault", FAULTS)
async def test_faults_on_sending_end_settled_with_one_debit(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState, fault: FaultKind
) -> None:
    seller, _, buyer, buyer_org, invoice, bill = await accepted_bill(
        api, simulator, dispatcher, state
    )
    made = await pay(api, buyer, buyer_org, [(bill, "118000")])
    simulator.faults.add("payment_initiate", Fault(fault, seconds=0.01 if fault == "DELAY" else 1))
    simulator.faults.add("deliver", Fault("DUPLICATE"), 4)
    for _ in range(6):  # retries back off; the network settles meanwhile
        await settle(simulator, dispatcher)
        await simulator.advance(120)
        dispatcher.circuit_open_until = None
    payment = await _status(api, buyer, made["payment"]["id"])
    assert payment["status"] == "SETTLED", payment
    assert simulator.payment_totals() == {
        "DEBITED": 11_800_000, "PENDING": 0, "SETTLED": 11_800_000, "FAILED": 0, "REVERSED": 0,
    }  # fmt: skip
    assert (await owed(api, buyer, bill))["amountPaid"] == {"amount": "118000.00"}
    invoice_now = await owed(api, seller, invoice)
    assert (invoice_now["status"], invoice_now["amountPaid"], len(invoice_now["payments"])) == (
        "PAID", {"amount": "118000.00"}, 1,
    )  # fmt: skip


async def test_settlement_heard_before_the_pending_answer(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    _, _, buyer, buyer_org, _, bill = await accepted_bill(api, simulator, dispatcher, state)
    made = await pay(api, buyer, buyer_org, [(bill, "1000")])
    # The network takes the payment but its answer is lost; it settles and says so first.
    simulator.faults.add("payment_initiate", Fault("TIMEOUT_DONE"))
    await dispatcher.run_once()
    assert (await _status(api, buyer, made["payment"]["id"]))["status"] == "INITIATED"
    await simulator.advance(10)
    settled = await _status(api, buyer, made["payment"]["id"])
    assert settled["status"] == "SETTLED"
    # The retry asks first, finds it settled, and changes nothing.
    await simulator.advance(60)
    await dispatcher.run_once()
    assert simulator.payment_totals()["DEBITED"] == 100_000
    bill_now = await owed(api, buyer, bill)
    assert (bill_now["status"], bill_now["amountPaid"], bill_now["amountInFlight"]) == (
        "PARTIALLY_PAID", {"amount": "1000.00"}, {"amount": "0.00"},
    )  # fmt: skip


async def test_a_failed_payment_frees_the_bill_and_a_reversal_undoes_a_settled_one(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    seller, _, buyer, buyer_org, invoice, bill = await accepted_bill(
        api, simulator, dispatcher, state
    )
    # The network's UPI limit, set lower than the service's ₹1 lakh: the network refuses it.
    simulator.world.behaviour.upi_limit_paise = 5_000_000
    failed = await pay(api, buyer, buyer_org, [(bill, "60000")], method="UPI", vpa="kaveri@okaxis")
    assert failed["payment"]["source"]["vpa"] == "ka****@okaxis"
    await settle(simulator, dispatcher)
    found = await _status(api, buyer, failed["payment"]["id"])
    assert (found["status"], found["failureReason"]) == ("FAILED", "LIMIT_EXCEEDED")
    bill_now = await owed(api, buyer, bill)
    assert (bill_now["status"], bill_now["amountInFlight"]) == ("OPEN", {"amount": "0.00"})
    simulator.world.behaviour.payment_rules = [
        {"method": "NET_BANKING", "reason": "BANK_DOWN", "rate": 1.0}
    ]
    down = await pay(api, buyer, buyer_org, [(bill, "500")], method="NET_BANKING", bankCode="SBIN")
    await settle(simulator, dispatcher)
    assert (await _status(api, buyer, down["payment"]["id"]))["failureReason"] == "BANK_DOWN"
    card = simulator.tokenize_card("5555555555554444", "kaveri-components")
    paid = await pay(api, buyer, buyer_org, [(bill, "118000")], method="CARD", cardToken=card.token)
    assert paid["payment"]["source"]["cardNetwork"] == "MASTERCARD"
    assert paid["payment"]["source"]["cardLast4"] == "4444"
    await settle(simulator, dispatcher)
    settled = await _status(api, buyer, paid["payment"]["id"])
    assert settled["status"] == "SETTLED"
    assert len(str(settled["utr"])) == 12
    assert (await owed(api, seller, invoice))["status"] == "PAID"
    simulator.reverse(str(settled["networkId"]))
    await simulator.advance(1)
    reversed_ = await _status(api, buyer, paid["payment"]["id"])
    assert (reversed_["status"], reversed_["failureReason"]) == ("REVERSED", "RETURNED_BY_BANK")
    assert (await owed(api, buyer, bill))["status"] == "OPEN"
    invoice_now = await owed(api, seller, invoice)
    assert (invoice_now["status"], invoice_now["amountPaid"]) == ("SENT", {"amount": "0.00"})
    assert simulator.payment_totals()["REVERSED"] == 11_800_000


@pytest.mark.parametrize("fault", FAULTS)
async def test_faults_on_every_other_payment_operation_end_right(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState, fault: FaultKind
) -> None:
    from tests.paying import CONFIRM, PAYMENTS

    seller, seller_org, buyer, buyer_org, _, bill = await accepted_bill(
        api, simulator, dispatcher, state
    )

    async def drive() -> None:
        for _ in range(8):
            await dispatcher.run_once()
            await simulator.advance(120)
            dispatcher.circuit_open_until = None

    for operation in ("payment_status", "payment_report_offline", "payment_answer_offline",
                      "settlement_report"):  # fmt: skip
        simulator.faults.add(operation, Fault(fault, seconds=0.01 if fault == "DELAY" else 5))
    simulator.faults.add("payment_initiate", Fault("TIMEOUT_NOT_DONE"))  # the retry asks first
    online = await pay(api, buyer, buyer_org, [(bill, "100000")])
    offline = await api.ok(
        """mutation($i: PaymentRecordOfflineInput!) { paymentRecordOffline(input: $i) {
        payment { id } } }""",
        {"i": {"organisationId": buyer_org, "paidOn": "2026-11-24", "mode": "CASH",
               "allocations": [{"documentId": bill, "amount": "18000"}]}},
        token=buyer.token,
    )  # fmt: skip
    await drive()
    received = await api.ok(PAYMENTS, {"o": seller_org, "s": "AWAITING_CONFIRMATION"},
                            token=seller.token)  # fmt: skip
    [report] = [e["node"] for e in received["organisation"]["payments"]["edges"]]
    await api.ok(CONFIRM, {"i": {"paymentId": report["id"]}}, token=seller.token)
    await drive()
    assert (await _status(api, buyer, online["payment"]["id"]))["status"] == "SETTLED"
    ours = await _status(api, buyer, offline["paymentRecordOffline"]["payment"]["id"])
    assert ours["status"] == "CONFIRMED"
    assert (
        simulator.payment_totals()["DEBITED"] == simulator.payment_totals()["SETTLED"] == 10_000_000
    )
    assert (await owed(api, buyer, bill))["status"] == "PAID"
    day = state.now().date().isoformat()
    await api.ok(
        """mutation($i: ReconciliationFetchInput!) { reconciliationFetch(input: $i) {
        day { day } } }""", {"i": {"organisationId": buyer_org, "day": day}}, token=buyer.token,
    )  # fmt: skip
    await drive()
    await drive()
    view = await api.ok(
        """query($o: ID!) { organisation(id: $o) { reconciliation(dateFrom: "2026-11-01",
        dateTo: "2027-10-31") { summary { matched unmatchedLines unmatchedPayments } } } }""",
        {"o": buyer_org}, token=buyer.token,
    )  # fmt: skip
    assert view["organisation"]["reconciliation"]["summary"] == {
        "matched": 1, "unmatchedLines": 0, "unmatchedPayments": 0,
    }  # fmt: skip


@pytest.mark.parametrize(("method", "field"), [("CARD", "cardToken"), ("NET_BANKING", "bankCode")])
async def test_a_card_or_bank_looked_up_while_the_network_is_down_is_a_typed_refusal(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState, method: str,
    field: str,
) -> None:  # fmt: skip
    _, _, buyer, buyer_org, _, bill = await accepted_bill(api, simulator, dispatcher, state)
    card = simulator.tokenize_card("4111 1111 1111 1111", "kaveri-components")
    source = {"cardToken": card.token} if method == "CARD" else {"bankCode": "ICIC"}
    # A refused card look-up means no such card of yours; a refused bank list, try again.
    for kind in ("OUTAGE", "TIMEOUT_NOT_DONE", *(("REFUSE",) if method == "NET_BANKING" else ())):
        simulator.faults.add("card_token" if method == "CARD" else "banks", Fault(kind, seconds=1), 5)  # fmt: skip
        refused = await pay(api, buyer, buyer_org, [(bill, "10")], method=method, **source)
        assert refused["payment"] is None
        assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
            ("NETWORK_UNAVAILABLE", ["input", field])
        ], refused
        simulator.faults.clear()
    # Nothing was written; once the network answers, the same payment goes through.
    assert (await owed(api, buyer, bill))["amountInFlight"] == {"amount": "0.00"}
    paid = await pay(api, buyer, buyer_org, [(bill, "10")], method=method, **source)
    assert paid["userErrors"] == [] and paid["payment"]["status"] == "INITIATED"
