"""Credit and debit notes: against an invoice or bill accepted through the network, held to
it (the same place of supply, supply type and GSTIN of ours, its line rates, dated on or after
it), and together never more than it (notes rejected, returned or void do not count)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import uuid

from db.models import Direction, Document, DocumentKind, InboxStatus, PushStatus
from db.repositories import document as repo
from db.unit_of_work import UnitOfWork
from resolvers.services import tax
from resolvers.services.accounts import Viewer
from resolvers.services.documents.inputs import DocumentIn
from resolvers.services.errors import ErrorCode, UserError, UserInputError


async def reference_of(
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


def credit_note_deadline(supplied_on: dt.date) -> dt.date:
    """Section 34(2) CGST: a credit note for a supply of one financial year (April to March)
    may be issued until 30 November after that year ends."""
    year_ends = supplied_on.year + 1 if supplied_on.month >= 4 else supplied_on.year
    return dt.date(year_ends, 11, 30)


async def as_note_of(
    uow: UnitOfWork, viewer: Viewer, details: DocumentIn, reference: Document, today: dt.date
) -> DocumentIn:
    """A note's input held to its document: dated on or after it, the same place of supply
    (and so the same tax heads), the same GSTIN of ours, and only rates its lines carry; a
    credit note issued (dated, and made) by the deadline of section 34(2)."""
    errors: list[UserError] = []
    deadline = credit_note_deadline(reference.document_date)
    if details.kind == DocumentKind.CREDIT_NOTE and max(details.document_date, today) > deadline:
        errors.append(
            UserError(
                ErrorCode.INVALID, ("input", "documentDate"),
                f"A credit note for a supply of {reference.document_date} can be issued until "
                f"{deadline} (section 34(2) CGST).",
            )
        )  # fmt: skip
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


async def check_note_total(
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
