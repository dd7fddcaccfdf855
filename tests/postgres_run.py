"""Run the suite on PostgreSQL: create a database of our own, run pytest, drop it.

Without a reachable PostgreSQL at ``PG_ADMIN_URL`` (default 127.0.0.1:5432, user postgres) the
run is skipped with a clear message, except under ``CI=true`` where that is a failure.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys

import asyncpg

ADMIN_URL = os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(ADMIN_URL, timeout=5)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def _reachable() -> bool:
    try:
        asyncio.run(_admin("SELECT 1"))
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    return True


def main(pytest_args: list[str]) -> int:
    """Create, test, drop."""
    if not _reachable():
        if os.environ.get("CI", "").lower() == "true":
            print(f"FAILED: PostgreSQL is not reachable at {ADMIN_URL} (required under CI)")  # noqa: T201
            return 1
        print(f"SKIPPED the PostgreSQL run: no PostgreSQL reachable at {ADMIN_URL}")  # noqa: T201
        return 0
    name = f"bc_test_{secrets.token_hex(4)}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    base = ADMIN_URL.rsplit("/", 1)[0]
    env = {
        **os.environ,
        "TEST_DATABASE_URL": f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}",
    }
    print(f"Running the suite on PostgreSQL (database {name})", flush=True)  # noqa: T201
    try:
        return subprocess.call([sys.executable, "-m", "pytest", *pytest_args], env=env)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
