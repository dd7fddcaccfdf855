"""Resolvers for invitations."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from db.models import Invitation, Membership, MembershipRole
from db.repositories import invitation as repo
from resolvers import mutation
from resolvers.context import Context
from resolvers.mutation import Outcome
from resolvers.services import invitations

FIELD = ("input", "id")
T = TypeVar("T")


async def invite(
    context: Context, *, organisation_id: str, email: str, role: MembershipRole
) -> Outcome[Invitation]:
    """Invite an address to an organisation."""
    now = context.app.now()
    return await mutation.run_on(
        context, organisation_id, "Organisation", ("input", "organisationId"),
        lambda uow, viewer, key: invitations.invite(
            uow, viewer, organisation_id=key, email=email, role=role, now=now
        ),
    )  # fmt: skip


Decision = Callable[..., Awaitable[T]]


async def _decide(context: Context, invitation_id: str, decision: Decision[T]) -> Outcome[T]:
    """Run an answer to (or withdrawal of) the invitation a global id names."""
    now = context.app.now()
    return await mutation.run_on(
        context, invitation_id, "Invitation", FIELD,
        lambda uow, viewer, key: decision(uow, viewer, invitation_id=key, now=now),
    )  # fmt: skip


async def accept(context: Context, *, invitation_id: str) -> Outcome[tuple[Invitation, Membership]]:
    """Accept an invitation to the viewer's address."""
    return await _decide(context, invitation_id, invitations.accept)


async def decline(context: Context, *, invitation_id: str) -> Outcome[Invitation]:
    """Decline an invitation to the viewer's address."""
    return await _decide(context, invitation_id, invitations.decline)


async def revoke(context: Context, *, invitation_id: str) -> Outcome[Invitation]:
    """Withdraw a pending invitation."""
    return await _decide(context, invitation_id, invitations.revoke)


async def mine(context: Context) -> list[Invitation]:
    """Pending invitations to the viewer's e-mail address."""
    viewer = await context.require_viewer()
    async with context.app.db.read() as session:
        return await repo.addressed_to(session, viewer.account_id, context.app.now())


async def of_organisation(context: Context, organisation_id: uuid.UUID) -> list[Invitation]:
    """An organisation's pending invitations (empty unless the viewer is an owner or admin)."""
    viewer = await context.require_viewer()
    async with context.app.db.read() as session:
        return await repo.managed(session, viewer.account_id, organisation_id, context.app.now())


async def by_id(context: Context, invitation_id: uuid.UUID) -> Invitation | None:
    """An invitation the viewer may see."""
    viewer = await context.require_viewer()
    async with context.app.db.read() as session:
        found = await repo.visible_by_ids(session, viewer.account_id, [invitation_id])
    return found[0] if found else None


async def organisation_name(context: Context, invitation: Invitation) -> str:
    """The inviting organisation's name (the invitee is not a member yet)."""
    await context.require_viewer()
    async with context.app.db.read() as session:
        return await repo.organisation_name(session, invitation.organisation_id)
