"""The transactional outbox (messages to send to the network) and inbound receipts."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, new_id, utcnow


class OutboxStatus(enum.StrEnum):
    """Where an outbox message stands."""

    PENDING = "PENDING"
    DONE = "DONE"
    # Given up on after its attempts (dead): an operator may retry or drop it.
    FAILED = "FAILED"
    # Dropped by an operator, with a reason (``OutboxAction``).
    DROPPED = "DROPPED"


class OutboxMessage(Base):
    """Work for the network, written in the same transaction as the change that needs it and
    carried out by the dispatcher after commit (with retries and backoff)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("organisations.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[OutboxStatus] = mapped_column(
        Enum(OutboxStatus, native_enum=False, length=16), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The claim of the worker handling it; ``next_attempt_at`` is when that claim runs out.
    lease_token: Mapped[str | None] = mapped_column(String(32), default=None)
    # The trace context of the work that queued it (W3C headers; only while tracing is on), so
    # that its handling joins that trace.
    trace_context: Mapped[dict[str, str] | None] = mapped_column(JSON, default=None)


class OutboxAction(Base):
    """What an operator did to an outbox message (retried, dropped), who, when and why."""

    __tablename__ = "outbox_actions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    message_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("outbox.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class InboundReceipt(Base):
    """A network message already applied; a repeat with the same id is ignored."""

    __tablename__ = "inbound_receipts"

    message_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
