"""Engine and session factory for SQLite (default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# On SQLite a write transaction takes the database's write lock when it begins, so two writers
# queue on busy_timeout instead of one failing with SQLITE_BUSY when it upgrades a read
# snapshot that another writer has since moved past. Sessions for reads begin deferred.
# The execution option that says how: "IMMEDIATE" (the default), "DEFERRED", or None to send
# no BEGIN at all (each statement commits on its own: PRAGMAs that only work outside one).
SQLITE_BEGIN = "sqlite_begin"


def _sqlite_no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite/aiosqlite in their legacy mode send no BEGIN before a SELECT or a SAVEPOINT:
    # begin_nested() then opened the transaction with its SAVEPOINT and its RELEASE committed
    # everything, so a unit of work that failed later kept what a savepoint had written. The
    # driver's own transaction handling is turned off and SQLAlchemy's "begin" sends BEGIN.
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection: Any) -> None:
    mode = connection.get_execution_options().get(SQLITE_BEGIN, "IMMEDIATE")
    if mode is not None:
        connection.exec_driver_sql(f"BEGIN {mode}")


class CountingPool(AsyncAdaptedQueuePool):
    """The asyncio queue pool, telling ``on_wait`` (+1, then -1) around each taking of a
    connection, so that how many are waiting for one can be watched (a gauge)."""

    on_wait: Callable[[int], None] | None = None

    def _do_get(self) -> ConnectionPoolEntry:
        hook = self.on_wait
        if hook is None:
            return super()._do_get()
        hook(1)
        try:
            return super()._do_get()
        finally:
            hook(-1)

    def recreate(self) -> CountingPool:
        """The same pool anew (after a dispose), keeping the hook."""
        fresh = cast("CountingPool", super().recreate())
        fresh.on_wait = self.on_wait
        return fresh


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An async engine; for SQLite the file's folder is made and sane pragmas are set."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, hide_parameters=True)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "connect", _sqlite_no_driver_transactions)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(
        url,
        poolclass=CountingPool,
        pool_size=pool_size,
        max_overflow=pool_size,
        # No ping on every checkout (a round trip each): a connection the server dropped fails
        # its request once and the pool is refreshed; connections older than this are replaced.
        pool_recycle=1800,
        # Bound parameters (PAN, account numbers, e-mail, hashes) never reach error messages.
        hide_parameters=True,
    )


# What the drivers raise when the connection under a statement went away (the server ended it,
# restarted, or the socket broke): asyncpg's connection and operator-intervention errors and
# its client-side "connection is closed" errors.
_LOST = frozenset({"PostgresConnectionError", "OperatorInterventionError", "InterfaceError",
                   "InternalClientError", "ConnectionError"})  # fmt: skip


def lost_connection(error: BaseException | None) -> bool:
    """Whether ``error`` (or anything in its chain) says the database connection was lost,
    rather than that a statement failed: the caller may try the whole operation again."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return True
        if any(kind.__name__ in _LOST for kind in type(error).__mro__):
            return True
        error = error.__cause__ or error.__context__
    return False


# PostgreSQL's "try the transaction again" states: a deadlock it broke by aborting this side,
# and a serialization failure.
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


def conflicted(error: BaseException | None) -> bool:
    """Whether ``error`` (or anything in its chain) is the database aborting the transaction
    for a conflict with another (a deadlock, a serialization failure): nothing of it was
    kept, and running it again is safe."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        orig = getattr(error, "orig", None)
        for candidate in (error, orig):
            state = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
            if state in _RETRYABLE_SQLSTATES:
                return True
        error = error.__cause__ or error.__context__
    return False


class Database:
    """The engine and a factory of short-lived sessions.

    A session is never shared by two coroutines: each unit of work and each DataLoader batch
    takes its own.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        # Reads on PostgreSQL run in autocommit: no BEGIN and ROLLBACK around each SELECT.
        # On SQLite they begin deferred (a shared snapshot, no write lock).
        reads = (
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.engine.dialect.name == "postgresql"
            else self.engine.execution_options(**{SQLITE_BEGIN: "DEFERRED"})
        )
        self.read_sessionmaker = async_sessionmaker(reads, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only (on PostgreSQL in autocommit: each statement sees the
        latest committed data, and no transaction is opened around it)."""
        async with self.read_sessionmaker() as session:
            yield session

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
