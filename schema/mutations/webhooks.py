"""Outgoing webhooks: mutation fields."""

from __future__ import annotations

from typing import Annotated

import strawberry

from db.models import WebhookEndpoint as WebhookEndpointModel
from resolvers import webhooks as resolvers
from resolvers.context import Context
from resolvers.mutation import Outcome
from resolvers.services.ids import encode_id
from resolvers.services.webhooks import IssuedEndpoint
from schema.errors import user_errors
from schema.webhooks import (
    WebhookDelivery,
    WebhookDeliveryPayload,
    WebhookDeliveryRedeliverInput,
    WebhookEndpoint,
    WebhookEndpointCreateInput,
    WebhookEndpointDeletePayload,
    WebhookEndpointInput,
    WebhookEndpointPayload,
    WebhookEndpointReplayInput,
    WebhookEndpointSecretPayload,
    WebhookEndpointSecretRotateInput,
    WebhookEndpointUpdateInput,
)

Info = strawberry.Info[Context, None]


def _issued(outcome: Outcome[IssuedEndpoint]) -> WebhookEndpointSecretPayload:
    if outcome.value is None:
        return WebhookEndpointSecretPayload(
            webhook_endpoint=None, secret=None, user_errors=user_errors(outcome.errors)
        )
    return WebhookEndpointSecretPayload(
        webhook_endpoint=WebhookEndpoint.from_model(outcome.value.endpoint),
        secret=outcome.value.secret,
        user_errors=[],
    )


def _endpoint(outcome: Outcome[WebhookEndpointModel]) -> WebhookEndpointPayload:
    if outcome.value is None:
        return WebhookEndpointPayload(
            webhook_endpoint=None, user_errors=user_errors(outcome.errors)
        )
    return WebhookEndpointPayload(
        webhook_endpoint=WebhookEndpoint.from_model(outcome.value),
        user_errors=[],
    )


@strawberry.type
class WebhooksMutations:
    """Outgoing webhooks."""

    @strawberry.mutation(
        description="Register a webhook endpoint (owners and admins); its signing secret is "
        "shown once. It receives the events written from now on."
    )
    async def webhook_endpoint_create(
        self,
        info: Info,
        input: Annotated[WebhookEndpointCreateInput, strawberry.argument(description="The input.")],
    ) -> WebhookEndpointSecretPayload:
        return _issued(
            await resolvers.create(
                info.context,
                organisation_id=input.organisation_id,
                url=input.url,
                event_kinds=[kind.name for kind in input.event_kinds],
                description=input.description,
            )
        )

    @strawberry.mutation(description="Change, disable or enable again a webhook endpoint.")
    async def webhook_endpoint_update(
        self,
        info: Info,
        input: Annotated[WebhookEndpointUpdateInput, strawberry.argument(description="The input.")],
    ) -> WebhookEndpointPayload:
        kinds = None if input.event_kinds is None else [k.name for k in input.event_kinds]
        return _endpoint(
            await resolvers.update(
                info.context,
                endpoint_id=input.webhook_endpoint_id,
                url=input.url,
                event_kinds=kinds,
                description=input.description,
                enabled=input.enabled,
            )
        )

    @strawberry.mutation(
        description="Give an endpoint a new signing secret; deliveries are signed with the old "
        "one too for `graceHours`."
    )
    async def webhook_endpoint_secret_rotate(
        self,
        info: Info,
        input: Annotated[
            WebhookEndpointSecretRotateInput, strawberry.argument(description="The input.")
        ],
    ) -> WebhookEndpointSecretPayload:
        return _issued(
            await resolvers.rotate_secret(
                info.context, endpoint_id=input.webhook_endpoint_id, grace_hours=input.grace_hours
            )
        )

    @strawberry.mutation(description="Delete a webhook endpoint and its delivery log.")
    async def webhook_endpoint_delete(
        self,
        info: Info,
        input: Annotated[WebhookEndpointInput, strawberry.argument(description="The input.")],
    ) -> WebhookEndpointDeletePayload:
        outcome = await resolvers.delete(info.context, endpoint_id=input.webhook_endpoint_id)
        if outcome.value is None:
            return WebhookEndpointDeletePayload(
                deleted_webhook_endpoint_id=None, user_errors=user_errors(outcome.errors)
            )
        return WebhookEndpointDeletePayload(
            deleted_webhook_endpoint_id=strawberry.ID(encode_id("WebhookEndpoint", outcome.value)),
            user_errors=[],
        )

    @strawberry.mutation(
        description="Send an endpoint a `WEBHOOK_TEST` event (in its turn, after what it has "
        "not received yet)."
    )
    async def webhook_endpoint_test(
        self,
        info: Info,
        input: Annotated[WebhookEndpointInput, strawberry.argument(description="The input.")],
    ) -> WebhookEndpointPayload:
        return _endpoint(
            await resolvers.send_test(info.context, endpoint_id=input.webhook_endpoint_id)
        )

    @strawberry.mutation(
        description="Deliver an endpoint's events again from an event cursor, in order."
    )
    async def webhook_endpoint_replay(
        self,
        info: Info,
        input: Annotated[WebhookEndpointReplayInput, strawberry.argument(description="The input.")],
    ) -> WebhookEndpointPayload:
        return _endpoint(
            await resolvers.replay(
                info.context, endpoint_id=input.webhook_endpoint_id, after=input.after
            )
        )

    @strawberry.mutation(description="Send one delivery again (same `webhook-id`).")
    async def webhook_delivery_redeliver(
        self,
        info: Info,
        input: Annotated[
            WebhookDeliveryRedeliverInput, strawberry.argument(description="The input.")
        ],
    ) -> WebhookDeliveryPayload:
        outcome = await resolvers.redeliver(info.context, delivery_id=input.webhook_delivery_id)
        if outcome.value is None:
            return WebhookDeliveryPayload(
                webhook_delivery=None, user_errors=user_errors(outcome.errors)
            )
        return WebhookDeliveryPayload(
            webhook_delivery=WebhookDelivery.from_model(outcome.value), user_errors=[]
        )
