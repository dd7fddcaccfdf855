"""The soak's own PostgreSQL databases and its processes: the network service and the API with
several workers, started as a user would start them, and killed as a crash would kill them."""

from __future__ import annotations

import os
import random
import secrets
import signal
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from tests.conftest import free_port
from tests.network_service import Deployment, children
from tests.postgres_run import ADMIN_URL


async def _admin(sql: str, *args: object) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(ADMIN_URL, timeout=10)
    try:
        return list(await connection.fetch(sql, *args))
    finally:
        await connection.close()


def rss_kib(pid: int) -> int | None:
    """A process's resident memory (KiB), if it still runs."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None


@dataclass
class Cluster:
    """Two databases (the API's, the network's) and the processes serving from them."""

    workdir: Path
    seed: int
    workers: int
    name: str = field(default_factory=lambda: f"soak_{secrets.token_hex(4)}")
    deployment: Deployment | None = None
    kills: dict[str, int] = field(default_factory=lambda: {"apiWorker": 0, "network": 0,
                                                           "dbConnections": 0})  # fmt: skip

    def url(self, which: str) -> str:
        base = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
        return f"{base}/{self.name}_{which}"

    @property
    def services(self) -> Deployment:
        assert self.deployment is not None
        return self.deployment

    async def start(self) -> None:
        for which in ("api", "net"):
            await _admin(f'CREATE DATABASE "{self.name}_{which}"')
        self.deployment = Deployment(
            free_port(), free_port(), self.workdir, self.url("api"), self.workers,
            network_db=self.url("net"),
            extra_env={
                "SIMULATOR_SEED": str(self.seed),
                "MAX_ORGANISATIONS_PER_DAY": "100000",
                "MAX_SIGN_UPS_PER_HOUR": "100000",
                # The soak's businesses each come from an address of their own.
                "FORWARDED_ALLOW_IPS": "127.0.0.1",
            },
        )  # fmt: skip
        await self.services.start_network()
        await self.services.start_api()

    async def stop(self, *, keep: bool = False) -> None:
        """Stop the processes and drop the databases (unless ``keep``: to look at them)."""
        if self.deployment is not None:
            for name in ("api", "network"):
                self.deployment.stop(name)
        if keep:
            return
        for which in ("api", "net"):
            await _admin(f'DROP DATABASE IF EXISTS "{self.name}_{which}" WITH (FORCE)')

    def api_workers(self) -> list[int]:
        process = self.services.processes.get("api")
        return [] if process is None else children(process.pid)

    def kill_api_worker(self, chance: random.Random) -> int | None:
        """SIGKILL one API worker, whatever it is doing (its supervisor starts another)."""
        workers = self.api_workers()
        if not workers:
            return None
        pid = chance.choice(sorted(workers))
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return None
        self.kills["apiWorker"] += 1
        return pid

    async def kill_network(self) -> None:
        """SIGKILL the network service and start it again on the same database."""
        self.services.stop("network", kill=True)
        self.kills["network"] += 1
        await self.services.start_network()

    async def drop_api_connections(self) -> int:
        """Terminate every database connection the API's workers hold."""
        rows = await _admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            f"{self.name}_api",
        )
        self.kills["dbConnections"] += 1
        return len(rows)

    def memory(self) -> dict[int, int]:
        """Each API worker's resident memory (KiB)."""
        return {pid: kib for pid in self.api_workers() if (kib := rss_kib(pid)) is not None}

    def logs(self) -> dict[str, str]:
        return {path.name: path.read_text(errors="replace") for path in self.workdir.glob("*.log")}
