"""The soak's invariants, over what the API's database holds and what the network service says
(its control API): the ledger, each party's books, both sides of every trade, nothing done
twice, nothing left in flight, the event streams, the clients' answers, the logs, memory.

Each check returns violations (an invariant's name, what broke, the objects involved) rather
than raising, so that a run reports all it found with the trace of the objects involved."""

from __future__ import annotations

import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    B2BId,
    Document,
    FinancingRequest,
    OrganisationEvent,
    OutboxMessage,
    OutboxStatus,
    Payment,
    PaymentAllocation,
    PaymentDirection,
    PaymentMethod,
    PaymentStatus,
)
from resolvers.services.ids import encode_id
from resolvers.services.payments import ledger as books
from tests.soak.client import Network

# What counts as paid on a bill at once (ours), and on an invoice once confirmed (received).
OFFLINE_PAID = {PaymentStatus.RECORDED, PaymentStatus.AWAITING_CONFIRMATION,
                PaymentStatus.CONFIRMED}  # fmt: skip


@dataclass(frozen=True)
class Violation:
    """An invariant that did not hold."""

    invariant: str
    detail: str
    objects: tuple[str, ...] = ()

    def line(self) -> str:
        return f"{self.invariant}: {self.detail}"


@dataclass
class NetworkView:
    """What the network service says, read once per check."""

    ledger: dict[str, Any]
    payments: list[dict[str, Any]]
    financing: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    directory: list[dict[str, Any]]

    @classmethod
    async def read(cls, network: Network) -> NetworkView:
        return cls(
            await network.get("/ledger"), await network.get("/payments"),
            await network.get("/financing"), await network.get("/documents"),
            await network.get("/directory"),
        )  # fmt: skip

    def balances(self) -> dict[str, int]:
        return {a["account"]: a["balancePaise"] for a in self.ledger["accounts"]}

    def by_utr(self, b2b_id: str) -> dict[str, int]:
        """What reached (+) or left (-) a participant's account, by UTR."""
        account, moved = f"participant:{b2b_id.lower()}", defaultdict[str, int](int)
        for t in self.ledger["transfers"]:
            if t["credit"] == account:
                moved[t["utr"]] += t["amountPaise"]
            if t["debit"] == account:
                moved[t["utr"]] -= t["amountPaise"]
        return {utr: paise for utr, paise in moved.items() if paise}


@dataclass
class ApiView:
    """The API's rows the checks need, read in one transaction."""

    payments: list[Payment]
    documents: list[Document]
    allocations: list[PaymentAllocation]
    requests: list[FinancingRequest]
    credit: dict[uuid.UUID, int]
    b2b_ids: list[B2BId]
    outbox_pending: int  # messages to send that are not sent yet
    last_seq: dict[uuid.UUID, int] = field(default_factory=dict)

    @classmethod
    async def read(cls, session: AsyncSession) -> ApiView:
        documents = list((await session.scalars(select(Document))).all())
        seqs = await session.execute(
            select(OrganisationEvent.organisation_id, func.max(OrganisationEvent.seq)).group_by(
                OrganisationEvent.organisation_id
            )
        )
        return cls(
            list((await session.scalars(select(Payment))).all()), documents,
            list((await session.scalars(select(PaymentAllocation))).all()),
            list((await session.scalars(select(FinancingRequest))).all()),
            await _credited(session, [d.id for d in documents]),
            list((await session.scalars(select(B2BId))).all()),
            int(await session.scalar(select(func.count()).where(
                OutboxMessage.status == OutboxStatus.PENDING,
                # Watching what stays open (a document awaiting its answer, tomorrow's
                # settlement report) is scheduled work, not work in flight.
                ~OutboxMessage.kind.endswith(".poll"),
                OutboxMessage.kind != "settlement.fetch")) or 0),
            {org: int(seq) for org, seq in seqs.all()},
        )  # fmt: skip


async def _credited(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Accepted notes' credit by document, asked 10,000 documents at a time (a statement takes
    at most 32,767 parameters)."""
    credit: dict[uuid.UUID, int] = {}
    for start in range(0, len(ids), 10_000):
        credit.update(await books.credited(session, ids[start : start + 10_000]))
    return credit


def _gid(kind: str, key: uuid.UUID) -> str:
    return encode_id(kind, key)


def books_by_utr(payments: Iterable[Payment]) -> dict[str, int]:
    """What the API's books say reached (+) or left (-) the account, by UTR: settled money;
    a reversed payment moved nothing in the end."""
    moved: dict[str, int] = defaultdict(int)
    for p in payments:
        if p.method == PaymentMethod.OFFLINE or p.status != PaymentStatus.SETTLED:
            continue
        if p.utr is None:
            moved["(none)"] += 1
            continue
        if p.direction == PaymentDirection.INCOMING:
            moved[p.utr] += p.amount_paise - p.routed_paise
        else:
            moved[p.utr] -= p.amount_paise
    return {utr: paise for utr, paise in moved.items() if paise}


def ledger_balances(network: NetworkView) -> list[Violation]:
    """The double-entry ledger sums to zero (checked while the soak runs, too)."""
    if network.ledger["totalPaise"] != 0:
        return [Violation("ledger-balances", f"the accounts sum to {network.ledger['totalPaise']}")]
    return []


def settled(api: ApiView, network: NetworkView, hosted: dict[str, uuid.UUID]) -> list[Violation]:
    """Every check that needs the network to have settled (run at the end)."""
    found = _money(api, network, hosted) + _documents(api, network) + _financing(api, network)
    if api.outbox_pending:
        found.append(Violation("nothing-in-flight", f"{api.outbox_pending} outbox messages "
                               "still pending after the network settled"))  # fmt: skip
    return found


def _money(api: ApiView, network: NetworkView, hosted: dict[str, uuid.UUID]) -> list[Violation]:
    """The ledger's clearing account, each party's books, each payment as the network has it
    and none done twice."""
    found: list[Violation] = []
    balances = network.balances()
    if balances.get("network:clearing", 0) != 0:
        found.append(Violation("clearing-empty", f"clearing holds {balances['network:clearing']}"))
    # Each hosted organisation's books are its ledger account's movements, UTR by UTR.
    for b2b_id, org in hosted.items():
        ours = books_by_utr(p for p in api.payments if p.organisation_id == org)
        theirs = network.by_utr(b2b_id)
        if ours != theirs:
            utrs = sorted(u for u in set(ours) | set(theirs) if ours.get(u) != theirs.get(u))
            payments = tuple(_gid("Payment", p.id) for p in api.payments
                             if p.organisation_id == org and p.utr in utrs)  # fmt: skip
            found.append(Violation("books-equal-ledger", f"{b2b_id}: UTRs {utrs[:5]} books "
                                   f"{[ours.get(u) for u in utrs[:5]]} ledger "
                                   f"{[theirs.get(u) for u in utrs[:5]]}", payments))  # fmt: skip
    # Every online payment stands as the network has it; nothing left in flight.
    held = {p["networkId"]: p for p in network.payments}
    for p in api.payments:
        if p.method in {PaymentMethod.OFFLINE, PaymentMethod.FINANCING}:
            continue
        there = held.get(p.network_id or "")
        state = "FAILED" if there is None else there["state"]
        if p.status.value != state:
            found.append(Violation("payment-as-network", f"{p.direction} {p.method} here "
                                   f"{p.status}, network {state}", (_gid("Payment", p.id),)))  # fmt: skip
    # Nothing done twice: one API payment per network payment, and none the API never made.
    named = Counter((p.network_id, p.organisation_id) for p in api.payments if p.network_id)
    for (network_id, _org), times in named.items():
        if times > 1:
            found.append(Violation("payment-once", f"{network_id} recorded {times} times"))
    hosted_ids = {b.lower() for b in hosted}
    ours_sent = {p.network_id for p in api.payments if p.direction == PaymentDirection.OUTGOING}
    for taken in network.payments:
        if taken["payer"].lower() in hosted_ids and taken["networkId"] not in ours_sent:
            found.append(Violation("payment-once", f"the network holds {taken['networkId']} "
                                   f"from {taken['payer']} that its books do not know",
                                   (taken["networkId"],)))  # fmt: skip
    disbursals = Counter(t["reference"] for t in network.ledger["transfers"]
                         if t["kind"] == "DISBURSAL")  # fmt: skip
    found += [Violation("disbursal-once", f"{ref} disbursed {n} times", (ref,))
              for ref, n in disbursals.items() if n > 1]  # fmt: skip
    registered = Counter(e["b2bId"] for e in network.directory)
    found += [Violation("registration-once", f"{b} in the directory {n} times")
              for b, n in registered.items() if n > 1]  # fmt: skip
    found += [Violation("registration-once", f"{b} has {n} rows here")
              for b, n in Counter(b.value for b in api.b2b_ids).items() if n > 1]  # fmt: skip
    return found


def _documents(api: ApiView, network: NetworkView) -> list[Violation]:
    """Every document's paid amount is its payments', what is due follows, and both sides of
    a trade agree with each other and with the network."""
    found: list[Violation] = []
    by_id = {p.id: p for p in api.payments}
    counted: dict[uuid.UUID, int] = defaultdict(int)
    untold: dict[uuid.UUID, int] = defaultdict(int)
    for a in api.allocations:
        p = by_id[a.payment_id]
        online = p.method != PaymentMethod.OFFLINE and p.status == PaymentStatus.SETTLED
        offline = p.method == PaymentMethod.OFFLINE and (
            p.status in OFFLINE_PAID if p.direction == PaymentDirection.OUTGOING
            else p.status in {PaymentStatus.CONFIRMED, PaymentStatus.RECORDED}
        )  # fmt: skip
        counted[a.document_id] += a.amount_paise if online or offline else 0
        if p.status == PaymentStatus.RECORDED:
            untold[a.document_id] += a.amount_paise
    for d in api.documents:
        gid = _gid("Document", d.id)
        if d.paid_paise != counted[d.id]:
            found.append(Violation("paid-is-payments", f"{d.number} ({d.direction}) paid "
                                   f"{d.paid_paise}, payments {counted[d.id]}", (gid,)))  # fmt: skip
        if d.in_flight_paise != 0:
            found.append(Violation("nothing-in-flight", f"{d.number} has {d.in_flight_paise} "
                                   "in flight after the network settled", (gid,)))  # fmt: skip
        due = books.amount_due(d, api.credit.get(d.id, 0))
        if d.total_paise - due != min(d.total_paise, d.paid_paise + api.credit.get(d.id, 0)):
            found.append(Violation("due-follows", f"{d.number}: due {due}", (gid,)))
    # Both sides of a trade between hosted businesses agree on what was paid, and on its answer.
    pairs: dict[str, dict[str, Document]] = defaultdict(dict)
    for d in api.documents:
        if d.network_id:
            pairs[d.network_id][d.direction.value] = d
    documents = {n["networkId"]: n for n in network.documents}
    for network_id, sides in pairs.items():
        out, inc = sides.get("OUTGOING"), sides.get("INCOMING")
        there = documents.get(network_id)
        objects = tuple(_gid("Document", s.id) for s in sides.values())
        paid = None if out is None or inc is None or out.kind.value != "INVOICE" else (
            out.paid_paise - untold[out.id], inc.paid_paise - untold[inc.id])  # fmt: skip
        if out is not None and inc is not None and paid is not None and paid[0] != paid[1]:
            found.append(Violation("both-sides-paid", f"{out.number}: seller "
                                       f"{out.paid_paise}, buyer {inc.paid_paise}", objects))  # fmt: skip
        if out is not None and there is not None and out.version == there["version"]:
            expected = {"ACCEPTED": "ACCEPTED", "REJECTED": "REJECTED", "RETURNED": "REJECTED"}
            if out.push_status.value != expected.get(there["state"], "AWAITING_RESPONSE"):
                found.append(Violation("push-as-network", f"{out.number} v{out.version}: here "
                                       f"{out.push_status}, network {there['state']}", objects))  # fmt: skip
        accepted = there is not None and there["state"] == "ACCEPTED"
        if inc is not None and there is not None and accepted \
                and inc.version == there["version"] and inc.inbox_status != "ACCEPTED":  # fmt: skip
            found.append(Violation("answer-as-network", f"{inc.number}: inbox "
                                   f"{inc.inbox_status}, network ACCEPTED", objects))  # fmt: skip
    return found


def _financing(api: ApiView, network: NetworkView) -> list[Violation]:
    """Each financier's account is what it was repaid less what it disbursed, and each
    request here stands as the network's."""
    found: list[Violation] = []
    balances = network.balances()
    expected_financier: dict[str, int] = defaultdict(int)
    taken = {r["requestId"]: r for r in network.financing}
    for record in network.financing:
        if record["disbursedPaise"] and record["acceptedBidId"]:
            [bid] = [b for b in record["bids"] if b["bidId"] == record["acceptedBidId"]]
            expected_financier[f"financier:{bid['financierId']}"] += (
                record["repaidPaise"] - record["disbursedPaise"]
            )
    for account, paise in expected_financier.items():
        if balances.get(account, 0) != paise:
            found.append(Violation("financier-books", f"{account} holds "
                                   f"{balances.get(account, 0)}, expected {paise}"))  # fmt: skip
    for request in api.requests:
        gid = _gid("FinancingRequest", request.id)
        there = taken.get(request.network_id or "")
        if there is None:
            if (request.status.value, request.repaid_paise) != ("CANCELLED", 0):
                found.append(Violation("financing-as-network", f"not on the network but "
                                       f"{request.status}", (gid,)))  # fmt: skip
        elif (request.repaid_paise, request.status.value) != (there["repaidPaise"], there["state"]):
            found.append(Violation("financing-as-network", f"here {request.status} repaid "
                                   f"{request.repaid_paise}, network {there['state']} repaid "
                                   f"{there['repaidPaise']}", (gid,)))  # fmt: skip
    return found


def answers(bad: list[tuple[str, str]]) -> list[Violation]:
    """No client ever saw a 5xx or an internal error."""
    return [Violation("no-internal-errors", f"{operation}: {answer}") for operation, answer in bad]


# Personal data and secrets the soak's businesses use, as they must never appear in a log.
SECRETS = (r"ABCPS1234K", r"123456789012", r"\b9[78]\d{8}\b", r"Bearer [A-Za-z0-9_.-]{12,}",
           r"correct-horse", r"4111111111111111")  # fmt: skip


def logs(texts: dict[str, str], extra: Iterable[str] = ()) -> list[Violation]:
    """No personal data or secret in any process's log."""
    found = []
    patterns = [re.compile(p) for p in SECRETS] + [re.compile(re.escape(e)) for e in extra]
    for name, text in texts.items():
        for pattern in patterns:
            hit = pattern.search(text)
            if hit:
                start = max(0, hit.start() - 60)
                found.append(Violation("logs-clean", f"{name}: {text[start : hit.end() + 20]!r}"))
    return found


def memory(samples: list[dict[int, int]], limit_kib: int) -> list[Violation]:
    """No API worker's memory grows without bound: each stays under ``limit_kib``, and a
    worker that lived through the second half grew by less than half in it."""
    found = []
    seen: dict[int, list[int]] = defaultdict(list)
    for sample in samples:
        for pid, kib in sample.items():
            seen[pid].append(kib)
    for pid, series in seen.items():
        if max(series) > limit_kib:
            found.append(Violation("memory-bounded", f"worker {pid} reached {max(series)} KiB"))
        if len(series) >= 8:
            middle, last = series[len(series) // 2], series[-1]
            if last > middle * 1.5:
                found.append(Violation("memory-bounded", f"worker {pid} grew from {middle} to "
                                       f"{last} KiB in the second half"))  # fmt: skip
    return found
