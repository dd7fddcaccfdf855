"""Organisations (tenants) and memberships with roles."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
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


class MembershipRole(enum.StrEnum):
    """What a member may do in an organisation."""

    OWNER = "OWNER"
    ADMIN = "ADMIN"
    STAFF = "STAFF"


class Organisation(Base):
    """A business using the service; every tenant's data hangs off one of these."""

    __tablename__ = "organisations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The last event sequence number handed out; bumped under a row lock so that the events of
    # one organisation commit in sequence order (see db.repositories.event).
    event_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # How many enabled webhook endpoints it has (recounted whenever one changes): writing its
    # events wakes their deliveries only when there are some.
    webhook_endpoints: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Received bills need a manager's approval before their acceptance completes.
    bill_approval_required: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # Days from a document's date to its due date when neither the document nor its contact
    # says (so every invoice and bill can become overdue).
    default_payment_terms_days: Mapped[int] = mapped_column(
        Integer, default=30, server_default="30"
    )


class Membership(Base):
    """An account's role in an organisation."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("organisation_id", "account_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[MembershipRole] = mapped_column(
        Enum(MembershipRole, native_enum=False, length=16, validate_strings=True)
    )
    # May use Bharat Connect features (owners always may).
    network_access: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AccessRequestStatus(enum.StrEnum):
    """Where a request for Bharat Connect access stands."""

    PENDING = "PENDING"
    APPROVED = "APPROVED"
    DECLINED = "DECLINED"


class NetworkAccessRequest(Base):
    """A member asking to use Bharat Connect in an organisation."""

    __tablename__ = "network_access_requests"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="CASCADE")
    )
    status: Mapped[AccessRequestStatus] = mapped_column(
        Enum(AccessRequestStatus, native_enum=False, length=16)
    )
    note: Mapped[str | None] = mapped_column(String(500), default=None)
    decided_by_account_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
