"""The world the network knows: the GSTN portal's taxpayers, the B2B ID directory, reviews,
the messages (SMS and e-mail) sent to people, the documents it carries, payments with their
card vault and settlement lines, and financing (:mod:`simulator.financing_world`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableMapping, MutableSet, ValuesView
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVar

from simulator.financing_world import Financier, FinancingRecord
from simulator.ledger import Transfer

ReviewState = Literal["PENDING", "APPROVED", "REJECTED"]
V = TypeVar("V")


class Tracked(MutableMapping[str, V]):
    """A mapping that remembers which of its records may have changed since the store last
    saved it: every record handed out (by key or by iterating ``values()``/``items()``, as the
    caller may change it in place), set or removed. :meth:`view` reads without marking, for
    scans that only read. The store serialises only what is marked, so the cost of saving
    follows the work an operation did, not the size of the history."""

    __slots__ = ("_data", "touched")

    def __init__(self, data: Iterable[tuple[str, V]] | dict[str, V] = ()) -> None:
        self._data: dict[str, V] = dict(data)
        # The marked keys, in the order first marked (new records in the order they came).
        self.touched: dict[str, None] = dict.fromkeys(self._data)

    def __getitem__(self, key: str) -> V:
        value = self._data[key]
        self.touched[key] = None
        return value

    def __setitem__(self, key: str, value: V) -> None:
        self._data[key] = value
        self.touched[key] = None

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self.touched[key] = None

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Tracked):
            return self._data == other._data
        return self._data == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Tracked({self._data!r})"

    def view(self) -> ValuesView[V]:
        """The records, for reading only (nothing is marked)."""
        return self._data.values()

    def peek(self, key: str) -> V | None:
        """One record, for reading only (nothing is marked)."""
        return self._data.get(key)


class TrackedSet(MutableSet[str]):
    """A set of strings that remembers what was added or removed since the store last saved."""

    __slots__ = ("_data", "touched")

    def __init__(self, data: Iterable[str] = ()) -> None:
        self._data: set[str] = set(data)
        self.touched: dict[str, None] = dict.fromkeys(self._data)

    def __contains__(self, value: object) -> bool:
        return value in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def add(self, value: str) -> None:
        """Add ``value``."""
        self._data.add(value)
        self.touched[value] = None

    def discard(self, value: str) -> None:
        """Remove ``value`` if present."""
        self._data.discard(value)
        self.touched[value] = None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TrackedSet):
            return self._data == other._data
        return self._data == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"TrackedSet({self._data!r})"


@dataclass
class TaxpayerRecord:
    """A GSTIN on the GSTN portal."""

    gstin: str
    legal_name: str
    trade_name: str
    username: str
    mobile: str
    email: str
    api_access: bool = True
    status: Literal["ACTIVE", "CANCELLED", "SUSPENDED"] = "ACTIVE"


@dataclass
class DirectoryEntry:
    """A B2B ID in the network's directory."""

    b2b_id: str
    gstin: str
    legal_name: str
    private: bool = False
    state: ReviewState = "APPROVED"
    request_id: str | None = None
    # Registered through this network by a business the service hosts: its documents go to the
    # service's inbox; the simulated world does not answer for it.
    hosted: bool = False


@dataclass
class Review:
    """Something the network reviews and decides later."""

    request_id: str
    kind: Literal["B2B_ID", "KYC"]
    subject: str
    state: ReviewState = "PENDING"
    reason: str | None = None
    decide_at: datetime | None = None


@dataclass(frozen=True)
class DeadLetter:
    """A message the network gave up delivering to the service (its receiver kept failing)."""

    message_id: str
    kind: str
    request_id: str
    attempts: int
    error: str
    at: datetime
    # The message as the wire carries it, so that an operator can have it delivered again
    # (``None``: given up on before the network kept its messages).
    message: dict[str, Any] | None = None


@dataclass(frozen=True)
class DeadLetterAction:
    """What an operator did to a dead letter (``retried`` or ``dropped``), who, when, why."""

    message_id: str
    action: str
    actor: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class SentMessage:
    """An SMS or e-mail the simulated world sent (OTPs among them)."""

    id: str
    channel: Literal["SMS", "EMAIL"]
    to: str
    text: str
    sent_at: datetime


@dataclass
class SentDocument:
    """A document the network carries."""

    network_id: str
    version: int
    sender: str
    receiver: str
    kind: str
    number: str
    state: Literal["DELIVERED", "ACCEPTED", "REJECTED", "RETURNED"] = "DELIVERED"
    remarks: str | None = None
    content: dict[str, Any] = field(default_factory=dict)
    reference_network_id: str | None = None
    document_date: str = ""
    total_paise: int = 0


@dataclass
class NetworkPayment:
    """A payment the network carries: debited from the payer into a virtual account, then
    settled to the payee (or failed, or reversed after settling). An offline report has
    ``method`` ``OFFLINE`` and moves REPORTED → RECEIVED | DENIED instead; nothing is debited."""

    network_id: str
    payer: str
    payee: str
    method: str
    amount_paise: int
    # [document network id, paise] pairs.
    allocations: list[list[Any]]
    state: str = "PENDING"
    virtual_account: str = ""
    virtual_ifsc: str = ""
    utr: str | None = None
    reason: str | None = None
    created_on: str = ""
    settled_on: str | None = None
    # A digest of what was asked, to tell a retry from another payment under the same id.
    fingerprint: str = ""
    paid_on: str | None = None
    mode: str | None = None
    reference: str | None = None
    remarks: str | None = None
    # The UTR the settlement will carry (made when the payment is taken, from the seed).
    next_utr: str | None = None
    # What its settlement repaid financiers of financed invoices: [request id, financier id,
    # paise] (the payee was credited only the rest).
    routed: list[list[Any]] = field(default_factory=list)

    @property
    def routed_paise(self) -> int:
        """Paise of this payment that went to financiers."""
        return sum(int(r[2]) for r in self.routed)


@dataclass(frozen=True)
class CardRecord:
    """A card in the token vault (the number itself is never kept)."""

    token: str
    holder: str
    network: str
    last4: str


@dataclass(frozen=True)
class Participant:
    """An external business that calls the network's participant API itself, with its own API
    key (the sandbox's are public): it may send and answer documents as its own B2B IDs."""

    name: str
    api_key: str
    gstin: str


@dataclass
class Behaviour:
    """How the simulated reviewers behave."""

    b2b_review_seconds: float = 20.0
    kyc_review_seconds: float = 60.0
    kyc_decision: Literal["APPROVE", "REJECT"] = "APPROVE"
    kyc_reject_reason: str = "The bank account holder's name does not match the business name."
    # B2B IDs (lower-case) the network will reject, with the reason it gives.
    reject_b2b_ids: dict[str, str] = field(default_factory=dict)
    # How external receivers answer documents: B2B ID -> (ACCEPT | REJECT | RETURN, remarks).
    document_answers: dict[str, tuple[str, str]] = field(default_factory=dict)
    document_answer_seconds: float = 30.0
    # How long the network takes to hand a document to a receiver hosted by the service.
    document_delivery_seconds: float = 1.0
    # How long the network service holds a call it times out (past the caller's own timeout).
    timeout_hold_seconds: float = 15.0
    # How long a payment waits in its virtual account before it settles (or fails).
    settlement_seconds: float = 5.0
    # How payments fail: {"method": "UPI" | ... | "*", "reason": code, "rate": 0..1,
    # "minPaise": n, "payer": B2B ID or ""}; the first rule that applies and fires decides.
    payment_rules: list[dict[str, Any]] = field(default_factory=list)
    # A UPI payment above this fails with LIMIT_EXCEEDED (₹1 lakh).
    upi_limit_paise: int = 10_000_000
    # How long financiers may bid on a request, and how long a disbursal takes.
    bidding_seconds: float = 120.0
    disbursal_seconds: float = 10.0
    # How external payees answer offline payments reported to them, and after how long.
    offline_answer: Literal["RECEIVED", "DENIED"] = "RECEIVED"
    offline_answer_seconds: float = 30.0


@dataclass
class World:
    """Everything the simulated network holds."""

    taxpayers: Tracked[TaxpayerRecord] = field(default_factory=Tracked)
    directory: Tracked[DirectoryEntry] = field(default_factory=Tracked)
    reviews: Tracked[Review] = field(default_factory=Tracked)
    messages: list[SentMessage] = field(default_factory=list)
    documents: Tracked[SentDocument] = field(default_factory=Tracked)
    # Every (network id, version) the network took as a new message, in order: a document sent
    # twice would show here twice.
    carried: list[tuple[str, int]] = field(default_factory=list)
    # Messages the service kept failing to take, given up on after MAX_DELIVERY_ATTEMPTS.
    dead_letters: list[DeadLetter] = field(default_factory=list)
    # What operators did to them, oldest first (a dead letter's state is its latest action).
    dead_letter_actions: list[DeadLetterAction] = field(default_factory=list)
    # External participants by API key.
    participants: Tracked[Participant] = field(default_factory=Tracked)
    payments: Tracked[NetworkPayment] = field(default_factory=Tracked)
    cards: Tracked[CardRecord] = field(default_factory=Tracked)
    # The double-entry ledger (:mod:`simulator.ledger`); settlement reports are derived from it.
    transfers: list[Transfer] = field(default_factory=list)
    financiers: Tracked[Financier] = field(default_factory=Tracked)
    financing: Tracked[FinancingRecord] = field(default_factory=Tracked)
    # Payment requests carried (their ids: a repeat is a no-op).
    payment_requests: TrackedSet = field(default_factory=TrackedSet)
    behaviour: Behaviour = field(default_factory=Behaviour)

    def __setattr__(self, name: str, value: Any) -> None:
        # A plain dict or set given for a kept collection is kept tracked.
        if isinstance(value, dict):
            value = Tracked(value)
        elif isinstance(value, set):
            value = TrackedSet(value)
        object.__setattr__(self, name, value)

    def add_taxpayer(self, record: TaxpayerRecord) -> TaxpayerRecord:
        """Register (or replace) a GSTIN on the portal."""
        self.taxpayers[record.gstin] = record
        return record

    def add_directory_entry(self, entry: DirectoryEntry) -> DirectoryEntry:
        """Put a B2B ID in the directory."""
        self.directory[entry.b2b_id.lower()] = entry
        return entry
