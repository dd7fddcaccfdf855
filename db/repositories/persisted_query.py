"""Persisted queries by hash: found, registered (bounded to the most recently used), touched."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import PersistedQuery


async def find(session: AsyncSession, sha256: str) -> str | None:
    """The document registered under ``sha256``, if any."""
    return await session.scalar(
        select(PersistedQuery.document).where(PersistedQuery.sha256 == sha256)
    )


async def touch(session: AsyncSession, sha256: str, now: datetime) -> None:
    """Mark ``sha256`` used at ``now`` (it is kept over ones used less lately)."""
    await session.execute(
        update(PersistedQuery).where(PersistedQuery.sha256 == sha256).values(last_used_at=now)
    )


async def register(
    session: AsyncSession, sha256: str, document: str, now: datetime, keep: int
) -> None:
    """Register ``document`` under ``sha256`` (a second registration changes nothing but its
    last use), then drop all but the ``keep`` most recently used."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    values = {"sha256": sha256, "document": document, "created_at": now, "last_used_at": now}
    await session.execute(
        insert(PersistedQuery)
        .values(**values)
        .on_conflict_do_update(index_elements=["sha256"], set_={"last_used_at": now})
    )
    beyond = (
        select(PersistedQuery.sha256)
        .order_by(PersistedQuery.last_used_at.desc(), PersistedQuery.sha256)
        .offset(keep)
    )
    await session.execute(delete(PersistedQuery).where(PersistedQuery.sha256.in_(beyond)))
