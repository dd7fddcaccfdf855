"""Applying what the network holds for a financing request, once, whatever the order or how
often it arrives: bids are kept by the network's bid id, the request's state only moves forward,
and the disbursal is booked as money received the first time it is heard of."""

from __future__ import annotations

import datetime as dt

from contract.financing import FinancingBid, FinancingState
from db.models import (
    BidStatus,
    FinancingBidRecord,
    FinancingRequest,
    FinancingStatus,
    Payment,
    PaymentDirection,
    PaymentMethod,
    PaymentStatus,
)
from db.unit_of_work import UnitOfWork
from resolvers.services.financing import (
    BID_RECEIVED,
    STATUS_CHANGED,
    bids_of,
    event,
    history,
    watch_overdue,
)
from resolvers.services.payments import events as payment_events
from resolvers.services.payments import reconciliation

# What each network state may follow (a repeat or a late, older message changes nothing).
_FROM: dict[str, set[FinancingStatus]] = {
    "BIDDING": {FinancingStatus.REQUESTED},
    "BID_ACCEPTED": {FinancingStatus.REQUESTED, FinancingStatus.BIDDING},
    "DISBURSED": {FinancingStatus.REQUESTED, FinancingStatus.BIDDING,
                  FinancingStatus.BID_ACCEPTED},
    "SETTLED": {FinancingStatus.REQUESTED, FinancingStatus.BIDDING,
                FinancingStatus.BID_ACCEPTED, FinancingStatus.DISBURSED},
    "NO_BIDS": {FinancingStatus.REQUESTED, FinancingStatus.BIDDING},
    "CANCELLED": {FinancingStatus.REQUESTED, FinancingStatus.BIDDING},
    "DISBURSAL_FAILED": {FinancingStatus.BID_ACCEPTED, FinancingStatus.REQUESTED,
                         FinancingStatus.BIDDING},
}  # fmt: skip


async def _apply_bid(
    uow: UnitOfWork, request: FinancingRequest, bid: FinancingBid, *,
    known: dict[str, FinancingBidRecord], now: dt.datetime, source: str,
) -> None:  # fmt: skip
    try:
        state = BidStatus(bid.state)
        expires = dt.datetime.fromisoformat(bid.expires_at)
    except ValueError:
        return
    held = known.get(bid.bid_id)
    if request.status not in {FinancingStatus.REQUESTED, FinancingStatus.BIDDING} and (
        state == BidStatus.LIVE
    ):
        state = BidStatus.DECLINED  # it came after the vendor decided
    if held is None:
        held = FinancingBidRecord(
            request_id=request.id, network_bid_id=bid.bid_id[:40],
            financier_id=bid.financier_id[:40], financier_name=bid.financier_name[:200],
            amount_paise=bid.amount_paise, rate_bp=bid.rate_bp, fee_paise=bid.fee_paise,
            tenor_days=bid.tenor_days, expires_at=expires, status=state, received_at=now,
        )  # fmt: skip
        uow.session.add(held)
        await uow.session.flush()
        known[bid.bid_id] = held
        history(uow, request, "BID_RECEIVED", now, detail=f"{held.financier_name} bid ({source}).")
        await event(uow, request, BID_RECEIVED, bidId=str(held.id))
        return
    if held.status == BidStatus.LIVE and state in {
        BidStatus.EXPIRED,
        BidStatus.WITHDRAWN,
        BidStatus.DECLINED,
    }:
        held.status = state
        history(uow, request, f"BID_{state.value}", now,
                detail=f"{held.financier_name} ({source}).")  # fmt: skip
        await event(uow, request, STATUS_CHANGED, bidId=str(held.id))


async def _book_disbursal(
    uow: UnitOfWork, request: FinancingRequest, known: dict[str, FinancingBidRecord],
    now: dt.datetime,
) -> None:  # fmt: skip
    """The disbursal is money received: a settled INCOMING payment (allocated to no invoice:
    the buyer still owes them), matched by reconciliation like any other."""
    bid = next((b for b in known.values() if b.id == request.accepted_bid_id), None)
    day = request.disbursed_on or now.date()
    payment = Payment(
        organisation_id=request.organisation_id, direction=PaymentDirection.INCOMING,
        method=PaymentMethod.FINANCING, status=PaymentStatus.SETTLED,
        amount_paise=request.disbursed_paise, network_id=request.network_id,
        utr=request.disbursal_utr, paid_on=day, settled_on=day,
        remarks=None if bid is None else f"Disbursed by {bid.financier_name}.",
        created_at=now, updated_at=now,
    )  # fmt: skip
    uow.session.add(payment)
    await uow.session.flush()
    await payment_events.received(uow, payment)
    await reconciliation.settled_on(uow, request.organisation_id, day)


async def apply_state(
    uow: UnitOfWork, request: FinancingRequest, state: FinancingState, now: dt.datetime, *,
    source: str,
) -> None:  # fmt: skip
    """Apply what the network holds for a (locked) request, once; ``source`` (which network
    message, or a status enquiry) goes into the history."""
    known = {b.network_bid_id: b for b in await bids_of(uow, request.id)}
    for bid in state.bids:
        await _apply_bid(uow, request, bid, known=known, now=now, source=source)
    # A newer revision of the repayments wins (a returned repayment lowers them); without
    # revisions, what was repaid only grows.
    newer = state.revision > request.network_revision
    repaid_moved = (
        newer and request.repaid_paise != state.repaid_paise
        if state.revision
        else request.repaid_paise < state.repaid_paise
    )
    if repaid_moved:
        returned = state.repaid_paise < request.repaid_paise
        request.repaid_paise = state.repaid_paise
        repaid = f"{state.repaid_paise} of {state.owed_paise} paise repaid ({source})."
        history(uow, request, "REPAYMENT_RETURNED" if returned else "REPAYMENT_ROUTED", now,
                detail=repaid)  # fmt: skip
    if newer:
        request.network_revision = state.revision
    allowed = _FROM.get(state.state)
    reopened = newer and state.state == "DISBURSED" and request.status == FinancingStatus.SETTLED
    if reopened:  # a repayment was returned: owed again
        allowed = {FinancingStatus.SETTLED}
    if allowed is None or request.status not in allowed:
        if repaid_moved:  # a partial repayment: the status stays, the amounts moved
            request.updated_at = now
            await event(uow, request, STATUS_CHANGED)
        return
    request.status = FinancingStatus(state.state)
    request.updated_at = now
    request.reason = (
        state.reason if state.state in {"NO_BIDS", "DISBURSAL_FAILED"} else (request.reason)
    )
    if state.accepted_bid_id is not None and request.accepted_bid_id is None:
        accepted = known.get(state.accepted_bid_id)
        if accepted is not None:
            accepted.status = BidStatus.ACCEPTED
            request.accepted_bid_id = accepted.id
    if state.owed_paise:
        request.owed_paise = state.owed_paise
    if state.state in {"DISBURSED", "SETTLED"} and state.disbursed_paise:
        first_disbursal = request.disbursed_paise == 0
        request.disbursed_paise = state.disbursed_paise
        request.disbursal_utr = (state.disbursal_utr or "")[:22] or None
        try:
            request.disbursed_on = dt.date.fromisoformat(state.disbursed_on or "")
        except ValueError:
            request.disbursed_on = now.date()
        tenor = next((b.tenor_days for b in known.values() if b.id == request.accepted_bid_id),
                     request.tenor_days or 0)  # fmt: skip
        request.repayment_due_on = request.disbursed_on + dt.timedelta(days=tenor)
        if first_disbursal:
            await _book_disbursal(uow, request, known, now)
        if first_disbursal or reopened:  # disbursed, or owed again
            await watch_overdue(uow, request)
    detail = f"{request.reason} ({source})" if request.reason else f"({source})"
    history(uow, request, state.state, now, detail=detail[:500])
    await event(uow, request, STATUS_CHANGED)
