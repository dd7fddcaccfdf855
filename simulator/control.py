"""The simulator's control API, for tests, demos and partner sandboxes: JSON over HTTP under
``/simulator`` on the network service's own port (never on the product API), camelCase keys in
and out.

- ``GET  /simulator/messages?to=…``: SMS and e-mails sent (OTPs among them), newest last.
- ``GET  /simulator/otp?to=…``: the newest OTP sent to a mobile number or e-mail address.
- ``GET  /simulator/taxpayers`` / ``POST /simulator/taxpayers``: the GSTN portal's GSTINs.
- ``GET  /simulator/gstin?first14=…``: the GSTIN with its check character (for new taxpayers).
- ``GET  /simulator/directory`` / ``POST /simulator/directory``: B2B IDs on the network.
- ``GET  /simulator/reviews``: registrations and KYC under review, with their decisions.
- ``GET  /simulator/documents``: the documents the network carries and where they stand.
- ``GET  /simulator/dead-letters``: messages the service kept failing to take, given up on,
  with their state and what operators did; ``POST /simulator/dead-letters/retry``
  ``{"messageId" | "kind", "actor", "reason"}`` delivers one (or every dead one of a kind)
  again, ``POST /simulator/dead-letters/drop`` ``{"messageId", "actor", "reason"}`` ends one
  (:mod:`simulator.dead_letters`; ``python -m simulator dead-letters`` drives both).
- ``GET  /simulator/behaviour`` / ``PUT /simulator/behaviour``: how reviewers decide, how long.
- ``POST /simulator/faults`` / ``GET`` / ``DELETE``: inject faults per operation.
- ``POST /simulator/outage`` ``{"seconds": 60}`` / ``DELETE /simulator/outage``.
- ``POST /simulator/advance`` ``{"seconds": 30}``: let time pass and run what fell due.
- The payment rails (cards, external payments, reversals, settlement reports, failure rules):
  :mod:`simulator.control_payments`; financiers: :mod:`simulator.control_financing`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router

from contract import identifiers
from simulator import dead_letters as dead_letter_book
from simulator.control_financing import financing_control_routes
from simulator.control_payments import payment_control_routes
from simulator.faults import FAULT_KINDS, OPERATIONS, Fault
from simulator.network import SimulatedNetwork
from simulator.world import DirectoryEntry, TaxpayerRecord

logger = logging.getLogger("bharat_connect.simulator.control")


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status)


def _camel_key(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def camel(record: Any) -> dict[str, Any]:
    """A dataclass as a JSON object with camelCase keys (times in ISO 8601)."""
    out: dict[str, Any] = {}
    for key, value in dataclasses.asdict(record).items():
        out[_camel_key(key)] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


async def _body(request: Request) -> dict[str, Any] | None:
    try:
        data = await request.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def control_routes(network: SimulatedNetwork) -> Router:  # noqa: PLR0915
    """The control API's routes (they read ``network.world`` each time: it may be reset)."""

    async def messages(request: Request) -> Response:
        to = request.query_params.get("to")
        return JSONResponse(
            [
                {
                    "id": m.id,
                    "channel": m.channel,
                    "to": m.to,
                    "text": m.text,
                    "sentAt": m.sent_at.isoformat(),
                }
                for m in network.messages_to(to)
            ]
        )

    async def last_otp(request: Request) -> Response:
        to = request.query_params.get("to", "")
        code = network.last_otp(to)
        if code is None:
            return _error(f"no OTP was sent to {to!r}", 404)
        return JSONResponse({"to": to, "otp": code})

    async def taxpayers(request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse([camel(t) for t in network.world.taxpayers.view()])
        body = await _body(request)
        if body is None:
            return _error("send a JSON object")
        status = str(body.get("status", "ACTIVE")).upper()
        if status not in {"ACTIVE", "CANCELLED", "SUSPENDED"}:
            return _error("status must be ACTIVE, CANCELLED or SUSPENDED")
        try:
            record = TaxpayerRecord(
                gstin=identifiers.check_gstin(str(body["gstin"])),
                legal_name=str(body["legalName"]),
                trade_name=str(body.get("tradeName") or body["legalName"]),
                username=str(body["username"]),
                mobile=identifiers.check_mobile(str(body["mobile"])),
                email=str(body["email"]),
                api_access=bool(body.get("apiAccess", True)),
                status="ACTIVE" if status == "ACTIVE" else (
                    "CANCELLED" if status == "CANCELLED" else "SUSPENDED"
                ),
            )  # fmt: skip
        except KeyError as exc:
            return _error(f"missing field {exc.args[0]}")
        except ValueError as exc:
            return _error(str(exc))
        network.world.add_taxpayer(record)
        return JSONResponse(camel(record), 201)

    async def complete_gstin(request: Request) -> Response:
        first14 = request.query_params.get("first14", "").strip().upper()
        if len(first14) != 14 or not first14.isalnum():
            return _error("first14 is the GSTIN's first 14 characters (letters and digits)")
        try:
            gstin = identifiers.check_gstin(first14 + identifiers.gstin_check_character(first14))
        except ValueError as exc:
            return _error(str(exc))
        return JSONResponse({"gstin": gstin, "stateCode": gstin[:2], "pan": gstin[2:12]})

    async def directory(request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse([camel(e) for e in network.world.directory.view()])
        body = await _body(request)
        if body is None:
            return _error("send a JSON object")
        try:
            entry = DirectoryEntry(
                b2b_id=str(body["b2bId"]).lower(),
                gstin=identifiers.check_gstin(str(body["gstin"])),
                legal_name=str(body["legalName"]),
                private=bool(body.get("private", False)),
            )
        except KeyError as exc:
            return _error(f"missing field {exc.args[0]}")
        except ValueError as exc:
            return _error(str(exc))
        if entry.b2b_id in network.world.directory:
            return _error("this B2B ID is in the directory already", 409)
        network.world.add_directory_entry(entry)
        return JSONResponse(camel(entry), 201)

    async def dead_letters(_request: Request) -> Response:
        return JSONResponse(
            [
                {
                    "messageId": e.letter.message_id, "kind": e.letter.kind,
                    "requestId": e.letter.request_id, "attempts": e.letter.attempts,
                    "error": e.letter.error, "at": e.letter.at.isoformat(), "state": e.state,
                    "actions": [
                        {"action": a.action, "actor": a.actor, "reason": a.reason,
                         "at": a.at.isoformat()}
                        for a in e.actions
                    ],
                }
                for e in dead_letter_book.letters(network)
            ]
        )  # fmt: skip

    def dead_letter_action(action: str) -> Callable[[Request], Awaitable[Response]]:
        async def act(request: Request) -> Response:
            body = await _body(request)
            if body is None:
                return _error("send a JSON object")
            fields = {k: body.get(k) for k in ("messageId", "kind", "actor", "reason")}
            if any(v is not None and not isinstance(v, str) for v in fields.values()):
                return _error("messageId, kind, actor and reason are strings")
            try:
                done = dead_letter_book.act(
                    network, action, message_id=fields["messageId"], kind=fields["kind"],
                    actor=fields["actor"] or "", reason=fields["reason"] or "",
                )  # fmt: skip
            except dead_letter_book.DeadLetterConflictError as exc:
                return _error(str(exc), 409)
            except dead_letter_book.DeadLetterError as exc:
                return _error(str(exc))
            logger.warning("dead letters %s by %s: %s", action, fields["actor"], ", ".join(done))
            return JSONResponse({action: done})

        return act

    async def documents(_request: Request) -> Response:
        return JSONResponse(
            [
                {
                    "networkId": d.network_id, "version": d.version, "kind": d.kind,
                    "number": d.number, "sender": d.sender, "receiver": d.receiver,
                    "state": d.state, "remarks": d.remarks, "documentDate": d.document_date,
                    "totalPaise": d.total_paise,
                }
                for d in network.world.documents.view()
            ]
        )  # fmt: skip

    async def reviews(_request: Request) -> Response:
        return JSONResponse([camel(r) for r in network.world.reviews.view()])

    async def behaviour(request: Request) -> Response:
        if request.method == "PUT":
            body = await _body(request)
            if body is None:
                return _error("send a JSON object")
            current = network.world.behaviour
            try:
                network.world.behaviour = dataclasses.replace(
                    current,
                    b2b_review_seconds=float(
                        body.get("b2bReviewSeconds", current.b2b_review_seconds)
                    ),
                    kyc_review_seconds=float(
                        body.get("kycReviewSeconds", current.kyc_review_seconds)
                    ),
                    kyc_decision=body.get("kycDecision", current.kyc_decision),
                    kyc_reject_reason=str(body.get("kycRejectReason", current.kyc_reject_reason)),
                    reject_b2b_ids={
                        str(k).lower(): str(v)
                        for k, v in dict(body.get("rejectB2bIds", current.reject_b2b_ids)).items()
                    },
                    document_answers={
                        str(k).lower(): (str(v[0]), str(v[1]) if len(v) > 1 else "")
                        for k, v in dict(
                            body.get("documentAnswers", current.document_answers)
                        ).items()
                        if isinstance(v, (list, tuple)) and v
                    },
                    document_answer_seconds=float(
                        body.get("documentAnswerSeconds", current.document_answer_seconds)
                    ),
                    document_delivery_seconds=float(
                        body.get("documentDeliverySeconds", current.document_delivery_seconds)
                    ),
                    timeout_hold_seconds=float(
                        body.get("timeoutHoldSeconds", current.timeout_hold_seconds)
                    ),
                )
            except (TypeError, ValueError) as exc:
                return _error(str(exc))
            if network.world.behaviour.kyc_decision not in {"APPROVE", "REJECT"}:
                network.world.behaviour = current
                return _error("kycDecision is APPROVE or REJECT")
            answers = network.world.behaviour.document_answers
            if any(action not in {"ACCEPT", "REJECT", "RETURN"} for action, _ in answers.values()):
                network.world.behaviour = current
                return _error(
                    'documentAnswers map B2B IDs to ["ACCEPT" | "REJECT" | "RETURN", remarks]'
                )
        return JSONResponse(camel(network.world.behaviour))

    async def faults(request: Request) -> Response:
        if request.method == "DELETE":
            network.faults.clear()
            return JSONResponse({"cleared": True})
        if request.method == "POST":
            body = await _body(request)
            if body is None:
                return _error("send a JSON object")
            operation, kind = body.get("operation"), body.get("kind")
            if operation not in OPERATIONS:
                return _error(f"operation is one of {', '.join(OPERATIONS)}")
            if kind not in FAULT_KINDS:
                return _error(f"kind is one of {', '.join(FAULT_KINDS)}")
            times = body.get("times", 1)
            if not isinstance(times, int) or not 1 <= times <= 1000:
                return _error("times is an integer from 1 to 1000")
            after = body.get("afterCalls", 0)
            if not isinstance(after, int) or not 0 <= after <= 100_000:
                return _error("afterCalls is an integer from 0 to 100000")
            fault = Fault(kind, str(body.get("reason", "REFUSED")), float(body.get("seconds", 0)))
            network.faults.add(str(operation), fault, times, after)
        return JSONResponse(
            {op: [dataclasses.asdict(f) for f in fs] for op, fs in network.faults.pending().items()}
        )

    async def outage(request: Request) -> Response:
        if request.method == "DELETE":
            network.faults.end_outage()
            return JSONResponse({"outage": False})
        body = await _body(request) or {}
        seconds = body.get("seconds", 60)
        if not isinstance(seconds, (int, float)) or seconds <= 0:
            return _error("seconds is a positive number")
        network.faults.start_outage(network.clock.now() + timedelta(seconds=seconds))
        return JSONResponse(
            {
                "outage": True,
                "until": network.faults.outage_until.isoformat()
                if network.faults.outage_until
                else None,
            }
        )

    async def advance(request: Request) -> Response:
        body = await _body(request) or {}
        seconds = body.get("seconds", 0)
        if not isinstance(seconds, (int, float)) or not 0 <= seconds <= 86_400:
            return _error("seconds is a number from 0 to 86400")
        ran = await network.advance(float(seconds))
        return JSONResponse({"ran": ran, "pending": network.pending_actions})

    return Router(
        routes=[
            Route("/messages", messages),
            Route("/otp", last_otp),
            Route("/taxpayers", taxpayers, methods=["GET", "POST"]),
            Route("/gstin", complete_gstin),
            Route("/directory", directory, methods=["GET", "POST"]),
            Route("/reviews", reviews),
            Route("/documents", documents),
            Route("/dead-letters", dead_letters),
            Route("/dead-letters/retry", dead_letter_action("retried"), methods=["POST"]),
            Route("/dead-letters/drop", dead_letter_action("dropped"), methods=["POST"]),
            Route("/behaviour", behaviour, methods=["GET", "PUT"]),
            Route("/faults", faults, methods=["GET", "POST", "DELETE"]),
            Route("/outage", outage, methods=["POST", "DELETE"]),
            Route("/advance", advance, methods=["POST"]),
            *payment_control_routes(network),
            *financing_control_routes(network),
        ]
    )
