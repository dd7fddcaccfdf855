"""Resolvers for organisations, memberships and organisation events."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from opentelemetry import trace
from opentelemetry.trace import SpanKind

from contract import tracing
from db.base import utcnow
from db.models import Membership, MembershipRole, Organisation, OrganisationEvent
from db.pagination import Page
from db.repositories import account as account_repo
from db.repositories import event as event_repo
from db.repositories import organisation as repo
from resolvers import feeds, mutation
from resolvers.context import Context
from resolvers.errors import BadUserInputError, ForbiddenError
from resolvers.mutation import Outcome
from resolvers.pagination import page_request
from resolvers.services import metrics, organisations, throttle
from resolvers.services.ids import decode_event_cursor, decode_typed_id

tracer = trace.get_tracer("bharat_connect.events")

# How often an idle subscription re-checks that its viewer may still see the organisation.


async def create(
    context: Context, *, name: str, idempotency_key: str | None
) -> Outcome[Organisation]:
    """Create an organisation owned by the viewer."""
    viewer = await context.require_viewer()
    return await mutation.run(
        context,
        lambda uow: organisations.create(
            uow,
            viewer,
            name=name,
            idempotency_key=idempotency_key,
            gate=throttle.Gate(uow, context.app.secret, context.app.now()),
            per_day=context.app.settings.max_organisations_per_day,
        ),
    )


async def update(
    context: Context, *, organisation_id: str, name: str | None,
    bill_approval_required: bool | None, default_payment_terms_days: int | None = None,
) -> Outcome[Organisation]:  # fmt: skip
    """Rename an organisation or change its settings."""
    return await mutation.run_on(
        context, organisation_id, "Organisation", ("input", "id"),
        lambda uow, viewer, key: organisations.update(
            uow, viewer, key, name=name, bill_approval_required=bill_approval_required,
            default_payment_terms_days=default_payment_terms_days,
        ),
    )  # fmt: skip


async def remove_member(context: Context, *, membership_id: str) -> Outcome[Membership]:
    """Remove a member, or leave."""
    return await mutation.run_on(
        context, membership_id, "Membership", ("input", "id"),
        organisations.remove_member,
    )  # fmt: skip


async def change_role(
    context: Context, *, membership_id: str, role: MembershipRole
) -> Outcome[Membership]:
    """Change a member's role."""
    return await mutation.run_on(
        context, membership_id, "Membership", ("input", "id"),
        lambda uow, viewer, key: organisations.change_role(uow, viewer, key, role),
    )  # fmt: skip


async def mine(
    context: Context, *, first: int | None, after: str | None, last: int | None, before: str | None
) -> Page[Organisation]:
    """The viewer's organisations."""
    viewer = await context.require_viewer()
    request = page_request(first, after, last, before)
    async with context.app.db.read() as session:
        return await repo.for_viewer_page(session, viewer.account_id, request)


async def by_global_id(context: Context, organisation_id: str) -> Organisation | None:
    """An organisation the viewer belongs to, by global id."""
    viewer = await context.require_viewer()
    key = decode_typed_id(organisation_id, "Organisation")
    if key is None:
        return None
    return await context.loaders(viewer).organisation_by_id.load(key)


async def by_id(context: Context, organisation_id: uuid.UUID) -> Organisation | None:
    """An organisation the viewer belongs to."""
    viewer = await context.require_viewer()
    return await context.loaders(viewer).organisation_by_id.load(organisation_id)


async def membership_by_id(context: Context, membership_id: uuid.UUID) -> Membership | None:
    """A membership in one of the viewer's organisations."""
    viewer = await context.require_viewer()
    return await context.loaders(viewer).membership_by_id.load(membership_id)


async def viewer_role(context: Context, organisation_id: uuid.UUID) -> MembershipRole | None:
    """The viewer's role in the organisation."""
    viewer = await context.require_viewer()
    membership = await context.loaders(viewer).viewer_membership_by_organisation_id.load(
        organisation_id
    )
    return None if membership is None else membership.role


async def members(
    context: Context,
    organisation_id: uuid.UUID,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Page[Membership]:
    """One page of an organisation's members."""
    viewer = await context.require_viewer()
    request = page_request(first, after, last, before)
    if request.first is not None and request.after is None and request.before is None:
        # The common case, batched across sibling organisations.
        loader = context.loaders(viewer).first_members_page(request.first)
        return await loader.load(organisation_id)
    async with context.app.db.read() as session:
        return await repo.members_page(session, viewer.account_id, organisation_id, request)


async def events(
    context: Context, organisation_id: str, after: str | None
) -> AsyncIterator[OrganisationEvent]:
    """Stream an organisation's events, from ``after`` (replaying what was missed) or from now.

    The stream ends when the viewer's token is revoked or it leaves the organisation.
    """
    viewer = await context.require_viewer()
    key = decode_typed_id(organisation_id, "Organisation")
    cursor: int | None = None
    if after is not None:
        cursor = decode_event_cursor(after)
        if cursor is None:
            raise BadUserInputError("`after` is not an event cursor.")
    db = context.app.db

    async def allowed() -> bool:
        if key is None:
            return False
        async with db.read() as session:
            token_id = viewer.token_id
            if token_id is not None and not await account_repo.token_is_active(
                session, token_id, utcnow()
            ):
                return False
            return await repo.membership_in(session, key, viewer.account_id) is not None

    if key is None or not await allowed():
        raise ForbiddenError("No such organisation, or you are not a member of it.")

    subscriber = feeds.Subscriber(viewer.account_id, viewer.token_id)
    async with context.app.feeds.join(key, subscriber) as feed:
        if cursor is None:
            cursor = feed.cursor
        while subscriber.allowed:
            batch = feed.kept_after(cursor)
            if batch is None:  # behind what the feed keeps: read the log itself
                async with db.read() as session:
                    batch = await event_repo.after(session, key, cursor, feeds.EVENT_BATCH)
            for event in batch:
                if not subscriber.allowed:
                    return
                context.fresh_loaders()
                metrics.EVENTS.inc()
                metrics.EVENT_LAG.observe(max((utcnow() - event.occurred_at).total_seconds(), 0.0))
                if event.trace_context:  # the send joins the trace of what wrote the event
                    tracer.start_span(
                        f"subscription event {event.kind}",
                        context=tracing.context_of(event.trace_context), kind=SpanKind.PRODUCER,
                        attributes={"bc.event.seq": event.seq},
                    ).end()  # fmt: skip
                yield event
                cursor = event.seq
            if not batch:
                await feed.wait_past(cursor, subscriber)
