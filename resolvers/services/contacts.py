"""Contacts (customers and vendors) and their B2B IDs.

Any member manages contacts. Fetching and linking B2B IDs is a network feature: it needs
Bharat Connect access and the organisation's own B2B ID approved. A link is checked against a
fresh directory search, so a stale selection (the ID vanished, or belongs to another GSTIN) is
refused; each link is one row update, so nothing is ever half-linked. Looking B2B IDs up and
linking them is in :mod:`resolvers.services.contact_links`; here the contacts themselves, the
access checks every network feature shares, and the bulk search.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from contract import identifiers, states
from db.models import (
    B2BId,
    B2BIdStatus,
    BulkItemStatus,
    BulkOperation,
    BulkOperationItem,
    BulkStatus,
    Contact,
    GstTreatment,
)
from db.repositories import contact as repo
from db.repositories import event as event_repo
from db.repositories import onboarding as onboarding_repo
from db.repositories import organisation as organisation_repo
from db.repositories import outbox as outbox_repo
from db.unit_of_work import UnitOfWork
from resolvers.services import access
from resolvers.services.accounts import Viewer, normalise_email
from resolvers.services.errors import ErrorCode, PermissionDeniedError, UserError, UserInputError

SEARCH_KIND = "CONTACT_B2B_ID_SEARCH"
SEARCH_OUTBOX_KIND = "bulk.contact_b2b_id_search"
BULK_PROGRESS = "BULK_OPERATION_PROGRESS"
BULK_COMPLETED = "BULK_OPERATION_COMPLETED"
REGISTERED = {
    GstTreatment.REGISTERED_REGULAR,
    GstTreatment.REGISTERED_COMPOSITION,
    GstTreatment.SEZ,
    GstTreatment.DEEMED_EXPORT,
}


@dataclass(frozen=True)
class ContactIn:
    """A contact's details, as given."""

    display_name: str
    legal_name: str | None
    is_customer: bool
    is_vendor: bool
    gstin: str | None
    gst_treatment: GstTreatment
    place_of_supply: str | None
    address_line: str | None
    city: str | None
    state_code: str | None
    pin: str | None
    email: str | None
    phone: str | None
    payment_terms_days: int | None = None


# Payment terms: due this many days after a document's date (0: on receipt).
MAX_PAYMENT_TERMS_DAYS = 365


def check_payment_terms(days: int | None, field: tuple[str, ...]) -> list[UserError]:
    """Problems with a number of days of payment terms (none when it is 0 to 365)."""
    if days is not None and not 0 <= days <= MAX_PAYMENT_TERMS_DAYS:
        return [UserError(ErrorCode.INVALID, field,
                          f"Payment terms are 0 to {MAX_PAYMENT_TERMS_DAYS} days.")]  # fmt: skip
    return []


async def _member(
    uow: UnitOfWork, viewer: Viewer, organisation_id: uuid.UUID, field: tuple[str, ...]
) -> None:
    found = await organisation_repo.lock_for_viewer(uow.session, viewer.account_id, organisation_id)
    if found is None:
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such organisation.")


def _clean(details: ContactIn) -> dict[str, object]:  # noqa: PLR0915 (one check per field)
    errors: list[UserError] = []

    def err(code: ErrorCode, name: str, message: str) -> None:
        errors.append(UserError(code, ("input", name), message))

    display = " ".join(details.display_name.split())
    legal = " ".join((details.legal_name or "").split()) or display
    if not display:
        err(ErrorCode.REQUIRED, "displayName", "Enter a name.")
    for name, value in (("displayName", display), ("legalName", legal)):
        if len(value) > 200:
            err(ErrorCode.TOO_LONG, name, "At most 200 characters.")
    if not (details.is_customer or details.is_vendor):
        err(ErrorCode.REQUIRED, "isCustomer", "A contact is a customer, a vendor, or both.")
    gstin = None
    if details.gstin and details.gstin.strip():
        try:
            gstin = identifiers.check_gstin(details.gstin)
        except ValueError as exc:
            err(ErrorCode.INVALID, "gstin", str(exc))
    if (
        details.gst_treatment in REGISTERED
        and gstin is None
        and not any(e.field == ("input", "gstin") for e in errors)
    ):
        err(ErrorCode.REQUIRED, "gstin", "A registered business has a GSTIN.")
    if details.gst_treatment not in REGISTERED and gstin is not None:
        err(ErrorCode.INVALID, "gstTreatment", "A contact with a GSTIN is registered for GST.")
    state = details.state_code.strip() if details.state_code else None
    if state is not None and (
        state == states.OUTSIDE_INDIA or states.place_of_supply_problem(state) is not None
    ):
        err(ErrorCode.INVALID, "stateCode", "Not a state or union territory code in use.")
    supply = details.place_of_supply.strip() if details.place_of_supply else None
    if supply is not None and (problem := states.place_of_supply_problem(supply)) is not None:
        err(ErrorCode.INVALID, "placeOfSupply", problem)
    if supply is None:
        supply = (
            "96"
            if details.gst_treatment == GstTreatment.OVERSEAS
            else (states.current(gstin[:2]) if gstin else state)
        )
    pin = None
    if details.pin and details.pin.strip():
        try:
            pin = identifiers.check_pin(details.pin)
        except ValueError as exc:
            err(ErrorCode.INVALID, "pin", str(exc))
    email = None
    if details.email and details.email.strip():
        try:
            email = normalise_email(details.email, ("input", "email"))[0]
        except UserInputError as exc:
            errors.extend(exc.errors)
    phone = None
    if details.phone and details.phone.strip():
        try:
            phone = identifiers.check_mobile(details.phone)
        except ValueError as exc:
            err(ErrorCode.INVALID, "phone", str(exc))
    line = " ".join((details.address_line or "").split()) or None
    city = " ".join((details.city or "").split()) or None
    if line is not None and len(line) > 300:
        err(ErrorCode.TOO_LONG, "addressLine", "At most 300 characters.")
    if city is not None and len(city) > 100:
        err(ErrorCode.TOO_LONG, "city", "At most 100 characters.")
    errors.extend(check_payment_terms(details.payment_terms_days, ("input", "paymentTermsDays")))
    if errors:
        raise UserInputError(errors)
    return {
        "display_name": display, "legal_name": legal, "is_customer": details.is_customer,
        "is_vendor": details.is_vendor, "gstin": gstin, "gst_treatment": details.gst_treatment,
        "place_of_supply": supply, "address_line": line, "city": city, "state_code": state,
        "pin": pin, "email": email, "phone": phone,
        "payment_terms_days": details.payment_terms_days,
    }  # fmt: skip


async def create(
    uow: UnitOfWork, viewer: Viewer, *, organisation_id: uuid.UUID, details: ContactIn
) -> Contact:
    """Create a contact. Other contacts with the same GSTIN are fine (branches)."""
    await _member(uow, viewer, organisation_id, ("input", "organisationId"))
    contact = Contact(organisation_id=organisation_id, **_clean(details))
    uow.session.add(contact)
    await uow.session.flush()
    return contact


async def visible(
    uow: UnitOfWork, viewer: Viewer, contact_id: uuid.UUID, field: tuple[str, ...] = ("input", "id")
) -> Contact:
    contact = await repo.visible(uow.session, viewer.account_id, contact_id, for_update=True)
    if contact is None:
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such contact.")
    return contact


async def update(
    uow: UnitOfWork, viewer: Viewer, *, contact_id: uuid.UUID, details: ContactIn, now: datetime
) -> Contact:
    """Replace a contact's details; a changed GSTIN drops its B2B ID link."""
    contact = await visible(uow, viewer, contact_id)
    values = _clean(details)
    if values["gstin"] != contact.gstin:
        contact.b2b_id = None
        contact.linked_at = None
    for key, value in values.items():
        setattr(contact, key, value)
    contact.updated_at = now
    await uow.session.flush()
    return contact


async def set_archived(
    uow: UnitOfWork, viewer: Viewer, *, contact_id: uuid.UUID, archived: bool, now: datetime
) -> Contact:
    """Archive (or restore) a contact; its history stays."""
    contact = await visible(uow, viewer, contact_id)
    contact.archived_at = now if archived else None
    contact.updated_at = now
    return contact


async def require_network_access(
    uow: UnitOfWork, viewer: Viewer, organisation_id: uuid.UUID, field: tuple[str, ...]
) -> None:
    """The viewer is a member with Bharat Connect access (a top-level error if not)."""
    membership = await organisation_repo.membership_in(
        uow.session, organisation_id, viewer.account_id
    )
    if membership is None:
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such organisation.")
    if not access.has_network_access(membership):
        raise PermissionDeniedError(
            "You need Bharat Connect access: request it from an owner or admin."
        )


async def require_network_ready(
    uow: UnitOfWork, viewer: Viewer, organisation_id: uuid.UUID, field: tuple[str, ...]
) -> list[B2BId]:
    """Bharat Connect access, and the organisation's own B2B ID approved; the organisation's
    active B2B IDs (read for the check)."""
    await require_network_access(uow, viewer, organisation_id, field)
    ids = await onboarding_repo.active_b2b_ids(uow.session, [organisation_id])
    if not any(b.status == B2BIdStatus.APPROVED for b in ids):
        raise UserInputError.one(
            ErrorCode.STEP_OUT_OF_ORDER, field, "Your organisation's B2B ID must be approved first."
        )
    return ids


async def start_search(
    uow: UnitOfWork, viewer: Viewer, *, organisation_id: uuid.UUID, now: datetime
) -> BulkOperation:
    """ "Search contacts in Bharat Connect": a background operation over every contact with a
    GSTIN and no B2B ID. A search already running is returned instead of starting another."""
    await require_network_ready(uow, viewer, organisation_id, ("input", "organisationId"))
    await _member(uow, viewer, organisation_id, ("input", "organisationId"))
    running = await repo.running_operation(uow.session, organisation_id, SEARCH_KIND)
    if running is not None:
        return running
    contacts = await repo.searchable(uow.session, organisation_id)
    operation = BulkOperation(
        organisation_id=organisation_id, kind=SEARCH_KIND, status=BulkStatus.RUNNING,
        total=len(contacts), created_by_account_id=viewer.account_id, created_at=now,
    )  # fmt: skip
    uow.session.add(operation)
    await uow.session.flush()
    uow.session.add_all(
        BulkOperationItem(
            operation_id=operation.id,
            subject_id=c.id,
            status=BulkItemStatus.PENDING,
            updated_at=now,
        )
        for c in contacts
    )
    if not contacts:
        operation.status = BulkStatus.COMPLETED
        operation.finished_at = now
        await progress_event(uow, operation, BULK_COMPLETED)
        return operation
    await outbox_repo.add(
        uow.session, organisation_id=organisation_id, kind=SEARCH_OUTBOX_KIND,
        payload={"operationId": str(operation.id)}, due=now,
    )  # fmt: skip
    return operation


async def progress_event(uow: UnitOfWork, operation: BulkOperation, kind: str) -> None:
    """Tell subscribers how far an operation got."""
    await event_repo.append(
        uow, organisation_id=operation.organisation_id, kind=kind,
        data={
            "operationId": str(operation.id),
            "total": operation.total,
            "done": operation.done,
            "failed": operation.failed,
        },
    )  # fmt: skip
