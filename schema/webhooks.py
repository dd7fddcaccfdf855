"""Outgoing webhooks: endpoints, their delivery log, inputs and payloads."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry

from db.models import WebhookDelivery as WebhookDeliveryModel
from db.models import WebhookEndpoint as WebhookEndpointModel
from resolvers import webhooks as resolvers
from resolvers.context import Context
from resolvers.services.ids import encode_event_cursor, encode_id
from resolvers.services.webhooks.payload import message_id
from schema.errors import UserError
from schema.event import OrganisationEventKind
from schema.relay import After, Before, Connection, First, Last

Info = strawberry.Info[Context, None]


@strawberry.enum(description="Where a webhook delivery stands.")
class WebhookDeliveryStatus(enum.Enum):
    """Delivery statuses."""

    PENDING = strawberry.enum_value(
        "PENDING", description="Not delivered yet: failing and retried (see `nextAttemptAt`)."
    )
    SUCCEEDED = strawberry.enum_value("SUCCEEDED", description="The endpoint answered 2xx.")
    FAILED = strawberry.enum_value(
        "FAILED", description="Given up on (the endpoint was disabled, or a redelivery failed)."
    )


@strawberry.type(description="One event sent to one endpoint: an entry of its delivery log.")
class WebhookDelivery:
    """A delivery."""

    id: strawberry.ID = strawberry.field(description="Pass to `webhookDeliveryRedeliver`.")
    webhook_id: str = strawberry.field(
        description="The `webhook-id` header it was sent with: the event's, the same on every "
        "retry, redelivery and replay (de-duplicate on it)."
    )
    event_kind: OrganisationEventKind = strawberry.field(description="The event's kind.")
    event_cursor: str = strawberry.field(
        description="The event's cursor (as `organisationEvents` gives it)."
    )
    status: WebhookDeliveryStatus = strawberry.field(description="Where it stands.")
    attempts: int = strawberry.field(description="How many times it was sent.")
    response_status: int | None = strawberry.field(
        description="The HTTP status the endpoint last answered (none: no answer)."
    )
    latency_ms: int | None = strawberry.field(
        description="How long the last attempt took, in milliseconds."
    )
    error: str | None = strawberry.field(description="Why the last attempt failed.")
    created_at: datetime = strawberry.field(description="When it was first sent (UTC).")
    last_attempt_at: datetime | None = strawberry.field(description="The last attempt (UTC).")
    next_attempt_at: datetime | None = strawberry.field(
        description="When it is tried again, while failing (UTC)."
    )
    delivered_at: datetime | None = strawberry.field(description="When the endpoint took it (UTC).")

    @classmethod
    def from_model(cls, model: WebhookDeliveryModel) -> WebhookDelivery:
        """Map a row."""
        return cls(
            id=strawberry.ID(encode_id("WebhookDelivery", model.id)),
            webhook_id=message_id(model.organisation_id, model.event_seq), event_kind=OrganisationEventKind[model.event_kind],
            event_cursor=encode_event_cursor(model.event_seq),
            status=WebhookDeliveryStatus[model.status.value], attempts=model.attempts,
            response_status=model.response_status, latency_ms=model.latency_ms,
            error=model.last_error, created_at=model.created_at,
            last_attempt_at=model.last_attempt_at, next_attempt_at=model.next_attempt_at,
            delivered_at=model.delivered_at,
        )  # fmt: skip


@strawberry.type(
    description="A URL of your own systems that receives the organisation's events, signed "
    "(Standard Webhooks), in the order they happened."
)
class WebhookEndpoint:
    """A webhook endpoint (never its secret)."""

    id: strawberry.ID = strawberry.field(description="The endpoint's opaque id.")
    url: str = strawberry.field(description="Where events are POSTed.")
    description: str = strawberry.field(description="What it is for.")
    event_kinds: list[OrganisationEventKind] = strawberry.field(
        description="The kinds it receives (empty: every kind)."
    )
    enabled: bool = strawberry.field(description="Whether events are delivered to it.")
    disabled_reason: str | None = strawberry.field(
        description="Why it was disabled (by a member, or after failing for 24 hours)."
    )
    disabled_at: datetime | None = strawberry.field(description="When it was disabled (UTC).")
    failing_since: datetime | None = strawberry.field(
        description="Since when the event at the head of its line has been failing (UTC); "
        "none while deliveries succeed."
    )
    cursor: str | None = strawberry.field(
        description="The cursor of the last event delivered to it or passed over (none: it "
        "has had none yet). `webhookEndpointReplay` moves it back."
    )
    created_at: datetime = strawberry.field(description="When it was registered (UTC).")
    secret_rotated_at: datetime | None = strawberry.field(
        description="When its signing secret last changed (UTC)."
    )
    _model: strawberry.Private[WebhookEndpointModel]

    @classmethod
    def from_model(cls, model: WebhookEndpointModel) -> WebhookEndpoint:
        """Map a row."""
        return cls(
            id=strawberry.ID(encode_id("WebhookEndpoint", model.id)), url=model.url,
            description=model.description,
            event_kinds=[OrganisationEventKind[k] for k in model.event_kinds.split()],
            enabled=model.enabled, disabled_reason=model.disabled_reason,
            disabled_at=model.disabled_at, failing_since=model.failing_since,
            cursor=encode_event_cursor(model.cursor) if model.cursor else None,
            created_at=model.created_at, secret_rotated_at=model.secret_rotated_at,
            _model=model,
        )  # fmt: skip

    @strawberry.field(description="Its delivery log, oldest first (`last` for the newest).")
    async def deliveries(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[WebhookDelivery]:
        page = await resolvers.deliveries(
            info.context, self._model, first=first, after=after, last=last, before=before
        )
        return Connection.build(page, lambda d: d.id, WebhookDelivery.from_model)  # type: ignore[attr-defined,arg-type]


@strawberry.input(description="Register an endpoint for an organisation (owners and admins).")
class WebhookEndpointCreateInput:
    """Endpoint creation input."""

    organisation_id: strawberry.ID = strawberry.field(description="The organisation.")
    url: str = strawberry.field(
        description="Where to POST events: https (http only in development), a public host "
        "in production, no credentials, at most 2,000 characters."
    )
    event_kinds: list[OrganisationEventKind] = strawberry.field(
        default_factory=list, description="The kinds it receives (empty: every kind)."
    )
    description: str = strawberry.field(
        default="", description="What it is for (at most 500 characters)."
    )


@strawberry.input(description="Change an endpoint; what is left out stays.")
class WebhookEndpointUpdateInput:
    """Endpoint update input."""

    webhook_endpoint_id: strawberry.ID = strawberry.field(description="The endpoint.")
    url: str | None = strawberry.field(default=None, description="A new URL.")
    event_kinds: list[OrganisationEventKind] | None = strawberry.field(
        default=None, description="The kinds it receives (empty: every kind)."
    )
    description: str | None = strawberry.field(default=None, description="What it is for.")
    enabled: bool | None = strawberry.field(
        default=None,
        description="Disable it, or enable it again: deliveries go on from where they stopped.",
    )


@strawberry.input(description="Give an endpoint a new signing secret.")
class WebhookEndpointSecretRotateInput:
    """Secret rotation input."""

    webhook_endpoint_id: strawberry.ID = strawberry.field(description="The endpoint.")
    grace_hours: int = strawberry.field(
        default=24,
        description="How long deliveries carry a signature with the old secret too (0 to 168).",
    )


@strawberry.input(description="Name an endpoint.")
class WebhookEndpointInput:
    """An endpoint's id."""

    webhook_endpoint_id: strawberry.ID = strawberry.field(description="The endpoint.")


@strawberry.input(description="Deliver an endpoint's events again from a point of the log.")
class WebhookEndpointReplayInput:
    """Replay input."""

    webhook_endpoint_id: strawberry.ID = strawberry.field(description="The endpoint.")
    after: str | None = strawberry.field(
        default=None,
        description="An event cursor: the events after it are delivered again, in order "
        "(left out: from the organisation's first event).",
    )


@strawberry.input(description="Send one delivery again.")
class WebhookDeliveryRedeliverInput:
    """Redelivery input."""

    webhook_delivery_id: strawberry.ID = strawberry.field(description="The delivery.")


@strawberry.type(description="An endpoint with its signing secret.")
class WebhookEndpointSecretPayload:
    """The result of creating an endpoint or rotating its secret."""

    webhook_endpoint: WebhookEndpoint | None = strawberry.field(description="The endpoint.")
    secret: str | None = strawberry.field(
        description="The signing secret (`whsec_...`), shown this once: verify "
        "`webhook-signature` with it."
    )
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.type(description="The result of changing, testing or replaying an endpoint.")
class WebhookEndpointPayload:
    """An endpoint result."""

    webhook_endpoint: WebhookEndpoint | None = strawberry.field(description="The endpoint.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.type(description="The result of deleting an endpoint.")
class WebhookEndpointDeletePayload:
    """Deletion result."""

    deleted_webhook_endpoint_id: strawberry.ID | None = strawberry.field(
        description="The endpoint deleted, with its delivery log."
    )
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.type(description="The result of a redelivery.")
class WebhookDeliveryPayload:
    """Redelivery result."""

    webhook_delivery: WebhookDelivery | None = strawberry.field(
        description="The delivery, being sent again."
    )
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")
