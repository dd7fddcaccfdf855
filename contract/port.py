"""The port through which the service reaches the Bharat Connect network and the GSTN portal.

The simulator implements it; a real adapter could replace it without touching the services.
Calls either return, or raise one of three errors:

- :class:`NetworkRefusedError`: the network said no, with a reason. Final for that message.
- :class:`NetworkTimeoutError`: no answer; the operation may or may not have happened upstream.
  Retry with the **same** request id (the network treats a repeat as a no-op) or ask for status.
- :class:`NetworkUnavailableError`: the network is down. Retry later; do not hammer it.

Decisions taken later (a B2B ID approved, KYC rejected) arrive as :class:`InboundMessage`s
delivered to the handler given to :meth:`Network.set_inbound_handler`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol


class NetworkError(Exception):
    """Base of the port's errors."""


class NetworkRefusedError(NetworkError):
    """A definite refusal, with a machine-readable reason."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class NetworkTimeoutError(NetworkError):
    """No answer in time: the outcome upstream is unknown."""


class NetworkUnavailableError(NetworkError):
    """The network (or the GSTN portal) is down."""


# What the GSTN portal's public search says of a GSTIN.
GSTIN_STATUSES = ("ACTIVE", "CANCELLED", "SUSPENDED", "UNKNOWN")


@dataclass(frozen=True)
class Taxpayer:
    """What the GSTN portal says about a GSTIN."""

    gstin: str
    legal_name: str
    trade_name: str
    state_code: str
    status: Literal["ACTIVE", "CANCELLED", "SUSPENDED"]
    contact_masked: str


@dataclass(frozen=True)
class DirectoryListing:
    """A public B2B ID in the network's directory."""

    b2b_id: str
    gstin: str
    legal_name: str


@dataclass(frozen=True)
class Decision:
    """The state of something the network reviews."""

    request_id: str
    state: Literal["PENDING", "APPROVED", "REJECTED", "UNKNOWN"]
    reason: str | None = None


@dataclass(frozen=True)
class DocumentMessage:
    """A document sent over the network. ``network_id`` is stable across retries; the network
    refuses a message whose version is older than the one it holds, and a repeat of the same
    ``(network_id, version)`` is a no-op. ``content`` carries the whole document (parties,
    dates, lines and totals in paise) for a receiver that books it; a note names the document
    it is against in ``reference_network_id``."""

    network_id: str
    kind: str
    version: int
    sender_b2b_id: str
    receiver_b2b_id: str
    number: str
    document_date: str
    total_paise: int
    content: Mapping[str, Any] = field(default_factory=dict)
    reference_network_id: str | None = None


@dataclass(frozen=True)
class DocumentState:
    """What the network holds for a document."""

    network_id: str
    state: Literal["DELIVERED", "ACCEPTED", "REJECTED", "RETURNED", "UNKNOWN"]
    version: int = 0
    remarks: str | None = None


InboundKind = Literal[
    "B2B_ID_DECIDED",
    "KYC_DECIDED",
    "DOCUMENT_ANSWERED",
    "DOCUMENT_RECEIVED",
    "PAYMENT_UPDATED",
    "PAYMENT_RECEIVED",
    "PAYMENT_REPORTED",
    "PAYMENT_REPORT_ANSWERED",
    "PAYMENT_REQUESTED",
    "FINANCING_BID",
    "FINANCING_UPDATED",
]
PaymentMethod = Literal["BANK_TRANSFER", "UPI", "CARD", "NET_BANKING"]
PaymentNetworkState = Literal["PENDING", "SETTLED", "FAILED", "REVERSED", "UNKNOWN"]


@dataclass(frozen=True)
class Allocation:
    """The part of a payment that settles one document (by its network id), in paise."""

    document_network_id: str
    amount_paise: int


@dataclass(frozen=True)
class PaymentOrder:
    """A payment through the network, from the payer's B2B ID to the payee's. ``network_id``
    is made once by the payer and kept for every retry: the network debits a given id once.
    ``source`` names where the money comes from: ``accountNumber`` and ``ifsc`` for a bank
    transfer, ``vpa`` for UPI, ``cardToken`` for a card, ``bankCode`` for net banking."""

    network_id: str
    payer_b2b_id: str
    payee_b2b_id: str
    method: PaymentMethod
    amount_paise: int
    allocations: tuple[Allocation, ...]
    source: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentState:
    """Where a payment stands on the network: the virtual account the money went into, and
    once settled the UTR and the settlement date (ISO); a failure's ``reason`` is a code
    (``INSUFFICIENT_FUNDS``, ``UPI_DECLINED``, ``CARD_DECLINED``, ``LIMIT_EXCEEDED``,
    ``BANK_DOWN``, ``VENDOR_ACCOUNT_INVALID``)."""

    network_id: str
    state: PaymentNetworkState
    amount_paise: int = 0
    virtual_account: str | None = None
    virtual_ifsc: str | None = None
    utr: str | None = None
    reason: str | None = None
    settled_on: str | None = None


@dataclass(frozen=True)
class PaymentRequest:
    """A seller asks its customer to pay an invoice (again: after a denied offline payment, or
    once it is overdue)."""

    request_id: str
    requester_b2b_id: str
    payer_b2b_id: str
    document_network_id: str
    amount_paise: int
    message: str | None = None


@dataclass(frozen=True)
class OfflineReport:
    """A payment made outside the network, reported by the payer to the payee (who confirms
    or denies having received it)."""

    network_id: str
    payer_b2b_id: str
    payee_b2b_id: str
    amount_paise: int
    allocations: tuple[Allocation, ...]
    paid_on: str
    mode: str
    reference: str | None = None


@dataclass(frozen=True)
class SettlementLine:
    """One credit or debit of a participant on a day's settlement report."""

    line_id: str
    day: str
    direction: Literal["CREDIT", "DEBIT"]
    amount_paise: int
    utr: str
    virtual_account: str
    payment_network_id: str
    document_network_ids: tuple[str, ...]


@dataclass(frozen=True)
class Bank:
    """A bank offered for net banking."""

    code: str
    name: str
    ifsc_prefix: str


@dataclass(frozen=True)
class CardToken:
    """A card in the network's token vault: never the number, only the token, the card
    network and the last four digits, and whose card it is."""

    token: str
    holder_b2b_id: str
    network: str
    last4: str


@dataclass(frozen=True)
class FinancingOrder:
    """A vendor's request for funds against accepted invoices (what was due on each, in
    paise). ``request_id`` is made once; the network takes it once."""

    request_id: str
    vendor_b2b_id: str
    invoices: tuple[Allocation, ...]
    amount_paise: int
    tenor_days: int | None = None


@dataclass(frozen=True)
class FinancingBid:
    """A financier's bid: the principal it offers, its annual rate in basis points, its flat
    fee, the tenor, until when it may be accepted (ISO time) and its state (``LIVE``,
    ``EXPIRED``, ``WITHDRAWN``, ``ACCEPTED``, ``DECLINED``)."""

    bid_id: str
    financier_id: str
    financier_name: str
    amount_paise: int
    rate_bp: int
    fee_paise: int
    tenor_days: int
    expires_at: str
    state: str


@dataclass(frozen=True)
class FinancingState:
    """Where a financing request stands on the network, with its bids."""

    request_id: str
    state: str
    bids: tuple[FinancingBid, ...] = ()
    accepted_bid_id: str | None = None
    disbursed_paise: int = 0
    disbursal_utr: str | None = None
    disbursed_on: str | None = None
    owed_paise: int = 0
    repaid_paise: int = 0
    reason: str | None = None
    # Grows whenever what was repaid changes (a returned repayment lowers it): the newer
    # state wins whatever order they arrive in.
    revision: int = 0


@dataclass(frozen=True)
class InboundMessage:
    """A message the network sends us. ``message_id`` is unique: repeats are ignored."""

    message_id: str
    kind: InboundKind
    request_id: str
    approved: bool
    reason: str | None
    occurred_at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)


InboundHandler = Callable[[InboundMessage], Awaitable[None]]


class Network(Protocol):
    """What the service needs from the network."""

    def set_inbound_handler(self, handler: InboundHandler) -> None:
        """Where to deliver inbound messages."""

    async def gstn_taxpayer(self, gstin: str, username: str) -> Taxpayer:
        """Look a GSTIN up on the GSTN portal as ``username``; refuses unknown GSTINs, a wrong
        username (``USERNAME_MISMATCH``) and GSTINs without API access (``API_ACCESS_DISABLED``)."""

    async def gstn_status(self, gstin: str) -> str:
        """A GSTIN's registration status as the GSTN portal's public search shows it:
        ``ACTIVE``, ``CANCELLED``, ``SUSPENDED``, or ``UNKNOWN`` for a GSTIN it does not know
        (no log-in needed)."""

    async def gstn_send_otp(self, gstin: str, text: str) -> None:
        """Have the GSTN portal send ``text`` to the GSTIN's registered mobile and e-mail."""

    async def send_sms(self, mobile: str, text: str) -> None:
        """Send an SMS."""

    async def send_email(self, to: str, text: str) -> None:
        """Send an e-mail (the simulated world keeps it in its mail outbox)."""

    async def b2b_id_available(self, b2b_id: str) -> bool:
        """Whether no business holds this B2B ID (compared case-insensitively)."""

    async def directory_search(self, gstin: str) -> list[DirectoryListing]:
        """The approved, public B2B IDs of a GSTIN (private IDs are never found)."""

    async def b2b_id_register(
        self, *, request_id: str, b2b_id: str, gstin: str, legal_name: str, private: bool
    ) -> None:
        """Submit a B2B ID for approval; the decision comes later (``B2B_ID_DECIDED``).
        Refuses an ID that is taken (``B2B_ID_TAKEN``)."""

    async def b2b_id_status(self, request_id: str) -> Decision:
        """Where a B2B ID registration stands (``UNKNOWN`` if never received)."""

    async def document_send(self, message: DocumentMessage) -> None:
        """Deliver a document; a receiver hosted here gets it as ``DOCUMENT_RECEIVED`` (with
        the message's fields in ``data``); the receiver answers later (``DOCUMENT_ANSWERED`` with
        ``data = {"action": "ACCEPT" | "REJECT" | "RETURN", "version": n}``). Refuses an unknown
        receiver (``RECEIVER_NOT_FOUND``) and an outdated version (``VERSION_CONFLICT``)."""

    async def document_answer(
        self,
        *,
        network_id: str,
        version: int,
        answerer_b2b_id: str,
        action: str,
        remarks: str | None,
    ) -> None:
        """Answer a document received through the network (``ACCEPT``, ``REJECT`` or
        ``RETURN``); the sender hears of it as ``DOCUMENT_ANSWERED``. Repeating the same answer
        is a no-op. Refuses an unknown document (``DOCUMENT_NOT_FOUND``), an answer by anyone but
        the receiver (``NOT_RECEIVER``), a version that is not the one held
        (``VERSION_CONFLICT``) and a second, different answer (``ALREADY_ANSWERED``)."""

    async def document_status(self, network_id: str) -> DocumentState:
        """Where a document stands on the network (``UNKNOWN`` if never received)."""

    async def kyc_submit(self, *, request_id: str, b2b_id: str, summary: Mapping[str, Any]) -> None:
        """Submit KYC for review; the decision comes later (``KYC_DECIDED``)."""

    async def kyc_status(self, request_id: str) -> Decision:
        """Where a KYC review stands."""

    async def payment_initiate(self, order: PaymentOrder) -> PaymentState:
        """Debit the payer into a virtual account; the network settles to the payee later
        (the payer hears ``PAYMENT_UPDATED``, a hosted payee ``PAYMENT_RECEIVED``). A repeat
        of the same ``network_id`` debits nothing and answers where it stands. Refuses an
        unknown payee (``PAYEE_NOT_FOUND``), a card token that is unknown or someone else's
        (``CARD_TOKEN_INVALID``), an unknown bank (``BANK_NOT_FOUND``), a malformed source
        (``SOURCE_INVALID``) and a repeat of the id with another payment
        (``PAYMENT_ID_REUSED``)."""

    async def payment_status(self, network_id: str) -> PaymentState:
        """Where a payment stands (``UNKNOWN`` if the network never took it)."""

    async def payment_report_offline(self, report: OfflineReport) -> None:
        """Tell the payee of a payment made outside the network (a hosted payee hears
        ``PAYMENT_REPORTED``); the payer hears the answer as ``PAYMENT_REPORT_ANSWERED``. A
        repeat is a no-op."""

    async def payment_answer_offline(
        self, *, network_id: str, answerer_b2b_id: str, received: bool, remarks: str | None
    ) -> None:
        """The payee confirms (``received``) or denies an offline payment reported to it.
        Refuses an unknown report (``PAYMENT_NOT_FOUND``), anyone but the payee
        (``NOT_PAYEE``) and a second, different answer (``ALREADY_ANSWERED``)."""

    async def payment_request(self, request: PaymentRequest) -> None:
        """Ask the buyer of an invoice to pay it (a hosted buyer hears ``PAYMENT_REQUESTED``).
        A repeat of the request id is a no-op. Refuses a document the network does not hold as
        the requester's invoice to that payer (``INVOICE_NOT_FOUND``) or one not accepted
        (``INVOICE_NOT_ACCEPTED``), and an amount that is not positive (``AMOUNT_INVALID``)."""

    async def settlement_report(self, b2b_id: str, day: str) -> list[SettlementLine]:
        """A participant's credits and debits settled on ``day`` (ISO date)."""

    async def banks(self) -> list[Bank]:
        """The banks offered for net banking."""

    async def card_token(self, token: str) -> CardToken:
        """A card token's holder, card network and last four digits; refuses an unknown
        token (``CARD_TOKEN_INVALID``)."""

    async def financing_request(self, order: FinancingOrder) -> FinancingState:
        """Pass a request to the financiers (their bids come as ``FINANCING_BID``; the close of
        bidding, the disbursal and repayments as ``FINANCING_UPDATED``, each with the whole
        state). A repeat changes nothing. Refuses invoices the network does not hold as the
        vendor's and accepted (``INVOICE_NOT_ACCEPTED``) or in another open request
        (``ALREADY_FINANCED``)."""

    async def financing_accept(
        self, *, request_id: str, bid_id: str, vendor_b2b_id: str
    ) -> FinancingState:
        """Accept a live bid (the others are declined); the financier disburses later. A
        repeat is a no-op; refuses a bid that is not live (``BID_EXPIRED``,
        ``BID_WITHDRAWN``, ...) and a request no longer open to bids (``NOT_BIDDING``)."""

    async def financing_cancel(self, *, request_id: str, vendor_b2b_id: str) -> FinancingState:
        """Withdraw a request before a bid is accepted (``NOT_BIDDING`` after)."""

    async def financing_status(self, request_id: str) -> FinancingState:
        """Where a request stands (``UNKNOWN`` if never taken)."""
