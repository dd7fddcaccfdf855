"""Resolvers for payments and reconciliation."""

from __future__ import annotations

import dataclasses
import decimal
import uuid
from typing import Any

from contract.errors import NetworkError, NetworkTimeoutError
from contract.payments import Bank
from db.models import Document, Payment, PaymentAllocation
from db.pagination import Page
from db.repositories import payment as repo
from db.unit_of_work import UnitOfWork
from resolvers import mutation, network_calls
from resolvers.context import Context
from resolvers.errors import NetworkUnavailableError
from resolvers.mutation import Outcome
from resolvers.pagination import argument_id, page_request
from resolvers.services import payments, throttle
from resolvers.services.accounts import Viewer
from resolvers.services.errors import ErrorCode, UserError
from resolvers.services.ids import decode_typed_id
from resolvers.services.payments import applying, outside
from resolvers.services.payments import requests as payment_requests


def _allocations(
    raw: list[tuple[str, object]], what: str = "bill"
) -> list[payments.AllocationIn] | UserError:
    """Decode each allocation's document id (a malformed or foreign id is NOT_FOUND there)."""
    out = []
    for index, (document_id, amount) in enumerate(raw):
        key = decode_typed_id(document_id, "Document")
        if key is None:
            return UserError(
                ErrorCode.NOT_FOUND, ("input", "allocations", str(index), "documentId"),
                f"No such {what}.",
            )  # fmt: skip
        out.append(payments.AllocationIn(key, amount))  # type: ignore[arg-type]
    return out


async def create(
    context: Context,
    *,
    organisation_id: str,
    allocations: list[tuple[str, object]],
    online: payments.OnlineIn,
    idempotency_key: str | None,
) -> Outcome[Payment]:
    """Pay bills through the network."""
    viewer = await context.require_viewer()
    key = mutation.decode(organisation_id, "Organisation", ("input", "organisationId"))
    if isinstance(key, UserError):
        return mutation.refuse(key)
    decoded = _allocations(allocations)
    if isinstance(decoded, UserError):
        return mutation.refuse(decoded)
    app = context.app
    return await network_calls.run(
        context,
        lambda uow, network: payments.create(
            uow, viewer, network, organisation_id=key, allocations=decoded, online=online,
            idempotency_key=idempotency_key, now=app.now(),
        ),
        field=("input", "method"),
    )  # fmt: skip


async def record_outside(
    context: Context,
    *,
    received: bool,
    organisation_id: str,
    allocations: list[tuple[str, object]],
    details: outside.OfflineIn,
    idempotency_key: str | None,
) -> Outcome[Payment]:
    """Record a payment made outside the network: one we made against our bills, or
    (``received``) one a customer made against our invoices."""
    decoded = _allocations(allocations, "invoice" if received else "bill")
    if isinstance(decoded, UserError):
        await context.require_viewer()
        return mutation.refuse(decoded)
    app = context.app

    async def record(uow: UnitOfWork, viewer: Viewer, key: uuid.UUID) -> Payment:
        common: dict[str, Any] = {
            "organisation_id": key, "allocations": decoded, "details": details,
            "idempotency_key": idempotency_key, "now": app.now(),
        }  # fmt: skip
        if received:
            return await outside.record_received(uow, viewer, **common)
        gate = throttle.Gate(uow, app.secret, app.now())
        return await outside.record_offline(uow, viewer, gate=gate, **common)

    return await mutation.run_on(
        context, organisation_id, "Organisation", ("input", "organisationId"), record
    )


async def request_payment(
    context: Context, *, invoice_id: str, amount: decimal.Decimal | None, message: str | None,
    idempotency_key: str | None,
) -> Outcome[Document]:  # fmt: skip
    """Ask the buyer of one of our invoices to pay it."""
    app = context.app
    return await mutation.run_on(
        context, invoice_id, "Document", ("input", "invoiceId"),
        lambda uow, viewer, key: payment_requests.send(
            uow, viewer, invoice_id=key, amount=amount, message=message,
            idempotency_key=idempotency_key, now=app.now(),
        ),
    )  # fmt: skip


async def confirm(context: Context, *, payment_id: str) -> Outcome[Payment]:
    """Confirm an offline payment received."""
    app = context.app
    return await mutation.run_on(
        context, payment_id, "Payment", ("input", "paymentId"),
        lambda uow, viewer, key: applying.confirm(uow, viewer, payment_id=key, now=app.now()),
    )  # fmt: skip


async def deny(context: Context, *, payment_id: str, remarks: str) -> Outcome[Payment]:
    """Deny an offline payment reported to us."""
    app = context.app
    return await mutation.run_on(
        context, payment_id, "Payment", ("input", "paymentId"),
        lambda uow, viewer, key: applying.deny(
            uow, viewer, payment_id=key, remarks=remarks, now=app.now()
        ),
    )  # fmt: skip


async def page(
    context: Context,
    organisation_id: uuid.UUID,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    where: repo.PaymentFilter,
    contact_id: str | None,
    document_id: str | None,
) -> Page[Payment]:
    """One page of payments (``contact_id`` and ``document_id`` are global ids)."""
    viewer = await context.require_viewer()
    request = page_request(first, after, last, before)
    where = dataclasses.replace(
        where, contact_id=argument_id(contact_id, "Contact", "contactId"),
        document_id=argument_id(document_id, "Document", "documentId"),
    )  # fmt: skip
    async with context.app.db.read() as session:
        return await repo.page(session, viewer.account_id, organisation_id, request, where)


async def payment_by_id(context: Context, payment_id: uuid.UUID) -> Payment | None:
    """A payment the viewer may see."""
    viewer = await context.require_viewer()
    return await context.loaders(viewer).payment_by_id.load(payment_id)


async def allocations(context: Context, payment_id: uuid.UUID) -> list[PaymentAllocation]:
    """A payment's allocations (batched across payments)."""
    viewer = await context.require_viewer()
    return await context.loaders(viewer).allocations_by_payment_id.load(payment_id)


async def of_document(context: Context, document_id: uuid.UUID) -> list[Payment]:
    """The payments allocated to a document (batched across documents)."""
    viewer = await context.require_viewer()
    return await context.loaders(viewer).payments_by_document_id.load(document_id)


async def credited(context: Context, document_id: uuid.UUID) -> int:
    """Accepted credit notes against a document, in paise (batched)."""
    viewer = await context.require_viewer()
    return await context.loaders(viewer).credited_by_document_id.load(document_id)


BANKS_TRIES = 3


async def banks(context: Context) -> list[Bank]:
    """The network's net banking banks (asked outside any transaction; a timeout is asked
    again a few times)."""
    await context.require_viewer()
    for _ in range(BANKS_TRIES):
        try:
            return await context.app.network.banks()
        except NetworkTimeoutError:
            continue
        except NetworkError:
            break
    raise NetworkUnavailableError
