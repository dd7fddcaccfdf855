"""Handlers for payments: sending them, asking where they stand, reporting offline payments
and answering those reported to us.

A payment is sent under its network id, made once; after a timeout (or a worker that died
mid-call) the handler asks the network first and sends again only if the network never took
it: the network debits an id once, so nothing is ever paid twice. A payment whose outcome is
unknown stays PENDING and is asked about again (a status enquiry), never guessed.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import select

from contract.errors import NetworkRefusedError
from contract.payments import (
    Allocation,
    OfflineReport,
    PaymentOrder,
    PaymentRequest,
    PaymentState,
    SettlementLine,
)
from contract.port import Network
from db.models import (
    Contact,
    Document,
    DocumentHistory,
    KycProfile,
    OutboxMessage,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from db.repositories import outbox as repo
from db.repositories import payment as payment_repo
from db.unit_of_work import UnitOfWork
from resolvers.dispatcher.base import POLL_SECONDS, Reschedule, Work
from resolvers.services import payments, pushes
from resolvers.services.payments import applying, events, reconciliation

logger = logging.getLogger("bharat_connect.dispatcher")

# After giving up on sending or asking, ask again this much later.
ASK_AGAIN_SECONDS = 3600.0


def _payment_id(work: Work) -> uuid.UUID:
    return uuid.UUID(str(work.message.payload["paymentId"]))


async def _allocations(uow: UnitOfWork, payment: Payment) -> tuple[Allocation, ...]:
    allocations = (await payment_repo.allocations_of(uow.session, [payment.id]))[payment.id]
    rows = await uow.session.execute(
        select(Document.id, Document.network_id).where(
            Document.id.in_([a.document_id for a in allocations])
        )
    )
    network_ids: dict[uuid.UUID, str | None] = dict(rows.all())
    return tuple(
        Allocation(network_ids.get(a.document_id) or "", a.amount_paise) for a in allocations
    )


async def _order(uow: UnitOfWork, payment: Payment) -> PaymentOrder | None:
    """The network order for one of our payments (``None`` if we have no B2B ID any more)."""
    payer = await pushes.own_b2b_id(uow, payment.organisation_id)
    if payer is None or payment.network_id is None or payment.counterparty_b2b_id is None:
        return None
    source: dict[str, str] = {}
    if payment.method == PaymentMethod.BANK_TRANSFER:
        kyc = await uow.session.get(KycProfile, payment.organisation_id)
        if kyc is not None and kyc.bank_account_number and kyc.bank_ifsc:
            source = {"accountNumber": kyc.bank_account_number, "ifsc": kyc.bank_ifsc}
    elif payment.method == PaymentMethod.UPI and payment.vpa:
        source = {"vpa": payment.vpa}
    elif payment.method == PaymentMethod.CARD and payment.card_token:
        source = {"cardToken": payment.card_token}
    elif payment.method == PaymentMethod.NET_BANKING and payment.bank_code:
        source = {"bankCode": payment.bank_code}
    return PaymentOrder(
        network_id=payment.network_id, payer_b2b_id=payer,
        payee_b2b_id=payment.counterparty_b2b_id,
        method=payment.method.value,  # type: ignore[arg-type]
        amount_paise=payment.amount_paise, allocations=await _allocations(uow, payment),
        source=source,
    )  # fmt: skip


async def _record(work: Work, payment_id: uuid.UUID, state: PaymentState) -> None:
    """Apply what the network holds; a payment still on its way is asked about later. The
    handler's last write: the message is settled with it."""
    async with work.write(last=True) as uow:
        payment = await payment_repo.locked(uow.session, payment_id)
        if payment is None:
            return
        await applying.apply_state(uow, payment, state, work.now)
        if payment.status in applying.ON_ITS_WAY:
            await _poll_later(uow, payment, work.now + timedelta(seconds=POLL_SECONDS))


async def _poll_later(uow: UnitOfWork, payment: Payment, due: datetime) -> None:
    await repo.add(
        uow.session, organisation_id=payment.organisation_id, kind=payments.POLL_KIND,
        payload={"paymentId": str(payment.id)}, due=due,
    )  # fmt: skip


async def _send(network: Network, work: Work, order: PaymentOrder | None) -> None:
    payment_id = _payment_id(work)
    if order is None:
        refused = PaymentState("", "FAILED", reason="Your organisation has no B2B ID any more.")
        await _record(work, payment_id, refused)
        return
    try:
        answer = await network.payment_initiate(order)
    except NetworkRefusedError as exc:
        await _record(work, payment_id, PaymentState(order.network_id, "FAILED", reason=exc.reason))
        return
    await _record(work, payment_id, answer)


async def send_payment(network: Network, work: Work) -> Reschedule | None:
    """Send a payment (asking first whether an earlier try arrived)."""
    async with work.read() as uow:
        payment = await uow.session.get(Payment, _payment_id(work))
        if payment is None or payment.status != PaymentStatus.INITIATED:
            return None
        order = await _order(uow, payment)
    if work.message.attempts > 1 and order is not None:
        held = await network.payment_status(order.network_id)
        if held.state != "UNKNOWN":
            await _record(work, _payment_id(work), held)
            return None
    await _send(network, work, order)
    return None


async def poll_payment(network: Network, work: Work) -> Reschedule | None:
    """A status enquiry: apply a decided payment; send one the network never took (under the
    same id); ask again later about one still pending."""
    async with work.read() as uow:
        payment = await uow.session.get(Payment, _payment_id(work))
        if payment is None or payment.status not in applying.ON_ITS_WAY:
            return None
        order = await _order(uow, payment)
    if order is None:
        await _send(network, work, None)
        return None
    try:
        held = await network.payment_status(order.network_id)
    except NetworkRefusedError as exc:  # the enquiry, not the payment: ask again later
        logger.warning("status enquiry on payment %s refused: %s", order.network_id, exc.reason)
        return Reschedule(work.now + timedelta(seconds=POLL_SECONDS))
    if held.state == "UNKNOWN":
        await _send(network, work, order)
    else:
        await _record(work, _payment_id(work), held)
    return None


async def payment_unknown(uow: UnitOfWork, message: OutboxMessage, now: datetime) -> None:
    """Sending or asking was given up on: the outcome is unknown, so the payment is PENDING
    and asked about again later (never guessed)."""
    payment = await payment_repo.locked(uow.session, uuid.UUID(str(message.payload["paymentId"])))
    if payment is None or payment.status not in applying.ON_ITS_WAY:
        return
    if payment.status == PaymentStatus.INITIATED:
        await applying.apply_state(
            uow, payment, PaymentState(payment.network_id or "", "PENDING"), now
        )
    await _poll_later(uow, payment, now + timedelta(seconds=ASK_AGAIN_SECONDS))


async def report_offline(network: Network, work: Work) -> Reschedule | None:
    """Tell the vendor of a payment we made outside the network."""
    async with work.read() as uow:
        payment = await uow.session.get(Payment, _payment_id(work))
        if (
            payment is None
            or payment.status != PaymentStatus.AWAITING_CONFIRMATION
            or payment.network_id is None
            or payment.counterparty_b2b_id is None
        ):
            return None
        payer = await pushes.own_b2b_id(uow, payment.organisation_id)
        report = OfflineReport(
            payment.network_id, payer or "", payment.counterparty_b2b_id, payment.amount_paise,
            await _allocations(uow, payment), payment.paid_on.isoformat(),
            payment.offline_mode or "OTHER", payment.reference,
        )  # fmt: skip
    refused: str | None = None
    try:
        await network.payment_report_offline(report)
    except NetworkRefusedError as exc:
        refused = exc.message
    if refused is None:
        return None
    async with work.write() as uow:
        found = await payment_repo.locked(uow.session, _payment_id(work))
        if found is not None and found.status == PaymentStatus.AWAITING_CONFIRMATION:
            found.status = PaymentStatus.RECORDED
            found.remarks = f"The vendor could not be told: {refused}"[:500]
            found.updated_at = work.now
            await events.status_changed(uow, found)
    return None


async def report_given_up(uow: UnitOfWork, message: OutboxMessage, now: datetime) -> None:
    """The vendor could not be told of an offline payment: it stays recorded, unconfirmed."""
    found = await payment_repo.locked(uow.session, uuid.UUID(str(message.payload["paymentId"])))
    if found is not None and found.status == PaymentStatus.AWAITING_CONFIRMATION:
        found.status = PaymentStatus.RECORDED
        found.remarks = "The network did not take the report; the vendor was not told."
        found.updated_at = now
        await events.status_changed(uow, found)


async def answer_offline(network: Network, work: Work) -> Reschedule | None:
    """Tell the buyer whether we received an offline payment it reported."""
    payload = work.message.payload
    async with work.read() as uow:
        answerer = await pushes.own_b2b_id(uow, uuid.UUID(str(payload["organisationId"])))
    if answerer is None:
        logger.warning("answer to payment report %s not sent: no B2B ID", payload["networkId"])
        return None
    try:
        await network.payment_answer_offline(
            network_id=str(payload["networkId"]), answerer_b2b_id=answerer,
            received=bool(payload["received"]),
            remarks=None if payload.get("remarks") is None else str(payload["remarks"]),
        )  # fmt: skip
    except NetworkRefusedError as exc:
        logger.warning("answer to payment report %s refused: %s", payload["networkId"], exc.reason)
    return None


async def request_payment(network: Network, work: Work) -> Reschedule | None:
    """Carry a seller's request to pay an invoice to its buyer; a refusal goes on the
    invoice's history."""
    payload = work.message.payload
    async with work.read() as uow:
        invoice = await uow.session.get(Document, uuid.UUID(str(payload["documentId"])))
        if invoice is None or invoice.network_id is None:
            return None
        contact = await uow.session.get(Contact, invoice.contact_id)
        requester = await pushes.own_b2b_id(uow, invoice.organisation_id)
        if contact is None or contact.b2b_id is None or requester is None:
            return None
        request = PaymentRequest(
            str(payload["requestId"]), requester, contact.b2b_id, invoice.network_id,
            int(payload["amountPaise"]), None if payload.get("message") is None
            else str(payload["message"]),
        )  # fmt: skip
    try:
        await network.payment_request(request)
    except NetworkRefusedError as exc:
        async with work.write() as uow:
            uow.session.add(
                DocumentHistory(
                    document_id=invoice.id, action="PAYMENT_REQUEST_REFUSED",
                    detail=f"The network refused the request: {exc.reason}"[:500],
                    by_network=True, at=work.now,
                )
            )  # fmt: skip
    return None


async def fetch_settlements(network: Network, work: Work) -> Reschedule | None:
    """Fetch a day's settlement reports (one per B2B ID of ours) and match them."""
    payload = work.message.payload
    organisation_id = uuid.UUID(str(payload["organisationId"]))
    day = date.fromisoformat(str(payload["day"]))
    async with work.read() as uow:
        b2b_ids = await reconciliation.our_b2b_ids(uow, organisation_id)
    lines: list[SettlementLine] = []
    for b2b_id in b2b_ids:
        lines.extend(await network.settlement_report(b2b_id, day.isoformat()))
    async with work.write() as uow:
        await reconciliation.record_report(uow, organisation_id, day, lines, work.now)
    return None
