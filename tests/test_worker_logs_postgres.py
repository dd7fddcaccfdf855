"""Every worker logs: uvicorn starts workers as fresh processes, which must configure logging
themselves (the CLI's configuration stays in the parent)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO_ROOT, free_port, wait_healthy

pytestmark = pytest.mark.postgres_only


async def test_both_workers_log_their_start(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "server.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PASSWORD_HASH_PROFILE": "fast",
        "SEED_DEMO": "false",
        "PORT": str(port),
        "WORKERS": "2",
        # Several workers need the network service; none is called here.
        "NETWORK_URL": f"http://127.0.0.1:{free_port()}",
        "LOG_LEVEL": "INFO",
    }
    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "server.cli", "serve",
            cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=sink,
        )  # fmt: skip
        try:
            await wait_healthy(port)
            ready: set[str] = set()
            for _ in range(200):
                ready = set(re.findall(r"worker (\d+) ready", log.read_text()))
                if len(ready) == 2:
                    break
                await asyncio.sleep(0.1)
        finally:
            process.terminate()
            await asyncio.wait_for(process.wait(), 15)
    assert len(ready) == 2, log.read_text()
    assert str(process.pid) not in ready  # the workers, not the parent


async def test_json_logs_carry_the_request_id_the_client_sent(
    database_url: str, tmp_path: Path
) -> None:
    """LOG_FORMAT=json: every worker writes one JSON object a line, with its pid; a line logged
    while serving a request carries that request's id, the one the client sent and got back."""
    port = free_port()
    log = tmp_path / "server.log"
    env = {
        **os.environ, "DATABASE_URL": database_url, "PASSWORD_HASH_PROFILE": "fast",
        "SEED_DEMO": "false", "PORT": str(port), "WORKERS": "2",
        "NETWORK_URL": f"http://127.0.0.1:{free_port()}", "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "json",
    }  # fmt: skip
    sent = "5f0c4a8e-4c1b-4d39-9a57-0d7d1b1c2e3f"
    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "server.cli", "serve",
            cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=sink,
        )  # fmt: skip
        try:
            await wait_healthy(port)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
                # A forged webhook is refused and logged while its request is served.
                refused = await http.post(
                    "/network/webhooks", content=b"{}", headers={"x-request-id": sent}
                )
            assert refused.status_code == 401
            assert refused.headers["x-request-id"] == sent
            lines: list[dict[str, object]] = []
            for _ in range(100):
                lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
                if any(line.get("requestId") == sent for line in lines):
                    break
                await asyncio.sleep(0.1)
        finally:
            process.terminate()
            await asyncio.wait_for(process.wait(), 15)
    assert lines and all(
        {"time", "level", "logger", "message", "pid"} <= set(line) for line in lines
    )
    refusal = [line for line in lines if line.get("requestId") == sent]
    assert refusal and "webhook refused" in str(refusal[0]["message"]), lines
    assert refusal[0]["pid"] != process.pid  # a worker's line
