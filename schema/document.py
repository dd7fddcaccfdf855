"""Documents: invoices, sales and purchase orders, credit and debit notes."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import strawberry

from db.models import DocumentHistory as HistoryModel
from db.rows import DocumentRow, LineRow
from resolvers import account as account_resolvers
from resolvers import contacts as contact_resolvers
from resolvers import documents as resolvers
from resolvers import financing as financing_resolvers
from resolvers import payments as payment_resolvers
from resolvers.context import Context
from resolvers.services import tax
from resolvers.services.documents import rate_of
from resolvers.services.ids import encode_id
from resolvers.services.payments import ledger
from schema.account import Account
from schema.contact import Contact
from schema.document_enums import (
    DocumentDirection,
    DocumentKind,
    DocumentStatus,
    InboxStatus,
    PushStatus,
    SupplyType,
)
from schema.money import Money
from schema.relay import Node
from schema.views import Fields, view_of

if TYPE_CHECKING:
    from schema.financing import FinancingRequest
    from schema.payment import Payment

Info = strawberry.Info[Context, None]

__all__ = [
    "Document",
    "DocumentDirection",
    "DocumentKind",
    "DocumentStatus",
    "InboxStatus",
    "PushStatus",
    "SupplyType",
]


@strawberry.type(description="One line of a document.")
class DocumentLine:
    """A line."""

    position: int = strawberry.field(description="Order on the document, from 0.")
    description: str = strawberry.field(description="The goods or service.")
    hsn_sac: str = strawberry.field(description="HSN (goods) or SAC (services) code.")
    quantity: decimal.Decimal = strawberry.field(description="Quantity (up to 3 decimals).")
    unit_price: Money = strawberry.field(description="Price per unit.")
    discount: Money = strawberry.field(description="Discount on the line.")
    tax_rate: decimal.Decimal = strawberry.field(description="GST rate in percent.")
    taxable: Money = strawberry.field(description="Taxable value.")
    cgst: Money = strawberry.field(description="Central tax.")
    sgst: Money = strawberry.field(description="State tax.")
    utgst: Money = strawberry.field(description="Union territory tax.")
    igst: Money = strawberry.field(description="Integrated tax.")
    total: Money = strawberry.field(description="Taxable value plus taxes.")

    @classmethod
    def from_model(cls, m: LineRow) -> DocumentLine:
        """Map a row (each field is worked out when a query asks for it)."""
        return _line_view(m)


def _line_total(m: LineRow) -> int:
    return m.taxable_paise + m.cgst_paise + m.sgst_paise + m.utgst_paise + m.igst_paise


# How each DocumentLine field comes from its row.
LINE_FIELDS: dict[str, Callable[[LineRow], object]] = {
    "position": lambda m: m.position,
    "description": lambda m: m.description,
    "hsn_sac": lambda m: m.hsn_sac,
    "quantity": lambda m: tax.plain(decimal.Decimal(m.quantity_milli) / 1000),
    "unit_price": lambda m: Money.from_paise(m.unit_price_paise),
    "discount": lambda m: Money.from_paise(m.discount_paise),
    "tax_rate": rate_of,
    "taxable": lambda m: Money.from_paise(m.taxable_paise),
    "cgst": lambda m: Money.from_paise(m.cgst_paise),
    "sgst": lambda m: Money.from_paise(m.sgst_paise),
    "utgst": lambda m: Money.from_paise(m.utgst_paise),
    "igst": lambda m: Money.from_paise(m.igst_paise),
    "total": lambda m: Money.from_paise(_line_total(m)),
}


_line_view = view_of(DocumentLine, LINE_FIELDS)


@strawberry.type(description="A document's totals.")
class DocumentTotals:
    """Totals."""

    taxable: Money = strawberry.field(description="Sum of taxable values.")
    cgst: Money = strawberry.field(description="Central tax.")
    sgst: Money = strawberry.field(description="State tax.")
    utgst: Money = strawberry.field(description="Union territory tax.")
    igst: Money = strawberry.field(description="Integrated tax.")
    rounding: Money = strawberry.field(
        description="Rounding adjustment (to the rupee, when asked)."
    )
    total: Money = strawberry.field(description="The amount due.")

    @classmethod
    def from_model(cls, m: DocumentRow) -> DocumentTotals:
        """A document row's totals (each worked out when a query asks for it)."""
        return _totals_view(m)


# Each DocumentTotals field is the document row's column of that name in paise.
TOTALS_COLUMNS = {
    "taxable": "taxable_paise", "cgst": "cgst_paise", "sgst": "sgst_paise",
    "utgst": "utgst_paise", "igst": "igst_paise", "rounding": "rounding_paise",
    "total": "total_paise",
}  # fmt: skip


def _money_in(column: str) -> Callable[[DocumentRow], Money]:
    return lambda m: Money.from_paise(getattr(m, column))


_totals_view = view_of(
    DocumentTotals,
    {name: _money_in(column) for name, column in TOTALS_COLUMNS.items()},
)


@strawberry.type(description="Tax per rate.")
class TaxBreakdown:
    """Tax at one rate."""

    rate: decimal.Decimal = strawberry.field(description="GST rate in percent.")
    taxable: Money = strawberry.field(description="Taxable value at this rate.")
    cgst: Money = strawberry.field(description="Central tax.")
    sgst: Money = strawberry.field(description="State tax.")
    utgst: Money = strawberry.field(description="Union territory tax.")
    igst: Money = strawberry.field(description="Integrated tax.")


@strawberry.type(description="Something that happened to a document.")
class DocumentHistoryEntry:
    """A history entry."""

    action: str = strawberry.field(description="What happened (CREATED, ...).")
    detail: str | None = strawberry.field(description="More about it.")
    by_network: bool = strawberry.field(description="Whether the network did it.")
    at: dt.datetime = strawberry.field(description="When (UTC).")
    _model: strawberry.Private[HistoryModel]

    @strawberry.field(description="Who did it (null for the network).")
    async def actor(self, info: Info) -> Account | None:
        if self._model.actor_account_id is None:
            return None
        found = await account_resolvers.account_by_id(info.context, self._model.actor_account_id)
        return None if found is None else Account.from_model(found)


@strawberry.type(description="An invoice, order, or credit or debit note.")
class Document(Node):
    """A document."""

    kind: DocumentKind = strawberry.field(description="What it is.")
    number: str = strawberry.field(description="Its number, unique in its kind and fiscal year.")
    fiscal_year: str = strawberry.field(description="The Indian fiscal year, e.g. 2026-27.")
    document_date: dt.date = strawberry.field(description="The document date.")
    due_date: dt.date | None = strawberry.field(description="When payment is due.")
    seller_gstin: str | None = strawberry.field(description="The seller's GSTIN.")
    gstin: str | None = strawberry.field(
        description="Our GSTIN the document is issued under (null for received documents)."
    )
    place_of_supply: str = strawberry.field(
        description="State code of the place of supply (96 outside India)."
    )
    supply_type: SupplyType = strawberry.field(description="Which taxes apply.")
    under_lut: bool = strawberry.field(
        description="Zero-rated under LUT or bond: supplied without payment of IGST (shown on "
        "the document as such)."
    )
    push_status: PushStatus = strawberry.field(description="Where it stands on the network.")
    version: int = strawberry.field(
        description="Its version (a new one after edits of a returned document)."
    )
    network_id: str | None = strawberry.field(
        description="Its id on the network (made at the first push, kept for retries)."
    )
    push_reason: str | None = strawberry.field(
        description="Why the network refused it, or the recipient's remarks (RETURNED: ... for a return)."
    )
    notes: str | None = strawberry.field(description="Notes for the recipient.")
    direction: DocumentDirection = strawberry.field(
        description="Yours (OUTGOING) or received through Bharat Connect (INCOMING)."
    )
    received_from: str | None = strawberry.field(
        description="For received documents: the sender's B2B ID."
    )
    inbox_status: InboxStatus | None = strawberry.field(
        description="For received documents: where the answer stands."
    )
    totals: DocumentTotals = strawberry.field(description="Its totals.")
    created_at: dt.datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: dt.datetime = strawberry.field(description="When it last changed (UTC).")
    _model: strawberry.Private[DocumentRow]
    # The page's contacts and lines, when the list loaded them for all its documents at once.
    _prefetched: strawberry.Private[resolvers.Prefetched | None] = None

    @classmethod
    def from_model(cls, m: DocumentRow, prefetched: resolvers.Prefetched | None = None) -> Document:
        """Map a row (each field is worked out when a query asks for it)."""
        return _document_view(m, _prefetched=prefetched)

    @strawberry.field(
        description="Business status (see DocumentStatus: which values apply to which "
        "documents). OVERDUE is derived: an invoice or bill past its due date with money still "
        "owed after payments and accepted credit notes."
    )
    def status(self, info: Info) -> DocumentStatus:
        today = info.context.app.now().date()
        if not ledger.may_be_overdue(self._model, today):
            return DocumentStatus[self._model.status]
        # Past due with money owed: accepted credit notes may cover it (batched per page).
        return self._status_after_credit(info, today)  # type: ignore[return-value]

    async def _status_after_credit(self, info: Info, today: dt.date) -> DocumentStatus:
        credit = await payment_resolvers.credited(info.context, self._model.id)
        return DocumentStatus[ledger.shown_status(self._model, today, credit)]

    @strawberry.field(
        description="Paid so far: payments settled through the network, and payments made "
        "outside it that were recorded (ours) or confirmed (received)."
    )
    def amount_paid(self) -> Money:
        return Money.from_paise(self._model.paid_paise)

    @strawberry.field(
        description="Still owed: the total less accepted credit notes and payments (never "
        "below zero)."
    )
    async def amount_due(self, info: Info) -> Money:
        credit = await payment_resolvers.credited(info.context, self._model.id)
        return Money.from_paise(ledger.amount_due(self._model, credit))

    @strawberry.field(
        description="On its way: payments initiated or pending on the network for this document."
    )
    def amount_in_flight(self) -> Money:
        return Money.from_paise(self._model.in_flight_paise)

    @strawberry.field(
        description="For your invoices: its latest financing request (null if none, and for "
        "members who may not see financing)."
    )
    async def financing(
        self, info: Info
    ) -> Annotated[FinancingRequest, strawberry.lazy("schema.financing")] | None:
        from schema.financing import FinancingRequest

        if self._model.direction.value != "OUTGOING":
            return None
        found = await financing_resolvers.of_invoice(info.context, self._model.id)
        return None if found is None else FinancingRequest.from_model(found)

    @strawberry.field(
        description="The first payments made towards it, oldest first (at most 100; every one "
        "through `organisation.payments(documentId:)`, a connection)."
    )
    async def payments(
        self,
        info: Info,
        first: Annotated[
            int, strawberry.argument(description="How many of the oldest (0 to 100).")
        ] = 100,
    ) -> list[Annotated[Payment, strawberry.lazy("schema.payment")]]:
        from schema.payment import Payment

        found = await payment_resolvers.of_document(info.context, self._model.id)
        return [Payment.from_model(p) for p in found[: max(0, min(first, 100))]]

    # ``contact`` and ``lines`` are plain resolvers: from a page they answer from what the page
    # loaded at once (no awaitable per document); alone, they return the awaitable load.
    @strawberry.field(description="The customer or vendor.")
    def contact(self, info: Info) -> Contact | None:
        loaded = None if self._prefetched is None else self._prefetched.contacts
        if loaded is None:
            return self._load_contact(info)  # type: ignore[return-value]
        found = loaded.get(self._model.contact_id)
        return None if found is None else Contact.from_model(found)

    async def _load_contact(self, info: Info) -> Contact | None:
        found = await contact_resolvers.contact_by_id(info.context, self._model.contact_id)
        return None if found is None else Contact.from_model(found)

    @strawberry.field(description="For credit and debit notes: the invoice or bill it is against.")
    async def reference(self, info: Info) -> Document | None:
        if self._model.reference_id is None:
            return None
        found = await resolvers.document_by_id(info.context, self._model.reference_id)
        return None if found is None else Document.from_model(found)

    @strawberry.field(description="The lines, in order.")
    def lines(self, info: Info) -> list[DocumentLine]:
        loaded = None if self._prefetched is None else self._prefetched.lines
        if loaded is None:
            return self._load_lines(info)  # type: ignore[return-value]
        return [DocumentLine.from_model(x) for x in loaded.get(self._model.id, [])]

    async def _load_lines(self, info: Info) -> list[DocumentLine]:
        return [
            DocumentLine.from_model(x) for x in await resolvers.lines(info.context, self._model.id)
        ]

    @strawberry.field(description="Tax per rate.")
    async def tax_breakdown(self, info: Info) -> list[TaxBreakdown]:
        by_rate: dict[int, list[LineRow]] = {}
        for line in await resolvers.lines(info.context, self._model.id):
            by_rate.setdefault(line.tax_rate_bp, []).append(line)
        return [
            TaxBreakdown(
                rate=rate_of(group[0]),
                taxable=Money.from_paise(sum(x.taxable_paise for x in group)),
                cgst=Money.from_paise(sum(x.cgst_paise for x in group)),
                sgst=Money.from_paise(sum(x.sgst_paise for x in group)),
                utgst=Money.from_paise(sum(x.utgst_paise for x in group)),
                igst=Money.from_paise(sum(x.igst_paise for x in group)),
            )
            for _, group in sorted(by_rate.items())
        ]

    @strawberry.field(description="What happened to it: the latest entries, oldest first.")
    async def history(
        self,
        info: Info,
        last: Annotated[
            int, strawberry.argument(description="How many of the latest entries (0 to 100).")
        ] = 50,
    ) -> list[DocumentHistoryEntry]:
        return [
            DocumentHistoryEntry(
                action=h.action, detail=h.detail, by_network=h.by_network, at=h.at, _model=h
            )
            for h in await resolvers.history(info.context, self._model.id, last)
        ]


# How each Document field without a resolver comes from its row.
DOCUMENT_FIELDS: Fields = {
    "id": lambda m: strawberry.ID(encode_id("Document", m.id)),
    "kind": lambda m: DocumentKind[m.kind.name],
    "number": lambda m: m.number,
    "fiscal_year": lambda m: m.fiscal_year,
    "document_date": lambda m: m.document_date,
    "due_date": lambda m: m.due_date,
    "seller_gstin": lambda m: m.seller_gstin,
    "gstin": lambda m: m.our_gstin or None,
    "place_of_supply": lambda m: m.place_of_supply,
    "supply_type": lambda m: SupplyType[m.supply_type],
    "under_lut": lambda m: m.under_lut,
    "push_status": lambda m: PushStatus[m.push_status.name],
    "version": lambda m: m.version,
    "network_id": lambda m: m.network_id,
    "push_reason": lambda m: m.push_reason,
    "notes": lambda m: m.notes,
    "direction": lambda m: DocumentDirection[m.direction.name],
    "received_from": lambda m: m.received_from or None,
    "inbox_status": lambda m: None if m.inbox_status is None else InboxStatus[m.inbox_status.name],
    "totals": DocumentTotals.from_model,
    "created_at": lambda m: m.created_at,
    "updated_at": lambda m: m.updated_at,
}
_document_view = view_of(Document, DOCUMENT_FIELDS)
