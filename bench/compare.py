"""The benchmark against a raw-driver baseline (``make bench``; PostgreSQL).

It creates (and drops) its own PostgreSQL database, seeds a realistic tenant through the API
(200 contacts, 2,000 documents of one to three lines), then serves the API (production
settings, one worker) and B1 (``bench/baseline.py``, Starlette + asyncpg) side by side on
loopback ports, checks they answer the document list with equal JSON, and measures, in
interleaved rounds (medians of ``BENCH_ROUNDS``, at least 3):

- the document list, pages of 50 and 5: requests/s at fixed concurrency, p50/p99, server CPU
  per request (from ``/proc``), and database round trips per request (counted in process);
- p99 under an open-loop load at 80 % of each side's own maximum;
- subscriptions: server memory per idle subscriber and the delay from an event's mutation to
  its delivery (p50/p99) with ``BENCH_SUBSCRIBERS`` (1,000) subscribers on one worker, and the
  delay again with the subscribers spread over two workers;
- the write path on one worker against the in-process network (``bench/writes.py``): invoices
  created, pushed and answered per second, one by one and in bulk;
- paying bills (``bench/payments.py``): ``BENCH_PAYMENTS`` (1,000) bills paid one payment each
  and as many in payments of 100 bills, through the outbox until the network settles them:
  payments (bills) settled per second and SQL statements per payment;
- the network service's cost per document as its history grows (``bench/network_history.py``):
  documents pushed a second, and its CPU per document, for the first 1,000 and for 1,000
  after 10,000;
- the API's cold start (spawn to healthy) and idle memory.

Prints a table and writes ``bench/results.json`` ({"metrics": {name: {value, unit, baseline,
ratio}}}). Numbers depend on the machine: the ratios are what to compare.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from bench import load
from bench.baseline import QUERY
from bench.load import CONCURRENCY, ROOT, SECONDS, metric, scratch_database

ROUNDS = max(3, int(os.environ.get("BENCH_ROUNDS", "3")))
CONTACTS = int(os.environ.get("BENCH_CONTACTS", "200"))
DOCUMENTS = int(os.environ.get("BENCH_DOCUMENTS", "2000"))
SUBSCRIBERS = int(os.environ.get("BENCH_SUBSCRIBERS", "1000"))
WRITES = int(os.environ.get("BENCH_WRITES", "200"))
PAYMENTS = int(os.environ.get("BENCH_PAYMENTS", "1000"))
PASSWORD = "Bench-Password-2026"


async def _seed(database_url: str) -> tuple[str, str, int]:
    """A tenant, seeded through the API in process; (token, organisation id, round trips of
    one page of 50 counted in process)."""
    from server.app import create_app
    from server.settings import Settings

    settings = Settings.from_env({
        "DATABASE_URL": database_url, "SEED_DEMO": "false", "PASSWORD_HASH_PROFILE": "fast",
        "MAX_ORGANISATIONS_PER_DAY": "100", "LOG_LEVEL": "WARNING", **load.NO_ABUSE_LIMITS,
    })  # fmt: skip
    from dataclasses import replace

    app = create_app(replace(settings, background_tasks=False))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            data = await load.gql(client, """mutation($i: AccountSignUpInput!) { accountSignUp(
                input: $i) { accessToken { token } } }""",
                {"i": {"email": "owner@bench.example", "password": PASSWORD,
                       "displayName": "Owner"}})  # fmt: skip
            token = str(data["accountSignUp"]["accessToken"]["token"])
            data = await load.gql(client, """mutation($i: OrganisationCreateInput!) {
                organisationCreate(input: $i) { organisation { id } } }""",
                {"i": {"name": "Bench Traders"}}, token)  # fmt: skip
            org = str(data["organisationCreate"]["organisation"]["id"])
            await load.gql(client, """mutation($i: OrganisationGstinAddInput!) {
                organisationGstinAdd(input: $i) { gstin { gstin } } }""",
                {"i": {"organisationId": org, "gstin": "27AAPFS1234K1ZW"}}, token)  # fmt: skip
            contacts = await _many(CONTACTS, lambda i: _contact(client, token, org, i))
            await _many(
                DOCUMENTS, lambda i: _document(client, token, org, contacts[i % len(contacts)], i)
            )
            trips = await _round_trips(app, client, token, org)
    return token, org, trips


async def _many(count: int, make: Callable[[int], Awaitable[str]]) -> list[str]:
    made: list[str] = [""] * count
    queue = iter(range(count))

    async def worker() -> None:
        for index in queue:
            made[index] = await make(index)

    await asyncio.gather(*(worker() for _ in range(8)))
    return made


async def _contact(client: httpx.AsyncClient, token: str, org: str, index: int) -> str:
    data = await load.gql(client, """mutation($i: ContactCreateInput!) { contactCreate(input: $i) {
        contact { id } } }""", {"i": {"organisationId": org, "contact": {
        "displayName": f"Customer {index:03d}", "isCustomer": True,
        "gstTreatment": "UNREGISTERED", "placeOfSupply": "27"}}}, token)  # fmt: skip
    return str(data["contactCreate"]["contact"]["id"])


async def _document(
    client: httpx.AsyncClient, token: str, org: str, contact: str, index: int
) -> str:
    lines = [
        {"description": f"Item {index}-{n}", "hsnSac": "8471", "quantity": str(1 + n * 5),
         "unitPrice": f"{100 + index % 900}.50", "taxRate": "18"}
        for n in range(1 + index % 3)
    ]  # fmt: skip
    data = await load.gql(client, """mutation($i: DocumentCreateInput!) { documentCreate(input: $i) {
        document { id } } }""", {"i": {"organisationId": org, "kind": "INVOICE",
        "contactId": contact, "documentDate": "2026-11-24", "lines": lines}}, token)  # fmt: skip
    return str(data["documentCreate"]["document"]["id"])


async def _round_trips(app: Any, client: httpx.AsyncClient, token: str, org: str) -> int:
    """Statements and transaction commands one page of 50 sends to PostgreSQL."""
    import asyncpg.transaction
    from sqlalchemy import event

    state = app.state.bc
    count = [0]

    def statement(*_args: Any) -> None:
        count[0] += 1

    real = {n: getattr(asyncpg.transaction.Transaction, n) for n in ("start", "commit", "rollback")}

    def counting(name: str) -> Any:
        async def wrapped(self: Any) -> None:
            count[0] += 1
            await real[name](self)

        return wrapped

    await load.gql(client, QUERY, {"org": org, "first": 50}, token)  # warm caches and the pool
    event.listen(state.db.engine.sync_engine, "before_cursor_execute", statement)
    for name in real:
        setattr(asyncpg.transaction.Transaction, name, counting(name))
    try:
        await load.gql(client, QUERY, {"org": org, "first": 50}, token)
    finally:
        event.remove(state.db.engine.sync_engine, "before_cursor_execute", statement)
        for name, method in real.items():
            setattr(asyncpg.transaction.Transaction, name, method)
    return count[0]


def _served(database_url: str, port: int, workers: int) -> dict[str, str]:
    """The environment of an API served with production settings."""
    return {
        "DATABASE_URL": database_url, "PORT": str(port), "WORKERS": str(workers),
        "ENVIRONMENT": "production", "SECRET_KEY": "b" * 40, "LOG_LEVEL": "WARNING",
        "NETWORK_URL": "http://127.0.0.1:9", "NETWORK_API_KEY": "k" * 40,
        "NETWORK_WEBHOOK_SECRET": "s" * 40, "MIGRATE_ON_START": "false",
        **load.NO_ABUSE_LIMITS,
    }  # fmt: skip


async def _same_answers(api_url: str, b1_url: str, token: str, org: str) -> None:
    async with httpx.AsyncClient() as client:
        for first in (50, 5):
            answers = [
                (await client.post(url + "/graphql", headers={"authorization": f"Bearer {token}"},
                                   json={"query": QUERY, "variables": {"org": org, "first": first}})).json()
                for url in (api_url, b1_url)
            ]  # fmt: skip
            assert answers[0] == answers[1], "B1 and the API answer differently"


async def main() -> None:  # noqa: PLR0915 (one run, start to end)
    processes: list[subprocess.Popen[bytes]] = []
    async with scratch_database() as database_url:
        try:
            print(f"seeding {CONTACTS} contacts and {DOCUMENTS} documents ...", file=sys.stderr)
            token, org, trips = await _seed(database_url)
            api_port, b1_port = load.free_port(), load.free_port()
            spawned = time.perf_counter()
            api = load.spawn(["server.cli", "serve"], _served(database_url, api_port, 1))
            processes.append(api)
            api_url = f"http://127.0.0.1:{api_port}"
            await load.healthy(api_url)
            cold_start = time.perf_counter() - spawned
            await asyncio.sleep(1)
            idle_rss = load.rss_kib(api.pid) / 1024
            b1 = load.spawn(
                ["uvicorn", "bench.baseline:app", "--port", str(b1_port), "--log-level",
                 "warning", "--no-access-log"],
                {"BENCH_DATABASE_URL": database_url},
            )  # fmt: skip
            processes.append(b1)
            b1_url = f"http://127.0.0.1:{b1_port}"
            await load.healthy(b1_url, "/graphql", {"variables": {}})
            await _same_answers(api_url, b1_url, token, org)
            print("B1 and the API answer with equal JSON; measuring ...", file=sys.stderr)
            rows: dict[str, list[tuple[float, float, float, float]]] = {}
            for _ in range(ROUNDS):
                for first in (50, 5):
                    for side, url, pid in (("api", api_url, api.pid), ("b1", b1_url, b1.pid)):
                        rows.setdefault(f"{side}{first}", []).append(
                            await load.closed_loop(url, pid, token, org, first)
                        )

            def median(key: str, index: int) -> float:
                return statistics.median(r[index] for r in rows[key])

            p99_at_80 = {}
            for side, url in (("api", api_url), ("b1", b1_url)):
                p99_at_80[side] = statistics.median(
                    [await load.open_loop(url, token, org, 0.8 * median(f"{side}50", 0))
                     for _ in range(ROUNDS)]
                )  # fmt: skip
            print(f"{SUBSCRIBERS} subscribers ...", file=sys.stderr)
            subscribers = await load.subscriptions(api_url, api.pid, token, org, SUBSCRIBERS)
            print(f"{SUBSCRIBERS} subscribers across two workers ...", file=sys.stderr)
            api.terminate()
            api.wait(timeout=20)
            two_port = load.free_port()
            two = load.spawn(["server.cli", "serve"], _served(database_url, two_port, 2))
            processes.append(two)
            two_url = f"http://127.0.0.1:{two_port}"
            await load.healthy(two_url)
            # The sockets spread over both workers; the mutation is served by one of them, and
            # the other hears of its events through PostgreSQL.
            across = await load.subscriptions(two_url, two.pid, token, org, SUBSCRIBERS)
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=20)
    from bench import network_history, payments, writes

    print(f"the write path, {WRITES} invoices each way ...", file=sys.stderr)
    async with scratch_database() as database_url:
        one_by_one, bulk = await writes.measure(database_url, WRITES)
    print(f"paying {PAYMENTS} bills one by one and {PAYMENTS} in bulk ...", file=sys.stderr)
    async with scratch_database() as database_url:
        paid = await payments.measure(database_url, PAYMENTS)
    print("the network service as its history grows ...", file=sys.stderr)
    network = await network_history.measure()
    metrics: dict[str, Any] = {}
    for first in (50, 5):
        metrics[f"documents_page{first}_rps"] = metric(
            median(f"api{first}", 0), "req/s", median(f"b1{first}", 0)
        )
        metrics[f"documents_page{first}_p50"] = metric(
            median(f"api{first}", 1), "ms", median(f"b1{first}", 1)
        )
        metrics[f"documents_page{first}_p99"] = metric(
            median(f"api{first}", 2), "ms", median(f"b1{first}", 2)
        )
        metrics[f"documents_page{first}_cpu_per_request"] = metric(
            median(f"api{first}", 3), "ms", median(f"b1{first}", 3)
        )
    metrics["documents_page50_round_trips"] = metric(trips, "round trips", 5)
    metrics["documents_page50_p99_at_80pct"] = metric(p99_at_80["api"], "ms", p99_at_80["b1"])
    metrics[f"subscriber_memory_at_{SUBSCRIBERS}"] = metric(subscribers[0], "KiB", None)
    metrics[f"event_delivery_p50_at_{SUBSCRIBERS}"] = metric(subscribers[1], "ms", None)
    metrics[f"event_delivery_p99_at_{SUBSCRIBERS}"] = metric(subscribers[2], "ms", None)
    metrics[f"event_delivery_p50_at_{SUBSCRIBERS}_two_workers"] = metric(across[1], "ms", None)
    metrics[f"event_delivery_p99_at_{SUBSCRIBERS}_two_workers"] = metric(across[2], "ms", None)
    metrics["write_path_one_by_one"] = metric(one_by_one, "documents/s", None)
    metrics["write_path_bulk"] = metric(bulk, "documents/s", None)
    metrics.update(payments.metrics(*paid))
    metrics.update(network)
    metrics["cold_start"] = metric(cold_start, "s", None)
    metrics["idle_rss"] = metric(idle_rss, "MiB", None)
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    result = {"machine": machine, "rounds": ROUNDS, "seconds": SECONDS,
              "concurrency": CONCURRENCY, "metrics": metrics}  # fmt: skip
    (ROOT / "bench" / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"\n{machine}; {ROUNDS} rounds of {SECONDS:g} s at concurrency {CONCURRENCY}")
    print(f"{'metric':40} {'API':>12} {'B1':>12} {'ratio':>8}")
    for key, m in metrics.items():
        b = "" if m["baseline"] is None else f"{m['baseline']:>12.2f}"
        r = "" if m["ratio"] is None else f"{m['ratio']:>8.2f}"
        print(f"{key:40} {m['value']:>9.2f} {m['unit'][:2]:2} {b:>12} {r:>8}")


if __name__ == "__main__":
    asyncio.run(main())
