"""The inbox: documents received through Bharat Connect (DOMAIN.md section 5, receiver side).

``RECEIVED → ACCEPTANCE_IN_PROGRESS → ACCEPTED``, or rejected. A received invoice is a bill,
received orders and notes are answered the same way. Accepting books the document (the user may
adjust its due date and notes) and tells the sender through the network; where the organisation
requires bill approval, a manager's approval completes the acceptance of a bill. Rejecting (or
returning for edits) deletes the received document for good, tells the sender, and leaves a
tombstone so that late echoes of that version are recognised and ignored.

What the network delivers is untrusted: a malformed message is logged and dropped.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from db.models import (
    Contact,
    Direction,
    Document,
    DocumentHistory,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    GstTreatment,
    InboxStatus,
    InboxTombstone,
    MembershipRole,
    Organisation,
)
from db.repositories import contact as contact_repo
from db.repositories import document as repo
from db.repositories import event as event_repo
from db.repositories import onboarding as onboarding_repo
from db.repositories import organisation as organisation_repo
from db.repositories import outbox as outbox_repo
from db.unit_of_work import UnitOfWork
from resolvers.services import contacts, pushes, receipt_checks, tax
from resolvers.services.accounts import Viewer
from resolvers.services.documents import clean_reason, date_problems, fiscal_year
from resolvers.services.errors import ErrorCode, PermissionDeniedError, UserInputError
from resolvers.services.identifiers import STATE_CODES

logger = logging.getLogger("bharat_connect.inbox")

RECEIVED_EVENT = "INBOX_ITEM_RECEIVED"
ANSWER_KIND = "inbox.answer"
PENDING_APPROVAL = DocumentStatus.PENDING_APPROVAL
# Kinds whose sender is the seller (the receiver books them as purchases).
FROM_SELLER = {DocumentKind.INVOICE, DocumentKind.SALES_ORDER, DocumentKind.CREDIT_NOTE}
_MONEY_KEYS = ("taxable", "cgst", "sgst", "utgst", "igst")


class MalformedMessageError(ValueError):
    """A received document the service cannot book."""


@dataclass(frozen=True)
class Received:
    """Who sent which document to which of our organisations: enough to answer it."""

    organisation_id: uuid.UUID
    network_id: str
    version: int
    kind: DocumentKind
    number: str
    sender: str


class UnbookableDocumentError(MalformedMessageError):
    """An identified document we cannot book: the sender is answered with a refusal."""

    def __init__(self, received: Received, reason: str) -> None:
        super().__init__(reason)
        self.received = received
        self.reason = reason


def _text(data: Mapping[str, Any], key: str, limit: int, *, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        msg = f"bad {key}"
        raise MalformedMessageError(msg)
    return value.strip()


def _int(data: Mapping[str, Any], key: str, *, minimum: int | None = None) -> int:
    """An integer field; none may pass our largest document total (every amount, quantity
    and count a sender could send is below it, and it is far inside 64 bits)."""
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        msg = f"bad {key}"
        raise MalformedMessageError(msg)
    if abs(value) > tax.MAX_DOCUMENT_TOTAL_PAISE:
        msg = f"{key} over the maximum"
        raise MalformedMessageError(msg)
    if minimum is not None and value < minimum:
        msg = f"bad {key}"
        raise MalformedMessageError(msg)
    return value


def _date(raw: object) -> dt.date:
    if not isinstance(raw, str) or len(raw) != 10:
        msg = "bad date"
        raise MalformedMessageError(msg)
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        msg = "bad date"
        raise MalformedMessageError(msg) from exc


def _dates(
    data: Mapping[str, Any], content: Mapping[str, Any], now: dt.datetime
) -> tuple[dt.date, dt.date | None]:
    """The document date and due date, within the bounds our own documents keep."""
    day = _date(data.get("documentDate"))
    due = content.get("dueDate")
    due_day = None if due is None else _date(due)
    if date_problems(day, due_day, now.date()):
        msg = "dates out of range"
        raise MalformedMessageError(msg)
    return day, due_day


def _lines(content: Mapping[str, Any]) -> list[DocumentLine]:
    raw = content.get("lines")
    if not isinstance(raw, list) or not 1 <= len(raw) <= 200:
        msg = "bad lines"
        raise MalformedMessageError(msg)
    made = []
    for position, line in enumerate(raw):
        if not isinstance(line, Mapping):
            msg = "bad line"
            raise MalformedMessageError(msg)
        made.append(
            DocumentLine(
                position=position, description=_text(line, "description", 300),
                hsn_sac=_text(line, "hsnSac", 8),
                quantity_milli=_int(line, "quantityMilli", minimum=1),
                unit_price_paise=_int(line, "unitPrice", minimum=0),
                discount_paise=_int(line, "discount", minimum=0),
                tax_rate_bp=_int(line, "taxRateBp", minimum=0),
                **{f"{key}_paise": _int(line, key, minimum=0) for key in _MONEY_KEYS},
            )
        )  # fmt: skip
    return made


async def _counterparty(
    uow: UnitOfWork, organisation_id: uuid.UUID, sender: str, content: Mapping[str, Any],
    *, kind: DocumentKind, now: dt.datetime,
) -> Contact:  # fmt: skip
    """The contact the sender is filed under: linked by B2B ID, else by GSTIN, else a new one."""
    gstin = _text(content, "senderGstin", 15, required=False)
    contact = await contact_repo.counterparty(uow.session, organisation_id, sender, gstin)
    vendor = kind in FROM_SELLER
    if contact is None:
        name = _text(content, "senderName", 200, required=False) or sender
        state = gstin[:2] if gstin and gstin[:2] in STATE_CODES else None
        contact = Contact(
            organisation_id=organisation_id, is_vendor=vendor, is_customer=not vendor,
            display_name=name, legal_name=name, gstin=gstin,
            gst_treatment=GstTreatment.REGISTERED_REGULAR if gstin else GstTreatment.UNREGISTERED,
            place_of_supply=state, state_code=state, b2b_id=sender, linked_at=now,
            created_at=now, updated_at=now,
        )  # fmt: skip
        uow.session.add(contact)
        await uow.session.flush()
        return contact
    if vendor and not contact.is_vendor:
        contact.is_vendor = True
    if not vendor and not contact.is_customer:
        contact.is_customer = True
    if contact.b2b_id is None:
        contact.b2b_id, contact.linked_at = sender, now
    return contact


async def _event(
    uow: UnitOfWork, document: Document, kind: str, actor: uuid.UUID | None, **extra: str
) -> None:
    await event_repo.append(
        uow, organisation_id=document.organisation_id, kind=kind, actor_account_id=actor,
        data={"documentId": str(document.id), "documentKind": document.kind.value, **extra},
    )  # fmt: skip


def _history(
    uow: UnitOfWork, document: Document, action: str, now: dt.datetime,
    *, actor: uuid.UUID | None = None, detail: str | None = None,
) -> None:  # fmt: skip
    uow.session.add(
        DocumentHistory(
            document_id=document.id, action=action, detail=detail, actor_account_id=actor,
            by_network=actor is None, at=now,
        )
    )  # fmt: skip


async def receive(uow: UnitOfWork, data: Mapping[str, Any], now: dt.datetime) -> Document | None:
    """Book a document the network delivered into the receiver's inbox, once.

    Repeats, versions already held and tombstoned versions are ignored; a newer version of a
    document not yet answered replaces it. Raises :class:`MalformedMessageError` for a message
    that cannot be booked."""
    receiver = _text(data, "receiverB2BId", 50) or ""
    holder = await onboarding_repo.approved_b2b_id_holder(uow.session, receiver)
    if holder is None:
        logger.warning("document for %s, which is not hosted here", receiver)
        return None
    organisation_id = holder.organisation_id
    network_id = _text(data, "networkId", 40) or ""
    version = _int(data, "version", minimum=1)
    sender = _text(data, "senderB2BId", 50) or ""
    if await repo.tombstone(uow.session, organisation_id, network_id, version) is not None:
        logger.info("late echo of rejected document %s v%s ignored", network_id, version)
        return None
    earlier = await repo.received(uow.session, organisation_id, network_id)
    if earlier is not None:
        if earlier.version >= version or earlier.inbox_status != InboxStatus.RECEIVED:
            return None
        await repo.delete_received(uow.session, earlier)
    try:
        kind = DocumentKind(_text(data, "kind", 24) or "")
    except ValueError as exc:
        raise MalformedMessageError(str(exc)) from exc
    number = _text(data, "number", 16) or ""
    received = Received(organisation_id, network_id, version, kind, number, sender)
    try:
        return await _book(uow, received, data, now)
    except MalformedMessageError as exc:
        raise UnbookableDocumentError(received, str(exc)) from exc


async def _book(
    uow: UnitOfWork, received: Received, data: Mapping[str, Any], now: dt.datetime
) -> Document:
    """Check and book an identified document (``MalformedMessageError`` says why not)."""
    organisation_id, kind, number = received.organisation_id, received.kind, received.number
    sender, version, network_id = received.sender, received.version, received.network_id
    content = data.get("content")
    if not isinstance(content, Mapping):
        msg = "no content"
        raise MalformedMessageError(msg)
    day, due_day = _dates(data, content, now)
    year = fiscal_year(day)
    if await repo.number_taken(
        uow.session, organisation_id, kind.value, year, number, received_from=sender
    ):
        msg = f"Number {number} was used by an earlier {kind.value.lower()} of yours in {year}."
        raise MalformedMessageError(msg)
    ours = await onboarding_repo.active_b2b_ids(uow.session, [organisation_id])
    gstins = await onboarding_repo.gstins(uow.session, organisation_id)
    attested = data.get("senderGstin")
    problem = receipt_checks.parties_problem(
        kind, content, sender=sender,
        attested_sender_gstin=attested if isinstance(attested, str) else None,
        our_b2b_ids={b.value.lower() for b in ours}, our_gstins={g.gstin for g in gstins},
    )  # fmt: skip
    if problem is not None:
        raise MalformedMessageError(problem)
    totals = content.get("totals")
    if not isinstance(totals, Mapping):
        msg = "no totals"
        raise MalformedMessageError(msg)
    lines = _lines(content)
    seller_gstin = _text(content, "sellerGstin", 15, required=False)
    place_of_supply = _text(content, "placeOfSupply", 2) or ""
    supply_type = _text(content, "supplyType", 16) or ""
    problem = receipt_checks.figures_problem(
        lines, totals, supply_type=supply_type, place_of_supply=place_of_supply,
        seller_gstin=seller_gstin, round_to_rupee=bool(content.get("roundToRupee")),
        under_lut=bool(content.get("underLut")),
    )  # fmt: skip
    if problem is not None:
        raise MalformedMessageError(problem)
    contact = await _counterparty(uow, organisation_id, sender, content, kind=kind, now=now)
    reference = None
    reference_network_id = data.get("referenceNetworkId")
    if isinstance(reference_network_id, str):
        referenced = await repo.received(uow.session, organisation_id, reference_network_id)
        if referenced is None:
            referenced = await repo.sent_by_network_id(
                uow.session, organisation_id, reference_network_id
            )
        reference = None if referenced is None else referenced.id
    document = Document(
        organisation_id=organisation_id, kind=kind, direction=Direction.INCOMING,
        received_from=sender, inbox_status=InboxStatus.RECEIVED, reference_id=reference,
        number=number, fiscal_year=year, contact_id=contact.id, document_date=day,
        due_date=due_day,
        seller_gstin=seller_gstin, place_of_supply=place_of_supply, supply_type=supply_type,
        round_to_rupee=bool(content.get("roundToRupee")),
        under_lut=bool(content.get("underLut")),
        **{f"{key}_paise": _int(totals, key, minimum=0) for key in _MONEY_KEYS},
        rounding_paise=_int(totals, "rounding"), total_paise=_int(totals, "total", minimum=0),
        status=DocumentStatus.RECEIVED, version=version, network_id=network_id,
        notes=_text(content, "notes", 1000, required=False), created_at=now, updated_at=now,
    )  # fmt: skip
    uow.session.add(document)
    await uow.session.flush()
    for line in lines:
        line.document_id = document.id
        uow.session.add(line)
    _history(uow, document, "RECEIVED", now, detail=f"From {sender}, version {version}.")
    await _event(uow, document, RECEIVED_EVENT, None, b2bId=sender)
    return document


async def refuse(uow: UnitOfWork, received: Received, reason: str, now: dt.datetime) -> None:
    """Answer a document we cannot book with a refusal (once: a tombstone keeps the answer and
    makes later echoes of that version ignored)."""
    if await repo.tombstone(
        uow.session, received.organisation_id, received.network_id, received.version
    ):
        return
    tombstone = InboxTombstone(
        organisation_id=received.organisation_id, network_id=received.network_id,
        version=received.version, kind=received.kind, number=received.number,
        sender_b2b_id=received.sender, action="REJECT",
        reason=" ".join(reason.split())[:500] or "Refused.",
        actor_account_id=None, created_at=now,
    )  # fmt: skip
    uow.session.add(tombstone)
    await uow.session.flush()
    await _queue_answer(uow, tombstone.organisation_id, {"tombstoneId": str(tombstone.id)}, now)


async def _received_for_answer(
    uow: UnitOfWork, viewer: Viewer, document_id: uuid.UUID, field: tuple[str, ...]
) -> Document:
    document = await repo.visible(uow.session, viewer.account_id, document_id, for_update=True)
    if document is None or document.direction != Direction.INCOMING:
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such received document.")
    await contacts.require_network_ready(uow, viewer, document.organisation_id, field)
    return document


async def _queue_answer(
    uow: UnitOfWork, organisation_id: uuid.UUID, payload: dict[str, str], now: dt.datetime
) -> None:
    await outbox_repo.add(
        uow.session, organisation_id=organisation_id, kind=ANSWER_KIND, payload=payload, due=now
    )


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
    _history(
        uow,
        document,
        "PENDING_APPROVAL" if needs_approval else "ACCEPTANCE_IN_PROGRESS",
        now,
        actor=viewer.account_id,
        detail=detail,
    )
    await _event(
        uow,
        document,
        pushes.STATUS_CHANGED,
        viewer.account_id,
        inboxStatus=document.inbox_status.value,
    )
    if not needs_approval:
        await _queue_answer(uow, document.organisation_id, {"documentId": str(document.id)}, now)
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
    _history(uow, document, "APPROVED", now, actor=viewer.account_id)
    await _queue_answer(uow, document.organisation_id, {"documentId": str(document.id)}, now)
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
    await _event(
        uow,
        document,
        pushes.STATUS_CHANGED,
        viewer.account_id,
        inboxStatus="REJECTED",
        reason=cleaned,
    )
    await repo.delete_received(uow.session, document)
    await _queue_answer(uow, tombstone.organisation_id, {"tombstoneId": str(tombstone.id)}, now)
    return tombstone


async def answered(uow: UnitOfWork, document: Document, now: dt.datetime) -> None:
    """The network took the acceptance: it is complete."""
    document.inbox_status = InboxStatus.ACCEPTED
    document.updated_at = now
    _history(uow, document, InboxStatus.ACCEPTED.value, now)
    await _event(uow, document, pushes.STATUS_CHANGED, None, inboxStatus=InboxStatus.ACCEPTED.value)


async def answer_refused(
    uow: UnitOfWork, document: Document, reason: str, now: dt.datetime
) -> None:
    """The network refused the acceptance (e.g. the sender replaced the document)."""
    document.inbox_status = InboxStatus.RECEIVED
    document.status = DocumentStatus.RECEIVED
    document.push_reason = reason
    document.updated_at = now
    _history(uow, document, "ANSWER_REFUSED", now, detail=reason)
    await _event(
        uow,
        document,
        pushes.STATUS_CHANGED,
        None,
        inboxStatus=InboxStatus.RECEIVED.value,
        reason=reason,
    )
