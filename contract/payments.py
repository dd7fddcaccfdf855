"""The payment rails' part of the network's wire format (camelCase JSON, money in paise)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from contract.wire import (
    WireError,
    field_int,
    field_object,
    field_opt_str,
    field_str,
)

PaymentMethod = Literal["BANK_TRANSFER", "UPI", "CARD", "NET_BANKING"]

PaymentNetworkState = Literal["PENDING", "SETTLED", "FAILED", "REVERSED", "UNKNOWN"]


@dataclass(frozen=True)
class Allocation:
    """The part of a payment that settles one document (by its network id), in paise."""

    document_network_id: str
    amount_paise: int


@dataclass(frozen=True)
class PaymentOrder:
    """A payment through the network, from the payer's B2B ID to the payee's. ``network_id``
    is made once by the payer and kept for every retry: the network debits a given id once.
    ``source`` names where the money comes from: ``accountNumber`` and ``ifsc`` for a bank
    transfer, ``vpa`` for UPI, ``cardToken`` for a card, ``bankCode`` for net banking."""

    network_id: str
    payer_b2b_id: str
    payee_b2b_id: str
    method: PaymentMethod
    amount_paise: int
    allocations: tuple[Allocation, ...]
    source: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentState:
    """Where a payment stands on the network: the virtual account the money went into, and
    once settled the UTR and the settlement date (ISO); a failure's ``reason`` is a code
    (``INSUFFICIENT_FUNDS``, ``UPI_DECLINED``, ``CARD_DECLINED``, ``LIMIT_EXCEEDED``,
    ``BANK_DOWN``, ``VENDOR_ACCOUNT_INVALID``)."""

    network_id: str
    state: PaymentNetworkState
    amount_paise: int = 0
    virtual_account: str | None = None
    virtual_ifsc: str | None = None
    utr: str | None = None
    reason: str | None = None
    settled_on: str | None = None


@dataclass(frozen=True)
class PaymentRequest:
    """A seller asks its customer to pay an invoice (again: after a denied offline payment, or
    once it is overdue)."""

    request_id: str
    requester_b2b_id: str
    payer_b2b_id: str
    document_network_id: str
    amount_paise: int
    message: str | None = None


@dataclass(frozen=True)
class OfflineReport:
    """A payment made outside the network, reported by the payer to the payee (who confirms
    or denies having received it)."""

    network_id: str
    payer_b2b_id: str
    payee_b2b_id: str
    amount_paise: int
    allocations: tuple[Allocation, ...]
    paid_on: str
    mode: str
    reference: str | None = None


@dataclass(frozen=True)
class SettlementLine:
    """One credit or debit of a participant on a day's settlement report."""

    line_id: str
    day: str
    direction: Literal["CREDIT", "DEBIT"]
    amount_paise: int
    utr: str
    virtual_account: str
    payment_network_id: str
    document_network_ids: tuple[str, ...]


@dataclass(frozen=True)
class Bank:
    """A bank offered for net banking."""

    code: str
    name: str
    ifsc_prefix: str


@dataclass(frozen=True)
class CardToken:
    """A card in the network's token vault: never the number, only the token, the card
    network and the last four digits, and whose card it is."""

    token: str
    holder_b2b_id: str
    network: str
    last4: str


METHODS = ("BANK_TRANSFER", "UPI", "CARD", "NET_BANKING")
STATES = ("PENDING", "SETTLED", "FAILED", "REVERSED", "UNKNOWN")
MAX_ALLOCATIONS = 100


def _choice(data: Mapping[str, Any], key: str, allowed: tuple[str, ...]) -> str:
    value = field_str(data, key)
    if value not in allowed:
        msg = f"{key} must be one of {', '.join(allowed)}"
        raise WireError(msg)
    return value


def _object(data: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(data, dict):
        msg = f"{what} is a JSON object"
        raise WireError(msg)
    return data


def allocations_to_json(allocations: tuple[Allocation, ...]) -> list[dict[str, Any]]:
    """Allocations as JSON."""
    return [
        {"documentNetworkId": a.document_network_id, "amountPaise": a.amount_paise}
        for a in allocations
    ]


def allocations_from_json(data: Any) -> tuple[Allocation, ...]:
    """Allocations, read (1 to 100 of them)."""
    if not isinstance(data, list) or not 1 <= len(data) <= MAX_ALLOCATIONS:
        msg = f"allocations is a list of 1 to {MAX_ALLOCATIONS} objects"
        raise WireError(msg)
    return tuple(
        Allocation(field_str(item, "documentNetworkId"), field_int(item, "amountPaise"))
        for item in (_object(x, "an allocation") for x in data)
    )


def order_to_json(order: PaymentOrder) -> dict[str, Any]:
    """A payment order as JSON."""
    return {
        "networkId": order.network_id, "payerB2BId": order.payer_b2b_id,
        "payeeB2BId": order.payee_b2b_id, "method": order.method,
        "amountPaise": order.amount_paise, "allocations": allocations_to_json(order.allocations),
        "source": dict(order.source),
    }  # fmt: skip


def order_from_json(data: Any) -> PaymentOrder:
    """A payment order, read."""
    body = _object(data, "a payment")
    source = field_object(body, "source")
    if not all(isinstance(v, str) for v in source.values()):
        msg = "source holds strings"
        raise WireError(msg)
    return PaymentOrder(
        network_id=field_str(body, "networkId"), payer_b2b_id=field_str(body, "payerB2BId"),
        payee_b2b_id=field_str(body, "payeeB2BId"),
        method=cast(PaymentMethod, _choice(body, "method", METHODS)),
        amount_paise=field_int(body, "amountPaise"),
        allocations=allocations_from_json(body.get("allocations")), source=source,
    )  # fmt: skip


def state_to_json(state: PaymentState) -> dict[str, Any]:
    """Where a payment stands, as JSON."""
    return {
        "networkId": state.network_id, "state": state.state, "amountPaise": state.amount_paise,
        "virtualAccount": state.virtual_account, "virtualIfsc": state.virtual_ifsc,
        "utr": state.utr, "reason": state.reason, "settledOn": state.settled_on,
    }  # fmt: skip


def state_from_json(data: Any) -> PaymentState:
    """Where a payment stands, read."""
    body = _object(data, "a payment state")
    return PaymentState(
        network_id=field_str(body, "networkId"),
        state=cast(PaymentNetworkState, _choice(body, "state", STATES)),
        amount_paise=field_int(body, "amountPaise"),
        virtual_account=field_opt_str(body, "virtualAccount"),
        virtual_ifsc=field_opt_str(body, "virtualIfsc"), utr=field_opt_str(body, "utr"),
        reason=field_opt_str(body, "reason"), settled_on=field_opt_str(body, "settledOn"),
    )  # fmt: skip


def report_to_json(report: OfflineReport) -> dict[str, Any]:
    """An offline payment report as JSON."""
    return {
        "networkId": report.network_id, "payerB2BId": report.payer_b2b_id,
        "payeeB2BId": report.payee_b2b_id, "amountPaise": report.amount_paise,
        "allocations": allocations_to_json(report.allocations), "paidOn": report.paid_on,
        "mode": report.mode, "reference": report.reference,
    }  # fmt: skip


def report_from_json(data: Any) -> OfflineReport:
    """An offline payment report, read."""
    body = _object(data, "a payment report")
    return OfflineReport(
        network_id=field_str(body, "networkId"), payer_b2b_id=field_str(body, "payerB2BId"),
        payee_b2b_id=field_str(body, "payeeB2BId"), amount_paise=field_int(body, "amountPaise"),
        allocations=allocations_from_json(body.get("allocations")),
        paid_on=field_str(body, "paidOn"), mode=field_str(body, "mode"),
        reference=field_opt_str(body, "reference"),
    )  # fmt: skip


def request_to_json(request: PaymentRequest) -> dict[str, Any]:
    """A payment request as JSON."""
    return {
        "requestId": request.request_id, "requesterB2BId": request.requester_b2b_id,
        "payerB2BId": request.payer_b2b_id, "documentNetworkId": request.document_network_id,
        "amountPaise": request.amount_paise, "message": request.message,
    }  # fmt: skip


def request_from_json(data: Any) -> PaymentRequest:
    """A payment request, read."""
    body = _object(data, "a payment request")
    return PaymentRequest(
        request_id=field_str(body, "requestId"),
        requester_b2b_id=field_str(body, "requesterB2BId"),
        payer_b2b_id=field_str(body, "payerB2BId"),
        document_network_id=field_str(body, "documentNetworkId"),
        amount_paise=field_int(body, "amountPaise"), message=field_opt_str(body, "message"),
    )  # fmt: skip


def line_to_json(line: SettlementLine) -> dict[str, Any]:
    """A settlement line as JSON."""
    return {
        "lineId": line.line_id, "day": line.day, "direction": line.direction,
        "amountPaise": line.amount_paise, "utr": line.utr,
        "virtualAccount": line.virtual_account, "paymentNetworkId": line.payment_network_id,
        "documentNetworkIds": list(line.document_network_ids),
    }  # fmt: skip


def line_from_json(data: Any) -> SettlementLine:
    """A settlement line, read."""
    body = _object(data, "a settlement line")
    documents = body.get("documentNetworkIds")
    if not isinstance(documents, list) or not all(isinstance(d, str) for d in documents):
        msg = "documentNetworkIds is a list of strings"
        raise WireError(msg)
    return SettlementLine(
        line_id=field_str(body, "lineId"), day=field_str(body, "day"),
        direction=cast(Literal["CREDIT", "DEBIT"], _choice(body, "direction", ("CREDIT", "DEBIT"))),
        amount_paise=field_int(body, "amountPaise"), utr=field_str(body, "utr"),
        virtual_account=field_str(body, "virtualAccount"),
        payment_network_id=field_str(body, "paymentNetworkId"),
        document_network_ids=tuple(documents),
    )  # fmt: skip


def bank_to_json(bank: Bank) -> dict[str, Any]:
    """A bank as JSON."""
    return {"code": bank.code, "name": bank.name, "ifscPrefix": bank.ifsc_prefix}


def bank_from_json(data: Any) -> Bank:
    """A bank, read."""
    body = _object(data, "a bank")
    return Bank(field_str(body, "code"), field_str(body, "name"), field_str(body, "ifscPrefix"))


def card_to_json(card: CardToken) -> dict[str, Any]:
    """A card token as JSON."""
    return {"token": card.token, "holderB2BId": card.holder_b2b_id, "network": card.network,
            "last4": card.last4}  # fmt: skip


def card_from_json(data: Any) -> CardToken:
    """A card token, read."""
    body = _object(data, "a card")
    return CardToken(
        field_str(body, "token"), field_str(body, "holderB2BId"), field_str(body, "network"),
        field_str(body, "last4"),
    )  # fmt: skip
