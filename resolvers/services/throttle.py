"""Abuse limits, stored in the database so that they hold across workers.

Each :class:`Rule` counts attempts per key (an account, a client address, an OTP
destination) within a window. Past ``free`` attempts each further one must wait a delay that
doubles (``delay`` seconds, then twice that, ...): refused with ``RATE_LIMITED`` and a
``retryAfterSeconds``. At ``lock_after`` attempts the key is locked for ``lock_for``: refused
with ``TEMPORARILY_LOCKED`` and a ``retryAfterSeconds``, without doing the work (no password
is checked, no OTP is sent). A quiet window resets the count.

Keys are stored as keyed digests, never as the address, e-mail or number itself.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from db.models import ThrottleCounter
from db.repositories import throttle as repo
from db.unit_of_work import UnitOfWork
from resolvers.services import metrics
from resolvers.services.errors import ErrorCode, UserError, UserInputError

MAX_DELAY = timedelta(minutes=5)


@dataclass(frozen=True)
class Rule:
    """One limit."""

    scope: str
    window: timedelta
    lock_after: int
    lock_for: timedelta
    free: int = 0
    delay: timedelta = timedelta(0)
    what: str = "attempts"


# Never reached: a rule that only ever delays.
NEVER = 10**9
# Log-in. Only the (account, client address) pair is ever locked: someone guessing one
# account's password from one place. Failures for an account from everywhere, and from one
# address for every account, only slow further tries down (growing delays, at most 5 min), and
# the account's delay is skipped from an address the account logged in from before: whoever
# guesses cannot lock the owner out.
LOGIN_PAIR = Rule(
    "login:pair", timedelta(minutes=15), lock_after=10, lock_for=timedelta(minutes=15),
    free=3, delay=timedelta(seconds=1), what="failed log-ins for this account from your address",
)  # fmt: skip
LOGIN_ACCOUNT = Rule(
    "login:account", timedelta(minutes=15), lock_after=NEVER, lock_for=timedelta(0),
    free=10, delay=timedelta(seconds=1), what="failed log-ins for this account",
)  # fmt: skip
LOGIN_ADDRESS = Rule(
    "login:address", timedelta(minutes=15), lock_after=NEVER, lock_for=timedelta(0),
    free=30, delay=timedelta(seconds=1), what="failed log-ins from your address",
)  # fmt: skip
# New access tokens per account: the per-token limits on work in flight and query cost
# (resolvers.flight) are not multiplied by logging in again and again.
TOKENS_PER_ACCOUNT = Rule(
    "login:tokens", timedelta(hours=1), lock_after=30, lock_for=timedelta(hours=1),
    what="log-ins to this account in the last hour",
)  # fmt: skip
# Addresses an account logged in from (kept 90 days after the last log-in from there).
LOGIN_KNOWN = Rule("login:known", timedelta(days=90), lock_after=NEVER, lock_for=timedelta(0))


def sign_ups_per_address(per_hour: int) -> Rule:
    """At most ``per_hour`` sign-up attempts from one client address in an hour."""
    return Rule(
        "signup:address", timedelta(hours=1), lock_after=per_hour, lock_for=timedelta(hours=1),
        what="sign-ups from your address",
    )  # fmt: skip


# OTP requests: per account and per client address; per destination (a GSTIN's registered
# mobile, a mobile number) across every organisation: sends per day and wrong tries per day.
OTP_REQUEST_ACCOUNT = Rule(
    "otp:account", timedelta(hours=1), lock_after=10, lock_for=timedelta(hours=1),
    what="OTP requests from your account",
)  # fmt: skip
OTP_REQUEST_ADDRESS = Rule(
    "otp:address", timedelta(hours=1), lock_after=20, lock_for=timedelta(hours=1),
    what="OTP requests from your address",
)  # fmt: skip
OTP_SENDS_PER_DESTINATION = Rule(
    "otp:sends", timedelta(days=1), lock_after=10, lock_for=timedelta(days=1),
    what="OTPs sent to this destination today",
)  # fmt: skip
OTP_GUESSES_PER_DESTINATION = Rule(
    "otp:guesses", timedelta(days=1), lock_after=10, lock_for=timedelta(days=1),
    what="wrong OTPs for this destination today",
)  # fmt: skip


# Offline payments reported over the network (each one the vendor must confirm or deny): per
# organisation and per (organisation, vendor) a day.
OFFLINE_REPORTS_ORGANISATION = Rule(
    "offline:organisation", timedelta(days=1), lock_after=200, lock_for=timedelta(days=1),
    what="offline payments reported by your organisation today",
)  # fmt: skip
OFFLINE_REPORTS_COUNTERPARTY = Rule(
    "offline:counterparty", timedelta(days=1), lock_after=20, lock_for=timedelta(days=1),
    what="offline payments reported to this vendor today",
)  # fmt: skip


def organisations_per_account(per_day: int) -> Rule:
    """At most ``per_day`` organisations created by one account in a day."""
    return Rule(
        "org:account", timedelta(days=1), lock_after=per_day, lock_for=timedelta(days=1),
        what="organisations created by your account today",
    )  # fmt: skip


def client_key(address: str) -> str:
    """The part of a client address that limits count by: an IPv4 address, or an IPv6 client's
    /64 (one subscriber's block: it could otherwise step through 2^64 addresses)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def pair(account: str, address: str) -> str:
    """The value of an (account, client address) pair."""
    return f"{account}|{client_key(address)}"


def key_of(secret: bytes, rule: Rule, value: str) -> str:
    """The stored key for ``value`` under ``rule``."""
    return hmac.new(secret, f"{rule.scope}:{value}".encode(), hashlib.sha256).hexdigest()


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


def _refusal(rule: Rule, counter: ThrottleCounter, now: datetime) -> UserError | None:
    if counter.locked_until is not None and counter.locked_until > now:
        wait = _seconds(counter.locked_until - now)
        return UserError(
            ErrorCode.TEMPORARILY_LOCKED, ("input",),
            f"Too many {rule.what}: locked for {wait} s.", retry_after=wait,
        )  # fmt: skip
    if counter.window_start + rule.window <= now:
        return None  # a quiet window: the count starts again
    if rule.delay and counter.count >= rule.free:
        delay = min(rule.delay * 2 ** (counter.count - rule.free), MAX_DELAY)
        ready = counter.last_at + delay
        if ready > now:
            wait = _seconds(ready - now)
            return UserError(
                ErrorCode.RATE_LIMITED, ("input",),
                f"Too many {rule.what}: wait {wait} s before trying again.", retry_after=wait,
            )  # fmt: skip
    return None


class Gate:
    """Counters held for one unit of work: check them all, then count the attempt."""

    def __init__(self, uow: UnitOfWork, secret: bytes, now: datetime) -> None:
        self.uow = uow
        self.secret = secret
        self.now = now
        self.held: list[tuple[Rule, ThrottleCounter]] = []

    async def check(self, rule: Rule, value: str) -> None:
        """Refuse (nothing counted) if ``value`` is locked out or must wait under ``rule``."""
        counter = await repo.locked_counter(
            self.uow.session, rule.scope, key_of(self.secret, rule, value), self.now
        )
        refusal = _refusal(rule, counter, self.now)
        if refusal is not None:
            metrics.THROTTLED.labels(rule.scope).inc()
            raise UserInputError([refusal])
        self.held.append((rule, counter))

    def count(self) -> None:
        """Count an attempt against every checked counter (a failure, or a send)."""
        for rule, counter in self.held:
            self._bump(rule, counter)

    def _bump(self, rule: Rule, counter: ThrottleCounter) -> None:
        if counter.window_start + rule.window <= self.now or (
            counter.locked_until is not None and counter.locked_until <= self.now
        ):
            counter.count, counter.window_start, counter.locked_until = 0, self.now, None
        counter.count += 1
        counter.last_at = self.now
        if counter.count >= rule.lock_after:
            counter.locked_until = self.now + rule.lock_for

    async def clear(self, rule: Rule, value: str) -> None:
        """Forget ``value``'s attempts under ``rule`` (after a success)."""
        await repo.clear(self.uow.session, rule.scope, key_of(self.secret, rule, value))

    async def spend(self, rule: Rule, value: str) -> None:
        """Check ``value`` under ``rule`` and count one attempt against that counter alone."""
        counter = await repo.locked_counter(
            self.uow.session, rule.scope, key_of(self.secret, rule, value), self.now
        )
        refusal = _refusal(rule, counter, self.now)
        if refusal is not None:
            metrics.THROTTLED.labels(rule.scope).inc()
            raise UserInputError([refusal])
        self._bump(rule, counter)

    def locked_now(self) -> list[Rule]:
        """The rules whose counters this attempt's count just locked."""
        return [
            rule for rule, counter in self.held
            if counter.locked_until is not None and counter.last_at == self.now
            and counter.count == rule.lock_after
        ]  # fmt: skip

    async def remember(self, rule: Rule, value: str) -> None:
        """Keep ``value`` under ``rule`` for the rule's window (a known address; kept past the
        idle purge through ``locked_until``, which no check of this rule reads)."""
        counter = await repo.locked_counter(
            self.uow.session, rule.scope, key_of(self.secret, rule, value), self.now
        )
        counter.count, counter.last_at = max(counter.count, 1), self.now
        counter.window_start, counter.locked_until = self.now, self.now + rule.window

    async def known(self, rule: Rule, value: str) -> bool:
        """Whether ``value`` is kept under ``rule`` and its window has not passed."""
        found = await repo.find(self.uow.session, rule.scope, key_of(self.secret, rule, value))
        return (
            found is not None and found.count > 0
            and found.window_start + rule.window > self.now
        )  # fmt: skip


async def purge(uow: UnitOfWork, now: datetime) -> None:
    """Drop counters idle for over a day (at start)."""
    await repo.purge_idle(uow.session, now - timedelta(days=2))
