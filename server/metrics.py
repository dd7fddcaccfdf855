"""``GET /metrics``: the service's metrics in the Prometheus text format.

The counters and histograms of ``resolvers.services.metrics`` (summed over every worker when
``PROMETHEUS_MULTIPROC_DIR`` is set, which ``server.cli serve`` does for several workers),
and, read from the database at each scrape, the outbox: messages waiting by kind, dead ones by
kind, and how long the longest-waiting due message has waited.

Not public in production: ``METRICS_TOKEN`` must be set there, and a scrape must send it as
``Authorization: Bearer <token>`` (without the token the path answers 404); in development the
path is open unless a token is set.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import Response

from db.engine import CountingPool
from db.models import OutboxStatus
from db.repositories import outbox as outbox_repo
from resolvers.context import AppState
from resolvers.services import metrics
from server.graphql_view import error_response


class _Outbox(Collector):
    """The outbox as read for one scrape."""

    def __init__(self, pending: dict[str, int], dead: dict[str, int], waited: float) -> None:
        self.pending, self.dead, self.waited = pending, dead, waited

    def collect(self) -> Iterator[Any]:
        pending = GaugeMetricFamily(
            "bc_outbox_pending", "Outbox messages waiting to be sent, by kind.", labels=["kind"]
        )
        for kind, count in sorted(self.pending.items()):
            pending.add_metric([kind], count)
        dead = GaugeMetricFamily(
            "bc_outbox_dead", "Outbox messages given up on, by kind.", labels=["kind"]
        )
        for kind, count in sorted(self.dead.items()):
            dead.add_metric([kind], count)
        yield pending
        yield dead
        yield GaugeMetricFamily(
            "bc_outbox_oldest_due_seconds",
            "How long the longest-waiting due outbox message has waited (0: none is due).",
            value=self.waited,
        )


def count_pool(state: AppState) -> None:
    """Keep ``bc_db_pool_in_use`` as connections are taken from and given back to the pool,
    and ``bc_db_pool_waiting`` as requests wait for one."""
    pool = state.db.engine.sync_engine.pool
    event.listen(pool, "checkout", lambda *_: metrics.POOL_CHECKED_OUT.inc())
    event.listen(pool, "checkin", lambda *_: metrics.POOL_CHECKED_OUT.dec())
    if isinstance(pool, CountingPool):  # PostgreSQL's pool (SQLite's connections never wait)
        pool.on_wait = metrics.POOL_WAITING.inc


def endpoint(state: AppState) -> Any:
    """The route's endpoint."""
    token = state.settings.metrics_token
    production = state.settings.environment == "production"

    async def scrape(request: Request) -> Response:
        if token is None and production:
            return error_response(404, "Not found.", "NOT_FOUND")
        if token is not None:
            sent = request.headers.get("authorization", "")
            if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
                return error_response(401, "Send the metrics token.", "UNAUTHENTICATED")
        registry: CollectorRegistry = REGISTRY
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        now = state.now()
        try:
            async with state.db.read() as session:
                pending = await outbox_repo.counts_by_kind(session, OutboxStatus.PENDING)
                dead = await outbox_repo.counts_by_kind(session, OutboxStatus.FAILED)
                oldest = await outbox_repo.oldest_due_at(session, now)
        except (SQLAlchemyError, OSError):
            pending, dead, oldest = {}, {}, None
        waited = 0.0 if oldest is None else max((now - oldest).total_seconds(), 0.0)
        outbox = _Outbox(pending, dead, waited)
        registry.register(outbox)
        try:
            body = generate_latest(registry)
        finally:
            registry.unregister(outbox)
        return Response(body, headers={"content-type": CONTENT_TYPE_LATEST})

    return scrape
