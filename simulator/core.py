"""The network's plumbing: its clock, seeded ids, faults, the timetable of things that happen
later, and delivering messages to the participant it hosts.

Everything scheduled is data (a task name and its arguments), not a closure, so the whole state
can be saved and loaded again (:mod:`simulator.store`): a restarted network carries on with
what it had promised.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from opentelemetry import trace

from contract import tracing
from contract.errors import NetworkRefusedError, NetworkTimeoutError, NetworkUnavailableError
from contract.messages import InboundHandler, InboundMessage
from contract.wire import inbound_from_json, inbound_to_json
from simulator import ledger
from simulator.clock import Clock, ManualClock
from simulator.faults import Fault, Faults
from simulator.ledger import Transfer
from simulator.world import DeadLetter, SentMessage, World

logger = logging.getLogger("bharat_connect.simulator")
tracer = trace.get_tracer("bharat_connect.network")
# The argument under which a scheduled task keeps the trace context that scheduled it.
TRACE_ARGUMENT = "_trace"

REDELIVERY_SECONDS = 5.0
# A message the receiver keeps failing to take is retried with doubling delays, then dead.
MAX_DELIVERY_ATTEMPTS = 8
MAX_REDELIVERY_SECONDS = 600.0

# (when, order, task, arguments): ``order`` keeps equal times first-in first-out.
Scheduled = tuple[datetime, int, str, dict[str, Any]]


class DeliveryFaultError(Exception):
    """A delivery that an injected fault made fail."""


class NetworkCore:
    """The plumbing every part of the simulated network shares."""

    def __init__(self, world: World, clock: Clock, *, seed: int = 1) -> None:
        self.world = world
        self.clock = clock
        self.faults = Faults()
        self.random = random.Random(seed)  # noqa: S311 (deterministic by design)
        self._handler: InboundHandler | None = None
        self.queue: list[Scheduled] = []
        # Tasks taken off the queue and not finished yet: saved with the queue, so a task a
        # crash interrupted runs again after the restart (deliveries are at least once).
        self.in_flight: list[Scheduled] = []
        self.failed_deliveries: dict[str, int] = {}
        # Every task scheduled or running, by its order; the orders added or finished since the
        # store last saved (the store writes only those).
        self.scheduled: dict[int, Scheduled] = {}
        self.queue_touched: set[int] = set()
        self._order = itertools.count()
        self._wake = asyncio.Event()
        # Bumped on every change; the service saves when it moved.
        self.generation = 0

    def reset(self, world: World, *, seed: int = 1) -> None:
        """Start over with ``world``: no faults, nothing scheduled, the same seed."""
        self.world = world
        self.faults = Faults()
        self.random = random.Random(seed)  # noqa: S311 (deterministic by design)
        self.queue.clear()
        self.in_flight.clear()
        self.queue_touched.update(self.scheduled)
        self.scheduled.clear()
        self.failed_deliveries.clear()
        self.changed()

    def changed(self) -> None:
        """Note that the state moved (and needs saving)."""
        self.generation += 1

    def move(
        self, transfer_id: str, kind: str, debit: str, credit: str, paise: int, *, utr: str,
        virtual_account: str, reference: str, documents: list[str],
    ) -> Transfer:  # fmt: skip
        """Book one transfer on the ledger, dated today by the network's clock."""
        transfer = ledger.check(
            Transfer(
                transfer_id, kind, self.clock.now().date().isoformat(), debit, credit, paise,
                utr, virtual_account, reference, list(documents),
            )
        )  # fmt: skip
        self.world.transfers.append(transfer)
        self.changed()
        return transfer

    def set_inbound_handler(self, handler: InboundHandler) -> None:
        """Where messages for the hosted participant are delivered."""
        self._handler = handler

    def new_id(self, prefix: str) -> str:
        """A fresh id from the seeded random."""
        return prefix + "".join(self.random.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", k=32))

    # --- the timetable ---------------------------------------------------------------------

    def schedule(self, seconds: float, task: str, **arguments: Any) -> None:
        """Run ``task`` (a ``_task_<name>`` method) ``seconds`` from now, by the network's
        clock."""
        due = self.clock.now() + timedelta(seconds=max(seconds, 0.0))
        kept = tracing.carrier()
        if kept is not None:  # the task joins the trace of what scheduled it
            arguments = {**arguments, TRACE_ARGUMENT: kept}
        entry = (due, next(self._order), task, arguments)
        heapq.heappush(self.queue, entry)
        self.scheduled[entry[1]] = entry
        self.queue_touched.add(entry[1])
        self.changed()
        self._wake.set()

    def restore_queue(self, queue: list[Scheduled]) -> None:
        """Take a saved timetable back."""
        self.queue = list(queue)
        heapq.heapify(self.queue)
        self.queue_touched.update(self.scheduled)
        self.scheduled = {entry[1]: entry for entry in self.queue}
        self.queue_touched.update(self.scheduled)
        start = max((order for _, order, _, _ in self.queue), default=-1) + 1
        self._order = itertools.count(start)

    async def run_due(self) -> int:
        """Run every task that is due; returns how many ran."""
        ran = 0
        while self.queue and self.queue[0][0] <= self.clock.now():
            entry = heapq.heappop(self.queue)
            self.in_flight.append(entry)
            self.changed()
            _, _, task, arguments = entry
            arguments = dict(arguments)
            parent = tracing.context_of(arguments.pop(TRACE_ARGUMENT, None))
            try:
                with tracer.start_as_current_span(f"network task {task}", context=parent):
                    await getattr(self, f"_task_{task}")(**arguments)
            except Exception:  # a failing task must not stop the world
                logger.exception("simulator task %s failed", task)
            finally:
                self.in_flight.remove(entry)
                self.scheduled.pop(entry[1], None)
                self.queue_touched.add(entry[1])
                self.changed()
            ran += 1
        return ran

    async def advance(self, seconds: float) -> int:
        """Let ``seconds`` pass and run what fell due. With the system clock, what is scheduled
        is brought forward instead (the network's own timers; nobody else's clock moves)."""
        if isinstance(self.clock, ManualClock):
            self.clock.advance(seconds)
        else:
            shift = timedelta(seconds=seconds)
            self.queue = [(due - shift, order, t, a) for due, order, t, a in self.queue]
            heapq.heapify(self.queue)
            self.scheduled.update({entry[1]: entry for entry in self.queue})
            self.queue_touched.update(entry[1] for entry in self.queue)
            for review in self.world.reviews.values():
                if review.decide_at is not None:
                    review.decide_at -= shift
            self.changed()
        return await self.run_due()

    @property
    def pending_actions(self) -> int:
        """How many scheduled tasks wait."""
        return len(self.queue)

    async def run(
        self, tick: float = 0.2, after: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        """Serve: run due tasks as real time passes (until cancelled); ``after`` each pass
        (the network service saves its state there)."""
        while True:
            try:
                await self.run_due()
                if after is not None:
                    await after()
            except Exception:  # keep serving; what failed is logged and stays scheduled
                logger.exception("network timetable pass failed")
            self._wake.clear()
            delay = tick
            if self.queue:
                delay = min(tick, max((self.queue[0][0] - self.clock.now()).total_seconds(), 0))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    # --- faults ----------------------------------------------------------------------------

    async def enter(self, operation: str) -> Fault | None:
        """Apply an outage or the next fault of ``operation`` before it runs."""
        if self.faults.in_outage(self.clock.now()):
            msg = "Bharat Connect is unavailable"
            raise NetworkUnavailableError(msg)
        fault = self.faults.take(operation)
        if fault is None:
            return None
        self.changed()
        if fault.kind == "REFUSE":
            raise NetworkRefusedError(fault.reason, f"Refused by the network: {fault.reason}")
        if fault.kind == "TIMEOUT_NOT_DONE":
            msg = f"{operation} timed out"
            raise NetworkTimeoutError(msg)
        if fault.kind == "DELAY":
            await asyncio.sleep(fault.seconds)
        if fault.kind == "OUTAGE":
            self.faults.start_outage(self.clock.now() + timedelta(seconds=fault.seconds))
            msg = "Bharat Connect went down"
            raise NetworkUnavailableError(msg)
        return fault

    @staticmethod
    def after(fault: Fault | None, operation: str) -> None:
        """Raise the timeout of a ``TIMEOUT_DONE`` fault once the work is done."""
        if fault is not None and fault.kind == "TIMEOUT_DONE":
            msg = f"{operation} timed out (but happened)"
            raise NetworkTimeoutError(msg)

    # --- delivering to the hosted participant ----------------------------------------------

    def message(
        self,
        kind: str,
        request_id: str,
        *,
        approved: bool,
        reason: str | None,
        data: dict[str, Any] | None = None,
    ) -> InboundMessage:
        """A new inbound message (fresh id, the network's time)."""
        return inbound_from_json(
            {
                "messageId": self.new_id("MSG"),
                "kind": kind,
                "requestId": request_id,
                "approved": approved,
                "reason": reason,
                "occurredAt": self.clock.now().isoformat(),
                "data": data or {},
            }
        )

    async def _task_deliver(self, message: dict[str, Any]) -> None:
        await self.deliver(inbound_from_json(message))

    def _deliver_later(self, seconds: float, message: InboundMessage) -> None:
        self.schedule(seconds, "deliver", message=inbound_to_json(message))

    def send(self, message: InboundMessage) -> None:
        """Deliver ``message`` to the hosted participant as the next task (so that a delivery
        is saved with the state until it is done)."""
        self._deliver_later(0, message)

    async def deliver(self, message: InboundMessage) -> None:
        """Hand ``message`` to the hosted participant; if it fails, try again later with
        doubling delays, and after :data:`MAX_DELIVERY_ATTEMPTS` put it in the dead letters."""
        if self.faults.in_outage(self.clock.now()) or self._handler is None:
            self._deliver_later(REDELIVERY_SECONDS, message)
            return
        fault = self.faults.take("deliver")
        kind = None if fault is None else fault.kind
        if kind == "DELAY" and fault is not None:
            self._deliver_later(fault.seconds, message)
            return
        if kind in {"REFUSE", "TIMEOUT_NOT_DONE"}:  # the receiver never took it
            self._failed(message, DeliveryFaultError(f"delivery fault {kind}"))
            return
        try:
            await self._handler(message)
            if kind == "DUPLICATE":
                await self._handler(message)
        except Exception as exc:  # noqa: BLE001 (whatever failed, the network delivers again)
            self._failed(message, exc)
            return
        if kind == "TIMEOUT_DONE":  # taken, but the network did not hear so: it delivers again
            self._failed(message, DeliveryFaultError("delivery fault TIMEOUT_DONE"))
            return
        if self.failed_deliveries.pop(message.message_id, None) is not None:
            self.changed()

    def _failed(self, message: InboundMessage, exc: Exception) -> None:
        attempts = self.failed_deliveries.get(message.message_id, 0) + 1
        self.failed_deliveries[message.message_id] = attempts
        self.changed()
        if attempts >= MAX_DELIVERY_ATTEMPTS:
            logger.error(
                "inbound message %s (%s) dead after %s failed deliveries: %s",
                message.message_id, message.kind, attempts, type(exc).__name__,
            )  # fmt: skip
            self.failed_deliveries.pop(message.message_id, None)
            self.world.dead_letters.append(
                DeadLetter(
                    message.message_id, message.kind, message.request_id, attempts,
                    type(exc).__name__, self.clock.now(), inbound_to_json(message),
                )
            )  # fmt: skip
            return
        logger.warning(
            "inbound message %s (%s) failed (attempt %s: %s); retrying",
            message.message_id, message.kind, attempts, type(exc).__name__,
        )  # fmt: skip
        delay = min(REDELIVERY_SECONDS * 2 ** (attempts - 1), MAX_REDELIVERY_SECONDS)
        self._deliver_later(delay, message)

    def send_text(self, channel: str, to: str, text: str) -> None:
        """An SMS or e-mail the world sends to a person."""
        self.world.messages.append(
            SentMessage(
                self.new_id("MSG"),
                "SMS" if channel == "SMS" else "EMAIL",
                to,
                text,
                self.clock.now(),
            )
        )
        self.changed()
