"""The graphql-transport-ws handler: a socket's operations stop with its token.

- Before each operation, the socket's session must be alive (its token neither revoked nor
  expired, answered from memory by :class:`resolvers.sessions.SocketSessions`, and confirmed
  in the database at most once a minute); otherwise the socket is closed with 4403.
- Queries and mutations sent over the socket get the same execution deadline as over HTTP;
  subscriptions run for as long as the client keeps them.
- Every result a subscription streams has its errors made public as over HTTP (an unexpected
  failure is masked, with a request id), not only the first.
- When the socket ends, its session is forgotten.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import timedelta
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, parse
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage

from resolvers.context import AppState, Context, live_tokens
from resolvers.flight import too_many_in_flight
from resolvers.sessions import SocketSession
from schema.extensions import deadline_error, public_errors
from schema.scopes import NO_READ_SCOPE

REVOKED_CLOSE_CODE = 4403
RECHECK_EVERY = timedelta(minutes=1)
REVOKED_REASON = "Forbidden: the access token was revoked or has expired"


@functools.lru_cache(maxsize=256)
def _is_subscription(query: str, operation_name: str | None) -> bool:
    """Whether the operation to run is a subscription (malformed documents: no; the schema
    reports them)."""
    try:
        document = parse(query, max_tokens=5000)
    except GraphQLError:
        return False
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            operation_name is None
            or (definition.name is not None and definition.name.value == operation_name)
        ):
            return definition.operation.value == "subscription"
    return False


class SessionBoundHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Strawberry's handler, bound to the lifetime of the socket's access token."""

    @property
    def state(self) -> AppState:
        return self.context.app

    queries_in_flight = 0

    async def handle(self) -> None:
        try:
            await super().handle()
        finally:
            session = self.context.socket_session
            if session is not None:
                self.state.sessions.forget(session)
            if self.context.flight_key is not None:
                self.state.flight.close_socket(self.context.flight_key)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        session = self.context.socket_session
        if session is not None and not await self._session_alive(session):
            await self.websocket.close(code=REVOKED_CLOSE_CODE, reason=REVOKED_REASON)
            return
        payload = message["payload"]
        if not _is_subscription(payload["query"], payload.get("operationName")):
            if self.queries_in_flight >= self.state.settings.max_operations_per_socket:
                await self._refuse(message["id"], too_many_in_flight("on this socket"))
                return
            self.queries_in_flight += 1
            await super().handle_subscribe(message)
            if message["id"] not in self.operations:  # refused before it ran
                self.queries_in_flight -= 1
            return
        viewer = await self.context.viewer()
        if viewer is not None and viewer.scopes is not None and "read" not in viewer.scopes:
            # Queries and mutations meet the scope check in the schema (schema.scopes); a
            # subscription is not executed that way.
            refused = GraphQLError(NO_READ_SCOPE, extensions={"code": "FORBIDDEN"})
            await self._refuse(message["id"], refused)
            return
        await super().handle_subscribe(message)

    async def _refuse(self, operation_id: str, error: GraphQLError) -> None:
        await self.send_message({"id": operation_id, "type": "error", "payload": [error.formatted]})

    async def _send_result_stream(
        self, operation: Operation[Context, None], result_source: Any
    ) -> None:
        await super()._send_result_stream(operation, self._public(result_source))

    async def _public(self, results: AsyncIterator[Any]) -> AsyncGenerator[Any, None]:
        """The results with their errors made public (unexpected ones masked)."""
        async for result in results:
            errors = getattr(result, "errors", None)
            if errors:
                result.errors = public_errors(list(errors), self.context.request_id)
            yield result

    async def _session_alive(self, session: SocketSession) -> bool:
        sessions = self.state.sessions
        if not sessions.alive(session):
            return False
        if sessions.due_for_recheck(session, RECHECK_EVERY):
            live = await live_tokens(self.state, {session.token_id})
            if session.token_id not in live:
                sessions.revoked([session.token_id])
                return False
        return True

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        if _is_subscription(operation.query, operation.operation_name):
            await super().run_operation(operation)
            return
        try:
            await self._run_query(operation)
        finally:
            self.queries_in_flight -= 1

    async def _run_query(self, operation: Operation[Context, None]) -> None:
        seconds = self.state.settings.request_timeout_seconds
        key = self.context.flight_key or "socket"
        try:
            with self.state.flight.operation(key):
                async with asyncio.timeout(seconds):
                    await super().run_operation(operation)
        except GraphQLError as refused:  # too many in flight for this account
            await self._refuse(operation.id, refused)
            await self.cleanup_operation(operation.id)
        except TimeoutError:
            await self.send_message(
                {
                    "id": operation.id,
                    "type": "error",
                    "payload": [deadline_error(seconds).formatted],
                }
            )
            await self.cleanup_operation(operation.id)
