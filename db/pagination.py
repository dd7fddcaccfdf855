"""Keyset pagination over a time-ordered UUID key (see :func:`db.base.new_id`).

A page costs one statement whatever its size: ``LIMIT n + 1`` tells whether there is more.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    """A validated window: exactly one of ``first`` / ``last`` is set."""

    first: int | None = None
    after: uuid.UUID | None = None
    last: int | None = None
    before: uuid.UUID | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    """Rows in key order, and whether rows exist beyond either end."""

    items: list[T]
    has_next_page: bool
    has_previous_page: bool


async def paginate(
    session: AsyncSession,
    statement: Select[T],
    key: InstrumentedAttribute[uuid.UUID],
    request: PageRequest,
    *,
    rows: bool = False,
) -> Page[T]:
    """Run ``statement`` restricted to the window ``request`` describes (``rows``: a Core
    select of whole rows, answered as rows rather than as its first column)."""
    stmt: Select[Any] = statement
    if request.after is not None:
        stmt = stmt.where(key > request.after)
    if request.before is not None:
        stmt = stmt.where(key < request.before)
    if request.last is not None:
        size = request.last
        found = await _fetch(session, stmt.order_by(key.desc()).limit(size + 1), rows=rows)
        more = len(found) > size
        found = found[:size]
        found.reverse()
        return Page(found, has_next_page=request.before is not None, has_previous_page=more)
    size = request.first if request.first is not None else 20
    found = await _fetch(session, stmt.order_by(key.asc()).limit(size + 1), rows=rows)
    more = len(found) > size
    return Page(found[:size], has_next_page=more, has_previous_page=request.after is not None)


async def _fetch(session: AsyncSession, stmt: Select[Any], *, rows: bool) -> list[Any]:
    if rows:
        return list((await session.execute(stmt)).all())
    return list((await session.scalars(stmt)).all())
