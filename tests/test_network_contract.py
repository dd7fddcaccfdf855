"""One set of port tests, run against both adapters of the ``Network`` port: the simulated
network in this process, and the network service reached over HTTP (its messages arriving as
signed webhooks). They cannot drift apart."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from contract.documents import DocumentMessage
from contract.errors import NetworkRefusedError, NetworkTimeoutError, NetworkUnavailableError
from contract.messages import InboundMessage
from contract.port import Network
from contract.wire import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    inbound_from_json,
    verify,
)
from resolvers.services.network_http import HttpNetwork
from simulator.clock import ManualClock
from simulator.demo import GANGA_UP, NO_API_ACCESS_WB, SHARMA_MH, demo_world
from simulator.network import SimulatedNetwork
from simulator.service import create_service
from simulator.settings import SimulatorSettings
from tests.conftest import free_port

KEY, SECRET = "contract-key-" + "k" * 30, "contract-secret-" + "s" * 30


@dataclass
class Harness:
    """A port under test and what the test needs around it."""

    port: Network
    received: list[InboundMessage]
    advance: Callable[[float], Awaitable[None]]
    fault: Callable[[dict[str, Any]], Awaitable[None]]
    last_otp: Callable[[str], Awaitable[str | None]]


async def _serve(app: Any, port: int) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    return server, task


@contextlib.asynccontextmanager
async def _in_process() -> AsyncIterator[Harness]:
    network = SimulatedNetwork(demo_world(), ManualClock(), seed=3)
    received: list[InboundMessage] = []

    async def take(message: InboundMessage) -> None:
        received.append(message)

    network.set_inbound_handler(take)

    async def advance(seconds: float) -> None:
        await network.advance(seconds)

    async def fault(body: dict[str, Any]) -> None:
        from simulator.faults import Fault

        fault = Fault(body["kind"], body.get("reason", "REFUSED"), body.get("seconds", 0.0))
        network.faults.add(body["operation"], fault, 1)

    async def last_otp(to: str) -> str | None:
        return network.last_otp(to)

    yield Harness(network, received, advance, fault, last_otp)


@contextlib.asynccontextmanager
async def _over_http(tmp: Path) -> AsyncIterator[Harness]:
    received: list[InboundMessage] = []
    refused: list[str] = []

    async def webhook(request: Request) -> Response:
        body = await request.body()
        why = verify(
            SECRET, request.headers.get(TIMESTAMP_HEADER), request.headers.get(SIGNATURE_HEADER),
            body, time.time(),
        )  # fmt: skip
        if why is not None:
            refused.append(why)
            return JSONResponse({}, 401)
        received.append(inbound_from_json(json.loads(body)))
        return JSONResponse({})

    receiver_port, network_port = free_port(), free_port()
    receiver, receiver_task = await _serve(
        Starlette(routes=[Route("/hook", webhook, methods=["POST"])]), receiver_port
    )
    service = create_service(
        SimulatorSettings(
            port=network_port, database_url=f"sqlite+aiosqlite:///{tmp / 'network.db'}",
            api_key=KEY, webhook_url=f"http://127.0.0.1:{receiver_port}/hook",
            webhook_secret=SECRET, seed=3,
        ),
        clock=ManualClock(),
    )  # fmt: skip
    server, task = await _serve(service, network_port)
    base = f"http://127.0.0.1:{network_port}"
    port = HttpNetwork(base, KEY, timeout_seconds=0.5)
    control = httpx.AsyncClient(base_url=base + "/simulator")
    # A timeout fault holds the answer past the client's own timeout.
    await control.put("/behaviour", json={"timeoutHoldSeconds": 1.5, "b2bReviewSeconds": 20})

    async def advance(seconds: float) -> None:
        assert (await control.post("/advance", json={"seconds": seconds})).status_code == 200

    async def fault(body: dict[str, Any]) -> None:
        assert (await control.post("/faults", json=body)).status_code == 200

    async def last_otp(to: str) -> str | None:
        found = await control.get("/otp", params={"to": to})
        return found.json()["otp"] if found.status_code == 200 else None

    try:
        yield Harness(port, received, advance, fault, last_otp)
    finally:
        assert refused == []
        await port.close()
        await control.aclose()
        for running, running_task in ((server, task), (receiver, receiver_task)):
            running.should_exit = True
            await running_task


@pytest.fixture(params=["in-process", "http"])
async def net(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    harness = _in_process() if request.param == "in-process" else _over_http(tmp_path)
    async with harness as value:
        yield value


async def test_gstn_portal(net: Harness) -> None:
    found = await net.port.gstn_taxpayer(SHARMA_MH, " SharmaTraders.MH ")
    assert (found.gstin, found.legal_name, found.state_code, found.status) == (
        SHARMA_MH, "Sharma Traders", "27", "ACTIVE",
    )  # fmt: skip
    assert "3210" in found.contact_masked
    assert "9876543210" not in found.contact_masked
    for gstin, username, reason in (
        ("27AAPFU0939F1ZV", "x", "GSTIN_NOT_FOUND"),
        (NO_API_ACCESS_WB, "hooghlyjute", "API_ACCESS_DISABLED"),
        (SHARMA_MH, "someone.else", "USERNAME_MISMATCH"),
    ):
        with pytest.raises(NetworkRefusedError) as refused:
            await net.port.gstn_taxpayer(gstin, username)
        assert refused.value.reason == reason
    await net.port.gstn_send_otp(SHARMA_MH, "Your OTP is 424242.")
    assert await net.last_otp("9876543210") == "424242"
    assert await net.last_otp("accounts@sharma-traders.example") == "424242"
    await net.port.send_sms("9000000001", "Code 111222")
    assert await net.last_otp("9000000001") == "111222"
    await net.port.send_email("asha@example.com", "Your e-mail code is 333444.")
    assert await net.last_otp("asha@example.com") == "333444"
    # The public search: any GSTIN's status, no log-in.
    assert await net.port.gstn_status(SHARMA_MH) == "ACTIVE"
    assert await net.port.gstn_status("27AAPFU0939F1ZV") == "UNKNOWN"


async def test_b2b_ids_are_registered_and_decided_later(net: Harness) -> None:
    assert not await net.port.b2b_id_available("GANGA-STEEL")
    assert await net.port.b2b_id_available("sharma-traders")
    listed = await net.port.directory_search(GANGA_UP)
    assert [entry.b2b_id for entry in listed] == ["ganga-steel", "ganga-steel-kanpur"]
    with pytest.raises(NetworkRefusedError) as taken:
        await net.port.b2b_id_register(
            request_id="R0", b2b_id="ganga-steel", gstin=GANGA_UP, legal_name="G", private=False
        )
    assert taken.value.reason == "B2B_ID_TAKEN"
    for _ in range(2):  # a repeat of the request id is a no-op
        await net.port.b2b_id_register(
            request_id="R1", b2b_id="sharma-traders", gstin=SHARMA_MH,
            legal_name="Sharma Traders", private=False,
        )  # fmt: skip
    assert (await net.port.b2b_id_status("R1")).state == "PENDING"
    assert (await net.port.b2b_id_status("NOPE")).state == "UNKNOWN"
    await net.advance(60)
    assert [(m.kind, m.request_id, m.approved) for m in net.received] == [
        ("B2B_ID_DECIDED", "R1", True)
    ]
    assert net.received[0].data == {"b2bId": "sharma-traders"}
    assert (await net.port.b2b_id_status("R1")).state == "APPROVED"
    assert [e.b2b_id for e in await net.port.directory_search(SHARMA_MH)] == ["sharma-traders"]


def _invoice(version: int = 1, receiver: str = "tapti-foods") -> DocumentMessage:
    return DocumentMessage(
        network_id="NET-INV-1", kind="INVOICE", version=version, sender_b2b_id="sharma-traders",
        receiver_b2b_id=receiver, number="INV-1", document_date="2026-11-24",
        total_paise=118_000, content={"lines": [{"item": "Steel", "amountPaise": 100_000}]},
    )  # fmt: skip


async def _registered(net: Harness) -> None:
    await net.port.b2b_id_register(
        request_id="R1", b2b_id="sharma-traders", gstin=SHARMA_MH, legal_name="Sharma Traders",
        private=False,
    )  # fmt: skip
    await net.advance(60)
    net.received.clear()


async def test_documents_are_carried_and_answered(net: Harness) -> None:
    await _registered(net)
    with pytest.raises(NetworkRefusedError) as nobody:
        await net.port.document_send(_invoice(receiver="nobody-here"))
    assert nobody.value.reason == "RECEIVER_NOT_FOUND"
    await net.port.document_send(_invoice(2))
    await net.port.document_send(_invoice(2))  # a repeat is a no-op
    with pytest.raises(NetworkRefusedError) as stale:
        await net.port.document_send(_invoice(1))
    assert stale.value.reason == "VERSION_CONFLICT"
    held = await net.port.document_status("NET-INV-1")
    assert (held.state, held.version) == ("DELIVERED", 2)
    assert (await net.port.document_status("NET-NONE")).state == "UNKNOWN"
    await net.advance(120)
    assert [(m.kind, m.request_id, m.data) for m in net.received] == [
        ("DOCUMENT_ANSWERED", "NET-INV-1", {"action": "ACCEPT", "version": 2})
    ]
    assert (await net.port.document_status("NET-INV-1")).state == "ACCEPTED"
    with pytest.raises(NetworkRefusedError) as not_receiver:
        await net.port.document_answer(
            network_id="NET-INV-1", version=2, answerer_b2b_id="sharma-traders",
            action="ACCEPT", remarks=None,
        )  # fmt: skip
    assert not_receiver.value.reason == "NOT_RECEIVER"


async def test_kyc_is_reviewed(net: Harness) -> None:
    await net.port.kyc_submit(request_id="K1", b2b_id="sharma-traders", summary={"owners": 1})
    assert (await net.port.kyc_status("K1")).state == "PENDING"
    await net.advance(120)
    assert [(m.kind, m.request_id, m.approved) for m in net.received] == [
        ("KYC_DECIDED", "K1", True)
    ]
    assert (await net.port.kyc_status("K1")).state == "APPROVED"


async def test_faults_mean_the_same_on_both_sides(net: Harness) -> None:
    await net.fault({"operation": "send_sms", "kind": "REFUSE", "reason": "DND"})
    with pytest.raises(NetworkRefusedError) as refused:
        await net.port.send_sms("9000000002", "Code 123123")
    assert refused.value.reason == "DND"
    # Timed out but done: the registration exists; asking shows it.
    await net.fault({"operation": "b2b_id_register", "kind": "TIMEOUT_DONE"})
    with pytest.raises(NetworkTimeoutError):
        await net.port.b2b_id_register(
            request_id="R9", b2b_id="done-anyway", gstin=SHARMA_MH, legal_name="S",
            private=False,
        )  # fmt: skip
    assert (await net.port.b2b_id_status("R9")).state == "PENDING"
    # Timed out and not done: nothing happened.
    await net.fault({"operation": "kyc_submit", "kind": "TIMEOUT_NOT_DONE"})
    with pytest.raises(NetworkTimeoutError):
        await net.port.kyc_submit(request_id="K9", b2b_id="x", summary={})
    assert (await net.port.kyc_status("K9")).state == "UNKNOWN"
    await net.fault({"operation": "directory_search", "kind": "OUTAGE", "seconds": 60})
    with pytest.raises(NetworkUnavailableError):
        await net.port.directory_search(GANGA_UP)


async def test_external_participants_call_with_their_own_keys(tmp_path: Path) -> None:
    """An external business sends a document into a hosted organisation's inbox with its own
    key; nobody sends as a B2B ID that is not theirs."""
    async with _over_http(tmp_path) as net:
        await _registered(net)
        base = str(net.port.client.base_url)  # type: ignore[attr-defined]
        document = {
            "networkId": "NET-GS-9", "kind": "INVOICE", "version": 1,
            "senderB2BId": "ganga-steel", "receiverB2BId": "sharma-traders", "number": "GS-9",
            "documentDate": "2026-11-24", "totalPaise": 500, "content": {},
        }  # fmt: skip
        async with httpx.AsyncClient(base_url=base) as external:
            ganga = {"authorization": "Bearer sandbox-ganga-steel-key", "idempotency-key": "1"}
            sent = await external.post("/documents", json=document, headers=ganga)
            assert sent.status_code == 200, sent.text
            posing = await external.post(
                "/documents", json={**document, "senderB2BId": "tapti-foods"},
                headers={**ganga, "idempotency-key": "2"},
            )  # fmt: skip
            assert (posing.status_code, posing.json()["code"]) == (422, "NOT_YOUR_B2B_ID")
            nobody = await external.post(
                "/documents", json=document, headers={"authorization": "Bearer nope",
                                                      "idempotency-key": "3"},
            )  # fmt: skip
            assert nobody.status_code == 401
            keyless = await external.post(
                "/documents", json=document,
                headers={"authorization": "Bearer sandbox-ganga-steel-key"},
            )  # fmt: skip
            assert (keyless.status_code, keyless.json()["code"]) == (
                400, "IDEMPOTENCY_KEY_REQUIRED",
            )  # fmt: skip
        # The API participant cannot send as an external business either.
        with pytest.raises(NetworkRefusedError) as refused:
            await net.port.document_send(
                _invoice(receiver="tapti-foods").__class__(
                    **{**_invoice().__dict__, "network_id": "X", "sender_b2b_id": "ganga-steel"}
                )
            )
        assert refused.value.reason == "NOT_YOUR_B2B_ID"
        await net.advance(5)
        assert [(m.kind, m.data["senderB2BId"]) for m in net.received] == [
            ("DOCUMENT_RECEIVED", "ganga-steel")
        ]
