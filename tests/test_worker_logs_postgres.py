"""Every worker logs: uvicorn starts workers as fresh processes, which must configure logging
themselves (the CLI's configuration stays in the parent)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

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
