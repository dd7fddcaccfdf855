"""Where the network service keeps its state: one row in its own database (a SQLite file under
``var/`` by default, or a PostgreSQL database of its own), never the API's tables.

Saving is coalesced: callers that changed the state wait until a save that includes their
change is committed (so an answer the network gave is never lost to a crash), and concurrent
callers share one write.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, DateTime, Integer, MetaData, Table, Text, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from simulator import snapshot
from simulator.core import NetworkCore

_metadata = MetaData()
_state = Table(
    "simulator_state",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("data", Text, nullable=False),
    Column("saved_at", DateTime(timezone=True), nullable=False),
)


def engine_for(url: str) -> AsyncEngine:
    """An engine for the simulator's database (a SQLite file's folder is created)."""
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://") and "+aiosqlite" not in url:
        url = url.replace("sqlite://", "sqlite+aiosqlite://", 1)
    if url.startswith("sqlite+aiosqlite:///") and not url.endswith(":memory:"):
        Path(url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    return create_async_engine(url)


class Store:
    """Loads and saves one network's state."""

    def __init__(self, url: str) -> None:
        self.engine = engine_for(url)
        self._lock = asyncio.Lock()
        self._saved_generation = -1

    async def open(self) -> dict[str, Any] | None:
        """Create the table if needed; the saved state, if any."""
        async with self.engine.begin() as connection:
            await connection.run_sync(_metadata.create_all)
            row = (await connection.execute(select(_state.c.data).where(_state.c.id == 1))).first()
        return None if row is None else dict(json.loads(row[0]))

    async def save(self, network: NetworkCore) -> None:
        """Commit the state as it is now, unless a save since the last change did."""
        wanted = network.generation
        async with self._lock:
            if self._saved_generation >= wanted:
                return
            generation = network.generation
            data = json.dumps(snapshot.dump(network), separators=(",", ":"))
            async with self.engine.begin() as connection:
                updated = await connection.execute(
                    _state.update()
                    .where(_state.c.id == 1)
                    .values(data=data, saved_at=datetime.now(UTC))
                )
                if updated.rowcount == 0:
                    await connection.execute(
                        _state.insert().values(id=1, data=data, saved_at=datetime.now(UTC))
                    )
            self._saved_generation = generation

    async def close(self) -> None:
        """Release the database."""
        await self.engine.dispose()
