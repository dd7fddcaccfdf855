"""The simulated Bharat Connect network: implements the service's ``Network`` port.

Asynchronous like the real one: registrations and reviews are acknowledged at once and
decided later, and decisions are delivered to the inbound handler. Deterministic: ids and
jitter come from a seeded random, time from an injectable clock; :meth:`advance` moves a manual
clock and runs whatever fell due, so tests never sleep. When serving, :meth:`run` ticks with
real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import random
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

from resolvers.services.identifiers import mask_email, mask_mobile
from resolvers.services.network import (
    Decision,
    DirectoryListing,
    DocumentMessage,
    DocumentState,
    InboundHandler,
    InboundMessage,
    NetworkRefusedError,
    NetworkTimeoutError,
    NetworkUnavailableError,
    Taxpayer,
)
from simulator.clock import Clock, ManualClock
from simulator.faults import Fault, Faults
from simulator.world import (
    DeadLetter,
    DirectoryEntry,
    Review,
    SentDocument,
    SentMessage,
    World,
)

logger = logging.getLogger("bharat_connect.simulator")

Action = Callable[[], Awaitable[None]]
REDELIVERY_SECONDS = 5.0
# A message the receiver keeps failing to take is retried with doubling delays, then dead.
MAX_DELIVERY_ATTEMPTS = 8
MAX_REDELIVERY_SECONDS = 600.0
_ANSWERED: dict[str, Literal["ACCEPTED", "REJECTED", "RETURNED"]] = {
    "ACCEPT": "ACCEPTED",
    "REJECT": "REJECTED",
    "RETURN": "RETURNED",
}
_OTP = re.compile(r"\b([0-9]{6})\b")


class SimulatedNetwork:
    """The network, the GSTN portal and the people's phones, in one process."""

    def __init__(self, world: World, clock: Clock, *, seed: int = 1) -> None:
        self.world = world
        self.clock = clock
        self.faults = Faults()
        self.random = random.Random(seed)  # noqa: S311 (deterministic by design)
        self._handler: InboundHandler | None = None
        self._queue: list[tuple[datetime, int, Action]] = []
        self._failed_deliveries: dict[str, int] = {}
        self._order = itertools.count()
        self._wake = asyncio.Event()

    # --- plumbing ------------------------------------------------------------------------

    def reset(self, world: World, *, seed: int = 1) -> None:
        """Start over with ``world``: no faults, nothing scheduled, the same seed."""
        self.world = world
        self.faults = Faults()
        self.random = random.Random(seed)  # noqa: S311 (deterministic by design)
        self._queue.clear()
        self._failed_deliveries.clear()

    def set_inbound_handler(self, handler: InboundHandler) -> None:
        """Where decisions are delivered."""
        self._handler = handler

    def _new_id(self, prefix: str) -> str:
        return prefix + "".join(self.random.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", k=32))

    def schedule(self, seconds: float, action: Action) -> None:
        """Run ``action`` ``seconds`` from now (by the simulator's clock)."""
        due = self.clock.now() + timedelta(seconds=max(seconds, 0.0))
        heapq.heappush(self._queue, (due, next(self._order), action))
        self._wake.set()

    async def run_due(self) -> int:
        """Run every action that is due; returns how many ran."""
        ran = 0
        while self._queue and self._queue[0][0] <= self.clock.now():
            _, _, action = heapq.heappop(self._queue)
            try:
                await action()
            except Exception:  # a failing action must not stop the world
                logger.exception("simulator action failed")
            ran += 1
        return ran

    async def advance(self, seconds: float) -> int:
        """Let ``seconds`` pass and run what fell due. With the system clock, pending timers
        are brought forward instead."""
        if isinstance(self.clock, ManualClock):
            self.clock.advance(seconds)
        else:
            shift = timedelta(seconds=seconds)
            self._queue = [(due - shift, order, action) for due, order, action in self._queue]
            heapq.heapify(self._queue)
        return await self.run_due()

    @property
    def pending_actions(self) -> int:
        """How many scheduled actions wait."""
        return len(self._queue)

    async def run(self, tick: float = 0.2) -> None:
        """Serve: run due actions as real time passes (until cancelled)."""
        while True:
            await self.run_due()
            self._wake.clear()
            delay = tick
            if self._queue:
                delay = min(tick, max((self._queue[0][0] - self.clock.now()).total_seconds(), 0))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    async def _enter(self, operation: str) -> Fault | None:
        """Apply an outage or the next fault of ``operation`` before it runs."""
        if self.faults.in_outage(self.clock.now()):
            msg = "Bharat Connect is unavailable"
            raise NetworkUnavailableError(msg)
        fault = self.faults.take(operation)
        if fault is None:
            return None
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
    def _after(fault: Fault | None, operation: str) -> None:
        """Raise the timeout of a ``TIMEOUT_DONE`` fault once the work is done."""
        if fault is not None and fault.kind == "TIMEOUT_DONE":
            msg = f"{operation} timed out (but happened)"
            raise NetworkTimeoutError(msg)

    async def _deliver(self, message: InboundMessage) -> None:
        if self.faults.in_outage(self.clock.now()):
            self.schedule(REDELIVERY_SECONDS, lambda: self._deliver(message))
            return
        fault = self.faults.take("deliver")
        if fault is not None and fault.kind == "DELAY":
            self.schedule(fault.seconds, lambda: self._deliver(message))
            return
        if self._handler is None:
            self.schedule(REDELIVERY_SECONDS, lambda: self._deliver(message))
            return
        try:
            await self._handler(message)
            if fault is not None and fault.kind == "DUPLICATE":
                await self._handler(message)
        except Exception as exc:  # the receiver failed: the network delivers again later
            attempts = self._failed_deliveries.get(message.message_id, 0) + 1
            self._failed_deliveries[message.message_id] = attempts
            if attempts >= MAX_DELIVERY_ATTEMPTS:
                logger.exception(
                    "inbound message %s (%s) dead after %s failed deliveries",
                    message.message_id, message.kind, attempts,
                )  # fmt: skip
                self.world.dead_letters.append(
                    DeadLetter(
                        message.message_id, message.kind, message.request_id, attempts,
                        type(exc).__name__, self.clock.now(),
                    )
                )  # fmt: skip
                return
            logger.exception(
                "inbound message %s (%s) failed (attempt %s); retrying",
                message.message_id, message.kind, attempts,
            )  # fmt: skip
            delay = min(REDELIVERY_SECONDS * 2 ** (attempts - 1), MAX_REDELIVERY_SECONDS)
            self.schedule(delay, lambda: self._deliver(message))

    def _send(self, channel: str, to: str, text: str) -> None:
        self.world.messages.append(
            SentMessage(
                self._new_id("MSG"),
                "SMS" if channel == "SMS" else "EMAIL",
                to,
                text,
                self.clock.now(),
            )
        )

    # --- GSTN portal -----------------------------------------------------------------------

    async def gstn_taxpayer(self, gstin: str, username: str) -> Taxpayer:
        """Look a GSTIN up as ``username``."""
        fault = await self._enter("gstn_taxpayer")
        record = self.world.taxpayers.get(gstin)
        if record is None:
            raise NetworkRefusedError(
                "GSTIN_NOT_FOUND", "The GSTN portal does not know this GSTIN."
            )
        if not record.api_access:
            raise NetworkRefusedError(
                "API_ACCESS_DISABLED",
                "API access is not enabled for this GSTIN on the GSTN portal.",
            )
        if record.username.lower() != username.strip().lower():
            raise NetworkRefusedError(
                "USERNAME_MISMATCH", "The GSTN username does not belong to this GSTIN."
            )
        self._after(fault, "gstn_taxpayer")
        return Taxpayer(
            gstin=record.gstin,
            legal_name=record.legal_name,
            trade_name=record.trade_name,
            state_code=record.gstin[:2],
            status=record.status,
            contact_masked=f"{mask_mobile(record.mobile)} and {mask_email(record.email)}",
        )

    async def gstn_send_otp(self, gstin: str, text: str) -> None:
        """Send ``text`` to the registered mobile and e-mail of the GSTIN."""
        fault = await self._enter("gstn_send_otp")
        record = self.world.taxpayers.get(gstin)
        if record is None:
            raise NetworkRefusedError(
                "GSTIN_NOT_FOUND", "The GSTN portal does not know this GSTIN."
            )
        self._send("SMS", record.mobile, text)
        self._send("EMAIL", record.email, text)
        self._after(fault, "gstn_send_otp")

    async def send_sms(self, mobile: str, text: str) -> None:
        """Send an SMS."""
        fault = await self._enter("send_sms")
        self._send("SMS", mobile, text)
        self._after(fault, "send_sms")

    # --- B2B ID directory ------------------------------------------------------------------

    async def b2b_id_available(self, b2b_id: str) -> bool:
        """Whether nobody holds (or waits for) this B2B ID."""
        fault = await self._enter("b2b_id_available")
        entry = self.world.directory.get(b2b_id.lower())
        self._after(fault, "b2b_id_available")
        return entry is None or entry.state == "REJECTED"

    async def directory_search(self, gstin: str) -> list[DirectoryListing]:
        """Public, approved B2B IDs of a GSTIN, in a stable order."""
        fault = await self._enter("directory_search")
        found = sorted(
            (e for e in self.world.directory.values()
             if e.gstin == gstin and not e.private and e.state == "APPROVED"),
            key=lambda e: e.b2b_id,
        )  # fmt: skip
        self._after(fault, "directory_search")
        return [DirectoryListing(e.b2b_id, e.gstin, e.legal_name) for e in found]

    async def b2b_id_register(
        self, *, request_id: str, b2b_id: str, gstin: str, legal_name: str, private: bool
    ) -> None:
        """Accept a registration for review (a repeat of a request id is a no-op)."""
        fault = await self._enter("b2b_id_register")
        if request_id in self.world.reviews:
            self._after(fault, "b2b_id_register")
            return
        key = b2b_id.lower()
        existing = self.world.directory.get(key)
        if existing is not None and existing.state != "REJECTED":
            raise NetworkRefusedError("B2B_ID_TAKEN", "This B2B ID is taken on the network.")
        self.world.add_directory_entry(
            DirectoryEntry(
                key, gstin, legal_name, private=private, state="PENDING", request_id=request_id,
                hosted=True,
            )
        )  # fmt: skip
        review = Review(request_id, "B2B_ID", key)
        self.world.reviews[request_id] = review
        delay = self.world.behaviour.b2b_review_seconds * self.random.uniform(0.8, 1.2)
        review.decide_at = self.clock.now() + timedelta(seconds=delay)
        self.schedule(delay, lambda: self._decide_b2b_id(review))
        self._after(fault, "b2b_id_register")

    async def _decide_b2b_id(self, review: Review) -> None:
        reason = self.world.behaviour.reject_b2b_ids.get(review.subject)
        review.state = "REJECTED" if reason else "APPROVED"
        review.reason = reason
        entry = self.world.directory.get(review.subject)
        if entry is not None:
            entry.state = review.state
        await self._deliver(
            InboundMessage(
                message_id=self._new_id("MSG"),
                kind="B2B_ID_DECIDED",
                request_id=review.request_id,
                approved=reason is None,
                reason=reason,
                occurred_at=self.clock.now(),
                data={"b2bId": review.subject},
            )
        )

    async def b2b_id_status(self, request_id: str) -> Decision:
        """Where a registration stands."""
        fault = await self._enter("b2b_id_status")
        review = self.world.reviews.get(request_id)
        self._after(fault, "b2b_id_status")
        if review is None or review.kind != "B2B_ID":
            return Decision(request_id, "UNKNOWN")
        return Decision(request_id, review.state, review.reason)

    # --- documents -------------------------------------------------------------------------

    async def document_send(self, message: DocumentMessage) -> None:
        """Carry a document to its receiver: a receiver hosted by the service gets it in its
        inbox; external receivers answer after a while, as configured."""
        fault = await self._enter("document_send")
        receiver = self.world.directory.get(message.receiver_b2b_id.lower())
        if receiver is None or receiver.state != "APPROVED":
            raise NetworkRefusedError(
                "RECEIVER_NOT_FOUND", "No business on the network has this B2B ID."
            )
        held = self.world.documents.get(message.network_id)
        if held is not None and message.version < held.version:
            raise NetworkRefusedError(
                "VERSION_CONFLICT", "The network holds a newer version of this document."
            )
        if held is not None and message.version == held.version:
            self._after(fault, "document_send")
            return
        reference = message.reference_network_id
        if reference is not None and reference not in self.world.documents:
            raise NetworkRefusedError(
                "REFERENCE_NOT_FOUND", "The receiver lacks the document this note is against."
            )
        document = SentDocument(
            message.network_id, message.version, message.sender_b2b_id, receiver.b2b_id,
            message.kind, message.number, content=dict(message.content),
            reference_network_id=reference,
        )  # fmt: skip
        self.world.documents[message.network_id] = document
        self.world.carried.append((message.network_id, message.version))
        if receiver.hosted:
            delay = self.world.behaviour.document_delivery_seconds
            self.schedule(delay, lambda: self._hand_over(document, message))
        else:
            answer, remarks = self.world.behaviour.document_answers.get(
                receiver.b2b_id, ("ACCEPT", "")
            )
            delay = self.world.behaviour.document_answer_seconds * self.random.uniform(0.8, 1.2)
            self.schedule(delay, lambda: self._answer(document, answer, remarks or None))
        self._after(fault, "document_send")

    async def _hand_over(self, document: SentDocument, message: DocumentMessage) -> None:
        """Deliver a document to a receiver hosted by the service (unless superseded)."""
        if self.world.documents.get(document.network_id) is not document:
            return
        await self._deliver(
            InboundMessage(
                message_id=self._new_id("MSG"), kind="DOCUMENT_RECEIVED",
                request_id=document.network_id, approved=True, reason=None,
                occurred_at=self.clock.now(),
                data={
                    "networkId": message.network_id, "kind": message.kind,
                    "version": message.version, "senderB2BId": document.sender,
                    "receiverB2BId": document.receiver, "number": message.number,
                    "documentDate": message.document_date, "totalPaise": message.total_paise,
                    "referenceNetworkId": message.reference_network_id,
                    # The network vouches for the sender's GSTIN (its directory entry).
                    "senderGstin": self._directory_gstin(document.sender),
                    # What the network holds (what it delivers on every retry).
                    "content": dict(document.content),
                },
            )
        )  # fmt: skip

    def _directory_gstin(self, b2b_id: str) -> str | None:
        entry = self.world.directory.get(b2b_id.lower())
        return None if entry is None else entry.gstin

    async def _answer(self, document: SentDocument, action: str, remarks: str | None) -> None:
        if (
            document.state != "DELIVERED"
            or self.world.documents.get(document.network_id) is not document
        ):
            return
        document.state = _ANSWERED[action]
        document.remarks = remarks
        await self._tell_sender(document, action, remarks)

    async def _tell_sender(self, document: SentDocument, action: str, remarks: str | None) -> None:
        await self._deliver(
            InboundMessage(
                message_id=self._new_id("MSG"), kind="DOCUMENT_ANSWERED",
                request_id=document.network_id, approved=action == "ACCEPT", reason=remarks,
                occurred_at=self.clock.now(), data={"action": action, "version": document.version},
            )
        )  # fmt: skip

    async def document_answer(
        self,
        *,
        network_id: str,
        version: int,
        answerer_b2b_id: str,
        action: str,
        remarks: str | None,
    ) -> None:
        """A receiver hosted by the service answers a document; the sender is told."""
        fault = await self._enter("document_answer")
        held = self.world.documents.get(network_id)
        if held is None:
            raise NetworkRefusedError("DOCUMENT_NOT_FOUND", "The network holds no such document.")
        if held.receiver.lower() != answerer_b2b_id.lower():
            raise NetworkRefusedError("NOT_RECEIVER", "Only the receiver may answer a document.")
        if held.version != version:
            raise NetworkRefusedError(
                "VERSION_CONFLICT", "The network holds another version of this document."
            )
        if action not in _ANSWERED:
            raise NetworkRefusedError("INVALID_ANSWER", "Answer ACCEPT, REJECT or RETURN.")
        if held.state != "DELIVERED":
            if held.state == _ANSWERED[action]:
                self._after(fault, "document_answer")
                return
            raise NetworkRefusedError("ALREADY_ANSWERED", "This document was answered already.")
        held.state = _ANSWERED[action]
        held.remarks = remarks
        # Told to the sender a moment later, outside the caller's transaction.
        self.schedule(0, lambda: self._tell_sender(held, action, remarks))
        self._after(fault, "document_answer")

    async def document_status(self, network_id: str) -> DocumentState:
        """Where a document stands."""
        fault = await self._enter("document_status")
        held = self.world.documents.get(network_id)
        self._after(fault, "document_status")
        if held is None:
            return DocumentState(network_id, "UNKNOWN")
        return DocumentState(network_id, held.state, held.version, held.remarks)

    # --- KYC -------------------------------------------------------------------------------

    async def kyc_submit(self, *, request_id: str, b2b_id: str, summary: Mapping[str, Any]) -> None:
        """Accept KYC for review (a repeat of a request id is a no-op)."""
        fault = await self._enter("kyc_submit")
        if request_id not in self.world.reviews:
            review = Review(request_id, "KYC", b2b_id)
            self.world.reviews[request_id] = review
            delay = self.world.behaviour.kyc_review_seconds * self.random.uniform(0.8, 1.2)
            review.decide_at = self.clock.now() + timedelta(seconds=delay)
            self.schedule(delay, lambda: self._decide_kyc(review, dict(summary)))
        self._after(fault, "kyc_submit")

    async def _decide_kyc(self, review: Review, _summary: dict[str, Any]) -> None:
        behaviour = self.world.behaviour
        approved = behaviour.kyc_decision == "APPROVE"
        review.state = "APPROVED" if approved else "REJECTED"
        review.reason = None if approved else behaviour.kyc_reject_reason
        await self._deliver(
            InboundMessage(
                message_id=self._new_id("MSG"),
                kind="KYC_DECIDED",
                request_id=review.request_id,
                approved=approved,
                reason=review.reason,
                occurred_at=self.clock.now(),
            )
        )

    async def kyc_status(self, request_id: str) -> Decision:
        """Where a KYC review stands."""
        fault = await self._enter("kyc_status")
        review = self.world.reviews.get(request_id)
        self._after(fault, "kyc_status")
        if review is None or review.kind != "KYC":
            return Decision(request_id, "UNKNOWN")
        return Decision(request_id, review.state, review.reason)

    # --- for the control API and tests -----------------------------------------------------

    def messages_to(self, to: str | None = None) -> list[SentMessage]:
        """Messages sent, newest last, optionally to one mobile or e-mail address."""
        return [m for m in self.world.messages if to is None or m.to == to]

    def last_otp(self, to: str) -> str | None:
        """The OTP in the newest message to ``to``."""
        for message in reversed(self.world.messages):
            if message.to == to:
                found = _OTP.search(message.text)
                if found:
                    return found.group(1)
        return None
