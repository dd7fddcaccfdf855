"""The ``Network`` port over HTTP: how the service reaches the network service (or the real
network) at ``NETWORK_URL``, authenticated with ``NETWORK_API_KEY``.

Pooled connections (one client per worker). A connect or read timeout is
:class:`NetworkTimeoutError` (the call may or may not have happened: callers ask for status or
repeat with the same request id, which the network treats as a no-op); a refused connection or
a 503 is :class:`NetworkUnavailableError`; a 4xx with a ``{code, message}`` body is
:class:`NetworkRefusedError` with the network's code. Every write sends an ``Idempotency-Key``
(the stable request id where there is one), and every call the request id of the work that
caused it as ``X-Request-Id``.

Inbound messages do not come through here: the network POSTs them to ``/network/webhooks``
(:mod:`server.webhooks`).
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import time
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from contract import financing as financing_wire
from contract import payments as payment_wire
from contract.documents import DocumentMessage, DocumentState
from contract.errors import NetworkRefusedError, NetworkTimeoutError, NetworkUnavailableError
from contract.financing import FinancingOrder, FinancingState
from contract.messages import InboundHandler
from contract.onboarding import GSTIN_STATUSES, Decision, DirectoryListing, Taxpayer
from contract.payments import (
    Bank,
    CardToken,
    OfflineReport,
    PaymentOrder,
    PaymentRequest,
    PaymentState,
    SettlementLine,
)
from contract.wire import (
    WireError,
    decision_from_json,
    document_state_from_json,
    document_to_json,
    listing_from_json,
    taxpayer_from_json,
)
from resolvers.services import metrics

# The id of the request (or outbox message) on whose behalf the network is called; logged
# with every line written for it (server.logs).
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "network_request_id", default=None
)
# The organisation a request acts on, where it named one (logged with its lines).
organisation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_organisation_id", default=None
)


def _segment(value: str) -> str:
    return quote(value, safe="")


class HttpNetwork:
    """The network, reached over HTTP."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_seconds: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/v1",
            headers={"authorization": f"Bearer {api_key}"},
            timeout=httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 5.0)),
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
            transport=transport,
        )

    def set_inbound_handler(self, handler: InboundHandler) -> None:
        """Nothing to do: messages arrive as webhooks, applied by the webhook route."""
        del handler

    async def close(self) -> None:
        """Release the pooled connections."""
        await self.client.aclose()

    async def reachable(self, timeout_seconds: float) -> bool:
        """Whether the network service answers its health check (``GET /healthz``)."""
        root = str(self.client.base_url).rstrip("/").removesuffix("/v1")
        try:
            response = await self.client.get(f"{root}/healthz", timeout=timeout_seconds)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def _call(self, method: str, path: str, **options: Any) -> Any:
        """:meth:`_request`, counted and timed (``bc_network_calls``)."""
        call = metrics.call_label(method, path)
        started = time.perf_counter()
        outcome = "ok"
        try:
            return await self._request(method, path, **options)
        except NetworkRefusedError:
            outcome = "refused"
            raise
        except NetworkTimeoutError:
            outcome = "timeout"
            raise
        except NetworkUnavailableError:
            outcome = "unavailable"
            raise
        finally:
            metrics.NETWORK_CALLS.labels(call, outcome).inc()
            metrics.NETWORK_LATENCY.labels(call).observe(time.perf_counter() - started)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        headers = {"x-request-id": request_id.get() or uuid.uuid4().hex}
        if method == "POST":
            headers["idempotency-key"] = idempotency_key or uuid.uuid4().hex
        try:
            response = await self.client.request(
                method, path, json=dict(body) if body is not None else None,
                params=dict(params) if params else None, headers=headers,
            )  # fmt: skip
        except httpx.TimeoutException as exc:
            msg = f"the network did not answer {method} {path} in time"
            raise NetworkTimeoutError(msg) from exc
        except httpx.TransportError as exc:
            msg = f"the network is unreachable ({type(exc).__name__})"
            raise NetworkUnavailableError(msg) from exc
        if response.status_code == 504:
            msg = f"the network timed out on {method} {path}"
            raise NetworkTimeoutError(msg)
        if response.status_code in {502, 503}:
            msg = "Bharat Connect is unavailable"
            raise NetworkUnavailableError(msg)
        try:
            data = response.json() if response.content else {}
        except ValueError as exc:
            msg = f"the network answered {response.status_code} without JSON"
            raise NetworkUnavailableError(msg) from exc
        if 400 <= response.status_code < 500:
            code = data.get("code") if isinstance(data, dict) else None
            message = data.get("message") if isinstance(data, dict) else None
            if response.status_code in {401, 403} or not isinstance(code, str):
                # Our own credentials or call are wrong: nothing a retry would fix soon.
                msg = f"the network refused the call ({response.status_code})"
                raise NetworkUnavailableError(msg)
            raise NetworkRefusedError(code, str(message or code))
        if response.status_code >= 500:
            msg = f"the network failed ({response.status_code})"
            raise NetworkUnavailableError(msg)
        return data

    @staticmethod
    def _read(data: Any, reader: Any) -> Any:
        try:
            return reader(data)
        except (WireError, TypeError, AttributeError) as exc:
            msg = "the network answered in an unexpected shape"
            raise NetworkUnavailableError(msg) from exc

    async def gstn_taxpayer(self, gstin: str, username: str) -> Taxpayer:
        """Look a GSTIN up on the GSTN portal."""
        data = await self._call(
            "GET", f"/gstn/taxpayers/{_segment(gstin)}", params={"username": username}
        )
        found: Taxpayer = self._read(data, taxpayer_from_json)
        return found

    async def gstn_status(self, gstin: str) -> str:
        """A GSTIN's registration status (public search)."""
        data = await self._call("GET", f"/gstn/taxpayers/{_segment(gstin)}/status")
        status = data.get("status") if isinstance(data, dict) else None
        if status not in GSTIN_STATUSES:
            msg = "the network answered in an unexpected shape"
            raise NetworkUnavailableError(msg)
        return str(status)

    async def gstn_send_otp(self, gstin: str, text: str) -> None:
        """Have the GSTN portal send ``text`` to the GSTIN's registered contacts."""
        await self._call("POST", "/gstn/otp", body={"gstin": gstin, "text": text})

    async def send_sms(self, mobile: str, text: str) -> None:
        """Send an SMS."""
        await self._call("POST", "/sms", body={"mobile": mobile, "text": text})

    async def send_email(self, to: str, text: str) -> None:
        """Send an e-mail."""
        await self._call("POST", "/email", body={"to": to, "text": text})

    async def b2b_id_available(self, b2b_id: str) -> bool:
        """Whether no business holds this B2B ID."""
        data = await self._call("GET", f"/b2b-ids/{_segment(b2b_id)}/availability")
        available = data.get("available") if isinstance(data, dict) else None
        if not isinstance(available, bool):
            msg = "the network answered in an unexpected shape"
            raise NetworkUnavailableError(msg)
        return available

    async def directory_search(self, gstin: str) -> list[DirectoryListing]:
        """The approved, public B2B IDs of a GSTIN."""
        data = await self._call("GET", "/directory", params={"gstin": gstin})
        listings = data.get("listings") if isinstance(data, dict) else None
        if not isinstance(listings, list):
            msg = "the network answered in an unexpected shape"
            raise NetworkUnavailableError(msg)
        return [self._read(entry, listing_from_json) for entry in listings]

    async def b2b_id_register(
        self, *, request_id: str, b2b_id: str, gstin: str, legal_name: str, private: bool
    ) -> None:
        """Submit a B2B ID for approval."""
        await self._call(
            "POST", "/b2b-ids", idempotency_key=f"b2b-id:{request_id}",
            body={"requestId": request_id, "b2bId": b2b_id, "gstin": gstin,
                  "legalName": legal_name, "private": private},
        )  # fmt: skip

    async def b2b_id_status(self, request_id: str) -> Decision:
        """Where a B2B ID registration stands."""
        data = await self._call("GET", f"/b2b-ids/requests/{_segment(request_id)}")
        found: Decision = self._read(data, decision_from_json)
        return found

    async def document_send(self, message: DocumentMessage) -> None:
        """Deliver a document."""
        body = document_to_json(message)
        # The same version may be sent again after an edit in place (a refused push): the key
        # names the content too.
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:24]
        await self._call(
            "POST", "/documents", body=body,
            idempotency_key=f"document:{message.network_id}:{message.version}:{digest}",
        )  # fmt: skip

    async def document_answer(
        self,
        *,
        network_id: str,
        version: int,
        answerer_b2b_id: str,
        action: str,
        remarks: str | None,
    ) -> None:
        """Answer a received document."""
        await self._call(
            "POST", f"/documents/{_segment(network_id)}/answers",
            idempotency_key=f"answer:{network_id}:{version}:{action}",
            body={"version": version, "answererB2BId": answerer_b2b_id, "action": action,
                  "remarks": remarks},
        )  # fmt: skip

    async def document_status(self, network_id: str) -> DocumentState:
        """Where a document stands on the network."""
        data = await self._call("GET", f"/documents/{_segment(network_id)}")
        found: DocumentState = self._read(data, document_state_from_json)
        return found

    async def kyc_submit(self, *, request_id: str, b2b_id: str, summary: Mapping[str, Any]) -> None:
        """Submit KYC for review."""
        await self._call(
            "POST", "/kyc", idempotency_key=f"kyc:{request_id}",
            body={"requestId": request_id, "b2bId": b2b_id, "summary": dict(summary)},
        )  # fmt: skip

    async def kyc_status(self, request_id: str) -> Decision:
        """Where a KYC review stands."""
        data = await self._call("GET", f"/kyc/{_segment(request_id)}")
        found: Decision = self._read(data, decision_from_json)
        return found

    async def payment_initiate(self, order: PaymentOrder) -> PaymentState:
        """Take a payment (a repeat of the network id debits nothing)."""
        body = payment_wire.order_to_json(order)
        # The network's own guard answers a repeat of the id with another payment.
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:24]
        data = await self._call(
            "POST", "/payments", body=body, idempotency_key=f"payment:{order.network_id}:{digest}"
        )
        found: PaymentState = self._read(data, payment_wire.state_from_json)
        return found

    async def payment_status(self, network_id: str) -> PaymentState:
        """Where a payment stands."""
        data = await self._call("GET", f"/payments/{_segment(network_id)}")
        found: PaymentState = self._read(data, payment_wire.state_from_json)
        return found

    async def payment_report_offline(self, report: OfflineReport) -> None:
        """Report an offline payment to the payee."""
        await self._call(
            "POST", "/payment-reports", body=payment_wire.report_to_json(report),
            idempotency_key=f"payment-report:{report.network_id}",
        )  # fmt: skip

    async def payment_answer_offline(
        self, *, network_id: str, answerer_b2b_id: str, received: bool, remarks: str | None
    ) -> None:
        """Confirm or deny an offline payment reported to us."""
        await self._call(
            "POST", f"/payment-reports/{_segment(network_id)}/answers",
            idempotency_key=f"payment-answer:{network_id}:{received}",
            body={"answererB2BId": answerer_b2b_id, "received": received, "remarks": remarks},
        )  # fmt: skip

    async def payment_request(self, request: PaymentRequest) -> None:
        """Ask a buyer to pay an invoice."""
        await self._call(
            "POST", "/payment-requests", body=payment_wire.request_to_json(request),
            idempotency_key=f"payment-request:{request.request_id}",
        )  # fmt: skip

    async def settlement_report(self, b2b_id: str, day: str) -> list[SettlementLine]:
        """A participant's settlement lines of a day."""
        data = await self._call("GET", "/settlements", params={"b2bId": b2b_id, "day": day})
        lines = data.get("lines") if isinstance(data, dict) else None
        if not isinstance(lines, list):
            msg = "the network answered in an unexpected shape"
            raise NetworkUnavailableError(msg)
        return [self._read(line, payment_wire.line_from_json) for line in lines]

    async def banks(self) -> list[Bank]:
        """The banks offered for net banking."""
        data = await self._call("GET", "/banks")
        banks = data.get("banks") if isinstance(data, dict) else None
        if not isinstance(banks, list):
            msg = "the network answered in an unexpected shape"
            raise NetworkUnavailableError(msg)
        return [self._read(bank, payment_wire.bank_from_json) for bank in banks]

    async def card_token(self, token: str) -> CardToken:
        """A card token's holder and what may be shown of the card."""
        digest = hashlib.sha256(token.encode()).hexdigest()[:32]
        data = await self._call(
            "POST", "/card-lookups", body={"token": token}, idempotency_key=f"card:{digest}"
        )
        found: CardToken = self._read(data, payment_wire.card_from_json)
        return found

    async def financing_request(self, order: FinancingOrder) -> FinancingState:
        """Pass a financing request to the financiers."""
        data = await self._call(
            "POST", "/financing", body=financing_wire.order_to_json(order),
            idempotency_key=f"financing:{order.request_id}",
        )  # fmt: skip
        found: FinancingState = self._read(data, financing_wire.state_from_json)
        return found

    async def financing_accept(
        self, *, request_id: str, bid_id: str, vendor_b2b_id: str
    ) -> FinancingState:
        """Accept a bid."""
        data = await self._call(
            "POST", f"/financing/{_segment(request_id)}/acceptances",
            body={"bidId": bid_id, "vendorB2BId": vendor_b2b_id},
            idempotency_key=f"financing-accept:{request_id}:{bid_id}",
        )  # fmt: skip
        found: FinancingState = self._read(data, financing_wire.state_from_json)
        return found

    async def financing_cancel(self, *, request_id: str, vendor_b2b_id: str) -> FinancingState:
        """Withdraw a request."""
        data = await self._call(
            "POST", f"/financing/{_segment(request_id)}/cancellation",
            body={"vendorB2BId": vendor_b2b_id}, idempotency_key=f"financing-cancel:{request_id}",
        )  # fmt: skip
        found: FinancingState = self._read(data, financing_wire.state_from_json)
        return found

    async def financing_status(self, request_id: str) -> FinancingState:
        """Where a request stands."""
        data = await self._call("GET", f"/financing/{_segment(request_id)}")
        found: FinancingState = self._read(data, financing_wire.state_from_json)
        return found
