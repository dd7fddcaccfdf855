"""The tables the network service's store keeps (:mod:`simulator.store`), and its engine.

One table a kind of keyed record (its key and its JSON), one a kind of append-only record, the
timetable, the payment requests carried and the settings; all named ``network_*``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Column, Integer, MetaData, Table, Text, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from simulator.financing_world import Financier, FinancingRecord
from simulator.ledger import Transfer
from simulator.world import (
    CardRecord,
    DeadLetter,
    DeadLetterAction,
    DirectoryEntry,
    NetworkPayment,
    Participant,
    Review,
    SentDocument,
    SentMessage,
    TaxpayerRecord,
)

FORMAT = 2
LEGACY_TABLE = "simulator_state"

# World attribute -> the record type its rows hold (keyed by the mapping's key).
KEYED: dict[str, type[Any]] = {
    "taxpayers": TaxpayerRecord,
    "directory": DirectoryEntry,
    "reviews": Review,
    "documents": SentDocument,
    "participants": Participant,
    "payments": NetworkPayment,
    "cards": CardRecord,
    "financiers": Financier,
    "financing": FinancingRecord,
}
# World attribute -> the record type of an append-only list (``None``: a plain pair).
APPENDED: dict[str, type[Any] | None] = {
    "messages": SentMessage,
    "carried": None,
    "dead_letters": DeadLetter,
    "dead_letter_actions": DeadLetterAction,
    "transfers": Transfer,
}
SCHEDULE, REQUESTS, SETTINGS = "schedule", "payment_requests", "settings"

METADATA = MetaData()


def _keyed_table(name: str) -> Table:
    return Table(
        f"network_{name}",
        METADATA,
        Column("seq", Integer, primary_key=True, autoincrement=True),
        Column("key", Text, nullable=False, unique=True),
        Column("data", Text, nullable=False),
    )


def _appended_table(name: str) -> Table:
    return Table(
        f"network_{name}",
        METADATA,
        Column("seq", Integer, primary_key=True, autoincrement=False),
        Column("data", Text, nullable=False),
    )


KEYED_TABLES = {name: _keyed_table(name) for name in [*KEYED, SCHEDULE, REQUESTS, SETTINGS]}
APPENDED_TABLES = {name: _appended_table(name) for name in APPENDED}


def upsert(dialect: str, table: Table) -> Any:
    """Insert a row, or update its data if its key is there."""
    statement = (sqlite_insert if dialect == "sqlite" else postgresql_insert)(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c.key], set_={"data": statement.excluded.data}
    )


def engine_for(url: str) -> AsyncEngine:
    """An engine for the simulator's database (a SQLite file's folder is created)."""
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://") and "+aiosqlite" not in url:
        url = url.replace("sqlite://", "sqlite+aiosqlite://", 1)
    if url.startswith("sqlite+aiosqlite:///") and not url.endswith(":memory:"):
        Path(url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # A write-ahead log: a commit appends to it (no rollback journal rewritten each time);
    # NORMAL syncs at checkpoints, which a crash of the process never loses.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    # 64 MiB of pages kept in memory: the indexes an operation looks up stay there as the
    # tables grow.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()
