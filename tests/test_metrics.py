"""``/metrics``: the series an operator watches move with what the service does, the outbox is
read at each scrape, several workers are summed in one scrape, and the path is not public in
production."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.applications import Starlette
from starlette.routing import Route

from db.engine import CountingPool, create_engine
from resolvers.context import AppState
from resolvers.services import metrics
from server import metrics as metrics_route
from simulator.network import SimulatedNetwork
from tests.conftest import REPO_ROOT, Api, free_port, wait_healthy

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _samples(text: str) -> Samples:
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _value(samples: Samples, name: str, **labels: str) -> float:
    return sum(
        value for (found, tags), value in samples.items()
        if found == name and set(labels.items()) <= set(tags)
    )  # fmt: skip


async def _scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return _samples(response.text)


async def test_the_series_move_with_what_the_service_does(
    api: Api, client: httpx.AsyncClient, simulator: SimulatedNetwork
) -> None:
    before = await _scrape(client)
    member = await api.sign_up()
    await api.ok("query Me { viewer { account { email } } }", token=member.token)
    await api("query Broken { viewer { nosuch } }", token=member.token)
    refused = await api(
        "mutation Create($i: OrganisationCreateInput!) { organisationCreate(input: $i) "
        "{ userErrors { code } } }",
        {"i": {"name": " "}},
        token=member.token,
    )
    assert refused["data"]["organisationCreate"]["userErrors"]
    after = await _scrape(client)

    def moved(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert moved("bc_graphql_operations_total", operation="Me", type="query", outcome="ok") == 1
    assert moved("bc_graphql_operations_total", operation="Create", outcome="user_error") == 1
    assert moved("bc_graphql_operations_total", operation="Broken", outcome="error") == 1
    assert moved("bc_graphql_errors_total", code="GRAPHQL_VALIDATION_FAILED") == 1
    assert moved("bc_user_errors_total") >= 1
    assert moved("bc_graphql_operation_seconds_count", type="query") >= 2
    assert moved("bc_graphql_operation_seconds_count", type="mutation") >= 2  # and the sign-up
    assert _value(after, "bc_db_pool_in_use") >= 0
    assert ("bc_outbox_oldest_due_seconds", ()) in after


async def test_the_outbox_is_read_at_each_scrape(
    api: Api, client: httpx.AsyncClient, simulator: SimulatedNetwork, state: AppState
) -> None:
    from tests.test_document_push import PUSH, _ready

    dispatcher = state.dispatcher
    assert dispatcher is not None
    owner, _org, document = await _ready(api, simulator, dispatcher)
    before = _value(await _scrape(client), "bc_outbox_pending")
    # Pushed, not yet sent (the tests run the dispatcher themselves).
    await api.ok(PUSH, {"i": {"documentId": document}}, token=owner.token)
    after = _value(await _scrape(client), "bc_outbox_pending")
    assert after == before + 1


async def test_metrics_need_the_token_when_one_is_set_and_in_production(state: AppState) -> None:
    async def get(settings_state: AppState, headers: dict[str, str]) -> httpx.Response:
        app = Starlette(routes=[Route("/metrics", metrics_route.endpoint(settings_state))])
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        ) as http:
            return await http.get("/metrics", headers=headers)

    token = "t" * 40
    guarded = dataclasses.replace(state)
    guarded.settings = dataclasses.replace(state.settings, metrics_token=token)
    assert (await get(guarded, {})).status_code == 401
    assert (await get(guarded, {"authorization": "Bearer wrong"})).status_code == 401
    assert (await get(guarded, {"authorization": f"Bearer {token}"})).status_code == 200
    production = dataclasses.replace(state)
    production.settings = dataclasses.replace(state.settings, environment="production")
    assert (await get(production, {})).status_code == 404


@pytest.mark.postgres_only
async def test_one_scrape_sums_every_worker(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ, "DATABASE_URL": database_url, "PASSWORD_HASH_PROFILE": "fast",
        "SEED_DEMO": "false", "PORT": str(port), "WORKERS": "2", "LOG_LEVEL": "WARNING",
        "NETWORK_URL": f"http://127.0.0.1:{free_port()}",
    }  # fmt: skip
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.cli", "serve",
        cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        await wait_healthy(port)
        sent = 40
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(sent):
                # A new connection each time, so that both workers serve some.
                async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as fresh:
                    await fresh.post("/graphql", json={"query": "query Ping { __typename }"})
            counts = []
            for _ in range(4):  # whichever worker answers the scrape, it sees them all
                samples = _samples((await http.get("/metrics")).text)
                counts.append(_value(samples, "bc_graphql_operations_total", operation="Ping"))
        assert counts == [sent] * 4
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 15)


def test_a_metrics_token_is_long() -> None:
    from server.settings import Settings, SettingsError

    with pytest.raises(SettingsError, match="METRICS_TOKEN"):
        Settings.from_env({"METRICS_TOKEN": "short"})
    assert Settings.from_env({"METRICS_TOKEN": "m" * 32}).metrics_token == "m" * 32


async def test_the_network_service_has_metrics_of_its_own(tmp_path: Path) -> None:
    from contract.wire import SANDBOX_API_KEY
    from simulator.service import create_service
    from simulator.settings import SimulatorSettings

    token = "c" * 40
    service = create_service(
        SimulatorSettings(
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'network.db'}", control_token=token
        )
    )
    async with (
        service.router.lifespan_context(service),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=service), base_url="http://n") as http,
    ):
        assert (await http.get("/metrics")).status_code == 401
        guard = {"authorization": f"Bearer {token}"}
        before = _samples((await http.get("/metrics", headers=guard)).text)
        asked = await http.get("/v1/banks", headers={"authorization": f"Bearer {SANDBOX_API_KEY}"})
        assert asked.status_code == 200
        after = _samples((await http.get("/metrics", headers=guard)).text)
    label = {"route": "GET /banks", "status": "200"}
    assert _value(after, "bcnet_participant_calls_total", **label) == (
        _value(before, "bcnet_participant_calls_total", **label) + 1
    )
    assert ("bcnet_scheduled_actions", ()) in after
    assert ("bcnet_dead_letters", ()) in after


@pytest.mark.postgres_only
async def test_requests_waiting_for_a_connection_are_counted(database_url: str) -> None:
    """``bc_db_pool_waiting`` counts who waits for a connection while every one is in use."""
    engine = create_engine(database_url, pool_size=1)  # one, and one more in overflow
    pool = engine.sync_engine.pool
    assert isinstance(pool, CountingPool)
    pool.on_wait = metrics.POOL_WAITING.inc

    def waiting() -> float:
        return REGISTRY.get_sample_value("bc_db_pool_waiting") or 0.0

    async def take() -> AsyncConnection:
        return await engine.connect()

    before = waiting()
    first, second = await take(), await take()
    third = asyncio.create_task(take())
    try:
        for _ in range(100):
            if waiting() == before + 1:
                break
            await asyncio.sleep(0.02)
        assert waiting() == before + 1
        await first.close()
        taken = await asyncio.wait_for(third, 10)
        assert waiting() == before
        await taken.close()
    finally:
        await second.close()
        await engine.dispose()
