"""Where the network service keeps its state: tables of its own in its own database (a SQLite
file under ``var/`` by default, or a PostgreSQL database of its own), never the API's tables.

One table a kind of record, a row a record (its key and its JSON): taxpayers on the GSTN portal,
the B2B ID directory, reviews, documents, participants, payments, the card vault, financiers,
financing requests with their bids, the payment requests carried; append-only tables for the
ledger's transfers, the messages sent to people, the documents carried and the dead letters;
the timetable (deliveries and their attempts among its tasks); and the settings (the simulated
world's behaviour, the fault schedule, the seeded random, the failing deliveries' counts).

A save writes only the rows that changed: the world's collections mark what they handed out or
changed (:class:`simulator.world.Tracked`), the timetable marks what was added or finished, and
a marked record whose JSON is what was saved last is not written again. So the cost of an
operation follows what it did, not how much history the network holds. Saving is coalesced:
callers that changed the state wait until a save that includes their change is committed (an
answer the network gave is never lost to a crash), and concurrent callers share one write.

A state saved by an earlier version as one JSON row (``simulator_state``) is moved into the
tables the first time the service opens it; a state in a format this version does not know is
refused with a message that says so.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from simulator import snapshot
from simulator.core import NetworkCore, Scheduled
from simulator.faults import Fault, Faults
from simulator.store_tables import (
    APPENDED,
    APPENDED_TABLES,
    FORMAT,
    KEYED,
    KEYED_TABLES,
    LEGACY_TABLE,
    METADATA,
    REQUESTS,
    SCHEDULE,
    SETTINGS,
    engine_for,
    upsert,
)
from simulator.world import (
    Tracked,
    TrackedSet,
    World,
)

logger = logging.getLogger("bharat_connect.simulator")


class StateFormatError(RuntimeError):
    """The database holds a network state this version cannot read."""


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _digest(data: str) -> bytes:
    return hashlib.blake2b(data.encode(), digest_size=16).digest()


def _encode(record: Any) -> str:
    if isinstance(record, tuple):
        return _json(list(record))
    return _json(snapshot.row(record))


def _settings(network: NetworkCore) -> dict[str, str]:
    faults = network.faults
    return {
        "format": _json(FORMAT),
        "behaviour": _json(snapshot.row(network.world.behaviour)),
        "faults": _json(
            {
                "queued": {
                    op: [None if f is None else snapshot.row(f) for f in q]
                    for op, q in faults.queued().items()
                },
                "outageUntil": snapshot.plain(faults.outage_until),
            }
        ),
        "random": _json(network.random.getstate()),  # (version, 625 ints, gauss): plain JSON
        "failedDeliveries": _json(dict(network.failed_deliveries)),
    }


@dataclass
class _Changes:
    """What one save writes, and what the store remembers once it is committed."""

    wipe: bool = False
    upserts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    deletes: dict[str, list[str]] = field(default_factory=dict)
    appends: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    digests: list[tuple[str, str, bytes | None]] = field(default_factory=list)
    lengths: dict[str, int] = field(default_factory=dict)
    # What was marked, to mark again if the write fails.
    marked: list[tuple[Any, Any]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.wipe or any((self.upserts, self.deletes, self.appends))

    def put(self, table: str, key: str, data: str | None, saved: dict[str, bytes]) -> None:
        digest = None if data is None else _digest(data)
        if digest == saved.get(key) and not self.wipe:
            return
        if data is None:
            self.deletes.setdefault(table, []).append(key)
        else:
            self.upserts.setdefault(table, []).append({"key": key, "data": data})
        self.digests.append((table, key, digest))

    @property
    def rows(self) -> int:
        return sum(map(len, self.upserts.values())) + sum(map(len, self.appends.values()))


class Store:
    """Loads one network's state and saves what changed."""

    def __init__(self, url: str) -> None:
        self.engine = engine_for(url)
        self._lock = asyncio.Lock()
        self._world: World | None = None
        self._digests: dict[str, dict[str, bytes]] = {name: {} for name in KEYED_TABLES}
        self._lengths: dict[str, int] = dict.fromkeys(APPENDED, 0)
        # Rows the last save wrote (inserted or updated), for tests and benchmarks.
        self.rows_written = 0
        self._upserts: dict[str, Any] = {}

    # --- loading ---------------------------------------------------------------------------

    async def open(self, network: NetworkCore) -> bool:
        """Create the tables if needed and load a saved state into ``network``; False when
        there is none (the caller starts a fresh world and saves it)."""
        async with self.engine.begin() as connection:
            await connection.run_sync(METADATA.create_all)
            rows = {
                name: [(r.key, r.data) for r in await connection.execute(
                    select(table.c.key, table.c.data).order_by(table.c.seq)
                )]
                for name, table in KEYED_TABLES.items()
            }  # fmt: skip
            appended = {
                name: [r.data for r in await connection.execute(
                    select(table.c.data).order_by(table.c.seq)
                )]
                for name, table in APPENDED_TABLES.items()
            }  # fmt: skip
            legacy = await self._legacy(connection)
        if rows[SETTINGS]:
            self._load(network, rows, appended)
            return True
        if legacy is None:
            return False
        try:
            snapshot.load(network, legacy)
        except (ValueError, KeyError, TypeError) as exc:
            msg = (
                "the network database holds a saved state this version cannot read "
                f"({type(exc).__name__}); start the network service with a new database"
            )
            raise StateFormatError(msg) from exc
        await self.save(network)
        async with self.engine.begin() as connection:
            await connection.execute(text(f"DROP TABLE {LEGACY_TABLE}"))
        logger.info("network service: the saved state moved from one row into tables")
        return True

    @staticmethod
    async def _legacy(connection: AsyncConnection) -> dict[str, Any] | None:
        exists = await connection.run_sync(lambda c: inspect(c).has_table(LEGACY_TABLE))
        if not exists:
            return None
        legacy = text(f"SELECT data FROM {LEGACY_TABLE}")  # noqa: S608 (a constant)
        found = (await connection.execute(legacy)).first()
        return None if found is None else dict(json.loads(found[0]))

    def _load(
        self,
        network: NetworkCore,
        rows: dict[str, list[tuple[str, str]]],
        appended: dict[str, list[str]],
    ) -> None:
        settings = {key: json.loads(data) for key, data in rows[SETTINGS]}
        if settings.get("format") != FORMAT:
            msg = (
                f"the network database holds a state in format {settings.get('format')!r}; this "
                f"version reads format {FORMAT}: start the network service with a new database"
            )
            raise StateFormatError(msg)
        world = World(behaviour=snapshot.behaviour(snapshot.back(settings["behaviour"])))
        for name, kind in KEYED.items():
            setattr(world, name, Tracked(
                (key, kind(**snapshot.back(json.loads(data)))) for key, data in rows[name]
            ))  # fmt: skip
        for name, item in APPENDED.items():
            loaded = [snapshot.back(json.loads(data)) for data in appended[name]]
            setattr(world, name, [tuple(v) if item is None else item(**v) for v in loaded])
        world.payment_requests = TrackedSet(key for key, _ in rows[REQUESTS])
        network.world = world
        network.restore_queue(
            [tuple(snapshot.back(json.loads(data))) for _, data in rows[SCHEDULE]]
        )
        faults = Faults()
        for op, queue in settings["faults"]["queued"].items():
            faults.restore(op, [None if f is None else Fault(**f) for f in queue])
        faults.outage_until = snapshot.back(settings["faults"]["outageUntil"])
        network.faults = faults
        version, internal, gauss = settings["random"]
        network.random.setstate((version, tuple(internal), gauss))
        network.failed_deliveries = dict(settings["failedDeliveries"])
        # What was loaded is what is saved.
        for name, found in rows.items():
            self._digests[name] = {key: _digest(data) for key, data in found}
        for name, data in appended.items():
            self._lengths[name] = len(data)
        self._forget_marks(network)
        self._world = world

    # --- saving ----------------------------------------------------------------------------

    @staticmethod
    def _forget_marks(network: NetworkCore) -> None:
        world = network.world
        for name in KEYED:
            getattr(world, name).touched.clear()
        world.payment_requests.touched.clear()
        network.queue_touched.clear()

    def _collect(self, network: NetworkCore) -> _Changes:
        """What changed since the last save, serialised now (no await: one consistent
        picture); the marks are taken."""
        world = network.world
        changes = _Changes(wipe=world is not self._world)
        if changes.wipe:
            for name in KEYED:
                tracked = getattr(world, name)
                tracked.touched = dict.fromkeys(tracked)
            world.payment_requests.touched = dict.fromkeys(world.payment_requests)
            network.queue_touched.update(network.scheduled)
        for name in KEYED:
            tracked = getattr(world, name)
            marked, tracked.touched = tracked.touched, {}
            changes.marked.append((tracked, marked))
            saved = self._digests[name]
            for key in marked:
                record = tracked.peek(key)
                changes.put(name, key, None if record is None else _encode(record), saved)
        requests = world.payment_requests
        marked, requests.touched = requests.touched, {}
        changes.marked.append((requests, marked))
        for key in marked:
            changes.put(REQUESTS, key, "1" if key in requests else None, self._digests[REQUESTS])
        marked, network.queue_touched = network.queue_touched, set()
        changes.marked.append((network, marked))
        for order in marked:
            entry: Scheduled | None = network.scheduled.get(order)
            data = None if entry is None else _json(snapshot.plain(list(entry)))
            changes.put(SCHEDULE, str(order), data, self._digests[SCHEDULE])
        for key, data in _settings(network).items():
            changes.put(SETTINGS, key, data, self._digests[SETTINGS])
        for name in APPENDED:
            items = getattr(world, name)
            start = 0 if changes.wipe else self._lengths[name]
            if len(items) < start:  # a list shortened by hand: write it again
                changes.wipe = True
                return self._collect_again(network, changes)
            changes.appends[name] = [
                {"seq": seq, "data": _encode(item)} for seq, item in enumerate(items[start:], start)
            ]
            if not changes.appends[name]:
                del changes.appends[name]
            changes.lengths[name] = len(items)
        return changes

    def _collect_again(self, network: NetworkCore, changes: _Changes) -> _Changes:
        self._remark(changes)
        self._world = None
        return self._collect(network)

    @staticmethod
    def _remark(changes: _Changes) -> None:
        for owner, marked in changes.marked:
            if isinstance(owner, NetworkCore):
                owner.queue_touched.update(marked)
            else:
                owner.touched.update(marked)

    async def save(self, network: NetworkCore) -> None:
        """Commit what changed since the last save (nothing, if nothing did)."""
        async with self._lock:
            world = network.world
            changes = self._collect(network)
            if not changes:
                self.rows_written = 0
                return
            try:
                async with self.engine.begin() as connection:
                    await self._write(connection, changes)
            except BaseException:
                self._remark(changes)
                raise
            if changes.wipe:
                self._digests = {name: {} for name in KEYED_TABLES}
            for table, key, digest in changes.digests:
                if digest is None:
                    self._digests[table].pop(key, None)
                else:
                    self._digests[table][key] = digest
            self._lengths.update(changes.lengths)
            self._world = world
            self.rows_written = changes.rows

    async def _write(self, connection: AsyncConnection, changes: _Changes) -> None:
        if changes.wipe:
            for table in [*KEYED_TABLES.values(), *APPENDED_TABLES.values()]:
                await connection.execute(delete(table))
        for name, keys in changes.deletes.items():
            table = KEYED_TABLES[name]
            await connection.execute(delete(table).where(table.c.key.in_(keys)))
        if not self._upserts:
            dialect = connection.dialect.name
            self._upserts = {n: upsert(dialect, t) for n, t in KEYED_TABLES.items()}
        for name, rows in changes.upserts.items():
            await connection.execute(self._upserts[name], rows)
        for name, rows in changes.appends.items():
            await connection.execute(APPENDED_TABLES[name].insert(), rows)

    async def close(self) -> None:
        """Release the database."""
        await self.engine.dispose()
