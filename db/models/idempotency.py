"""Idempotency keys: the first result of a create or send, kept for replays."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, new_id, utcnow


class IdempotencyRecord(Base):
    """``(scope, operation, key)`` → the fingerprint of the first input and the id it produced.

    ``scope`` is the organisation (or, for operations outside any organisation, the account).
    """

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "operation", "key"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    scope: Mapped[str] = mapped_column(String(64))
    operation: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(128))
    request_fingerprint: Mapped[str] = mapped_column(String(64))
    result_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
