"""Liveness, readiness and draining: what a load balancer or an orchestrator asks a worker.

- ``GET /livez``: the process answers (nothing else is checked, so a slow database never gets
  a live worker restarted).
- ``GET /readyz``: this worker should get traffic: the database answers and its migrations are
  at this code's head, the event listener is connected, and the worker is not draining; 503
  with a JSON body naming what is not ready otherwise. The network service is checked too
  (at most every few seconds): when it does not answer the worker stays ready, **degraded**
  (reads and local work go on; network operations queue or answer ``NETWORK_UNAVAILABLE``).
- ``GET /healthz``: the database answers (kept for existing probes).

**Draining**: on SIGTERM a worker first turns ``/readyz`` to 503 and keeps serving for
``SHUTDOWN_DRAIN_SECONDS``, so the balancer takes it out of rotation before it stops
listening; then uvicorn's shutdown runs as usual: in-flight requests finish, WebSockets are
closed with 1012, the dispatcher gives back the messages it had claimed, and the process exits.
A second SIGTERM (or SIGINT) stops at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from db import migrate
from resolvers.context import AppState
from resolvers.services.network_http import HttpNetwork

logger = logging.getLogger("bharat_connect")
# How long a network check's answer is reused, and how long the check may take.
NETWORK_CHECK_EVERY = 5.0
NETWORK_CHECK_SECONDS = 2.0


def head_revision() -> str | None:
    """The migration this code expects the database at."""
    return ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()


class Health:
    """The probes of one worker."""

    def __init__(self, state: AppState, network: object) -> None:
        self.state = state
        self.network = network if isinstance(network, HttpNetwork) else None
        self.head = head_revision()
        self.draining = False
        self._network_checked = 0.0
        self._network_ok = True

    async def livez(self, _request: Request) -> Response:
        """The process answers."""
        return JSONResponse({"status": "alive", "pid": os.getpid()})

    async def readyz(self, _request: Request) -> Response:
        """Whether this worker should get traffic, and what is not ready."""
        checks: dict[str, str] = {}
        try:
            async with self.state.db.read() as session:
                version = await session.scalar(text("SELECT version_num FROM alembic_version"))
            checks["database"] = "ok"
            checks["migrations"] = (
                "ok" if version == self.head else f"at {version}, not {self.head}"
            )
        except (SQLAlchemyError, OSError):
            checks["database"] = "unreachable"
            checks["migrations"] = "unknown"
        checks["eventListener"] = "ok" if self.state.broker.connected else "disconnected"
        checks["network"] = "ok" if await self._network_reachable() else "unreachable (degraded)"
        ready = (
            not self.draining
            and checks["database"] == "ok"
            and checks["migrations"] == "ok"
            and checks["eventListener"] == "ok"
        )
        status = "draining" if self.draining else "ready" if ready else "not ready"
        return JSONResponse({"status": status, **checks}, 200 if ready else 503)

    async def _network_reachable(self) -> bool:
        if self.network is None:  # the network runs in this process
            return True
        now = time.monotonic()
        if now - self._network_checked >= NETWORK_CHECK_EVERY:
            self._network_checked = now
            self._network_ok = await self.network.reachable(NETWORK_CHECK_SECONDS)
        return self._network_ok

    def drain_on_sigterm(self, seconds: float) -> Callable[[], None]:
        """Take over SIGTERM (uvicorn's handler has been installed by now): the first turns
        ``/readyz`` to 503 and hands the signal on after ``seconds``; returns what undoes it."""
        previous = signal.getsignal(signal.SIGTERM)
        if seconds <= 0 or not callable(previous):
            return lambda: None
        loop = asyncio.get_running_loop()
        handed_on: Callable[[int, FrameType | None], Any] = previous

        def on_sigterm(signum: int, frame: FrameType | None) -> None:
            if self.draining:  # a second SIGTERM: stop now
                handed_on(signum, frame)
                return
            self.draining = True
            logger.info("worker %s draining for %ss before it stops", os.getpid(), seconds)
            loop.call_soon_threadsafe(loop.call_later, seconds, handed_on, signum, None)

        signal.signal(signal.SIGTERM, on_sigterm)

        def undo() -> None:
            if signal.getsignal(signal.SIGTERM) is on_sigterm:
                signal.signal(signal.SIGTERM, previous)

        return undo
