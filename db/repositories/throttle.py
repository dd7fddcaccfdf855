"""Throttle counters, read for update so concurrent attempts on one key take turns."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ThrottleCounter


async def locked_counter(
    session: AsyncSession, scope: str, key: str, now: datetime
) -> ThrottleCounter:
    """The counter of ``(scope, key)``, created at zero if new, locked until the transaction
    ends (PostgreSQL: a row lock; SQLite: the single writer)."""
    values = {"scope": scope, "key": key, "count": 0, "window_start": now, "last_at": now}
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(insert(ThrottleCounter).values(**values).on_conflict_do_nothing())
    counter = await session.get(
        ThrottleCounter, (scope, key), with_for_update=True, populate_existing=True
    )
    assert counter is not None
    return counter


async def find(session: AsyncSession, scope: str, key: str) -> ThrottleCounter | None:
    """The counter of ``(scope, key)``, if any (not locked)."""
    return await session.get(ThrottleCounter, (scope, key))


async def clear(session: AsyncSession, scope: str, key: str) -> None:
    """Forget a key's counter (after a successful log-in)."""
    await session.execute(
        delete(ThrottleCounter).where(ThrottleCounter.scope == scope, ThrottleCounter.key == key)
    )


async def purge_idle(session: AsyncSession, before: datetime) -> None:
    """Drop counters untouched since ``before`` and not locked past it."""
    await session.execute(
        delete(ThrottleCounter).where(
            ThrottleCounter.last_at < before,
            (ThrottleCounter.locked_until.is_(None)) | (ThrottleCounter.locked_until < before),
        )
    )
