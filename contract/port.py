"""The port through which the service reaches the Bharat Connect network and the GSTN portal.

The simulator implements it; a real adapter could replace it without touching the services.
Calls either return, or raise one of three errors (``contract.errors``):

- :class:`NetworkRefusedError`: the network said no, with a reason. Final for that message.
- :class:`NetworkTimeoutError`: no answer; the operation may or may not have happened upstream.
  Retry with the **same** request id (the network treats a repeat as a no-op) or ask for status.
- :class:`NetworkUnavailableError`: the network is down. Retry later; do not hammer it.

Decisions taken later (a B2B ID approved, KYC rejected) arrive as :class:`InboundMessage`s
delivered to the handler given to :meth:`Network.set_inbound_handler`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from contract.documents import DocumentMessage, DocumentState
from contract.financing import FinancingOrder, FinancingState
from contract.messages import InboundHandler
from contract.onboarding import Decision, DirectoryListing, Taxpayer
from contract.payments import (
    Bank,
    CardToken,
    OfflineReport,
    PaymentOrder,
    PaymentRequest,
    PaymentState,
    SettlementLine,
)


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
