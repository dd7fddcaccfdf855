"""What one account may have running, and spend, in one worker: operations in flight (over
HTTP and every socket together), open sockets, and query cost a minute. An operation counts
for the account its token belongs to once this worker has seen the token authenticate (before
that, for the token itself: no database read happens before a refusal); signed out, for the
client's address. In memory, per worker process (with N workers an account may have N times
as much); refusals are GraphQL errors with a code (``TOO_MANY_IN_FLIGHT``, ``RATE_LIMITED``
with ``retryAfterSeconds``)."""

from __future__ import annotations

import hashlib
import math
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from graphql import GraphQLError

from resolvers.services import metrics

WINDOW_SECONDS = 60.0
MAX_REMEMBERED = 100_000


def too_many_in_flight(what: str) -> GraphQLError:
    """The refusal of an operation past an in-flight limit."""
    metrics.THROTTLED.labels("in_flight").inc()
    return GraphQLError(
        f"Too many operations in flight {what}: wait for one to finish.",
        extensions={"code": "TOO_MANY_IN_FLIGHT"},
    )


def over_budget(retry_after: int) -> GraphQLError:
    """The refusal of an operation past the account's cost budget for the minute."""
    metrics.THROTTLED.labels("cost_budget").inc()
    return GraphQLError(
        f"This account asked for too much in the last minute: try again in {retry_after} s.",
        extensions={"code": "RATE_LIMITED", "retryAfterSeconds": retry_after},
    )


class Flight:
    """The per-worker counts of every account (or, signed out, client address)."""

    def __init__(self, *, per_account: int, sockets_per_account: int, budget_per_minute: int,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.per_account = per_account
        self.sockets_per_account = sockets_per_account
        self.budget_per_minute = budget_per_minute
        self.clock = clock
        # Which account each access token seen here belongs to (a digest of the token): an
        # account's operations count together, whichever of its tokens they carry.
        self.accounts: dict[str, str] = {}
        self.running: Counter[str] = Counter()
        self.sockets: Counter[str] = Counter()
        self.spent: dict[str, tuple[float, int]] = {}

    @staticmethod
    def _digest(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()[:32]

    def remember(self, token: str, account_id: uuid.UUID) -> None:
        """Note whose token this is (after it authenticated)."""
        if len(self.accounts) >= MAX_REMEMBERED:
            self.accounts.pop(next(iter(self.accounts)))
        self.accounts[self._digest(token)] = f"account:{account_id}"

    def key_of(self, token: str | None, address: str) -> str:
        """Whose operation this is: the account of a token seen before (no database read, so
        a refused operation reads nothing), a new token until then, else the address."""
        if not token:
            return f"address:{address}"
        digest = self._digest(token)
        return self.accounts.get(digest, f"token:{digest}")

    @contextmanager
    def operation(self, key: str) -> Iterator[None]:
        """Hold one of ``key``'s in-flight places while the block runs (``GraphQLError`` if
        none is free)."""
        if self.running[key] >= self.per_account:
            raise too_many_in_flight("for this account")
        self.running[key] += 1
        try:
            yield
        finally:
            self.running[key] -= 1
            if self.running[key] <= 0:
                del self.running[key]

    def charge(self, key: str, cost: int) -> GraphQLError | None:
        """Spend ``cost`` of ``key``'s budget for the minute, or the refusal (nothing spent)."""
        now = self.clock()
        start, spent = self.spent.get(key, (now, 0))
        if now - start >= WINDOW_SECONDS:
            start, spent = now, 0
        if spent + cost > self.budget_per_minute:
            return over_budget(max(1, math.ceil(start + WINDOW_SECONDS - now)))
        self.spent[key] = (start, spent + cost)
        if len(self.spent) > 100_000:  # forget finished windows
            self.spent = {k: v for k, v in self.spent.items() if now - v[0] < WINDOW_SECONDS}
        return None

    def open_socket(self, key: str) -> bool:
        """Count a socket of ``key``'s; whether it may stay open."""
        if self.sockets[key] >= self.sockets_per_account:
            return False
        self.sockets[key] += 1
        return True

    def close_socket(self, key: str) -> None:
        """A socket of ``key``'s ended."""
        self.sockets[key] -= 1
        if self.sockets[key] <= 0:
            del self.sockets[key]
