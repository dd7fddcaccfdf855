"""A webhook receiver on a loopback port, for tests: it records what it is sent and answers
what it is told (``statuses``: answers to give in turn, then ``default``)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from tests.conftest import free_port


@dataclass(frozen=True)
class Received:
    """One request the receiver took."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass
class Receiver:
    """What the receiver was sent, and what it answers."""

    port: int
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    default: int = 200
    # Bytes of filler in each answer (to check that big answers are not read whole).
    answer_bytes: int = 2
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def hooks(self) -> list[Received]:
        return [r for r in self.received if r.path == "/hook"]

    async def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        """Wait until ``/hook`` got ``count`` requests."""
        async with asyncio.timeout(timeout):
            while len(self.hooks()) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.hooks()


def _app(receiver: Receiver) -> Starlette:
    async def hook(request: Request) -> Response:
        receiver.received.append(
            Received(request.url.path, dict(request.headers), await request.body())
        )
        receiver.arrived.set()
        status = receiver.statuses.pop(0) if receiver.statuses else receiver.default
        return Response(b"x" * receiver.answer_bytes, status_code=status)

    async def redirect(request: Request) -> Response:
        receiver.received.append(Received(request.url.path, dict(request.headers), b""))
        return RedirectResponse(f"http://127.0.0.1:{receiver.port}/hook", status_code=302)

    return Starlette(
        routes=[
            Route("/hook", hook, methods=["POST"]),
            Route("/redirect", redirect, methods=["POST"]),
        ]
    )


@contextlib.asynccontextmanager
async def receiving() -> AsyncIterator[Receiver]:
    """A receiver served on 127.0.0.1 for the block."""
    receiver = Receiver(free_port())
    config = uvicorn.Config(
        _app(receiver), host="127.0.0.1", port=receiver.port, lifespan="off", log_level="warning"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield receiver
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=5)
