"""One account cannot take a worker: operations in flight per socket and per access token,
sockets per token and query cost a minute are bounded, and long lists let the event loop (and
the deadline) in, so a cancelled operation stops and /healthz keeps answering."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import strawberry
from graphql import GraphQLError
from websockets.exceptions import ConnectionClosed

from resolvers.flight import Flight
from schema.yielding import YIELD_EVERY, YieldingExecutionContext
from server.seed import OWNER
from tests.conftest import served_api
from tests.wsclient import GraphQLWebSocket

LOG_IN = """mutation($i: AccessTokenCreateInput!) { accessTokenCreate(input: $i) {
    accessToken { token } userErrors { code } } }"""
PAGE = """query Page { viewer { organisations(first: 1) { nodes { name
    documents(first: 100) { nodes { number lines { description quantity } } } } } } }"""


def test_the_per_worker_counts() -> None:
    now = [0.0]
    flight = Flight(per_account=2, sockets_per_account=2, budget_per_minute=100,
                    clock=lambda: now[0])  # fmt: skip
    with flight.operation("a"), flight.operation("a"):
        with pytest.raises(GraphQLError) as busy, flight.operation("a"):
            pass
        assert busy.value.extensions == {"code": "TOO_MANY_IN_FLIGHT"}
        with flight.operation("b"):  # someone else's places are their own
            pass
    with flight.operation("a"):  # freed when the others ended
        pass
    assert flight.charge("a", 60) is None
    refused = flight.charge("a", 41)
    assert refused is not None
    assert refused.extensions == {"code": "RATE_LIMITED", "retryAfterSeconds": 60}
    now[0] = 61.0
    assert flight.charge("a", 100) is None  # a new minute
    # An account's tokens count together once seen; a token not seen yet counts alone.
    account = uuid.uuid4()
    assert flight.key_of("tok-1", "10.0.0.1").startswith("token:")
    flight.remember("tok-1", account)
    flight.remember("tok-2", account)
    assert flight.key_of("tok-1", "x") == flight.key_of("tok-2", "y") == f"account:{account}"
    assert flight.key_of(None, "10.0.0.1") == "address:10.0.0.1"
    assert flight.open_socket("a") and flight.open_socket("a")
    assert not flight.open_socket("a")
    flight.close_socket("a")
    assert flight.open_socket("a")


@strawberry.type
class _Item:
    n: int

    @strawberry.field
    def value(self, info: strawberry.Info) -> int:
        info.context["done"] += 1
        return self.n


@strawberry.type
class _Query:
    @strawberry.field
    def items(self) -> list[_Item]:
        return [_Item(n=i) for i in range(YIELD_EVERY * 50)]


async def test_a_cancelled_operation_stops_inside_a_long_list() -> None:
    schema = strawberry.Schema(query=_Query, execution_context_class=YieldingExecutionContext)
    context: dict[str, Any] = {"done": 0}
    task = asyncio.create_task(schema.execute("{ items { value } }", context_value=context))
    for _ in range(5):  # let it run a few steps, as a deadline would
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # Without yielding, the whole list completes in the first step and nothing stops it.
    assert 0 < context["done"] < YIELD_EVERY * 50
    finished = await schema.execute("{ items { value } }", context_value={"done": 0})
    assert finished.errors is None
    assert len(finished.data["items"]) == YIELD_EVERY * 50  # type: ignore[index]


@pytest.fixture
async def served(database_url: str) -> AsyncIterator[int]:
    """The API in a process of its own, with small limits."""
    async with served_api(
        database_url,
        MAX_SOCKETS_PER_ACCOUNT="3",
        MAX_OPERATIONS_PER_SOCKET="4",
        COST_BUDGET_PER_MINUTE="150000",
    ) as port:
        yield port


async def test_one_account_flooding_a_served_process(served: int) -> None:
    base = f"http://127.0.0.1:{served}"
    async with httpx.AsyncClient(base_url=base) as http:
        logged = await http.post("/graphql", json={"query": LOG_IN, "variables": {"i": {
            "email": OWNER.email, "password": OWNER.password}}})  # fmt: skip
        token = logged.json()["data"]["accessTokenCreate"]["accessToken"]["token"]
        sockets = []
        for _ in range(3):
            ws = await GraphQLWebSocket.open(f"ws://127.0.0.1:{served}/graphql")
            assert (await ws.init({"Authorization": f"Bearer {token}"}))["type"] == (
                "connection_ack"
            )
            sockets.append(ws)
        extra = await GraphQLWebSocket.open(f"ws://127.0.0.1:{served}/graphql")

        async def fourth() -> None:
            answer = await extra.init({"Authorization": f"Bearer {token}"})
            assert answer["type"] == "connection_ack"

        with pytest.raises(ConnectionClosed) as closed:
            await fourth()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
        # Twenty operations on each socket at once, while /healthz is asked every 100 ms.
        for ws in sockets:
            for _ in range(20):
                await ws.subscribe(PAGE)
        slowest = 0.0
        outcomes: list[str] = []

        async def collect(ws: GraphQLWebSocket) -> None:
            done = 0
            while done < 20:
                message = await ws.next_message(timeout=30)
                if message["type"] == "next":
                    errors = message["payload"].get("errors") or []
                    outcomes.append(errors[0]["extensions"]["code"] if errors else "DATA")
                elif message["type"] == "error":
                    outcomes.append(message["payload"][0]["extensions"]["code"])
                if message["type"] in {"complete", "error"}:
                    done += 1

        collecting = asyncio.gather(*(collect(ws) for ws in sockets))
        while not collecting.done():
            started = time.monotonic()
            assert (await http.get("/healthz", timeout=5)).status_code == 200
            slowest = max(slowest, time.monotonic() - started)
            await asyncio.sleep(0.1)
        await collecting
        for ws in sockets:
            await ws.close()
    assert len(outcomes) == 60
    assert set(outcomes) <= {"DATA", "TOO_MANY_IN_FLIGHT", "RATE_LIMITED"}, outcomes
    assert "DATA" in outcomes
    # Each page costs 1 + 100 + 100 x 200 = 20,101: the minute's budget (150,000) runs out.
    assert "RATE_LIMITED" in outcomes
    assert slowest < 1.0
