"""Financing's part of the network's wire format (camelCase JSON, money in paise)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contract.payments import Allocation, allocations_from_json, allocations_to_json
from contract.wire import WireError, field_int, field_opt_str, field_str


@dataclass(frozen=True)
class FinancingOrder:
    """A vendor's request for funds against accepted invoices (what was due on each, in
    paise). ``request_id`` is made once; the network takes it once."""

    request_id: str
    vendor_b2b_id: str
    invoices: tuple[Allocation, ...]
    amount_paise: int
    tenor_days: int | None = None


@dataclass(frozen=True)
class FinancingBid:
    """A financier's bid: the principal it offers, its annual rate in basis points, its flat
    fee, the tenor, until when it may be accepted (ISO time) and its state (``LIVE``,
    ``EXPIRED``, ``WITHDRAWN``, ``ACCEPTED``, ``DECLINED``)."""

    bid_id: str
    financier_id: str
    financier_name: str
    amount_paise: int
    rate_bp: int
    fee_paise: int
    tenor_days: int
    expires_at: str
    state: str


@dataclass(frozen=True)
class FinancingState:
    """Where a financing request stands on the network, with its bids."""

    request_id: str
    state: str
    bids: tuple[FinancingBid, ...] = ()
    accepted_bid_id: str | None = None
    disbursed_paise: int = 0
    disbursal_utr: str | None = None
    disbursed_on: str | None = None
    owed_paise: int = 0
    repaid_paise: int = 0
    reason: str | None = None
    # Grows whenever what was repaid changes (a returned repayment lowers it): the newer
    # state wins whatever order they arrive in.
    revision: int = 0


STATES = ("BIDDING", "BID_ACCEPTED", "DISBURSED", "SETTLED", "NO_BIDS", "CANCELLED",
          "DISBURSAL_FAILED", "UNKNOWN")  # fmt: skip
MAX_BIDS = 100


def _object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        msg = f"{what} is a JSON object"
        raise WireError(msg)
    return data


def order_to_json(order: FinancingOrder) -> dict[str, Any]:
    """A financing request as JSON."""
    return {
        "requestId": order.request_id, "vendorB2BId": order.vendor_b2b_id,
        "invoices": allocations_to_json(order.invoices), "amountPaise": order.amount_paise,
        "tenorDays": order.tenor_days,
    }  # fmt: skip


def order_from_json(data: Any) -> FinancingOrder:
    """A financing request, read."""
    body = _object(data, "a financing request")
    tenor = body.get("tenorDays")
    if tenor is not None and (not isinstance(tenor, int) or isinstance(tenor, bool)):
        msg = "tenorDays is an integer or null"
        raise WireError(msg)
    return FinancingOrder(
        request_id=field_str(body, "requestId"), vendor_b2b_id=field_str(body, "vendorB2BId"),
        invoices=allocations_from_json(body.get("invoices")),
        amount_paise=field_int(body, "amountPaise"), tenor_days=tenor,
    )  # fmt: skip


def bid_to_json(bid: FinancingBid) -> dict[str, Any]:
    """A bid as JSON."""
    return {
        "bidId": bid.bid_id, "financierId": bid.financier_id,
        "financierName": bid.financier_name, "amountPaise": bid.amount_paise,
        "rateBp": bid.rate_bp, "feePaise": bid.fee_paise, "tenorDays": bid.tenor_days,
        "expiresAt": bid.expires_at, "state": bid.state,
    }  # fmt: skip


def bid_from_json(data: Any) -> FinancingBid:
    """A bid, read."""
    body = _object(data, "a bid")
    return FinancingBid(
        bid_id=field_str(body, "bidId"), financier_id=field_str(body, "financierId"),
        financier_name=field_str(body, "financierName"),
        amount_paise=field_int(body, "amountPaise"), rate_bp=field_int(body, "rateBp"),
        fee_paise=field_int(body, "feePaise"), tenor_days=field_int(body, "tenorDays"),
        expires_at=field_str(body, "expiresAt"), state=field_str(body, "state"),
    )  # fmt: skip


def state_to_json(state: FinancingState) -> dict[str, Any]:
    """Where a request stands, as JSON."""
    return {
        "requestId": state.request_id, "state": state.state,
        "bids": [bid_to_json(b) for b in state.bids], "acceptedBidId": state.accepted_bid_id,
        "disbursedPaise": state.disbursed_paise, "disbursalUtr": state.disbursal_utr,
        "disbursedOn": state.disbursed_on, "owedPaise": state.owed_paise,
        "repaidPaise": state.repaid_paise, "reason": state.reason, "revision": state.revision,
    }  # fmt: skip


def state_from_json(data: Any) -> FinancingState:
    """Where a request stands, read."""
    body = _object(data, "a financing state")
    state = field_str(body, "state")
    if state not in STATES:
        msg = f"state must be one of {', '.join(STATES)}"
        raise WireError(msg)
    bids = body.get("bids", [])
    if not isinstance(bids, list) or len(bids) > MAX_BIDS:
        msg = f"bids is a list of at most {MAX_BIDS}"
        raise WireError(msg)
    return FinancingState(
        request_id=field_str(body, "requestId"), state=state,
        bids=tuple(bid_from_json(b) for b in bids),
        accepted_bid_id=field_opt_str(body, "acceptedBidId"),
        disbursed_paise=field_int(body, "disbursedPaise"),
        disbursal_utr=field_opt_str(body, "disbursalUtr"),
        disbursed_on=field_opt_str(body, "disbursedOn"), owed_paise=field_int(body, "owedPaise"),
        repaid_paise=field_int(body, "repaidPaise"), reason=field_opt_str(body, "reason"),
        revision=field_int(body, "revision") if "revision" in body else 0,
    )  # fmt: skip
