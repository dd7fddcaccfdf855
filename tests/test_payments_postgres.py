"""Exactly once on PostgreSQL: concurrent payments with one key, concurrent payments over a
bill's balance, two dispatchers, and crashes on either side of the network call."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import OutboxMessage, OutboxStatus, Payment, PaymentDirection
from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from resolvers.dispatcher import payments as payment_handlers
from simulator.faults import Fault
from simulator.network import SimulatedNetwork
from tests.conftest import Api
from tests.paying import accepted_bill, owed, pay

pytestmark = pytest.mark.postgres_only

K = 8


async def _outgoing(state: AppState) -> int:
    async with state.db.read() as session:
        query = select(func.count()).where(Payment.direction == PaymentDirection.OUTGOING)
        return int(await session.scalar(query) or 0)


async def _drain(simulator: SimulatedNetwork, state: AppState) -> None:
    """Two dispatchers work the outbox together until the network has settled everything."""
    first, second = Dispatcher(state, simulator), Dispatcher(state, simulator)
    for _ in range(4):
        await asyncio.gather(first.run_once(), second.run_once())
        await simulator.advance(simulator.world.behaviour.settlement_seconds + 60)


async def test_one_key_sent_k_times_at_once_pays_once(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    _, _, buyer, buyer_org, _, bill = await accepted_bill(api, simulator, dispatcher, state)
    simulator.faults.add("payment_initiate", Fault("DELAY", seconds=0.02), times=K)
    results = await asyncio.gather(
        *(pay(api, buyer, buyer_org, [(bill, "5000")], idempotencyKey="same") for _ in range(K))
    )
    assert {r["payment"]["id"] for r in results} == {results[0]["payment"]["id"]}
    await _drain(simulator, state)
    assert await _outgoing(state) == 1
    assert simulator.payment_totals()["DEBITED"] == simulator.payment_totals()["SETTLED"] == 500_000
    assert (await owed(api, buyer, bill))["amountPaid"] == {"amount": "5000.00"}


async def test_k_payments_over_the_balance_at_once_never_over_allocate(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    seller, _, buyer, buyer_org, invoice, bill = await accepted_bill(
        api, simulator, dispatcher, state
    )
    results = await asyncio.gather(
        *(pay(api, buyer, buyer_org, [(bill, "20000")]) for _ in range(K))
    )
    taken = [r for r in results if r["payment"] is not None]
    refused = [r["userErrors"][0]["code"] for r in results if r["payment"] is None]
    assert len(taken) == 5  # five payments of ₹20,000 fit in ₹1,18,000; a sixth would not
    assert refused == ["OVER_BALANCE"] * (K - 5)
    await _drain(simulator, state)
    assert simulator.payment_totals()["SETTLED"] == 10_000_000
    assert len(simulator.world.payments) == 5
    bill_now = await owed(api, buyer, bill)
    assert (bill_now["status"], bill_now["amountDue"], bill_now["amountInFlight"]) == (
        "PARTIALLY_PAID", {"amount": "18000.00"}, {"amount": "0.00"},
    )  # fmt: skip
    assert (await owed(api, seller, invoice))["amountPaid"] == {"amount": "100000.00"}


class ProcessKilledError(BaseException):
    """Stands for the process dying mid-work: nothing catches it, nothing is committed."""


async def test_a_crash_before_or_after_the_send_still_debits_once(
    api: Api,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    state: AppState,
    monkeypatch: Any,
) -> None:
    _, _, buyer, buyer_org, _, bill = await accepted_bill(api, simulator, dispatcher, state)
    # Killed after the commit, before the send: the payment waits in the outbox.
    real_order = payment_handlers._order

    async def die_before_send(*args: Any) -> Any:
        monkeypatch.setattr(payment_handlers, "_order", real_order)
        raise ProcessKilledError

    monkeypatch.setattr(payment_handlers, "_order", die_before_send)
    before = await pay(api, buyer, buyer_org, [(bill, "1000")])
    with pytest.raises(ProcessKilledError):
        await Dispatcher(state, simulator).run_once()
    assert simulator.world.payments == {}
    # Killed after the network took it, before the outcome was written.
    real_record = payment_handlers._record

    async def die_after_send(*args: Any) -> None:
        monkeypatch.setattr(payment_handlers, "_record", real_record)
        raise ProcessKilledError

    await simulator.advance(state.settings.outbox_lease_seconds + 1)  # the lease runs out
    monkeypatch.setattr(payment_handlers, "_record", die_after_send)
    with pytest.raises(ProcessKilledError):
        await Dispatcher(state, simulator).run_once()
    assert len(simulator.world.payments) == 1  # taken by the network
    await simulator.advance(state.settings.outbox_lease_seconds + 1)
    await _drain(simulator, state)
    assert len(simulator.world.payments) == 1
    assert simulator.payment_totals()["SETTLED"] == 100_000
    found = await api.ok(
        "query($id: ID!) { node(id: $id) { ... on Payment { status } } }",
        {"id": before["payment"]["id"]}, token=buyer.token,
    )  # fmt: skip
    assert found["node"]["status"] == "SETTLED"


async def test_one_day_fetched_twice_at_once_keeps_each_line_once(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    from db.models import SettlementEntry

    _, _, buyer, buyer_org, _, bill = await accepted_bill(api, simulator, dispatcher, state)
    await asyncio.gather(*(pay(api, buyer, buyer_org, [(bill, "100")]) for _ in range(3)))
    await _drain(simulator, state)
    day = state.now().date().isoformat()
    fetch = """mutation($i: ReconciliationFetchInput!) { reconciliationFetch(input: $i) {
        userErrors { code } } }"""
    for _ in range(2):
        await api.ok(fetch, {"i": {"organisationId": buyer_org, "day": day}}, token=buyer.token)
    await asyncio.gather(*(Dispatcher(state, simulator).run_once() for _ in range(2)))
    async with state.db.read() as session:
        lines = await session.scalar(select(func.count()).select_from(SettlementEntry))
    assert lines == 3  # the three payments' debits on Kaveri's report, once each
    async with state.db.read() as session:
        fetches = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "settlement.fetch")
            )
        ).all()
    on_demand = [m for m in fetches if m.status == OutboxStatus.DONE]
    assert len(on_demand) == 2  # both fetches finished, neither failed on the other's lines
    assert all(m.last_error is None for m in on_demand)
