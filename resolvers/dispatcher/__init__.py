"""The outbox dispatcher: carries out queued network work after commit.

A message is **claimed** in a short transaction (on PostgreSQL with ``FOR UPDATE SKIP LOCKED``,
so several workers share the outbox without doing anything twice): its attempt is counted and
a lease taken (``lease_token``; ``next_attempt_at`` moves to when the lease runs out, after
``OUTBOX_LEASE_SECONDS``), and that
is committed. The handler then calls the network **outside any transaction** and records the
outcome in short transactions guarded by the lease (:class:`~resolvers.dispatcher.base.Work`).
A worker that dies mid-call leaves the message to whoever claims it after the lease; handlers
ask for status before repeating, and repeat with the same request id.

A timeout, or any unexpected error, is retried with exponential backoff; after
``MAX_ATTEMPTS`` the message is dead (``FAILED`` with the error) and never blocks the messages
behind it, and what it stood for is settled (a push fails and can be pushed again; an answer to
a received document can be given again). An outage opens a circuit for a while so the network
is not hammered; only a refusal fails a push. Started with the app; tests drive
:meth:`Dispatcher.run_once` with a manual clock instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import uuid
from datetime import datetime, timedelta

from opentelemetry import trace
from opentelemetry.trace import SpanKind

from contract import tracing
from contract.errors import NetworkTimeoutError, NetworkUnavailableError
from contract.port import Network
from db.models import OutboxMessage, OutboxStatus
from db.repositories import outbox as repo
from db.unit_of_work import UnitOfWork
from resolvers.dispatcher import contacts as contact_handlers
from resolvers.dispatcher import documents as document_handlers
from resolvers.dispatcher import financing as financing_handlers
from resolvers.dispatcher import onboarding as onboarding_handlers
from resolvers.dispatcher import payments as payment_handlers
from resolvers.dispatcher import webhooks as webhook_handlers
from resolvers.dispatcher.base import (
    BACKOFF_BASE_SECONDS,
    BACKOFF_MAX_SECONDS,
    CIRCUIT_SECONDS,
    CLAIM_BATCH,
    MAX_ATTEMPTS,
    Claimed,
    GiveUpHandler,
    Handler,
    Host,
    LeaseLostError,
    NetworkHandler,
    Reschedule,
    RetryLaterError,
    Work,
    hold_lease,
)
from resolvers.services import b2b_ids, contacts, inbox, kyc, network_http, pushes, webhooks
from resolvers.services import financing as financing_service
from resolvers.services import payments as payment_service
from resolvers.services.payments import reconciliation
from resolvers.services.payments import requests as payment_requests

__all__ = ["Dispatcher", "Reschedule"]

logger = logging.getLogger("bharat_connect.dispatcher")
tracer = trace.get_tracer("bharat_connect.dispatcher")


# What to do when a kind of message is given up on, so that nothing it stood for waits forever.
GIVE_UP: dict[str, GiveUpHandler] = {
    pushes.PUSH_KIND: document_handlers.push_given_up,
    inbox.ANSWER_KIND: document_handlers.answer_given_up,
    payment_service.SEND_KIND: payment_handlers.payment_unknown,
    payment_service.POLL_KIND: payment_handlers.payment_unknown,
    payment_service.REPORT_KIND: payment_handlers.report_given_up,
    webhooks.REDELIVER_KIND: webhook_handlers.redelivery_given_up,
}

HANDLERS: dict[str, NetworkHandler] = {
    b2b_ids.REGISTER_KIND: onboarding_handlers.register_b2b_id,
    b2b_ids.POLL_KIND: onboarding_handlers.poll_b2b_id,
    kyc.SUBMIT_KIND: onboarding_handlers.submit_kyc,
    kyc.POLL_KIND: onboarding_handlers.poll_kyc,
    contacts.SEARCH_OUTBOX_KIND: contact_handlers.search_contacts,
    pushes.PUSH_KIND: document_handlers.push_document,
    pushes.POLL_KIND: document_handlers.poll_document,
    inbox.ANSWER_KIND: document_handlers.answer_received,
    payment_service.SEND_KIND: payment_handlers.send_payment,
    payment_service.POLL_KIND: payment_handlers.poll_payment,
    payment_service.REPORT_KIND: payment_handlers.report_offline,
    payment_service.ANSWER_KIND: payment_handlers.answer_offline,
    payment_requests.REQUEST_KIND: payment_handlers.request_payment,
    reconciliation.FETCH_KIND: payment_handlers.fetch_settlements,
    financing_service.REQUEST_KIND: financing_handlers.send_request,
    financing_service.ACCEPT_KIND: financing_handlers.accept_bid,
    financing_service.CANCEL_KIND: financing_handlers.cancel_request,
    financing_service.POLL_KIND: financing_handlers.poll_request,
    financing_service.OVERDUE_KIND: financing_handlers.notice_overdue,
}


WEBHOOK_HANDLERS: dict[str, webhook_handlers.SenderHandler] = {
    webhooks.PUMP_KIND: webhook_handlers.pump,
    webhooks.REDELIVER_KIND: webhook_handlers.redeliver,
}


# How long a stopping worker may take to give back one claimed message.
RELEASE_SECONDS = 2.0


class Dispatcher:
    """Claims due outbox messages and runs their handlers."""

    def __init__(self, state: Host, network: Network) -> None:
        self.state = state
        self.network = network
        self.circuit_open_until: datetime | None = None
        self._kick = asyncio.Event()
        self.handlers: dict[str, Handler] = {
            kind: functools.partial(handler, network) for kind, handler in HANDLERS.items()
        }
        sender = state.webhook_sender
        self.handlers.update(
            {kind: functools.partial(handler, sender) for kind, handler in WEBHOOK_HANDLERS.items()}
        )

    def kick(self) -> None:
        """Look for work now (called after commits that queued some)."""
        self._kick.set()

    def circuit_open(self, now: datetime) -> bool:
        """Whether calls are held back after an outage."""
        return self.circuit_open_until is not None and now < self.circuit_open_until

    async def run_once(self) -> int:
        """Handle every due message; returns how many were handled. Messages are claimed a
        batch at a time and handled concurrently (their network calls overlap)."""
        handled = 0
        while True:
            now = self.state.now()
            if self.circuit_open(now):
                return handled
            claimed, failed = await self._claim(now)
            if not claimed and not failed:
                return handled
            await asyncio.gather(*(self._handle(c, now) for c in claimed))
            handled += len(claimed) + failed

    async def _handle(self, claimed: Claimed, now: datetime) -> None:
        handler = self.handlers[claimed.kind]
        token = network_http.request_id.set(f"outbox-{claimed.id.hex}")
        work = Work(self.state, claimed, now)
        span = tracer.start_span(
            f"outbox {claimed.kind}", context=tracing.context_of(claimed.trace_context),
            kind=SpanKind.CONSUMER,
            attributes={"bc.outbox.id": str(claimed.id), "bc.outbox.attempt": claimed.attempts},
        )  # fmt: skip
        try:
            with trace.use_span(span, end_on_exit=True):
                result = await handler(work)
        except asyncio.CancelledError:  # the worker is stopping: leave the message to others
            await self._release(claimed, now)
            raise
        except LeaseLostError:
            logger.warning("outbox message %s was taken over by another worker", claimed.id)
            return
        except NetworkTimeoutError:
            await self._settle(claimed, now, error="timeout")
            return
        except RetryLaterError as exc:
            await self._settle(claimed, now, error=str(exc)[:400])
            return
        except NetworkUnavailableError:
            self.circuit_open_until = now + timedelta(seconds=CIRCUIT_SECONDS)
            await self._settle(claimed, now, unavailable=True)
            logger.warning("network unavailable: holding outbox for %ss", CIRCUIT_SECONDS)
            return
        except Exception as exc:
            logger.exception(
                "outbox message %s (%s) failed on attempt %s",
                claimed.id, claimed.kind, claimed.attempts,
            )  # fmt: skip
            await self._settle(claimed, now, error=f"unexpected error ({type(exc).__name__})")
            return
        finally:
            network_http.request_id.reset(token)
        if work.settled and result is None:
            return  # the handler's last write settled it
        await self._settle(claimed, now, result=result)

    async def _claim(self, now: datetime) -> tuple[list[Claimed], int]:
        """Claim up to :data:`CLAIM_BATCH` due messages in a short transaction (attempts
        counted, leases taken); and how many could only be failed (no handler)."""
        claimed: list[Claimed] = []
        failed = 0
        async with self.state.unit_of_work() as uow:
            lease = self.state.outbox_lease_seconds
            for message in await repo.claim_due(uow.session, now, CLAIM_BATCH):
                if message.kind not in self.handlers:
                    message.status = OutboxStatus.FAILED
                    message.last_error = f"no handler for {message.kind}"
                    failed += 1
                    continue
                message.attempts += 1
                message.lease_token = uuid.uuid4().hex
                message.next_attempt_at = now + timedelta(seconds=lease)
                claimed.append(Claimed.of(message, lease))
        return claimed, failed

    async def _settle(
        self,
        claimed: Claimed,
        now: datetime,
        *,
        result: Reschedule | None = None,
        error: str | None = None,
        unavailable: bool = False,
    ) -> None:
        """Record how the handling ended, unless the lease was lost meanwhile."""
        try:
            async with self.state.unit_of_work() as uow:
                message = await hold_lease(uow, claimed, now)
                message.lease_token = None
                if unavailable:
                    message.attempts -= 1  # an outage is nobody's attempt
                    message.next_attempt_at = self.circuit_open_until or now
                    message.last_error = "network unavailable"
                elif error is not None:
                    await self._later(uow, message, now, error)
                elif isinstance(result, Reschedule):
                    message.next_attempt_at = result.at
                    message.attempts = 0
                else:
                    message.status = OutboxStatus.DONE
                    message.completed_at = now
        except LeaseLostError:
            logger.warning("outbox message %s was taken over by another worker", claimed.id)

    async def _release(self, claimed: Claimed, now: datetime) -> None:
        """Give a claimed message back at once (a stopping worker's), rather than when its
        lease runs out: the next worker takes it now. Its handling may have reached the
        network already; handlers are idempotent, as after any lost answer."""
        try:
            async with asyncio.timeout(RELEASE_SECONDS), self.state.unit_of_work() as uow:
                message = await hold_lease(uow, claimed, now)
                message.lease_token = None
                message.attempts = max(message.attempts - 1, 0)  # nobody's failed attempt
                message.next_attempt_at = now
            logger.info("outbox message %s released by a stopping worker", claimed.id)
        except LeaseLostError:
            return
        except Exception as exc:  # noqa: BLE001 (stopping anyway: the lease runs out in time)
            logger.warning("outbox message %s not released (%s); its lease runs out",
                           claimed.id, type(exc).__name__)  # fmt: skip

    async def _later(
        self, uow: UnitOfWork, message: OutboxMessage, now: datetime, error: str
    ) -> None:
        """Back off and try again, or after :data:`MAX_ATTEMPTS` give up: the message is dead
        (``FAILED`` with the error) and what it stood for is told (a push fails, an answer
        waits to be given again)."""
        message.last_error = error
        if message.attempts < MAX_ATTEMPTS:
            delay = min(BACKOFF_BASE_SECONDS * 2 ** (message.attempts - 1), BACKOFF_MAX_SECONDS)
            message.next_attempt_at = now + timedelta(seconds=delay)
            return
        message.lease_token = None
        message.status = OutboxStatus.FAILED
        message.last_error = f"gave up after {message.attempts} attempts: {error}"
        logger.error("outbox message %s (%s) %s", message.id, message.kind, message.last_error)
        give_up = GIVE_UP.get(message.kind)
        if give_up is None:
            return
        try:
            async with uow.savepoint():
                await give_up(uow, message, now)
        except Exception:  # the message is dead anyway; its subject is logged for people
            logger.exception("could not settle what outbox message %s stood for", message.id)

    async def run(self, idle_seconds: float = 1.0) -> None:
        """Serve: handle work as it falls due (until cancelled)."""
        while True:
            try:
                await self.run_once()
            except Exception:  # keep serving; the message stays pending
                logger.exception("dispatcher pass failed")
            self._kick.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), timeout=idle_seconds)

    # --- handlers ------------------------------------------------------------------------
