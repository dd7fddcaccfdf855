"""The ASGI application: routes, middleware and lifespan (migrate, seed, broker)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from opentelemetry.sdk.trace.export import SpanExporter
from prometheus_client import multiprocess
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute

from contract.messages import InboundMessage
from contract.port import Network
from db import migrate, redaction
from db.engine import Database, lost_connection
from db.repositories import onboarding as onboarding_repo
from resolvers import inbound
from resolvers.broker import Broker, MemoryBroker, PostgresBroker
from resolvers.context import AppState, live_tokens
from resolvers.dispatcher import Dispatcher
from resolvers.services import idempotency, throttle
from resolvers.services.kyc import DiskStorage
from resolvers.services.network_http import HttpNetwork
from resolvers.services.passwords import make_hasher
from schema.schema import build_schema
from server import logs, metrics, tracing, uploads, webhooks
from server.graphql_view import GraphQLView, error_response
from server.health import Health
from server.limits import BodySizeLimit
from server.request_ids import RequestIds
from server.settings import Settings
from simulator.clock import Clock, SystemClock
from simulator.demo import demo_world
from simulator.network import SimulatedNetwork
from simulator.world import DirectoryEntry

logger = logging.getLogger("bharat_connect")
STARTUP_ATTEMPTS = 30


async def _until_connected(step: Callable[[], Awaitable[None]]) -> None:
    """Run ``step``, again (after a growing pause, up to a minute in all) while it fails
    because the database connection was lost; any other failure is raised at once."""
    for attempt in range(1, STARTUP_ATTEMPTS + 1):
        try:
            await step()
        except Exception as exc:
            if attempt == STARTUP_ATTEMPTS or not lost_connection(exc):
                raise
            logger.warning("worker %s: the database connection was lost while starting "
                           "(attempt %s); trying again", os.getpid(), attempt)  # fmt: skip
            await asyncio.sleep(min(0.2 * attempt, 4.0))
        else:
            return


GRAPHIQL_ASSETS = {
    "react.production.min.js": "react/umd/react.production.min.js",
    "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
    "graphiql.min.css": "graphiql/graphiql.min.css",
    "graphiql.min.js": "graphiql/graphiql.min.js",
    "plugin-explorer.css": "@graphiql/plugin-explorer/dist/style.css",
    "plugin-explorer.umd.js": "@graphiql/plugin-explorer/dist/index.umd.js",
}


def make_broker(settings: Settings) -> Broker:
    """The broker the settings ask for."""
    if settings.broker == "postgres":
        return PostgresBroker(settings.database_url)
    return MemoryBroker()


def create_app(  # noqa: PLR0915 (the app is wired in one place)
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    span_exporter: SpanExporter | None = None,
) -> Starlette:
    """Build the application (:func:`serve` is what uvicorn calls). ``clock``: a manual clock for
    tests, shared by the service and the simulator; ``span_exporter``: where spans go when
    tracing is on (tests; otherwise OTLP)."""
    settings = settings or Settings.from_env()
    logs.configure(settings.log_level, settings.log_format)
    redaction.install()
    db = Database(settings.database_url)
    if settings.tracing:
        tracing.start(db.engine, span_exporter)
    clock = clock or SystemClock()
    # The network service over HTTP; without NETWORK_URL (tests), the simulated network in
    # this process.
    simulator: SimulatedNetwork | None = None
    network: Network
    if settings.network_url:
        network = HttpNetwork(
            settings.network_url,
            settings.network_api_key,
            timeout_seconds=settings.network_timeout_seconds,
        )
    else:
        world = demo_world()
        world.behaviour.b2b_review_seconds = float(settings.simulator_review_seconds)
        simulator = SimulatedNetwork(world, clock, seed=settings.simulator_seed)
        network = simulator
    state = AppState(
        settings=settings,
        db=db,
        broker=make_broker(settings),
        hasher=make_hasher(settings.password_hash_profile),
        network=network,
        write_lock=asyncio.Lock() if db.dialect == "sqlite" else None,
        clock=clock.now,
    )
    state.storage = DiskStorage(settings.kyc_storage_dir)

    async def revalidate_sockets() -> None:
        await state.sessions.revalidate(lambda ids: live_tokens(state, ids))

    state.broker.on_revocations(state.sessions.revoked, revalidate_sockets)
    dispatcher = Dispatcher(state, network)
    state.dispatcher = dispatcher

    async def deliver(message: InboundMessage) -> None:
        await inbound.handle(state, message)

    network.set_inbound_handler(deliver)
    view = GraphQLView(build_schema(settings), state)
    health = Health(state, network)
    metrics.count_pool(state)
    assets_dir = settings.graphiql_assets_dir

    async def prepare() -> None:
        """The worker's database work before it serves: migrations, the directory of a
        network in this process, the broker's connection."""
        if settings.migrate_on_start:
            await migrate.upgrade(db.engine)
        # A simulated network in this process keeps its world in memory: announce our
        # organisations' approved B2B IDs again, as the real network would still hold them.
        async with db.read() as session:
            for record, legal_name in await onboarding_repo.approved_b2b_ids_with_names(session):
                if simulator is not None and record.value not in simulator.world.directory:
                    simulator.world.add_directory_entry(
                        DirectoryEntry(
                            record.value,
                            record.gstin,
                            legal_name,
                            private=record.private,
                            hosted=True,
                        )
                    )
        # The broker first: seeding commits events and publishes them.
        await state.broker.start()

    async def purge() -> None:
        async with state.unit_of_work() as uow:
            await idempotency.purge_expired(uow)
            await throttle.purge(uow, state.now())

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # A worker started while the database drops connections (a failover, a restart)
        # waits for it: a worker that failed to start would stop its supervisor and so every
        # other worker.
        await _until_connected(prepare)
        tasks: list[asyncio.Task[None]] = []
        if settings.background_tasks and simulator is not None:
            tasks.append(asyncio.create_task(simulator.run(), name="simulator"))
        if settings.background_tasks:
            tasks.append(asyncio.create_task(dispatcher.run(), name="dispatcher"))
        undo_drain = health.drain_on_sigterm(settings.shutdown_drain_seconds)
        try:
            await _until_connected(purge)
            if settings.seed_demo:
                from server.seed import seed_demo

                await seed_demo(state)
            logger.info(
                "worker %s ready: database %s, broker %s",
                os.getpid(), db.dialect, settings.broker,
            )  # fmt: skip
            yield
        finally:
            undo_drain()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await state.broker.stop()
            if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
                multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
            if isinstance(network, HttpNetwork):
                await network.close()
            await state.webhook_sender.close()
            await db.dispose()

    async def healthz(_request: Request) -> Response:
        try:
            async with db.read() as session:
                await session.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError):
            logger.exception("health check: database unreachable")
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
        return JSONResponse({"status": "ok", "database": "ok"})

    async def graphiql_asset(request: Request) -> Response:
        relative = GRAPHIQL_ASSETS.get(request.path_params["name"])
        if relative is None or not settings.graphiql:
            return error_response(404, "Not found.", "NOT_FOUND")
        path = Path(assets_dir) / relative
        if not path.is_file():
            logger.error("explorer asset missing: %s (run `make setup`)", path)
            return error_response(404, "Explorer asset not installed.", "NOT_FOUND")
        return FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})

    async def root(_request: Request) -> Response:
        return RedirectResponse("/graphql")

    routes = [
        Route("/", root),
        Route("/healthz", healthz),
        Route("/livez", health.livez),
        Route("/readyz", health.readyz),
        Route("/metrics", metrics.endpoint(state)),
        Route("/graphiql/assets/{name}", graphiql_asset),
        Route("/graphql", view, methods=["GET", "POST", "OPTIONS"]),
        WebSocketRoute("/graphql", view),
        Route(uploads.UPLOAD_PATH, uploads.upload_kyc_document, methods=["POST"]),
        Route(
            webhooks.WEBHOOK_PATH,
            webhooks.webhook_endpoint(state, settings.webhook_secrets),
            methods=["POST"],
        ),
    ]
    middleware = [
        *([tracing.middleware()] if settings.tracing else []),
        Middleware(RequestIds),
        Middleware(
            BodySizeLimit,
            max_bytes=settings.max_body_bytes,
            body_timeout_seconds=settings.body_timeout_seconds,
            overrides={
                uploads.UPLOAD_PATH: uploads.MAX_REQUEST_BYTES,
                webhooks.WEBHOOK_PATH: webhooks.MAX_WEBHOOK_BYTES,
            },
            multipart={"/graphql": uploads.MAX_REQUEST_BYTES},
        ),
        Middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_allowed_origins),
            allow_methods=["POST", "OPTIONS"],
            allow_headers=list(settings.cors_allowed_headers),
            max_age=600,
        ),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.bc = state
    app.state.simulator = simulator
    return app


def serve() -> Starlette:
    """The served application: uvicorn's factory, called once in each worker process.

    A request builds thousands of short-lived objects (rows, GraphQL results), so with the
    interpreter's defaults the youngest generation is collected every few hundred of them and
    every tenth collection walks the whole long-lived heap (the schema, the ORM's mappings).
    Here everything built at start-up is frozen out of the collector's walks and the youngest
    generation is collected after ``GC_GEN0_THRESHOLD`` new objects (``make bench``: a third
    of the CPU a page of documents costs). Tests build their apps with :func:`create_app` and
    leave the collector as it is."""
    settings = Settings.from_env()
    app = create_app(settings)
    tune_collector(settings)
    return app


def tune_collector(settings: Settings) -> None:
    """Freeze what exists now out of the collector's walks and collect the youngest generation
    after ``settings.gc_gen0_threshold`` new objects (nothing when it is 0). For a process
    that serves: called once, after the app is built."""
    if settings.gc_gen0_threshold:
        gc.collect()
        gc.freeze()
        _, middle, oldest = gc.get_threshold()
        gc.set_threshold(settings.gc_gen0_threshold, middle, oldest)
