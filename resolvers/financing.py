"""Resolvers for financing."""

from __future__ import annotations

import decimal
import uuid

from sqlalchemy import and_, not_, select

from db.models import (
    FinancingBidRecord,
    FinancingHistory,
    FinancingInvoice,
    FinancingRequest,
    FinancingStatus,
)
from db.pagination import Page, paginate
from db.repositories import organisation as organisation_repo
from resolvers import mutation
from resolvers.context import Context
from resolvers.mutation import Outcome
from resolvers.pagination import page_request
from resolvers.services import financing
from resolvers.services.ids import decode_typed_id


async def _may_see(context: Context, organisation_id: uuid.UUID) -> bool:
    viewer = await context.require_viewer()
    async with context.app.db.read() as session:
        membership = await organisation_repo.membership_in(
            session, organisation_id, viewer.account_id
        )
    return membership is not None and financing.may_finance(membership)


async def create(
    context: Context, *, organisation_id: str, invoice_ids: list[str],
    amount: decimal.Decimal, tenor_days: int | None, idempotency_key: str | None,
) -> Outcome[FinancingRequest]:  # fmt: skip
    """Ask for financing."""
    decoded = [decode_typed_id(i, "Document") for i in invoice_ids]
    app = context.app
    return await mutation.run_on(
        context, organisation_id, "Organisation", ("input", "organisationId"),
        lambda uow, viewer, key: financing.create(
            uow, viewer, organisation_id=key, invoice_ids=decoded, amount=amount,
            tenor_days=tenor_days, idempotency_key=idempotency_key, now=app.now(),
        ),
    )  # fmt: skip


async def accept(context: Context, *, bid_id: str) -> Outcome[FinancingRequest]:
    """Accept a bid."""
    app = context.app
    return await mutation.run_on(
        context, bid_id, "FinancingBid", ("input", "bidId"),
        lambda uow, viewer, key: financing.accept_bid(uow, viewer, bid_id=key, now=app.now()),
    )  # fmt: skip


async def cancel(
    context: Context, *, request_id: str, reason: str | None
) -> Outcome[FinancingRequest]:
    """Cancel a request."""
    app = context.app
    return await mutation.run_on(
        context, request_id, "FinancingRequest", ("input", "requestId"),
        lambda uow, viewer, key: financing.cancel(
            uow, viewer, request_id=key, reason=reason, now=app.now()
        ),
    )  # fmt: skip


async def page(
    context: Context, organisation_id: uuid.UUID, *, first: int | None, after: str | None,
    last: int | None, before: str | None, status: str | None,
) -> Page[FinancingRequest]:  # fmt: skip
    """One page of an organisation's requests (empty for members who may not see them)."""
    request = page_request(first, after, last, before)
    if not await _may_see(context, organisation_id):
        return Page([], has_next_page=False, has_previous_page=False)
    stmt = select(FinancingRequest).where(FinancingRequest.organisation_id == organisation_id)
    overdue = and_(
        FinancingRequest.status == FinancingStatus.DISBURSED,
        FinancingRequest.repayment_due_on < context.app.now().date(),
        FinancingRequest.repaid_paise < FinancingRequest.owed_paise,
    )  # the rule of financing.shown_status, in SQL
    if status == "OVERDUE":
        stmt = stmt.where(overdue)
    elif status is not None:
        stmt = stmt.where(FinancingRequest.status == FinancingStatus(status), not_(overdue))
    async with context.app.db.read() as session:
        return await paginate(session, stmt, FinancingRequest.id, request)


async def request_by_id(context: Context, request_id: uuid.UUID) -> FinancingRequest | None:
    """A request the viewer may see."""
    await context.require_viewer()
    async with context.app.db.read() as session:
        found = await session.get(FinancingRequest, request_id)
    if found is None or not await _may_see(context, found.organisation_id):
        return None
    return found


async def bid_by_id(context: Context, bid_id: uuid.UUID) -> FinancingBidRecord | None:
    """A bid the viewer may see."""
    await context.require_viewer()
    async with context.app.db.read() as session:
        bid = await session.get(FinancingBidRecord, bid_id)
    if bid is None or await request_by_id(context, bid.request_id) is None:
        return None
    return bid


async def bids(context: Context, request_id: uuid.UUID) -> list[FinancingBidRecord]:
    """A request's bids, oldest first."""
    async with context.app.db.read() as session:
        rows = await session.scalars(
            select(FinancingBidRecord)
            .where(FinancingBidRecord.request_id == request_id)
            .order_by(FinancingBidRecord.id)
        )
        return list(rows.all())


async def invoices(context: Context, request_id: uuid.UUID) -> list[FinancingInvoice]:
    """A request's invoices."""
    async with context.app.db.read() as session:
        rows = await session.scalars(
            select(FinancingInvoice)
            .where(FinancingInvoice.request_id == request_id)
            .order_by(FinancingInvoice.id)
        )
        return list(rows.all())


async def history(context: Context, request_id: uuid.UUID) -> list[FinancingHistory]:
    """A request's history, oldest first (at most 200 entries)."""
    async with context.app.db.read() as session:
        rows = await session.scalars(
            select(FinancingHistory)
            .where(FinancingHistory.request_id == request_id)
            .order_by(FinancingHistory.id)
            .limit(200)
        )
        return list(rows.all())


async def of_invoice(context: Context, document_id: uuid.UUID) -> FinancingRequest | None:
    """The latest request an invoice is in, if the viewer may see financing."""
    async with context.app.db.read() as session:
        found = await session.scalar(
            select(FinancingRequest)
            .join(FinancingInvoice, FinancingInvoice.request_id == FinancingRequest.id)
            .where(FinancingInvoice.document_id == document_id)
            .order_by(FinancingRequest.id.desc())
            .limit(1)
        )
    if found is None or not await _may_see(context, found.organisation_id):
        return None
    return found
