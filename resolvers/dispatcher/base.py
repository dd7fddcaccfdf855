"""What handlers share: the Reschedule answer and the timings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from db.models import OutboxMessage
from db.unit_of_work import UnitOfWork
from resolvers.services.network import Network

BACKOFF_BASE_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 300.0
CIRCUIT_SECONDS = 30.0
POLL_SECONDS = 60.0
MAX_ATTEMPTS = 12


@dataclass(frozen=True)
class Reschedule:
    """A handler's answer: not finished, look again at ``at``."""

    at: datetime


Handler = Callable[[UnitOfWork, OutboxMessage, datetime], Awaitable[Reschedule | None]]
NetworkHandler = Callable[
    [Network, UnitOfWork, OutboxMessage, datetime], Awaitable[Reschedule | None]
]
GiveUpHandler = Callable[[UnitOfWork, OutboxMessage, datetime], Awaitable[None]]
