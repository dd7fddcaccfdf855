"""Payments (made and received, through the network or outside it), what each settles, and
the network's settlement reports with how each line was matched."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, new_id, utcnow


class PaymentDirection(enum.StrEnum):
    """Whether we pay (a bill) or are paid (an invoice)."""

    OUTGOING = "OUTGOING"
    INCOMING = "INCOMING"


class PaymentMethod(enum.StrEnum):
    """How the money moves: through the network, or outside it (OFFLINE); FINANCING is a
    financier's disbursal to us."""

    BANK_TRANSFER = "BANK_TRANSFER"
    UPI = "UPI"
    CARD = "CARD"
    NET_BANKING = "NET_BANKING"
    OFFLINE = "OFFLINE"
    FINANCING = "FINANCING"


class PaymentStatus(enum.StrEnum):
    """Online: INITIATED → PENDING → SETTLED | FAILED, and SETTLED → REVERSED. Offline, paid by
    us: RECORDED (the vendor is not on the network), or AWAITING_CONFIRMATION → CONFIRMED |
    DENIED; received by us: AWAITING_CONFIRMATION → CONFIRMED (a denied one is deleted)."""

    INITIATED = "INITIATED"
    PENDING = "PENDING"
    SETTLED = "SETTLED"
    FAILED = "FAILED"
    REVERSED = "REVERSED"
    RECORDED = "RECORDED"
    AWAITING_CONFIRMATION = "AWAITING_CONFIRMATION"
    CONFIRMED = "CONFIRMED"
    DENIED = "DENIED"


class Payment(Base):
    """One payment, in paise (INR). Card payments keep the vault's token, the card network
    and the last four digits, never a card number."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("organisation_id", "network_id"),
        Index("ix_payments_org_created", "organisation_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisations.id", ondelete="CASCADE")
    )
    direction: Mapped[PaymentDirection] = mapped_column(
        Enum(PaymentDirection, native_enum=False, length=10)
    )
    contact_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("contacts.id"), default=None, index=True
    )
    counterparty_b2b_id: Mapped[str | None] = mapped_column(String(50), default=None)
    method: Mapped[PaymentMethod] = mapped_column(Enum(PaymentMethod, native_enum=False, length=16))
    status: Mapped[PaymentStatus] = mapped_column(Enum(PaymentStatus, native_enum=False, length=24))
    amount_paise: Mapped[int] = mapped_column(BigInteger)
    # Money received for a financed invoice that the network passed on to its financier: the
    # payment still settles the invoice, but only the rest reached our account.
    routed_paise: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # Made once by the payer and kept for every retry (the network debits an id once).
    network_id: Mapped[str | None] = mapped_column(String(40), default=None)
    virtual_account: Mapped[str | None] = mapped_column(String(20), default=None)
    virtual_ifsc: Mapped[str | None] = mapped_column(String(11), default=None)
    utr: Mapped[str | None] = mapped_column(String(22), default=None, index=True)
    failure_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    # Where our money came from: the KYC account's IFSC (the number itself stays on the KYC
    # profile), a UPI address, a bank for net banking, or a card token.
    source_ifsc: Mapped[str | None] = mapped_column(String(11), default=None)
    source_account_last4: Mapped[str | None] = mapped_column(String(4), default=None)
    vpa: Mapped[str | None] = mapped_column(String(50), default=None)
    bank_code: Mapped[str | None] = mapped_column(String(4), default=None)
    card_token: Mapped[str | None] = mapped_column(String(40), default=None)
    card_network: Mapped[str | None] = mapped_column(String(12), default=None)
    card_last4: Mapped[str | None] = mapped_column(String(4), default=None)
    # Offline payments: how and when the money moved, and its reference (cheque no., UTR...).
    offline_mode: Mapped[str | None] = mapped_column(String(16), default=None)
    reference: Mapped[str | None] = mapped_column(String(100), default=None)
    paid_on: Mapped[dt.date] = mapped_column(Date)
    settled_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    remarks: Mapped[str | None] = mapped_column(String(500), default=None)
    created_by_account_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PaymentAllocation(Base):
    """The part of a payment that settles one document."""

    __tablename__ = "payment_allocations"
    __table_args__ = (UniqueConstraint("payment_id", "document_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    payment_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("payments.id", ondelete="CASCADE"), index=True
    )
    document_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    amount_paise: Mapped[int] = mapped_column(BigInteger)


class MatchStatus(enum.StrEnum):
    """How a settlement line stands against our payments."""

    MATCHED = "MATCHED"
    PARTIAL = "PARTIAL"
    UNMATCHED = "UNMATCHED"
    MANUAL = "MANUAL"


class SettlementEntry(Base):
    """One line of the network's settlement report, as fetched (a line fetched twice is kept
    once), and the payment it was matched to."""

    __tablename__ = "settlement_lines"
    __table_args__ = (
        UniqueConstraint("organisation_id", "line_id"),
        Index("ix_settlement_lines_org_day", "organisation_id", "day", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisations.id", ondelete="CASCADE")
    )
    line_id: Mapped[str] = mapped_column(String(60))
    day: Mapped[dt.date] = mapped_column(Date)
    direction: Mapped[str] = mapped_column(String(6))
    amount_paise: Mapped[int] = mapped_column(BigInteger)
    utr: Mapped[str] = mapped_column(String(22))
    virtual_account: Mapped[str] = mapped_column(String(20))
    payment_network_id: Mapped[str] = mapped_column(String(40))
    document_network_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    match_status: Mapped[MatchStatus] = mapped_column(
        Enum(MatchStatus, native_enum=False, length=10)
    )
    payment_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("payments.id", ondelete="SET NULL"), default=None, index=True
    )
    # Line amount minus the payment's (0 when MATCHED).
    difference_paise: Mapped[int] = mapped_column(BigInteger, default=0)
    match_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    matched_by_account_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="SET NULL"), default=None
    )
    matched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    fetched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReconciliationDay(Base):
    """A day whose settlement report is fetched (or queued to be): one row per organisation
    and day, so the daily fetch is queued once."""

    __tablename__ = "reconciliation_days"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    fetched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=None)
    lines: Mapped[int] = mapped_column(Integer, default=0)
