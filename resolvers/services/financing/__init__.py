"""Invoice financing (DOMAIN.md section 6, vendors): request funds against accepted, unpaid
invoices; financiers bid; the vendor accepts one (or cancels); the financier disburses; the
buyer's later payments go to the financier until it is repaid.

Only the vendor's owners and admins, and staff with Bharat Connect access, see or act on its
financing. An invoice is in at most one open request: its row is locked while a request is
made, and the open requests holding it are looked for then. The network takes a request under
an id made once; what it says (bids, disbursal, repayment) is applied by :func:`apply_state`,
whatever the order or how often it arrives (:mod:`resolvers.services.financing.applying`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import secrets
import uuid
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from db.base import new_id
from db.models import (
    BidStatus,
    Direction,
    Document,
    DocumentKind,
    DocumentStatus,
    FinancingBidRecord,
    FinancingHistory,
    FinancingInvoice,
    FinancingRequest,
    FinancingStatus,
    KycProfile,
    KycStatus,
    Membership,
    MembershipRole,
    PushStatus,
)
from db.repositories import event as event_repo
from db.repositories import organisation as organisation_repo
from db.repositories import outbox as outbox_repo
from db.repositories import payment as payment_repo
from db.unit_of_work import UnitOfWork
from resolvers.services import access, contacts, idempotency
from resolvers.services.accounts import Viewer
from resolvers.services.errors import (
    ErrorCode,
    PermissionDeniedError,
    UserInputError,
)
from resolvers.services.payments import ledger, paise_of

REQUEST_KIND = "financing.request"
ACCEPT_KIND = "financing.accept"
CANCEL_KIND = "financing.cancel"
POLL_KIND = "financing.poll"
# Looks at a disbursed request the day after its repayment date: still owed, it is OVERDUE.
OVERDUE_KIND = "financing.overdue"
STATUS_CHANGED = "FINANCING_STATUS_CHANGED"
BID_RECEIVED = "FINANCING_BID_RECEIVED"
OPEN = {
    FinancingStatus.REQUESTED,
    FinancingStatus.BIDDING,
    FinancingStatus.BID_ACCEPTED,
    FinancingStatus.DISBURSED,
}
MAX_INVOICES = 50
MAX_TENOR_DAYS = 365


def interest(principal: int, rate_bp: int, days: int) -> int:
    """Simple interest in paise: principal * annual rate * days / 365, rounded half up."""
    value = Decimal(principal) * rate_bp * days / (Decimal(10_000) * 365)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def repayment(bid: FinancingBidRecord) -> int:
    """What the financier is repaid if this bid is taken: principal + interest + fee."""
    return (
        bid.amount_paise + interest(bid.amount_paise, bid.rate_bp, bid.tenor_days) + (bid.fee_paise)
    )


def may_finance(membership: Membership) -> bool:
    """Owners and admins, and staff with Bharat Connect access."""
    return membership.role in {MembershipRole.OWNER, MembershipRole.ADMIN} or (
        access.has_network_access(membership)
    )


def shown_status(request: FinancingRequest, today: dt.date) -> str:
    """OVERDUE once disbursed and past the repayment date with money still owed."""
    if (
        request.status == FinancingStatus.DISBURSED
        and request.repayment_due_on is not None
        and request.repayment_due_on < today
        and request.repaid_paise < request.owed_paise
    ):
        return "OVERDUE"
    return request.status.value


def overdue_from(request: FinancingRequest) -> dt.datetime | None:
    """When a disbursed request still owed becomes OVERDUE: the day after its repayment
    date begins (UTC)."""
    if request.repayment_due_on is None:
        return None
    day = request.repayment_due_on + dt.timedelta(days=1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


async def watch_overdue(uow: UnitOfWork, request: FinancingRequest) -> None:
    """Queue the look that tells the vendor, live, when the request becomes OVERDUE."""
    due = overdue_from(request)
    if due is not None:
        await outbox_repo.add(
            uow.session, organisation_id=request.organisation_id, kind=OVERDUE_KIND,
            payload={"requestId": str(request.id)}, due=due,
        )  # fmt: skip


def network_id() -> str:
    """A new financing request id."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "FIN" + "".join(secrets.choice(alphabet) for _ in range(32))


async def _allowed(uow: UnitOfWork, viewer: Viewer, organisation_id: uuid.UUID,
                   field: tuple[str, ...]) -> None:  # fmt: skip
    membership = await organisation_repo.membership_in(
        uow.session, organisation_id, viewer.account_id
    )
    if membership is None:
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such organisation.")
    if not may_finance(membership):
        raise PermissionDeniedError(
            "Financing is for owners, admins and members with Bharat Connect access."
        )


def history(
    uow: UnitOfWork, request: FinancingRequest, action: str, now: dt.datetime, *,
    detail: str | None = None, actor: uuid.UUID | None = None,
) -> None:  # fmt: skip
    """A history entry (by the network when no actor)."""
    uow.session.add(
        FinancingHistory(
            request_id=request.id, action=action, detail=detail, actor_account_id=actor,
            by_network=actor is None, at=now,
        )
    )  # fmt: skip


async def event(
    uow: UnitOfWork, request: FinancingRequest, kind: str, actor: uuid.UUID | None = None,
    **extra: str,
) -> None:  # fmt: skip
    await event_repo.append(
        uow, organisation_id=request.organisation_id, kind=kind, actor_account_id=actor,
        data={"financingRequestId": str(request.id), "financingStatus": request.status.value,
              **extra},
    )  # fmt: skip


async def status_event(uow: UnitOfWork, request: FinancingRequest) -> None:
    """The request moved (by the network)."""
    await event(uow, request, STATUS_CHANGED)


async def _open_requests_holding(
    uow: UnitOfWork, document_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    rows = await uow.session.scalars(
        select(FinancingInvoice.document_id)
        .join(FinancingRequest, FinancingRequest.id == FinancingInvoice.request_id)
        .where(
            FinancingInvoice.document_id.in_(document_ids),
            FinancingRequest.status.in_(list(OPEN)),
        )
    )
    return set(rows.all())


async def _invoices(
    uow: UnitOfWork, organisation_id: uuid.UUID, invoice_ids: list[uuid.UUID | None]
) -> list[tuple[Document, int]]:
    field = ("input", "invoiceIds")
    if not invoice_ids:
        raise UserInputError.one(ErrorCode.REQUIRED, field, "Name at least one invoice.")
    if len(invoice_ids) > MAX_INVOICES:
        raise UserInputError.one(ErrorCode.TOO_MANY, field, f"At most {MAX_INVOICES} invoices.")
    for index, invoice_id in enumerate(invoice_ids):
        if invoice_id is None:
            raise UserInputError.one(ErrorCode.NOT_FOUND, (*field, str(index)), "No such invoice.")
        if invoice_ids.index(invoice_id) != index:
            raise UserInputError.one(
                ErrorCode.DUPLICATE, (*field, str(index)), "An invoice is named twice."
            )
    ids = [i for i in invoice_ids if i is not None]
    found = await payment_repo.lock_documents(uow.session, organisation_id, ids)
    credit = await ledger.credited(uow.session, ids)
    held = await _open_requests_holding(uow, ids)
    out = []
    for index, invoice_id in enumerate(ids):
        where = (*field, str(index))
        invoice = found.get(invoice_id)
        if (
            invoice is None
            or invoice.direction != Direction.OUTGOING
            or (invoice.kind != DocumentKind.INVOICE)
        ):
            raise UserInputError.one(ErrorCode.NOT_FOUND, where, "No such invoice of yours.")
        due = ledger.amount_due(invoice, credit.get(invoice.id, 0))
        if (
            invoice.push_status != PushStatus.ACCEPTED
            or invoice.status in {DocumentStatus.VOID, DocumentStatus.PAID}
            or due <= 0
        ):
            raise UserInputError.one(
                ErrorCode.NOT_PAYABLE, where,
                "Only invoices the buyer accepted on the network, with money still due, can be "
                "financed.",
            )  # fmt: skip
        if invoice.id in held:
            raise UserInputError.one(
                ErrorCode.ALREADY_DONE, where, "This invoice is in another open request."
            )
        out.append((invoice, due))
    return out


async def create(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    organisation_id: uuid.UUID,
    invoice_ids: list[uuid.UUID | None],
    amount: decimal.Decimal,
    tenor_days: int | None,
    idempotency_key: str | None,
    now: dt.datetime,
) -> FinancingRequest:
    """Ask for funds against accepted invoices (sent after commit)."""
    field = ("input", "organisationId")
    if (
        await organisation_repo.lock_for_viewer(uow.session, viewer.account_id, organisation_id)
        is None
    ):
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such organisation.")
    request_id = new_id()
    earlier = await idempotency.claim(
        uow, scope=f"organisation:{organisation_id}", operation="financingRequestCreate",
        key=idempotency.check_key(idempotency_key, ("input", "idempotencyKey")),
        payload={"invoices": [str(i) for i in invoice_ids], "amount": str(amount),
                 "tenor": tenor_days},
        new_id=request_id, field=("input", "idempotencyKey"),
    )  # fmt: skip
    if earlier is not None:
        previous = await uow.session.get(FinancingRequest, earlier)
        if previous is not None:
            return previous
    await _allowed(uow, viewer, organisation_id, field)
    await contacts.require_network_ready(uow, viewer, organisation_id, field)
    kyc = await uow.session.get(KycProfile, organisation_id)
    if kyc is None or kyc.status != KycStatus.APPROVED:
        raise UserInputError.one(
            ErrorCode.KYC_NOT_APPROVED, field, "Your organisation's KYC must be approved first."
        )
    if tenor_days is not None and not 1 <= tenor_days <= MAX_TENOR_DAYS:
        raise UserInputError.one(
            ErrorCode.INVALID, ("input", "tenorDays"), f"A tenor is 1 to {MAX_TENOR_DAYS} days."
        )
    paise = paise_of(amount, ("input", "amount"))
    invoices = await _invoices(uow, organisation_id, invoice_ids)
    if paise > sum(due for _, due in invoices):
        raise UserInputError.one(
            ErrorCode.OVER_BALANCE, ("input", "amount"),
            "The amount is more than what is due on the invoices.",
        )  # fmt: skip
    request = FinancingRequest(
        id=request_id, organisation_id=organisation_id, network_id=network_id(),
        status=FinancingStatus.REQUESTED, amount_paise=paise, tenor_days=tenor_days,
        created_by_account_id=viewer.account_id, created_at=now, updated_at=now,
    )  # fmt: skip
    uow.session.add(request)
    await uow.session.flush()
    for invoice, due in invoices:
        uow.session.add(
            FinancingInvoice(request_id=request.id, document_id=invoice.id, amount_due_paise=due)
        )
    history(uow, request, "REQUESTED", now, actor=viewer.account_id)
    await event(uow, request, STATUS_CHANGED, viewer.account_id)
    await outbox_repo.add(
        uow.session, organisation_id=organisation_id, kind=REQUEST_KIND,
        payload={"requestId": str(request.id)}, due=now,
    )  # fmt: skip
    return request


async def _visible_request(
    uow: UnitOfWork, viewer: Viewer, request_id: uuid.UUID, field: tuple[str, ...]
) -> FinancingRequest:
    request = await uow.session.get(FinancingRequest, request_id, with_for_update=True)
    membership = None if request is None else await organisation_repo.membership_in(
        uow.session, request.organisation_id, viewer.account_id
    )  # fmt: skip
    if request is None or membership is None or not may_finance(membership):
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such financing request.")
    await contacts.require_network_ready(uow, viewer, request.organisation_id, field)
    return request


async def accept_bid(
    uow: UnitOfWork, viewer: Viewer, *, bid_id: uuid.UUID, now: dt.datetime
) -> FinancingRequest:
    """Accept a live bid: the others are declined, and the financier disburses."""
    field = ("input", "bidId")
    bid = await uow.session.get(FinancingBidRecord, bid_id)
    if bid is None:
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such bid.")
    request = await _visible_request(uow, viewer, bid.request_id, field)
    await uow.session.refresh(bid)
    if request.status != FinancingStatus.BIDDING:
        raise UserInputError.one(
            ErrorCode.ALREADY_DONE, field, "This request is not open to bids any more."
        )
    if bid.status != BidStatus.LIVE or bid.expires_at <= now:
        raise UserInputError.one(ErrorCode.EXPIRED, field, "This bid has expired or was withdrawn.")
    bid.status = BidStatus.ACCEPTED
    for other in await bids_of(uow, request.id):
        if other.id != bid.id and other.status == BidStatus.LIVE:
            other.status = BidStatus.DECLINED
    request.status, request.accepted_bid_id, request.updated_at = (
        FinancingStatus.BID_ACCEPTED, bid.id, now,
    )  # fmt: skip
    request.owed_paise = repayment(bid)
    detail = f"{bid.financier_name}: {bid.amount_paise} paise at {bid.rate_bp} bp"
    history(uow, request, "BID_ACCEPTED", now, actor=viewer.account_id, detail=detail)
    await event(uow, request, STATUS_CHANGED, viewer.account_id)
    await outbox_repo.add(
        uow.session, organisation_id=request.organisation_id, kind=ACCEPT_KIND,
        payload={"requestId": str(request.id), "bidId": str(bid.id)}, due=now,
    )  # fmt: skip
    return request


async def cancel(
    uow: UnitOfWork, viewer: Viewer, *, request_id: uuid.UUID, reason: str | None,
    now: dt.datetime,
) -> FinancingRequest:  # fmt: skip
    """Decline every bid and withdraw the request (before a bid is accepted)."""
    field = ("input", "requestId")
    request = await _visible_request(uow, viewer, request_id, field)
    if request.status not in {FinancingStatus.REQUESTED, FinancingStatus.BIDDING}:
        raise UserInputError.one(
            ErrorCode.ALREADY_DONE, field, "A bid was accepted already, or the request is over."
        )
    cleaned = " ".join((reason or "").split())[:500] or None
    request.status, request.reason, request.updated_at = FinancingStatus.CANCELLED, cleaned, now
    for bid in await bids_of(uow, request.id):
        if bid.status == BidStatus.LIVE:
            bid.status = BidStatus.DECLINED
    history(uow, request, "CANCELLED", now, actor=viewer.account_id, detail=cleaned)
    await event(uow, request, STATUS_CHANGED, viewer.account_id)
    await outbox_repo.add(
        uow.session, organisation_id=request.organisation_id, kind=CANCEL_KIND,
        payload={"requestId": str(request.id)}, due=now,
    )  # fmt: skip
    return request


async def bids_of(uow: UnitOfWork, request_id: uuid.UUID) -> list[FinancingBidRecord]:
    rows = await uow.session.scalars(
        select(FinancingBidRecord)
        .where(FinancingBidRecord.request_id == request_id)
        .order_by(FinancingBidRecord.id)
        .with_for_update()
    )
    return list(rows.all())
