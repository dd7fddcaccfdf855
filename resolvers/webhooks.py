"""Resolvers for outgoing webhooks."""

from __future__ import annotations

import uuid
from datetime import timedelta

from db.models import WebhookDelivery, WebhookEndpoint
from db.pagination import Page
from db.unit_of_work import UnitOfWork
from resolvers import mutation
from resolvers.context import Context
from resolvers.mutation import Outcome
from resolvers.pagination import page_request
from resolvers.services import webhooks
from resolvers.services.errors import ErrorCode, UserError
from resolvers.services.ids import decode_event_cursor
from resolvers.services.webhooks import IssuedEndpoint

ENDPOINT = "WebhookEndpoint"
ENDPOINT_FIELD = ("input", "webhookEndpointId")


async def of_organisation(context: Context, organisation_id: uuid.UUID) -> list[WebhookEndpoint]:
    """The organisation's endpoints (for its owners and admins)."""
    viewer = await context.require_viewer()
    async with context.app.db.read() as session:
        return await webhooks.of_organisation(UnitOfWork(session), viewer, organisation_id)


async def deliveries(
    context: Context,
    endpoint: WebhookEndpoint,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Page[WebhookDelivery]:
    """A page of an endpoint's delivery log."""
    request = page_request(first, after, last, before)
    async with context.app.db.read() as session:
        return await webhooks.deliveries(UnitOfWork(session), endpoint, request)


async def create(
    context: Context, *, organisation_id: str, url: str, event_kinds: list[str], description: str
) -> Outcome[IssuedEndpoint]:
    """Register an endpoint."""
    app = context.app
    return await mutation.run_on(
        context, organisation_id, "Organisation", ("input", "organisationId"),
        lambda uow, viewer, key: webhooks.create(
            uow, viewer, organisation_id=key, url=url, event_kinds=event_kinds,
            description=description, policy=app.webhook_policy, now=app.now(),
        ),
    )  # fmt: skip


async def update(
    context: Context,
    *,
    endpoint_id: str,
    url: str | None,
    event_kinds: list[str] | None,
    description: str | None,
    enabled: bool | None,
) -> Outcome[WebhookEndpoint]:
    """Change an endpoint."""
    app = context.app
    return await mutation.run_on(
        context, endpoint_id, ENDPOINT, ENDPOINT_FIELD,
        lambda uow, viewer, key: webhooks.update(
            uow, viewer, endpoint_id=key, url=url, event_kinds=event_kinds,
            description=description, enabled=enabled, policy=app.webhook_policy, now=app.now(),
        ),
    )  # fmt: skip


async def rotate_secret(
    context: Context, *, endpoint_id: str, grace_hours: int
) -> Outcome[IssuedEndpoint]:
    """Give an endpoint a new signing secret."""
    app = context.app
    return await mutation.run_on(
        context, endpoint_id, ENDPOINT, ENDPOINT_FIELD,
        lambda uow, viewer, key: webhooks.rotate_secret(
            uow, viewer, endpoint_id=key, grace=timedelta(hours=grace_hours), now=app.now()
        ),
    )  # fmt: skip


async def delete(context: Context, *, endpoint_id: str) -> Outcome[uuid.UUID]:
    """Delete an endpoint."""
    app = context.app
    return await mutation.run_on(
        context, endpoint_id, ENDPOINT, ENDPOINT_FIELD,
        lambda uow, viewer, key: webhooks.remove(uow, viewer, endpoint_id=key, now=app.now()),
    )  # fmt: skip


async def send_test(context: Context, *, endpoint_id: str) -> Outcome[WebhookEndpoint]:
    """Send an endpoint a test event."""
    app = context.app
    return await mutation.run_on(
        context, endpoint_id, ENDPOINT, ENDPOINT_FIELD,
        lambda uow, viewer, key: webhooks.send_test(uow, viewer, endpoint_id=key, now=app.now()),
    )  # fmt: skip


async def replay(
    context: Context, *, endpoint_id: str, after: str | None
) -> Outcome[WebhookEndpoint]:
    """Deliver an endpoint's events again from a cursor."""
    app = context.app
    seq = 0
    if after is not None:
        decoded = decode_event_cursor(after)
        if decoded is None:
            return mutation.refuse(
                UserError(ErrorCode.INVALID, ("input", "after"), "Not an event cursor.")
            )
        seq = decoded
    return await mutation.run_on(
        context, endpoint_id, ENDPOINT, ENDPOINT_FIELD,
        lambda uow, viewer, key: webhooks.replay(
            uow, viewer, endpoint_id=key, after=seq, now=app.now()
        ),
    )  # fmt: skip


async def redeliver(context: Context, *, delivery_id: str) -> Outcome[WebhookDelivery]:
    """Send one delivery again."""
    app = context.app
    return await mutation.run_on(
        context, delivery_id, "WebhookDelivery", ("input", "webhookDeliveryId"),
        lambda uow, viewer, key: webhooks.redeliver(
            uow, viewer, delivery_id=key, now=app.now()
        ),
    )  # fmt: skip
