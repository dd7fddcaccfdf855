"""A unit of work: one session, one transaction, and the notifications to send after commit."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class EventNotice:
    """Tells subscribers that an organisation's event log grew to ``seq``."""

    organisation_id: uuid.UUID
    seq: int


@dataclass
class UnitOfWork:
    """What a service works in. Services never commit: the caller does, then publishes."""

    session: AsyncSession
    notices: list[EventNotice] = field(default_factory=list)
    # Side effects outside the database that must wait for the commit (deleting files).
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    # Access tokens revoked in this unit: every worker closes their sockets after the commit.
    revoked_tokens: list[uuid.UUID] = field(default_factory=list)
