"""Documents: invoices, sales and purchase orders, credit and debit notes (DOMAIN.md 4-5).

Any member creates documents, each issued under one of the organisation's GSTINs (by default
the one verified at onboarding). Numbers: at most 16 characters (first alphanumeric, then
letters, digits, ``-`` and ``/``), unique per GSTIN, kind and fiscal year (April to March), as
GST requires; left out, the next free number of that series is taken (``INV-00001``...),
skipping numbers given by hand, and a clash is never more than a ``TAKEN`` user error. Tax
comes from :mod:`resolvers.services.tax`. Credit and debit notes are only possible against documents
pushed and accepted through the network.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from db.base import new_id
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
    PushStatus,
)
from db.repositories import contact as contact_repo
from db.repositories import document as repo
from db.repositories import onboarding as onboarding_repo
from db.repositories import organisation as organisation_repo
from db.unit_of_work import UnitOfWork
from resolvers.services import idempotency, states, tax
from resolvers.services.accounts import Viewer
from resolvers.services.errors import ErrorCode, UserError, UserInputError

MAX_LINES = 200
# Dates: GST began on 1 July 2017; a document may be dated up to a year ahead, and fall due
# up to five years after its date.
GST_START = dt.date(2017, 7, 1)
MAX_DAYS_AHEAD = 366
MAX_DAYS_TO_DUE = 5 * 366
PREFIX = {
    DocumentKind.INVOICE: "INV-",
    DocumentKind.SALES_ORDER: "SO-",
    DocumentKind.PURCHASE_ORDER: "PO-",
    DocumentKind.CREDIT_NOTE: "CN-",
    DocumentKind.DEBIT_NOTE: "DN-",
}
SALES = {DocumentKind.INVOICE, DocumentKind.SALES_ORDER, DocumentKind.CREDIT_NOTE}
_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/-]{0,15}$")


@dataclass(frozen=True)
class DocumentIn:
    """A document as entered."""

    kind: DocumentKind
    contact_id: uuid.UUID
    number: str | None
    document_date: dt.date
    due_date: dt.date | None
    place_of_supply: str | None
    round_to_rupee: bool
    notes: str | None
    lines: list[tax.LineIn]
    # For credit and debit notes: the invoice or bill it is against.
    reference_id: uuid.UUID | None = None
    # The organisation's GSTIN it is issued under (default: see organisation_gstin).
    gstin: str | None = None
    # A zero-rated export or SEZ supply under a letter of undertaking or bond: no IGST.
    under_lut: bool = False


NOTES = {DocumentKind.CREDIT_NOTE, DocumentKind.DEBIT_NOTE}


def fiscal_year(day: dt.date) -> str:
    """Indian fiscal year of a date: ``2026-27`` runs from 1 April 2026 to 31 March 2027."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


async def organisation_gstin(uow: UnitOfWork, organisation_id: uuid.UUID) -> str | None:
    """The organisation's GSTIN (the one verified at onboarding, else the first added)."""
    onboarding = await onboarding_repo.onboarding(uow.session, organisation_id)
    if onboarding is not None and onboarding.gstin is not None:
        return onboarding.gstin
    gstins = await onboarding_repo.gstins(uow.session, organisation_id)
    return gstins[0].gstin if gstins else None


async def _issuing_gstin(
    uow: UnitOfWork, organisation_id: uuid.UUID, asked: str | None
) -> str | None:
    """The GSTIN a document is issued under: the one asked for, which the organisation must
    hold, or by default :func:`organisation_gstin`."""
    if asked is None:
        return await organisation_gstin(uow, organisation_id)
    wanted = asked.strip().upper()
    held = {g.gstin for g in await onboarding_repo.gstins(uow.session, organisation_id)}
    if wanted not in held:
        raise UserInputError.one(
            ErrorCode.GSTIN_NOT_HELD, ("input", "gstin"),
            "Issue documents under one of the organisation's GSTINs.",
        )  # fmt: skip
    return wanted


MAX_NUMBER_SKIPS = 1000


async def _number(  # noqa: PLR0917
    uow: UnitOfWork,
    organisation_id: uuid.UUID,
    gstin: str,
    details: DocumentIn,
    year: str,
    current: Document | None,
) -> str:
    """The document's number: the one given (refused if taken in its series), the current one
    when editing within the same fiscal year, or the next free one of the series (numbers
    taken by hand are skipped, and the series moves past them)."""
    kind = details.kind.value
    number = details.number.strip() if details.number else None
    if number is None and current is not None and (current.fiscal_year, current.our_gstin) == (
        year, gstin,
    ):  # fmt: skip
        return current.number
    if number is not None:
        same = current is not None and (current.number, current.fiscal_year, current.our_gstin) == (
            number, year, gstin,
        )  # fmt: skip
        if not same and await repo.number_taken(
            uow.session, organisation_id, kind, year, number, gstin=gstin
        ):
            raise UserInputError.one(
                ErrorCode.TAKEN, ("input", "number"), f"{number} is used in {year} already."
            )
        return number
    for _ in range(MAX_NUMBER_SKIPS):
        serial = await repo.next_number(uow.session, organisation_id, gstin, kind, year)
        candidate = f"{PREFIX[details.kind]}{serial:05d}"
        if not await repo.number_taken(
            uow.session, organisation_id, kind, year, candidate, gstin=gstin
        ):
            return candidate
    raise UserInputError.one(  # pragma: no cover - a thousand numbers in a row taken by hand
        ErrorCode.TAKEN, ("input", "number"), "No free automatic number: give one by hand."
    )


async def _save_new(uow: UnitOfWork, document: Document, details: DocumentIn) -> None:
    """Insert a new document; a number taken meanwhile (another request's, concurrently) is a
    ``TAKEN`` user error for a number given by hand, and the next free one otherwise."""
    for _ in range(MAX_NUMBER_SKIPS):
        try:
            async with uow.session.begin_nested():
                uow.session.add(document)
                await uow.session.flush()
        except IntegrityError:
            if details.number is not None:
                raise UserInputError.one(
                    ErrorCode.TAKEN, ("input", "number"),
                    f"{document.number} is used in {document.fiscal_year} already.",
                ) from None  # fmt: skip
            document.number = await _number(
                uow, document.organisation_id, document.our_gstin, details, document.fiscal_year,
                None,
            )  # fmt: skip
            continue
        return
    raise UserInputError.one(  # pragma: no cover
        ErrorCode.TAKEN, ("input", "number"), "No free automatic number: give one by hand."
    )


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
    if number is not None and not _NUMBER.match(number):
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
) -> Document:
    """Create a document in draft."""
    found = await organisation_repo.lock_for_viewer(uow.session, viewer.account_id, organisation_id)
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
        reference = await _reference(uow, viewer, organisation_id, details)
    elif details.reference_id is not None:
        raise UserInputError.one(
            ErrorCode.INVALID, ("input", "referenceId"),
            "Only credit and debit notes refer to a document.",
        )  # fmt: skip
    values, lines = await _content(
        uow, viewer, organisation_id, details, current=None, today=now.date(), reference=reference
    )
    if reference is not None:
        await _check_note_total(uow, reference, values["total_paise"], exclude=None)
    document = Document(
        id=document_id, organisation_id=organisation_id, kind=details.kind,
        status=DocumentStatus.DRAFT,
        created_by_account_id=viewer.account_id, reference_id=reference and reference.id, **values,
    )  # fmt: skip
    await _save_new(uow, document, details)
    _add_lines(uow, document, lines)
    uow.session.add(
        DocumentHistory(
            document_id=document.id, action="CREATED", actor_account_id=viewer.account_id
        )
    )
    await uow.session.flush()
    return document


async def _reference(
    uow: UnitOfWork, viewer: Viewer, organisation_id: uuid.UUID, details: DocumentIn
) -> Document:
    """The accepted document a note is against: a credit note against one of our invoices
    accepted through the network, a debit note against a bill we accepted from it."""
    field = ("input", "referenceId")
    if details.reference_id is None:
        raise UserInputError.one(
            ErrorCode.REQUIRED, field, "Name the invoice or bill this note is against."
        )
    found = await repo.visible(uow.session, viewer.account_id, details.reference_id)
    if found is None or found.organisation_id != organisation_id:
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such document.")
    if details.kind == DocumentKind.CREDIT_NOTE:
        fits = found.kind == DocumentKind.INVOICE and found.direction == Direction.OUTGOING
        accepted = found.push_status == PushStatus.ACCEPTED
        wanted = "one of your invoices"
    else:
        fits = found.kind == DocumentKind.INVOICE and found.direction == Direction.INCOMING
        accepted = found.inbox_status == InboxStatus.ACCEPTED
        wanted = "a bill you received"
    if not fits:
        what = details.kind.value.lower().replace("_", " ")
        raise UserInputError.one(ErrorCode.INVALID, field, f"A {what} is against {wanted}.")
    if not accepted:
        raise UserInputError.one(
            ErrorCode.STEP_OUT_OF_ORDER, field,
            "Notes are only possible against a document pushed and accepted through "
            "Bharat Connect.",
        )  # fmt: skip
    if details.contact_id != found.contact_id:
        raise UserInputError.one(
            ErrorCode.INVALID, ("input", "contactId"), "A note goes to the contact of its document."
        )  # fmt: skip
    return found


async def _as_note_of(
    uow: UnitOfWork, viewer: Viewer, details: DocumentIn, reference: Document
) -> DocumentIn:
    """A note's input held to its document: dated on or after it, the same place of supply
    (and so the same tax heads), the same GSTIN of ours, and only rates its lines carry."""
    errors: list[UserError] = []
    if details.document_date < reference.document_date:
        errors.append(
            UserError(
                ErrorCode.INVALID, ("input", "documentDate"),
                f"A note is dated on or after its document ({reference.document_date}).",
            )
        )  # fmt: skip
    given = details.place_of_supply.strip() if details.place_of_supply else None
    if given is not None and given != reference.place_of_supply:
        errors.append(
            UserError(
                ErrorCode.INVALID, ("input", "placeOfSupply"),
                f"A note takes its document's place of supply ({reference.place_of_supply}).",
            )
        )  # fmt: skip
    rates = {
        line.tax_rate_bp
        for line in await repo.lines_for(uow.session, viewer.account_id, [reference.id])
    }
    for index, line in enumerate(details.lines):
        if int(line.tax_rate * 100) not in rates:
            shown = ", ".join(f"{decimal.Decimal(r) / 100:g}" for r in sorted(rates))
            errors.append(
                UserError(
                    ErrorCode.INVALID, ("input", "lines", str(index), "taxRate"),
                    f"A note's lines carry the rates of its document's lines ({shown} %).",
                )
            )  # fmt: skip
    if errors:
        raise UserInputError(errors)
    return dataclasses.replace(
        details,
        place_of_supply=reference.place_of_supply,
        gstin=reference.our_gstin or details.gstin,
    )


async def _check_note_total(
    uow: UnitOfWork, reference: Document, total: int, *, exclude: uuid.UUID | None
) -> None:
    """Notes of a kind against a document may not add up to more than the document."""
    earlier = await repo.notes_total(uow.session, reference.id, exclude=exclude)
    if earlier + total > reference.total_paise:
        left = tax.rupees(max(reference.total_paise - earlier, 0))
        raise UserInputError.one(
            ErrorCode.INVALID, ("input", "lines"),
            f"Notes against {reference.number} would exceed its total; at most {left} is left.",
        )  # fmt: skip


def _supply(
    details: DocumentIn, contact: Contact, seller: str, reference: Document | None
) -> tuple[str, tax.SupplyType]:
    """The place of supply and supply type of a document.

    Sales: the buyer's state unless given; to an overseas customer always an export (place of
    supply 96), to an SEZ unit an SEZ supply, both with IGST (or zero-rated under LUT).
    Purchases: our state unless given; from an overseas vendor an import (IGST). A note takes
    its document's."""
    field = ("input", "placeOfSupply")
    ours = states.current(seller[:2])
    theirs = states.current(contact.gstin[:2] if contact.gstin else (contact.state_code or ours))
    given = details.place_of_supply.strip() if details.place_of_supply else None
    if given is not None and (problem := states.place_of_supply_problem(given)) is not None:
        raise UserInputError.one(ErrorCode.INVALID, field, problem)
    overseas = contact.gst_treatment == GstTreatment.OVERSEAS
    if details.kind in SALES:
        if overseas and given not in {None, states.OUTSIDE_INDIA}:
            raise UserInputError.one(
                ErrorCode.INVALID, field, "A supply to an overseas customer is an export: 96."
            )
        supply_to = states.OUTSIDE_INDIA if overseas else given or states.current(
            contact.place_of_supply or theirs
        )  # fmt: skip
        seller_state = ours
    else:
        supply_to = given or ours
        seller_state = theirs
    if (problem := states.place_of_supply_problem(supply_to)) is not None:
        raise UserInputError.one(ErrorCode.INVALID, field, problem)
    kind = tax.supply_type(
        seller_state, supply_to, sez=contact.gst_treatment == GstTreatment.SEZ,
        imported=overseas and details.kind not in SALES,
    )  # fmt: skip
    if reference is not None:
        kind = tax.SupplyType(reference.supply_type)
    if details.under_lut and kind not in tax.ZERO_RATED:
        raise UserInputError.one(
            ErrorCode.INVALID, ("input", "underLut"),
            "Only exports and supplies to SEZ units are zero-rated under LUT or bond.",
        )  # fmt: skip
    return supply_to, kind


async def _content(
    uow: UnitOfWork,
    viewer: Viewer,
    organisation_id: uuid.UUID,
    details: DocumentIn,
    *,
    current: Document | None,
    today: dt.date,
    reference: Document | None = None,
) -> tuple[dict[str, Any], list[DocumentLine]]:
    """Check a document's input and compute its columns and lines (``current``: when editing;
    ``reference``: the invoice or bill a note is against, whose parties, place of supply and
    supply type the note takes)."""
    if reference is not None:
        details = await _as_note_of(uow, viewer, details, reference)
    contact = await contact_repo.visible(uow.session, viewer.account_id, details.contact_id)
    if contact is not None and contact.organisation_id != organisation_id:
        contact = None
    asked = details.gstin or (current.our_gstin if current is not None else None)
    seller = await _issuing_gstin(uow, organisation_id, asked or None)
    errors = _problems(details, contact, seller, today)
    moved = contact is not None and current is not None and contact.id != current.contact_id
    if moved and current is not None and current.network_id is not None:
        errors.append(
            UserError(
                ErrorCode.INVALID, ("input", "contactId"),
                "A document sent through the network keeps its recipient.",
            )
        )  # fmt: skip
    if errors or contact is None or seller is None:
        raise UserInputError(errors)
    notes = " ".join((details.notes or "").split()) or None
    year = fiscal_year(details.document_date)
    number = await _number(uow, organisation_id, seller, details, year, current)
    supply_to, kind = _supply(details, contact, seller, reference)
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
        "document_date": details.document_date, "due_date": details.due_date,
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
        reference=reference,
    )  # fmt: skip
    if reference is not None:
        await _check_note_total(uow, reference, values["total_paise"], exclude=document.id)
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


def rate_of(line: DocumentLine) -> decimal.Decimal:
    """A stored line's tax rate in percent."""
    return (decimal.Decimal(line.tax_rate_bp) / 100).normalize()


async def void(
    uow: UnitOfWork, viewer: Viewer, *, document_id: uuid.UUID, reason: str, now: dt.datetime
) -> Document:
    """Void one of our documents the network does not hold as accepted or in flight."""
    field = ("input", "documentId")
    document = await repo.visible(uow.session, viewer.account_id, document_id, for_update=True)
    if document is None or document.direction != Direction.OUTGOING:
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such document of yours.")
    if document.status == DocumentStatus.VOID:
        raise UserInputError.one(ErrorCode.ALREADY_DONE, field, "This document is void already.")
    if document.push_status not in EDITABLE:
        raise UserInputError.one(
            ErrorCode.ALREADY_DONE, field,
            "This document is on its way or accepted: correct it with a credit or debit note.",
        )  # fmt: skip
    cleaned = clean_reason(reason)
    document.status = DocumentStatus.VOID
    document.updated_at = now
    uow.session.add(
        DocumentHistory(
            document_id=document.id, action="VOIDED", detail=cleaned,
            actor_account_id=viewer.account_id, at=now,
        )
    )  # fmt: skip
    return document


def clean_reason(reason: str) -> str:
    """A reason told to people: required, whitespace collapsed, at most 500 characters."""
    cleaned = " ".join(reason.split())
    if not cleaned:
        raise UserInputError.one(ErrorCode.REQUIRED, ("input", "reason"), "Say why.")
    if len(cleaned) > 500:
        raise UserInputError.one(ErrorCode.TOO_LONG, ("input", "reason"), "At most 500 characters.")
    return cleaned
