"""Applying what the network says about payments, once, whatever the order it arrives in.

A payment's state only moves forward (INITIATED → PENDING → SETTLED → REVERSED, or to FAILED),
so a repeat or a late, older message changes nothing; the bills' paid and in-flight amounts
move with it, under their locks. The seller's side of a payment (money received, an offline
payment reported by a buyer) is booked from the network's messages the same way, and the
seller confirms or denies an offline payment here.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from typing import Any

from contract.payments import PaymentState
from db.models import (
    Direction,
    Payment,
    PaymentAllocation,
    PaymentDirection,
    PaymentMethod,
    PaymentStatus,
)
from db.repositories import onboarding as onboarding_repo
from db.repositories import outbox as outbox_repo
from db.repositories import payment as repo
from db.unit_of_work import UnitOfWork
from resolvers.services import contacts
from resolvers.services.accounts import Viewer
from resolvers.services.documents import clean_reason
from resolvers.services.errors import ErrorCode, MessageRefusedError, UserInputError
from resolvers.services.payments import (
    ANSWER_KIND,
    MAX_ALLOCATIONS,
    OFFLINE_MODES,
    events,
    ledger,
    reconciliation,
)
from resolvers.services.text import forbidden_character

logger = logging.getLogger("bharat_connect.payments")

ON_ITS_WAY = {PaymentStatus.INITIATED, PaymentStatus.PENDING}
# What each network state may follow.
_FROM = {
    "PENDING": {PaymentStatus.INITIATED},
    "SETTLED": ON_ITS_WAY,
    "FAILED": ON_ITS_WAY,
    "REVERSED": {*ON_ITS_WAY, PaymentStatus.SETTLED},
}


async def _bills(uow: UnitOfWork, payment: Payment) -> list[tuple[Any, int]]:
    """The payment's documents, locked in id order, with the paise allocated to each."""
    allocations = (await repo.allocations_of(uow.session, [payment.id]))[payment.id]
    documents = await repo.lock_documents(
        uow.session, payment.organisation_id, [a.document_id for a in allocations]
    )
    return [
        (documents[a.document_id], a.amount_paise)
        for a in allocations
        if a.document_id in documents
    ]


def _day(raw: str | None) -> dt.date | None:
    try:
        return None if raw is None else dt.date.fromisoformat(raw)
    except ValueError:
        return None


async def apply_state(
    uow: UnitOfWork, payment: Payment, state: PaymentState, now: dt.datetime
) -> bool:
    """Move our (locked) payment to what the network holds; whether it moved."""
    allowed = _FROM.get(state.state)
    if allowed is None or payment.status not in allowed:
        return False
    before = payment.status
    payment.status = PaymentStatus(state.state)
    payment.virtual_account = state.virtual_account or payment.virtual_account
    payment.virtual_ifsc = state.virtual_ifsc or payment.virtual_ifsc
    payment.utr = state.utr or payment.utr
    payment.settled_on = _day(state.settled_on) or payment.settled_on
    payment.failure_reason = state.reason if state.state in {"FAILED", "REVERSED"} else None
    payment.updated_at = now
    if payment.direction == PaymentDirection.OUTGOING and state.state != "PENDING":
        was_on_its_way = before in ON_ITS_WAY
        for bill, paise in await _bills(uow, payment):
            if state.state == "SETTLED":
                await ledger.change(uow, bill, now=now, in_flight=-paise, paid=paise,
                                    detail="Paid through Bharat Connect.")  # fmt: skip
            elif was_on_its_way:
                await ledger.change(uow, bill, now=now, in_flight=-paise)
            else:
                await ledger.change(uow, bill, now=now, paid=-paise,
                                    detail="A payment was reversed by the bank.")  # fmt: skip
    if payment.status == PaymentStatus.SETTLED:
        await reconciliation.settled_on(
            uow, payment.organisation_id, payment.settled_on or now.date()
        )
    await events.status_changed(uow, payment)
    return True


def _state(data: Mapping[str, Any], reason: str | None) -> PaymentState | None:
    raw = data.get("state")
    network_id = data.get("networkId")
    if raw not in _FROM or not isinstance(network_id, str):
        return None

    def text(key: str) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) else None

    amount = data.get("amountPaise")
    return PaymentState(
        network_id, raw, amount if isinstance(amount, int) else 0,
        text("virtualAccount"), text("virtualIfsc"), text("utr"), reason, text("settledOn"),
    )  # fmt: skip


async def payment_updated(
    uow: UnitOfWork, data: Mapping[str, Any], reason: str | None, now: dt.datetime
) -> None:
    """The payer hears where its payment stands."""
    state = _state(data, reason)
    if state is None:
        logger.warning("malformed payment update dropped")
        return
    payment = await repo.by_network_id(uow.session, state.network_id, PaymentDirection.OUTGOING)
    if payment is None:
        logger.warning("update for an unknown payment %s", state.network_id)
        return
    await apply_state(uow, payment, state, now)


async def _payee(uow: UnitOfWork, data: Mapping[str, Any]) -> uuid.UUID | None:
    payee = data.get("payeeB2BId")
    holder = (
        await onboarding_repo.approved_b2b_id_holder(uow.session, payee)
        if isinstance(payee, str)
        else None
    )
    return None if holder is None else holder.organisation_id


def _allocations(data: Mapping[str, Any]) -> list[tuple[str, int]]:
    raw = data.get("allocations")
    out: list[tuple[str, int]] = []
    # A payment settles at most MAX_ALLOCATIONS documents; the network never sends more.
    for item in raw[:MAX_ALLOCATIONS] if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        network_id, amount = item.get("documentNetworkId"), item.get("amountPaise")
        if isinstance(network_id, str) and isinstance(amount, int) and amount > 0:
            out.append((network_id, amount))
    return out


async def _book_incoming(
    uow: UnitOfWork, organisation_id: uuid.UUID, data: Mapping[str, Any], *, status: PaymentStatus,
    method: PaymentMethod, now: dt.datetime, apply: bool,
) -> Payment:  # fmt: skip
    """A payment received, with its allocations to our invoices (``apply``: counted paid)."""
    allocations = _allocations(data)
    documents = await repo.documents_by_network_ids(
        uow.session, organisation_id, [n for n, _ in allocations]
    )
    ours = [
        (documents[n], paise)
        for n, paise in allocations
        if n in documents and documents[n].direction == Direction.OUTGOING
    ]
    for document, paise in ours:
        if paise > document.total_paise:
            msg = f"an allocation of {paise} paise is over the total of {document.number}"
            raise MessageRefusedError(msg)
    for key in ("reference", "mode", "remarks", "payerB2BId"):
        value = data.get(key)
        bad = forbidden_character(value) if isinstance(value, str) else None
        if bad is not None:
            msg = f"{key} carries {bad}"
            raise MessageRefusedError(msg)
    amount = data.get("amountPaise")
    amount = amount if isinstance(amount, int) and amount > 0 else 0
    routed = data.get("routedPaise")
    routed = routed if isinstance(routed, int) and 0 < routed <= amount else 0

    def text(key: str, limit: int) -> str | None:
        value = data.get(key)
        return value[:limit] if isinstance(value, str) and value else None

    mode = text("mode", 16)
    payment = Payment(
        organisation_id=organisation_id, direction=PaymentDirection.INCOMING,
        contact_id=ours[0][0].contact_id if ours else None,
        counterparty_b2b_id=text("payerB2BId", 50), method=method, status=status,
        amount_paise=amount, routed_paise=routed, network_id=str(data["networkId"]),
        virtual_account=text("virtualAccount", 20),
        virtual_ifsc=text("virtualIfsc", 11), utr=text("utr", 22),
        settled_on=_day(text("settledOn", 10)),
        paid_on=_day(text("paidOn", 10)) or _day(text("settledOn", 10)) or now.date(),
        offline_mode=mode if mode in OFFLINE_MODES else None,
        reference=text("reference", 100), created_at=now, updated_at=now,
    )  # fmt: skip
    uow.session.add(payment)
    await uow.session.flush()
    await events.received(uow, payment)
    for position, (document, paise) in enumerate(ours):
        uow.session.add(
            PaymentAllocation(
                payment_id=payment.id, document_id=document.id, position=position,
                amount_paise=paise,
            )
        )  # fmt: skip
        if apply:
            await ledger.change(uow, document, now=now, paid=paise,
                                detail="Paid through Bharat Connect.")  # fmt: skip
    return payment


async def payment_received(
    uow: UnitOfWork, data: Mapping[str, Any], reason: str | None, now: dt.datetime
) -> None:
    """Money settled to us (or a settled payment to us was reversed)."""
    state = _state(data, reason)
    organisation_id = await _payee(uow, data)
    if state is None or organisation_id is None:
        logger.warning("payment received for no one hosted here, or malformed: dropped")
        return
    payment = await repo.by_network_id(
        uow.session, state.network_id, PaymentDirection.INCOMING, organisation_id
    )
    try:
        method = PaymentMethod(str(data.get("method")))
    except ValueError:
        method = PaymentMethod.BANK_TRANSFER
    if payment is None:
        status = PaymentStatus.SETTLED if state.state == "SETTLED" else PaymentStatus.REVERSED
        payment = await _book_incoming(
            uow, organisation_id, data, status=status, method=method, now=now,
            apply=status == PaymentStatus.SETTLED,
        )  # fmt: skip
        payment.failure_reason = reason if status == PaymentStatus.REVERSED else None
        if status == PaymentStatus.SETTLED:
            await reconciliation.settled_on(uow, organisation_id, payment.settled_on or now.date())
        return
    if state.state == "REVERSED" and payment.status == PaymentStatus.SETTLED:
        payment.status, payment.failure_reason, payment.updated_at = (
            PaymentStatus.REVERSED, reason, now,
        )  # fmt: skip
        for document, paise in await _bills(uow, payment):
            await ledger.change(uow, document, now=now, paid=-paise,
                                detail="A payment was reversed by the bank.")  # fmt: skip
        await events.status_changed(uow, payment)


async def payment_reported(uow: UnitOfWork, data: Mapping[str, Any], now: dt.datetime) -> None:
    """A buyer reports paying us outside the network: it waits for our confirmation."""
    organisation_id = await _payee(uow, data)
    network_id = data.get("networkId")
    if organisation_id is None or not isinstance(network_id, str):
        logger.warning("payment report for no one hosted here, or malformed: dropped")
        return
    if await repo.by_network_id(
        uow.session, network_id, PaymentDirection.INCOMING, organisation_id
    ):
        return
    await _book_incoming(
        uow, organisation_id, data, status=PaymentStatus.AWAITING_CONFIRMATION,
        method=PaymentMethod.OFFLINE, now=now, apply=False,
    )  # fmt: skip


async def report_answered(
    uow: UnitOfWork, data: Mapping[str, Any], reason: str | None, now: dt.datetime
) -> None:
    """The vendor confirmed or denied an offline payment we reported: a denied one no longer
    counts as paid (the bill may be paid again)."""
    network_id, received = data.get("networkId"), data.get("received")
    if not isinstance(network_id, str) or not isinstance(received, bool):
        return
    payment = await repo.by_network_id(uow.session, network_id, PaymentDirection.OUTGOING)
    if payment is None or payment.status != PaymentStatus.AWAITING_CONFIRMATION:
        return
    payment.status = PaymentStatus.CONFIRMED if received else PaymentStatus.DENIED
    payment.remarks = reason[:500] if reason else None
    payment.updated_at = now
    if not received:
        for bill, paise in await _bills(uow, payment):
            await ledger.change(
                uow, bill, now=now, paid=-paise,
                detail="The vendor did not receive a payment recorded here.",
            )  # fmt: skip
    await events.status_changed(uow, payment)


async def _awaiting(uow: UnitOfWork, viewer: Viewer, payment_id: uuid.UUID) -> Payment:
    field = ("input", "paymentId")
    payment = await repo.visible(uow.session, viewer.account_id, payment_id, for_update=True)
    if payment is None or payment.direction != PaymentDirection.INCOMING:
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such payment received.")
    await contacts.require_network_ready(uow, viewer, payment.organisation_id, field)
    if payment.status != PaymentStatus.AWAITING_CONFIRMATION:
        raise UserInputError.one(
            ErrorCode.ALREADY_DONE, field, "This payment is not awaiting your confirmation."
        )
    return payment


async def confirm(
    uow: UnitOfWork, viewer: Viewer, *, payment_id: uuid.UUID, now: dt.datetime
) -> Payment:
    """The seller found an offline payment on its bank statement: recorded and applied."""
    payment = await _awaiting(uow, viewer, payment_id)
    payment.status, payment.updated_at = PaymentStatus.CONFIRMED, now
    for document, paise in await _bills(uow, payment):
        await ledger.change(uow, document, now=now, paid=paise,
                            detail="Payment received outside the network, confirmed.")  # fmt: skip
    await _answer(uow, viewer, payment, received=True, remarks=None, now=now)
    return payment


async def _answer(
    uow: UnitOfWork, viewer: Viewer, payment: Payment, *, received: bool, remarks: str | None,
    now: dt.datetime,
) -> None:  # fmt: skip
    """The seller's answer: an event now, the buyer told through the network after commit."""
    await events.status_changed(uow, payment, actor=viewer.account_id)
    await outbox_repo.add(
        uow.session, organisation_id=payment.organisation_id, kind=ANSWER_KIND,
        payload={"networkId": payment.network_id, "organisationId": str(payment.organisation_id),
                 "received": received, "remarks": remarks},
        due=now,
    )  # fmt: skip


async def deny(
    uow: UnitOfWork, viewer: Viewer, *, payment_id: uuid.UUID, remarks: str, now: dt.datetime
) -> Payment:
    """The seller did not receive an offline payment: the record is deleted and the buyer
    told (it may pay again). Returns the deleted record as it was."""
    payment = await _awaiting(uow, viewer, payment_id)
    try:
        cleaned = clean_reason(remarks)
    except UserInputError as exc:
        first = exc.errors[0]
        raise UserInputError.one(first.code, ("input", "remarks"), first.message) from None
    payment.status = PaymentStatus.DENIED
    await _answer(uow, viewer, payment, received=False, remarks=cleaned, now=now)
    await uow.session.delete(payment)
    await uow.session.flush()
    return payment
