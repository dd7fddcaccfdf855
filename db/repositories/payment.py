"""Queries on payments, their allocations and settlement lines."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Document,
    Membership,
    Payment,
    PaymentAllocation,
    PaymentDirection,
    SettlementEntry,
)
from db.pagination import Page, PageRequest, paginate


def _mine(viewer_id: uuid.UUID) -> Select[uuid.UUID]:
    return select(Membership.organisation_id).where(Membership.account_id == viewer_id)


async def visible(
    session: AsyncSession, viewer_id: uuid.UUID, payment_id: uuid.UUID, *, for_update: bool = False
) -> Payment | None:
    """A payment of one of the viewer's organisations."""
    stmt = select(Payment).where(
        Payment.id == payment_id, Payment.organisation_id.in_(_mine(viewer_id))
    )
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def visible_by_ids(
    session: AsyncSession, viewer_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> list[Payment]:
    """The payments among ``ids`` the viewer may see (one query)."""
    if not ids:
        return []
    stmt = select(Payment).where(Payment.id.in_(ids), Payment.organisation_id.in_(_mine(viewer_id)))
    return list((await session.scalars(stmt)).all())


async def by_network_id(
    session: AsyncSession,
    network_id: str,
    direction: PaymentDirection,
    organisation_id: uuid.UUID | None = None,
) -> Payment | None:
    """A payment by its network id (locked): ours to pay, or one received."""
    stmt = select(Payment).where(Payment.network_id == network_id, Payment.direction == direction)
    if organisation_id is not None:
        stmt = stmt.where(Payment.organisation_id == organisation_id)
    return await session.scalar(stmt.with_for_update())


async def locked(session: AsyncSession, payment_id: uuid.UUID) -> Payment | None:
    """A payment by id, locked (for the dispatcher; no tenant filter)."""
    return await session.scalar(select(Payment).where(Payment.id == payment_id).with_for_update())


async def allocations_of(
    session: AsyncSession, payment_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[PaymentAllocation]]:
    """Each payment's allocations in order (one query)."""
    found: dict[uuid.UUID, list[PaymentAllocation]] = {i: [] for i in payment_ids}
    if not payment_ids:
        return found
    rows = await session.scalars(
        select(PaymentAllocation)
        .where(PaymentAllocation.payment_id.in_(payment_ids))
        .order_by(PaymentAllocation.payment_id, PaymentAllocation.position)
    )
    for row in rows:
        found[row.payment_id].append(row)
    return found


# The most payments one document lists (all of them: ``organisation.payments(documentId:)``).
MAX_PAYMENTS_PER_DOCUMENT = 100


async def payments_of_documents(
    session: AsyncSession, viewer_id: uuid.UUID, document_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Payment]]:
    """The first :data:`MAX_PAYMENTS_PER_DOCUMENT` payments allocated to each document, oldest
    first (one query: a window numbers each document's payments)."""
    found: dict[uuid.UUID, list[Payment]] = {i: [] for i in document_ids}
    if not document_ids:
        return found
    numbered = (
        select(
            PaymentAllocation.document_id.label("document_id"),
            PaymentAllocation.payment_id.label("payment_id"),
            func.row_number()
            .over(partition_by=PaymentAllocation.document_id, order_by=PaymentAllocation.payment_id)
            .label("n"),
        )
        .where(PaymentAllocation.document_id.in_(document_ids))
        .subquery()
    )
    rows = await session.execute(
        select(numbered.c.document_id, Payment)
        .join(Payment, Payment.id == numbered.c.payment_id)
        .where(
            numbered.c.n <= MAX_PAYMENTS_PER_DOCUMENT,
            Payment.organisation_id.in_(_mine(viewer_id)),
        )
        .order_by(Payment.id)
    )
    for document_id, payment in rows.all():
        found[document_id].append(payment)
    return found


async def lock_documents(
    session: AsyncSession, organisation_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Document]:
    """The organisation's documents among ``ids``, locked in id order (so that two payments
    of the same bills never wait on each other crosswise)."""
    rows = await session.scalars(
        select(Document)
        .where(Document.id.in_(ids), Document.organisation_id == organisation_id)
        .order_by(Document.id)
        .with_for_update()
    )
    return {d.id: d for d in rows}


async def documents_by_network_ids(
    session: AsyncSession, organisation_id: uuid.UUID, network_ids: Sequence[str]
) -> dict[str, Document]:
    """The organisation's documents among these network ids, locked in id order."""
    rows = await session.scalars(
        select(Document)
        .where(Document.network_id.in_(network_ids), Document.organisation_id == organisation_id)
        .order_by(Document.id)
        .with_for_update()
    )
    return {d.network_id: d for d in rows if d.network_id is not None}


@dataclass(frozen=True)
class PaymentFilter:
    """What a list of payments is narrowed to (``None``: any)."""

    direction: str | None = None
    status: str | None = None
    contact_id: uuid.UUID | None = None
    document_id: uuid.UUID | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


async def page(
    session: AsyncSession,
    viewer_id: uuid.UUID,
    organisation_id: uuid.UUID,
    request: PageRequest,
    where: PaymentFilter,
) -> Page[Payment]:
    """One page of an organisation's payments (newest key last), filtered."""
    stmt = select(Payment).where(
        Payment.organisation_id == organisation_id,
        Payment.organisation_id.in_(_mine(viewer_id)),
    )
    if where.direction is not None:
        stmt = stmt.where(Payment.direction == where.direction)
    if where.status is not None:
        stmt = stmt.where(Payment.status == where.status)
    if where.contact_id is not None:
        stmt = stmt.where(Payment.contact_id == where.contact_id)
    if where.document_id is not None:
        stmt = stmt.where(
            Payment.id.in_(
                select(PaymentAllocation.payment_id).where(
                    PaymentAllocation.document_id == where.document_id
                )
            )
        )
    if where.date_from is not None:
        stmt = stmt.where(Payment.paid_on >= where.date_from)
    if where.date_to is not None:
        stmt = stmt.where(Payment.paid_on <= where.date_to)
    return await paginate(session, stmt, Payment.id, request)


async def settlement_page(
    session: AsyncSession,
    organisation_id: uuid.UUID,
    date_from: dt.date,
    date_to: dt.date,
    request: PageRequest,
) -> Page[SettlementEntry]:
    """One page of settlement lines of days in a range."""
    stmt = select(SettlementEntry).where(
        SettlementEntry.organisation_id == organisation_id,
        SettlementEntry.day >= date_from,
        SettlementEntry.day <= date_to,
    )
    return await paginate(session, stmt, SettlementEntry.id, request)


async def settlement_summary(
    session: AsyncSession, organisation_id: uuid.UUID, date_from: dt.date, date_to: dt.date
) -> list[tuple[str, str, int, int, int]]:
    """(match status, direction, lines, paise, difference) over a range (one query)."""
    rows = await session.execute(
        select(
            SettlementEntry.match_status, SettlementEntry.direction, func.count(),
            func.coalesce(func.sum(SettlementEntry.amount_paise), 0),
            func.coalesce(func.sum(SettlementEntry.difference_paise), 0),
        )
        .where(
            SettlementEntry.organisation_id == organisation_id,
            SettlementEntry.day >= date_from, SettlementEntry.day <= date_to,
        )
        .group_by(SettlementEntry.match_status, SettlementEntry.direction)
    )  # fmt: skip
    return [(str(s), str(d), int(n), int(p), int(x)) for s, d, n, p, x in rows.all()]
