"""Queries on documents, lines, history and number series."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Document, DocumentHistory, DocumentLine, Membership, NumberSeries
from db.pagination import Page, PageRequest, paginate


async def next_number(
    session: AsyncSession, organisation_id: uuid.UUID, kind: str, fiscal_year: str
) -> int:
    """Take the next automatic number of the series (creating it at 1), under its row lock."""
    for _ in range(2):
        value = await session.scalar(
            update(NumberSeries)
            .where(
                NumberSeries.organisation_id == organisation_id,
                NumberSeries.kind == kind,
                NumberSeries.fiscal_year == fiscal_year,
            )
            .values(next_value=NumberSeries.next_value + 1)
            .returning(NumberSeries.next_value)
        )
        if value is not None:
            return int(value) - 1
        try:
            async with session.begin_nested():
                session.add(
                    NumberSeries(
                        organisation_id=organisation_id,
                        kind=kind,
                        fiscal_year=fiscal_year,
                        next_value=1,
                    )
                )
                await session.flush()
        except IntegrityError:
            continue  # created concurrently: take from it
    msg = "number series unavailable"  # pragma: no cover - only after two concurrent creations
    raise RuntimeError(msg)


async def number_taken(
    session: AsyncSession, organisation_id: uuid.UUID, kind: str, fiscal_year: str, number: str
) -> bool:
    """Whether the number is used in that series already."""
    found = await session.scalar(
        select(Document.id).where(
            Document.organisation_id == organisation_id,
            Document.kind == kind,
            Document.fiscal_year == fiscal_year,
            Document.number == number,
        )
    )
    return found is not None


async def visible(
    session: AsyncSession, viewer_id: uuid.UUID, document_id: uuid.UUID, *, for_update: bool = False
) -> Document | None:
    """A document of one of the viewer's organisations."""
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer_id)
    stmt = select(Document).where(Document.id == document_id, Document.organisation_id.in_(mine))
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def locked(session: AsyncSession, document_id: uuid.UUID) -> Document | None:
    """A document by id, locked (for the dispatcher; no tenant filter)."""
    return await session.scalar(
        select(Document).where(Document.id == document_id).with_for_update()
    )


async def by_network_id(session: AsyncSession, network_id: str) -> Document | None:
    """The document sent under a network id, locked."""
    return await session.scalar(
        select(Document).where(Document.network_id == network_id).with_for_update()
    )


async def visible_by_ids(
    session: AsyncSession, viewer_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> list[Document]:
    """Documents among ``ids`` in the viewer's organisations."""
    if not ids:
        return []
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer_id)
    return list(
        (
            await session.scalars(
                select(Document).where(Document.id.in_(ids), Document.organisation_id.in_(mine))
            )
        ).all()
    )


async def lines_for(
    session: AsyncSession, viewer_id: uuid.UUID, document_ids: Sequence[uuid.UUID]
) -> list[DocumentLine]:
    """Lines of several visible documents, in position order."""
    if not document_ids:
        return []
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer_id)
    visible_docs = select(Document.id).where(
        Document.id.in_(document_ids), Document.organisation_id.in_(mine)
    )
    stmt = (
        select(DocumentLine)
        .where(DocumentLine.document_id.in_(visible_docs))
        .order_by(DocumentLine.document_id, DocumentLine.position)
    )
    return list((await session.scalars(stmt)).all())


async def history_for(
    session: AsyncSession, viewer_id: uuid.UUID, document_ids: Sequence[uuid.UUID]
) -> list[DocumentHistory]:
    """History of several visible documents, oldest first."""
    if not document_ids:
        return []
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer_id)
    visible_docs = select(Document.id).where(
        Document.id.in_(document_ids), Document.organisation_id.in_(mine)
    )
    stmt = (
        select(DocumentHistory)
        .where(DocumentHistory.document_id.in_(visible_docs))
        .order_by(DocumentHistory.id)
    )
    return list((await session.scalars(stmt)).all())


async def page(
    session: AsyncSession,
    viewer_id: uuid.UUID,
    organisation_id: uuid.UUID,
    request: PageRequest,
    *,
    kind: str | None,
    status: str | None,
    contact_id: uuid.UUID | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
) -> Page[Document]:
    """One page of an organisation's documents, filtered."""
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer_id)
    stmt = select(Document).where(
        Document.organisation_id == organisation_id, Document.organisation_id.in_(mine)
    )
    if kind is not None:
        stmt = stmt.where(Document.kind == kind)
    if status is not None:
        stmt = stmt.where(Document.status == status)
    if contact_id is not None:
        stmt = stmt.where(Document.contact_id == contact_id)
    if date_from is not None:
        stmt = stmt.where(Document.document_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(Document.document_date <= date_to)
    return await paginate(session, stmt, Document.id, request)
