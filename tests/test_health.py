"""Liveness, readiness and a draining shutdown: what an orchestrator and a load balancer ask."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from resolvers.context import AppState
from server.health import Health
from server.seed import OWNER
from tests.conftest import _server, free_port, wait_healthy
from tests.wsclient import GraphQLWebSocket


async def test_livez_and_readyz(client: httpx.AsyncClient) -> None:
    live = await client.get("/livez")
    assert live.status_code == 200 and live.json()["status"] == "alive"
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {
        "status": "ready", "database": "ok", "migrations": "ok", "eventListener": "ok",
        "network": "ok",
    }  # fmt: skip


async def test_readyz_names_what_is_not_ready(
    state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    health = Health(state, object())
    monkeypatch.setattr(health, "head", "9999")
    behind = await health.readyz(None)  # type: ignore[arg-type]
    assert behind.status_code == 503
    assert b'"migrations":"at ' in behind.body
    health.head = Health(state, object()).head
    health.draining = True
    draining = await health.readyz(None)  # type: ignore[arg-type]
    assert draining.status_code == 503 and b'"status":"draining"' in draining.body


async def _close_code(ws: GraphQLWebSocket) -> int | None:
    try:
        while True:
            await ws.next_message(timeout=15)
    except ConnectionClosed as closed:
        return None if closed.rcvd is None else closed.rcvd.code


async def _slow_post(port: int, body: bytes, seconds: float) -> httpx.Response:
    """A request whose body takes ``seconds`` to arrive: in flight while the server stops."""

    async def trickle() -> Any:
        half = len(body) // 2
        yield body[:half]
        await asyncio.sleep(seconds)
        yield body[half:]

    async with httpx.AsyncClient(timeout=30) as http:
        return await http.post(
            f"http://127.0.0.1:{port}/graphql", content=trickle(),
            headers={"content-type": "application/json"},
        )  # fmt: skip


async def test_sigterm_drains_then_finishes_requests_and_closes_sockets(database_url: str) -> None:
    """SIGTERM: /readyz turns 503 while the worker still serves, a request in flight gets its
    answer, an open subscription socket is closed with 1012, and the process exits cleanly."""
    port = free_port()
    process = _server(database_url, port, SHUTDOWN_DRAIN_SECONDS="2")
    try:
        await wait_healthy(port)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            assert (await http.get("/readyz")).status_code == 200
            login = await http.post("/graphql", json={
                "query": "mutation($i: AccessTokenCreateInput!) { accessTokenCreate(input: $i) { accessToken { token } } }",
                "variables": {"i": {"email": OWNER.email, "password": OWNER.password}},
            })  # fmt: skip
            token = login.json()["data"]["accessTokenCreate"]["accessToken"]["token"]
            ws = await GraphQLWebSocket.open(f"ws://127.0.0.1:{port}/graphql")
            assert (await ws.init({"Authorization": f"Bearer {token}"}))["type"] == "connection_ack"
            in_flight = asyncio.create_task(_slow_post(port, b'{"query": "{ __typename }"}', 3.0))
            await asyncio.sleep(0.3)
            process.send_signal(signal.SIGTERM)
            await asyncio.sleep(0.5)
            draining = await http.get("/readyz")
            assert draining.status_code == 503 and draining.json()["status"] == "draining"
            assert (await http.get("/livez")).status_code == 200
            answered = await in_flight
            assert answered.status_code == 200 and answered.json() == {
                "data": {"__typename": "Query"}
            }
            assert await _close_code(ws) == 1012
        # uvicorn exits by the signal it was stopped with, once it has shut down cleanly.
        assert await asyncio.to_thread(process.wait, 30) in {0, -signal.SIGTERM}
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
