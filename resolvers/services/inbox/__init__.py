"""The inbox: documents received through Bharat Connect (DOMAIN.md section 5, receiver side).

``RECEIVED → ACCEPTANCE_IN_PROGRESS → ACCEPTED``, or rejected. A received invoice is a bill,
received orders and notes are answered the same way. Accepting books the document (the user may
adjust its due date and notes) and tells the sender through the network; where the organisation
requires bill approval, a manager's approval completes the acceptance of a bill. Rejecting (or
returning for edits) deletes the received document for good, tells the sender, and leaves a
tombstone so that late echoes of that version are recognised and ignored.

What the network delivers is checked before it is booked (``receiving``, ``checks``).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from db.models import (
    Direction,
    Document,
    DocumentKind,
    DocumentStatus,
    InboxStatus,
    InboxTombstone,
    MembershipRole,
    Organisation,
)
from db.repositories import document as repo
from db.repositories import organisation as organisation_repo
from db.unit_of_work import UnitOfWork
from resolvers.services import contacts, pushes
from resolvers.services.inbox.common import (
    ANSWER_KIND,
    PENDING_APPROVAL,
    RECEIVED_EVENT,
    event,
    history,
    queue_answer,
)
from resolvers.services.inbox.receiving import (
    MalformedMessageError,
    Received,
    UnbookableDocumentError,
    receive,
    refuse,
)

__all__ = [
    "ANSWER_KIND",
    "PENDING_APPROVAL",
    "RECEIVED_EVENT",
    "MalformedMessageError",
    "Received",
    "UnbookableDocumentError",
    "accept",
    "answer_refused",
    "answered",
    "approve",
    "receive",
    "refuse",
    "reject",
]
from resolvers.services.accounts import Viewer
from resolvers.services.documents import clean_reason, date_problems
from resolvers.services.errors import ErrorCode, PermissionDeniedError, UserInputError

logger = logging.getLogger("bharat_connect.inbox")


async def _received_for_answer(
    uow: UnitOfWork, viewer: Viewer, document_id: uuid.UUID, field: tuple[str, ...]
) -> Document:
    document = await repo.visible(uow.session, viewer.account_id, document_id, for_update=True)
    if document is None or document.direction != Direction.INCOMING:
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such received document.")
    await contacts.require_network_ready(uow, viewer, document.organisation_id, field)
    return document


async def accept(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    document_id: uuid.UUID,
    due_date: dt.date | None,
    notes: str | None,
    now: dt.datetime,
) -> Document:
    """Accept a received document, with the user's adjustments."""
    field = ("input", "documentId")
    document = await _received_for_answer(uow, viewer, document_id, field)
    if document.inbox_status != InboxStatus.RECEIVED:
        raise UserInputError.one(
            ErrorCode.ALREADY_DONE, field, "This document was answered already."
        )
    if due_date is not None:
        problems = date_problems(document.document_date, due_date, now.date(), check_date=False)
        if problems:
            raise UserInputError(problems)
    cleaned = " ".join(notes.split()) if notes is not None else None
    if cleaned is not None and len(cleaned) > 1000:
        raise UserInputError.one(ErrorCode.TOO_LONG, ("input", "notes"), "At most 1000 characters.")
    changes = []
    if due_date is not None and due_date != document.due_date:
        document.due_date = due_date
        changes.append(f"due date {due_date.isoformat()}")
    if cleaned is not None and cleaned != (document.notes or ""):
        document.notes = cleaned or None
        changes.append("notes")
    organisation = await uow.session.get(Organisation, document.organisation_id)
    needs_approval = (
        document.kind == DocumentKind.INVOICE
        and organisation is not None
        and organisation.bill_approval_required
    )
    document.inbox_status = InboxStatus.ACCEPTANCE_IN_PROGRESS
    document.status = PENDING_APPROVAL if needs_approval else DocumentStatus.OPEN
    document.updated_at = now
    detail = "Adjusted: " + ", ".join(changes) + "." if changes else None
    history(
        uow,
        document,
        "PENDING_APPROVAL" if needs_approval else "ACCEPTANCE_IN_PROGRESS",
        now,
        actor=viewer.account_id,
        detail=detail,
    )
    await event(
        uow,
        document,
        pushes.STATUS_CHANGED,
        viewer.account_id,
        inboxStatus=document.inbox_status.value,
    )
    if not needs_approval:
        await queue_answer(uow, document.organisation_id, {"documentId": str(document.id)}, now)
    return document


async def approve(
    uow: UnitOfWork, viewer: Viewer, *, document_id: uuid.UUID, now: dt.datetime
) -> Document:
    """A manager approves an accepted bill; the acceptance then completes."""
    field = ("input", "documentId")
    document = await _received_for_answer(uow, viewer, document_id, field)
    membership = await organisation_repo.membership_in(
        uow.session, document.organisation_id, viewer.account_id
    )
    if membership is None or membership.role == MembershipRole.STAFF:
        raise PermissionDeniedError("Only owners and admins approve bills.")
    if document.status != PENDING_APPROVAL:
        raise UserInputError.one(
            ErrorCode.ALREADY_DONE, field, "This bill is not waiting for approval."
        )
    document.status = DocumentStatus.OPEN
    document.updated_at = now
    history(uow, document, "APPROVED", now, actor=viewer.account_id)
    await queue_answer(uow, document.organisation_id, {"documentId": str(document.id)}, now)
    return document


async def reject(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    document_id: uuid.UUID,
    reason: str,
    return_for_edits: bool,
    now: dt.datetime,
) -> InboxTombstone:
    """Reject (or return) a received document: it is deleted, the sender is told."""
    field = ("input", "documentId")
    document = await _received_for_answer(uow, viewer, document_id, field)
    waiting = document.inbox_status == InboxStatus.RECEIVED or document.status == PENDING_APPROVAL
    if not waiting:
        raise UserInputError.one(
            ErrorCode.ALREADY_DONE, field, "This document was accepted already."
        )
    cleaned = clean_reason(reason)
    action = "RETURN" if return_for_edits else "REJECT"
    tombstone = InboxTombstone(
        organisation_id=document.organisation_id, network_id=document.network_id or "",
        version=document.version, kind=document.kind, number=document.number,
        sender_b2b_id=document.received_from, action=action, reason=cleaned,
        actor_account_id=viewer.account_id, created_at=now,
    )  # fmt: skip
    uow.session.add(tombstone)
    await event(
        uow,
        document,
        pushes.STATUS_CHANGED,
        viewer.account_id,
        inboxStatus="REJECTED",
        reason=cleaned,
    )
    await repo.delete_received(uow.session, document)
    await queue_answer(uow, tombstone.organisation_id, {"tombstoneId": str(tombstone.id)}, now)
    return tombstone


async def answered(uow: UnitOfWork, document: Document, now: dt.datetime) -> None:
    """The network took the acceptance: it is complete."""
    document.inbox_status = InboxStatus.ACCEPTED
    document.updated_at = now
    history(uow, document, InboxStatus.ACCEPTED.value, now)
    await event(uow, document, pushes.STATUS_CHANGED, None, inboxStatus=InboxStatus.ACCEPTED.value)
    from resolvers.services.payments import ledger

    await ledger.note_counted(uow, document, now)


async def answer_refused(
    uow: UnitOfWork, document: Document, reason: str, now: dt.datetime
) -> None:
    """The network refused the acceptance (e.g. the sender replaced the document)."""
    document.inbox_status = InboxStatus.RECEIVED
    document.status = DocumentStatus.RECEIVED
    document.push_reason = reason
    document.updated_at = now
    history(uow, document, "ANSWER_REFUSED", now, detail=reason)
    await event(
        uow,
        document,
        pushes.STATUS_CHANGED,
        None,
        inboxStatus=InboxStatus.RECEIVED.value,
        reason=reason,
    )
