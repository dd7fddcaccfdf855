"""Bharat Connect onboarding: an organisation's GSTINs, its onboarding, OTP challenges and
its B2B IDs."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
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


class OrganisationGstin(Base):
    """A GST registration the organisation holds (one per state it is registered in)."""

    __tablename__ = "organisation_gstins"
    __table_args__ = (UniqueConstraint("organisation_id", "gstin"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    gstin: Mapped[str] = mapped_column(String(15))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Onboarding(Base):
    """Where an organisation stands in setting up Bharat Connect."""

    __tablename__ = "onboardings"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    authorised_by_account_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="SET NULL")
    )
    authorised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    gstin: Mapped[str | None] = mapped_column(String(15), default=None)
    legal_name: Mapped[str | None] = mapped_column(String(200), default=None)
    gstn_username: Mapped[str | None] = mapped_column(String(100), default=None)
    business_type: Mapped[str | None] = mapped_column(String(32), default=None)
    gstin_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    mobile: Mapped[str | None] = mapped_column(String(10), default=None)
    mobile_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class OtpPurpose(enum.StrEnum):
    """What an OTP proves."""

    GSTIN = "GSTIN"
    MOBILE = "MOBILE"


class OtpChallenge(Base):
    """A one-time password sent to someone. Only a keyed digest of the code is stored."""

    __tablename__ = "otp_challenges"
    __table_args__ = (Index("ix_otp_challenges_destination", "purpose", "target"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[OtpPurpose] = mapped_column(Enum(OtpPurpose, native_enum=False, length=16))
    target: Mapped[str] = mapped_column(String(15))
    # What the verification will record (legal name, username, business type...).
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    code_digest: Mapped[str] = mapped_column(String(64))
    sent_to: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class B2BIdStatus(enum.StrEnum):
    """A B2B ID's life on the network."""

    SUBMITTING = "SUBMITTING"
    PENDING_APPROVAL = "PENDING_APPROVAL"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class B2BId(Base):
    """A B2B ID the organisation created. Immutable once created (only its status moves)."""

    __tablename__ = "b2b_ids"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    gstin: Mapped[str] = mapped_column(String(15))
    value: Mapped[str] = mapped_column(String(50), index=True)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[B2BIdStatus] = mapped_column(Enum(B2BIdStatus, native_enum=False, length=24))
    request_id: Mapped[str] = mapped_column(String(40), unique=True)
    reason: Mapped[str | None] = mapped_column(String(500), default=None)
    created_by_account_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="SET NULL")
    )
    terms_accepted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
