"""Contacts, their B2B IDs, and bulk operations (the mutations' inputs and results are in
:mod:`schema.contact_inputs`)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from contract.onboarding import DirectoryListing
from db.models import BulkOperation as BulkOperationModel
from db.models import BulkOperationItem as BulkItemModel
from db.rows import ContactRow
from resolvers import contacts as resolvers
from resolvers.context import Context
from resolvers.services.ids import encode_id
from schema.relay import After, Before, Connection, First, Last, Node
from schema.views import Fields, view_of

if TYPE_CHECKING:
    from schema.document import Document

Info = strawberry.Info[Context, None]


@strawberry.enum(description="How GST applies to a contact.")
class GstTreatment(enum.Enum):
    """GST treatments; mirrors the stored ones."""

    REGISTERED_REGULAR = strawberry.enum_value(
        "REGISTERED_REGULAR", description="Registered, regular scheme."
    )
    REGISTERED_COMPOSITION = strawberry.enum_value(
        "REGISTERED_COMPOSITION", description="Registered, composition scheme."
    )
    UNREGISTERED = strawberry.enum_value("UNREGISTERED", description="Not registered for GST.")
    CONSUMER = strawberry.enum_value("CONSUMER", description="An end consumer.")
    OVERSEAS = strawberry.enum_value("OVERSEAS", description="Outside India (place of supply 96).")
    SEZ = strawberry.enum_value("SEZ", description="A special economic zone unit.")
    DEEMED_EXPORT = strawberry.enum_value("DEEMED_EXPORT", description="Deemed export.")


@strawberry.enum(description="Customers or vendors.")
class ContactKind(enum.Enum):
    """Contact kinds."""

    CUSTOMER = strawberry.enum_value("CUSTOMER", description="Contacts you sell to.")
    VENDOR = strawberry.enum_value("VENDOR", description="Contacts you buy from.")


@strawberry.type(description="A postal address.")
class ContactAddress:
    """An address."""

    line: str | None = strawberry.field(description="Street address.")
    city: str | None = strawberry.field(description="City or town.")
    state_code: str | None = strawberry.field(description="GST state code.")
    pin: str | None = strawberry.field(description="PIN code.")


@strawberry.type(description="A customer, a vendor, or both.")
class Contact(Node):
    """A contact."""

    display_name: str = strawberry.field(description="The name shown in lists.")
    legal_name: str = strawberry.field(description="The registered legal name.")
    is_customer: bool = strawberry.field(description="You sell to this contact.")
    is_vendor: bool = strawberry.field(description="You buy from this contact.")
    gstin: str | None = strawberry.field(description="The contact's GSTIN.")
    gst_treatment: GstTreatment = strawberry.field(description="How GST applies.")
    place_of_supply: str | None = strawberry.field(
        description="State code of the place of supply (96 outside India)."
    )
    billing_address: ContactAddress = strawberry.field(description="The billing address.")
    email: str | None = strawberry.field(description="E-mail address.")
    phone: str | None = strawberry.field(description="Mobile number.")
    b2b_id: str | None = strawberry.field(
        description="The linked B2B ID: documents reach the contact through it."
    )
    payment_terms_days: int | None = strawberry.field(
        description="Days from a document's date to its due date when the document names none "
        "(null: the organisation's default)."
    )
    gstin_status: str | None = strawberry.field(
        description="The GSTIN's registration status on the GSTN portal as last looked up when "
        "a document was made for this contact (ACTIVE, CANCELLED, SUSPENDED or UNKNOWN; null: "
        "never looked up). Documents to a cancelled or suspended GSTIN are refused."
    )
    linked_at: datetime | None = strawberry.field(description="When the B2B ID was linked (UTC).")
    archived: bool = strawberry.field(
        description="Archived contacts keep their history but leave lists."
    )
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    _model: strawberry.Private[ContactRow]

    @classmethod
    def from_model(cls, m: ContactRow) -> Contact:
        """Map a row (each field is worked out when a query asks for it)."""
        return _contact_view(m)

    @strawberry.field(
        description="Other live contacts with the same GSTIN (branches of one business), lowest "
        "ids first."
    )
    async def same_gstin_contacts(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description="How many at most (0 to 100).")] = 20,
    ) -> list[Contact]:
        return [
            Contact.from_model(c)
            for c in await resolvers.same_gstin(info.context, self._model, first)
        ]


# How each Contact field comes from its row.
CONTACT_FIELDS: Fields = {
    "id": lambda m: strawberry.ID(encode_id("Contact", m.id)),
    "display_name": lambda m: m.display_name,
    "legal_name": lambda m: m.legal_name,
    "is_customer": lambda m: m.is_customer,
    "is_vendor": lambda m: m.is_vendor,
    "gstin": lambda m: m.gstin,
    "gst_treatment": lambda m: GstTreatment[m.gst_treatment.name],
    "place_of_supply": lambda m: m.place_of_supply,
    "billing_address": lambda m: ContactAddress(
        line=m.address_line, city=m.city, state_code=m.state_code, pin=m.pin
    ),
    "email": lambda m: m.email,
    "phone": lambda m: m.phone,
    "b2b_id": lambda m: m.b2b_id,
    "payment_terms_days": lambda m: m.payment_terms_days,
    "gstin_status": lambda m: m.gstin_status,
    "linked_at": lambda m: m.linked_at,
    "archived": lambda m: m.archived_at is not None,
    "created_at": lambda m: m.created_at,
    "updated_at": lambda m: m.updated_at,
}
_contact_view = view_of(Contact, CONTACT_FIELDS)


@strawberry.type(description="A B2B ID the network lists for a GSTIN.")
class B2BIdCandidate:
    """A directory listing."""

    b2b_id: str = strawberry.field(description="The B2B ID.")
    legal_name: str = strawberry.field(description="The business's legal name on the network.")

    @classmethod
    def from_listing(cls, listing: DirectoryListing) -> B2BIdCandidate:
        """Map a listing."""
        return cls(b2b_id=listing.b2b_id, legal_name=listing.legal_name)


@strawberry.enum(description="What a B2B ID search found for one contact.")
class SearchOutcome(enum.Enum):
    """Search outcomes."""

    NO_MATCH = strawberry.enum_value("NO_MATCH", description="No public B2B ID for the GSTIN.")
    ONE_MATCH = strawberry.enum_value("ONE_MATCH", description="Exactly one: link it.")
    SEVERAL_MATCHES = strawberry.enum_value(
        "SEVERAL_MATCHES", description="Several: choose the right one."
    )


@strawberry.enum(description="Where a bulk operation stands.")
class BulkOperationStatus(enum.Enum):
    """Bulk statuses."""

    RUNNING = strawberry.enum_value(
        "RUNNING", description="Working (pauses by itself while the network is down)."
    )
    COMPLETED = strawberry.enum_value("COMPLETED", description="Every item has a result.")
    FAILED = strawberry.enum_value("FAILED", description="Stopped; see `error`.")


@strawberry.enum(description="Where one item of a bulk operation stands.")
class BulkItemStatus(enum.Enum):
    """Item statuses."""

    PENDING = strawberry.enum_value("PENDING", description="Not done yet.")
    DONE = strawberry.enum_value("DONE", description="Done; see the outcome.")
    FAILED = strawberry.enum_value("FAILED", description="Could not be done; see `error`.")


@strawberry.type(description="One item of a bulk operation and its result.")
class BulkOperationItem:
    """An item."""

    status: BulkItemStatus = strawberry.field(description="Where it stands.")
    outcome: SearchOutcome | None = strawberry.field(description="What the search found.")
    candidates: list[B2BIdCandidate] = strawberry.field(description="The B2B IDs found.")
    error: str | None = strawberry.field(description="Why it failed.")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    _model: strawberry.Private[BulkItemModel]

    @classmethod
    def from_model(cls, m: BulkItemModel) -> BulkOperationItem:
        """Map a row."""
        outcome = m.result.get("outcome")
        return cls(
            status=BulkItemStatus[m.status.name],
            outcome=SearchOutcome[outcome] if isinstance(outcome, str) else None,
            candidates=[B2BIdCandidate(b2b_id=c["b2bId"], legal_name=c["legalName"]) for c in m.result.get("candidates", [])[:50]],
            error=m.result.get("error"), updated_at=m.updated_at, _model=m,
        )  # fmt: skip

    @strawberry.field(description="For contact operations: the contact.")
    async def contact(self, info: Info) -> Contact | None:
        found = await resolvers.contact_by_id(info.context, self._model.subject_id)
        return None if found is None else Contact.from_model(found)

    @strawberry.field(description="For document operations: the document.")
    async def document(self, info: Info) -> Annotated[Document, strawberry.lazy("schema.document")] | None:  # fmt: skip
        from resolvers import documents as document_resolvers
        from schema import document

        found = await document_resolvers.document_by_id(info.context, self._model.subject_id)
        return None if found is None else document.Document.from_model(found)

    @strawberry.field(description="For document pushes: the code of why it failed.")
    def error_code(self) -> str | None:
        code = self._model.result.get("code")
        return code if isinstance(code, str) else None

    @strawberry.field(description="For document pushes: the push status it reached.")
    def push_status(self) -> str | None:
        status = self._model.result.get("pushStatus")
        return status if isinstance(status, str) else None


@strawberry.type(
    description="Long work in the background (such as searching every contact's B2B ID), with progress and a result per item. Poll it with `node`, or subscribe with `bulkOperationProgress`."
)
class BulkOperation(Node):
    """A bulk operation."""

    kind: str = strawberry.field(description="What it does (CONTACT_B2B_ID_SEARCH, DOCUMENT_PUSH).")
    status: BulkOperationStatus = strawberry.field(description="Where it stands.")
    total: int = strawberry.field(description="How many items.")
    done: int = strawberry.field(description="Items done.")
    failed: int = strawberry.field(description="Items that failed.")
    error: str | None = strawberry.field(description="Why it stopped, if it failed.")
    created_at: datetime = strawberry.field(description="When it started (UTC).")
    finished_at: datetime | None = strawberry.field(description="When it finished (UTC).")
    _model: strawberry.Private[BulkOperationModel]

    @classmethod
    def from_model(cls, m: BulkOperationModel) -> BulkOperation:
        """Map a row."""
        return cls(
            id=strawberry.ID(encode_id("BulkOperation", m.id)), kind=m.kind,
            status=BulkOperationStatus[m.status.name], total=m.total, done=m.done, failed=m.failed,
            error=m.error, created_at=m.created_at, finished_at=m.finished_at, _model=m,
        )  # fmt: skip

    @strawberry.field(description="Per-item results, optionally only one outcome.")
    async def items(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        outcome: Annotated[
            SearchOutcome | None, strawberry.argument(description="Only items with this outcome.")
        ] = None,
    ) -> Connection[BulkOperationItem]:
        page = await resolvers.items(
            info.context, self._model, first=first, after=after, last=last, before=before,
            outcome=None if outcome is None else outcome.name,
        )  # fmt: skip
        return Connection.build(page, lambda i: i.id, BulkOperationItem.from_model)  # type: ignore[attr-defined,arg-type]
