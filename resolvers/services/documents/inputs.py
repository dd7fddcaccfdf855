"""What a document says as entered, and the constants every part of the service shares."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import DocumentKind, Organisation
from resolvers.services import tax

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
NUMBER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/-]{0,15}$")


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


async def due_date_for(
    session: AsyncSession, organisation_id: uuid.UUID, kind: DocumentKind, *,
    document_date: dt.date, given: dt.date | None, contact_terms: int | None,
) -> dt.date | None:  # fmt: skip
    """An invoice's (or a received bill's) due date: the one given, else the document's date
    plus the contact's payment terms, else plus the organisation's default (30 days unless
    set), so that every invoice and bill can become overdue. Other kinds keep what was given."""
    if given is not None or kind != DocumentKind.INVOICE:
        return given
    terms = contact_terms
    if terms is None:
        terms = await session.scalar(
            select(Organisation.default_payment_terms_days).where(
                Organisation.id == organisation_id
            )
        )
    return document_date + dt.timedelta(days=30 if terms is None else terms)


def fiscal_year(day: dt.date) -> str:
    """Indian fiscal year of a date: ``2026-27`` runs from 1 April 2026 to 31 March 2027."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"
