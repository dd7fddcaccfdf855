"""The participant API (``/v1``): the network as a remote participant sees it. A thin layer
over the world: it authenticates the caller, reads the body, runs the operation and answers.

- Every call carries ``Authorization: Bearer <participant API key>`` (401 otherwise).
- Every write (POST) carries an ``Idempotency-Key``; a repeat of a key that got a final answer
  gets the same answer without running again.
- Errors are ``{"code", "message"}``: 400 for a malformed call, 409 ``VERSION_CONFLICT``, 422
  for other refusals, 503 ``UNAVAILABLE`` in an outage. A timeout fault really holds the answer
  for the behaviour's ``timeoutHoldSeconds`` (past the caller's own timeout), then 504.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router

from contract import financing as financing_wire
from contract.documents import DocumentState
from contract.errors import NetworkRefusedError, NetworkTimeoutError, NetworkUnavailableError
from contract.payments import (
    bank_to_json,
    card_to_json,
    line_to_json,
    order_from_json,
    report_from_json,
    request_from_json,
    state_to_json,
)
from contract.wire import (
    WireError,
    decision_to_json,
    document_from_json,
    document_state_to_json,
    field_int,
    field_object,
    field_opt_str,
    field_str,
    listing_to_json,
    taxpayer_to_json,
)
from simulator import metrics
from simulator.network import SimulatedNetwork

logger = logging.getLogger("bharat_connect.simulator.api")

MAX_REPLIES = 5000
# The API participant (it hosts the B2B IDs registered through /v1/b2b-ids).
HOSTED = "hosted"
CALLER = "@caller"
Operation = Callable[[dict[str, Any]], Awaitable[Any]]


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status)


def participant_routes(  # noqa: PLR0915 (one small function a route)
    network: SimulatedNetwork, api_key: str, save: Callable[[], Awaitable[None]]
) -> Router:
    """The ``/v1`` routes; ``save`` commits the network's state before an answer goes out."""
    # Idempotency key -> (the body's digest, status, answer).
    replies: OrderedDict[str, tuple[str, int, Any]] = OrderedDict()

    def participant(request: Request) -> str | None:
        """Who calls: ``HOSTED`` (the API), an external participant's GSTIN, or nobody."""
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if hmac.compare_digest(given.encode(), api_key.encode()):
            return HOSTED
        found = network.world.participants.get(given)
        return None if found is None else found.gstin

    async def call(request: Request, operation: Operation, *, write: bool) -> Response:
        caller = participant(request)
        if caller is None:
            return _error(401, "UNAUTHENTICATED", "Send Authorization: Bearer <API key>.")
        given_key = request.headers.get("idempotency-key", "")
        key = f"{caller}:{given_key}"
        if write and not 1 <= len(given_key) <= 200:
            return _error(400, "IDEMPOTENCY_KEY_REQUIRED", "Send an Idempotency-Key (1-200).")
        raw = await request.body()
        digest = hashlib.sha256(request.url.path.encode() + b"\0" + raw).hexdigest()
        if write and key in replies:
            seen, status, reply = replies[key]
            if seen != digest:
                return _error(
                    422, "IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key came with another call."
                )
            return JSONResponse(reply, status)
        body: dict[str, Any] = {}
        if write:
            try:
                parsed = json.loads(raw or b"{}")
            except ValueError:
                return _error(400, "BAD_REQUEST", "The body is not JSON.")
            if not isinstance(parsed, dict):
                return _error(400, "BAD_REQUEST", "The body is a JSON object.")
            body = parsed
        body.update(request.path_params)
        body[CALLER] = caller
        body.update({f"?{k}": v for k, v in request.query_params.items()})
        logger.debug("%s %s (request %s)", request.method, request.url.path,
                     request.headers.get("x-request-id", "-"))  # fmt: skip
        try:
            result = await operation(body)
        except WireError as exc:
            return _error(400, "BAD_REQUEST", str(exc))
        except NetworkRefusedError as exc:
            status = 409 if exc.reason == "VERSION_CONFLICT" else 422
            answer: tuple[int, Any] = (status, {"code": exc.reason, "message": exc.message})
        except NetworkUnavailableError as exc:
            await save()
            return _error(503, "UNAVAILABLE", str(exc))
        except NetworkTimeoutError:
            await save()
            await asyncio.sleep(network.world.behaviour.timeout_hold_seconds)
            return _error(504, "TIMEOUT", "The network did not answer in time.")
        else:
            answer = (200, {} if result is None else result)
        await save()
        if write:
            replies[key] = (digest, *answer)
            while len(replies) > MAX_REPLIES:
                replies.popitem(last=False)  # the oldest (O(1), unlike a dict's first key)
        return JSONResponse(answer[1], answer[0])

    def route(path: str, operation: Operation, method: str) -> Route:
        label = f"{method} {path}"

        async def endpoint(request: Request) -> Response:
            response = await call(request, operation, write=method == "POST")
            metrics.CALLS.labels(label, str(response.status_code)).inc()
            return response

        return Route(path, endpoint, methods=[method])

    async def taxpayer(body: dict[str, Any]) -> Any:
        found = await network.gstn_taxpayer(body["gstin"], str(body.get("?username", "")))
        return taxpayer_to_json(found)

    async def gstin_status(body: dict[str, Any]) -> Any:
        return {"status": await network.gstn_status(body["gstin"])}

    async def send_otp(body: dict[str, Any]) -> None:
        await network.gstn_send_otp(field_str(body, "gstin"), field_str(body, "text"))

    async def send_sms(body: dict[str, Any]) -> None:
        await network.send_sms(field_str(body, "mobile"), field_str(body, "text"))

    async def send_email(body: dict[str, Any]) -> None:
        await network.send_email(field_str(body, "to"), field_str(body, "text"))

    async def available(body: dict[str, Any]) -> Any:
        return {"available": await network.b2b_id_available(body["b2bId"])}

    async def search(body: dict[str, Any]) -> Any:
        listings = await network.directory_search(str(body.get("?gstin", "")))
        return {"listings": [listing_to_json(entry) for entry in listings]}

    async def register(body: dict[str, Any]) -> None:
        private = body.get("private", False)
        if not isinstance(private, bool):
            msg = "private must be true or false"
            raise WireError(msg)
        await network.b2b_id_register(
            request_id=field_str(body, "requestId"), b2b_id=field_str(body, "b2bId"),
            gstin=field_str(body, "gstin"), legal_name=field_str(body, "legalName"),
            private=private,
        )  # fmt: skip

    async def registration(body: dict[str, Any]) -> Any:
        return decision_to_json(await network.b2b_id_status(body["requestId"]))

    def speaks_for(body: dict[str, Any], b2b_id: str) -> None:
        """A participant sends and answers only as its own B2B IDs."""
        entry = network.world.directory.get(b2b_id.lower())
        caller = body[CALLER]
        if entry is None:
            return  # unknown senders and answerers are refused by the operation itself
        mine = entry.hosted if caller == HOSTED else (not entry.hosted and entry.gstin == caller)
        if not mine:
            raise NetworkRefusedError("NOT_YOUR_B2B_ID", "This B2B ID is not yours.")

    async def send_document(body: dict[str, Any]) -> None:
        document = document_from_json(body)
        speaks_for(body, document.sender_b2b_id)
        await network.document_send(document)

    async def answer_document(body: dict[str, Any]) -> None:
        speaks_for(body, field_str(body, "answererB2BId"))
        await network.document_answer(
            network_id=body["networkId"], version=field_int(body, "version"),
            answerer_b2b_id=field_str(body, "answererB2BId"), action=field_str(body, "action"),
            remarks=field_opt_str(body, "remarks"),
        )  # fmt: skip

    def party_to(body: dict[str, Any], network_id: str) -> bool:
        """Whether the caller is the document's sender or receiver (only they are told where
        it stands)."""
        held = network.world.documents.get(network_id)
        if held is None:
            return True  # nothing to tell anyone
        for b2b_id in (held.sender, held.receiver):
            if network.world.directory.get(b2b_id.lower()) is None:
                continue
            try:
                speaks_for(body, b2b_id)
            except NetworkRefusedError:
                continue
            return True
        return False

    async def document(body: dict[str, Any]) -> Any:
        network_id = body["networkId"]
        if not party_to(body, network_id):  # to anyone else it is not there
            return document_state_to_json(DocumentState(network_id, "UNKNOWN"))
        return document_state_to_json(await network.document_status(network_id))

    async def submit_kyc(body: dict[str, Any]) -> None:
        await network.kyc_submit(
            request_id=field_str(body, "requestId"), b2b_id=field_str(body, "b2bId"),
            summary=field_object(body, "summary"),
        )  # fmt: skip

    async def kyc(body: dict[str, Any]) -> Any:
        return decision_to_json(await network.kyc_status(body["requestId"]))

    def mine(body: dict[str, Any], b2b_id: str) -> bool:
        try:
            speaks_for(body, b2b_id)
        except NetworkRefusedError:
            return False
        return True

    async def pay(body: dict[str, Any]) -> Any:
        order = order_from_json(body)
        speaks_for(body, order.payer_b2b_id)
        return state_to_json(await network.payment_initiate(order))

    async def payment(body: dict[str, Any]) -> Any:
        held = network.world.payments.get(body["networkId"])
        if held is not None and not (mine(body, held.payer) or mine(body, held.payee)):
            raise NetworkRefusedError("NOT_YOUR_PAYMENT", "This payment is not yours.")
        return state_to_json(await network.payment_status(body["networkId"]))

    async def report_offline(body: dict[str, Any]) -> None:
        report = report_from_json(body)
        speaks_for(body, report.payer_b2b_id)
        await network.payment_report_offline(report)

    async def answer_offline(body: dict[str, Any]) -> None:
        speaks_for(body, field_str(body, "answererB2BId"))
        received = body.get("received")
        if not isinstance(received, bool):
            msg = "received must be true or false"
            raise WireError(msg)
        await network.payment_answer_offline(
            network_id=body["networkId"], answerer_b2b_id=field_str(body, "answererB2BId"),
            received=received, remarks=field_opt_str(body, "remarks"),
        )  # fmt: skip

    async def request_payment(body: dict[str, Any]) -> None:
        request = request_from_json(body)
        speaks_for(body, request.requester_b2b_id)
        await network.payment_request(request)

    async def settlements(body: dict[str, Any]) -> Any:
        b2b_id = str(body.get("?b2bId", ""))
        speaks_for(body, b2b_id)
        lines = await network.settlement_report(b2b_id, str(body.get("?day", "")))
        return {"lines": [line_to_json(line) for line in lines]}

    async def banks(_body: dict[str, Any]) -> Any:
        return {"banks": [bank_to_json(bank) for bank in await network.banks()]}

    async def card(body: dict[str, Any]) -> Any:
        # A POST, so that the token never appears in a URL (nor in an access log).
        found = await network.card_token(field_str(body, "token"))
        if not mine(body, found.holder_b2b_id):
            raise NetworkRefusedError("CARD_TOKEN_INVALID", "No such card token.")
        return card_to_json(found)

    async def finance(body: dict[str, Any]) -> Any:
        order = financing_wire.order_from_json(body)
        speaks_for(body, order.vendor_b2b_id)
        return financing_wire.state_to_json(await network.financing_request(order))

    async def financing_held(body: dict[str, Any]) -> Any:
        held = network.world.financing.get(body["requestId"])
        if held is not None and not mine(body, held.vendor):
            raise NetworkRefusedError("NOT_VENDOR", "This request is not yours.")
        return financing_wire.state_to_json(await network.financing_status(body["requestId"]))

    async def accept_bid(body: dict[str, Any]) -> Any:
        vendor = field_str(body, "vendorB2BId")
        speaks_for(body, vendor)
        state = await network.financing_accept(
            request_id=body["requestId"], bid_id=field_str(body, "bidId"), vendor_b2b_id=vendor
        )
        return financing_wire.state_to_json(state)

    async def cancel_financing(body: dict[str, Any]) -> Any:
        vendor = field_str(body, "vendorB2BId")
        speaks_for(body, vendor)
        state = await network.financing_cancel(request_id=body["requestId"], vendor_b2b_id=vendor)
        return financing_wire.state_to_json(state)

    return Router(
        routes=[
            route("/financing", finance, "POST"),
            route("/financing/{requestId}", financing_held, "GET"),
            route("/financing/{requestId}/acceptances", accept_bid, "POST"),
            route("/financing/{requestId}/cancellation", cancel_financing, "POST"),
            route("/payments", pay, "POST"),
            route("/payments/{networkId}", payment, "GET"),
            route("/payment-reports", report_offline, "POST"),
            route("/payment-reports/{networkId}/answers", answer_offline, "POST"),
            route("/payment-requests", request_payment, "POST"),
            route("/settlements", settlements, "GET"),
            route("/banks", banks, "GET"),
            route("/card-lookups", card, "POST"),
            route("/gstn/taxpayers/{gstin}", taxpayer, "GET"),
            route("/gstn/taxpayers/{gstin}/status", gstin_status, "GET"),
            route("/gstn/otp", send_otp, "POST"),
            route("/sms", send_sms, "POST"),
            route("/email", send_email, "POST"),
            route("/b2b-ids/{b2bId}/availability", available, "GET"),
            route("/directory", search, "GET"),
            route("/b2b-ids", register, "POST"),
            route("/b2b-ids/requests/{requestId}", registration, "GET"),
            route("/documents", send_document, "POST"),
            route("/documents/{networkId}", document, "GET"),
            route("/documents/{networkId}/answers", answer_document, "POST"),
            route("/kyc", submit_kyc, "POST"),
            route("/kyc/{requestId}", kyc, "GET"),
        ]
    )
