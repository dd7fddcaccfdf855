"""What a document owes: its paid and in-flight amounts (kept on the row, changed only under
its lock), the notes against it, and the business status that follows.

amount due = total - accepted notes - paid. A note counts once accepted through the network: a
seller's credit note against its invoice, and a buyer's debit note against its bill (a return
or a billing correction: the vendor owes back what the buyer would otherwise pay), on both
sides of the trade. Once it counts, its document's status follows (a part-paid invoice whose
rest is credited is PAID). A new payment may allocate at most the
amount due less what other payments on their way already allocate (``in_flight_paise``).
OVERDUE is never stored: it is derived from the due date and the clock when shown.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Direction,
    Document,
    DocumentHistory,
    DocumentKind,
    DocumentStatus,
)
from db.repositories import event as event_repo
from db.repositories.document import OVERDUE_FROM, counted_credit_note
from db.rows import DocumentRow
from db.unit_of_work import UnitOfWork
from resolvers.services import pushes

PAYABLE_KINDS = {DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE}
# A bill (received invoice) can be paid once accepted; our invoice once delivered.
PAYABLE_STATUSES = {
    DocumentStatus.OPEN,
    DocumentStatus.SENT,
    DocumentStatus.PARTIALLY_PAID,
}


async def credited(
    session: AsyncSession, document_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Accepted notes against each document, in paise (one query)."""
    if not document_ids:
        return {}
    rows = await session.execute(
        select(Document.reference_id, func.sum(Document.total_paise))
        .where(Document.reference_id.in_(document_ids), counted_credit_note(Document))
        .group_by(Document.reference_id)
    )
    return {ref: int(total) for ref, total in rows.all() if ref is not None}


def amount_due(document: DocumentRow, credit: int) -> int:
    """What is still owed (never below 0)."""
    return max(document.total_paise - credit - document.paid_paise, 0)


def may_be_overdue(document: DocumentRow, today: dt.date) -> bool:
    """An invoice or bill past its due date with more owed than paid: OVERDUE unless accepted
    credit notes cover the rest."""
    return (
        document.kind == DocumentKind.INVOICE
        and document.status in OVERDUE_FROM
        and document.due_date is not None
        and document.due_date < today
        and document.total_paise > document.paid_paise
    )


def shown_status(document: DocumentRow, today: dt.date, credit: int) -> str:
    """The business status as shown: an invoice or bill past its due date with money still
    owed after payments and ``credit`` (accepted credit notes) is OVERDUE (the rule of
    :func:`db.repositories.document.overdue`, in SQL)."""
    if may_be_overdue(document, today) and document.total_paise > document.paid_paise + credit:
        return DocumentStatus.OVERDUE
    return document.status


def _status(document: Document, credit: int) -> str:
    if document.status == DocumentStatus.VOID or document.kind not in PAYABLE_KINDS:
        return document.status
    if document.paid_paise > 0:
        # Part-paid and the rest credited is paid; credited in full with nothing paid keeps
        # its status (SENT or OPEN, with nothing due).
        if document.total_paise - credit - document.paid_paise <= 0:
            return DocumentStatus.PAID
        return DocumentStatus.PARTIALLY_PAID
    if document.status not in pushes.PAID_STATUSES:
        return document.status
    if document.direction == Direction.OUTGOING:
        document.status = DocumentStatus.SENT
        return pushes.business_status(document)
    return DocumentStatus.OPEN


async def change(
    uow: UnitOfWork,
    document: Document,
    *,
    now: dt.datetime,
    paid: int = 0,
    in_flight: int = 0,
    detail: str | None = None,
    credit_moved: bool = False,
) -> None:
    """Add ``paid`` and ``in_flight`` (either may be negative) to a locked document; its
    status follows (also when ``credit_moved``: a note against it now counts), with a history
    entry and an event when it moves."""
    document.paid_paise += paid
    document.in_flight_paise += in_flight
    if not paid and not credit_moved:
        return
    credit = (await credited(uow.session, [document.id])).get(document.id, 0)
    before = document.status
    document.status = _status(document, credit)
    document.updated_at = now
    if document.status == before:
        return
    uow.session.add(
        DocumentHistory(
            document_id=document.id, action=document.status, detail=detail, by_network=True,
            at=now,
        )
    )  # fmt: skip
    await event_repo.append(
        uow, organisation_id=document.organisation_id, kind=pushes.STATUS_CHANGED,
        data={"documentId": str(document.id), "documentKind": document.kind.value,
              "status": document.status},
    )  # fmt: skip


async def note_counted(uow: UnitOfWork, note: Document, now: dt.datetime) -> None:
    """A note was accepted: the status of the document it is against follows."""
    if note.kind not in {DocumentKind.CREDIT_NOTE, DocumentKind.DEBIT_NOTE}:
        return
    if note.reference_id is None:
        return
    document = await uow.session.get(Document, note.reference_id, with_for_update=True)
    if document is None:
        return
    label = "credit" if note.kind == DocumentKind.CREDIT_NOTE else "debit"
    await change(uow, document, now=now, credit_moved=True,
                 detail=f"The {label} note {note.number} was accepted.")  # fmt: skip
