"""Asking a customer to pay: a seller's request for an invoice its buyer accepted through the
network (after a denied offline payment, or once it is overdue) travels over the network; a
buyer hosted here sees it on the bill (its history) and as a ``PAYMENT_REQUESTED`` event.

One request per invoice a day; the amount is at most what is due (what is due by default).
"""

from __future__ import annotations

import datetime as dt
import decimal
import logging
import secrets
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from db.models import Direction, Document, DocumentHistory, DocumentKind, PushStatus
from db.repositories import document as document_repo
from db.repositories import event as event_repo
from db.repositories import onboarding as onboarding_repo
from db.repositories import outbox as outbox_repo
from db.unit_of_work import UnitOfWork
from resolvers.services import contacts, idempotency, tax
from resolvers.services.accounts import Viewer
from resolvers.services.errors import ErrorCode, UserInputError
from resolvers.services.payments import ledger, paise_of
from resolvers.services.text import forbidden_character

logger = logging.getLogger("bharat_connect.payments")

REQUEST_KIND = "payment.request_send"
REQUESTED = "PAYMENT_REQUESTED"
ACTION = "PAYMENT_REQUESTED"
MESSAGE_MAX = 500
ONE_A_DAY = dt.timedelta(days=1)


def request_id() -> str:
    """A new payment request id (made once, kept for every retry)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "PRQ" + "".join(secrets.choice(alphabet) for _ in range(32))


def clean_message(message: str | None, field: tuple[str, ...]) -> str | None:
    """A message told to the buyer: whitespace collapsed, at most 500 characters, no control
    or invisible characters; blank is none."""
    if message is None:
        return None
    text = " ".join(message.split())
    if len(text) > MESSAGE_MAX:
        raise UserInputError.one(ErrorCode.TOO_LONG, field, f"At most {MESSAGE_MAX} characters.")
    if (bad := forbidden_character(text)) is not None:
        raise UserInputError.one(ErrorCode.INVALID, field, f"The text contains {bad}.")
    return text or None


def _detail(paise: int, message: str | None) -> str:
    asked = f"₹{tax.rupees(paise)} asked for"
    return f"{asked}: {message}"[:500] if message else f"{asked}."


async def send(
    uow: UnitOfWork, viewer: Viewer, *, invoice_id: uuid.UUID, amount: decimal.Decimal | None,
    message: str | None, idempotency_key: str | None, now: dt.datetime,
) -> Document:  # fmt: skip
    """Ask the buyer of one of our invoices to pay it (sent after commit)."""
    field = ("input", "invoiceId")
    invoice = await document_repo.visible(uow.session, viewer.account_id, invoice_id,
                                          for_update=True)  # fmt: skip
    if (
        invoice is None
        or invoice.direction != Direction.OUTGOING
        or (invoice.kind != DocumentKind.INVOICE)
    ):
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such invoice of yours.")
    await contacts.require_network_ready(uow, viewer, invoice.organisation_id, field)
    key = idempotency.check_key(idempotency_key, ("input", "idempotencyKey"))
    payload = {"invoice": str(invoice_id), "amount": str(amount), "message": message}
    earlier = await idempotency.claim(
        uow, scope=f"organisation:{invoice.organisation_id}", operation="paymentRequestSend",
        key=key, payload=payload, new_id=invoice.id, field=("input", "idempotencyKey"),
    )  # fmt: skip
    if earlier is not None:
        return invoice
    if invoice.push_status != PushStatus.ACCEPTED or invoice.network_id is None:
        raise UserInputError.one(
            ErrorCode.STEP_OUT_OF_ORDER, field,
            "Only an invoice your customer accepted through Bharat Connect can be asked for.",
        )  # fmt: skip
    credit = (await ledger.credited(uow.session, [invoice.id])).get(invoice.id, 0)
    due = ledger.amount_due(invoice, credit) - invoice.in_flight_paise
    if due <= 0:
        raise UserInputError.one(ErrorCode.ALREADY_DONE, field, "Nothing is owed on it.")
    paise = due if amount is None else paise_of(amount, ("input", "amount"))
    if paise > due:
        raise UserInputError.one(
            ErrorCode.OVER_BALANCE, ("input", "amount"),
            f"At most ₹{tax.rupees(due)} is owed on it (payments on their way count).",
        )  # fmt: skip
    text = clean_message(message, ("input", "message"))
    last = await uow.session.scalar(
        select(DocumentHistory.at)
        .where(DocumentHistory.document_id == invoice.id, DocumentHistory.action == ACTION)
        .order_by(DocumentHistory.at.desc())
        .limit(1)
    )
    if last is not None and now - last < ONE_A_DAY:
        wait = int((last + ONE_A_DAY - now).total_seconds()) + 1
        raise UserInputError.one(
            ErrorCode.RATE_LIMITED, field, "You asked for this invoice within the last day.",
            retry_after=wait,
        )  # fmt: skip
    uow.session.add(
        DocumentHistory(
            document_id=invoice.id, action=ACTION, detail=_detail(paise, text),
            actor_account_id=viewer.account_id, at=now,
        )
    )  # fmt: skip
    await outbox_repo.add(
        uow.session, organisation_id=invoice.organisation_id, kind=REQUEST_KIND,
        payload={"documentId": str(invoice.id), "requestId": request_id(), "amountPaise": paise,
                 "message": text},
        due=now,
    )  # fmt: skip
    return invoice


async def requested(uow: UnitOfWork, data: Mapping[str, Any], now: dt.datetime) -> None:
    """A seller asks us to pay one of our bills: on the bill's history, and an event."""
    payer, network_id = data.get("payerB2BId"), data.get("documentNetworkId")
    amount, message = data.get("amountPaise"), data.get("message")
    if not (isinstance(payer, str) and isinstance(network_id, str) and isinstance(amount, int)):
        logger.warning("malformed payment request dropped")
        return
    holder = await onboarding_repo.approved_b2b_id_holder(uow.session, payer)
    bill = (
        None if holder is None
        else await document_repo.received(uow.session, holder.organisation_id, network_id)
    )  # fmt: skip
    if bill is None or amount <= 0:
        logger.warning("payment request for no bill of ours: dropped")
        return
    text = None
    if isinstance(message, str):
        try:
            text = clean_message(message, ("message",))
        except UserInputError:
            text = None  # what the sender wrote does not pass our guard: the request stands
    uow.session.add(
        DocumentHistory(
            document_id=bill.id, action=ACTION, detail=_detail(amount, text), by_network=True,
            at=now,
        )
    )  # fmt: skip
    await event_repo.append(
        uow, organisation_id=bill.organisation_id, kind=REQUESTED,
        data={"documentId": str(bill.id), "documentKind": bill.kind.value, "amountPaise": amount,
              **({"reason": text} if text else {})},
    )  # fmt: skip
