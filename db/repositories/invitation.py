"""Queries on invitations: an organisation's (for its owners and admins) and the viewer's."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Account,
    Invitation,
    InvitationStatus,
    Membership,
    MembershipRole,
    Organisation,
)

MANAGERS = (MembershipRole.OWNER, MembershipRole.ADMIN)


def _email_of(viewer_id: uuid.UUID) -> Any:
    """The viewer's normalised e-mail address, as a subquery."""
    return select(Account.email_normalised).where(Account.id == viewer_id).scalar_subquery()


def _managed_by(viewer_id: uuid.UUID) -> Any:
    """The organisations the viewer owns or administers, as a subquery."""
    return select(Membership.organisation_id).where(
        Membership.account_id == viewer_id, Membership.role.in_(MANAGERS)
    )


async def pending_for(
    session: AsyncSession, organisation_id: uuid.UUID, email_normalised: str, now: datetime
) -> Invitation | None:
    """The live invitation of an organisation to an address, if any."""
    stmt = select(Invitation).where(
        Invitation.organisation_id == organisation_id,
        Invitation.email_normalised == email_normalised,
        Invitation.status == InvitationStatus.PENDING,
        Invitation.expires_at > now,
    )
    return await session.scalar(stmt.limit(1))


async def managed(
    session: AsyncSession, viewer_id: uuid.UUID, organisation_id: uuid.UUID, now: datetime
) -> list[Invitation]:
    """An organisation's live invitations, newest first, if the viewer manages it."""
    stmt = (
        select(Invitation)
        .where(
            Invitation.organisation_id == organisation_id,
            Invitation.organisation_id.in_(_managed_by(viewer_id)),
            Invitation.status == InvitationStatus.PENDING,
            Invitation.expires_at > now,
        )
        .order_by(Invitation.id.desc())
        .limit(100)
    )
    return list((await session.scalars(stmt)).all())


async def addressed_to(
    session: AsyncSession, viewer_id: uuid.UUID, now: datetime
) -> list[Invitation]:
    """Live invitations to the viewer's e-mail address, newest first."""
    stmt = (
        select(Invitation)
        .where(
            Invitation.email_normalised == _email_of(viewer_id),
            Invitation.status == InvitationStatus.PENDING,
            Invitation.expires_at > now,
        )
        .order_by(Invitation.id.desc())
        .limit(100)
    )
    return list((await session.scalars(stmt)).all())


async def visible_by_ids(
    session: AsyncSession, viewer_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> list[Invitation]:
    """Invitations the viewer may see: those to its address, and those of organisations it
    manages."""
    if not ids:
        return []
    stmt = select(Invitation).where(
        Invitation.id.in_(ids),
        (Invitation.email_normalised == _email_of(viewer_id))
        | Invitation.organisation_id.in_(_managed_by(viewer_id)),
    )
    return list((await session.scalars(stmt)).all())


async def locked(session: AsyncSession, invitation_id: uuid.UUID) -> Invitation | None:
    """An invitation, locked for a decision."""
    return await session.get(
        Invitation, invitation_id, with_for_update=True, populate_existing=True
    )


async def organisation_name(session: AsyncSession, organisation_id: uuid.UUID) -> str:
    """The name of an invitation's organisation."""
    name = await session.scalar(select(Organisation.name).where(Organisation.id == organisation_id))
    return name or ""
