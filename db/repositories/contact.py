"""Queries on contacts and bulk operations, always within one of the viewer's organisations."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import cast

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    BulkItemStatus,
    BulkOperation,
    BulkOperationItem,
    BulkStatus,
    Contact,
    Membership,
)
from db.pagination import Page, PageRequest, paginate
from db.rows import ContactRow


async def visible(
    session: AsyncSession, viewer_id: uuid.UUID, contact_id: uuid.UUID, *, for_update: bool = False
) -> Contact | None:
    """A contact of one of the viewer's organisations."""
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer_id)
    stmt = select(Contact).where(Contact.id == contact_id, Contact.organisation_id.in_(mine))
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def visible_by_ids(
    session: AsyncSession, viewer_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> list[ContactRow]:
    """Contacts among ``ids`` in the viewer's organisations (read-only rows)."""
    if not ids:
        return []
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer_id)
    stmt = select(Contact.__table__).where(Contact.id.in_(ids), Contact.organisation_id.in_(mine))
    return cast("list[ContactRow]", (await session.execute(stmt)).all())


async def same_gstin_many(
    session: AsyncSession, viewer_id: uuid.UUID, keys: Sequence[tuple[uuid.UUID, str]], limit: int
) -> list[Contact]:
    """Live contacts holding each (organisation, GSTIN) pair that the viewer may see, at most
    ``limit`` per pair (lowest ids first), in one statement."""
    if not keys:
        return []
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer_id)
    organisations = {organisation for organisation, _ in keys}
    gstins = {gstin for _, gstin in keys}
    numbered = (
        select(
            Contact.id.label("contact_id"),
            func.row_number()
            .over(partition_by=(Contact.organisation_id, Contact.gstin), order_by=Contact.id)
            .label("position"),
        )
        .where(
            Contact.organisation_id.in_(organisations),
            Contact.organisation_id.in_(mine),
            Contact.gstin.in_(gstins),
            Contact.archived_at.is_(None),
        )
        .subquery()
    )
    stmt = (
        select(Contact)
        .join(numbered, numbered.c.contact_id == Contact.id)
        .where(numbered.c.position <= limit)
        .order_by(Contact.id)
    )
    return list((await session.scalars(stmt)).all())


async def page(
    session: AsyncSession,
    viewer_id: uuid.UUID,
    organisation_id: uuid.UUID,
    request: PageRequest,
    *,
    kind: str | None,
    linked: bool | None,
    search: str | None,
    include_archived: bool,
) -> Page[Contact]:
    """One page of an organisation's contacts, filtered."""
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer_id)
    stmt = select(Contact).where(
        Contact.organisation_id == organisation_id, Contact.organisation_id.in_(mine)
    )
    if kind == "CUSTOMER":
        stmt = stmt.where(Contact.is_customer.is_(True))
    elif kind == "VENDOR":
        stmt = stmt.where(Contact.is_vendor.is_(True))
    if linked is True:
        stmt = stmt.where(Contact.b2b_id.is_not(None))
    elif linked is False:
        stmt = stmt.where(Contact.b2b_id.is_(None))
    if not include_archived:
        stmt = stmt.where(Contact.archived_at.is_(None))
    if search:
        needle = search.strip().lower()
        stmt = stmt.where(
            or_(
                func.lower(Contact.display_name).contains(needle, autoescape=True),
                func.lower(Contact.legal_name).contains(needle, autoescape=True),
                func.lower(func.coalesce(Contact.gstin, "")).contains(needle, autoescape=True),
                func.lower(func.coalesce(Contact.email, "")).contains(needle, autoescape=True),
            )
        )
    return await paginate(session, stmt, Contact.id, request)


async def searchable(session: AsyncSession, organisation_id: uuid.UUID) -> list[Contact]:
    """Live contacts with a GSTIN and no B2B ID: what a bulk search covers."""
    stmt = (
        select(Contact)
        .where(
            Contact.organisation_id == organisation_id,
            Contact.gstin.is_not(None),
            Contact.b2b_id.is_(None),
            Contact.archived_at.is_(None),
        )
        .order_by(Contact.id)
    )
    return list((await session.scalars(stmt)).all())


async def running_operation(
    session: AsyncSession, organisation_id: uuid.UUID, kind: str
) -> BulkOperation | None:
    """The organisation's running bulk operation of this kind, if any."""
    return await session.scalar(
        select(BulkOperation).where(
            BulkOperation.organisation_id == organisation_id,
            BulkOperation.kind == kind,
            BulkOperation.status == BulkStatus.RUNNING,
        )
    )


async def operation(
    session: AsyncSession, operation_id: uuid.UUID, *, for_update: bool = False
) -> BulkOperation | None:
    """A bulk operation by id (no tenant filter: for the dispatcher)."""
    stmt = select(BulkOperation).where(BulkOperation.id == operation_id)
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def visible_operation(
    session: AsyncSession, viewer_id: uuid.UUID, operation_id: uuid.UUID
) -> BulkOperation | None:
    """A bulk operation of one of the viewer's organisations."""
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer_id)
    return await session.scalar(
        select(BulkOperation).where(
            BulkOperation.id == operation_id, BulkOperation.organisation_id.in_(mine)
        )
    )


async def pending_items(
    session: AsyncSession, operation_id: uuid.UUID, limit: int
) -> list[BulkOperationItem]:
    """Items still to do, in order."""
    stmt = (
        select(BulkOperationItem)
        .where(
            BulkOperationItem.operation_id == operation_id,
            BulkOperationItem.status == BulkItemStatus.PENDING,
        )
        .order_by(BulkOperationItem.id)
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())


async def items_page(
    session: AsyncSession, operation_id: uuid.UUID, request: PageRequest, outcome: str | None
) -> Page[BulkOperationItem]:
    """One page of an operation's items (the caller checked the operation is visible)."""
    stmt = select(BulkOperationItem).where(BulkOperationItem.operation_id == operation_id)
    if outcome is not None:
        stmt = stmt.where(BulkOperationItem.result["outcome"].as_string() == outcome)
    return await paginate(session, stmt, BulkOperationItem.id, request)


async def counterparty(
    session: AsyncSession, organisation_id: uuid.UUID, b2b_id: str, gstin: str | None
) -> Contact | None:
    """The live contact linked to ``b2b_id``, else one with ``gstin`` (oldest first)."""
    base = select(Contact).where(
        Contact.organisation_id == organisation_id, Contact.archived_at.is_(None)
    )
    linked = await session.scalar(
        base.where(func.lower(Contact.b2b_id) == b2b_id.lower()).order_by(Contact.id).limit(1)
    )
    if linked is not None or gstin is None:
        return linked
    return await session.scalar(base.where(Contact.gstin == gstin).order_by(Contact.id).limit(1))
