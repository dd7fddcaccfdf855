"""Request ids: every HTTP request and WebSocket gets one, from ``X-Request-Id`` when the client
(or a proxy in front) sent a well-formed one, otherwise a new one. It is returned in the
``X-Request-Id`` response header and in every GraphQL error's ``extensions.requestId``, logged
with every line written for the request (``server.logs``), and sent on to the network with the
calls made for it.

Well formed means a UUID (32 hexadecimal digits, with or without the dashes): nothing a client
puts there can carry a name, a PAN or an account number into the logs.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from resolvers.context import new_request_id
from resolvers.services import network_http

HEADER = b"x-request-id"
SCOPE_KEY = "bc.request_id"
WELL_FORMED = re.compile(
    r"[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def request_id_of(scope: Scope) -> str:
    """The request id given to ``scope`` (a new one outside the middleware)."""
    value = scope.get(SCOPE_KEY)
    return value if isinstance(value, str) else new_request_id()


class RequestIds:
    """Gives each request its id (see the module's description)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope.get("headers", []) if k == HEADER), b"")
        text = given.decode("latin-1")
        value = text.lower() if WELL_FORMED.fullmatch(text) else new_request_id()
        scope[SCOPE_KEY] = value
        token = network_http.request_id.set(value)
        encoded = value.encode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k != HEADER]
                message = {**message, "headers": [*headers, (HEADER, encoded)]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id if scope["type"] == "http" else send)
        finally:
            network_http.request_id.reset(token)
