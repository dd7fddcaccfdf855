"""Request body limit, enforced before anything parses the body."""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.graphql_view import error_response


class BodySizeLimit:
    """Answer 413 to HTTP requests whose body exceeds ``max_bytes``.

    The body is read (up to the limit) before the app sees it, so a large body is refused
    whether or not it declares a ``Content-Length``; a body that takes longer than
    ``body_timeout_seconds`` to arrive (a client trickling bytes to hold a worker) is answered
    408 and dropped.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        overrides: dict[str, int] | None = None,
        body_timeout_seconds: float = 10.0,
        multipart: dict[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.body_timeout_seconds = body_timeout_seconds
        # Larger limits for particular paths (document uploads), and for multipart bodies
        # (files sent through GraphQL) on particular paths.
        self.overrides = overrides or {}
        self.multipart = multipart or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        too_large = error_response(
            413, f"The request body exceeds {limit} bytes.", "PAYLOAD_TOO_LARGE"
        )
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = limit + 1
                if declared > limit:
                    await too_large(scope, receive, send)
                    return
        try:
            async with asyncio.timeout(self.body_timeout_seconds):
                buffered = await self._read_body(receive, limit)
        except TimeoutError:
            timed_out = error_response(
                408, "The request body did not arrive in time.", "REQUEST_TIMEOUT"
            )
            await timed_out(scope, receive, send)
            return
        if buffered is None:
            return
        if len(buffered) > limit:
            await too_large(scope, receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": buffered, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _limit(self, scope: Scope) -> int:
        path = scope.get("path", "")
        if path in self.multipart:
            for name, value in scope.get("headers", []):
                if name == b"content-type" and value.lower().startswith(b"multipart/form-data"):
                    return self.multipart[path]
        return self.overrides.get(path, self.max_bytes)

    @staticmethod
    async def _read_body(receive: Receive, limit: int) -> bytes | None:
        """The body, or as much as shows it is over ``limit``; ``None`` if the client left."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            body = message.get("body", b"")
            size += len(body)
            chunks.append(body)
            if size > limit or not message.get("more_body", False):
                return b"".join(chunks)
