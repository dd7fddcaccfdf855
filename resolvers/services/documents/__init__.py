"""Documents: invoices, sales and purchase orders, credit and debit notes (DOMAIN.md 4-5).

Any member creates documents, each issued under one of the organisation's GSTINs (by default
the one verified at onboarding). Numbers: at most 16 characters (first alphanumeric, then
letters, digits, ``-`` and ``/``), unique per GSTIN, kind and fiscal year (April to March), as
GST requires; left out, the next free number of that series is taken (``INV-00001``...),
skipping numbers given by hand, and a clash is never more than a ``TAKEN`` user error. Tax
comes from :mod:`resolvers.services.tax`. Credit and debit notes are only possible against
documents pushed and accepted through the network.

The package: ``inputs`` (what a document says, shared constants), ``numbering``, ``supply``
(place of supply and supply type), ``notes``, ``gstin`` (the contact's GSTIN still active),
``voiding``, and here creating and editing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import uuid
from typing import Any

from contract.port import Network
from db.base import new_id
from db.models import (
    Contact,
    Direction,
    Document,
    DocumentHistory,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    PushStatus,
)
from db.repositories import contact as contact_repo
from db.repositories import document as repo
from db.repositories import organisation as organisation_repo
from db.rows import LineRow
from db.unit_of_work import UnitOfWork
from resolvers.services import idempotency, tax
from resolvers.services.accounts import Viewer
from resolvers.services.documents.gstin import gstin_problem
from resolvers.services.documents.inputs import (
    GST_START,
    MAX_DAYS_AHEAD,
    MAX_DAYS_TO_DUE,
    MAX_LINES,
    NOTES,
    NUMBER_PATTERN,
    PREFIX,
    SALES,
    DocumentIn,
    due_date_for,
    fiscal_year,
)
from resolvers.services.documents.notes import as_note_of, check_note_total, reference_of
from resolvers.services.documents.numbering import (
    issuing_gstin,
    number_for,
    organisation_gstin,
    save_new,
)
from resolvers.services.documents.supply import supply_of
from resolvers.services.errors import ErrorCode, UserError, UserInputError

__all__ = [
    "GST_START",
    "MAX_DAYS_AHEAD",
    "MAX_DAYS_TO_DUE",
    "MAX_LINES",
    "NOTES",
    "PREFIX",
    "SALES",
    "DocumentIn",
    "clean_reason",
    "create",
    "date_problems",
    "fiscal_year",
    "organisation_gstin",
    "rate_of",
    "update",
]


def _check_contact(kind: DocumentKind, contact: Contact) -> list[UserError]:
    field = ("input", "contactId")
    if contact.archived_at is not None:
        return [UserError(ErrorCode.INVALID, field, "The contact is archived.")]
    if kind in SALES and not contact.is_customer:
        return [UserError(ErrorCode.INVALID, field, "This kind of document goes to a customer.")]
    if kind not in SALES and not contact.is_vendor:
        return [UserError(ErrorCode.INVALID, field, "This kind of document goes to a vendor.")]
    return []


def date_problems(
    document_date: dt.date, due_date: dt.date | None, today: dt.date, *, check_date: bool = True
) -> list[UserError]:
    """A document date within the GST era and a year ahead; a due date on or after it and
    at most five years later."""
    errors: list[UserError] = []
    if check_date and not GST_START <= document_date <= today + dt.timedelta(MAX_DAYS_AHEAD):
        errors.append(
            UserError(
                ErrorCode.INVALID, ("input", "documentDate"),
                f"The date must fall between {GST_START.isoformat()} (GST began) and a year "
                "from today.",
            )
        )  # fmt: skip
    if due_date is not None and due_date < document_date:
        errors.append(
            UserError(ErrorCode.INVALID, ("input", "dueDate"), "The due date is before the date.")
        )
    elif due_date is not None and due_date > document_date + dt.timedelta(MAX_DAYS_TO_DUE):
        errors.append(
            UserError(
                ErrorCode.INVALID, ("input", "dueDate"),
                "The due date can be at most five years after the date.",
            )
        )  # fmt: skip
    return errors


def _problems(
    details: DocumentIn, contact: Contact | None, seller: str | None, today: dt.date
) -> list[UserError]:
    """Everything wrong with a document's input, at once."""
    errors: list[UserError] = []
    if contact is None:
        errors.append(UserError(ErrorCode.NOT_FOUND, ("input", "contactId"), "No such contact."))
    else:
        errors.extend(_check_contact(details.kind, contact))
    errors.extend(date_problems(details.document_date, details.due_date, today))
    if not details.lines:
        errors.append(UserError(ErrorCode.REQUIRED, ("input", "lines"), "Add at least one line."))
    if len(details.lines) > MAX_LINES:
        errors.append(
            UserError(ErrorCode.TOO_MANY, ("input", "lines"), f"At most {MAX_LINES} lines.")
        )
    for index, line in enumerate(details.lines[:MAX_LINES]):
        try:
            tax.check_line(line)
        except tax.LineError as exc:
            errors.append(
                UserError(ErrorCode.INVALID, ("input", "lines", str(index), exc.field), str(exc))
            )
    number = details.number.strip() if details.number else None
    if number is not None and not NUMBER_PATTERN.match(number):
        errors.append(
            UserError(
                ErrorCode.INVALID,
                ("input", "number"),
                "At most 16 letters, digits, '-' and '/', starting with a letter or digit.",
            )
        )
    if details.notes is not None and len(" ".join(details.notes.split())) > 1000:
        errors.append(UserError(ErrorCode.TOO_LONG, ("input", "notes"), "At most 1000 characters."))
    if seller is None:
        errors.append(
            UserError(
                ErrorCode.STEP_OUT_OF_ORDER,
                ("input", "organisationId"),
                "Add the organisation's GSTIN first.",
            )
        )
    return errors


async def create(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    organisation_id: uuid.UUID,
    details: DocumentIn,
    idempotency_key: str | None,
    now: dt.datetime,
    network: Network | None = None,
) -> Document:
    """Create a document in draft."""
    found = await organisation_repo.lock_for_viewer(
        uow.session, viewer.account_id, organisation_id, shared=True
    )
    if found is None:
        raise UserInputError.one(
            ErrorCode.NOT_FOUND, ("input", "organisationId"), "No such organisation."
        )
    key = idempotency.check_key(idempotency_key, ("input", "idempotencyKey"))
    document_id = new_id()
    earlier = await idempotency.claim(
        uow, scope=f"organisation:{organisation_id}", operation="documentCreate", key=key,
        payload={"details": repr(details)}, new_id=document_id, field=("input", "idempotencyKey"),
    )  # fmt: skip
    if earlier is not None:
        previous = await repo.visible(uow.session, viewer.account_id, earlier)
        if previous is not None:
            return previous
    reference = None
    if details.kind in NOTES:
        reference = await reference_of(uow, viewer, organisation_id, details)
    elif details.reference_id is not None:
        raise UserInputError.one(
            ErrorCode.INVALID, ("input", "referenceId"),
            "Only credit and debit notes refer to a document.",
        )  # fmt: skip
    values, lines = await _content(
        uow, viewer, organisation_id, details, current=None, today=now.date(), reference=reference,
        network=network, now=now,
    )  # fmt: skip
    if reference is not None:
        await check_note_total(uow, reference, values["total_paise"], exclude=None)
    document = Document(
        id=document_id, organisation_id=organisation_id, kind=details.kind,
        status=DocumentStatus.DRAFT,
        created_by_account_id=viewer.account_id, reference_id=reference and reference.id, **values,
    )  # fmt: skip
    await save_new(uow, document, details)
    _add_lines(uow, document, lines)
    uow.session.add(
        DocumentHistory(
            document_id=document.id, action="CREATED", actor_account_id=viewer.account_id
        )
    )
    await uow.session.flush()
    return document


async def _content(
    uow: UnitOfWork,
    viewer: Viewer,
    organisation_id: uuid.UUID,
    details: DocumentIn,
    *,
    current: Document | None,
    today: dt.date,
    reference: Document | None = None,
    network: Network | None = None,
    now: dt.datetime | None = None,
) -> tuple[dict[str, Any], list[DocumentLine]]:
    """Check a document's input and compute its columns and lines (``current``: when editing;
    ``reference``: the invoice or bill a note is against, whose parties, place of supply and
    supply type the note takes)."""
    if reference is not None:
        details = await as_note_of(uow, viewer, details, reference, today)
    contact = await contact_repo.visible(uow.session, viewer.account_id, details.contact_id)
    if contact is not None and contact.organisation_id != organisation_id:
        contact = None
    asked = details.gstin or (current.our_gstin if current is not None else None)
    seller = await issuing_gstin(uow, organisation_id, asked or None)
    errors = _problems(details, contact, seller, today)
    moved = contact is not None and current is not None and contact.id != current.contact_id
    if moved and current is not None and current.network_id is not None:
        errors.append(
            UserError(
                ErrorCode.INVALID, ("input", "contactId"),
                "A document sent through the network keeps its recipient.",
            )
        )  # fmt: skip
    if contact is not None and network is not None and now is not None:
        problem = await gstin_problem(contact, network, now)
        if problem is not None:
            errors.append(problem)
    if errors or contact is None or seller is None:
        raise UserInputError(errors)
    notes = " ".join((details.notes or "").split()) or None
    year = fiscal_year(details.document_date)
    number = await number_for(uow, organisation_id, seller, details, year, current)
    supply_to, kind = supply_of(details, contact, seller, reference)
    computed = tax.totals(
        details.lines, kind, supply_to, round_to_rupee=details.round_to_rupee,
        zero_rated=details.under_lut,
    )  # fmt: skip
    if computed.total > tax.MAX_DOCUMENT_TOTAL_PAISE:
        raise UserInputError.one(
            ErrorCode.INVALID, ("input", "lines"),
            f"A document's total can be at most {tax.rupees(tax.MAX_DOCUMENT_TOTAL_PAISE)}.",
        )  # fmt: skip
    values: dict[str, Any] = {
        "number": number, "fiscal_year": year, "contact_id": contact.id, "our_gstin": seller,
        "document_date": details.document_date,
        "due_date": await due_date_for(
            uow.session, organisation_id, details.kind, document_date=details.document_date,
            given=details.due_date, contact_terms=contact.payment_terms_days,
        ),
        "seller_gstin": seller if details.kind in SALES else contact.gstin,
        "place_of_supply": supply_to, "supply_type": kind.value,
        "round_to_rupee": details.round_to_rupee, "under_lut": details.under_lut,
        "taxable_paise": computed.taxable,
        "cgst_paise": computed.cgst, "sgst_paise": computed.sgst, "utgst_paise": computed.utgst,
        "igst_paise": computed.igst, "rounding_paise": computed.rounding,
        "total_paise": computed.total, "notes": notes,
    }  # fmt: skip
    lines = [
        DocumentLine(
            position=position, description=" ".join(line.description.split()),
            hsn_sac=line.hsn_sac.strip(), quantity_milli=int(line.quantity * 1000),
            unit_price_paise=tax.paise(line.unit_price), discount_paise=amounts.discount,
            tax_rate_bp=int(line.tax_rate * 100), taxable_paise=amounts.taxable,
            cgst_paise=amounts.cgst, sgst_paise=amounts.sgst, utgst_paise=amounts.utgst,
            igst_paise=amounts.igst,
        )
        for position, (line, amounts) in enumerate(zip(details.lines, computed.lines, strict=True))
    ]  # fmt: skip
    return values, lines


def _add_lines(uow: UnitOfWork, document: Document, lines: list[DocumentLine]) -> None:
    for line in lines:
        line.document_id = document.id
        uow.session.add(line)


EDITABLE = {PushStatus.NOT_PUSHED, PushStatus.PUSH_FAILED, PushStatus.REJECTED}


async def update(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    document_id: uuid.UUID,
    details: DocumentIn,
    now: dt.datetime,
    network: Network | None = None,
) -> Document:
    """Edit one of our documents: a draft or a refused push in place; a rejected or returned
    document becomes a new version, to be pushed again."""
    field = ("input", "documentId")
    document = await repo.visible(uow.session, viewer.account_id, document_id, for_update=True)
    if document is None or document.direction != Direction.OUTGOING:
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such document of yours.")
    if document.push_status not in EDITABLE:
        raise UserInputError.one(
            ErrorCode.ALREADY_DONE, field,
            "This document is on its way or accepted: it cannot be edited.",
        )  # fmt: skip
    if document.status == DocumentStatus.VOID:
        raise UserInputError.one(ErrorCode.ALREADY_DONE, field, "This document is void.")
    details = dataclasses.replace(details, kind=document.kind)
    details = dataclasses.replace(details, reference_id=document.reference_id)
    reference = None
    if document.reference_id is not None:
        reference = await uow.session.get(Document, document.reference_id)
    values, lines = await _content(
        uow, viewer, document.organisation_id, details, current=document, today=now.date(),
        reference=reference, network=network, now=now,
    )  # fmt: skip
    if reference is not None:
        await check_note_total(uow, reference, values["total_paise"], exclude=document.id)
    for key, value in values.items():
        setattr(document, key, value)
    await repo.delete_lines(uow.session, document.id)
    _add_lines(uow, document, lines)
    action, detail = "EDITED", None
    if document.push_status == PushStatus.REJECTED:
        document.version += 1
        document.push_status = PushStatus.NOT_PUSHED
        document.push_reason = None
        action, detail = "NEW_VERSION", f"Version {document.version}."
    document.updated_at = now
    uow.session.add(
        DocumentHistory(
            document_id=document.id, action=action, detail=detail,
            actor_account_id=viewer.account_id, at=now,
        )
    )  # fmt: skip
    await uow.session.flush()
    return document


def rate_of(line: LineRow) -> decimal.Decimal:
    """A stored line's tax rate in percent."""
    return tax.plain(decimal.Decimal(line.tax_rate_bp) / 100)


def clean_reason(reason: str) -> str:
    """A reason told to people: required, whitespace collapsed, at most 500 characters."""
    cleaned = " ".join(reason.split())
    if not cleaned:
        raise UserInputError.one(ErrorCode.REQUIRED, ("input", "reason"), "Say why.")
    if len(cleaned) > 500:
        raise UserInputError.one(ErrorCode.TOO_LONG, ("input", "reason"), "At most 500 characters.")
    return cleaned
