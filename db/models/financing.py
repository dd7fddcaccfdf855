"""Invoice financing: a vendor's request against accepted invoices, the financiers' bids, and
what happened to it."""

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
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, new_id, utcnow


class FinancingStatus(enum.StrEnum):
    """REQUESTED → BIDDING → BID_ACCEPTED → DISBURSED → SETTLED, or NO_BIDS, CANCELLED,
    DISBURSAL_FAILED. (OVERDUE is derived when shown: disbursed, past the repayment date.)"""

    REQUESTED = "REQUESTED"
    BIDDING = "BIDDING"
    BID_ACCEPTED = "BID_ACCEPTED"
    DISBURSED = "DISBURSED"
    SETTLED = "SETTLED"
    NO_BIDS = "NO_BIDS"
    CANCELLED = "CANCELLED"
    DISBURSAL_FAILED = "DISBURSAL_FAILED"


class BidStatus(enum.StrEnum):
    """A bid: LIVE until it expires, is withdrawn, accepted, or declined (another accepted)."""

    LIVE = "LIVE"
    EXPIRED = "EXPIRED"
    WITHDRAWN = "WITHDRAWN"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"


class FinancingRequest(Base):
    """A request for funds against accepted invoices, in paise."""

    __tablename__ = "financing_requests"
    __table_args__ = (Index("ix_financing_requests_org", "organisation_id", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisations.id", ondelete="CASCADE")
    )
    # Made once, kept for every retry: the network takes a request id once.
    network_id: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[FinancingStatus] = mapped_column(
        Enum(FinancingStatus, native_enum=False, length=20)
    )
    amount_paise: Mapped[int] = mapped_column(BigInteger)
    tenor_days: Mapped[int | None] = mapped_column(Integer, default=None)
    accepted_bid_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    disbursed_paise: Mapped[int] = mapped_column(BigInteger, default=0)
    disbursal_utr: Mapped[str | None] = mapped_column(String(22), default=None)
    disbursed_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    repayment_due_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    owed_paise: Mapped[int] = mapped_column(BigInteger, default=0)
    repaid_paise: Mapped[int] = mapped_column(BigInteger, default=0)
    # The network's count of changes to what was repaid (a returned repayment lowers it): an
    # older state that arrives late never overwrites a newer one.
    network_revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reason: Mapped[str | None] = mapped_column(String(500), default=None)
    created_by_account_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FinancingInvoice(Base):
    """An invoice in a request, with what was due on it when asked."""

    __tablename__ = "financing_request_invoices"
    __table_args__ = (UniqueConstraint("request_id", "document_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    request_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("financing_requests.id", ondelete="CASCADE"), index=True
    )
    document_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    amount_due_paise: Mapped[int] = mapped_column(BigInteger)


class FinancingBidRecord(Base):
    """A financier's bid on a request."""

    __tablename__ = "financing_bids"
    __table_args__ = (UniqueConstraint("request_id", "network_bid_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    request_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("financing_requests.id", ondelete="CASCADE"), index=True
    )
    network_bid_id: Mapped[str] = mapped_column(String(40))
    financier_id: Mapped[str] = mapped_column(String(40))
    financier_name: Mapped[str] = mapped_column(String(200))
    amount_paise: Mapped[int] = mapped_column(BigInteger)
    # Annual rate in basis points (1,250 = 12.50 %).
    rate_bp: Mapped[int] = mapped_column(Integer)
    fee_paise: Mapped[int] = mapped_column(BigInteger)
    tenor_days: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    status: Mapped[BidStatus] = mapped_column(Enum(BidStatus, native_enum=False, length=12))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FinancingHistory(Base):
    """What happened to a request, when, and by whom (or which network message)."""

    __tablename__ = "financing_history"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    request_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("financing_requests.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(String(500), default=None)
    actor_account_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="SET NULL"), default=None
    )
    by_network: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
