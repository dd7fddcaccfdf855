"""KYC ("Continue setup"): business profile, representative, owners, bank account, documents."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Enum, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, new_id, utcnow


class KycStatus(enum.StrEnum):
    """Where KYC stands."""

    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class KycProfile(Base):
    """The organisation's KYC details. PAN and account numbers are shown masked."""

    __tablename__ = "kyc_profiles"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[KycStatus] = mapped_column(
        Enum(KycStatus, native_enum=False, length=16), default=KycStatus.DRAFT
    )
    address_line: Mapped[str | None] = mapped_column(String(300), default=None)
    city: Mapped[str | None] = mapped_column(String(100), default=None)
    state_code: Mapped[str | None] = mapped_column(String(2), default=None)
    pin: Mapped[str | None] = mapped_column(String(6), default=None)
    representative_name: Mapped[str | None] = mapped_column(String(200), default=None)
    representative_pan: Mapped[str | None] = mapped_column(String(10), default=None)
    representative_designation: Mapped[str | None] = mapped_column(String(100), default=None)
    representative_email: Mapped[str | None] = mapped_column(String(254), default=None)
    representative_mobile: Mapped[str | None] = mapped_column(String(10), default=None)
    bank_account_holder: Mapped[str | None] = mapped_column(String(200), default=None)
    bank_account_number: Mapped[str | None] = mapped_column(String(18), default=None)
    bank_ifsc: Mapped[str | None] = mapped_column(String(11), default=None)
    request_id: Mapped[str | None] = mapped_column(String(40), unique=True, default=None)
    rejection_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class KycOwner(Base):
    """An owner with 10 % or more of the business."""

    __tablename__ = "kyc_owners"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    pan: Mapped[str] = mapped_column(String(10))
    # Hundredths of a percent: 25.5 % is 2550.
    share_basis_points: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class KycDocument(Base):
    """An uploaded KYC document, stored by reference (``storage_key``), never by its name."""

    __tablename__ = "kyc_documents"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    # For an owner's proof of identity: the owner (removed with it).
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("kyc_owners.id", ondelete="CASCADE"), default=None, index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    uploaded_by_account_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
