"""Contacts (customers and vendors) and bulk operations with per-item results."""

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


class GstTreatment(enum.StrEnum):
    """How GST applies to a contact."""

    REGISTERED_REGULAR = "REGISTERED_REGULAR"
    REGISTERED_COMPOSITION = "REGISTERED_COMPOSITION"
    UNREGISTERED = "UNREGISTERED"
    CONSUMER = "CONSUMER"
    OVERSEAS = "OVERSEAS"
    SEZ = "SEZ"
    DEEMED_EXPORT = "DEEMED_EXPORT"


class Contact(Base):
    """A customer, a vendor, or both."""

    __tablename__ = "contacts"
    __table_args__ = (Index("ix_contacts_organisation_gstin", "organisation_id", "gstin"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    is_customer: Mapped[bool] = mapped_column(Boolean, default=False)
    is_vendor: Mapped[bool] = mapped_column(Boolean, default=False)
    display_name: Mapped[str] = mapped_column(String(200))
    legal_name: Mapped[str] = mapped_column(String(200))
    gstin: Mapped[str | None] = mapped_column(String(15), default=None)
    gst_treatment: Mapped[GstTreatment] = mapped_column(
        Enum(GstTreatment, native_enum=False, length=32)
    )
    place_of_supply: Mapped[str | None] = mapped_column(String(2), default=None)
    address_line: Mapped[str | None] = mapped_column(String(300), default=None)
    city: Mapped[str | None] = mapped_column(String(100), default=None)
    state_code: Mapped[str | None] = mapped_column(String(2), default=None)
    pin: Mapped[str | None] = mapped_column(String(6), default=None)
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    phone: Mapped[str | None] = mapped_column(String(10), default=None)
    b2b_id: Mapped[str | None] = mapped_column(String(50), default=None)
    # The GSTIN's registration status on the GSTN portal, as last looked up (documents to a
    # cancelled or suspended GSTIN are refused), and when.
    gstin_status: Mapped[str | None] = mapped_column(String(12), default=None)
    gstin_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Days from a document's date to its due date (null: the organisation's default).
    payment_terms_days: Mapped[int | None] = mapped_column(Integer, default=None)
    linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BulkStatus(enum.StrEnum):
    """Where a bulk operation stands."""

    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class BulkOperation(Base):
    """Long work in the background, with progress and a result per item."""

    __tablename__ = "bulk_operations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[BulkStatus] = mapped_column(Enum(BulkStatus, native_enum=False, length=16))
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    created_by_account_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class BulkItemStatus(enum.StrEnum):
    """Where one item of a bulk operation stands."""

    PENDING = "PENDING"
    DONE = "DONE"
    FAILED = "FAILED"


class BulkOperationItem(Base):
    """One item's outcome."""

    __tablename__ = "bulk_operation_items"
    __table_args__ = (UniqueConstraint("operation_id", "subject_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    operation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("bulk_operations.id", ondelete="CASCADE"), index=True
    )
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[BulkItemStatus] = mapped_column(
        Enum(BulkItemStatus, native_enum=False, length=16)
    )
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
