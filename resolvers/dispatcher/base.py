"""What handlers share: the claimed message, its lease, the short transactions a handler
works in, the Reschedule answer and the timings.

A handler never holds a transaction across a network call: it reads what the call needs in
one short transaction (:meth:`Work.read`), calls the network outside any, and records the
outcome in another (:meth:`Work.write`), which first checks that the message's lease is still
its own (another worker may have taken the message over after the lease ran out) and renews it.
Rows are locked again and their state checked again there: what a user did meanwhile wins.
A handler's final write may settle the message in that same transaction
(``work.write(last=True)``) instead of a transaction of its own after the handler returns.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from contract.port import Network
from db.models import OutboxMessage, OutboxStatus
from db.unit_of_work import UnitOfWork
from resolvers.services.webhooks.sending import WebhookSender

BACKOFF_BASE_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 300.0
CIRCUIT_SECONDS = 30.0
POLL_SECONDS = 60.0
MAX_ATTEMPTS = 12
# How long a claimed message is its worker's; a worker that dies leaves it to others after.
LEASE_SECONDS = 120.0
# How many due messages one claim takes (handled concurrently: their network calls overlap).
CLAIM_BATCH = 8


@dataclass(frozen=True)
class Reschedule:
    """A handler's answer: not finished, look again at ``at``."""

    at: datetime


class RetryLaterError(Exception):
    """The handler's work failed in a way worth trying again later, with the outbox's backoff
    (the reason is recorded; no traceback is logged)."""


class LeaseLostError(Exception):
    """Another worker took the message over (this worker's lease ran out): its outcome is
    not recorded here."""


@dataclass(frozen=True)
class Claimed:
    """An outbox message as claimed (a copy: the claim's transaction is over)."""

    id: uuid.UUID
    kind: str
    organisation_id: uuid.UUID | None
    payload: dict[str, Any]
    attempts: int
    lease: str
    lease_seconds: float = LEASE_SECONDS
    # The trace context of the work that queued it (tracing on), which its handling joins.
    trace_context: dict[str, str] | None = None

    @classmethod
    def of(cls, message: OutboxMessage, lease_seconds: float) -> Claimed:
        """A copy of ``message`` as claimed, with its lease."""
        assert message.lease_token is not None
        return cls(
            message.id, message.kind, message.organisation_id, dict(message.payload),
            message.attempts, message.lease_token, lease_seconds,
            dict(message.trace_context) if message.trace_context else None,
        )  # fmt: skip


class Host(Protocol):
    """What the dispatcher needs of the application (``resolvers.context.AppState`` is one):
    transactions, the service's time, how long a claim on a message lasts, and the webhook
    sender."""

    def unit_of_work(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """One transaction, committed when the block ends."""
        ...

    def now(self) -> datetime:
        """The service's time."""
        ...

    @property
    def outbox_lease_seconds(self) -> float:
        """How long a claimed message is its worker's."""
        ...

    @property
    def webhook_sender(self) -> WebhookSender:
        """Sends the organisations' webhooks."""
        ...


class Work:
    """One handling of a claimed message: its short transactions."""

    def __init__(self, state: Host, message: Claimed, now: datetime) -> None:
        self.state = state
        self.message = message
        self.now = now
        # Set when the handler's last write marked the message done in its own transaction.
        self.settled = False
        self._held: OutboxMessage | None = None

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[UnitOfWork]:
        """A short transaction to read what a network call needs (no row locks kept)."""
        async with self.state.unit_of_work() as uow:
            yield uow

    @contextlib.asynccontextmanager
    async def write(self, *, last: bool = False) -> AsyncIterator[UnitOfWork]:
        """A transaction to record an outcome, under the lease (renewed);
        :class:`LeaseLostError` if the message is no longer this handling's. ``last``: the
        handler's final write, which also marks the message done (one transaction fewer; the
        handler then returns ``None``)."""
        async with self.state.unit_of_work() as uow:
            message = await hold_lease(uow, self.message, self.now)
            self._held = message
            try:
                yield uow
            finally:
                self._held = None
            if last:
                message.lease_token = None
                message.status = OutboxStatus.DONE
                message.completed_at = self.now
                self.settled = True

    def park(self, at: datetime) -> None:
        """Within a :meth:`write`: let the message go until ``at`` in that same transaction
        (the handler then returns ``None``), so that what decided ``at`` and the release
        commit together."""
        message = self._holding()
        message.lease_token = None
        message.next_attempt_at = at
        message.attempts = 0
        self.settled = True

    def finish(self) -> None:
        """Within a :meth:`write`: mark the message done in that same transaction."""
        message = self._holding()
        message.lease_token = None
        message.status = OutboxStatus.DONE
        message.completed_at = self.now
        self.settled = True

    def _holding(self) -> OutboxMessage:
        if self._held is None:
            msg = "only within Work.write()"
            raise RuntimeError(msg)
        return self._held


async def hold_lease(uow: UnitOfWork, claimed: Claimed, now: datetime) -> OutboxMessage:
    """Lock the message; it must still be pending under ``claimed``'s lease (renewed)."""
    message = await uow.session.get(OutboxMessage, claimed.id, with_for_update=True)
    if (
        message is None
        or message.status != OutboxStatus.PENDING
        or message.lease_token != claimed.lease
    ):
        raise LeaseLostError(str(claimed.id))
    message.next_attempt_at = now + timedelta(seconds=claimed.lease_seconds)
    return message


Handler = Callable[[Work], Awaitable[Reschedule | None]]
NetworkHandler = Callable[[Network, Work], Awaitable[Reschedule | None]]
GiveUpHandler = Callable[[UnitOfWork, OutboxMessage, datetime], Awaitable[None]]
