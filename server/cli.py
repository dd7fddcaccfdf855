"""Command line: ``python -m server.cli up | serve | migrate | downgrade | seed | schema |
outbox``.

``up`` is what ``make run`` runs: the network service (``python -m simulator serve``) and the
API beside it, wired to each other (the API's ``NETWORK_URL`` and the network's webhook URL),
both stopped together on Ctrl-C; with ``NETWORK_URL`` already set it serves the API alone
against that network. ``serve`` runs the API alone, against ``NETWORK_URL``.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

import uvicorn

from db import migrate
from db.base import utcnow
from db.engine import Database
from db.models import OutboxMessage
from db.unit_of_work import UnitOfWork
from server import logs
from server.http_protocol import HeaderTimeoutProtocol
from server.settings import Settings, SettingsError


async def _migrate(settings: Settings, revision: str, *, down: bool) -> None:
    db = Database(settings.database_url)
    try:
        if down:
            await migrate.downgrade(db.engine, revision)
        else:
            await migrate.upgrade(db.engine, revision)
    finally:
        await db.dispose()


def _say(text: str, *, err: bool = False) -> None:
    """A line of a command's output (or, with ``err``, of its complaints)."""
    print(text, file=sys.stderr if err else sys.stdout)


async def _outbox(settings: Settings, args: argparse.Namespace) -> int:
    """``outbox list | show | retry | drop``: look at, retry or drop stuck outbox messages."""
    from resolvers.dispatcher import GIVE_UP
    from resolvers.services import stuck_work

    db = Database(settings.database_url)
    try:
        async with db.sessionmaker() as session, session.begin():
            uow = UnitOfWork(session)
            now = utcnow()
            if args.action == "list":
                for m in await stuck_work.listed(uow, args.state, args.kind, args.limit):
                    _say(f"{m.id}  {m.kind}  organisation {m.organisation_id or '-'}  "
                          f"attempts {m.attempts}  created {m.created_at:%Y-%m-%d %H:%M}  "
                          f"{m.last_error or ''}")  # fmt: skip
                return 0
            ids = [uuid.UUID(value) for value in args.ids]
            if args.action == "show":
                for message_id in ids:
                    message = await session.get(OutboxMessage, message_id)
                    if message is None:
                        _say(f"{message_id}: no such message", err=True)
                        return 1
                    _say(
                        f"{message.id}  {message.kind}  {message.status.value}  "
                        f"attempts {message.attempts}  last error: {message.last_error}"
                    )
                    for action in await stuck_work.actions_of(uow, message.id):
                        _say(f"  {action.at:%Y-%m-%d %H:%M:%S}  {action.action} by "
                              f"{action.actor}: {action.reason}")  # fmt: skip
                return 0
            if not ids and not args.all_of_kind:
                _say(f"outbox {args.action}: name messages (ID ...) or --all-of-kind", err=True)
                return 2
            if args.all_of_kind:
                ids += [
                    m.id for m in await stuck_work.listed(uow, "dead", args.all_of_kind, 10_000)
                ]
            for message_id in ids:
                if args.action == "retry":
                    await stuck_work.retry(
                        uow, message_id, actor=args.by, reason=args.reason, now=now,
                        settled_kinds=frozenset(GIVE_UP),
                    )  # fmt: skip
                else:
                    await stuck_work.drop(
                        uow, message_id, actor=args.by, reason=args.reason, now=now
                    )
            _say(f"{args.action} {len(ids)} message(s)")
            return 0
    except (stuck_work.StuckWorkError, ValueError) as exc:
        _say(f"outbox {args.action}: {exc}", err=True)
        return 1
    finally:
        await db.dispose()


async def _seed(settings: Settings) -> None:
    from server.app import create_app

    app = create_app(settings)
    async with app.router.lifespan_context(app):
        pass


def _banner(settings: Settings) -> None:
    from server.seed import DEMO_ACCOUNTS

    host = "127.0.0.1" if settings.host in {"0.0.0.0", "::"} else settings.host  # noqa: S104
    lines = [
        "",
        f"  Bharat Connect API on http://{host}:{settings.port}/graphql",
        f"  database: {settings.database_url.split('@')[-1]}   workers: {settings.workers}",
        f"  network: {settings.network_url or 'simulated in this process'}",
    ]
    if settings.graphiql:
        lines.append(f"  explorer: open http://{host}:{settings.port}/graphql in a browser")
    if settings.seed_demo:
        lines.append("  demo logins (accessTokenCreate):")
        lines.extend(f"    {a.email}  /  {a.password}" for a in DEMO_ACCOUNTS)
    lines.append("")
    if settings.log_format == "json":  # every line on stderr is a JSON object
        logging.getLogger("bharat_connect").info(" ".join(" ".join(lines).split()))
        return
    print("\n".join(lines), file=sys.stderr)  # noqa: T201


def _up(settings: Settings) -> int:
    """Start the network service, then the API wired to it; stop both together."""
    env = dict(os.environ)
    network_port = env.get("SIMULATOR_PORT", "").strip() or "8001"
    env.setdefault("NETWORK_URL", f"http://127.0.0.1:{network_port}")
    env.setdefault("SIMULATOR_PORT", network_port)
    env.setdefault("SIMULATOR_WEBHOOK_URL", f"http://127.0.0.1:{settings.port}/network/webhooks")
    env.setdefault("SIMULATOR_API_KEY", settings.network_api_key)
    env.setdefault("SIMULATOR_WEBHOOK_SECRET", settings.network_webhook_secret)
    env.setdefault("SIMULATOR_REVIEW_SECONDS", str(settings.simulator_review_seconds))
    env.setdefault("SIMULATOR_SEED", str(settings.simulator_seed))
    network = subprocess.Popen([sys.executable, "-m", "simulator", "serve"], env=env)
    try:
        health = f"http://127.0.0.1:{network_port}/healthz"
        for _ in range(300):
            if network.poll() is not None:
                print("the network service did not start", file=sys.stderr)  # noqa: T201
                return 1
            try:
                with urllib.request.urlopen(health, timeout=1):
                    break
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        api = subprocess.Popen([sys.executable, "-m", "server.cli", "serve"], env=env)
        try:
            return api.wait()
        except KeyboardInterrupt:
            # Ctrl-C reached both children already; a SIGTERM to us did not: pass it on.
            try:
                return api.wait(timeout=2)
            except subprocess.TimeoutExpired:
                api.send_signal(signal.SIGINT)
                return api.wait(timeout=30)
        finally:
            if api.poll() is None:
                api.terminate()
                api.wait(timeout=30)
    finally:
        if network.poll() is None:
            network.send_signal(signal.SIGINT)
            try:
                network.wait(timeout=30)
            except subprocess.TimeoutExpired:
                network.kill()


def _outbox_parser(sub: Any) -> None:
    outbox = sub.add_parser("outbox", help="stuck work: list, show, retry or drop outbox messages")
    actions = outbox.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="messages by state (dead by default), oldest first")
    listing.add_argument("--state", choices=["dead", "pending", "dropped"], default="dead")
    listing.add_argument("--kind")
    listing.add_argument("--limit", type=int, default=50)
    show = actions.add_parser("show", help="a message and what operators did to it")
    show.add_argument("ids", nargs="+", metavar="ID")
    for name, what in (("retry", "put dead messages back as new"), ("drop", "end dead messages")):
        acting = actions.add_parser(name, help=f"{what} (audited: --by and --reason)")
        acting.add_argument("ids", nargs="*", metavar="ID")
        acting.add_argument("--all-of-kind", metavar="KIND", help="every dead message of a kind")
        acting.add_argument("--reason", required=True)
        acting.add_argument("--by", default=getpass.getuser(), help="who acts (default: you)")


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="bharat-connect", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="start the network service and the API beside it (make run)")
    sub.add_parser("serve", help="migrate, seed (development) and serve HTTP + WebSocket")
    up = sub.add_parser("migrate", help="apply migrations (default: to head)")
    up.add_argument("revision", nargs="?", default="head")
    down = sub.add_parser("downgrade", help="revert migrations (default: to base)")
    down.add_argument("revision", nargs="?", default="base")
    sub.add_parser("seed", help="migrate and create the demo data")
    sub.add_parser("schema", help="print the GraphQL schema (SDL)")
    _outbox_parser(sub)
    args = parser.parse_args(argv)

    if args.command == "up" and os.environ.get("NETWORK_URL", "").strip():
        args.command = "serve"  # a network of its own was named: the API alone, against it
    if args.command == "up":
        port = os.environ.get("SIMULATOR_PORT", "").strip() or "8001"
        os.environ["NETWORK_URL"] = f"http://127.0.0.1:{port}"
        # Stopped by SIGTERM like by Ctrl-C: both services go down together.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    logs.configure(settings.log_level, settings.log_format)

    if args.command == "schema":
        from schema.schema import sdl

        sys.stdout.write(sdl())
        return 0
    if args.command == "migrate":
        asyncio.run(_migrate(settings, args.revision, down=False))
        return 0
    if args.command == "downgrade":
        asyncio.run(_migrate(settings, args.revision, down=True))
        return 0
    if args.command == "outbox":
        return asyncio.run(_outbox(settings, args))
    if args.command == "seed":
        asyncio.run(_seed(settings))
        return 0
    if args.command == "up":
        return _up(settings)
    _banner(settings)
    # Several workers: each writes its metrics to files in one folder, which a scrape of any
    # of them sums (prometheus-client's multiprocess mode); made before the workers start.
    own_metrics_dir = None
    if settings.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        own_metrics_dir = tempfile.mkdtemp(prefix="bharat-connect-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = own_metrics_dir
    try:
        _serve(settings)
    finally:
        if own_metrics_dir is not None:
            shutil.rmtree(own_metrics_dir, ignore_errors=True)
    return 0


def _serve(settings: Settings) -> None:
    uvicorn.run(
        "server.app:serve",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level.lower(),
        # JSON logs: uvicorn's own lines go through the same handler (and format) as ours.
        log_config=None if settings.log_format == "json" else uvicorn.config.LOGGING_CONFIG,
        # The client's address (abuse limits) comes from X-Forwarded-For only when sent by a
        # proxy named in FORWARDED_ALLOW_IPS.
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=settings.forwarded_allow_ips or None,
        server_header=False,
        # Subscription frames are small JSON: compressing them saves little, while each
        # socket's deflate state costs ~50 KB (half a subscriber's memory). Off.
        ws_per_message_deflate=False,
        # Idle keep-alive connections are closed; request headers are capped at 16 KiB and
        # must arrive within HEADER_TIMEOUT_SECONDS (a client trickling them is cut off).
        http=HeaderTimeoutProtocol,
        timeout_keep_alive=settings.keep_alive_timeout_seconds,
        # In-flight requests may finish (their own deadline, and a little more) on shutdown.
        timeout_graceful_shutdown=settings.request_timeout_seconds + 5,
        h11_max_incomplete_event_size=16 * 1024,
        # A WebSocket message is held to the same limit as an HTTP body.
        ws_max_size=settings.max_body_bytes,
    )


if __name__ == "__main__":
    raise SystemExit(main())
