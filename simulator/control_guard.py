"""What every control API call passes first (one place for all of ``/simulator``):

- with a control token set, ``Authorization: Bearer <token>`` (401 otherwise);
- a body, if any, that is strict JSON: no ``NaN`` or ``Infinity``, no number beyond what the
  world holds (|x| <= 1e15), at most 1 MiB (400 otherwise);
- a handler that trips over a value of the wrong type or range answers 400, never 500.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("bharat_connect.simulator")

MAX_BODY_BYTES = 1 << 20
MAX_NUMBER = 1e15


class BadInputError(ValueError):
    """A control call's body is not what the control API takes."""


def _constant(name: str) -> Any:
    msg = f"{name} is not a number the control API takes"
    raise BadInputError(msg)


def _check(value: Any) -> None:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int | float):
        if not math.isfinite(value) or abs(value) > MAX_NUMBER:
            msg = f"{value!r} is out of range"
            raise BadInputError(msg)
        return
    if isinstance(value, list):
        for item in value:
            _check(item)
        return
    if isinstance(value, dict):
        for item in value.values():
            _check(item)


def check_body(raw: bytes) -> None:
    """Raise :class:`BadInputError` unless ``raw`` is empty or strict JSON within range."""
    if not raw.strip():
        return
    if len(raw) > MAX_BODY_BYTES:
        msg = "the body is too large"
        raise BadInputError(msg)
    try:
        parsed = json.loads(raw, parse_constant=_constant)
    except (ValueError, RecursionError) as exc:
        raise BadInputError(str(exc)) from None
    _check(parsed)


class ControlGuard:
    """ASGI middleware in front of the control routes."""

    def __init__(self, app: ASGIApp, token: str = "") -> None:
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.token:
            headers = dict(scope.get("headers", []))
            given = headers.get(b"authorization", b"").removeprefix(b"Bearer ").strip()
            if not hmac.compare_digest(given, self.token):
                await JSONResponse({"error": "send Authorization: Bearer <control token>"},
                                   401)(scope, receive, send)  # fmt: skip
                return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_BODY_BYTES:
                break
        try:
            check_body(body)
        except BadInputError as exc:
            await JSONResponse({"error": str(exc)}, 400)(scope, receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, replay, watch)
        except (TypeError, ValueError, OverflowError, KeyError, AttributeError) as exc:
            if started:
                raise
            logger.warning("control call refused: %s", type(exc).__name__)
            await JSONResponse({"error": "a value is of the wrong type or out of range"},
                               400)(scope, receive, send)  # fmt: skip
