"""The per-organisation event log that subscriptions stream and resume from."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, utcnow


class OrganisationEvent(Base):
    """One thing that happened in an organisation, numbered by ``seq`` within it.

    Rows are written in the same transaction as the change they describe; subscribers are woken
    after commit and read rows with ``seq`` above their cursor, so a reconnecting client can
    resume without missing anything.
    """

    __tablename__ = "organisation_events"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(64))
    actor_account_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="SET NULL"), default=None
    )
    subject_account_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="SET NULL"), default=None
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The trace context of the transaction that wrote it (only while tracing is on): sending
    # it to subscribers and webhooks joins that trace.
    trace_context: Mapped[dict[str, str] | None] = mapped_column(JSON, default=None)
