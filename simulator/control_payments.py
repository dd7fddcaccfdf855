"""The control API's payment rails (under ``/simulator``, camelCase in and out):

- ``POST /simulator/cards`` ``{"number", "b2bId"}``: put a test card in the vault, for the
  business holding ``b2bId``; answers the token, the card network and the last four digits.
- ``POST /simulator/payments`` ``{"invoiceNetworkId", "amountPaise", "method"?, "offline"?,
  "paidOn"?, "mode"?, "reference"?}``: the external customer an invoice went to pays it
  (online through the network, or reports a payment made outside it).
- ``GET  /simulator/payments``: every payment the network holds; ``GET
  /simulator/payment-totals``: paise by where they ended (debited = pending + settled + failed
  + reversed).
- ``GET  /simulator/ledger?account=``: the double-entry ledger: every account's debits,
  credits and balance (their sum is zero) and the transfers (of one account, when asked: an
  account name such as ``participant:sharma-traders``, or a B2B ID or financier id).
- ``POST /simulator/payments/{networkId}/reverse`` ``{"reason"?}``: the bank returns a
  settled payment.
- ``GET  /simulator/settlements?b2bId=&day=``: a participant's settlement report.
- ``GET  /simulator/payment-behaviour`` / ``PUT``: settlement delay, failure rules
  (``paymentRules``: ``[{"method", "reason", "rate", "minPaise", "payer"}]``), the UPI limit,
  and how external payees answer offline reports; also financing's bidding window and
  disbursal delay (``biddingSeconds``, ``disbursalSeconds``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from contract.errors import NetworkError, NetworkRefusedError
from contract.payments import METHODS, Allocation, OfflineReport, PaymentOrder, line_to_json
from simulator import ledger
from simulator.network import SimulatedNetwork
from simulator.payments import FAILURE_REASONS

# Where an external payer's money comes from, by method.
_SOURCES = {
    "BANK_TRANSFER": {"accountNumber": "918273645501", "ifsc": "SBIN0001234"},
    "UPI": {"vpa": "accounts@okaxis"},
    "NET_BANKING": {"bankCode": "HDFC"},
}


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status)


def _camel(record: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in dataclasses.asdict(record).items():
        head, *rest = key.split("_")
        out[head + "".join(p[:1].upper() + p[1:] for p in rest)] = value
    return out


async def _body(request: Request) -> dict[str, Any] | None:
    try:
        data = await request.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _rules(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or len(value) > 50:
        msg = "paymentRules is a list of at most 50 rules"
        raise ValueError(msg)
    rules = []
    for rule in value:
        if not isinstance(rule, dict):
            msg = "a payment rule is an object"
            raise TypeError(msg)
        method, reason = rule.get("method", "*"), rule.get("reason", "BANK_DOWN")
        if method != "*" and method not in METHODS:
            msg = f"a rule's method is * or one of {', '.join(METHODS)}"
            raise ValueError(msg)
        if reason not in FAILURE_REASONS:
            msg = f"a rule's reason is one of {', '.join(FAILURE_REASONS)}"
            raise ValueError(msg)
        rate = float(rule.get("rate", 1.0))
        if not 0 <= rate <= 1:
            msg = "a rule's rate is from 0 to 1"
            raise ValueError(msg)
        rules.append({"method": method, "reason": reason, "rate": rate,
                      "minPaise": int(rule.get("minPaise", 0)),
                      "payer": str(rule.get("payer", ""))})  # fmt: skip
    return rules


def payment_control_routes(network: SimulatedNetwork) -> list[Route]:
    """The payment rails' control routes."""

    async def cards(request: Request) -> Response:
        body = await _body(request)
        if body is None:
            return _error("send a JSON object")
        try:
            card = network.tokenize_card(str(body.get("number", "")), str(body.get("b2bId", "")))
        except (ValueError, NetworkRefusedError) as exc:
            return _error(str(exc))
        return JSONResponse({"token": card.token, "network": card.network, "last4": card.last4,
                             "holderB2BId": card.holder})  # fmt: skip

    async def payments(request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse([_camel(p) for p in network.world.payments.view()])
        body = await _body(request)
        if body is None:
            return _error("send a JSON object")
        invoice = network.world.documents.get(str(body.get("invoiceNetworkId", "")))
        amount = body.get("amountPaise")
        if invoice is None or invoice.kind != "INVOICE":
            return _error("invoiceNetworkId names no invoice the network carried")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            return _error("amountPaise is a positive integer")
        network_id = network.new_id("PAY")
        allocations = (Allocation(invoice.network_id, amount),)
        try:
            if body.get("offline", False):
                await network.payment_report_offline(
                    OfflineReport(
                        network_id, invoice.receiver, invoice.sender, amount, allocations,
                        str(body.get("paidOn", network.clock.now().date().isoformat())),
                        str(body.get("mode", "BANK_TRANSFER")),
                        None if body.get("reference") is None else str(body["reference"]),
                    )
                )  # fmt: skip
                return JSONResponse({"networkId": network_id, "state": "REPORTED"})
            method = str(body.get("method", "BANK_TRANSFER"))
            if method not in _SOURCES:
                return _error(f"method is one of {', '.join(_SOURCES)}")
            state = await network.payment_initiate(
                PaymentOrder(network_id, invoice.receiver, invoice.sender, method,  # type: ignore[arg-type]
                             amount, allocations, _SOURCES[method])
            )  # fmt: skip
        except NetworkError as exc:
            return _error(str(exc), 422)
        return JSONResponse({"networkId": network_id, "state": state.state})

    async def reverse(request: Request) -> Response:
        body = await _body(request) or {}
        try:
            payment = network.reverse(
                request.path_params["networkId"], str(body.get("reason", "RETURNED_BY_BANK"))
            )
        except ValueError as exc:
            return _error(str(exc), 404)
        return JSONResponse(_camel(payment))

    async def totals(_request: Request) -> Response:
        return JSONResponse(network.payment_totals())

    async def ledger_view(request: Request) -> Response:
        asked = request.query_params.get("account", "").strip()
        account = asked if ":" in asked else (network.account_of(asked) if asked else "")
        transfers = [
            t for t in network.world.transfers if not account or account in {t.debit, t.credit}
        ]
        balances = ledger.balances(network.world.transfers)
        return JSONResponse({
            "accounts": [
                {"account": name, "debitsPaise": b["debits"], "creditsPaise": b["credits"],
                 "balancePaise": b["balance"]}
                for name, b in balances.items() if not account or name == account
            ],
            "totalPaise": sum(b["balance"] for b in balances.values()),
            "transfers": [
                {"transferId": t.transfer_id, "kind": t.kind, "day": t.day, "debit": t.debit,
                 "credit": t.credit, "amountPaise": t.amount_paise, "utr": t.utr,
                 "reference": t.payment_network_id, "documentNetworkIds": t.document_network_ids}
                for t in transfers
            ],
        })  # fmt: skip

    async def settlements(request: Request) -> Response:
        lines = await network.settlement_report(
            request.query_params.get("b2bId", ""), request.query_params.get("day", "")
        )
        return JSONResponse([line_to_json(line) for line in lines])

    async def behaviour(request: Request) -> Response:
        current = network.world.behaviour
        if request.method == "PUT":
            body = await _body(request)
            if body is None:
                return _error("send a JSON object")
            try:
                changed = dataclasses.replace(
                    current,
                    settlement_seconds=float(
                        body.get("settlementSeconds", current.settlement_seconds)
                    ),
                    payment_rules=_rules(body.get("paymentRules", current.payment_rules)),
                    upi_limit_paise=int(body.get("upiLimitPaise", current.upi_limit_paise)),
                    offline_answer=body.get("offlineAnswer", current.offline_answer),
                    offline_answer_seconds=float(
                        body.get("offlineAnswerSeconds", current.offline_answer_seconds)
                    ),
                    bidding_seconds=float(body.get("biddingSeconds", current.bidding_seconds)),
                    disbursal_seconds=float(
                        body.get("disbursalSeconds", current.disbursal_seconds)
                    ),
                )
            except (TypeError, ValueError) as exc:
                return _error(str(exc))
            if changed.offline_answer not in {"RECEIVED", "DENIED"}:
                return _error("offlineAnswer is RECEIVED or DENIED")
            network.world.behaviour = current = changed
            network.changed()
        return JSONResponse(
            {"settlementSeconds": current.settlement_seconds,
             "paymentRules": current.payment_rules, "upiLimitPaise": current.upi_limit_paise,
             "offlineAnswer": current.offline_answer,
             "offlineAnswerSeconds": current.offline_answer_seconds,
             "biddingSeconds": current.bidding_seconds,
             "disbursalSeconds": current.disbursal_seconds}
        )  # fmt: skip

    return [
        Route("/cards", cards, methods=["POST"]),
        Route("/payments", payments, methods=["GET", "POST"]),
        Route("/payments/{networkId}/reverse", reverse, methods=["POST"]),
        Route("/ledger", ledger_view),
        Route("/payment-totals", totals),
        Route("/settlements", settlements),
        Route("/payment-behaviour", behaviour, methods=["GET", "PUT"]),
    ]
