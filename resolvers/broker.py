"""Event broker: wakes subscribers after a commit, in this process or across workers.

Notices carry only ``(organisation id, seq)``; subscribers read the events themselves from the
event log, so a notice lost to a dropped connection costs latency, never data: on reconnect
every local subscriber is told to re-read.

- :class:`MemoryBroker`: one process (the SQLite default).
- :class:`PostgresBroker`: PostgreSQL LISTEN/NOTIFY, so events reach subscribers on every
  worker. One dedicated connection listens (and reconnects after a drop); publishing uses
  a separate small pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, Protocol

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from db.unit_of_work import EventNotice

logger = logging.getLogger(__name__)

CHANNEL = "bharat_connect_events"
REVOCATIONS = "bharat_connect_revocations"
RESYNC = -1
QUEUE_SIZE = 256


class Broker(Protocol):
    """What the service needs from a broker."""

    @property
    def connected(self) -> bool:
        """Whether notices from other workers reach this one now."""

    async def start(self) -> None:
        """Connect (if needed)."""

    async def stop(self) -> None:
        """Disconnect and release every subscriber."""

    async def publish(self, notices: Sequence[EventNotice]) -> None:
        """Announce committed events."""

    def listen(
        self, organisation_id: uuid.UUID
    ) -> contextlib.AbstractAsyncContextManager[asyncio.Queue[int]]:
        """A queue of event numbers (or :data:`RESYNC`) for one organisation."""

    async def publish_revocations(self, token_ids: Sequence[uuid.UUID]) -> None:
        """Announce committed token revocations to every worker."""

    def on_revocations(
        self,
        revoked: Callable[[Sequence[uuid.UUID]], None],
        resync: Callable[[], Awaitable[None]],
    ) -> None:
        """Call ``revoked`` with the ids of revoked tokens, and ``resync`` when revocation
        notices may have been lost."""


class LocalFanout:
    """Delivers notices to the subscribers of this process."""

    def __init__(self) -> None:
        self._queues: dict[uuid.UUID, set[asyncio.Queue[int]]] = {}
        self._revoked: Callable[[Sequence[uuid.UUID]], None] | None = None
        self._resync_revocations: Callable[[], Awaitable[None]] | None = None

    def on_revocations(
        self,
        revoked: Callable[[Sequence[uuid.UUID]], None],
        resync: Callable[[], Awaitable[None]],
    ) -> None:
        """Where revocation notices go in this process."""
        self._revoked = revoked
        self._resync_revocations = resync

    def deliver_revocations(self, token_ids: Sequence[uuid.UUID]) -> None:
        """Tell this process's sockets that tokens were revoked."""
        if self._revoked is not None and token_ids:
            self._revoked(token_ids)

    @contextlib.asynccontextmanager
    async def listen(self, organisation_id: uuid.UUID) -> AsyncIterator[asyncio.Queue[int]]:
        """Subscribe for the duration of the ``async with``."""
        queue: asyncio.Queue[int] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self._queues.setdefault(organisation_id, set()).add(queue)
        try:
            yield queue
        finally:
            queues = self._queues.get(organisation_id)
            if queues is not None:
                queues.discard(queue)
                if not queues:
                    del self._queues[organisation_id]

    @property
    def subscriber_count(self) -> int:
        """How many local subscriptions are open."""
        return sum(len(queues) for queues in self._queues.values())

    def deliver(self, organisation_id: uuid.UUID, seq: int) -> None:
        """Wake the organisation's subscribers."""
        for queue in tuple(self._queues.get(organisation_id, ())):
            _offer(queue, seq)

    def resync_all(self) -> None:
        """Ask every subscriber to re-read the log (after a possible loss of notices)."""
        for queues in tuple(self._queues.values()):
            for queue in tuple(queues):
                _offer(queue, RESYNC)


def _offer(queue: asyncio.Queue[int], seq: int) -> None:
    # A full queue means the subscriber is behind; it reads everything after its cursor
    # anyway, so dropping a wake-up loses nothing.
    with contextlib.suppress(asyncio.QueueFull):
        queue.put_nowait(seq)


class MemoryBroker(LocalFanout):
    """A broker for a single process."""

    @property
    def connected(self) -> bool:
        """Always: there are no other workers."""
        return True

    async def start(self) -> None:
        """Nothing to connect."""

    async def stop(self) -> None:
        """Release every subscriber."""
        self.resync_all()

    async def publish(self, notices: Sequence[EventNotice]) -> None:
        """Deliver straight to local subscribers."""
        for notice in notices:
            self.deliver(notice.organisation_id, notice.seq)

    async def publish_revocations(self, token_ids: Sequence[uuid.UUID]) -> None:
        """Deliver straight to local sockets."""
        self.deliver_revocations(token_ids)


def asyncpg_dsn(database_url: str) -> str:
    """The plain ``postgresql://`` DSN of an SQLAlchemy URL."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


# What a lost, closed or refused connection raises: the server's errors, the socket's, and the
# driver's own (``InterfaceError``: "connection is closed", a pool that is closing...).
CONNECTION_ERRORS = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


class PostgresBroker(LocalFanout):
    """LISTEN/NOTIFY across processes."""

    def __init__(self, database_url: str, *, reconnect_delay: float = 0.5) -> None:
        super().__init__()
        self._dsn = asyncpg_dsn(database_url)
        self._reconnect_delay = reconnect_delay
        self._listener: asyncpg.Connection | None = None
        self._pool: asyncpg.Pool | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._lost = asyncio.Event()
        self._connected = asyncio.Event()

    async def start(self) -> None:
        """Open the publishing pool and start listening."""
        self._pool = await asyncpg.create_pool(self._dsn, min_size=1, max_size=4)
        await self._connect()
        self._supervisor = asyncio.create_task(self._supervise(), name="broker-supervisor")

    async def _connect(self) -> None:
        connection = await asyncpg.connect(self._dsn)
        await connection.add_listener(CHANNEL, self._on_notify)
        await connection.add_listener(REVOCATIONS, self._on_revocation)
        connection.add_termination_listener(self._on_terminated)
        self._listener = connection
        self._lost.clear()
        self._connected.set()

    def _on_terminated(self, _connection: Any) -> None:
        self._connected.clear()
        self._lost.set()

    def _on_notify(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        org, _, seq = payload.partition(":")
        try:
            self.deliver(uuid.UUID(org), int(seq))
        except ValueError:
            logger.warning("ignored a malformed event notice")

    def _on_revocation(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            ids = [uuid.UUID(part) for part in payload.split(",") if part]
        except ValueError:
            logger.warning("ignored a malformed revocation notice")
            return
        self.deliver_revocations(ids)

    async def _supervise(self) -> None:
        while True:
            await self._lost.wait()
            logger.warning("event listener connection lost; reconnecting")
            while True:
                try:
                    await self._connect()
                except CONNECTION_ERRORS:
                    await asyncio.sleep(self._reconnect_delay)
                    continue
                break
            logger.info("event listener reconnected")
            self.resync_all()
            if self._resync_revocations is not None:
                try:
                    await self._resync_revocations()
                except (*CONNECTION_ERRORS, SQLAlchemyError):
                    logger.exception("could not re-check the tokens of open sockets")

    @property
    def connected(self) -> bool:
        """Whether the listening connection is up."""
        return self._connected.is_set()

    async def wait_connected(self) -> None:
        """Until the listening connection is up (for tests)."""
        await self._connected.wait()

    async def drop_listener_connection(self) -> None:
        """Kill the listening connection, as a network failure would (for tests)."""
        if self._listener is not None:
            self._listener.terminate()

    async def stop(self) -> None:
        """Stop listening and close connections."""
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        if self._listener is not None and not self._listener.is_closed():
            await self._listener.close()
        if self._pool is not None:
            await self._pool.close()
        self.resync_all()

    async def _notify(self, channel: str, payloads: Sequence[str]) -> bool:
        """NOTIFY every worker (this one included, through its own listener); ``False`` if
        the notices could not be sent."""
        if self._pool is None:
            msg = "broker not started"
            raise RuntimeError(msg)
        try:
            async with self._pool.acquire() as connection:
                for payload in payloads:
                    await connection.execute("SELECT pg_notify($1, $2)", channel, payload)
        except CONNECTION_ERRORS as exc:
            # The transaction has committed: its client gets its answer; subscribers catch up
            # at their next recheck. No traceback: a lost connection is expected now and then.
            logger.warning("could not publish notices on %s: %s", channel, type(exc).__name__)
            return False
        return True

    async def publish(self, notices: Sequence[EventNotice]) -> None:
        """Wake every worker's subscribers of these organisations."""
        if not notices:
            return
        payloads = [f"{notice.organisation_id}:{notice.seq}" for notice in notices]
        if not await self._notify(CHANNEL, payloads):
            # The events are committed; other workers' subscribers catch up on their next
            # wake-up or resync.
            for notice in notices:
                self.deliver(notice.organisation_id, notice.seq)

    async def publish_revocations(self, token_ids: Sequence[uuid.UUID]) -> None:
        """Tell every worker which tokens were revoked (at most 100 ids a notice, well under
        the 8,000-byte payload cap)."""
        if not token_ids:
            return
        payloads = [
            ",".join(str(t) for t in token_ids[start : start + 100])
            for start in range(0, len(token_ids), 100)
        ]
        if not await self._notify(REVOCATIONS, payloads):
            # The revocation is committed: this worker's sockets close now; the others find out
            # at their next re-check of the token (at most a minute later, see server.ws).
            self.deliver_revocations(token_ids)
