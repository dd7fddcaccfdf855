"""Load generation and process measurement for the benchmark: serving processes, their CPU
and memory from ``/proc``, closed- and open-loop load on the document list, WebSocket
subscribers, and the GraphQL helper the seeding uses."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.baseline import QUERY

ROOT = Path(__file__).resolve().parent.parent
SECONDS = float(os.environ.get("BENCH_SECONDS", "4"))
# One account is the whole load: its abuse limits (operations in flight, sockets, query cost a
# minute) would measure refusals, not the service.
NO_ABUSE_LIMITS = {
    "MAX_OPERATIONS_PER_ACCOUNT": "100000", "MAX_SOCKETS_PER_ACCOUNT": "100000",
    "COST_BUDGET_PER_MINUTE": "1000000000000",
}  # fmt: skip
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "16"))
TICKS = os.sysconf("SC_CLK_TCK")
ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@asynccontextmanager
async def scratch_database() -> AsyncIterator[str]:
    """A PostgreSQL database of the benchmark's own (``bc_bench_<hex>``), dropped after; its
    SQLAlchemy URL. Each part of the benchmark that signs up its own accounts takes one."""
    name = f"bc_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            base = ADMIN_URL.rsplit("/", 1)[0]
            yield f"postgresql+asyncpg://{base.split('://', 1)[1]}/{name}"
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def metric(value: float, unit: str, baseline: float | None) -> dict[str, Any]:
    """One line of ``bench/results.json``: the value, its unit, B1's value and the ratio."""
    ratio = None if baseline in (None, 0) else round(value / baseline, 3)
    return {"value": round(value, 3), "unit": unit, "baseline": baseline if baseline is None
            else round(baseline, 3), "ratio": ratio}  # fmt: skip


def merge_results(metrics: dict[str, Any]) -> None:
    """Put ``metrics`` into ``bench/results.json`` (what a part run alone measured), and print
    them."""
    path = ROOT / "bench" / "results.json"
    result = json.loads(path.read_text()) if path.exists() else {"metrics": {}}
    result["metrics"].update(metrics)
    path.write_text(json.dumps(result, indent=2) + "\n")
    for key, value in metrics.items():
        print(f"{key:40} {value['value']:>9.2f} {value['unit']}")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def gql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str | None = None
) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    answer = await client.post("/graphql", json={"query": query, "variables": variables},
                               headers=headers)  # fmt: skip
    body: dict[str, Any] = answer.json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    data: dict[str, Any] = body["data"]
    for value in data.values():
        if isinstance(value, dict) and value.get("userErrors"):
            raise RuntimeError(value["userErrors"])
    return data


async def healthy(url: str, path: str = "/healthz", body: dict[str, Any] | None = None) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(600):
            try:
                if body is None:
                    answer = await client.get(url + path)
                else:
                    answer = await client.post(url + path, json=body)
                if answer.status_code < 500:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    msg = f"{url} did not start"
    raise RuntimeError(msg)


def spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", *args], cwd=ROOT, env={**os.environ, **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


async def closed_loop(
    url: str, pid: int, token: str, org: str, first: int
) -> tuple[float, float, float, float]:
    """(requests/s, p50 ms, p99 ms, server CPU ms per request) at fixed concurrency."""
    body = {"query": QUERY, "variables": {"org": org, "first": first}}
    headers = {"authorization": f"Bearer {token}"}
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        deadline = time.perf_counter() + SECONDS
        cpu_before = cpu_seconds(pid)

        async def worker() -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                answer = await client.post("/graphql", json=body, headers=headers)
                answer.raise_for_status()
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds(pid) - cpu_before
    latencies.sort()
    return (
        len(latencies) / elapsed,
        latencies[len(latencies) // 2] * 1000,
        latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        cpu / len(latencies) * 1000,
    )


async def open_loop(url: str, token: str, org: str, rate: float) -> float:
    """p99 (ms) when requests arrive at ``rate`` per second whatever the answers do."""
    body = {"query": QUERY, "variables": {"org": org, "first": 50}}
    headers = {"authorization": f"Bearer {token}"}
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=url, timeout=30,
                                 limits=httpx.Limits(max_connections=256)) as client:  # fmt: skip

        async def one() -> None:
            started = time.perf_counter()
            await client.post("/graphql", json=body, headers=headers)
            latencies.append(time.perf_counter() - started)

        tasks = []
        start = time.perf_counter()
        total = int(rate * SECONDS)
        for n in range(total):
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
    latencies.sort()
    return latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000


EVENTS = "subscription($o: ID!) { organisationEvents(organisationId: $o) { kind cursor } }"


RENAME = "mutation($i: OrganisationUpdateInput!) { organisationUpdate(input: $i) { userErrors { code } } }"


async def subscriptions(
    url: str, pid: int, token: str, org: str, count: int
) -> tuple[float, float, float]:
    """(KiB of server memory per idle subscriber, p50 and p99 ms from an event's mutation to
    its delivery) with ``count`` subscribers, one WebSocket each."""
    from websockets.asyncio.client import connect
    from websockets.typing import Subprotocol

    ws_url = url.replace("http://", "ws://") + "/graphql"
    before = rss_kib(pid)
    sockets = []
    for start in range(0, count, 100):

        async def open_one() -> Any:
            ws = await connect(ws_url, subprotocols=[Subprotocol("graphql-transport-ws")],
                               open_timeout=30, max_queue=None)  # fmt: skip
            await ws.send(json.dumps({"type": "connection_init",
                                      "payload": {"Authorization": f"Bearer {token}"}}))  # fmt: skip
            await ws.recv()  # connection_ack
            await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                      "payload": {"query": EVENTS, "variables": {"o": org}}}))  # fmt: skip
            return ws

        sockets.extend(await asyncio.gather(*(open_one() for _ in range(min(100, count - start)))))
    await asyncio.sleep(2)  # every subscription settles
    per_subscriber = (rss_kib(pid) - before) / count
    latencies: list[float] = []

    async def receive(ws: Any, sent: float) -> None:
        while True:
            message = json.loads(await ws.recv())
            if message.get("type") == "next":
                latencies.append(time.perf_counter() - sent)
                return

    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        for attempt in range(3):
            sent = time.perf_counter()
            waiting = [asyncio.create_task(receive(ws, sent)) for ws in sockets]
            await client.post("/graphql", headers={"authorization": f"Bearer {token}"},
                              json={"query": RENAME, "variables": {"i": {"id": org,
                                    "name": f"Bench Traders {attempt}"}}})  # fmt: skip
            await asyncio.wait_for(asyncio.gather(*waiting), timeout=120)
    await asyncio.gather(*(ws.close() for ws in sockets))
    latencies.sort()
    return (
        per_subscriber,
        latencies[len(latencies) // 2] * 1000,
        latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
    )
