"""Migrations: the models and the migrations agree, and upgrade/downgrade work."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.engine import make_url

from db import migrate
from db.base import Base
from db.engine import create_engine
from resolvers.broker import asyncpg_dsn


@pytest.fixture
async def scratch_url(database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of the same kind as the suite's."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'scratch.db'}"
        return
    name = f"bc_scratch_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(asyncpg_dsn(database_url))
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_upgrade_matches_models_and_downgrade_round_trips(scratch_url: str) -> None:
    engine = create_engine(scratch_url)
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_diff) == []
            tables = await connection.run_sync(_tables)
        assert {t.name for t in Base.metadata.sorted_tables} <= tables
        await migrate.upgrade(engine)  # again: nothing to do
        await migrate.downgrade(engine, "base")
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) <= {"alembic_version"}
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_diff) == []
    finally:
        await engine.dispose()


async def test_concurrent_upgrades_are_serialised(scratch_url: str, is_postgres: bool) -> None:
    if not is_postgres:
        pytest.skip("several workers migrating at once is a PostgreSQL deployment")
    import asyncio

    engines = [create_engine(scratch_url, pool_size=1) for _ in range(4)]
    try:
        await asyncio.gather(*(migrate.upgrade(e) for e in engines))
        async with engines[0].connect() as connection:
            assert await connection.run_sync(_diff) == []
    finally:
        for engine in engines:
            await engine.dispose()
