"""Resolvers for reconciliation."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select

from db.models import Payment, ReconciliationDay, SettlementEntry
from db.pagination import Page
from db.repositories import organisation as organisation_repo
from db.repositories import payment as repo
from resolvers import mutation
from resolvers.context import Context
from resolvers.errors import BadUserInputError
from resolvers.mutation import Outcome
from resolvers.pagination import page_request
from resolvers.services.errors import UserError
from resolvers.services.payments import reconciliation

# At most this many unmatched payments are listed at once (the summary counts them all).
MAX_UNMATCHED_PAYMENTS = 100


@dataclass(frozen=True)
class Window:
    """A reconciliation view: one organisation, a range of settlement days."""

    organisation_id: uuid.UUID
    date_from: dt.date
    date_to: dt.date


def window(organisation_id: uuid.UUID, date_from: dt.date, date_to: dt.date) -> Window:
    """A checked range (at most a year)."""
    if date_to < date_from:
        raise BadUserInputError("`dateTo` is before `dateFrom`.")
    if (date_to - date_from).days >= reconciliation.MAX_RANGE_DAYS:
        msg = f"Ask for at most {reconciliation.MAX_RANGE_DAYS} days at once."
        raise BadUserInputError(msg)
    return Window(organisation_id, date_from, date_to)


async def _member(context: Context, organisation_id: uuid.UUID) -> None:
    viewer = await context.require_viewer()
    async with context.app.db.read() as session:
        if (
            await organisation_repo.membership_in(session, organisation_id, viewer.account_id)
            is None
        ):
            raise BadUserInputError("No such organisation.")


async def lines(
    context: Context, view: Window, *, first: int | None, after: str | None,
    last: int | None, before: str | None,
) -> Page[SettlementEntry]:  # fmt: skip
    """One page of settlement lines."""
    await _member(context, view.organisation_id)
    request = page_request(first, after, last, before)
    async with context.app.db.read() as session:
        return await repo.settlement_page(
            session, view.organisation_id, view.date_from, view.date_to, request
        )


async def summary(context: Context, view: Window) -> list[tuple[str, str, int, int, int]]:
    """(match status, direction, lines, paise, difference) over the range."""
    await _member(context, view.organisation_id)
    async with context.app.db.read() as session:
        return await repo.settlement_summary(
            session, view.organisation_id, view.date_from, view.date_to
        )


async def unmatched_payments(context: Context, view: Window) -> list[Payment]:
    """Settled payments the fetched reports lack (at most 100, oldest first)."""
    await _member(context, view.organisation_id)
    query = reconciliation.unmatched_payments(view.organisation_id, view.date_from, view.date_to)
    async with context.app.db.read() as session:
        found = await session.scalars(query.order_by(Payment.id).limit(MAX_UNMATCHED_PAYMENTS))
        return list(found.all())


async def unmatched_payment_count(context: Context, view: Window) -> int:
    """How many settled payments the fetched reports lack (all of them, one statement)."""
    await _member(context, view.organisation_id)
    query = reconciliation.unmatched_payments(view.organisation_id, view.date_from, view.date_to)
    async with context.app.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)


async def days(context: Context, view: Window) -> list[ReconciliationDay]:
    """The days of the range whose reports are fetched or queued."""
    await _member(context, view.organisation_id)
    async with context.app.db.read() as session:
        found = await session.scalars(
            select(ReconciliationDay)
            .where(
                ReconciliationDay.organisation_id == view.organisation_id,
                ReconciliationDay.day >= view.date_from,
                ReconciliationDay.day <= view.date_to,
            )
            .order_by(ReconciliationDay.day)
        )
        return list(found.all())


async def fetch(
    context: Context, *, organisation_id: str, day: dt.date
) -> Outcome[ReconciliationDay]:
    """Fetch a day's settlement report now."""
    app = context.app
    return await mutation.run_on(
        context, organisation_id, "Organisation", ("input", "organisationId"),
        lambda uow, viewer, key: reconciliation.request_fetch(
            uow, viewer, organisation_id=key, day=day, now=app.now()
        ),
    )  # fmt: skip


async def match(
    context: Context, *, line_id: str, payment_id: str, reason: str
) -> Outcome[SettlementEntry]:
    """Match a line by hand."""
    payment_key = mutation.decode(payment_id, "Payment", ("input", "paymentId"))
    if isinstance(payment_key, UserError):
        await context.require_viewer()
        return mutation.refuse(payment_key)
    app = context.app
    return await mutation.run_on(
        context, line_id, "SettlementLine", ("input", "lineId"),
        lambda uow, viewer, key: reconciliation.match(
            uow, viewer, line_id=key, payment_id=payment_key, reason=reason, now=app.now()
        ),
    )  # fmt: skip


async def unmatch(context: Context, *, line_id: str, reason: str) -> Outcome[SettlementEntry]:
    """Undo a line's match."""
    app = context.app
    return await mutation.run_on(
        context, line_id, "SettlementLine", ("input", "lineId"),
        lambda uow, viewer, key: reconciliation.unmatch(
            uow, viewer, line_id=key, reason=reason, now=app.now()
        ),
    )  # fmt: skip


async def settlement_line_by_id(context: Context, line_id: uuid.UUID) -> SettlementEntry | None:
    """A settlement line of one of the viewer's organisations."""
    viewer = await context.require_viewer()
    async with context.app.db.read() as session:
        line = await session.get(SettlementEntry, line_id)
        if line is None:
            return None
        member = await organisation_repo.membership_in(
            session, line.organisation_id, viewer.account_id
        )
        return None if member is None else line
