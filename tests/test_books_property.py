"""Every party's books against the money that moved, over random seeds: payments by every
method, offline payments confirmed and denied, reversals, financing with routed repayments and
random faults on every payment operation, with two dispatchers sharing the outbox. After
everything settles: the network's ledger balances to zero; each hosted organisation's settled
money, UTR by UTR, is its ledger account's; every document's paid amount is its payments'; the
financier's account is what it disbursed and was repaid; nothing the network decided is left
pending.

``make test`` runs a few seeds; ``make test-books`` runs ``BOOKS_SEEDS`` (30) on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import random
import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import select

from db.models import (
    Document,
    FinancingRequest,
    Payment,
    PaymentAllocation,
    PaymentDirection,
    PaymentMethod,
    PaymentStatus,
)
from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from resolvers.ids import decode_typed_id
from resolvers.services.payments import ledger as books
from simulator import ledger
from simulator.faults import Fault, FaultKind
from simulator.network import SimulatedNetwork
from tests.conftest import Api, Member
from tests.paying import CONFIRM, DENY, OFFLINE, PAYMENTS, accepted_bill, pay
from tests.test_financing import ACCEPT, _call, _node, _request
from tests.trading import ACCEPT as INBOX_ACCEPT
from tests.trading import PUSH, document, inbox, node

SEEDS = int(os.environ.get("BOOKS_SEEDS", "3"))
FAULTS: list[FaultKind] = ["TIMEOUT_DONE", "TIMEOUT_NOT_DONE", "DELAY", "OUTAGE", "REFUSE"]
SELLER, BUYER = "sharma-traders", "kaveri-components"
# What counts as paid on a bill at once (ours), and on an invoice once confirmed (received).
OFFLINE_PAID = {PaymentStatus.RECORDED, PaymentStatus.AWAITING_CONFIRMATION,
                PaymentStatus.CONFIRMED}  # fmt: skip


async def _new_bill(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, parties: dict[str, Any]
) -> tuple[str, str]:
    """Another invoice of 1,18,000.00 from the seller, accepted as the buyer's bill."""
    seller, buyer = parties["seller"], parties["buyer"]
    invoice = await document(api, seller, parties["seller_org"], parties["customer"],
                             dueDate="2026-12-24")  # fmt: skip
    await api.ok(PUSH, {"i": {"documentId": invoice}}, token=seller.token)
    number = (await node(api, seller, invoice))["number"]
    found: list[dict[str, Any]] = []
    for _ in range(10):  # retries the last seed's faults left due come first
        dispatcher.circuit_open_until = None
        await dispatcher.run_once()
        await simulator.advance(30)
        found = [i for i in await inbox(api, buyer, parties["buyer_org"]) if i["number"] == number]
        if found:
            break
    [item] = found
    await api.ok(INBOX_ACCEPT, {"i": {"documentId": item["id"]}}, token=buyer.token)
    await dispatcher.run_once()
    await simulator.advance(1)
    await dispatcher.run_once()
    return invoice, item["id"]


async def _finance(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, seller: Member, org: str,
    invoice: str, chance: random.Random,
) -> None:  # fmt: skip
    made = await _request(api, seller, org, [invoice], str(chance.randint(20_000, 100_000)),
                          tenorDays=chance.choice([30, 60, 90]))  # fmt: skip
    assert made["userErrors"] == [], made
    await dispatcher.run_once()
    await simulator.advance(60)
    bids = [b for b in (await _node(api, seller, made["request"]["id"]))["bids"]
            if b["status"] == "LIVE"]  # fmt: skip
    if bids:
        await _call(api, ACCEPT, {"i": {"bidId": chance.choice(bids)["id"]}}, seller)
        await dispatcher.run_once()
        await simulator.advance(30)
        await dispatcher.run_once()


async def _answer_offline(api: Api, seller: Member, org: str, chance: random.Random) -> None:
    data = await api.ok(PAYMENTS, {"o": org, "d": "INCOMING", "s": "AWAITING_CONFIRMATION"},
                        token=seller.token)  # fmt: skip
    for edge in data["organisation"]["payments"]["edges"]:
        if chance.random() < 0.5:
            await api.ok(CONFIRM, {"i": {"paymentId": edge["node"]["id"]}}, token=seller.token)
        else:
            await api.ok(DENY, {"i": {"paymentId": edge["node"]["id"], "remarks": "Not in our bank"}},
                         token=seller.token)  # fmt: skip


def _ledger_by_utr(simulator: SimulatedNetwork, b2b_id: str) -> dict[str, int]:
    account, moved = ledger.participant(b2b_id), defaultdict[str, int](int)
    for t in simulator.world.transfers:
        if t.credit == account:
            moved[t.utr] += t.amount_paise
        if t.debit == account:
            moved[t.utr] -= t.amount_paise
    return {utr: paise for utr, paise in moved.items() if paise}


def _books_by_utr(payments: list[Payment]) -> dict[str, int]:
    """What the API's books say reached (+) or left (-) the account, by UTR: settled money;
    a reversed payment moved nothing in the end."""
    moved: dict[str, int] = defaultdict(int)
    for p in payments:
        if p.method == PaymentMethod.OFFLINE or p.status != PaymentStatus.SETTLED:
            continue
        assert p.utr is not None
        if p.direction == PaymentDirection.INCOMING:
            moved[p.utr] += p.amount_paise - p.routed_paise
        else:
            moved[p.utr] -= p.amount_paise
    return {utr: paise for utr, paise in moved.items() if paise}


async def _check(simulator: SimulatedNetwork, state: AppState, orgs: dict[str, uuid.UUID],
                 seed: int) -> None:  # fmt: skip
    balances = ledger.balances(simulator.world.transfers)
    assert sum(b["balance"] for b in balances.values()) == 0, seed
    assert balances.get(ledger.CLEARING, {"balance": 0})["balance"] == 0, seed
    async with state.db.read() as session:
        payments = list((await session.scalars(select(Payment))).all())
        documents = list((await session.scalars(select(Document))).all())
        allocations = list((await session.scalars(select(PaymentAllocation))).all())
        requests = list((await session.scalars(select(FinancingRequest))).all())
        credit = await books.credited(session, [d.id for d in documents])
    by_id = {p.id: p for p in payments}
    for b2b_id, key in orgs.items():
        ours = [p for p in payments if p.organisation_id == key]
        assert _books_by_utr(ours) == _ledger_by_utr(simulator, b2b_id), (seed, b2b_id)
    # Nothing the network decided is left pending; every online payment as the network has it.
    for p in payments:
        held = simulator.world.payments.get(p.network_id or "")
        if p.method in {PaymentMethod.OFFLINE, PaymentMethod.FINANCING}:
            continue
        if held is None:
            assert p.status == PaymentStatus.FAILED, (seed, p.status)
            continue
        assert p.status.value == held.state, (seed, p.direction, p.status, held.state)
    # Every document's paid amount is its payments', and what is due follows.
    for d in documents:
        counted = 0
        for a in allocations:
            p = by_id[a.payment_id]
            if a.document_id != d.id:
                continue
            online = p.method != PaymentMethod.OFFLINE and p.status == PaymentStatus.SETTLED
            offline = p.method == PaymentMethod.OFFLINE and (
                p.status in OFFLINE_PAID if p.direction == PaymentDirection.OUTGOING
                else p.status == PaymentStatus.CONFIRMED
            )  # fmt: skip
            counted += a.amount_paise if online or offline else 0
        assert d.paid_paise == counted, (seed, d.number, d.direction, d.paid_paise, counted)
        assert d.in_flight_paise == 0, (seed, d.number)
        due = books.amount_due(d, credit.get(d.id, 0))
        assert d.total_paise - due == min(d.total_paise, d.paid_paise + credit.get(d.id, 0))
    # Both sides of each trade agree on what was paid once the seller answered every report.
    pairs: dict[str | None, set[int]] = defaultdict(set)
    for d in documents:
        if d.kind.value == "INVOICE" and d.network_id:
            pairs[d.network_id].add(d.paid_paise)
    assert all(len(paid) == 1 for paid in pairs.values()), (seed, pairs)
    # The financier's account: repaid less disbursed, as the API shows each request.
    repaid_minus_disbursed: dict[str, int] = defaultdict(int)
    for record in simulator.world.financing.values():
        if record.disbursed_paise:
            account = ledger.financier(simulator.financier_of(record))
            repaid_minus_disbursed[account] += record.repaid_paise - record.disbursed_paise
    for account, expected in repaid_minus_disbursed.items():
        assert balances[account]["balance"] == expected, (seed, account)
    for request in requests:
        record = simulator.world.financing[request.network_id]
        assert (request.repaid_paise, request.status.value) == (
            record.repaid_paise, record.state,
        ), seed  # fmt: skip


async def test_every_partys_books_match_the_ledger_over_random_seeds(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    seller, seller_org, buyer, buyer_org, invoice, bill = await accepted_bill(
        api, simulator, dispatcher, state
    )
    from tests.paying import approve_kyc

    await approve_kyc(state, seller_org)
    parties = {"seller": seller, "seller_org": seller_org, "buyer": buyer, "buyer_org": buyer_org,
               "customer": (await node(api, seller, invoice))["contactRef"]["id"]}  # fmt: skip
    orgs = {b2b_id: key for b2b_id, org in ((SELLER, seller_org), (BUYER, buyer_org))
            if isinstance(key := decode_typed_id(org, "Organisation"), uuid.UUID)}  # fmt: skip
    card = simulator.tokenize_card("4111111111111111", BUYER)
    methods = [
        {"method": "BANK_TRANSFER"}, {"method": "UPI", "vpa": "kaveri@okhdfc"},
        {"method": "CARD", "cardToken": card.token}, {"method": "NET_BANKING", "bankCode": "ICIC"},
    ]  # fmt: skip
    first, second = Dispatcher(state, simulator), Dispatcher(state, simulator)
    for seed in range(SEEDS):
        chance = random.Random(seed)
        simulator.random.seed(seed)
        if seed:
            invoice, bill = await _new_bill(api, simulator, dispatcher, parties)
        if chance.random() < 0.6:
            await _finance(api, simulator, dispatcher, seller, seller_org, invoice, chance)
        simulator.world.behaviour.payment_rules = [
            {"method": "*", "reason": chance.choice(["INSUFFICIENT_FUNDS", "BANK_DOWN"]),
             "rate": chance.uniform(0, 0.4)}
        ]  # fmt: skip
        for _ in range(chance.randint(1, 4)):
            operation = chance.choice(["payment_initiate", "payment_status", "deliver"])
            kind = chance.choice(FAULTS) if operation != "deliver" else "DUPLICATE"
            simulator.faults.add(operation, Fault(kind, seconds=0.01 if kind == "DELAY" else 5))
        for _ in range(chance.randint(1, 4)):
            rupees = f"{chance.randint(1, 60_000)}.{chance.randint(0, 99):02d}"
            if chance.random() < 0.25:
                await api(OFFLINE, {"i": {"organisationId": buyer_org, "paidOn": "2026-11-25",
                                          "mode": "CHEQUE",
                                          "allocations": [{"documentId": bill, "amount": rupees}]}},
                          token=buyer.token)  # fmt: skip
            else:
                await pay(api, buyer, buyer_org, [(bill, rupees)], **chance.choice(methods))
        for _ in range(30):
            await asyncio.gather(first.run_once(), second.run_once())
            await simulator.advance(120)
            first.circuit_open_until = second.circuit_open_until = None
            settled = [p for p in simulator.world.payments.values() if p.state == "SETTLED"]
            if settled and chance.random() < 0.03:
                simulator.reverse(chance.choice(settled).network_id)
        simulator.faults.clear()
        for _ in range(4):
            await asyncio.gather(first.run_once(), second.run_once())
            await simulator.advance(3600)
        await _answer_offline(api, seller, seller_org, chance)
        for _ in range(3):
            await asyncio.gather(first.run_once(), second.run_once())
            await simulator.advance(60)
        await _check(simulator, state, orgs, seed)
