"""Voiding one of our documents: only while the network holds it neither accepted nor in
flight, and while no payment counts (or may yet count) against it."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from db.models import (
    Direction,
    Document,
    DocumentHistory,
    DocumentStatus,
    Payment,
    PaymentAllocation,
    PaymentStatus,
)
from db.repositories import document as repo
from db.unit_of_work import UnitOfWork
from resolvers.services.accounts import Viewer
from resolvers.services.documents import EDITABLE, clean_reason
from resolvers.services.errors import ErrorCode, UserInputError


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
    if document.in_flight_paise or document.paid_paise or await _has_live_payments(uow, document):
        raise UserInputError.one(
            ErrorCode.PAYMENT_IN_FLIGHT, field, "This document has payments: it cannot be voided."
        )
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


# Payments that count, or may yet count, against a document: only failed, reversed and denied
# ones leave it free to be voided.
_LIVE_PAYMENTS = (
    PaymentStatus.INITIATED, PaymentStatus.PENDING, PaymentStatus.SETTLED,
    PaymentStatus.RECORDED, PaymentStatus.AWAITING_CONFIRMATION, PaymentStatus.CONFIRMED,
)  # fmt: skip


async def _has_live_payments(uow: UnitOfWork, document: Document) -> bool:
    """Whether a payment allocated to the document is settled, on its way, recorded or
    waiting for its confirmation (an offline payment reported to us is not counted paid yet)."""
    found = await uow.session.scalar(
        select(PaymentAllocation.id)
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(PaymentAllocation.document_id == document.id, Payment.status.in_(_LIVE_PAYMENTS))
        .limit(1)
    )
    return found is not None
