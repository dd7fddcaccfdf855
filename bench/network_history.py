"""The network service's cost per operation as its history grows (``make bench-network``, and
part of ``make bench``).

Serves the network service (``python -m simulator serve``) on its own scratch database (SQLite
by default; ``BENCH_NETWORK_DATABASE_URL`` for another) and, from this process, pushes
documents through its participant API as an external participant would, ``CONCURRENCY`` at a
time: the first ``BENCH_NETWORK_BATCH`` (1,000) measured, ``BENCH_NETWORK_HISTORY`` (10,000)
in all unmeasured, then ``BENCH_NETWORK_BATCH`` more measured. Reports documents a second and
the service's CPU per document (from ``/proc``) for both batches, and their ratio: the later
batch within 20 % of the first is the target (the cost of an operation does not grow with the
history the network holds). The receivers' answers are put off past the run, so that both
batches measure the same work.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.load import CONCURRENCY, cpu_seconds, free_port, healthy, merge_results, metric, spawn

BATCH = int(os.environ.get("BENCH_NETWORK_BATCH", "1000"))
HISTORY = int(os.environ.get("BENCH_NETWORK_HISTORY", "10000"))
SENDER_KEY = "sandbox-ganga-steel-key"  # an external participant of the demo world


def _document(number: int) -> dict[str, Any]:
    return {
        "networkId": f"BENCH-{number:06d}", "kind": "INVOICE", "version": 1,
        "senderB2BId": "ganga-steel", "receiverB2BId": "tapti-foods",
        "number": f"GS-{number:06d}", "documentDate": "2026-11-24", "totalPaise": 11_800_000,
        "content": {"lines": [{"item": "Steel coil", "quantity": "2", "ratePaise": 5_000_000,
                               "taxRatePercent": "18"}]},
    }  # fmt: skip


async def _push(client: httpx.AsyncClient, numbers: range) -> None:
    queue = iter(numbers)

    async def worker() -> None:
        for number in queue:
            response = await client.post(
                "/v1/documents", json=_document(number),
                headers={"idempotency-key": f"bench-{number}"},
            )  # fmt: skip
            if response.status_code != 200:
                msg = f"document {number}: {response.status_code} {response.text[:200]}"
                raise RuntimeError(msg)

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


async def _batch(client: httpx.AsyncClient, pid: int, numbers: range) -> tuple[float, float]:
    """(documents/s, service CPU ms per document) of one measured batch."""
    cpu = cpu_seconds(pid)
    started = time.perf_counter()
    await _push(client, numbers)
    elapsed = time.perf_counter() - started
    return len(numbers) / elapsed, (cpu_seconds(pid) - cpu) * 1000 / len(numbers)


async def measure(database_url: str | None = None) -> dict[str, Any]:
    """Serve a network service, push the batches, and return the metrics."""
    with tempfile.TemporaryDirectory(prefix="bench-network-") as scratch:
        port = free_port()
        env = {
            "SIMULATOR_PORT": str(port),
            "SIMULATOR_DATABASE_URL": database_url
            or f"sqlite+aiosqlite:///{Path(scratch) / 'network.db'}",
            "SIMULATOR_WEBHOOK_URL": f"http://127.0.0.1:{free_port()}/network/webhooks",
            "LOG_LEVEL": "WARNING",
        }
        service = spawn(["simulator", "serve"], env)
        url = f"http://127.0.0.1:{port}"
        try:
            await healthy(url)
            async with httpx.AsyncClient(
                base_url=url, timeout=60, headers={"authorization": f"Bearer {SENDER_KEY}"}
            ) as client:
                answered = await client.put(
                    "/simulator/behaviour", json={"documentAnswerSeconds": 30 * 86_400}
                )
                answered.raise_for_status()
                print(f"the first {BATCH} documents ...", file=sys.stderr)
                first = await _batch(client, service.pid, range(BATCH))
                print(f"{HISTORY - BATCH} more, unmeasured ...", file=sys.stderr)
                await _push(client, range(BATCH, HISTORY))
                print(f"{BATCH} documents after {HISTORY} ...", file=sys.stderr)
                later = await _batch(client, service.pid, range(HISTORY, HISTORY + BATCH))
        finally:
            service.terminate()
            service.wait(timeout=30)
    return {
        "network_push_first_batch": metric(first[0], "documents/s", None),
        f"network_push_after_{HISTORY}": metric(later[0], "documents/s", first[0]),
        "network_cpu_per_document_first_batch": metric(first[1], "ms", None),
        f"network_cpu_per_document_after_{HISTORY}": metric(later[1], "ms", first[1]),
    }


async def main() -> None:
    """Run alone; merge into ``bench/results.json``."""
    merge_results(await measure(os.environ.get("BENCH_NETWORK_DATABASE_URL")))


if __name__ == "__main__":
    asyncio.run(main())
