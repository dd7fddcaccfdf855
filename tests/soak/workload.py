"""The soak's seeded model: the businesses, and what each does next.

Every choice comes from ``random.Random`` seeded from the soak's seed (one per client, so a
client's operations and the faults it injects are the same on every replay of a seed). A
client asks the API what is there before it acts (its inbox, its bills, its requests), as an
app does, so a call whose answer was lost to a killed process never leaves the model behind.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from contract import identifiers
from simulator.demo import GANGA_UP
from simulator.faults import FAULT_KINDS, OPERATIONS
from tests.conftest import Member
from tests.soak.client import GraphQL, Network, Unknown
from tests.trading import Business

GANGA = "ganga-steel"
GANGA_KEY = "sandbox-ganga-steel-key"  # the demo world's public sandbox key
STATES = ("27", "29", "07", "33", "24", "36", "19")  # never 09: Ganga Steel's state
FIRST = ("Aruna", "Bhadra", "Chandra", "Devika", "Ekta", "Gomti", "Indus", "Jhelum", "Kosi",
         "Luni", "Mahi", "Netra", "Orsang", "Pamba", "Ravi", "Sabari", "Tungabhadra",
         "Varuna", "Wainganga", "Yamuna")  # fmt: skip
SECOND = ("Textiles", "Foods", "Metals", "Pharma", "Plastics", "Paper", "Motors", "Glass",
          "Ceramics", "Cables", "Tools", "Dyes", "Pumps", "Tyres", "Spices", "Leather",
          "Fabrics", "Bearings", "Valves", "Agro")  # fmt: skip

CREATE = """mutation($i: DocumentCreateInput!) { documentCreate(input: $i) {
    document { id } userErrors { code field message } } }"""
UPDATE = """mutation($i: DocumentUpdateInput!) { documentUpdate(input: $i) {
    document { id } userErrors { code field message } } }"""
PUSH = """mutation($i: DocumentPushInput!) { documentPush(input: $i) {
    document { id pushStatus } userErrors { code field message } } }"""
PUSH_BULK = """mutation($i: DocumentPushBulkInput!) { documentPushBulk(input: $i) {
    userErrors { code field message } } }"""
DOCS = """query($o: ID!, $d: DocumentDirection, $k: DocumentKind, $s: InboxStatus) {
    organisation(id: $o) { documents(last: 50, direction: $d, kind: $k, inboxStatus: $s) {
    nodes { id kind number status pushStatus inboxStatus networkId receivedFrom
            amountDue { amount } contact { b2bId } } } } }"""
ACCEPT = """mutation($i: InboxAcceptInput!) { inboxAccept(input: $i) {
    document { id } userErrors { code field message } } }"""
REJECT = """mutation($i: InboxRejectInput!) { inboxReject(input: $i) {
    userErrors { code field message } } }"""
PAY = """mutation($i: PaymentCreateInput!) { paymentCreate(input: $i) {
    payment { id status } userErrors { code field message } } }"""
OFFLINE = """mutation($i: PaymentRecordOfflineInput!) { paymentRecordOffline(input: $i) {
    payment { id status } userErrors { code field message } } }"""
RECORD_RECEIVED = """mutation($i: PaymentReceivedRecordInput!) { paymentReceivedRecord(input: $i) {
    payment { id status } userErrors { code field message } } }"""
AWAITING = """query($o: ID!) { organisation(id: $o) { payments(last: 50, direction: INCOMING,
    status: AWAITING_CONFIRMATION) { nodes { id } } } }"""
CONFIRM = """mutation($i: PaymentReceivedConfirmInput!) { paymentReceivedConfirm(input: $i) {
    payment { id } userErrors { code field message } } }"""
DENY = """mutation($i: PaymentReceivedDenyInput!) { paymentReceivedDeny(input: $i) {
    payment { id } userErrors { code field message } } }"""
ASK = """mutation($i: PaymentRequestSendInput!) { paymentRequestSend(input: $i) {
    userErrors { code field message } } }"""
FINANCE = """mutation($i: FinancingRequestCreateInput!) { financingRequestCreate(input: $i) {
    request { id } userErrors { code field message } } }"""
REQUESTS = """query($o: ID!) { organisation(id: $o) { financingRequests(last: 20, status: BIDDING) {
    nodes { id bids { id status } } } } }"""
BID_ACCEPT = """mutation($i: FinancingBidAcceptInput!) { financingBidAccept(input: $i) {
    request { id } userErrors { code field message } } }"""
RECONCILE = """mutation($i: ReconciliationFetchInput!) { reconciliationFetch(input: $i) {
    userErrors { code field message } } }"""
CONTACT = """mutation($i: ContactCreateInput!) { contactCreate(input: $i) {
    contact { id } userErrors { code field message } } }"""
LINK = """mutation($i: ContactB2BIdLinkInput!) { contactB2BIdLink(input: $i) {
    userErrors { code field message } } }"""


def business(seed: int, index: int) -> Business:
    """The ``index``-th business of a soak: a company with its own PAN, GSTIN and B2B ID."""
    first, second = FIRST[index % len(FIRST)], SECOND[(index // len(FIRST) + seed) % len(SECOND)]
    legal = f"{first} {second} Private Limited"
    pan = f"SKA C{first[0]}{index + 1:04d}Z".replace(" ", "")
    first14 = f"{STATES[index % len(STATES)]}{pan}1Z"
    gstin = first14 + identifiers.gstin_check_character(first14)
    [b2b_id, *_] = identifiers.suggest_b2b_ids(legal, gstin)
    return Business(
        f"{first} {second}", gstin,
        {"legalName": legal, "gstnUsername": f"{first.lower()}.{index}",
         "businessType": "PRIVATE_LIMITED"},
        f"98{index:08d}", f"97{index:08d}", b2b_id,
    )  # fmt: skip


@dataclass
class Party:
    """A business hosted here, as the soak knows it."""

    business: Business
    owner: Member
    org: str
    kyc_approved: bool
    contacts: dict[str, str] = field(default_factory=dict)  # B2B ID -> contact id
    card: str | None = None

    @property
    def b2b_id(self) -> str:
        return self.business.b2b_id


@dataclass
class Op:
    """One operation of the workload, for the trace a failing run prints."""

    index: int
    client: int
    at: float
    kind: str
    actor: str
    objects: list[str]
    outcome: str = ""

    def line(self) -> str:
        objects = " ".join(self.objects)
        return f"#{self.index} c{self.client} +{self.at:.1f}s {self.kind} by {self.actor} {objects} -> {self.outcome}"  # fmt: skip


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def _rupees(chance: random.Random, low: int, high: int) -> str:
    return f"{chance.randint(low, high)}.{chance.randint(0, 99):02d}"


def _lines(chance: random.Random) -> list[dict[str, str]]:
    return [
        {"description": chance.choice(("Steel coil", "Laptop", "Cotton bales", "Consulting")),
         "hsnSac": chance.choice(("7208", "8471", "5201", "9983")),
         "quantity": str(chance.randint(1, 5)), "unitPrice": _rupees(chance, 100, 90_000),
         "taxRate": chance.choice(("0", "5", "12", "18", "28"))}
        for _ in range(chance.randint(1, 3))
    ]  # fmt: skip


def _paise(amount: str) -> int:
    rupees, _, paise = amount.partition(".")
    return int(rupees) * 100 + int((paise + "00")[:2])


def _amount(paise: int) -> str:
    return f"{paise // 100}.{paise % 100:02d}"


KILL_GAP = 15.0  # seconds
# How often each operation comes (out of their sum).
WEIGHTS: dict[str, int] = {
    "invoice": 14, "bulk": 3, "order": 3, "note": 4, "answer": 14, "edit": 3, "pay": 12,
    "offline": 3, "confirm": 4, "record_received": 2, "ask": 1, "finance": 3, "bid": 4,
    "ganga_bill": 2, "ganga_pays": 2, "reverse": 1, "reconcile": 2, "advance": 6, "fault": 5,
    "webhook_fault": 3, "kill_worker": 1, "kill_network": 1, "drop_db": 1,
}  # fmt: skip


@dataclass
class Workload:
    """The businesses and the operations on them, shared by the soak's clients."""

    seed: int
    parties: list[Party]
    graphql: GraphQL
    network: Network
    kill_worker: Callable[[random.Random], object]
    kill_network: Callable[[], Awaitable[None]]
    drop_db: Callable[[], Awaitable[int]]
    started: float = field(default_factory=time.monotonic)
    ops: list[Op] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    faults: dict[str, int] = field(default_factory=dict)
    network_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_kill: dict[str, float] = field(default_factory=dict)
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _record(self, client: int, kind: str, actor: str, *objects: str) -> Op:
        op = Op(len(self.ops) + 1, client, time.monotonic() - self.started, kind, actor,
                list(objects))  # fmt: skip
        self.ops.append(op)
        self.counts[kind] = self.counts.get(kind, 0) + 1
        return op

    async def step(self, client: int, chance: random.Random, number: int) -> None:
        """The client's ``number``-th operation, chosen by weight, by a party chosen at random
        (both from the client's ``chance``, so every replay of a seed makes the same sequence);
        its own choices come from a generator of its own, so that what one operation found
        (an empty inbox draws less) does not shift the next one's."""
        kind = chance.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
        party = chance.choice(self.parties)
        op = self._record(client, kind, party.b2b_id)
        own = random.Random(f"{self.seed}:{client}:{number}")
        try:
            op.outcome = await getattr(self, f"_{kind}")(party, own, op) or "ok"
        except Unknown as lost:
            op.outcome = f"unknown ({lost})"

    async def _gql(self, party: Party, query: str, variables: dict[str, Any],
                   retries: int = 0) -> dict[str, Any]:  # fmt: skip
        return await self.graphql(query, variables, token=party.owner.token, retries=retries)

    @staticmethod
    def _payload(data: dict[str, Any]) -> tuple[dict[str, Any], str]:
        [value] = data.values()
        errors = value.get("userErrors") or []
        return value, ",".join(e["code"] for e in errors) if errors else ""

    async def _docs(self, party: Party, **filters: str | None) -> list[dict[str, Any]]:
        data = await self._gql(party, DOCS, {"o": party.org, **filters}, retries=3)
        found: list[dict[str, Any]] = data["organisation"]["documents"]["nodes"]
        return found

    def _key(self, client_op: Op) -> str:
        return f"soak-{self.seed}-{client_op.index}"

    # -- documents -----------------------------------------------------------------------

    async def _create(self, party: Party, chance: random.Random, kind: str, op: Op,
                      **extra: Any) -> str | None:  # fmt: skip
        partners = list(party.contacts)
        if not partners:
            return None
        partner = chance.choice(partners)
        due = (datetime.now(UTC) + timedelta(days=chance.choice((-1, 15, 30, 45)))).date()
        made, errors = self._payload(await self._gql(party, CREATE, {"i": {
            "organisationId": party.org, "kind": kind, "contactId": party.contacts[partner],
            "documentDate": (datetime.now(UTC) - timedelta(days=1)).date().isoformat(),
            "dueDate": due.isoformat() if kind == "INVOICE" else None,
            "lines": _lines(chance), "idempotencyKey": f"{self._key(op)}-{next(self._numbers)}",
            **extra}}, retries=3))  # fmt: skip
        if errors:
            op.outcome = errors
            return None
        document: str = made["document"]["id"]
        op.objects.append(document)
        return document

    async def _push(self, party: Party, document: str) -> str:
        _, errors = self._payload(await self._gql(party, PUSH, {"i": {"documentId": document}}))
        return errors or "pushed"

    async def _invoice(self, party: Party, chance: random.Random, op: Op) -> str:
        document = await self._create(party, chance, "INVOICE", op)
        return op.outcome or (await self._push(party, document) if document else "no contacts")

    async def _order(self, party: Party, chance: random.Random, op: Op) -> str:
        document = await self._create(party, chance, "PURCHASE_ORDER", op)
        return op.outcome or (await self._push(party, document) if document else "no contacts")

    async def _bulk(self, party: Party, chance: random.Random, op: Op) -> str:
        made = [d for _ in range(chance.randint(2, 4))
                if (d := await self._create(party, chance, "INVOICE", op))]  # fmt: skip
        if not made:
            return op.outcome or "none made"
        _, errors = self._payload(await self._gql(party, PUSH_BULK, {"i": {
            "organisationId": party.org, "documentIds": made}}))  # fmt: skip
        return errors or f"bulk of {len(made)}"

    async def _note(self, party: Party, chance: random.Random, op: Op) -> str:
        sent = [d for d in await self._docs(party, d="OUTGOING", k="INVOICE")
                if d["pushStatus"] == "ACCEPTED"]  # fmt: skip
        if not sent:
            return "no accepted invoice"
        invoice = chance.choice(sent)
        op.objects.append(invoice["id"])
        kind = chance.choice(("CREDIT_NOTE", "DEBIT_NOTE"))
        contact = party.contacts.get(invoice["contact"]["b2bId"] or "")
        if contact is None:
            return "no contact"
        made, errors = self._payload(await self._gql(party, CREATE, {"i": {
            "organisationId": party.org, "kind": kind, "contactId": contact,
            "referenceId": invoice["id"], "documentDate": today(),
            "lines": [{"description": "Adjustment", "hsnSac": "9983", "quantity": "1",
                       "unitPrice": _rupees(chance, 10, 5_000), "taxRate": "18"}],
            "idempotencyKey": f"{self._key(op)}-note"}}, retries=3))  # fmt: skip
        if errors:
            return errors
        op.objects.append(made["document"]["id"])
        return await self._push(party, made["document"]["id"])

    async def _answer(self, party: Party, chance: random.Random, op: Op) -> str:
        waiting = await self._docs(party, d="INCOMING", s="RECEIVED")
        if not waiting:
            return "inbox empty"
        item = chance.choice(waiting)
        op.objects.append(item["id"])
        roll = chance.random()
        if roll < 0.75:
            _, errors = self._payload(await self._gql(party, ACCEPT, {"i": {"documentId": item["id"]}}))  # fmt: skip
            return errors or "accepted"
        _, errors = self._payload(await self._gql(party, REJECT, {"i": {
            "documentId": item["id"], "reason": "Rate differs from the order",
            "returnForEdits": roll < 0.88}}))  # fmt: skip
        return errors or ("returned" if roll < 0.88 else "rejected")

    async def _edit(self, party: Party, chance: random.Random, op: Op) -> str:
        returned = [d for d in await self._docs(party, d="OUTGOING")
                    if d["pushStatus"] == "REJECTED" and d["status"] == "DRAFT"]  # fmt: skip
        if not returned:
            return "nothing returned"
        document = chance.choice(returned)
        op.objects.append(document["id"])
        contact = party.contacts.get(document["contact"]["b2bId"] or "")
        if contact is None:
            return "no contact"
        _, errors = self._payload(await self._gql(party, UPDATE, {"i": {
            "documentId": document["id"], "contactId": contact, "documentDate": today(),
            "lines": _lines(chance)}}))  # fmt: skip
        return errors or await self._push(party, document["id"])

    # -- payments ------------------------------------------------------------------------

    async def _bills(self, party: Party) -> list[dict[str, Any]]:
        return [d for d in await self._docs(party, d="INCOMING", k="INVOICE", s="ACCEPTED")
                if _paise(d["amountDue"]["amount"]) > 0]  # fmt: skip

    def _allocations(self, chance: random.Random, bills: list[dict[str, Any]], op: Op) -> list[dict[str, str]]:  # fmt: skip
        vendor = chance.choice(bills)["receivedFrom"]
        chosen = [b for b in bills if b["receivedFrom"] == vendor][: chance.randint(1, 2)]
        out = []
        for bill in chosen:
            due = _paise(bill["amountDue"]["amount"])
            roll = chance.random()
            paise = due if roll < 0.3 else due + 100 if roll < 0.35 else chance.randint(1, due)
            out.append({"documentId": bill["id"], "amount": _amount(paise)})
            op.objects.append(bill["id"])
        return out

    async def _pay(self, party: Party, chance: random.Random, op: Op) -> str:
        bills = await self._bills(party)
        if not bills:
            return "nothing due"
        method = chance.choice(("BANK_TRANSFER", "UPI", "NET_BANKING", "CARD"))
        sources: dict[str, dict[str, Any]] = {
            "UPI": {"vpa": f"{party.b2b_id.replace('-', '')[:20]}@okhdfc"},
            "NET_BANKING": {"bankCode": "ICIC"}, "CARD": {"cardToken": party.card},
        }  # fmt: skip
        extra = sources.get(method, {})
        made, errors = self._payload(await self._gql(party, PAY, {"i": {
            "organisationId": party.org, "method": method,
            "allocations": self._allocations(chance, bills, op),
            "idempotencyKey": self._key(op), **extra}}, retries=5))  # fmt: skip
        if made.get("payment"):
            op.objects.append(made["payment"]["id"])
        return errors or f"{method} {made['payment']['status']}"

    async def _offline(self, party: Party, chance: random.Random, op: Op) -> str:
        bills = await self._bills(party)
        if not bills:
            return "nothing due"
        made, errors = self._payload(await self._gql(party, OFFLINE, {"i": {
            "organisationId": party.org, "paidOn": today(),
            "mode": chance.choice(("CHEQUE", "CASH", "BANK_TRANSFER")),
            "allocations": self._allocations(chance, bills, op),
            "idempotencyKey": self._key(op)}}, retries=5))  # fmt: skip
        if made.get("payment"):
            op.objects.append(made["payment"]["id"])
        return errors or "recorded"

    async def _record_received(self, party: Party, chance: random.Random, op: Op) -> str:
        invoices = [d for d in await self._docs(party, d="OUTGOING", k="INVOICE")
                    if d["pushStatus"] == "ACCEPTED" and _paise(d["amountDue"]["amount"]) > 0]  # fmt: skip
        if not invoices:
            return "nothing due"
        invoice = chance.choice(invoices)
        op.objects.append(invoice["id"])
        paise = chance.randint(1, _paise(invoice["amountDue"]["amount"]))
        _, errors = self._payload(await self._gql(party, RECORD_RECEIVED, {"i": {
            "organisationId": party.org, "paidOn": today(), "mode": "CHEQUE",
            "allocations": [{"documentId": invoice["id"], "amount": _amount(paise)}],
            "idempotencyKey": self._key(op)}}, retries=5))  # fmt: skip
        return errors or "recorded"

    async def _confirm(self, party: Party, chance: random.Random, op: Op) -> str:
        data = await self._gql(party, AWAITING, {"o": party.org}, retries=3)
        waiting = data["organisation"]["payments"]["nodes"]
        if not waiting:
            return "none awaiting"
        payment = chance.choice(waiting)["id"]
        op.objects.append(payment)
        if chance.random() < 0.7:
            _, errors = self._payload(await self._gql(party, CONFIRM, {"i": {"paymentId": payment}}))  # fmt: skip
            return errors or "confirmed"
        _, errors = self._payload(await self._gql(party, DENY, {"i": {
            "paymentId": payment, "remarks": "Not in our bank statement"}}))  # fmt: skip
        return errors or "denied"

    async def _ask(self, party: Party, chance: random.Random, op: Op) -> str:
        invoices = [d for d in await self._docs(party, d="OUTGOING", k="INVOICE")
                    if d["pushStatus"] == "ACCEPTED"]  # fmt: skip
        if not invoices:
            return "no accepted invoice"
        invoice = chance.choice(invoices)["id"]
        op.objects.append(invoice)
        _, errors = self._payload(await self._gql(party, ASK, {"i": {"invoiceId": invoice}}))
        return errors or "asked"

    # -- financing -----------------------------------------------------------------------

    async def _finance(self, party: Party, chance: random.Random, op: Op) -> str:
        invoices = [d for d in await self._docs(party, d="OUTGOING", k="INVOICE")
                    if d["pushStatus"] == "ACCEPTED" and _paise(d["amountDue"]["amount"]) > 0
                    and d["contact"]["b2bId"] != GANGA]  # fmt: skip
        if not invoices:
            return "nothing to finance"
        invoice = chance.choice(invoices)
        op.objects.append(invoice["id"])
        paise = chance.randint(max(1, _paise(invoice["amountDue"]["amount"]) // 4),
                               _paise(invoice["amountDue"]["amount"]))  # fmt: skip
        made, errors = self._payload(await self._gql(party, FINANCE, {"i": {
            "organisationId": party.org, "invoiceIds": [invoice["id"]], "amount": _amount(paise),
            "tenorDays": chance.choice((30, 60, 90)), "idempotencyKey": self._key(op)}},
            retries=5))  # fmt: skip
        if made.get("request"):
            op.objects.append(made["request"]["id"])
        return errors or "requested"

    async def _bid(self, party: Party, chance: random.Random, op: Op) -> str:
        data = await self._gql(party, REQUESTS, {"o": party.org}, retries=3)
        live = [(r["id"], b["id"]) for r in data["organisation"]["financingRequests"]["nodes"]
                for b in r["bids"] if b["status"] == "LIVE"]  # fmt: skip
        if not live:
            return "no live bids"
        request, bid = chance.choice(live)
        op.objects.append(request)
        _, errors = self._payload(await self._gql(party, BID_ACCEPT, {"i": {"bidId": bid}}))
        return errors or "bid accepted"

    # -- the world outside ---------------------------------------------------------------

    async def _ganga_bill(self, party: Party, chance: random.Random, op: Op) -> str:
        """Ganga Steel (an external business on the network) sends the party a bill."""
        number = f"GS-{self.seed}-{op.index}"
        taxable = chance.randint(10_000, 5_000_000)
        igst = (taxable * 18 + 50) // 100  # rounded half up, as the network checks it
        body = {
            "networkId": number, "kind": "INVOICE", "version": 1, "senderB2BId": GANGA,
            "receiverB2BId": party.b2b_id, "number": number, "documentDate": today(),
            "totalPaise": taxable + igst,
            "content": {
                "senderName": "Ganga Steel Limited", "senderGstin": GANGA_UP,
                "sellerGstin": GANGA_UP, "receiverGstin": party.business.gstin,
                "dueDate": (datetime.now(UTC) + timedelta(days=30)).date().isoformat(),
                "placeOfSupply": party.business.gstin[:2], "supplyType": "INTER_STATE",
                "totals": {"taxable": taxable, "cgst": 0, "sgst": 0, "utgst": 0, "igst": igst,
                           "rounding": 0, "total": taxable + igst},
                "lines": [{"description": "Steel coil", "hsnSac": "7208", "quantityMilli": 1000,
                           "unitPrice": taxable, "discount": 0, "taxRateBp": 1800,
                           "taxable": taxable, "cgst": 0, "sgst": 0, "utgst": 0, "igst": igst}],
            },
        }  # fmt: skip
        op.objects.append(number)
        sent = await self.network.call(
            "POST", "/v1/documents", json=body,
            headers={"authorization": f"Bearer {GANGA_KEY}", "idempotency-key": number},
        )  # fmt: skip
        return f"HTTP {sent.status_code}"

    async def _ganga_pays(self, party: Party, chance: random.Random, op: Op) -> str:
        """Ganga Steel pays part of an invoice the party sent it (or reports paying it)."""
        invoices = [d for d in await self._docs(party, d="OUTGOING", k="INVOICE")
                    if d["contact"]["b2bId"] == GANGA and d["pushStatus"] == "ACCEPTED"
                    and _paise(d["amountDue"]["amount"]) > 0]  # fmt: skip
        if not invoices:
            return "nothing Ganga owes"
        invoice = chance.choice(invoices)
        op.objects.append(invoice["id"])
        paise = chance.randint(1, _paise(invoice["amountDue"]["amount"]))
        offline = chance.random() < 0.3
        sent = await self.network.post("/payments", {
            "invoiceNetworkId": invoice["networkId"], "amountPaise": paise, "offline": offline,
            "method": chance.choice(("BANK_TRANSFER", "UPI", "NET_BANKING"))})  # fmt: skip
        return f"HTTP {sent.status_code} {'offline' if offline else 'online'}"

    async def _reverse(self, party: Party, chance: random.Random, op: Op) -> str:
        settled = [p["networkId"] for p in await self.network.get("/payments")
                   if p["state"] == "SETTLED"]  # fmt: skip
        if not settled:
            return "nothing settled"
        network_id = chance.choice(sorted(settled))
        op.objects.append(network_id)
        sent = await self.network.post(f"/payments/{network_id}/reverse", {})
        return f"HTTP {sent.status_code}"

    async def _reconcile(self, party: Party, chance: random.Random, op: Op) -> str:
        _, errors = self._payload(await self._gql(party, RECONCILE, {"i": {
            "organisationId": party.org, "day": today()}}))  # fmt: skip
        return errors or "fetched"

    async def _advance(self, party: Party, chance: random.Random, op: Op) -> str:
        seconds = chance.choice((5, 30, 120, 600, 3600, 86_400))
        sent = await self.network.post("/advance", {"seconds": seconds})
        return f"{seconds}s: {sent.json().get('ran') if sent.is_success else sent.status_code}"

    # -- faults and crashes --------------------------------------------------------------

    async def _fault(self, party: Party, chance: random.Random, op: Op) -> str:
        operation = chance.choice([o for o in OPERATIONS if o != "deliver"])
        kind = chance.choice(FAULT_KINDS)
        return await self._inject(operation, kind, chance, op)

    async def _webhook_fault(self, party: Party, chance: random.Random, op: Op) -> str:
        kind = chance.choice(("DUPLICATE", "REFUSE", "TIMEOUT_DONE", "DELAY"))
        return await self._inject("deliver", kind, chance, op)

    async def _inject(self, operation: str, kind: str, chance: random.Random, op: Op) -> str:
        seconds = round(chance.uniform(0.05, 2.0), 2)
        sent = await self.network.post("/faults", {
            "operation": operation, "kind": kind, "times": chance.randint(1, 3),
            "afterCalls": chance.randint(0, 3), "seconds": seconds,
            "reason": "SOAK"})  # fmt: skip
        op.objects.append(f"{operation}:{kind}")
        self.faults[kind] = self.faults.get(kind, 0) + 1
        return f"HTTP {sent.status_code}"

    def _too_soon(self, kind: str) -> bool:
        """Crashes come at most one of a kind every ``KILL_GAP`` seconds (the seeded choice
        says when one may come; the clock, whether the last one is far enough behind)."""
        now = time.monotonic()
        if now - self.last_kill.get(kind, -KILL_GAP) < KILL_GAP:
            return True
        self.last_kill[kind] = now
        return False

    async def _kill_worker(self, party: Party, chance: random.Random, op: Op) -> str:
        if self._too_soon("worker"):
            return "too soon"
        return f"killed {self.kill_worker(chance)}"

    async def _kill_network(self, party: Party, chance: random.Random, op: Op) -> str:
        if self._too_soon("network"):
            return "too soon"
        async with self.network_lock:
            await self.kill_network()
        return "restarted"

    async def _drop_db(self, party: Party, chance: random.Random, op: Op) -> str:
        if self._too_soon("database"):
            return "too soon"
        return f"{await self.drop_db()} connections dropped"
