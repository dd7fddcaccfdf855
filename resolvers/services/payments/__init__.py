"""Paying bills (DOMAIN.md section 6, payer side): through the network, or recorded as paid
outside it.

A payment names the bills it settles and how much of each (one vendor, one or more bills, in
part or in full); the allocations add up to its amount exactly. Bills are locked in id order
and a payment may allocate at most what is due less what other payments on their way
allocate, so concurrent payments never over-allocate. An online payment is queued (outbox)
under a network id made once and kept for every retry: the network debits an id once.
"""

from __future__ import annotations

import datetime as dt
import decimal
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from contract import identifiers
from contract.errors import NetworkRefusedError, NetworkTimeoutError, NetworkUnavailableError
from contract.port import Network
from db.base import new_id
from db.models import (
    Contact,
    Direction,
    Document,
    InboxStatus,
    KycProfile,
    KycStatus,
    Payment,
    PaymentAllocation,
    PaymentDirection,
    PaymentMethod,
    PaymentStatus,
)
from db.repositories import onboarding as onboarding_repo
from db.repositories import organisation as organisation_repo
from db.repositories import outbox as outbox_repo
from db.repositories import payment as repo
from db.unit_of_work import UnitOfWork
from resolvers.services import contacts, idempotency, pushes, tax
from resolvers.services.accounts import Viewer
from resolvers.services.errors import ErrorCode, UserInputError, network_down
from resolvers.services.payments import events, ledger

SEND_KIND = "payment.send"
POLL_KIND = "payment.poll"
REPORT_KIND = "payment.report"
ANSWER_KIND = "payment.answer"
MAX_ALLOCATIONS = 100
# ₹10,000 crore: no single payment is larger; ₹1.00: no allocation is smaller.
MAX_PAYMENT_PAISE = 10_000_000_000_000
MIN_ALLOCATION_PAISE = 100
OFFLINE_MODES = ("CASH", "CHEQUE", "BANK_TRANSFER", "UPI", "CARD", "OTHER")
# UPI's per-transaction limit (₹1,00,000): a larger UPI payment is refused before anything is
# debited (the network refuses it too, with LIMIT_EXCEEDED).
UPI_LIMIT_PAISE = 10_000_000
REFERENCE_MAX = 100


@dataclass(frozen=True)
class AllocationIn:
    """One bill and the rupees paid towards it."""

    document_id: uuid.UUID | None
    amount: decimal.Decimal


@dataclass(frozen=True)
class OnlineIn:
    """How an online payment is made."""

    method: PaymentMethod
    vpa: str | None = None
    bank_code: str | None = None
    card_token: str | None = None


def network_id() -> str:
    """A new payment network id."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "PAY" + "".join(secrets.choice(alphabet) for _ in range(32))


def paise_of(amount: decimal.Decimal, field: tuple[str, ...]) -> int:
    """A positive rupee amount in whole paise (at most 2 decimals, at most ₹10,000 crore)."""
    if not amount.is_finite() or amount <= 0:
        raise UserInputError.one(ErrorCode.INVALID, field, "The amount must be more than 0.")
    if amount != amount.quantize(decimal.Decimal("0.01")):
        raise UserInputError.one(
            ErrorCode.INVALID, field, "An amount has at most 2 decimals (whole paise)."
        )
    paise = int(amount * 100)
    if paise > MAX_PAYMENT_PAISE:
        raise UserInputError.one(ErrorCode.INVALID, field, "The amount is too large.")
    return paise


async def _bills(
    uow: UnitOfWork, organisation_id: uuid.UUID, allocations: list[AllocationIn],
    direction: Direction = Direction.INCOMING,
) -> tuple[list[tuple[Document, int]], Contact]:  # fmt: skip
    """The bills (or, ``OUTGOING``, our invoices), locked, each with the paise allocated; all
    of one vendor (customer), each payable, none over what is due (payments on their way
    count)."""
    what = "bill" if direction == Direction.INCOMING else "invoice"
    field = ("input", "allocations")
    if not allocations:
        raise UserInputError.one(ErrorCode.REQUIRED, field, f"Name at least one {what}.")
    if len(allocations) > MAX_ALLOCATIONS:
        raise UserInputError.one(ErrorCode.TOO_MANY, field, f"At most {MAX_ALLOCATIONS} {what}s.")
    amounts = [paise_of(a.amount, (*field, str(i), "amount")) for i, a in enumerate(allocations)]
    for index, paise in enumerate(amounts):
        if paise < MIN_ALLOCATION_PAISE:
            raise UserInputError.one(
                ErrorCode.INVALID, (*field, str(index), "amount"),
                f"Each amount is at least ₹{tax.rupees(MIN_ALLOCATION_PAISE)}.",
            )  # fmt: skip
    ids = [a.document_id for a in allocations]
    for index, document_id in enumerate(ids):
        if document_id is None:
            raise UserInputError.one(
                ErrorCode.NOT_FOUND, (*field, str(index), "documentId"), f"No such {what}."
            )
        if ids.index(document_id) != index:
            raise UserInputError.one(
                ErrorCode.DUPLICATE, (*field, str(index), "documentId"), f"A {what} is named twice."
            )
    if sum(amounts) > MAX_PAYMENT_PAISE:
        raise UserInputError.one(ErrorCode.INVALID, field, "The payment is too large.")
    found = await repo.lock_documents(uow.session, organisation_id, [i for i in ids if i])
    credit = await ledger.credited(uow.session, list(found))
    bills: list[tuple[Document, int]] = []
    vendor: uuid.UUID | None = None
    for index, (document_id, paise) in enumerate(zip(ids, amounts, strict=True)):
        where = (*field, str(index), "documentId")
        bill = found.get(document_id) if document_id is not None else None
        if bill is None or bill.direction != direction:
            raise UserInputError.one(ErrorCode.NOT_FOUND, where, f"No such {what}.")
        if (
            bill.kind not in ledger.PAYABLE_KINDS
            or (direction == Direction.INCOMING and bill.inbox_status != InboxStatus.ACCEPTED)
            or bill.status not in ledger.PAYABLE_STATUSES
        ):
            raise UserInputError.one(
                ErrorCode.NOT_PAYABLE, where,
                "Only accepted bills that are open, partly paid or overdue can be paid."
                if direction == Direction.INCOMING
                else "Only invoices that are sent, partly paid or overdue can be paid.",
            )  # fmt: skip
        if vendor is not None and bill.contact_id != vendor:
            raise UserInputError.one(
                ErrorCode.INVALID, where, f"One payment settles {what}s of one party only."
            )
        vendor = bill.contact_id
        available = ledger.amount_due(bill, credit.get(bill.id, 0)) - bill.in_flight_paise
        if paise > available:
            raise UserInputError.one(
                ErrorCode.OVER_BALANCE, (*field, str(index), "amount"),
                f"At most ₹{tax.rupees(max(available, 0))} can be paid on this {what} now "
                "(payments on their way count).",
            )  # fmt: skip
        bills.append((bill, paise))
    contact = await uow.session.get(Contact, vendor)
    assert contact is not None
    return bills, contact


async def _source(
    network: Network,
    *,
    payment: Payment,
    online: OnlineIn,
    own_b2b_id: str,
    kyc: KycProfile,
) -> None:
    """Check where the money comes from and keep what may be kept of it."""
    if online.method == PaymentMethod.BANK_TRANSFER:
        if not kyc.bank_account_number or not kyc.bank_ifsc:
            raise UserInputError.one(
                ErrorCode.KYC_INCOMPLETE, ("input", "method"),
                "Your KYC has no verified bank account to pay from.",
            )  # fmt: skip
        payment.source_ifsc = kyc.bank_ifsc
        payment.source_account_last4 = kyc.bank_account_number[-4:]
    elif online.method == PaymentMethod.UPI:
        try:
            payment.vpa = identifiers.check_vpa(online.vpa or "")
        except ValueError as exc:
            raise UserInputError.one(ErrorCode.INVALID, ("input", "vpa"), str(exc)) from None
    elif online.method == PaymentMethod.NET_BANKING:
        code = (online.bank_code or "").strip().upper()
        try:
            banks = await network.banks()
        except NetworkRefusedError:
            raise network_down(("input", "bankCode"), refused=True) from None
        except (NetworkTimeoutError, NetworkUnavailableError):
            raise network_down(("input", "bankCode")) from None
        if not any(bank.code == code for bank in banks):
            raise UserInputError.one(
                ErrorCode.NOT_FOUND, ("input", "bankCode"), "No such bank (see `banks`)."
            )
        payment.bank_code = code
    elif online.method == PaymentMethod.CARD:
        token = (online.card_token or "").strip()
        try:
            card = await network.card_token(token) if 1 <= len(token) <= 40 else None
        except NetworkRefusedError:
            card = None
        except (NetworkTimeoutError, NetworkUnavailableError):
            raise network_down(("input", "cardToken")) from None
        if card is None or card.holder_b2b_id.lower() != own_b2b_id.lower():
            raise UserInputError.one(
                ErrorCode.NOT_FOUND, ("input", "cardToken"), "No such card token of yours."
            )
        payment.card_token, payment.card_network, payment.card_last4 = (
            card.token, card.network, card.last4,
        )  # fmt: skip
    else:
        raise UserInputError.one(ErrorCode.INVALID, ("input", "method"), "Choose how to pay.")


async def _organisation(uow: UnitOfWork, viewer: Viewer, organisation_id: uuid.UUID) -> None:
    if (
        await organisation_repo.lock_for_viewer(uow.session, viewer.account_id, organisation_id)
        is None
    ):
        raise UserInputError.one(
            ErrorCode.NOT_FOUND, ("input", "organisationId"), "No such organisation."
        )


async def _replay(
    uow: UnitOfWork, viewer: Viewer, organisation_id: uuid.UUID, *, operation: str,
    key: str | None, payload: Mapping[str, object], payment_id: uuid.UUID,
) -> Payment | None:  # fmt: skip
    earlier = await idempotency.claim(
        uow, scope=f"organisation:{organisation_id}", operation=operation,
        key=idempotency.check_key(key, ("input", "idempotencyKey")), payload=payload,
        new_id=payment_id, field=("input", "idempotencyKey"),
    )  # fmt: skip
    if earlier is None:
        return None
    return await repo.visible(uow.session, viewer.account_id, earlier)


async def create(
    uow: UnitOfWork,
    viewer: Viewer,
    network: Network,
    *,
    organisation_id: uuid.UUID,
    allocations: list[AllocationIn],
    online: OnlineIn,
    idempotency_key: str | None,
    now: dt.datetime,
) -> Payment:
    """Pay bills through the network (sent after commit)."""
    await _organisation(uow, viewer, organisation_id)
    payment_id = new_id()
    payload = {"allocations": [(str(a.document_id), str(a.amount)) for a in allocations],
               "online": repr(online)}  # fmt: skip
    earlier = await _replay(
        uow, viewer, organisation_id, operation="paymentCreate", key=idempotency_key,
        payload=payload, payment_id=payment_id,
    )  # fmt: skip
    if earlier is not None:
        return earlier
    await contacts.require_network_ready(uow, viewer, organisation_id, ("input", "organisationId"))
    kyc = await uow.session.get(KycProfile, organisation_id)
    if kyc is None or kyc.status != KycStatus.APPROVED:
        raise UserInputError.one(
            ErrorCode.KYC_NOT_APPROVED, ("input", "organisationId"),
            "Your organisation's KYC must be approved before paying through Bharat Connect.",
        )  # fmt: skip
    own = await pushes.own_b2b_id(uow, organisation_id)
    assert own is not None  # require_network_ready checked it
    bills, vendor = await _bills(uow, organisation_id, allocations)
    if vendor.b2b_id is None:
        raise UserInputError.one(
            ErrorCode.CONTACT_NOT_LINKED, ("input", "allocations"),
            "The vendor has no B2B ID: pay outside the network and record it instead.",
        )  # fmt: skip
    if not await payee_can_collect(uow, vendor.b2b_id):
        raise UserInputError.one(
            ErrorCode.PAYEE_CANNOT_COLLECT, ("input", "allocations"),
            "This vendor cannot receive payments through Bharat Connect yet (its KYC is not "
            "approved): pay outside the network and record it instead.",
        )  # fmt: skip
    total = sum(p for _, p in bills)
    if online.method == PaymentMethod.UPI and total > UPI_LIMIT_PAISE:
        raise UserInputError.one(
            ErrorCode.OVER_LIMIT, ("input", "allocations"),
            f"A UPI payment is at most ₹{tax.rupees(UPI_LIMIT_PAISE)}: pay by bank transfer, "
            "or split it.",
        )  # fmt: skip
    payment = Payment(
        id=payment_id, organisation_id=organisation_id, direction=PaymentDirection.OUTGOING,
        contact_id=vendor.id, counterparty_b2b_id=vendor.b2b_id, method=online.method,
        status=PaymentStatus.INITIATED, amount_paise=sum(p for _, p in bills),
        network_id=network_id(), paid_on=now.date(), created_by_account_id=viewer.account_id,
        created_at=now, updated_at=now,
    )  # fmt: skip
    await _source(network, payment=payment, online=online, own_b2b_id=own, kyc=kyc)
    await _book(uow, viewer, payment, bills, now=now, applied=False, send=SEND_KIND)
    return payment


async def payee_can_collect(uow: UnitOfWork, b2b_id: str) -> bool:
    """Whether a payee may receive network payments, as far as this service knows: one of the
    businesses it hosts needs an approved KYC with a verified bank account (the network checks
    every payee again and refuses with PAYEE_CANNOT_COLLECT)."""
    holder = await onboarding_repo.approved_b2b_id_holder(uow.session, b2b_id)
    if holder is None:
        return True  # not hosted here: the network decides
    kyc = await uow.session.get(KycProfile, holder.organisation_id)
    return (
        kyc is not None
        and kyc.status == KycStatus.APPROVED
        and bool(kyc.bank_account_number and kyc.bank_ifsc)
    )


async def _book(
    uow: UnitOfWork, viewer: Viewer, payment: Payment, bills: list[tuple[Document, int]], *,
    now: dt.datetime, applied: bool, send: str | None,
) -> None:  # fmt: skip
    """Keep a new payment and what it allocates to each (locked) bill: counted paid at once
    (``applied``) or on its way; queue ``send`` for the network after commit."""
    uow.session.add(payment)
    await uow.session.flush()
    for position, (bill, paise) in enumerate(bills):
        uow.session.add(
            PaymentAllocation(
                payment_id=payment.id, document_id=bill.id, position=position, amount_paise=paise
            )
        )
        if applied:
            await ledger.change(uow, bill, now=now, paid=paise, detail="Paid outside the network.")
        else:
            await ledger.change(uow, bill, now=now, in_flight=paise)
    await events.status_changed(uow, payment, actor=viewer.account_id)
    if send is not None:
        await outbox_repo.add(
            uow.session, organisation_id=payment.organisation_id, kind=send,
            payload={"paymentId": str(payment.id)}, due=now,
        )  # fmt: skip
