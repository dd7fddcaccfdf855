"""Delivering an organisation's events to its webhook endpoints.

:func:`pump` is an endpoint's one delivery run (its outbox message): it reads the events
after the endpoint's cursor, sends the ones the endpoint takes one at a time in ``seq`` order
(outside any transaction), and records each outcome under the lease. A failure holds the
line: the run backs off (5 s, 15 s, 45 s, ... then hourly) and tries the same event again,
until the endpoint has failed for ``GIVE_UP_AFTER``; then it is disabled and the organisation
told. Caught up, the run looks for newer events under the organisation's row lock before it
lets go, in the same transaction (so an event committed meanwhile is never left waiting),
and idles for an hour unless an event wakes it.

:func:`redeliver` sends one delivery again, out of turn, retried with the outbox's backoff.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from opentelemetry import trace
from opentelemetry.trace import SpanKind
from sqlalchemy import select

from contract import tracing
from db.models import (
    Organisation,
    OrganisationEvent,
    OutboxMessage,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
)
from db.repositories import event as event_repo
from db.repositories import webhook as webhook_repo
from db.unit_of_work import UnitOfWork
from resolvers.dispatcher.base import Reschedule, RetryLaterError, Work
from resolvers.services import webhooks
from resolvers.services.webhooks.payload import EventCopy, body_of
from resolvers.services.webhooks.sending import Attempt, WebhookSender

# Events read at a time; a run also stops after RUN_SECONDS (at most half its lease) and goes
# on at once in the dispatcher's next round, so that the other work claimed with it is not
# held up by a long backlog.
BATCH = 50
RUN_SECONDS = 5.0
IDLE = timedelta(hours=1)
BACKOFF_FIRST_SECONDS = 5
BACKOFF_MAX_SECONDS = 3600

tracer = trace.get_tracer("bharat_connect.webhooks")

SenderHandler = Callable[[WebhookSender, Work], Awaitable[Reschedule | None]]


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure of the event at the head."""
    exponent = min(max(attempts - 1, 0), 10)
    return timedelta(seconds=min(BACKOFF_FIRST_SECONDS * 3**exponent, BACKOFF_MAX_SECONDS))


@dataclass(frozen=True)
class _Target:
    id: uuid.UUID
    organisation_id: uuid.UUID
    url: str
    secrets: tuple[str, ...]
    kinds: str
    cursor: int
    generation: int

    def takes(self, event: EventCopy) -> bool:
        if event.kind == webhooks.TEST_KIND:
            return event.data.get("endpointId") == str(self.id)
        return webhook_repo.wants(self.kinds, event.kind)


async def _endpoint(uow: UnitOfWork, endpoint_id: uuid.UUID) -> WebhookEndpoint | None:
    return await uow.session.get(
        WebhookEndpoint, endpoint_id, with_for_update=True, populate_existing=True
    )


async def pump(sender: WebhookSender, work: Work) -> Reschedule | None:
    """Deliver the endpoint's events from its cursor, in order."""
    endpoint_id = uuid.UUID(str(work.message.payload.get("endpointId")))
    async with work.read() as uow:
        endpoint = await uow.session.get(WebhookEndpoint, endpoint_id)
        if endpoint is None or not _ours(endpoint, work):
            target = None
        else:
            target = _Target(
                endpoint.id, endpoint.organisation_id, endpoint.url,
                webhooks.signing_secrets(endpoint, work.now), endpoint.event_kinds,
                endpoint.cursor, endpoint.generation,
            )  # fmt: skip
            rows = await event_repo.after(uow.session, endpoint.organisation_id, endpoint.cursor,
                                          BATCH)  # fmt: skip
            events = [EventCopy.of(row) for row in rows]
    if target is None:
        await _let_go(work, endpoint_id)
        return None
    deadline = time.monotonic() + min(RUN_SECONDS, work.message.lease_seconds / 2)
    passed = target.cursor
    for event in events:
        if not target.takes(event):
            passed = event.seq
            continue
        if time.monotonic() > deadline:
            break
        with tracer.start_as_current_span(
            f"webhook {event.kind}", context=tracing.context_of(event.trace_context),
            kind=SpanKind.PRODUCER, attributes={"bc.webhook.id": event.message_id},
        ):  # fmt: skip
            attempt = await sender.send(
                target.url, target.secrets, event.message_id, body_of(event)
            )
        if not await _record(work, target, event, attempt, passed):
            return None
        passed = event.seq
    await _caught_up(work, target, passed)
    return None


def _ours(endpoint: WebhookEndpoint | None, work: Work) -> bool:
    """Whether the endpoint exists, is enabled and this message is its delivery run."""
    return endpoint is not None and endpoint.enabled and endpoint.pump_message_id == work.message.id


async def _let_go(work: Work, endpoint_id: uuid.UUID) -> None:
    """End this run (the endpoint is gone, disabled, or has another run), deciding under the
    endpoint's row lock: if it was enabled again meanwhile, the run goes on instead (that
    change found this run pending and counted on it)."""
    async with work.write() as uow:
        endpoint = await _endpoint(uow, endpoint_id)
        if _ours(endpoint, work):
            work.park(work.now)
        else:
            work.finish()


async def _delivery(
    uow: UnitOfWork, target: _Target, event: EventCopy, now: datetime
) -> WebhookDelivery:
    found = await uow.session.scalar(
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == target.id, WebhookDelivery.event_seq == event.seq)
        .with_for_update()
    )
    if found is None:
        found = WebhookDelivery(
            endpoint_id=target.id, organisation_id=target.organisation_id, event_seq=event.seq,
            event_kind=event.kind, status=WebhookDeliveryStatus.PENDING, attempts=0,
            created_at=now,
        )  # fmt: skip
        uow.session.add(found)
    return found


def _note(delivery: WebhookDelivery, attempt: Attempt, now: datetime) -> None:
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_status = attempt.status
    delivery.latency_ms = attempt.latency_ms
    delivery.last_error = None if attempt.error is None else attempt.error[:500]
    if attempt.ok:
        delivery.status = WebhookDeliveryStatus.SUCCEEDED
        delivery.delivered_at = now
        delivery.next_attempt_at = None


async def _record(
    work: Work, target: _Target, event: EventCopy, attempt: Attempt, passed: int
) -> bool:
    """Record one sending; whether the run goes on."""
    now = work.now
    async with work.write() as uow:
        if not attempt.ok:  # may disable the endpoint: its event takes the organisation's lock
            await uow.session.get(Organisation, target.organisation_id, with_for_update=True)
        endpoint = await _endpoint(uow, target.id)
        if endpoint is None or not endpoint.enabled:
            work.finish()
            return False
        if endpoint.generation != target.generation:
            work.park(now)  # replayed or restarted meanwhile: start again from its cursor
            return False
        delivery = await _delivery(uow, target, event, now)
        _note(delivery, attempt, now)
        if attempt.ok:
            endpoint.cursor = event.seq
            endpoint.failing_since = None
            return True
        endpoint.cursor = max(endpoint.cursor, passed)
        since = endpoint.failing_since or now
        endpoint.failing_since = since
        if now - since < webhooks.GIVE_UP_AFTER:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
            work.park(delivery.next_attempt_at)
            return False
        delivery.status = WebhookDeliveryStatus.FAILED
        delivery.next_attempt_at = None
        await _disable(uow, endpoint, since, attempt, now)
        work.finish()
        return False


async def _disable(
    uow: UnitOfWork, endpoint: WebhookEndpoint, since: datetime, attempt: Attempt, now: datetime
) -> None:
    reason = (
        f"Failing since {since.isoformat()} ({attempt.error}); disabled after "
        f"{int(webhooks.GIVE_UP_AFTER.total_seconds() // 3600)} hours."
    )[:500]
    endpoint.enabled = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = reason
    endpoint.failing_since = None
    await webhook_repo.recount(uow.session, endpoint.organisation_id)
    await event_repo.append(
        uow, organisation_id=endpoint.organisation_id, kind=webhooks.DISABLED_KIND,
        data={"endpointId": str(endpoint.id), "reason": reason},
    )  # fmt: skip


async def _caught_up(work: Work, target: _Target, passed: int) -> None:
    """Move the cursor past what was read, then go on at once if newer events were written,
    else idle (the organisation's row lock waits for any transaction writing its events)."""
    now = work.now
    async with work.write() as uow:
        seq = await uow.session.scalar(
            select(Organisation.event_seq)
            .where(Organisation.id == target.organisation_id)
            .with_for_update()
        )
        endpoint = await _endpoint(uow, target.id)
        if endpoint is None or not endpoint.enabled:
            work.finish()
            return
        if endpoint.generation != target.generation:
            work.park(now)
            return
        endpoint.cursor = max(endpoint.cursor, passed)
        work.park(now if (seq or 0) > endpoint.cursor else now + IDLE)


async def redeliver(sender: WebhookSender, work: Work) -> Reschedule | None:
    """Send one delivery's event again."""
    delivery_id = uuid.UUID(str(work.message.payload.get("deliveryId")))
    async with work.read() as uow:
        delivery = await uow.session.get(WebhookDelivery, delivery_id)
        endpoint = (
            None
            if delivery is None
            else await uow.session.get(WebhookEndpoint, delivery.endpoint_id)
        )
        if delivery is None or endpoint is None or not endpoint.enabled:
            return None
        row = await uow.session.get(
            OrganisationEvent, (delivery.organisation_id, delivery.event_seq)
        )
        if row is None or delivery.status != WebhookDeliveryStatus.PENDING:
            return None
        event = EventCopy.of(row)
        url, secrets = endpoint.url, webhooks.signing_secrets(endpoint, work.now)
    attempt = await sender.send(url, secrets, event.message_id, body_of(event))
    async with work.write() as uow:
        delivery = await uow.session.get(
            WebhookDelivery, delivery_id, with_for_update=True, populate_existing=True
        )
        if delivery is None:
            work.finish()
            return None
        _note(delivery, attempt, work.now)
        if attempt.ok:
            work.finish()
    if attempt.error is not None:
        raise RetryLaterError(attempt.error)
    return None


async def redelivery_given_up(uow: UnitOfWork, message: OutboxMessage, _now: datetime) -> None:
    """A redelivery failed every attempt: its delivery is failed (it may be redelivered)."""
    delivery = await uow.session.get(
        WebhookDelivery, uuid.UUID(str(message.payload.get("deliveryId"))), with_for_update=True
    )
    if delivery is not None and delivery.status == WebhookDeliveryStatus.PENDING:
        delivery.status = WebhookDeliveryStatus.FAILED
        delivery.next_attempt_at = None
