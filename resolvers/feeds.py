"""One reader per organisation per worker for the event subscriptions.

Every subscription of an organisation in this process shares one :class:`OrganisationFeed`: on
a wake-up it reads the new events once, checks once, for all its subscribers together, that
each is still a member with a live token (two statements, whatever their number), keeps the
latest events in memory and wakes the subscribers, who take them from there. The database work
per event does not grow with the number of subscribers. A subscriber behind what the feed keeps
(resuming from an old cursor, or slow) reads what it missed from the log itself, in pages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import OrganisationEvent
from db.repositories import account as account_repo
from db.repositories import event as event_repo
from db.repositories import organisation as organisation_repo
from resolvers.services import metrics

if TYPE_CHECKING:
    from resolvers.context import AppState

logger = logging.getLogger("bharat_connect.feeds")

EVENT_BATCH = 100
RECHECK_SECONDS = 15.0
# The latest events a feed keeps for its subscribers.
KEPT = 1000
# How long stopping a feed's reader may take before it is left to finish on its own.
STOP_SECONDS = 5.0


@dataclass(eq=False)
class Subscriber:
    """One subscription: whose it is, and whether it may still read."""

    account_id: uuid.UUID
    token_id: uuid.UUID | None
    allowed: bool = True


class OrganisationFeed:
    """The shared reader of one organisation's events in this process."""

    def __init__(self, app: AppState, organisation_id: uuid.UUID) -> None:
        self.app = app
        self.organisation_id = organisation_id
        self.subscribers: set[Subscriber] = set()
        self.kept: deque[OrganisationEvent] = deque(maxlen=KEPT)
        self.cursor = 0
        self.changed = asyncio.Condition()
        self.task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()
        self.stopping = False

    async def start(self) -> None:
        """Start reading (from the latest event); raises what kept the reader from starting."""
        self.task = asyncio.create_task(self._run(), name=f"feed-{self.organisation_id}")
        ready = asyncio.create_task(self.ready.wait())
        await asyncio.wait({self.task, ready}, return_when=asyncio.FIRST_COMPLETED)
        if not self.ready.is_set():
            ready.cancel()
            self.task.result()  # the reader failed before it was ready: raise why
            msg = "the event reader stopped before it was ready"
            raise RuntimeError(msg)

    async def stop(self) -> None:
        """Stop reading. A cancellation can be lost (``asyncio.wait_for`` on Python 3.11 drops
        one that lands as the wait ends, and a database driver may swallow one): the reader
        also stops at its next turn of the loop, and is cancelled again until it has stopped,
        for at most ``STOP_SECONDS``."""
        self.stopping = True
        task = self.task
        if task is None:
            return
        deadline = asyncio.get_running_loop().time() + STOP_SECONDS
        while not task.done() and asyncio.get_running_loop().time() < deadline:
            task.cancel()
            await asyncio.wait({task}, timeout=0.1)
        if not task.done():
            logger.warning("event feed of %s did not stop in %ss; left to finish on its own",
                           self.organisation_id, STOP_SECONDS)  # fmt: skip
        elif not task.cancelled() and task.exception() is not None:
            logger.warning("event feed of %s had stopped: %r", self.organisation_id,
                           task.exception())  # fmt: skip

    async def _run(self) -> None:
        async with self.app.broker.listen(self.organisation_id) as queue:
            async with self.app.db.read() as session:
                self.cursor = await event_repo.last_seq(session, self.organisation_id)
            self.ready.set()
            while not self.stopping:
                try:
                    await self._read()
                except Exception:  # a failed read is retried on the next wake-up
                    logger.exception("event feed of %s failed to read", self.organisation_id)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(queue.get(), timeout=RECHECK_SECONDS)
                while not queue.empty():  # every wake-up means "read after the cursor"
                    queue.get_nowait()

    async def _read(self) -> None:
        """Read what is new (all of it, in pages), check the subscribers, wake them."""
        while True:
            async with self.app.db.read() as session:
                batch = await event_repo.after(
                    session, self.organisation_id, self.cursor, EVENT_BATCH
                )
                await self._check(session)
            self.kept.extend(batch)
            if batch:
                self.cursor = batch[-1].seq
            async with self.changed:
                self.changed.notify_all()
            if len(batch) < EVENT_BATCH:
                return

    async def _check(self, session: AsyncSession) -> None:
        """Which subscribers may still read: members with live tokens (two statements)."""
        if not self.subscribers:
            return
        subscribers = list(self.subscribers)
        members = await organisation_repo.members_among(
            session, self.organisation_id, {s.account_id for s in subscribers}
        )
        tokens = {s.token_id for s in subscribers if s.token_id is not None}
        live = await account_repo.active_token_ids(session, tokens, utcnow())
        for subscriber in subscribers:
            if subscriber.account_id not in members or (
                subscriber.token_id is not None and subscriber.token_id not in live
            ):
                subscriber.allowed = False

    def kept_after(self, cursor: int) -> list[OrganisationEvent] | None:
        """The kept events after ``cursor``; ``None`` if some of them are no longer kept."""
        if cursor >= self.cursor:
            return []
        if not self.kept or self.kept[0].seq > cursor + 1:
            return None
        return [event for event in self.kept if event.seq > cursor]

    async def wait_past(self, cursor: int, subscriber: Subscriber) -> None:
        """Until there is something after ``cursor`` (or the subscriber may no longer read)."""
        async with self.changed:
            await self.changed.wait_for(lambda: self.cursor > cursor or not subscriber.allowed)


class Feeds:
    """The feeds of this process, one per organisation with subscribers."""

    def __init__(self, app: AppState) -> None:
        self.app = app
        self._feeds: dict[uuid.UUID, OrganisationFeed] = {}
        self._lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def join(
        self, organisation_id: uuid.UUID, subscriber: Subscriber
    ) -> AsyncIterator[OrganisationFeed]:
        """The organisation's feed, for the duration of the ``async with``."""
        async with self._lock:
            feed = self._feeds.get(organisation_id)
            if feed is None:
                feed = OrganisationFeed(self.app, organisation_id)
                await feed.start()
                self._feeds[organisation_id] = feed
            feed.subscribers.add(subscriber)
        metrics.SUBSCRIPTIONS.inc()
        try:
            yield feed
        finally:
            metrics.SUBSCRIPTIONS.dec()
            async with self._lock:
                feed.subscribers.discard(subscriber)
                unused = not feed.subscribers and self._feeds.get(organisation_id) is feed
                if unused:
                    del self._feeds[organisation_id]
            # Stopped outside the lock: no other organisation's subscriber waits for it.
            if unused:
                await feed.stop()

    @property
    def count(self) -> int:
        """How many organisations have a feed here."""
        return len(self._feeds)
