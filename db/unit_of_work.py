"""A unit of work: one session, one transaction, and the notifications to send after commit."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from db.models import OrganisationEvent


@dataclass(frozen=True)
class EventNotice:
    """Tells subscribers that an organisation's event log grew to ``seq``."""

    organisation_id: uuid.UUID
    seq: int


@dataclass
class UnitOfWork:
    """What a service works in. Services never commit: the caller does, then publishes."""

    session: AsyncSession
    # The service's time when the unit began (a manual clock in tests; None: real time).
    now: datetime | None = None
    notices: list[EventNotice] = field(default_factory=list)
    # Events recorded in this unit, numbered and written just before it commits
    # (:func:`db.repositories.event.write_pending`).
    events: list[OrganisationEvent] = field(default_factory=list)
    # Side effects outside the database that must wait for the commit (deleting files).
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    # Access tokens revoked in this unit: every worker closes their sockets after the commit.
    revoked_tokens: list[uuid.UUID] = field(default_factory=list)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A nested transaction: if the block raises, what it wrote is rolled back and the
        events it recorded are forgotten."""
        events, notices = len(self.events), len(self.notices)
        try:
            async with self.session.begin_nested():
                yield
        except BaseException:
            del self.events[events:]
            del self.notices[notices:]
            raise
