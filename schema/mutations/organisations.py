"""Organisations and memberships: mutation fields."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers import organisation as organisation_resolvers
from resolvers.context import Context
from schema.errors import user_errors
from schema.organisation import Membership, Organisation
from schema.organisation_inputs import (
    MembershipDeleteInput,
    MembershipDeletePayload,
    MembershipUpdateInput,
    MembershipUpdatePayload,
    OrganisationCreateInput,
    OrganisationCreatePayload,
    OrganisationUpdateInput,
    OrganisationUpdatePayload,
)

Info = strawberry.Info[Context, None]


@strawberry.type
class OrganisationsMutations:
    """Organisations and memberships."""

    @strawberry.mutation(description="Create an organisation; you become its owner.")
    async def organisation_create(
        self,
        info: Info,
        input: Annotated[OrganisationCreateInput, strawberry.argument(description="The input.")],
    ) -> OrganisationCreatePayload:
        outcome = await organisation_resolvers.create(
            info.context, name=input.name, idempotency_key=input.idempotency_key
        )
        return OrganisationCreatePayload(
            organisation=None if outcome.value is None else Organisation.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(
        description="Rename an organisation or change its settings (owners and admins)."
    )
    async def organisation_update(
        self,
        info: Info,
        input: Annotated[OrganisationUpdateInput, strawberry.argument(description="The input.")],
    ) -> OrganisationUpdatePayload:
        outcome = await organisation_resolvers.update(
            info.context, organisation_id=input.id, name=input.name,
            bill_approval_required=input.bill_approval_required,
            default_payment_terms_days=input.default_payment_terms_days,
        )  # fmt: skip
        return OrganisationUpdatePayload(
            organisation=None if outcome.value is None else Organisation.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(description="Change a member's role.")
    async def membership_update(
        self,
        info: Info,
        input: Annotated[MembershipUpdateInput, strawberry.argument(description="The input.")],
    ) -> MembershipUpdatePayload:
        outcome = await organisation_resolvers.change_role(
            info.context, membership_id=input.id, role=input.role.to_model()
        )
        return MembershipUpdatePayload(
            membership=None if outcome.value is None else Membership.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(description="Remove a member, or leave an organisation.")
    async def membership_delete(
        self,
        info: Info,
        input: Annotated[MembershipDeleteInput, strawberry.argument(description="The input.")],
    ) -> MembershipDeletePayload:
        outcome = await organisation_resolvers.remove_member(info.context, membership_id=input.id)
        return MembershipDeletePayload(
            deleted_membership_id=None if outcome.value is None else input.id,
            user_errors=user_errors(outcome.errors),
        )
