"""Invitations to join an organisation: types, inputs and payloads."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry

from db.models import Invitation as InvitationModel
from db.models import InvitationStatus as InvitationStatusModel
from resolvers import invitations as resolvers
from resolvers.context import Context
from resolvers.services.ids import encode_id
from schema.errors import UserError
from schema.organisation import Membership, MembershipRole
from schema.relay import Node


@strawberry.enum(description="Where an invitation stands.")
class InvitationStatus(enum.Enum):
    """Invitation statuses; mirrors the stored ones."""

    PENDING = strawberry.enum_value("PENDING", description="Waiting for the invitee.")
    ACCEPTED = strawberry.enum_value("ACCEPTED", description="The invitee joined.")
    DECLINED = strawberry.enum_value("DECLINED", description="The invitee declined.")
    REVOKED = strawberry.enum_value("REVOKED", description="An owner or admin withdrew it.")


@strawberry.type(
    description="An invitation to join an organisation. It names an e-mail address, not an "
    "account: the organisation never learns whether an account uses the address until the "
    "invitee accepts."
)
class Invitation(Node):
    """An invitation."""

    email: str = strawberry.field(description="The invited e-mail address.")
    role: MembershipRole = strawberry.field(description="The role the invitee would get.")
    status: InvitationStatus = strawberry.field(description="Where it stands.")
    created_at: datetime = strawberry.field(description="When it was sent (UTC).")
    expires_at: datetime = strawberry.field(description="When it lapses (UTC).")
    _model: strawberry.Private[InvitationModel]

    @classmethod
    def from_model(cls, model: InvitationModel) -> Invitation:
        """Map a row."""
        return cls(
            id=strawberry.ID(encode_id("Invitation", model.id)),
            email=model.email,
            role=MembershipRole.from_model(model.role),
            status=InvitationStatus[InvitationStatusModel(model.status).name],
            created_at=model.created_at,
            expires_at=model.expires_at,
            _model=model,
        )

    @strawberry.field(description="The name of the organisation that invites.")
    async def organisation_name(self, info: strawberry.Info[Context, None]) -> str:
        return await resolvers.organisation_name(info.context, self._model)


@strawberry.input(
    description="Invite an e-mail address to an organisation. Owners invite anyone; admins invite "
    "staff. The invitee accepts with `invitationAccept`."
)
class InvitationCreateInput:
    """Invitation input."""

    organisation_id: strawberry.ID = strawberry.field(description="The organisation.")
    email: str = strawberry.field(description="The e-mail address to invite.")
    role: MembershipRole = strawberry.field(description="The role to give on joining.")


@strawberry.input(description="Answer or withdraw an invitation.")
class InvitationDecideInput:
    """Invitation decision input."""

    id: strawberry.ID = strawberry.field(description="The invitation.")


@strawberry.type(description="The result of an invitation mutation.")
class InvitationPayload:
    """Invitation result."""

    invitation: Invitation | None = strawberry.field(description="The invitation.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.type(description="The result of `invitationAccept`.")
class InvitationAcceptPayload:
    """Acceptance result."""

    invitation: Invitation | None = strawberry.field(description="The invitation, accepted.")
    membership: Membership | None = strawberry.field(description="The viewer's new membership.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")
