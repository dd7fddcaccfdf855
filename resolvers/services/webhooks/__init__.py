"""Outgoing webhooks: an organisation's owners and admins register endpoints of their own
systems, which then receive the organisation's events, signed, in the order of its event log.

Delivery runs on the outbox (``resolvers.dispatcher.webhooks``): one run per endpoint at a
time, each event at least once (the ``webhook-id`` de-duplicates), retried with backoff while
the endpoint fails, for :data:`GIVE_UP_AFTER`; then the endpoint is disabled and the
organisation told (a ``WEBHOOK_ENDPOINT_DISABLED`` event). Members may test an endpoint,
redeliver one delivery, or replay from an event cursor; sending is in :mod:`.sending`, the
body in :mod:`.payload`.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from db.models import (
    MembershipRole,
    OutboxMessage,
    OutboxStatus,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
)
from db.pagination import Page, PageRequest, paginate
from db.repositories import event as event_repo
from db.repositories import organisation as organisation_repo
from db.repositories import outbox as outbox_repo
from db.repositories import webhook as repo
from db.unit_of_work import UnitOfWork
from resolvers.services.accounts import Viewer
from resolvers.services.errors import ErrorCode, PermissionDeniedError, UserInputError
from resolvers.services.webhooks.sending import UnsafeUrlError, check_url

PUMP_KIND = repo.PUMP_KIND
REDELIVER_KIND = "webhook.redeliver"
TEST_KIND = repo.TEST_KIND
DISABLED_KIND = "WEBHOOK_ENDPOINT_DISABLED"
MAX_ENDPOINTS = 20
MAX_DESCRIPTION = 500
MAX_KINDS = 50
MAX_GRACE = timedelta(days=7)
# How long an endpoint may keep failing before it is disabled.
GIVE_UP_AFTER = timedelta(hours=24)
SECRET_PREFIX = "whsec_"  # noqa: S105 (the Standard Webhooks prefix)
# Deliveries listed per page at most (the delivery log).
MAX_DELIVERIES_PAGE = 100


@dataclass(frozen=True)
class UrlPolicy:
    """Which URLs endpoints may have (from the settings)."""

    require_https: bool
    allow_private: bool


@dataclass(frozen=True)
class IssuedEndpoint:
    """An endpoint with its new signing secret (shown when created or rotated)."""

    endpoint: WebhookEndpoint
    secret: str


def new_secret() -> str:
    """A signing secret in the Standard Webhooks form (``whsec_`` and 32 random bytes)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> tuple[str, ...]:
    """The secrets a delivery is signed with now: the current one, and the previous one while
    its grace period lasts."""
    previous, until = endpoint.previous_secret, endpoint.previous_secret_until
    if previous and until is not None and now < until:
        return (endpoint.secret, previous)
    return (endpoint.secret,)


async def _manager_of(
    uow: UnitOfWork, viewer: Viewer, organisation_id: uuid.UUID, field: tuple[str, ...]
) -> None:
    """The viewer must be an owner or an admin of the organisation (a key: with ``admin``)."""
    found = await organisation_repo.lock_for_viewer(uow.session, viewer.account_id, organisation_id)
    if found is None:
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such organisation.")
    if found[1].role not in {MembershipRole.OWNER, MembershipRole.ADMIN}:
        raise PermissionDeniedError("Only owners and admins manage webhook endpoints.")


def _url(url: str, policy: UrlPolicy, field: tuple[str, ...]) -> str:
    try:
        return check_url(
            url.strip(), require_https=policy.require_https, allow_private=policy.allow_private
        )
    except UnsafeUrlError as exc:
        raise UserInputError.one(ErrorCode.INVALID, field, str(exc)) from None


def _description(text: str) -> str:
    clean = " ".join(text.split())
    if len(clean) > MAX_DESCRIPTION:
        raise UserInputError.one(
            ErrorCode.TOO_LONG, ("input", "description"),
            f"A description has at most {MAX_DESCRIPTION} characters.",
        )  # fmt: skip
    return clean


def _kinds(kinds: list[str]) -> str:
    field = ("input", "eventKinds")
    if len(kinds) > MAX_KINDS:
        raise UserInputError.one(ErrorCode.TOO_MANY, field, f"At most {MAX_KINDS} kinds.")
    if TEST_KIND in kinds:
        raise UserInputError.one(
            ErrorCode.INVALID, field,
            "Tests reach an endpoint whatever it takes: leave WEBHOOK_TEST out.",
        )  # fmt: skip
    return " ".join(sorted(set(kinds)))


async def create(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    organisation_id: uuid.UUID,
    url: str,
    event_kinds: list[str],
    description: str,
    policy: UrlPolicy,
    now: datetime,
) -> IssuedEndpoint:
    """A new endpoint, receiving the events written from now on."""
    await _manager_of(uow, viewer, organisation_id, ("input", "organisationId"))
    clean_url = _url(url, policy, ("input", "url"))
    kinds, text = _kinds(event_kinds), _description(description)
    count = await uow.session.scalar(
        select(func.count())
        .select_from(WebhookEndpoint)
        .where(WebhookEndpoint.organisation_id == organisation_id)
    )
    if (count or 0) >= MAX_ENDPOINTS:
        raise UserInputError.one(
            ErrorCode.TOO_MANY, ("input", "organisationId"),
            f"An organisation has at most {MAX_ENDPOINTS} webhook endpoints: delete one.",
        )  # fmt: skip
    secret = new_secret()
    endpoint = WebhookEndpoint(
        organisation_id=organisation_id, url=clean_url, description=text, event_kinds=kinds,
        secret=secret, enabled=True, cursor=await event_repo.last_seq(uow.session, organisation_id),
        generation=0, created_by_account_id=viewer.account_id, created_at=now,
    )  # fmt: skip
    uow.session.add(endpoint)
    await uow.session.flush()
    await repo.ensure_pump(uow.session, endpoint, now)
    await repo.recount(uow.session, organisation_id)
    return IssuedEndpoint(endpoint, secret)


async def _endpoint_for_manager(
    uow: UnitOfWork, viewer: Viewer, endpoint_id: uuid.UUID
) -> WebhookEndpoint:
    field = ("input", "webhookEndpointId")
    endpoint = await uow.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such webhook endpoint.")
    await _manager_of(uow, viewer, endpoint.organisation_id, field)
    await uow.session.refresh(endpoint, with_for_update=True)
    return endpoint


async def _restart(uow: UnitOfWork, endpoint: WebhookEndpoint, now: datetime) -> None:
    """Deliver from the endpoint's cursor now (a run in progress stops and starts again)."""
    endpoint.generation += 1
    endpoint.failing_since = None
    if endpoint.enabled:
        await repo.ensure_pump(uow.session, endpoint, now)


async def update(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    endpoint_id: uuid.UUID,
    url: str | None,
    event_kinds: list[str] | None,
    description: str | None,
    enabled: bool | None,
    policy: UrlPolicy,
    now: datetime,
) -> WebhookEndpoint:
    """Change an endpoint. Enabling one (or changing its URL) delivers from where it stopped
    at once; disabling it stops its deliveries."""
    endpoint = await _endpoint_for_manager(uow, viewer, endpoint_id)
    restart = False
    if url is not None:
        clean = _url(url, policy, ("input", "url"))
        restart = clean != endpoint.url
        endpoint.url = clean
    if event_kinds is not None:
        endpoint.event_kinds = _kinds(event_kinds)
    if description is not None:
        endpoint.description = _description(description)
    if enabled is not None and enabled != endpoint.enabled:
        endpoint.enabled = enabled
        endpoint.disabled_at = None if enabled else now
        endpoint.disabled_reason = None if enabled else "Disabled by a member."
        restart = restart or enabled
        await repo.recount(uow.session, endpoint.organisation_id)
    if restart:
        await _restart(uow, endpoint, now)
    await uow.session.flush()
    return endpoint


async def rotate_secret(
    uow: UnitOfWork, viewer: Viewer, *, endpoint_id: uuid.UUID, grace: timedelta, now: datetime
) -> IssuedEndpoint:
    """A new signing secret; deliveries are signed with the old one too for ``grace``."""
    if grace < timedelta(0) or grace > MAX_GRACE:
        raise UserInputError.one(
            ErrorCode.INVALID, ("input", "graceHours"),
            f"The grace period is 0 to {int(MAX_GRACE.total_seconds() // 3600)} hours.",
        )  # fmt: skip
    endpoint = await _endpoint_for_manager(uow, viewer, endpoint_id)
    secret = new_secret()
    endpoint.previous_secret = endpoint.secret if grace > timedelta(0) else None
    endpoint.previous_secret_until = now + grace if grace > timedelta(0) else None
    endpoint.secret = secret
    endpoint.secret_rotated_at = now
    await uow.session.flush()
    return IssuedEndpoint(endpoint, secret)


async def remove(
    uow: UnitOfWork, viewer: Viewer, *, endpoint_id: uuid.UUID, now: datetime
) -> uuid.UUID:
    """Delete an endpoint and its delivery log (a delivery run in progress ends by itself)."""
    endpoint = await _endpoint_for_manager(uow, viewer, endpoint_id)
    organisation_id = endpoint.organisation_id
    pump = await pump_of(uow, endpoint)
    if pump is not None and pump.status == OutboxStatus.PENDING and pump.lease_token is None:
        pump.status = OutboxStatus.DONE  # idle or backing off: nothing left for it to do
        pump.completed_at = now
    await uow.session.execute(
        delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    )
    await uow.session.delete(endpoint)
    await repo.recount(uow.session, organisation_id)
    return endpoint_id


async def send_test(
    uow: UnitOfWork, viewer: Viewer, *, endpoint_id: uuid.UUID, now: datetime
) -> WebhookEndpoint:
    """Write a ``WEBHOOK_TEST`` event for the endpoint: delivered to it in its turn, like any
    event (so a test also shows the endpoint is caught up)."""
    endpoint = await _endpoint_for_manager(uow, viewer, endpoint_id)
    if not endpoint.enabled:
        raise UserInputError.one(
            ErrorCode.INVALID, ("input", "webhookEndpointId"), "Enable the endpoint first."
        )
    await event_repo.append(
        uow, organisation_id=endpoint.organisation_id, kind=TEST_KIND,
        actor_account_id=viewer.account_id, data={"endpointId": str(endpoint.id)},
    )  # fmt: skip
    endpoint.failing_since = None  # a test is worth a try now, even while backing off
    await repo.ensure_pump(uow.session, endpoint, now)
    return endpoint


async def replay(
    uow: UnitOfWork, viewer: Viewer, *, endpoint_id: uuid.UUID, after: int, now: datetime
) -> WebhookEndpoint:
    """Deliver again every event after the one numbered ``after`` (0: from the first), in
    order, then what follows."""
    endpoint = await _endpoint_for_manager(uow, viewer, endpoint_id)
    if after > await event_repo.last_seq(uow.session, endpoint.organisation_id):
        raise UserInputError.one(
            ErrorCode.INVALID, ("input", "after"), "No event of this organisation has it."
        )
    endpoint.cursor = after
    await _restart(uow, endpoint, now)
    await uow.session.flush()
    return endpoint


async def redeliver(
    uow: UnitOfWork, viewer: Viewer, *, delivery_id: uuid.UUID, now: datetime
) -> WebhookDelivery:
    """Send one delivery's event again (out of turn, with the same ``webhook-id``)."""
    field = ("input", "webhookDeliveryId")
    delivery = await uow.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such delivery.")
    endpoint = await _endpoint_for_manager(uow, viewer, delivery.endpoint_id)
    if not endpoint.enabled:
        raise UserInputError.one(ErrorCode.INVALID, field, "Enable its endpoint first.")
    await uow.session.refresh(delivery, with_for_update=True)
    if delivery.status == WebhookDeliveryStatus.PENDING:
        raise UserInputError.one(ErrorCode.ALREADY_DONE, field, "It is being delivered.")
    delivery.status = WebhookDeliveryStatus.PENDING
    delivery.next_attempt_at = now
    delivery.last_error = None
    await outbox_repo.add(
        uow.session, organisation_id=delivery.organisation_id, kind=REDELIVER_KIND,
        payload={"deliveryId": str(delivery.id)}, due=now,
    )  # fmt: skip
    return delivery


async def _is_manager(uow: UnitOfWork, viewer: Viewer, organisation_id: uuid.UUID) -> bool:
    membership = await organisation_repo.membership_in(
        uow.session, organisation_id, viewer.account_id
    )
    return membership is not None and membership.role in {
        MembershipRole.OWNER,
        MembershipRole.ADMIN,
    }


async def of_organisation(
    uow: UnitOfWork, viewer: Viewer, organisation_id: uuid.UUID
) -> list[WebhookEndpoint]:
    """The organisation's endpoints, oldest first, for its owners and admins (others: none)."""
    if not await _is_manager(uow, viewer, organisation_id):
        return []
    rows = await uow.session.scalars(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.organisation_id == organisation_id)
        .order_by(WebhookEndpoint.id)
        .limit(MAX_ENDPOINTS)
    )
    return list(rows.all())


async def deliveries(
    uow: UnitOfWork, endpoint: WebhookEndpoint, request: PageRequest
) -> Page[WebhookDelivery]:
    """A page of an endpoint's delivery log, oldest first (the endpoint was already shown to
    the viewer, so the viewer manages it)."""
    stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    return await paginate(uow.session, stmt, WebhookDelivery.id, request)


async def pump_of(uow: UnitOfWork, endpoint: WebhookEndpoint) -> OutboxMessage | None:
    """The outbox message delivering to the endpoint."""
    if endpoint.pump_message_id is None:
        return None
    return await uow.session.get(OutboxMessage, endpoint.pump_message_id)
