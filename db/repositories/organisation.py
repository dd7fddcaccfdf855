"""Queries on organisations and memberships, always through the viewer's memberships."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Account,
    AccountKind,
    Membership,
    MembershipRole,
    NetworkAccessRequest,
    Organisation,
)
from db.pagination import Page, PageRequest, paginate


async def add(session: AsyncSession, *, organisation_id: uuid.UUID, name: str) -> Organisation:
    """Insert an organisation."""
    organisation = Organisation(id=organisation_id, name=name)
    session.add(organisation)
    await session.flush()
    return organisation


async def add_membership(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    account_id: uuid.UUID,
    role: MembershipRole,
) -> Membership:
    """Insert a membership."""
    membership = Membership(organisation_id=organisation_id, account_id=account_id, role=role)
    session.add(membership)
    await session.flush()
    return membership


async def for_viewer_page(
    session: AsyncSession, viewer_id: uuid.UUID, request: PageRequest
) -> Page[Organisation]:
    """The viewer's organisations, one page."""
    stmt = select(Organisation).where(
        Organisation.id.in_(
            select(Membership.organisation_id).where(Membership.account_id == viewer_id)
        )
    )
    return await paginate(session, stmt, Organisation.id, request)


async def visible_by_ids(
    session: AsyncSession, viewer_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> list[Organisation]:
    """Organisations among ``ids`` the viewer belongs to."""
    if not ids:
        return []
    stmt = (
        select(Organisation)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(Organisation.id.in_(ids), Membership.account_id == viewer_id)
    )
    return list((await session.scalars(stmt)).all())


async def viewer_memberships(
    session: AsyncSession, viewer_id: uuid.UUID, organisation_ids: Sequence[uuid.UUID]
) -> list[Membership]:
    """The viewer's own memberships in these organisations."""
    if not organisation_ids:
        return []
    stmt = select(Membership).where(
        Membership.account_id == viewer_id, Membership.organisation_id.in_(organisation_ids)
    )
    return list((await session.scalars(stmt)).all())


async def visible_memberships_by_ids(
    session: AsyncSession, viewer_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> list[Membership]:
    """Memberships among ``ids`` in organisations the viewer belongs to."""
    if not ids:
        return []
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer_id)
    stmt = select(Membership).where(Membership.id.in_(ids), Membership.organisation_id.in_(mine))
    return list((await session.scalars(stmt)).all())


# Members who are people: an API key's account is a member of its organisation, but is listed
# with the organisation's keys, not its members.
_PEOPLE = select(Account.id).where(Account.kind == AccountKind.PERSON)


async def members_page(
    session: AsyncSession, viewer_id: uuid.UUID, organisation_id: uuid.UUID, request: PageRequest
) -> Page[Membership]:
    """One page of an organisation's memberships; empty unless the viewer belongs to it."""
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer_id)
    stmt = select(Membership).where(
        Membership.organisation_id == organisation_id,
        Membership.organisation_id.in_(mine),
        Membership.account_id.in_(_PEOPLE),
    )
    return await paginate(session, stmt, Membership.id, request)


async def lock_for_viewer(
    session: AsyncSession,
    viewer_id: uuid.UUID,
    organisation_id: uuid.UUID,
    *,
    shared: bool = False,
) -> tuple[Organisation, Membership] | None:
    """Lock the organisation row (PostgreSQL) and return it with the viewer's membership.

    Membership changes take this lock first, so two of them in one organisation never race
    (for instance two owners removing each other). ``shared``: a ``FOR KEY SHARE`` lock, for
    work that only needs the membership to hold until it commits (creating a document): it
    waits for membership changes and they for it, but not for each other, nor for the event
    counter's update at commit.
    """
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer_id)
    organisation = await session.scalar(
        select(Organisation)
        .where(Organisation.id == organisation_id, Organisation.id.in_(mine))
        .with_for_update(key_share=shared)
    )
    if organisation is None:
        return None
    membership = await session.scalar(
        select(Membership).where(
            Membership.organisation_id == organisation_id, Membership.account_id == viewer_id
        )
    )
    if membership is None:  # pragma: no cover - removed between the two reads under the lock
        return None
    return organisation, membership


async def lock(session: AsyncSession, organisation_id: uuid.UUID) -> Organisation | None:
    """Lock an organisation row (PostgreSQL), whoever asks (an invitee joining)."""
    return await session.scalar(
        select(Organisation).where(Organisation.id == organisation_id).with_for_update()
    )


async def members_among(
    session: AsyncSession, organisation_id: uuid.UUID, account_ids: set[uuid.UUID]
) -> set[uuid.UUID]:
    """Those of ``account_ids`` that are members of ``organisation_id``."""
    if not account_ids:
        return set()
    rows = await session.scalars(
        select(Membership.account_id).where(
            Membership.organisation_id == organisation_id,
            Membership.account_id.in_(list(account_ids)),
        )
    )
    return set(rows.all())


async def membership_in(
    session: AsyncSession, organisation_id: uuid.UUID, account_id: uuid.UUID
) -> Membership | None:
    """The membership of ``account_id`` in ``organisation_id``, if any."""
    return await session.scalar(
        select(Membership).where(
            Membership.organisation_id == organisation_id, Membership.account_id == account_id
        )
    )


async def membership_by_id(
    session: AsyncSession, viewer_id: uuid.UUID, membership_id: uuid.UUID
) -> Membership | None:
    """A membership in one of the viewer's organisations."""
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer_id)
    return await session.scalar(
        select(Membership).where(
            Membership.id == membership_id, Membership.organisation_id.in_(mine)
        )
    )


async def count_owners(session: AsyncSession, organisation_id: uuid.UUID) -> int:
    """How many owners the organisation has."""
    count = await session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(
            Membership.organisation_id == organisation_id, Membership.role == MembershipRole.OWNER
        )
    )
    return int(count or 0)


async def delete_membership(session: AsyncSession, membership_id: uuid.UUID) -> None:
    """Delete a membership."""
    await session.execute(delete(Membership).where(Membership.id == membership_id))


async def first_members_pages(
    session: AsyncSession, viewer_id: uuid.UUID, organisation_ids: Sequence[uuid.UUID], first: int
) -> dict[uuid.UUID, Page[Membership]]:
    """The first ``first`` members of each of several organisations, in one statement.

    Used when a list of organisations each asks for its members: a window function numbers
    each organisation's members, so the statement count does not grow with the list.
    """
    if not organisation_ids:
        return {}
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer_id)
    numbered = (
        select(
            Membership.id.label("membership_id"),
            func.row_number()
            .over(partition_by=Membership.organisation_id, order_by=Membership.id)
            .label("position"),
        )
        .where(
            Membership.organisation_id.in_(organisation_ids),
            Membership.organisation_id.in_(mine),
            Membership.account_id.in_(_PEOPLE),
        )
        .subquery()
    )
    stmt = (
        select(Membership)
        .join(numbered, numbered.c.membership_id == Membership.id)
        .where(numbered.c.position <= first + 1)
        .order_by(Membership.organisation_id, Membership.id)
    )
    rows: dict[uuid.UUID, list[Membership]] = {key: [] for key in organisation_ids}
    for membership in (await session.scalars(stmt)).all():
        rows[membership.organisation_id].append(membership)
    return {
        key: Page(items[:first], has_next_page=len(items) > first, has_previous_page=False)
        for key, items in rows.items()
    }


async def visible_access_request(
    session: AsyncSession, viewer_id: uuid.UUID, request_id: uuid.UUID
) -> NetworkAccessRequest | None:
    """A network access request in one of the viewer's organisations."""
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer_id)
    return await session.scalar(
        select(NetworkAccessRequest).where(
            NetworkAccessRequest.id == request_id, NetworkAccessRequest.organisation_id.in_(mine)
        )
    )
