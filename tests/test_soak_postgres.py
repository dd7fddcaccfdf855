"""The short soak of ``make test``: a fixed set of seeds, each a seeded workload of businesses
trading through the API (two workers) and the network service as real processes on
PostgreSQL databases of their own, with faults, killed processes and dropped database
connections, and every invariant of :mod:`tests.soak.checks` holding while it runs and after.
The long soak is ``make soak`` (see docs/development.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.soak.run import Settings, run

pytestmark = pytest.mark.postgres_only

SEEDS = (3, 7)


@pytest.mark.parametrize("seed", SEEDS)
async def test_a_short_soak_keeps_every_invariant(seed: int, tmp_path: Path) -> None:
    summary = await run(Settings(seed=seed, seconds=30, orgs=10, workers=2, clients=3), tmp_path)
    assert summary["violations"] == [], json.dumps(summary, indent=2)
    assert summary["harnessErrors"] == [], summary["harnessErrors"]
    # It did what it is for: trades, payments, faults, crashes, and checks while it ran.
    assert summary["byKind"].get("invoice", 0) > 10
    assert summary["byKind"].get("pay", 0) > 5
    assert sum(summary["faults"].values()) > 3
    assert summary["invariantChecks"] >= 3
    assert summary["subscriptionResumes"] > 0
