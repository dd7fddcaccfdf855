"""Apply alembic migrations from inside the running service or from the CLI.

On PostgreSQL the upgrade holds a transaction-scoped advisory lock, so several workers starting
together migrate one after another (the later ones find nothing to do). On SQLite foreign keys
are switched off for the duration (batch migrations rebuild tables), then checked.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db.engine import SQLITE_BEGIN

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# An arbitrary constant shared by every worker of this service.
MIGRATION_LOCK_KEY = 0x42C0_4E43_7400_0001


class MigrationError(RuntimeError):
    """A migration left the database inconsistent."""


def alembic_config(connection: Connection | None = None) -> Config:
    """An alembic config that needs no ``alembic.ini`` at run time."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def _run(engine: AsyncEngine, revision: str, *, downgrade: bool) -> None:
    def run(sync_connection: Connection) -> None:
        config = alembic_config(sync_connection)
        if downgrade:
            command.downgrade(config, revision)
        else:
            command.upgrade(config, revision)

    if engine.dialect.name == "postgresql":
        async with engine.begin() as connection:
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
            await connection.run_sync(run)
        return

    async def pragma(connection: AsyncConnection, statement: str) -> None:
        # Outside any transaction (inside one SQLite ignores foreign_keys).
        await connection.execution_options(**{SQLITE_BEGIN: None})
        await connection.exec_driver_sql(statement)
        await connection.commit()
        await connection.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})

    async with engine.connect() as connection:
        await pragma(connection, "PRAGMA foreign_keys=OFF")
        try:
            await connection.run_sync(run)
            await connection.commit()
            problems = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
            if problems:
                msg = f"foreign key check failed after migration: {len(problems)} rows"
                raise MigrationError(msg)
        finally:
            await connection.rollback()
            await pragma(connection, "PRAGMA foreign_keys=ON")


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrade the database to ``revision``."""
    await _run(engine, revision, downgrade=False)


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    """Downgrade the database to ``revision``."""
    await _run(engine, revision, downgrade=True)
