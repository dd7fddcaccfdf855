"""Open WebSocket sessions, by the access token that opened them.

A socket authenticates once, at ``connection_init``; after that it must not outlive its
token. This per-process registry:

- closes every socket of a token (code 4403) as soon as the token is revoked: revocations
  reach every worker through the broker (:meth:`SocketSessions.revoked`);
- closes a socket when its token expires (a timer per socket);
- answers :meth:`SocketSessions.alive` for each operation a socket sends, from memory (no
  database read), so a revoked or expired token never runs another operation; at most once a
  minute an operation also confirms the token in the database, so even a lost revocation
  notice stops a socket within a minute;
- after the broker may have lost notices (a dropped listener connection), checks every
  watched token against the database again (:meth:`SocketSessions.revalidate`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

logger = logging.getLogger(__name__)

Close = Callable[[], Awaitable[None]]
_numbers = itertools.count(1)


@dataclass
class SocketSession:
    """One open socket: its token and how to close it."""

    token_id: uuid.UUID
    expires_at: datetime
    close: Close = field(repr=False)
    number: int = field(default_factory=lambda: next(_numbers))
    ended: bool = False
    timer: asyncio.TimerHandle | None = field(default=None, repr=False)
    # When the token was last confirmed live in the database.
    checked_at: datetime | None = None


class SocketSessions:
    """The sockets of this process, by token."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._by_token: dict[uuid.UUID, dict[int, SocketSession]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return sum(len(sessions) for sessions in self._by_token.values())

    def open(self, token_id: uuid.UUID, expires_at: datetime, close: Close) -> SocketSession:
        """Watch a socket opened with ``token_id`` until :meth:`forget`."""
        session = SocketSession(token_id, expires_at, close, checked_at=self._clock())
        self._by_token.setdefault(token_id, {})[session.number] = session
        delay = (expires_at - self._clock()).total_seconds()
        session.timer = asyncio.get_running_loop().call_later(
            max(delay, 0.0), self._end, session, "expired"
        )
        return session

    def forget(self, session: SocketSession) -> None:
        """The socket closed: stop watching it."""
        session.ended = True
        if session.timer is not None:
            session.timer.cancel()
        sessions = self._by_token.get(session.token_id)
        if sessions is not None:
            sessions.pop(session.number, None)
            if not sessions:
                del self._by_token[session.token_id]

    def alive(self, session: SocketSession) -> bool:
        """Whether the socket may run another operation (its token neither revoked nor
        expired); an expired one is closed on the way."""
        if session.ended:
            return False
        if self._clock() >= session.expires_at:
            self._end(session, "expired")
            return False
        return True

    def due_for_recheck(self, session: SocketSession, every: timedelta) -> bool:
        """Whether the token should be confirmed in the database again (a revocation notice
        could have been lost)."""
        now = self._clock()
        if session.checked_at is not None and now - session.checked_at < every:
            return False
        session.checked_at = now
        return True

    def revoked(self, token_ids: Iterable[uuid.UUID]) -> None:
        """Tokens were revoked (here or on another worker): close their sockets."""
        for token_id in token_ids:
            for session in tuple(self._by_token.get(token_id, {}).values()):
                self._end(session, "revoked")

    def watched_tokens(self) -> set[uuid.UUID]:
        """The tokens of open sockets."""
        return set(self._by_token)

    async def revalidate(self, live: Callable[[set[uuid.UUID]], Awaitable[set[uuid.UUID]]]) -> None:
        """Close the sockets whose tokens ``live`` no longer reports (after notices may have
        been lost)."""
        watched = self.watched_tokens()
        if watched:
            self.revoked(watched - await live(watched))

    def _end(self, session: SocketSession, why: str) -> None:
        if session.ended:
            return
        self.forget(session)
        logger.info("closing a WebSocket: its access token %s", why)
        task = asyncio.get_running_loop().create_task(self._close(session))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _close(session: SocketSession) -> None:
        with contextlib.suppress(Exception):
            await session.close()
