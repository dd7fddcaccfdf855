"""API keys: mutation fields."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers import api_keys as resolvers
from resolvers.context import Context
from resolvers.mutation import Outcome
from resolvers.services.api_keys import IssuedKey
from schema.api_keys import (
    ApiKey,
    ApiKeyCreateInput,
    ApiKeyRevokeInput,
    ApiKeyRevokePayload,
    ApiKeyRotateInput,
    ApiKeySecretPayload,
)
from schema.errors import user_errors

Info = strawberry.Info[Context, None]


def _issued(outcome: Outcome[IssuedKey]) -> ApiKeySecretPayload:
    if outcome.value is None:
        return ApiKeySecretPayload(
            api_key=None, secret=None, user_errors=user_errors(outcome.errors)
        )
    return ApiKeySecretPayload(
        api_key=ApiKey.from_model(outcome.value.key), secret=outcome.value.secret, user_errors=[]
    )


@strawberry.type
class ApiKeysMutations:
    """API keys."""

    @strawberry.mutation(
        description="Create an API key for an organisation you own (its secret is shown once)."
    )
    async def api_key_create(
        self,
        info: Info,
        input: Annotated[ApiKeyCreateInput, strawberry.argument(description="The input.")],
    ) -> ApiKeySecretPayload:
        return _issued(
            await resolvers.create(
                info.context,
                organisation_id=input.organisation_id,
                name=input.name,
                scopes=[scope.name.lower() for scope in input.scopes],
            )
        )

    @strawberry.mutation(
        description="Give a key a new secret; its earlier secrets keep working for `graceHours`."
    )
    async def api_key_rotate(
        self,
        info: Info,
        input: Annotated[ApiKeyRotateInput, strawberry.argument(description="The input.")],
    ) -> ApiKeySecretPayload:
        return _issued(
            await resolvers.rotate(
                info.context, api_key_id=input.api_key_id, grace_hours=input.grace_hours
            )
        )

    @strawberry.mutation(description="Revoke a key (sockets opened with it close at once).")
    async def api_key_revoke(
        self,
        info: Info,
        input: Annotated[ApiKeyRevokeInput, strawberry.argument(description="The input.")],
    ) -> ApiKeyRevokePayload:
        outcome = await resolvers.revoke(info.context, api_key_id=input.api_key_id)
        if outcome.value is None:
            return ApiKeyRevokePayload(api_key=None, user_errors=user_errors(outcome.errors))
        return ApiKeyRevokePayload(api_key=ApiKey.from_model(outcome.value), user_errors=[])
