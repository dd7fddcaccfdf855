"""Payments made outside the network: ours against our bills (the vendor on the network is
told and confirms or denies), and a customer's against our invoices that it never reported
(recorded by us). Both are applied to the documents at once."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from db.base import new_id
from db.models import (
    Contact,
    Direction,
    Document,
    Payment,
    PaymentAllocation,
    PaymentDirection,
    PaymentMethod,
    PaymentStatus,
)
from db.unit_of_work import UnitOfWork
from resolvers.services import contacts, pushes, throttle
from resolvers.services.accounts import Viewer
from resolvers.services.documents.inputs import GST_START
from resolvers.services.errors import ErrorCode, UserInputError
from resolvers.services.payments import (
    OFFLINE_MODES,
    REFERENCE_MAX,
    REPORT_KIND,
    AllocationIn,
    _bills,
    _book,
    _organisation,
    _replay,
    events,
    ledger,
    network_id,
)


@dataclass(frozen=True)
class OfflineIn:
    """A payment made outside the network."""

    paid_on: dt.date
    mode: str
    reference: str | None


def _offline(details: OfflineIn, today: dt.date) -> tuple[str, str | None]:
    if not GST_START <= details.paid_on <= today:
        raise UserInputError.one(
            ErrorCode.INVALID, ("input", "paidOn"),
            f"The payment date is between {GST_START.isoformat()} and today.",
        )  # fmt: skip
    if details.mode not in OFFLINE_MODES:
        raise UserInputError.one(
            ErrorCode.INVALID, ("input", "mode"), f"The mode is one of {', '.join(OFFLINE_MODES)}."
        )
    reference = " ".join((details.reference or "").split()) or None
    if reference is not None and len(reference) > REFERENCE_MAX:
        raise UserInputError.one(
            ErrorCode.TOO_LONG, ("input", "reference"), f"At most {REFERENCE_MAX} characters."
        )
    return details.mode, reference


@dataclass(frozen=True)
class _Begun:
    """A new record's checked start: how it was paid, and the documents with their party."""

    mode: str
    reference: str | None
    documents: list[tuple[Document, int]]
    party: Contact


async def _outside(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    organisation_id: uuid.UUID,
    allocations: list[AllocationIn],
    details: OfflineIn,
    idempotency_key: str | None,
    now: dt.datetime,
    operation: str,
    payment_id: uuid.UUID,
    direction: Direction,
) -> Payment | _Begun:
    """What recording a payment made outside the network starts with: the organisation, then
    either the earlier result under the same idempotency key, or (Bharat Connect access, the
    mode and reference checked, the documents locked) what the new record is made of."""
    await _organisation(uow, viewer, organisation_id)
    payload = {"allocations": [(str(a.document_id), str(a.amount)) for a in allocations],
               "details": repr(details)}  # fmt: skip
    earlier = await _replay(
        uow, viewer, organisation_id, operation=operation, key=idempotency_key, payload=payload,
        payment_id=payment_id,
    )  # fmt: skip
    if earlier is not None:
        return earlier
    await contacts.require_network_access(uow, viewer, organisation_id, ("input", "organisationId"))
    mode, reference = _offline(details, now.date())
    documents, party = await _bills(uow, organisation_id, allocations, direction)
    return _Begun(mode, reference, documents, party)


async def record_offline(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    organisation_id: uuid.UUID,
    allocations: list[AllocationIn],
    details: OfflineIn,
    idempotency_key: str | None,
    now: dt.datetime,
    gate: throttle.Gate | None = None,
) -> Payment:
    """Record a payment made outside the network; the bills count it paid at once. A vendor
    on the network is told, and confirms or denies having received it."""
    payment_id = new_id()
    begun = await _outside(
        uow, viewer, organisation_id=organisation_id, allocations=allocations, details=details,
        idempotency_key=idempotency_key, now=now, operation="paymentRecordOffline",
        payment_id=payment_id, direction=Direction.INCOMING,
    )  # fmt: skip
    if isinstance(begun, Payment):  # replayed
        return begun
    mode, reference, bills, vendor = begun.mode, begun.reference, begun.documents, begun.party
    own = await pushes.own_b2b_id(uow, organisation_id)
    reported = own is not None and vendor.b2b_id is not None
    if reported and gate is not None:  # each report is work for the vendor: a day's share
        await gate.check(throttle.OFFLINE_REPORTS_ORGANISATION, str(organisation_id))
        await gate.check(throttle.OFFLINE_REPORTS_COUNTERPARTY, f"{organisation_id}|{vendor.id}")
        gate.count()
    payment = Payment(
        id=payment_id, organisation_id=organisation_id, direction=PaymentDirection.OUTGOING,
        contact_id=vendor.id, counterparty_b2b_id=vendor.b2b_id, method=PaymentMethod.OFFLINE,
        status=PaymentStatus.AWAITING_CONFIRMATION if reported else PaymentStatus.RECORDED,
        amount_paise=sum(p for _, p in bills), network_id=network_id() if reported else None,
        paid_on=details.paid_on, offline_mode=mode, reference=reference,
        created_by_account_id=viewer.account_id, created_at=now, updated_at=now,
    )  # fmt: skip
    await _book(
        uow, viewer, payment, bills, now=now, applied=True, send=REPORT_KIND if reported else None
    )
    return payment


async def record_received(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    organisation_id: uuid.UUID,
    allocations: list[AllocationIn],
    details: OfflineIn,
    idempotency_key: str | None,
    now: dt.datetime,
) -> Payment:
    """Record a payment a customer made outside the network (and never reported) against our
    invoices: an INCOMING payment, RECORDED and applied at once; nothing goes over the
    network."""
    payment_id = new_id()
    begun = await _outside(
        uow, viewer, organisation_id=organisation_id, allocations=allocations, details=details,
        idempotency_key=idempotency_key, now=now, operation="paymentReceivedRecord",
        payment_id=payment_id, direction=Direction.OUTGOING,
    )  # fmt: skip
    if isinstance(begun, Payment):  # replayed
        return begun
    mode, reference = begun.mode, begun.reference
    invoices, customer = begun.documents, begun.party
    payment = Payment(
        id=payment_id, organisation_id=organisation_id, direction=PaymentDirection.INCOMING,
        contact_id=customer.id, counterparty_b2b_id=customer.b2b_id, method=PaymentMethod.OFFLINE,
        status=PaymentStatus.RECORDED, amount_paise=sum(p for _, p in invoices),
        paid_on=details.paid_on, offline_mode=mode, reference=reference,
        created_by_account_id=viewer.account_id, created_at=now, updated_at=now,
    )  # fmt: skip
    uow.session.add(payment)
    await uow.session.flush()
    for position, (invoice, paise) in enumerate(invoices):
        uow.session.add(
            PaymentAllocation(
                payment_id=payment.id, document_id=invoice.id, position=position,
                amount_paise=paise,
            )
        )  # fmt: skip
        await ledger.change(uow, invoice, now=now, paid=paise,
                            detail="Payment received outside the network, recorded.")  # fmt: skip
    await events.received(uow, payment)
    return payment
