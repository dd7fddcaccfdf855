"""The inputs and results of the organisation, membership and access mutations (the types
themselves are in :mod:`schema.organisation`)."""

from __future__ import annotations

import strawberry

from schema.errors import UserError
from schema.organisation import Membership, MembershipRole, NetworkAccessRequest, Organisation


@strawberry.input(description="Grant or revoke a member's Bharat Connect access.")
class MembershipNetworkAccessSetInput:
    """Access grant input."""

    membership_id: strawberry.ID = strawberry.field(description="The membership.")
    granted: bool = strawberry.field(description="True to grant, false to revoke.")


@strawberry.input(description="Ask the owners and admins for Bharat Connect access.")
class NetworkAccessRequestCreateInput:
    """Access request input."""

    organisation_id: strawberry.ID = strawberry.field(description="The organisation.")
    note: str | None = strawberry.field(default=None, description="Why (≤ 500 characters).")


@strawberry.input(description="Approve (granting access) or decline a request.")
class NetworkAccessRequestDecideInput:
    """Decision input."""

    request_id: strawberry.ID = strawberry.field(description="The request.")
    approve: bool = strawberry.field(description="True to approve, false to decline.")


@strawberry.type(description="The result of an access request or decision.")
class NetworkAccessRequestPayload:
    """Request result."""

    request: NetworkAccessRequest | None = strawberry.field(description="The request.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.input(description="Create an organisation; you become its owner.")
class OrganisationCreateInput:
    """Organisation creation input."""

    name: str = strawberry.field(description="The organisation's name (≤ 200 characters).")
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Retry-safe key: the same key and input return the first result (kept 48 h).",
    )


@strawberry.type(description="The result of `organisationCreate`.")
class OrganisationCreatePayload:
    """Organisation creation result."""

    organisation: Organisation | None = strawberry.field(description="The organisation.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.input(description="Change an organisation's details (owners and admins).")
class OrganisationUpdateInput:
    """Organisation update input."""

    id: strawberry.ID = strawberry.field(description="The organisation.")
    name: str | None = strawberry.field(
        default=None, description="The new name (≤ 200 characters); unchanged when left out."
    )
    bill_approval_required: bool | None = strawberry.field(
        default=None,
        description="Whether accepted bills need an owner's or admin's approval before the "
        "acceptance completes; unchanged when left out.",
    )
    default_payment_terms_days: int | None = strawberry.field(
        default=None,
        description="Days from a document's date to its due date when neither the document nor "
        "its contact says (0 to 365); unchanged when left out.",
    )


@strawberry.type(description="The result of `organisationUpdate`.")
class OrganisationUpdatePayload:
    """Organisation update result."""

    organisation: Organisation | None = strawberry.field(description="The organisation.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.input(description="Change a member's role. Owners change any role; admins only staff.")
class MembershipUpdateInput:
    """Membership update input."""

    id: strawberry.ID = strawberry.field(description="The membership.")
    role: MembershipRole = strawberry.field(description="The new role.")


@strawberry.type(description="The result of `membershipUpdate`.")
class MembershipUpdatePayload:
    """Membership update result."""

    membership: Membership | None = strawberry.field(description="The membership.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.input(description="Remove a member, or leave (your own membership).")
class MembershipDeleteInput:
    """Membership deletion input."""

    id: strawberry.ID = strawberry.field(description="The membership.")


@strawberry.type(description="The result of `membershipDelete`.")
class MembershipDeletePayload:
    """Membership deletion result."""

    deleted_membership_id: strawberry.ID | None = strawberry.field(
        description="The id of the removed membership."
    )
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")
