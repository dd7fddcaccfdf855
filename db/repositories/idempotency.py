"""Idempotency records."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import IdempotencyRecord


async def find(
    session: AsyncSession, *, scope: str, operation: str, key: str
) -> IdempotencyRecord | None:
    """The record for this key, if any."""
    return await session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.scope == scope,
            IdempotencyRecord.operation == operation,
            IdempotencyRecord.key == key,
        )
    )


async def claim(
    session: AsyncSession,
    *,
    scope: str,
    operation: str,
    key: str,
    fingerprint: str,
    result_id: uuid.UUID,
) -> IdempotencyRecord | None:
    """Claim the key for ``result_id``; returns ``None`` when it is claimed, else the record
    that holds it already (committed by another transaction)."""
    existing = await find(session, scope=scope, operation=operation, key=key)
    if existing is not None:
        return existing
    record = IdempotencyRecord(
        scope=scope,
        operation=operation,
        key=key,
        request_fingerprint=fingerprint,
        result_id=result_id,
    )
    try:
        async with session.begin_nested():
            session.add(record)
            await session.flush()
    except IntegrityError:
        # A concurrent transaction claimed the key and committed while we waited on the
        # unique index: what it stored is the answer.
        return await find(session, scope=scope, operation=operation, key=key)
    return None


async def purge_before(session: AsyncSession, moment: datetime) -> int:
    """Delete records older than ``moment``; returns how many."""
    result = await session.execute(
        delete(IdempotencyRecord)
        .where(IdempotencyRecord.created_at < moment)
        .returning(IdempotencyRecord.id)
    )
    return len(result.all())
