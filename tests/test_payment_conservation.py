"""Money is conserved: over many seeds with random faults, every debit ends settled, failed or
reversed, once, and what the service shows agrees with the network."""

from __future__ import annotations

import asyncio
import random

from sqlalchemy import select

from db.models import Document, Payment, PaymentStatus
from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from resolvers.services.ids import decode_typed_id
from simulator.faults import Fault, FaultKind
from simulator.network import SimulatedNetwork
from tests.conftest import Api
from tests.paying import accepted_bill, pay

SEEDS = 20
FAULTS: list[FaultKind] = ["TIMEOUT_DONE", "TIMEOUT_NOT_DONE", "DELAY", "OUTAGE", "REFUSE"]
FINAL = {PaymentStatus.SETTLED, PaymentStatus.FAILED, PaymentStatus.REVERSED}


async def test_money_is_conserved_over_random_seeds_and_faults(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    _, _, buyer, buyer_org, _, bill = await accepted_bill(api, simulator, dispatcher, state)
    card = simulator.tokenize_card("4111111111111111", "kaveri-components")
    methods = [
        {"method": "BANK_TRANSFER"},
        {"method": "UPI", "vpa": "kaveri@okhdfc"},
        {"method": "CARD", "cardToken": card.token},
        {"method": "NET_BANKING", "bankCode": "ICIC"},
    ]
    # Two dispatchers share the outbox (on PostgreSQL with SKIP LOCKED, as two workers would).
    first, second = Dispatcher(state, simulator), Dispatcher(state, simulator)
    for seed in range(SEEDS):
        chance = random.Random(seed)
        simulator.random.seed(seed)
        simulator.world.behaviour.payment_rules = [
            {"method": "*", "reason": chance.choice(["INSUFFICIENT_FUNDS", "BANK_DOWN"]),
             "rate": chance.uniform(0, 0.5)}
        ]  # fmt: skip
        for _ in range(chance.randint(1, 4)):
            operation = chance.choice(["payment_initiate", "payment_status", "deliver"])
            kind = chance.choice(FAULTS) if operation != "deliver" else "DUPLICATE"
            simulator.faults.add(operation, Fault(kind, seconds=0.01 if kind == "DELAY" else 5))
        for _ in range(chance.randint(1, 3)):
            rupees = f"{chance.randint(1, 99)}.{chance.randint(0, 99):02d}"
            made = await pay(api, buyer, buyer_org, [(bill, rupees)], **chance.choice(methods))
            assert made["userErrors"] == [], made
        for _ in range(40):
            await asyncio.gather(first.run_once(), second.run_once())
            await simulator.advance(120)
            first.circuit_open_until = second.circuit_open_until = None
            settled = [p for p in simulator.world.payments.values() if p.state == "SETTLED"]
            if settled and chance.random() < 0.1:
                simulator.reverse(chance.choice(settled).network_id)
        simulator.faults.clear()
        for _ in range(5):
            await asyncio.gather(first.run_once(), second.run_once())
            await simulator.advance(3600)
        ledger = simulator.payment_totals()
        assert ledger["PENDING"] == 0, (seed, ledger)
        assert ledger["DEBITED"] == ledger["SETTLED"] + ledger["FAILED"] + ledger["REVERSED"]
        async with state.db.read() as session:
            ours = list((await session.scalars(select(Payment))).all())
            document = await session.get(Document, decode_typed_id(bill, "Document"))
        outgoing = [p for p in ours if p.direction.value == "OUTGOING"]
        # Every payment the service made is decided, exactly as the network holds it.
        for payment in outgoing:
            held = simulator.world.payments.get(payment.network_id or "")
            if held is None:  # refused outright: never debited
                assert payment.status == PaymentStatus.FAILED, (seed, payment.status)
                continue
            assert payment.status in FINAL, (seed, payment.status)
            assert payment.status.value == held.state, (seed, payment.status, held.state)
        assert len({p.network_id for p in outgoing}) == len(outgoing)
        assert document is not None
        assert document.paid_paise == sum(
            p.amount_paise for p in outgoing if p.status == PaymentStatus.SETTLED
        )
        assert document.in_flight_paise == 0
