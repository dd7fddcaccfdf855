"""Webhook endpoints and their deliveries: waking an endpoint's delivery when events are
written, keeping one delivery run per endpoint, and the count of enabled endpoints.

Each enabled endpoint has one outbox message (``pump_message_id``, kind :data:`PUMP_KIND`)
that delivers its events one at a time in ``seq`` order. Idle, that message waits an hour; a
transaction that writes events of the organisation wakes it (:func:`wake`), unless a worker
holds it (a run in progress: the run looks for newer events under the organisation's row
lock before it lets go, so nothing written meanwhile waits) or it is backing off after a
failure (which a new event must not cut short).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Organisation, OutboxMessage, OutboxStatus, WebhookEndpoint
from db.repositories import outbox as outbox_repo
from db.unit_of_work import UnitOfWork

PUMP_KIND = "webhook.deliver"
# The event a test of one endpoint writes: delivered to that endpoint only, whatever it takes.
TEST_KIND = "WEBHOOK_TEST"


def wants(event_kinds: str, kind: str) -> bool:
    """Whether an endpoint taking ``event_kinds`` (space-separated; empty: all) takes
    ``kind`` (tests are not taken this way: see :data:`TEST_KIND`)."""
    return kind != TEST_KIND and (not event_kinds or kind in event_kinds.split())


async def wake(uow: UnitOfWork, organisation_id: uuid.UUID, kinds: set[str]) -> None:
    """Wake the idle deliveries of the organisation's endpoints that take one of ``kinds``
    (in the transaction writing those events, which holds the organisation's row lock)."""
    session = uow.session
    rows = await session.execute(
        select(WebhookEndpoint.event_kinds, WebhookEndpoint.pump_message_id).where(
            WebhookEndpoint.organisation_id == organisation_id,
            WebhookEndpoint.enabled.is_(True),
            WebhookEndpoint.failing_since.is_(None),
            WebhookEndpoint.pump_message_id.is_not(None),
        )
    )
    pumps = [
        pump
        for event_kinds, pump in rows.all()
        if pump is not None
        and (TEST_KIND in kinds or any(wants(event_kinds, kind) for kind in kinds))
    ]
    if pumps:
        await _wake_messages(session, pumps, uow.now or utcnow())


async def _wake_messages(session: AsyncSession, ids: list[uuid.UUID], now: datetime) -> None:
    """Make the idle ones of these messages due now. A message a worker holds is skipped
    without waiting for its lock (that run looks again before it lets go)."""
    idle = list(
        (
            await session.scalars(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.id.in_(ids),
                    OutboxMessage.status == OutboxStatus.PENDING,
                    OutboxMessage.lease_token.is_(None),
                    OutboxMessage.next_attempt_at > now,
                )
                .with_for_update(skip_locked=True)
            )
        ).all()
    )
    if idle:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(idle))
            .values(next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
        session.info["outbox"] = True  # wake the dispatcher after commit


async def ensure_pump(session: AsyncSession, endpoint: WebhookEndpoint, now: datetime) -> None:
    """Give an enabled endpoint a delivery run due now: its message woken if idle, a new one
    if it has none pending (a run in progress notices the change itself)."""
    current = (
        None
        if endpoint.pump_message_id is None
        else await session.get(OutboxMessage, endpoint.pump_message_id)
    )
    if current is not None and current.status == OutboxStatus.PENDING:
        await _wake_messages(session, [current.id], now)
        return
    message = await outbox_repo.add(
        session, organisation_id=endpoint.organisation_id, kind=PUMP_KIND,
        payload={"endpointId": str(endpoint.id)}, due=now,
    )  # fmt: skip
    endpoint.pump_message_id = message.id


async def recount(session: AsyncSession, organisation_id: uuid.UUID) -> None:
    """Count the organisation's enabled endpoints again (after one was added, enabled,
    disabled or deleted)."""
    await session.flush()
    count = (
        select(func.count())
        .select_from(WebhookEndpoint)
        .where(
            WebhookEndpoint.organisation_id == organisation_id, WebhookEndpoint.enabled.is_(True)
        )
        .scalar_subquery()
    )
    await session.execute(
        update(Organisation)
        .where(Organisation.id == organisation_id)
        .values(webhook_endpoints=count)
        .execution_options(synchronize_session=False)
    )
