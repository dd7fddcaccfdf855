"""Queries on documents, lines, history and number series."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import ColumnElement, and_, delete, func, not_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models import (
    Direction,
    Document,
    DocumentHistory,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    InboxStatus,
    InboxTombstone,
    Membership,
    NumberSeries,
    PushStatus,
)
from db.pagination import Page, PageRequest, paginate
from db.rows import DocumentRow, LineRow


async def next_number(
    session: AsyncSession, organisation_id: uuid.UUID, gstin: str, kind: str, fiscal_year: str
) -> int:
    """Take the next automatic number of the series (creating it at 1), under its row lock."""
    for _ in range(2):
        value = await session.scalar(
            update(NumberSeries)
            .where(
                NumberSeries.organisation_id == organisation_id,
                NumberSeries.gstin == gstin,
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
                        gstin=gstin,
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
    session: AsyncSession,
    organisation_id: uuid.UUID,
    kind: str,
    fiscal_year: str,
    number: str,
    *,
    gstin: str = "",
    received_from: str = "",
) -> bool:
    """Whether the number is used in that series already (ours under ``gstin``, or one
    sender's)."""
    found = await session.scalar(
        select(Document.id).where(
            Document.organisation_id == organisation_id,
            Document.our_gstin == gstin,
            Document.kind == kind,
            Document.fiscal_year == fiscal_year,
            Document.number == number,
            Document.received_from == received_from,
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
    """The document we sent under a network id, locked."""
    return await session.scalar(
        select(Document)
        .where(Document.network_id == network_id, Document.direction == Direction.OUTGOING)
        .with_for_update()
    )


async def visible_by_ids(
    session: AsyncSession,
    viewer_id: uuid.UUID,
    ids: Sequence[uuid.UUID],
    *,
    organisation_id: uuid.UUID | None = None,
    for_update: bool = False,
) -> list[Document]:
    """Documents among ``ids`` in the viewer's organisations (in ``organisation_id`` only,
    when given); ``for_update`` locks them, in id order."""
    if not ids:
        return []
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer_id)
    stmt = select(Document).where(Document.id.in_(ids), Document.organisation_id.in_(mine))
    if organisation_id is not None:
        stmt = stmt.where(Document.organisation_id == organisation_id)
    if for_update:
        stmt = stmt.order_by(Document.id).with_for_update()
    return list((await session.scalars(stmt)).all())


async def lines_for(
    session: AsyncSession, viewer_id: uuid.UUID, document_ids: Sequence[uuid.UUID]
) -> list[LineRow]:
    """Lines of several visible documents, in position order (read-only rows)."""
    if not document_ids:
        return []
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer_id)
    visible_docs = select(Document.id).where(
        Document.id.in_(document_ids), Document.organisation_id.in_(mine)
    )
    stmt = (
        select(DocumentLine.__table__)
        .where(DocumentLine.document_id.in_(visible_docs))
        .order_by(DocumentLine.document_id, DocumentLine.position)
    )
    return cast("list[LineRow]", (await session.execute(stmt)).all())


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


@dataclass(frozen=True)
class DocumentFilter:
    """What a list of documents is narrowed to (``None``: any)."""

    kind: str | None = None
    status: str | None = None
    contact_id: uuid.UUID | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    direction: str | None = None
    inbox_status: str | None = None
    # Today (UTC): OVERDUE is derived from the due date, so a status filter needs it.
    today: dt.date | None = None


# Statuses an unpaid invoice or bill shows as OVERDUE once its due date has passed.
OVERDUE_FROM = ("SENT", "OPEN", "PARTIALLY_PAID")


def counted_credit_note(note: type[Document]) -> ColumnElement[bool]:
    """A note that reduces what its invoice or bill is owed: a seller's credit note or a
    buyer's debit note (a return), not void, and accepted through the network (the sender's
    push accepted, or accepted by us when received)."""
    return and_(
        note.kind.in_([DocumentKind.CREDIT_NOTE, DocumentKind.DEBIT_NOTE]),
        note.status != DocumentStatus.VOID,
        or_(note.push_status == PushStatus.ACCEPTED, note.inbox_status == InboxStatus.ACCEPTED),
    )


def overdue(today: dt.date) -> ColumnElement[bool]:
    """Invoices and bills past their due date with money outstanding (after payments and
    accepted credit notes)."""
    note = aliased(Document)
    credited = (
        select(func.coalesce(func.sum(note.total_paise), 0))
        .where(note.reference_id == Document.id, counted_credit_note(note))
        .scalar_subquery()
    )
    return and_(
        Document.kind == DocumentKind.INVOICE,
        Document.status.in_(OVERDUE_FROM),
        Document.due_date < today,
        Document.total_paise > Document.paid_paise + credited,
    )


async def page(
    session: AsyncSession,
    viewer_id: uuid.UUID,
    organisation_id: uuid.UUID,
    request: PageRequest,
    where: DocumentFilter,
) -> Page[DocumentRow]:
    """One page of an organisation's documents, filtered (read-only rows)."""
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer_id)
    stmt = select(Document.__table__).where(
        Document.organisation_id == organisation_id, Document.organisation_id.in_(mine)
    )
    status = where.status
    if status is not None and where.today is not None:
        if status == "OVERDUE":
            stmt = stmt.where(overdue(where.today))
            status = None
        elif status in OVERDUE_FROM:
            stmt = stmt.where(not_(overdue(where.today)))
    equal = {
        Document.kind: where.kind, Document.status: status,
        Document.contact_id: where.contact_id, Document.direction: where.direction,
        Document.inbox_status: where.inbox_status,
    }  # fmt: skip
    for column, value in equal.items():
        if value is not None:
            stmt = stmt.where(column == value)
    if where.date_from is not None:
        stmt = stmt.where(Document.document_date >= where.date_from)
    if where.date_to is not None:
        stmt = stmt.where(Document.document_date <= where.date_to)
    return cast("Page[DocumentRow]", await paginate(session, stmt, Document.id, request, rows=True))


async def received(
    session: AsyncSession, organisation_id: uuid.UUID, network_id: str
) -> Document | None:
    """A received document of the organisation by its network id, locked."""
    return await session.scalar(
        select(Document)
        .where(
            Document.organisation_id == organisation_id,
            Document.network_id == network_id,
            Document.direction == Direction.INCOMING,
        )
        .with_for_update()
    )


async def sent_by_network_id(
    session: AsyncSession, organisation_id: uuid.UUID, network_id: str
) -> Document | None:
    """One of the organisation's own documents by its network id."""
    return await session.scalar(
        select(Document).where(
            Document.organisation_id == organisation_id,
            Document.network_id == network_id,
            Document.direction == Direction.OUTGOING,
        )
    )


async def tombstone(
    session: AsyncSession, organisation_id: uuid.UUID, network_id: str, version: int
) -> InboxTombstone | None:
    """The tombstone of a rejected received document version."""
    return await session.scalar(
        select(InboxTombstone).where(
            InboxTombstone.organisation_id == organisation_id,
            InboxTombstone.network_id == network_id,
            InboxTombstone.version == version,
        )
    )


async def delete_received(session: AsyncSession, document: Document) -> None:
    """Delete a received document for good: its lines, history and the row itself."""
    await session.execute(
        update(Document).where(Document.reference_id == document.id).values(reference_id=None)
    )
    await session.execute(delete(DocumentLine).where(DocumentLine.document_id == document.id))
    await session.execute(delete(DocumentHistory).where(DocumentHistory.document_id == document.id))
    await session.delete(document)
    await session.flush()


async def lines_of(session: AsyncSession, document_id: uuid.UUID) -> list[DocumentLine]:
    """A document's lines in order (no tenant filter: for the service's own use)."""
    stmt = (
        select(DocumentLine)
        .where(DocumentLine.document_id == document_id)
        .order_by(DocumentLine.position)
    )
    return list((await session.scalars(stmt)).all())


async def delete_lines(session: AsyncSession, document_id: uuid.UUID) -> None:
    """Remove a document's lines (before writing new ones)."""
    await session.execute(delete(DocumentLine).where(DocumentLine.document_id == document_id))


async def notes_total(
    session: AsyncSession, reference_id: uuid.UUID, *, exclude: uuid.UUID | None
) -> int:
    """What our live notes against a document add up to, in paise: a note the receiver
    rejected or returned, or that was voided, does not count."""
    stmt = select(func.coalesce(func.sum(Document.total_paise), 0)).where(
        Document.reference_id == reference_id,
        Document.direction == Direction.OUTGOING,
        Document.status != DocumentStatus.VOID,
        Document.push_status != PushStatus.REJECTED,
    )
    if exclude is not None:
        stmt = stmt.where(Document.id != exclude)
    return int(await session.scalar(stmt) or 0)
