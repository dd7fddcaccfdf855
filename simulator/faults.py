"""Faults on demand, per network operation.

- ``REFUSE``: the network refuses with ``reason``.
- ``TIMEOUT_DONE``: the operation happens upstream, but the caller gets a timeout.
- ``TIMEOUT_NOT_DONE``: the caller gets a timeout and nothing happened.
- ``DUPLICATE``: an inbound message is delivered twice.
- ``DELAY``: the answer (or an inbound delivery) comes ``seconds`` late.
- ``OUTAGE``: the network goes down for ``seconds`` at this call.

On ``deliver`` (the network's webhook to the service) the kinds mean: ``REFUSE`` and
``TIMEOUT_NOT_DONE``, a failed delivery (the receiver never took it); ``TIMEOUT_DONE``, the
receiver took it but the network did not hear so; each is redelivered with growing delays,
like any failed delivery. ``DUPLICATE``, ``DELAY`` and ``OUTAGE`` as above.

``after_calls`` lets that many calls of the operation pass untouched first.
- An **outage** (:meth:`Faults.start_outage`) makes every call fail as unavailable, and holds
  inbound deliveries back, until it ends.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

FaultKind = Literal["REFUSE", "TIMEOUT_DONE", "TIMEOUT_NOT_DONE", "DUPLICATE", "DELAY", "OUTAGE"]
FAULT_KINDS: tuple[FaultKind, ...] = (
    "REFUSE",
    "TIMEOUT_DONE",
    "TIMEOUT_NOT_DONE",
    "DUPLICATE",
    "DELAY",
    "OUTAGE",
)
OPERATIONS = (
    "gstn_taxpayer",
    "gstn_status",
    "gstn_send_otp",
    "send_sms",
    "send_email",
    "b2b_id_available",
    "directory_search",
    "b2b_id_register",
    "b2b_id_status",
    "document_send",
    "document_status",
    "document_answer",
    "kyc_submit",
    "kyc_status",
    "payment_initiate",
    "payment_status",
    "payment_report_offline",
    "payment_answer_offline",
    "payment_request",
    "settlement_report",
    "banks",
    "card_token",
    "financing_request",
    "financing_accept",
    "financing_cancel",
    "financing_status",
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
        self._queued: dict[str, deque[Fault | None]] = defaultdict(deque)
        self.outage_until: datetime | None = None

    def add(self, operation: str, fault: Fault, times: int = 1, after_calls: int = 0) -> None:
        """Make ``times`` calls of ``operation`` fail this way, after ``after_calls`` calls
        that pass untouched (counted from the end of what is queued already)."""
        if operation not in OPERATIONS:
            msg = f"unknown operation {operation!r}; one of {', '.join(OPERATIONS)}"
            raise ValueError(msg)
        self._queued[operation].extend([None] * after_calls)
        self._queued[operation].extend([fault] * times)

    def take(self, operation: str) -> Fault | None:
        """The next fault for this call, if any."""
        queue = self._queued.get(operation)
        return queue.popleft() if queue else None

    def pending(self) -> dict[str, list[Fault]]:
        """The faults still queued (untouched calls left out)."""
        return {op: [f for f in q if f is not None] for op, q in self._queued.items() if any(q)}

    def queued(self) -> dict[str, list[Fault | None]]:
        """Everything queued, untouched calls included (what a saved state holds)."""
        return {op: list(q) for op, q in self._queued.items() if q}

    def restore(self, operation: str, queue: list[Fault | None]) -> None:
        """Put a saved queue back."""
        self._queued[operation] = deque(queue)

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
