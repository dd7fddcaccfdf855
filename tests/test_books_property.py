"""Every party's books against the money that moved, over random seeds: payments by every
method, offline payments confirmed and denied, reversals, an external payer and payee,
financing with routed repayments, and random faults on every payment and financing operation
and on the network's webhooks, with two dispatchers sharing the outbox. After
everything settles: the network's ledger balances to zero; each hosted organisation's settled
money, UTR by UTR, is its ledger account's; every document's paid amount is its payments'; the
financier's account is what it disbursed and was repaid; nothing the network decided is left
pending.

``make test`` runs a few seeds; ``make test-books`` runs ``BOOKS_SEEDS`` (30) on PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import re
import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import select

from contract.errors import NetworkError
from contract.payments import Allocation, PaymentOrder
from contract.wire import document_from_json
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
from resolvers.services.ids import decode_typed_id, encode_id
from resolvers.services.payments import ledger as books
from simulator import ledger
from simulator.demo import GANGA_UP
from simulator.faults import Fault, FaultKind
from simulator.network import SimulatedNetwork
from tests.conftest import Api, Member
from tests.paying import CONFIRM, DENY, OFFLINE, PAYMENTS, accepted_bill, pay
from tests.test_financing import ACCEPT, _call, _node, _request
from tests.test_readme import SIMULATOR_GUIDE
from tests.trading import ACCEPT as INBOX_ACCEPT
from tests.trading import CONTACT, LINK, PUSH, document, inbox, node

SEEDS = int(os.environ.get("BOOKS_SEEDS", "3"))
FAULTS: list[FaultKind] = ["TIMEOUT_DONE", "TIMEOUT_NOT_DONE", "DELAY", "OUTAGE", "REFUSE"]
# Every operation money or financing goes through, and the network's webhooks.
OPERATIONS = ("payment_initiate", "payment_status", "payment_report_offline",
              "payment_answer_offline", "settlement_report", "financing_request",
              "financing_accept", "financing_status", "deliver")  # fmt: skip
DELIVERY_FAULTS: list[FaultKind] = ["DUPLICATE", "REFUSE", "TIMEOUT_DONE", "DELAY"]
SELLER, BUYER, GANGA = "sharma-traders", "kaveri-components", "ganga-steel"
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
    pushed = await api.ok(PUSH, {"i": {"documentId": invoice}}, token=seller.token)
    network_id = pushed["documentPush"]["document"]["networkId"]
    bill: uuid.UUID | None = None
    for _ in range(10):  # retries the last seed's faults left due come first
        dispatcher.circuit_open_until = None
        await dispatcher.run_once()
        await simulator.advance(30)
        async with parties["state"].db.read() as session:
            bill = await session.scalar(
                select(Document.id).where(
                    Document.network_id == network_id, Document.direction == "INCOMING"
                )
            )
        if bill is not None:
            break
    assert bill is not None
    item = {"id": encode_id("Document", bill)}
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


async def _external_trade(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, seller: Member, org: str
) -> tuple[str, str]:
    """An invoice from the seller to Ganga Steel (outside this service), which Ganga accepts,
    and Ganga's bill to the seller, accepted: (the invoice's network id, the bill)."""
    made = await api.ok(
        CONTACT,
        {"i": {"organisationId": org, "contact": {
            "displayName": "Ganga Steel", "isCustomer": True, "isVendor": True,
            "gstin": GANGA_UP, "gstTreatment": "REGISTERED_REGULAR"}}},
        token=seller.token,
    )  # fmt: skip
    ganga = made["contactCreate"]["contact"]["id"]
    await api.ok(LINK, {"i": {"contactId": ganga, "b2bId": GANGA}}, token=seller.token)
    invoice = await document(api, seller, org, ganga, dueDate="2026-12-24")
    pushed = await api.ok(PUSH, {"i": {"documentId": invoice}}, token=seller.token)
    await dispatcher.run_once()
    await simulator.advance(40)  # Ganga accepts
    await dispatcher.run_once()
    body = re.search(
        r"sandbox-ganga-steel-key.*?-d '(.*?)'\n",
        SIMULATOR_GUIDE.read_text(encoding="utf-8"),
        re.DOTALL,
    )
    assert body is not None
    message = json.loads(body.group(1))
    message["number"] = "GS-BOOKS-1"
    await simulator.document_send(document_from_json(message))
    await simulator.advance(5)
    [bill] = [i for i in await inbox(api, seller, org) if i["number"] == "GS-BOOKS-1"]
    await api.ok(INBOX_ACCEPT, {"i": {"documentId": bill["id"]}}, token=seller.token)
    await dispatcher.run_once()
    await simulator.advance(2)
    await dispatcher.run_once()
    return str(pushed["documentPush"]["document"]["networkId"]), str(bill["id"])


async def _ganga_pays(simulator: SimulatedNetwork, invoice_network_id: str, paise: int) -> None:
    """Ganga Steel pays part of the seller's invoice through the network (as the control API's
    external payments do); a fault may refuse or lose the call, as it would for anyone."""
    order = PaymentOrder(
        simulator.new_id("PAY")[:35], GANGA, SELLER, "UPI", paise,
        (Allocation(invoice_network_id, paise),), {"vpa": "accounts@okaxis"},
    )  # fmt: skip
    with contextlib.suppress(NetworkError):
        await simulator.payment_initiate(order)


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
                else p.status in {PaymentStatus.CONFIRMED, PaymentStatus.RECORDED}
            )  # fmt: skip
            counted += a.amount_paise if online or offline else 0
        assert d.paid_paise == counted, (seed, d.number, d.direction, d.paid_paise, counted)
        assert d.in_flight_paise == 0, (seed, d.number)
        due = books.amount_due(d, credit.get(d.id, 0))
        assert d.total_paise - due == min(d.total_paise, d.paid_paise + credit.get(d.id, 0))
    # Both sides of each trade agree on what was paid once the seller answered every report
    # (less offline payments the network refused to report: the vendor was never told).
    untold: dict[uuid.UUID, int] = defaultdict(int)
    for a in allocations:
        if by_id[a.payment_id].status == PaymentStatus.RECORDED:
            untold[a.document_id] += a.amount_paise
    pairs: dict[str | None, set[int]] = defaultdict(set)
    for d in documents:
        if d.kind.value == "INVOICE" and d.network_id and d.received_from != GANGA:
            pairs[d.network_id].add(d.paid_paise - untold[d.id])
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
        taken = simulator.world.financing.get(request.network_id)
        if taken is None:  # the network refused it: cancelled here, nothing moved
            assert (request.status.value, request.repaid_paise) == ("CANCELLED", 0), seed
            continue
        assert (request.repaid_paise, request.status.value) == (
            taken.repaid_paise, taken.state,
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
               "state": state,
               "customer": (await node(api, seller, invoice))["contactRef"]["id"]}  # fmt: skip
    orgs = {b2b_id: key for b2b_id, org in ((SELLER, seller_org), (BUYER, buyer_org))
            if isinstance(key := decode_typed_id(org, "Organisation"), uuid.UUID)}  # fmt: skip
    card = simulator.tokenize_card("4111111111111111", BUYER)
    methods = [
        {"method": "BANK_TRANSFER"}, {"method": "UPI", "vpa": "kaveri@okhdfc"},
        {"method": "CARD", "cardToken": card.token}, {"method": "NET_BANKING", "bankCode": "ICIC"},
    ]  # fmt: skip
    ganga_invoice, ganga_bill = await _external_trade(api, simulator, dispatcher, seller,
                                                      seller_org)  # fmt: skip
    ganga_paid = 0
    first, second = Dispatcher(state, simulator), Dispatcher(state, simulator)
    for seed in range(SEEDS):
        chance = random.Random(seed)
        simulator.random.seed(seed)
        if seed:
            invoice, bill = await _new_bill(api, simulator, dispatcher, parties)
        simulator.world.behaviour.payment_rules = [
            {"method": "*", "reason": chance.choice(["INSUFFICIENT_FUNDS", "BANK_DOWN"]),
             "rate": chance.uniform(0, 0.4)}
        ]  # fmt: skip
        for _ in range(chance.randint(1, 5)):
            operation = chance.choice(OPERATIONS)
            kind = chance.choice(FAULTS if operation != "deliver" else DELIVERY_FAULTS)
            simulator.faults.add(operation, Fault(kind, seconds=0.01 if kind == "DELAY" else 5))
        if chance.random() < 0.6:
            await _finance(api, simulator, dispatcher, seller, seller_org, invoice, chance)
        # The external parties: Ganga pays part of its invoice, the seller part of Ganga's bill.
        if chance.random() < 0.5 and ganga_paid < 10_000_000:
            paise = chance.randint(100, 1_500_000)
            ganga_paid += paise
            await _ganga_pays(simulator, ganga_invoice, paise)
        if chance.random() < 0.5:
            await pay(api, seller, seller_org, [(ganga_bill, f"{chance.randint(1, 150)}.00")],
                      **chance.choice(methods[:2] + methods[3:]))  # fmt: skip
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
