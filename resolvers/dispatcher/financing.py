"""Handlers for financing: sending a request (asking first after a timeout), accepting a bid,
cancelling, and asking where a request stands while it is open."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from sqlalchemy import select

from contract.errors import NetworkRefusedError
from contract.financing import FinancingOrder, FinancingState
from contract.payments import Allocation
from contract.port import Network
from db.models import (
    BidStatus,
    Document,
    FinancingBidRecord,
    FinancingHistory,
    FinancingInvoice,
    FinancingRequest,
    FinancingStatus,
)
from db.repositories import outbox as repo
from db.unit_of_work import UnitOfWork
from resolvers.dispatcher.base import POLL_SECONDS, Reschedule, Work
from resolvers.services import financing, pushes
from resolvers.services.financing import applying as financing_applying

logger = logging.getLogger("bharat_connect.dispatcher")

# While a request is open, the network is asked where it stands this often (its messages are
# the fast path; this catches any that were lost).
WATCH = {FinancingStatus.BIDDING, FinancingStatus.BID_ACCEPTED, FinancingStatus.DISBURSED}
DISBURSED_WATCH_SECONDS = 86_400.0


def _request_id(work: Work) -> uuid.UUID:
    return uuid.UUID(str(work.message.payload["requestId"]))


async def _order(uow: UnitOfWork, request: FinancingRequest) -> FinancingOrder | None:
    vendor = await pushes.own_b2b_id(uow, request.organisation_id)
    if vendor is None:
        return None
    rows = await uow.session.execute(
        select(Document.network_id, FinancingInvoice.amount_due_paise)
        .join(Document, Document.id == FinancingInvoice.document_id)
        .where(FinancingInvoice.request_id == request.id)
        .order_by(FinancingInvoice.id)
    )
    invoices = tuple(Allocation(network_id or "", due) for network_id, due in rows.all())
    return FinancingOrder(
        request.network_id, vendor, invoices, request.amount_paise, request.tenor_days
    )


async def _record(
    work: Work, state: FinancingState, *, watch: bool = False, source: str = "the network's answer"
) -> None:
    """Apply what the network holds; ``watch``: ask again later while the request is open
    (one chain of enquiries per request: the send starts it, each enquiry queues the next)."""
    async with work.write() as uow:
        request = await uow.session.get(FinancingRequest, _request_id(work), with_for_update=True)
        if request is None:
            return
        await financing_applying.apply_state(uow, request, state, work.now, source=source)
        if watch and request.status in WATCH:
            # Disbursed requests wait for the buyer's payment: asked about once a day.
            seconds = (
                DISBURSED_WATCH_SECONDS
                if request.status == FinancingStatus.DISBURSED
                else (POLL_SECONDS)
            )
            await repo.add(
                uow.session, organisation_id=request.organisation_id, kind=financing.POLL_KIND,
                payload={"requestId": str(request.id)},
                due=work.now + timedelta(seconds=seconds),
            )  # fmt: skip


async def _refused(work: Work, reason: str) -> None:
    async with work.write() as uow:
        request = await uow.session.get(FinancingRequest, _request_id(work), with_for_update=True)
        if request is None or request.status != FinancingStatus.REQUESTED:
            return
        request.status, request.reason, request.updated_at = (
            FinancingStatus.CANCELLED, f"The network refused the request: {reason}"[:500],
            work.now,
        )  # fmt: skip
        financing.history(uow, request, "REFUSED", work.now, detail=request.reason)
        await financing.status_event(uow, request)


async def send_request(network: Network, work: Work) -> Reschedule | None:
    """Send a financing request to the network."""
    async with work.read() as uow:
        request = await uow.session.get(FinancingRequest, _request_id(work))
        if request is None or request.status != FinancingStatus.REQUESTED:
            return None
        order = await _order(uow, request)
    if order is None:
        await _refused(work, "your organisation has no B2B ID any more")
        return None
    if work.message.attempts > 1:
        held = await network.financing_status(order.request_id)
        if held.state != "UNKNOWN":
            await _record(work, held, watch=True, source="status enquiry")
            return None
    try:
        state = await network.financing_request(order)
    except NetworkRefusedError as exc:
        await _refused(work, exc.reason)
        return None
    await _record(work, state, watch=True)
    return None


async def accept_bid(network: Network, work: Work) -> Reschedule | None:
    """Tell the network which bid the vendor accepted; a bid that expired meanwhile is marked so
    and the request is open to the other bids again."""
    bid_id = uuid.UUID(str(work.message.payload["bidId"]))
    async with work.read() as uow:
        request = await uow.session.get(FinancingRequest, _request_id(work))
        bid = await uow.session.get(FinancingBidRecord, bid_id)
        if request is None or bid is None or request.status != FinancingStatus.BID_ACCEPTED:
            return None
        vendor = await pushes.own_b2b_id(uow, request.organisation_id)
        network_id, network_bid = request.network_id, bid.network_bid_id
    try:
        state = await network.financing_accept(
            request_id=network_id, bid_id=network_bid, vendor_b2b_id=vendor or ""
        )
    except NetworkRefusedError as exc:
        async with work.write() as uow:
            request = await uow.session.get(FinancingRequest, _request_id(work),
                                            with_for_update=True)  # fmt: skip
            found = await uow.session.get(FinancingBidRecord, bid_id, with_for_update=True)
            if request is None or found is None or request.status != FinancingStatus.BID_ACCEPTED:
                return None
            found.status = (
                BidStatus.WITHDRAWN if exc.reason == "BID_WITHDRAWN" else (BidStatus.EXPIRED)
            )
            request.status, request.accepted_bid_id, request.owed_paise = (
                FinancingStatus.BIDDING, None, 0,
            )  # fmt: skip
            request.updated_at = work.now
            financing.history(uow, request, "ACCEPT_REFUSED", work.now,
                              detail=f"The network refused the bid: {exc.reason}")  # fmt: skip
            await financing.status_event(uow, request)
        held = await network.financing_status(network_id)
        await _record(work, held, source="status enquiry")
        return None
    await _record(work, state)
    return None


async def cancel_request(network: Network, work: Work) -> Reschedule | None:
    """Withdraw a cancelled request from the network."""
    async with work.read() as uow:
        request = await uow.session.get(FinancingRequest, _request_id(work))
        if request is None:
            return None
        vendor = await pushes.own_b2b_id(uow, request.organisation_id)
        network_id = request.network_id
    try:
        await network.financing_cancel(request_id=network_id, vendor_b2b_id=vendor or "")
    except NetworkRefusedError as exc:
        logger.warning("cancelling financing request %s refused: %s", network_id, exc.reason)
    return None


async def notice_overdue(_network: Network, work: Work) -> Reschedule | None:
    """The day after a disbursed request's repayment date: if money is still owed it is
    OVERDUE, and the vendor hears it live (once; a look that comes early waits)."""
    async with work.write() as uow:
        request = await uow.session.get(FinancingRequest, _request_id(work), with_for_update=True)
        if request is None or request.status != FinancingStatus.DISBURSED:
            return None
        if financing.shown_status(request, work.now.date()) != "OVERDUE":
            due = financing.overdue_from(request)
            owed = request.repaid_paise < request.owed_paise
            return Reschedule(due) if owed and due is not None and due > work.now else None
        noticed = await uow.session.scalar(
            select(FinancingHistory.id).where(
                FinancingHistory.request_id == request.id, FinancingHistory.action == "OVERDUE",
            ).limit(1)
        )  # fmt: skip
        if noticed is not None:
            return None
        left = request.owed_paise - request.repaid_paise
        financing.history(
            uow, request, "OVERDUE", work.now,
            detail=f"Repayment was due on {request.repayment_due_on}; {left} paise still owed.",
        )  # fmt: skip
        await financing.event(uow, request, financing.STATUS_CHANGED, financingStatus="OVERDUE")
    return None


async def poll_request(network: Network, work: Work) -> Reschedule | None:
    """Ask where an open request stands."""
    async with work.read() as uow:
        request = await uow.session.get(FinancingRequest, _request_id(work))
        if request is None or request.status not in WATCH:
            return None
        network_id = request.network_id
    try:
        held = await network.financing_status(network_id)
    except NetworkRefusedError as exc:  # the enquiry, not the request: ask again later
        logger.warning("status enquiry on financing %s refused: %s", network_id, exc.reason)
        return Reschedule(work.now + timedelta(seconds=POLL_SECONDS))
    if held.state != "UNKNOWN":
        await _record(work, held, watch=True, source="status enquiry")
    return None
