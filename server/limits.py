"""Request body limit, enforced before anything parses the body."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.graphql_view import error_response


class BodySizeLimit:
    """Answer 413 to HTTP requests whose body exceeds ``max_bytes``.

    The body is read (up to the limit) before the app sees it, so a large body is refused
    whether or not it declares a ``Content-Length``.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, overrides: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Larger limits for particular paths (document uploads).
        self.overrides = overrides or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.overrides.get(scope.get("path", ""), self.max_bytes)
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
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > limit:
                await too_large(scope, receive, send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        buffered = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": buffered, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
