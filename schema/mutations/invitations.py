"""Invitations: mutation fields."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers import invitations as resolvers
from resolvers.context import Context
from schema.errors import user_errors
from schema.invitation import (
    Invitation,
    InvitationAcceptPayload,
    InvitationCreateInput,
    InvitationDecideInput,
    InvitationPayload,
)
from schema.organisation import Membership

Info = strawberry.Info[Context, None]
Decide = Annotated[InvitationDecideInput, strawberry.argument(description="The input.")]


@strawberry.type
class InvitationsMutations:
    """Invitations."""

    @strawberry.mutation(
        description="Invite an e-mail address to join (owners and admins). Inviting again while "
        "an invitation is pending changes its role and extends it."
    )
    async def invitation_create(
        self,
        info: Info,
        input: Annotated[InvitationCreateInput, strawberry.argument(description="The input.")],
    ) -> InvitationPayload:
        outcome = await resolvers.invite(
            info.context,
            organisation_id=input.organisation_id,
            email=input.email,
            role=input.role.to_model(),
        )
        return InvitationPayload(
            invitation=None if outcome.value is None else Invitation.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(description="Accept an invitation to your e-mail address: you join.")
    async def invitation_accept(self, info: Info, input: Decide) -> InvitationAcceptPayload:
        outcome = await resolvers.accept(info.context, invitation_id=input.id)
        if outcome.value is None:
            return InvitationAcceptPayload(
                invitation=None, membership=None, user_errors=user_errors(outcome.errors)
            )
        invitation, membership = outcome.value
        return InvitationAcceptPayload(
            invitation=Invitation.from_model(invitation),
            membership=Membership.from_model(membership),
            user_errors=[],
        )

    @strawberry.mutation(description="Decline an invitation to your e-mail address.")
    async def invitation_decline(self, info: Info, input: Decide) -> InvitationPayload:
        outcome = await resolvers.decline(info.context, invitation_id=input.id)
        return InvitationPayload(
            invitation=None if outcome.value is None else Invitation.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(description="Withdraw a pending invitation (owners and admins).")
    async def invitation_revoke(self, info: Info, input: Decide) -> InvitationPayload:
        outcome = await resolvers.revoke(info.context, invitation_id=input.id)
        return InvitationPayload(
            invitation=None if outcome.value is None else Invitation.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )
