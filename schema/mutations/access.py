"""Bharat Connect access: mutation fields."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers import access as access_resolvers
from resolvers.context import Context
from schema.errors import user_errors
from schema.organisation import Membership, NetworkAccessRequest
from schema.organisation_inputs import (
    MembershipNetworkAccessSetInput,
    MembershipUpdatePayload,
    NetworkAccessRequestCreateInput,
    NetworkAccessRequestDecideInput,
    NetworkAccessRequestPayload,
)

Info = strawberry.Info[Context, None]


@strawberry.type
class AccessMutations:
    """Bharat Connect access."""

    @strawberry.mutation(description="Grant or revoke a member's Bharat Connect access.")
    async def membership_network_access_set(
        self,
        info: Info,
        input: Annotated[
            MembershipNetworkAccessSetInput, strawberry.argument(description="The input.")
        ],
    ) -> MembershipUpdatePayload:
        outcome = await access_resolvers.set_access(
            info.context, membership_id=input.membership_id, granted=input.granted
        )
        return MembershipUpdatePayload(
            membership=None if outcome.value is None else Membership.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(description="Ask the owners and admins for Bharat Connect access.")
    async def network_access_request_create(
        self,
        info: Info,
        input: Annotated[
            NetworkAccessRequestCreateInput, strawberry.argument(description="The input.")
        ],
    ) -> NetworkAccessRequestPayload:
        outcome = await access_resolvers.request(
            info.context, organisation_id=input.organisation_id, note=input.note
        )
        return NetworkAccessRequestPayload(
            request=None
            if outcome.value is None
            else NetworkAccessRequest.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(description="Approve (granting access) or decline a request for access.")
    async def network_access_request_decide(
        self,
        info: Info,
        input: Annotated[
            NetworkAccessRequestDecideInput, strawberry.argument(description="The input.")
        ],
    ) -> NetworkAccessRequestPayload:
        outcome = await access_resolvers.decide(
            info.context, request_id=input.request_id, approve=input.approve
        )
        return NetworkAccessRequestPayload(
            request=None
            if outcome.value is None
            else NetworkAccessRequest.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )
