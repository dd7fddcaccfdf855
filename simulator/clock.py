"""Clocks: the system's, or a manual one that tests and demos advance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Tells the time (timezone-aware UTC)."""

    def now(self) -> datetime:
        """The current time."""


class SystemClock:
    """Real time."""

    def now(self) -> datetime:
        """The current time."""
        return datetime.now(UTC)


class ManualClock:
    """Time that moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        """The current (manual) time."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self._now += timedelta(seconds=seconds)

    def rewind(self, to: datetime) -> None:
        """Set the time back (between tests, so that each starts at the same moment)."""
        self._now = to
