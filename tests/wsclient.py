"""A small graphql-transport-ws client for tests."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Mapping
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

PROTOCOL = "graphql-transport-ws"


class GraphQLWebSocket:
    """One connection; ``subscribe`` returns an id, ``next`` waits for its next message."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self._ids = itertools.count(1)

    @classmethod
    async def open(
        cls, url: str, *, origin: str | None = None, subprotocol: str = PROTOCOL
    ) -> GraphQLWebSocket:
        headers = {"Origin": origin} if origin else None
        connection = await connect(
            url,
            subprotocols=[Subprotocol(subprotocol)],
            additional_headers=headers,
            open_timeout=5,
        )
        return cls(connection)

    async def init(self, payload: Mapping[str, Any] | None = None) -> dict[str, Any]:
        await self.send({"type": "connection_init", "payload": dict(payload or {})})
        return await self.receive()

    async def send(self, message: Mapping[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self, timeout: float = 5) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.connection.recv(), timeout)
        # Browsers' graphql-ws clients reject binary frames: every server frame must be text.
        assert isinstance(raw, str), f"binary WebSocket frame from the server: {raw!r}"
        message: dict[str, Any] = json.loads(raw)
        return message

    async def subscribe(self, query: str, variables: Mapping[str, Any] | None = None) -> str:
        op_id = str(next(self._ids))
        payload: dict[str, Any] = {"query": query}
        if variables is not None:
            payload["variables"] = dict(variables)
        await self.send({"id": op_id, "type": "subscribe", "payload": payload})
        return op_id

    async def next_message(self, timeout: float = 5) -> dict[str, Any]:
        while True:
            message = await self.receive(timeout)
            if message.get("type") in {"ping", "pong"}:
                continue
            return message

    async def close(self) -> None:
        await self.connection.close()
