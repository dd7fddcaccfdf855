"""The ``Organisation.webhookEndpoints`` field (a base of ``Organisation``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from resolvers import webhooks as resolvers
from resolvers.context import Context

if TYPE_CHECKING:
    from schema.webhooks import WebhookEndpoint


@strawberry.type
class OrganisationWebhooks:
    """Adds the organisation's webhook endpoints."""

    @strawberry.field(
        description="Its webhook endpoints, oldest first (owners and admins see them; others "
        "none; at most 20)."
    )
    async def webhook_endpoints(
        self, info: strawberry.Info[Context, None]
    ) -> list[Annotated[WebhookEndpoint, strawberry.lazy("schema.webhooks")]]:
        from schema.webhooks import WebhookEndpoint

        model = self._model  # type: ignore[attr-defined]
        found = await resolvers.of_organisation(info.context, model.id)
        return [WebhookEndpoint.from_model(endpoint) for endpoint in found]
