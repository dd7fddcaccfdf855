"""The container and the compose file: no image is built here (the machine runs no container
engine), so what can be checked without one is: the image runs the very commands the CLI runs
(`make run` starts the same two), as a user without privileges, from the lock files, with a
health check on /livez that both services answer; and the compose file's settings are accepted
by the API's and the network service's own checks, in production."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import yaml  # type: ignore[import-untyped]

from server.settings import Settings
from simulator.service import create_service
from simulator.settings import SimulatorSettings
from tests.conftest import REPO_ROOT

DOCKERFILE = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
COMPOSE: dict[str, Any] = yaml.safe_load((REPO_ROOT / "compose.yaml").read_text(encoding="utf-8"))
EXAMPLE = dict(
    line.split("=", 1)
    for line in (REPO_ROOT / "deploy.env.example").read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("#")
)
API = ["python", "-m", "server.cli", "serve"]
NETWORK = ["python", "-m", "simulator", "serve"]


def _final_stage() -> str:
    return DOCKERFILE.split("\nFROM ")[-1]


def _environment(service: str) -> dict[str, str]:
    """A service's environment with the example secrets in place of the variables."""
    secrets = {**EXAMPLE, **{key: "s" * 40 for key in EXAMPLE if key != "POSTGRES_PASSWORD"}}

    def fill(value: str) -> str:
        return re.sub(r"\$\{(\w+)(?::\?[^}]*)?\}", lambda m: secrets[m.group(1)], str(value))

    return {key: fill(value) for key, value in COMPOSE["services"][service]["environment"].items()}


def test_the_image_runs_the_clis_commands_unprivileged_from_the_lock_files() -> None:
    final = _final_stage()
    assert f"CMD {API!r}".replace("'", '"') in final
    assert re.search(r"^USER (?!root)\w+", final, re.MULTILINE)
    assert "/livez" in final.split("HEALTHCHECK", 1)[1]
    assert "pip install -r /tmp/requirements.lock" in DOCKERFILE
    assert "npm ci" in DOCKERFILE and "package-lock.json" in DOCKERFILE
    assert COMPOSE["services"]["api"]["command"] == API
    assert COMPOSE["services"]["network"]["command"] == NETWORK
    # `make run` (server.cli up) starts exactly these two.
    cli = (REPO_ROOT / "server" / "cli.py").read_text(encoding="utf-8")
    assert '[sys.executable, "-m", "simulator", "serve"]' in cli
    assert '[sys.executable, "-m", "server.cli", "serve"]' in cli
    for command in (API, NETWORK):
        help_text = subprocess.run(
            [sys.executable, *command[1:-1], "--help"], cwd=REPO_ROOT, capture_output=True,
            text=True, timeout=60, check=True,
        ).stdout  # fmt: skip
        assert "serve" in help_text


def test_the_compose_settings_pass_the_services_own_checks() -> None:
    api = Settings.from_env(_environment("api"))
    assert (api.environment, api.workers, api.is_postgres) == ("production", 2, True)
    assert api.network_url == "http://network:8001" and api.metrics_token
    assert not api.graphiql and not api.seed_demo
    network = SimulatorSettings.from_env(_environment("network"))
    assert network.control_token and network.api_key == api.network_api_key
    assert network.webhook_secret == api.network_webhook_secret
    assert network.webhook_url == "http://api:8000/network/webhooks"
    assert network.database_url != api.database_url


async def test_both_services_answer_the_health_check(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    assert (await client.get("/livez")).status_code == 200
    service = create_service(
        SimulatorSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'network.db'}")
    )
    async with (
        service.router.lifespan_context(service),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=service), base_url="http://n") as http,
    ):
        assert (await http.get("/livez")).status_code == 200
