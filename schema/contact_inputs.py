"""The inputs and results of the contact mutations (the types themselves are in
:mod:`schema.contact`)."""

from __future__ import annotations

import strawberry

from db.models import GstTreatment as StoredGstTreatment
from resolvers.services.contacts import ContactIn
from schema.contact import B2BIdCandidate, BulkOperation, Contact, GstTreatment
from schema.errors import UserError


@strawberry.input(description="A contact's details.")
class ContactInput:
    """Contact input."""

    display_name: str = strawberry.field(description="The name shown in lists.")
    legal_name: str | None = strawberry.field(
        default=None, description="Registered name (defaults to the display name)."
    )
    is_customer: bool = strawberry.field(default=False, description="You sell to this contact.")
    is_vendor: bool = strawberry.field(default=False, description="You buy from this contact.")
    gstin: str | None = strawberry.field(default=None, description="GSTIN (checked).")
    gst_treatment: GstTreatment = strawberry.field(description="How GST applies.")
    place_of_supply: str | None = strawberry.field(
        default=None, description="State code; defaults from the GSTIN or address."
    )
    address_line: str | None = strawberry.field(default=None, description="Billing street address.")
    city: str | None = strawberry.field(default=None, description="Billing city.")
    state_code: str | None = strawberry.field(default=None, description="Billing state code.")
    pin: str | None = strawberry.field(default=None, description="Billing PIN code.")
    email: str | None = strawberry.field(default=None, description="E-mail address.")
    phone: str | None = strawberry.field(default=None, description="Mobile number.")
    payment_terms_days: int | None = strawberry.field(
        default=None,
        description="Days from a document's date to its due date (0 to 365; 0: due on "
        "receipt), used when a document names no due date; null: the organisation's default.",
    )

    def to_service(self) -> ContactIn:
        """The service's form."""
        return ContactIn(
            display_name=self.display_name, legal_name=self.legal_name, is_customer=self.is_customer,
            is_vendor=self.is_vendor, gstin=self.gstin,
            gst_treatment=StoredGstTreatment[self.gst_treatment.name],
            place_of_supply=self.place_of_supply, address_line=self.address_line, city=self.city,
            state_code=self.state_code, pin=self.pin, email=self.email, phone=self.phone,
            payment_terms_days=self.payment_terms_days,
        )  # fmt: skip


@strawberry.input(description="Create a contact.")
class ContactCreateInput:
    """Creation input."""

    organisation_id: strawberry.ID = strawberry.field(description="The organisation.")
    contact: ContactInput = strawberry.field(description="The details.")


@strawberry.input(
    description="Replace a contact's details (a changed GSTIN drops the B2B ID link)."
)
class ContactUpdateInput:
    """Update input."""

    id: strawberry.ID = strawberry.field(description="The contact.")
    contact: ContactInput = strawberry.field(description="The new details.")


@strawberry.input(description="Archive or restore a contact.")
class ContactArchiveInput:
    """Archive input."""

    id: strawberry.ID = strawberry.field(description="The contact.")
    archived: bool = strawberry.field(default=True, description="False restores it.")


@strawberry.type(description="The result of a contact change.")
class ContactPayload:
    """Contact result."""

    contact: Contact | None = strawberry.field(description="The contact.")
    same_gstin_contacts: list[Contact] = strawberry.field(
        description="Other contacts with the same GSTIN: allowed (branches), shown so you know."
    )
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.input(description="Fetch the B2B IDs the network lists for a contact's GSTIN.")
class ContactB2BIdFetchInput:
    """Fetch input."""

    contact_id: strawberry.ID = strawberry.field(description="The contact.")


@strawberry.type(description="The result of `contactB2BIdFetch`.")
class ContactB2BIdFetchPayload:
    """Fetch result."""

    contact: Contact | None = strawberry.field(description="The contact.")
    candidates: list[B2BIdCandidate] = strawberry.field(
        description="Every B2B ID found (choose one)."
    )
    user_errors: list[UserError] = strawberry.field(description="Why it was refused.")


@strawberry.input(description="Link a B2B ID (one the network lists for the contact's GSTIN).")
class ContactB2BIdLinkInput:
    """Link input."""

    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    b2b_id: str = strawberry.field(description="The chosen B2B ID.")


@strawberry.input(description="Forget a contact's B2B ID.")
class ContactB2BIdUnlinkInput:
    """Unlink input."""

    contact_id: strawberry.ID = strawberry.field(description="The contact.")


@strawberry.input(description="One link of a `contactB2BIdLinkBulk`.")
class ContactLinkInput:
    """A link."""

    contact_id: strawberry.ID = strawberry.field(description="The contact.")
    b2b_id: str = strawberry.field(description="The chosen B2B ID.")


@strawberry.input(description="Link now: link several contacts at once (at most 100).")
class ContactB2BIdLinkBulkInput:
    """Bulk link input."""

    organisation_id: strawberry.ID = strawberry.field(description="The organisation.")
    links: list[ContactLinkInput] = strawberry.field(
        description="The selection (no contact twice)."
    )


@strawberry.type(description="What happened to one link.")
class ContactLinkResult:
    """One link's result."""

    contact_id: strawberry.ID = strawberry.field(description="The contact asked for.")
    contact: Contact | None = strawberry.field(description="The contact, as it is now.")
    linked: bool = strawberry.field(description="Whether it was linked.")
    user_errors: list[UserError] = strawberry.field(description="Why this one was refused.")


@strawberry.type(description="The result of `contactB2BIdLinkBulk`.")
class ContactB2BIdLinkBulkPayload:
    """Bulk link result."""

    results: list[ContactLinkResult] = strawberry.field(description="A result per link, in order.")
    user_errors: list[UserError] = strawberry.field(
        description="Why the whole request was refused."
    )


@strawberry.input(
    description="Search contacts in Bharat Connect: every contact with a GSTIN and no B2B ID."
)
class ContactB2BIdSearchStartInput:
    """Bulk search input."""

    organisation_id: strawberry.ID = strawberry.field(description="The organisation.")


@strawberry.type(description="The result of `contactB2BIdSearchStart`.")
class BulkOperationPayload:
    """Bulk start result."""

    bulk_operation: BulkOperation | None = strawberry.field(
        description="The operation (a running one is reused)."
    )
    user_errors: list[UserError] = strawberry.field(description="Why it was refused.")
