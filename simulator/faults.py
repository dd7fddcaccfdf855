"""Faults on demand, per network operation.

- ``REFUSE``: the network refuses with ``reason``.
- ``TIMEOUT_DONE``: the operation happens upstream, but the caller gets a timeout.
- ``TIMEOUT_NOT_DONE``: the caller gets a timeout and nothing happened.
- ``DUPLICATE``: an inbound message is delivered twice.
- ``DELAY``: the answer (or an inbound delivery) comes ``seconds`` late.
- An **outage** (:meth:`Faults.start_outage`) makes every call fail as unavailable, and holds
  inbound deliveries back, until it ends.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

FaultKind = Literal["REFUSE", "TIMEOUT_DONE", "TIMEOUT_NOT_DONE", "DUPLICATE", "DELAY"]
FAULT_KINDS: tuple[FaultKind, ...] = (
    "REFUSE",
    "TIMEOUT_DONE",
    "TIMEOUT_NOT_DONE",
    "DUPLICATE",
    "DELAY",
)
OPERATIONS = (
    "gstn_taxpayer",
    "gstn_send_otp",
    "send_sms",
    "b2b_id_available",
    "directory_search",
    "b2b_id_register",
    "b2b_id_status",
    "kyc_submit",
    "kyc_status",
    "deliver",
)


@dataclass(frozen=True)
class Fault:
    """One injected fault."""

    kind: FaultKind
    reason: str = "REFUSED"
    seconds: float = 0.0


class Faults:
    """The faults waiting to happen, consumed one per call."""

    def __init__(self) -> None:
        self._queued: dict[str, deque[Fault]] = defaultdict(deque)
        self.outage_until: datetime | None = None

    def add(self, operation: str, fault: Fault, times: int = 1) -> None:
        """Make the next ``times`` calls of ``operation`` fail this way."""
        if operation not in OPERATIONS:
            msg = f"unknown operation {operation!r}; one of {', '.join(OPERATIONS)}"
            raise ValueError(msg)
        for _ in range(times):
            self._queued[operation].append(fault)

    def take(self, operation: str) -> Fault | None:
        """The next fault for this call, if any."""
        queue = self._queued.get(operation)
        return queue.popleft() if queue else None

    def pending(self) -> dict[str, list[Fault]]:
        """What is still queued."""
        return {op: list(q) for op, q in self._queued.items() if q}

    def clear(self) -> None:
        """Forget every fault and end any outage."""
        self._queued.clear()
        self.outage_until = None

    def start_outage(self, until: datetime) -> None:
        """The network is down until ``until``."""
        self.outage_until = until

    def end_outage(self) -> None:
        """The network is back."""
        self.outage_until = None

    def in_outage(self, now: datetime) -> bool:
        """Whether the network is down at ``now``."""
        return self.outage_until is not None and now < self.outage_until
