"""Documents (invoices, orders, credit and debit notes), their lines, history and numbering."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, new_id, utcnow


class DocumentKind(enum.StrEnum):
    """Kinds of document."""

    INVOICE = "INVOICE"
    SALES_ORDER = "SALES_ORDER"
    PURCHASE_ORDER = "PURCHASE_ORDER"
    CREDIT_NOTE = "CREDIT_NOTE"
    DEBIT_NOTE = "DEBIT_NOTE"


class PushStatus(enum.StrEnum):
    """A document's journey through the network (DOMAIN.md section 5)."""

    NOT_PUSHED = "NOT_PUSHED"
    PUSH_INITIATED = "PUSH_INITIATED"
    AWAITING_RESPONSE = "AWAITING_RESPONSE"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    PUSH_FAILED = "PUSH_FAILED"


class DocumentStatus(enum.StrEnum):
    """A document's business status (DOMAIN.md section 5), separate from its push status.

    Ours: invoices and notes DRAFT (not delivered: never pushed, refused by the network, or
    rejected or returned by the receiver and so to be edited) → SENT → VOID; orders DRAFT →
    OPEN → CLOSED / VOID. Received: RECEIVED (not answered) → PENDING_APPROVAL (where bills need
    approval) → OPEN → VOID. PARTIALLY_PAID / PAID / OVERDUE come with payments.
    """

    DRAFT = "DRAFT"
    SENT = "SENT"
    OPEN = "OPEN"
    CLOSED = "CLOSED"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PAID = "PAID"
    OVERDUE = "OVERDUE"
    VOID = "VOID"
    RECEIVED = "RECEIVED"
    PENDING_APPROVAL = "PENDING_APPROVAL"


class Direction(enum.StrEnum):
    """Whether a document is ours or came to us through the network."""

    OUTGOING = "OUTGOING"
    INCOMING = "INCOMING"


class InboxStatus(enum.StrEnum):
    """A received document's answer (DOMAIN.md section 5, receiver side). A rejection deletes
    the document and leaves an :class:`InboxTombstone`."""

    RECEIVED = "RECEIVED"
    ACCEPTANCE_IN_PROGRESS = "ACCEPTANCE_IN_PROGRESS"
    ACCEPTED = "ACCEPTED"


class Document(Base):
    """A document with its totals in paise (lines hold the detail).

    Our own documents are numbered per issuing GSTIN (``our_gstin``), kind and fiscal year;
    received ones keep the sender's number, unique per sender (``received_from`` is empty for
    our own, ``our_gstin`` empty for received ones)."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint(
            "organisation_id",
            "our_gstin",
            "kind",
            "fiscal_year",
            "number",
            "received_from",
            name="uq_documents_number_per_series",
        ),
        UniqueConstraint("organisation_id", "network_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[DocumentKind] = mapped_column(Enum(DocumentKind, native_enum=False, length=24))
    direction: Mapped[Direction] = mapped_column(
        Enum(Direction, native_enum=False, length=10),
        default=Direction.OUTGOING,
        server_default=Direction.OUTGOING.value,
    )
    # The sender's B2B ID for a received document, empty for our own.
    received_from: Mapped[str] = mapped_column(String(50), default="", server_default="")
    # The organisation's GSTIN our own document is issued under (empty for received ones).
    our_gstin: Mapped[str] = mapped_column(String(15), default="", server_default="")
    inbox_status: Mapped[InboxStatus | None] = mapped_column(
        Enum(InboxStatus, native_enum=False, length=24), default=None
    )
    # The invoice or bill a credit or debit note is against.
    reference_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("documents.id"), default=None, index=True
    )
    number: Mapped[str] = mapped_column(String(16))
    fiscal_year: Mapped[str] = mapped_column(String(7))
    contact_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("contacts.id"), index=True)
    document_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    seller_gstin: Mapped[str | None] = mapped_column(String(15), default=None)
    place_of_supply: Mapped[str] = mapped_column(String(2))
    supply_type: Mapped[str] = mapped_column(String(16))
    round_to_rupee: Mapped[bool] = mapped_column(Boolean, default=False)
    # A zero-rated export or SEZ supply under a letter of undertaking or bond (no IGST).
    under_lut: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    taxable_paise: Mapped[int] = mapped_column(BigInteger)
    cgst_paise: Mapped[int] = mapped_column(BigInteger)
    sgst_paise: Mapped[int] = mapped_column(BigInteger)
    utgst_paise: Mapped[int] = mapped_column(BigInteger)
    igst_paise: Mapped[int] = mapped_column(BigInteger)
    rounding_paise: Mapped[int] = mapped_column(BigInteger)
    total_paise: Mapped[int] = mapped_column(BigInteger)
    # Payments applied (settled online, recorded or confirmed offline), and payments on their
    # way (initiated or pending): kept on the row, changed only under its lock.
    paid_paise: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    in_flight_paise: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(20))
    push_status: Mapped[PushStatus] = mapped_column(
        Enum(PushStatus, native_enum=False, length=24), default=PushStatus.NOT_PUSHED
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The network's id for the document: made once, at the first push, and kept for retries.
    network_id: Mapped[str | None] = mapped_column(String(40), default=None)
    # Why the network refused it, or the receiver's remarks on a rejection or return.
    push_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    notes: Mapped[str | None] = mapped_column(String(1000), default=None)
    created_by_account_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DocumentLine(Base):
    """One line: quantity in thousandths, money in paise, the rate in hundredths of a percent."""

    __tablename__ = "document_lines"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    document_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(300))
    hsn_sac: Mapped[str] = mapped_column(String(8))
    quantity_milli: Mapped[int] = mapped_column(BigInteger)
    unit_price_paise: Mapped[int] = mapped_column(BigInteger)
    discount_paise: Mapped[int] = mapped_column(BigInteger)
    tax_rate_bp: Mapped[int] = mapped_column(Integer)
    taxable_paise: Mapped[int] = mapped_column(BigInteger)
    cgst_paise: Mapped[int] = mapped_column(BigInteger)
    sgst_paise: Mapped[int] = mapped_column(BigInteger)
    utgst_paise: Mapped[int] = mapped_column(BigInteger)
    igst_paise: Mapped[int] = mapped_column(BigInteger)


class DocumentHistory(Base):
    """What happened to a document, when, and by whom (or by the network)."""

    __tablename__ = "document_history"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    document_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(String(500), default=None)
    actor_account_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="SET NULL"), default=None
    )
    by_network: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NumberSeries(Base):
    """The next automatic number of a kind of document in a fiscal year, per GSTIN (GST makes
    invoice numbers unique per registration and fiscal year)."""

    __tablename__ = "number_series"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    gstin: Mapped[str] = mapped_column(String(15), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    fiscal_year: Mapped[str] = mapped_column(String(7), primary_key=True)
    next_value: Mapped[int] = mapped_column(Integer, default=1)


class InboxTombstone(Base):
    """What is left of a rejected (or returned) received document: enough to tell the sender,
    and to recognise and ignore late echoes of that version."""

    __tablename__ = "inbox_tombstones"
    __table_args__ = (UniqueConstraint("organisation_id", "network_id", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    network_id: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[DocumentKind] = mapped_column(Enum(DocumentKind, native_enum=False, length=24))
    number: Mapped[str] = mapped_column(String(16))
    sender_b2b_id: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(500))
    actor_account_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
