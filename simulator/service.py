"""The network service: the simulated Bharat Connect network as a process of its own.

``python -m simulator serve`` listens on 127.0.0.1:8001 by default and serves:

- ``/v1/...``: the participant API (:mod:`simulator.api`) the product API calls;
- ``/simulator/...``: the control API (:mod:`simulator.control`) for tests, demos, sandboxes;
- ``/healthz`` (and ``/livez``, the container's health check); ``/metrics``
  (:mod:`simulator.metrics`).

Messages for the hosted participant go out as signed webhooks (:mod:`simulator.webhooks`),
retried with doubling delays until a 2xx, then dead-lettered. The whole state is saved in the
service's own tables (:mod:`simulator.store`; only the rows that changed) before any answer
that changed it, and after every batch of scheduled work: a restarted service carries on where
it stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from contract import tracing
from simulator import metrics
from simulator.api import participant_routes
from simulator.clock import Clock, SystemClock
from simulator.control import control_routes
from simulator.control_guard import ControlGuard
from simulator.demo import demo_world
from simulator.network import SimulatedNetwork
from simulator.settings import SimulatorSettings
from simulator.store import Store
from simulator.webhooks import WebhookSender

SERVICE_NAME = "bharat-connect-network"

logger = logging.getLogger("bharat_connect.simulator")


class _SaveAfterControl:
    """Control calls change the world directly: save after each one that may have."""

    def __init__(self, app: ASGIApp, network: SimulatedNetwork, store: Store) -> None:
        self.app = app
        self.network = network
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
        if scope["type"] == "http" and scope.get("method") != "GET":
            self.network.changed()
            await self.store.save(self.network)


def create_service(
    settings: SimulatorSettings | None = None, *, clock: Clock | None = None
) -> Starlette:
    """Build the network service (uvicorn calls this as a factory)."""
    settings = settings or SimulatorSettings.from_env()
    if settings.tracing:
        tracing.configure(SERVICE_NAME)
        HTTPXClientInstrumentor().instrument()
    network = SimulatedNetwork(demo_world(), clock or SystemClock(), seed=settings.seed)
    store = Store(settings.database_url)
    webhooks = WebhookSender(settings.webhook_url, settings.webhook_secret)
    network.set_inbound_handler(webhooks)

    async def save() -> None:
        await store.save(network)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if not await store.open(network):
            world = demo_world()
            world.behaviour.b2b_review_seconds = settings.review_seconds
            network.reset(world, seed=settings.seed)
            await save()
            logger.info("network service: a fresh demo world (seed %s)", settings.seed)
        else:
            logger.info(
                "network service: state loaded (%s documents, %s scheduled tasks)",
                len(network.world.documents), len(network.queue),
            )  # fmt: skip
        for warning in settings.warnings():
            logger.warning("network service: %s: fine for a sandbox on this machine only", warning)
        task = asyncio.create_task(network.run(after=save), name="network-timetable")
        logger.info("network service ready; webhooks to %s", settings.webhook_url)
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await save()
            await webhooks.close()
            await store.close()

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok", "pending": network.pending_actions})

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/livez", healthz),
            Route("/metrics", metrics.endpoint(network, settings.control_token)),
            Mount("/v1", app=participant_routes(network, settings.api_key, save)),
            Mount(
                "/simulator",
                app=ControlGuard(
                    _SaveAfterControl(control_routes(network), network, store),
                    settings.control_token,
                ),
            ),
        ],
        lifespan=lifespan,
        middleware=[Middleware(OpenTelemetryMiddleware, excluded_urls="/healthz,/livez,/metrics")]
        if settings.tracing
        else [],
    )
    app.state.network = network
    app.state.store = store
    return app
