"""The inputs and payload of the document mutations."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import uuid

import strawberry

from db.models import Document as DocumentModel
from db.models import DocumentKind as StoredKind
from resolvers.mutation import Outcome
from resolvers.services import tax
from resolvers.services.documents import DocumentIn
from resolvers.services.ids import decode_typed_id
from schema.document import Document
from schema.document_enums import DocumentKind
from schema.errors import UserError, user_errors


@strawberry.input(description="A document line. Money and quantities are decimal strings.")
class DocumentLineInput:
    """Line input."""

    description: str = strawberry.field(description="The goods or service (≤ 300 characters).")
    hsn_sac: str = strawberry.field(
        description="HSN code (4, 6 or 8 digits) or SAC (6 digits starting 99)."
    )
    quantity: decimal.Decimal = strawberry.field(
        description='Quantity, more than 0, up to 3 decimals ("2.5").'
    )
    unit_price: decimal.Decimal = strawberry.field(
        description='Price per unit in rupees ("1180.50").'
    )
    discount: decimal.Decimal = strawberry.field(
        default=decimal.Decimal(0), description="Discount on the line in rupees."
    )
    tax_rate: decimal.Decimal = strawberry.field(
        description="GST rate in percent: 0, 0.25, 3, 5, 12, 18, 28 or 40."
    )


@strawberry.input(description="What a document says (shared by creating and editing).")
class DocumentFieldsInput:
    """The editable fields of a document."""

    contact_id: strawberry.ID = strawberry.field(
        description="The customer (sales) or vendor (purchases)."
    )
    number: str | None = strawberry.field(
        default=None,
        description="Its number, unique per GSTIN, kind and fiscal year; the next free one of "
        "the series when left out (kept when editing).",
    )
    gstin: str | None = strawberry.field(
        default=None,
        description="The organisation's GSTIN it is issued under (one it holds); by default "
        "the one verified at onboarding (kept when editing).",
    )
    document_date: dt.date = strawberry.field(description="The document date.")
    due_date: dt.date | None = strawberry.field(default=None, description="When payment is due.")
    place_of_supply: str | None = strawberry.field(
        default=None, description="State code; defaults from the contact."
    )
    round_to_rupee: bool = strawberry.field(
        default=False, description="Round the total to the rupee."
    )
    under_lut: bool = strawberry.field(
        default=False,
        description="An export or a supply to an SEZ unit zero-rated under a letter of "
        "undertaking (LUT) or bond: supplied without payment of IGST.",
    )
    notes: str | None = strawberry.field(
        default=None, description="Notes for the recipient (≤ 1000 characters)."
    )
    lines: list[DocumentLineInput] = strawberry.field(description="1 to 200 lines.")

    def details(self, kind: StoredKind) -> DocumentIn | None:
        """The service's form (``None`` when the contact id is not a contact's)."""
        contact = decode_typed_id(self.contact_id, "Contact")
        if contact is None:
            return None
        return DocumentIn(
            kind=kind, contact_id=contact, number=self.number, gstin=self.gstin,
            document_date=self.document_date, due_date=self.due_date,
            place_of_supply=self.place_of_supply, round_to_rupee=self.round_to_rupee,
            under_lut=self.under_lut,
            notes=self.notes,
            lines=[tax.LineIn(x.description, x.hsn_sac, x.quantity, x.unit_price, x.discount, x.tax_rate) for x in self.lines],
        )  # fmt: skip


@strawberry.input(
    description="Create a document in draft (credit and debit notes need an accepted document first)."
)
class DocumentCreateInput(DocumentFieldsInput):
    """Document input."""

    organisation_id: strawberry.ID = strawberry.field(description="The organisation.")
    kind: DocumentKind = strawberry.field(description="What to create.")
    reference_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="For credit notes: your invoice accepted through Bharat Connect; for debit "
        "notes: a bill you accepted from it. Required for notes, refused for other kinds.",
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retry-safe key: the same key and input return the first result."
    )

    def to_service(self) -> DocumentIn | None:
        """The service's form (``None`` when the contact id is not a contact's)."""
        details = self.details(StoredKind[self.kind.name])
        if details is None or self.reference_id is None:
            return details
        # An id that is not a document's can name no document: the service says NOT_FOUND.
        reference = decode_typed_id(self.reference_id, "Document") or uuid.UUID(int=0)
        return dataclasses.replace(details, reference_id=reference)


@strawberry.input(
    description="Edit one of your documents: a draft or a refused push in place; a rejected or "
    "returned one becomes a new version to push again. The whole content is replaced."
)
class DocumentUpdateInput(DocumentFieldsInput):
    """Document edit input."""

    document_id: strawberry.ID = strawberry.field(description="The document.")


@strawberry.type(
    description="The result of a mutation on one document (creating, editing, pushing, voiding or answering it)."
)
class DocumentPayload:
    """Document result."""

    document: Document | None = strawberry.field(description="The document.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")

    @classmethod
    def of(cls, outcome: Outcome[DocumentModel]) -> DocumentPayload:
        """The payload of a mutation's outcome."""
        return cls(
            document=None if outcome.value is None else Document.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )


@strawberry.input(
    description="Send a document through Bharat Connect (needs access, your approved B2B ID and a linked contact)."
)
class DocumentPushInput:
    """Push input."""

    document_id: strawberry.ID = strawberry.field(description="The document.")


@strawberry.input(description="Push several documents at once (a background bulk operation).")
class DocumentPushBulkInput:
    """Bulk push input."""

    organisation_id: strawberry.ID = strawberry.field(description="The organisation.")
    document_ids: list[strawberry.ID] = strawberry.field(
        description="1 to 200 of its documents, each listed once."
    )


@strawberry.input(
    description="Void one of your documents that is not in flight or accepted on the network."
)
class DocumentVoidInput:
    """Void input."""

    document_id: strawberry.ID = strawberry.field(description="The document.")
    reason: str = strawberry.field(description="Why (≤ 500 characters), kept in its history.")
