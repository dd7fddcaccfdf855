"""Outbox rows and inbound receipts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from contract import tracing
from db.models import InboundReceipt, OutboxMessage, OutboxStatus


async def add(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID | None,
    kind: str,
    payload: dict[str, Any],
    due: datetime,
    flush: bool = True,
) -> OutboxMessage:
    """Queue work for the dispatcher (in the caller's transaction; ``flush=False`` leaves the
    row to the next flush, for callers queueing many)."""
    message = OutboxMessage(
        organisation_id=organisation_id, kind=kind, payload=payload, next_attempt_at=due,
        trace_context=tracing.carrier(),
    )  # fmt: skip
    session.add(message)
    if flush:
        await session.flush()
    session.info["outbox"] = True  # wake the dispatcher after commit
    return message


async def claim_due(session: AsyncSession, now: datetime, limit: int) -> list[OutboxMessage]:
    """Lock up to ``limit`` of the oldest due messages. On PostgreSQL rows other workers hold
    are skipped."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.scalars(stmt)).all())


async def next_due_at(session: AsyncSession) -> datetime | None:
    """When the next pending message falls due."""
    stmt = (
        select(OutboxMessage.next_attempt_at)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .order_by(OutboxMessage.next_attempt_at)
        .limit(1)
    )
    value: datetime | None = await session.scalar(stmt)
    return value


async def record_receipt(session: AsyncSession, message_id: str, kind: str) -> bool:
    """Remember an inbound message; ``False`` if it was received before."""
    try:
        async with session.begin_nested():
            session.add(InboundReceipt(message_id=message_id, kind=kind))
            await session.flush()
    except IntegrityError:
        return False
    return True


async def counts_by_kind(session: AsyncSession, status: OutboxStatus) -> dict[str, int]:
    """How many messages of each kind are in ``status``."""
    rows = await session.execute(
        select(OutboxMessage.kind, func.count())
        .where(OutboxMessage.status == status)
        .group_by(OutboxMessage.kind)
    )
    return {kind: int(count) for kind, count in rows.all()}


async def oldest_due_at(session: AsyncSession, now: datetime) -> datetime | None:
    """When the longest-waiting pending message fell due (``None``: none is due)."""
    value: datetime | None = await session.scalar(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now
        )
    )
    return value
