"""Reconciliation (DOMAIN.md section 6): the network's settlement reports, fetched per day
(after each day with a settlement, and on demand), matched to our payments.

A line is matched by the network payment id first, then by UTR, then by amount, day and
counterparty (a payment of that amount settled that day for one of the line's documents);
equal amounts are MATCHED, a different amount is PARTIAL with the difference shown (never
silently accepted); a line with no payment is UNMATCHED, as is (on the payment side) a
settled payment the report of its settlement day lacks. People match an unmatched line by
hand (MANUAL, with a reason) and undo it. A line is kept once, by the network's line id:
fetching a report twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import Select, and_, exists, select
from sqlalchemy.exc import IntegrityError

from contract.payments import SettlementLine
from db.models import (
    B2BIdStatus,
    Document,
    MatchStatus,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    PaymentStatus,
    ReconciliationDay,
    SettlementEntry,
)
from db.repositories import onboarding as onboarding_repo
from db.repositories import organisation as organisation_repo
from db.repositories import outbox as outbox_repo
from db.unit_of_work import UnitOfWork
from resolvers.services import contacts
from resolvers.services.accounts import Viewer
from resolvers.services.documents import clean_reason
from resolvers.services.documents.inputs import GST_START
from resolvers.services.errors import ErrorCode, UserInputError

FETCH_KIND = "settlement.fetch"
# The daily fetch runs this long after the day ends (UTC), when its report is complete.
DAILY_DELAY = dt.timedelta(minutes=30)
MAX_RANGE_DAYS = 366
ONLINE = (
    PaymentMethod.BANK_TRANSFER,
    PaymentMethod.UPI,
    PaymentMethod.CARD,
    PaymentMethod.NET_BANKING,
)


async def queue_fetch(
    uow: UnitOfWork, organisation_id: uuid.UUID, day: dt.date, due: dt.datetime
) -> None:
    """Queue the fetch of a day's report (the daily one once per organisation and day)."""
    await outbox_repo.add(
        uow.session, organisation_id=organisation_id, kind=FETCH_KIND,
        payload={"organisationId": str(organisation_id), "day": day.isoformat()}, due=due,
    )  # fmt: skip


async def _day_row(uow: UnitOfWork, organisation_id: uuid.UUID, day: dt.date) -> bool:
    """Make the day's row; whether this transaction made it (a concurrent one may have: its
    insert wins and this one carries on, in a savepoint, without it)."""
    if await uow.session.get(ReconciliationDay, (organisation_id, day)) is not None:
        return False
    try:
        async with uow.savepoint():
            uow.session.add(ReconciliationDay(organisation_id=organisation_id, day=day))
            await uow.session.flush()
    except IntegrityError:
        return False
    return True


async def settled_on(uow: UnitOfWork, organisation_id: uuid.UUID, day: dt.date) -> None:
    """A payment settled on ``day``: its report is fetched once the day is over (queued once
    per organisation and day)."""
    if not await _day_row(uow, organisation_id, day):
        return
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    await queue_fetch(uow, organisation_id, day, end + DAILY_DELAY)


async def request_fetch(
    uow: UnitOfWork, viewer: Viewer, *, organisation_id: uuid.UUID, day: dt.date, now: dt.datetime
) -> ReconciliationDay:
    """Fetch a day's report now (on demand)."""
    await contacts.require_network_ready(uow, viewer, organisation_id, ("input", "organisationId"))
    if not GST_START <= day <= now.date():
        raise UserInputError.one(ErrorCode.INVALID, ("input", "day"), "Choose a day up to today.")
    await _day_row(uow, organisation_id, day)
    await queue_fetch(uow, organisation_id, day, now)
    record = await uow.session.get(ReconciliationDay, (organisation_id, day))
    assert record is not None
    return record


def received(payment: Payment) -> int:
    """What of a payment reached (or left) our account: a buyer's payment of a financed invoice
    less what the network passed on to the financier."""
    return payment.amount_paise - payment.routed_paise


async def our_b2b_ids(uow: UnitOfWork, organisation_id: uuid.UUID) -> list[str]:
    """The organisation's approved B2B IDs (each has its own report)."""
    ids = await onboarding_repo.active_b2b_ids(uow.session, [organisation_id])
    return [b.value for b in ids if b.status == B2BIdStatus.APPROVED]


async def _payment_for(
    uow: UnitOfWork, organisation_id: uuid.UUID, line: SettlementLine
) -> Payment | None:
    """Our payment a line is about: by network payment id, else by UTR."""
    found = await uow.session.scalar(
        select(Payment).where(
            Payment.organisation_id == organisation_id,
            Payment.network_id == line.payment_network_id,
        )
    )
    if found is None and line.utr:
        found = await uow.session.scalar(
            select(Payment)
            .where(Payment.organisation_id == organisation_id, Payment.utr == line.utr)
            .limit(1)
        )
    if found is None and line.document_network_ids:
        # Then by amount, day and counterparty: a settled payment of that amount and day,
        # not matched yet, that settles one of the line's documents.
        found = await uow.session.scalar(
            select(Payment)
            .join(PaymentAllocation, PaymentAllocation.payment_id == Payment.id)
            .join(Document, Document.id == PaymentAllocation.document_id)
            .where(
                Payment.organisation_id == organisation_id,
                Payment.amount_paise - Payment.routed_paise == line.amount_paise,
                Payment.settled_on == dt.date.fromisoformat(line.day),
                Document.network_id.in_(list(line.document_network_ids)),
                ~exists().where(SettlementEntry.payment_id == Payment.id),
            )
            .order_by(Payment.id)
            .limit(1)
        )
    return found


async def record_report(
    uow: UnitOfWork,
    organisation_id: uuid.UUID,
    day: dt.date,
    lines: Sequence[SettlementLine],
    now: dt.datetime,
) -> int:
    """Keep a day's report and match its new lines; returns how many lines were new. The
    day's row is locked first, so two fetches of one day keep each line once."""
    await _day_row(uow, organisation_id, day)
    record = await uow.session.get(ReconciliationDay, (organisation_id, day), with_for_update=True)
    assert record is not None
    known = set(
        (
            await uow.session.scalars(
                select(SettlementEntry.line_id).where(
                    SettlementEntry.organisation_id == organisation_id,
                    SettlementEntry.line_id.in_([x.line_id for x in lines]),
                )
            )
        ).all()
    )
    new = 0
    for line in lines:
        if line.line_id in known:
            continue
        known.add(line.line_id)
        payment = await _payment_for(uow, organisation_id, line)
        difference = 0 if payment is None else line.amount_paise - received(payment)
        status = (
            MatchStatus.UNMATCHED if payment is None
            else MatchStatus.MATCHED if difference == 0 else MatchStatus.PARTIAL
        )  # fmt: skip
        uow.session.add(
            SettlementEntry(
                organisation_id=organisation_id, line_id=line.line_id[:60],
                day=dt.date.fromisoformat(line.day), direction=line.direction,
                amount_paise=line.amount_paise, utr=line.utr[:22],
                virtual_account=line.virtual_account[:20],
                payment_network_id=line.payment_network_id[:40],
                document_network_ids=list(line.document_network_ids), match_status=status,
                payment_id=None if payment is None else payment.id, difference_paise=difference,
                matched_at=None if payment is None else now, fetched_at=now,
            )
        )  # fmt: skip
        new += 1
    record.fetched_at = now
    record.lines = (record.lines or 0) + new
    return new


def unmatched_payments(
    organisation_id: uuid.UUID, date_from: dt.date, date_to: dt.date
) -> Select[Payment]:
    """Settled payments of fetched days in the range that no line of the report names."""
    return select(Payment).where(
        Payment.organisation_id == organisation_id,
        Payment.method.in_(ONLINE),
        Payment.status.in_([PaymentStatus.SETTLED, PaymentStatus.REVERSED]),
        Payment.settled_on >= date_from,
        Payment.settled_on <= date_to,
        # Money a financier took in full never reached our account: no line to expect.
        Payment.amount_paise > Payment.routed_paise,
        exists().where(
            and_(
                ReconciliationDay.organisation_id == organisation_id,
                ReconciliationDay.day == Payment.settled_on,
                ReconciliationDay.fetched_at.is_not(None),
            )
        ),
        ~exists().where(SettlementEntry.payment_id == Payment.id),
    )


async def _line(uow: UnitOfWork, viewer: Viewer, line_id: uuid.UUID) -> SettlementEntry:
    field = ("input", "lineId")
    line = await uow.session.get(SettlementEntry, line_id, with_for_update=True)
    if (
        line is None
        or await organisation_repo.membership_in(
            uow.session, line.organisation_id, viewer.account_id
        )
        is None
    ):
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such settlement line.")
    await contacts.require_network_ready(uow, viewer, line.organisation_id, field)
    return line


async def match(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    line_id: uuid.UUID,
    payment_id: uuid.UUID,
    reason: str,
    now: dt.datetime,
) -> SettlementEntry:
    """Match an unmatched line to a payment by hand, saying why."""
    line = await _line(uow, viewer, line_id)
    if line.match_status != MatchStatus.UNMATCHED:
        raise UserInputError.one(
            ErrorCode.ALREADY_DONE, ("input", "lineId"), "This line is matched already."
        )
    payment = await uow.session.get(Payment, payment_id)
    if payment is None or payment.organisation_id != line.organisation_id:
        raise UserInputError.one(ErrorCode.NOT_FOUND, ("input", "paymentId"), "No such payment.")
    taken = await uow.session.scalar(
        select(SettlementEntry.id).where(SettlementEntry.payment_id == payment.id).limit(1)
    )
    if taken is not None:
        raise UserInputError.one(
            ErrorCode.ALREADY_DONE, ("input", "paymentId"),
            "Another settlement line is matched to this payment.",
        )  # fmt: skip
    line.match_reason = _reason(reason)
    line.match_status = MatchStatus.MANUAL
    line.payment_id = payment.id
    line.difference_paise = line.amount_paise - received(payment)
    line.matched_by_account_id = viewer.account_id
    line.matched_at = now
    return line


def _reason(reason: str) -> str:
    try:
        return clean_reason(reason)
    except UserInputError as exc:
        first = exc.errors[0]
        raise UserInputError.one(first.code, ("input", "reason"), first.message) from None


async def unmatch(
    uow: UnitOfWork, viewer: Viewer, *, line_id: uuid.UUID, reason: str, now: dt.datetime
) -> SettlementEntry:
    """Undo a line's match (by hand or automatic): it is unmatched again."""
    line = await _line(uow, viewer, line_id)
    if line.match_status == MatchStatus.UNMATCHED:
        raise UserInputError.one(
            ErrorCode.ALREADY_DONE, ("input", "lineId"), "This line is not matched."
        )
    line.match_reason = _reason(reason)
    line.match_status = MatchStatus.UNMATCHED
    line.payment_id = None
    line.difference_paise = 0
    line.matched_by_account_id = viewer.account_id
    line.matched_at = now
    return line
