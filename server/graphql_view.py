"""The GraphQL endpoint: context, WebSocket authentication, JSON encoding, the explorer page."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.http.types import QueryParams
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType

from db.engine import lost_connection
from db.unit_of_work import UnitOfWork
from resolvers.context import AppState, Context, bearer_token
from resolvers.services import accounts, network_http, throttle
from schema.extensions import LOST_MESSAGE, deadline_error, public_errors
from schema.schema import Schema
from server.persisted_queries import (
    DOCUMENT_ID,
    PersistedQueries,
    PersistedQueryRefusedError,
    Resolved,
    lift_document_id,
)
from server.request_ids import SCOPE_KEY, request_id_of
from server.ws import REVOKED_CLOSE_CODE, REVOKED_REASON, SessionBoundHandler

logger = logging.getLogger("bharat_connect.http")

HTTP_OPERATIONS = frozenset({OperationType.QUERY, OperationType.MUTATION})
GET_OPERATIONS = frozenset({OperationType.QUERY})
# GraphQL answers hold one account's data: never kept by a shared cache or the browser's.
NO_STORE = "private, no-store"
GRAPHIQL_PAGE = Path(__file__).resolve().parent / "graphiql" / "index.html"


def error_response(status: int, message: str, code: str) -> JSONResponse:
    """A GraphQL-shaped error for failures outside execution (bad body, wrong method...), with
    the request's id (``server.request_ids``)."""
    extensions = {"code": code}
    request_id = network_http.request_id.get()
    if request_id is not None:
        extensions["requestId"] = request_id
    return JSONResponse({"errors": [{"message": message, "extensions": extensions}]}, status)


_HTTP_CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


class TextFrameWebSocketAdapter(ASGIWebSocketAdapter):
    """Sends every graphql-transport-ws message as a *text* frame.

    The view encodes JSON to bytes (orjson) for HTTP; strawberry would send those bytes as
    binary frames, which the reference ``graphql-ws`` client (Apollo, urql, GraphiQL) rejects.
    """

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


def _ran(result: ExecutionResult) -> bool:
    """Whether the document was executed (parsed, validated and within every limit): a
    refused one has errors without a path."""
    return not any(error.path is None for error in result.errors or ())


def flight_key(context: Context) -> str:
    """Whose operation this is for the per-worker limits (:meth:`Flight.key_of`)."""
    address = throttle.client_key(context.client_address)
    return context.app.flight.key_of(context.authorization, address)


class GraphQLView(GraphQL[Context, None]):
    """Strawberry's ASGI view with our context, limits and explorer."""

    websocket_adapter_class = TextFrameWebSocketAdapter
    graphql_transport_ws_handler_class = SessionBoundHandler

    def __init__(self, schema: Schema, state: AppState) -> None:
        settings = state.settings
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql else None,
            allow_queries_via_get=True,
            # Files for kycDocumentUpload (the GraphQL multipart request spec). Not a way to
            # forge requests from another site: credentials travel in the Authorization header,
            # never in cookies, and BodySizeLimit caps the body before it is parsed.
            multipart_uploads_enabled=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(
                seconds=settings.connection_init_timeout_seconds
            ),
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
            allowed_origins=settings.ws_allowed_origins,
            keep_alive=True,
            keep_alive_interval=15,
        )
        self.state = state
        self._page = GRAPHIQL_PAGE.read_text(encoding="utf-8") if settings.graphiql else ""
        self.persisted = PersistedQueries(settings, state.db.read, state.unit_of_work, state.now)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(request)
        except HTTPException as exc:
            response = error_response(
                exc.status_code, exc.reason, _HTTP_CODES.get(exc.status_code, "BAD_REQUEST")
            )
        except PersistedQueryRefusedError as exc:
            response = error_response(exc.status, exc.message, exc.code)
        finally:
            await request.close()  # the files of a multipart request, spooled to disk
        response.headers.setdefault("cache-control", NO_STORE)
        await response(scope, receive, send)

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # A GET that names a persisted document is an operation, not a visit to the explorer.
        params = request.query_params
        named = params.get("extensions") is not None or params.get(DOCUMENT_ID) is not None
        return not named and super().should_render_graphql_ide(request)

    def parse_query_params(self, params: QueryParams) -> dict[str, Any]:
        return lift_document_id(super().parse_query_params(params))

    async def execute_single(  # noqa: PLR0917 (strawberry's signature)
        self,
        request: Request,  # noqa: ARG002
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,  # noqa: ARG002
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Queries and mutations over HTTP POST, queries also over GET (persisted ones, for
        one); a subscription is refused with 400 (it needs a WebSocket), never run
        (graphql-core cannot stream it into one response). A GET without an operation from a
        browser gets the explorer page."""
        allowed = GET_OPERATIONS if request_adapter.method == "GET" else HTTP_OPERATIONS
        context.flight_key = flight_key(context)
        try:
            with self.state.flight.operation(context.flight_key):
                resolved = await self._resolve(request_data)
                if isinstance(resolved, GraphQLError):
                    return ExecutionResult(data=None, errors=[resolved])
                result = await self._execute(root_value, context, resolved.data, allowed)
                if resolved.register is not None and _ran(result):
                    await self._register(resolved.register, resolved.data.query)
                return result
        except GraphQLError as refused:  # too many in flight for this account
            return ExecutionResult(data=None, errors=[refused])

    async def _resolve(self, request_data: GraphQLRequestData) -> Resolved | GraphQLError:
        try:
            return await self.persisted.resolve(request_data)
        except (SQLAlchemyError, OSError) as exc:
            if lost_connection(exc):
                return GraphQLError(LOST_MESSAGE, extensions={"code": "SERVICE_UNAVAILABLE"})
            raise

    async def _register(self, sha256: str, document: str | None) -> None:
        """Register a document that ran; a failure only means the client sends it again."""
        if document is None:
            return
        try:
            await self.persisted.register(sha256, document)
        except (SQLAlchemyError, OSError) as exc:
            logger.warning("persisted query %s not registered: %s", sha256[:12],
                           type(exc).__name__)  # fmt: skip

    async def _execute(
        self,
        root_value: None,
        context: Context,
        request_data: GraphQLRequestData,
        allowed: frozenset[OperationType] = HTTP_OPERATIONS,
    ) -> ExecutionResult:
        try:
            async with asyncio.timeout(self.state.settings.request_timeout_seconds):
                return await self.schema.execute(
                    request_data.query,
                    root_value=root_value,
                    variable_values=request_data.variables,
                    context_value=context,
                    operation_name=request_data.operation_name,
                    allowed_operation_types=allowed,
                    operation_extensions=request_data.extensions,
                )
        except TimeoutError:
            seconds = self.state.settings.request_timeout_seconds
            return ExecutionResult(data=None, errors=[deadline_error(seconds)])
        except InvalidOperationTypeError as exc:
            if exc.operation_type == OperationType.SUBSCRIPTION:
                msg = "Subscriptions run over a WebSocket (graphql-transport-ws) at /graphql."
                raise HTTPException(400, msg) from None
            if exc.operation_type == OperationType.MUTATION:
                raise HTTPException(405, "Mutations are sent with POST.") from None
            raise HTTPException(400, "Only queries and mutations run over HTTP POST.") from None
        except CannotGetOperationTypeError:
            msg = "No operation with that operationName in the document."
            raise HTTPException(400, msg) from None
        except MissingQueryError:
            raise HTTPException(400, "No GraphQL query found in the request.") from None

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        header = request.headers.get("authorization") if isinstance(request, Request) else None
        request_id = request_id_of(request.scope)
        request.scope[SCOPE_KEY] = request_id
        # Calls to the network on behalf of this request carry it as X-Request-Id.
        network_http.request_id.set(request_id)
        return Context(
            app=self.state,
            request_id=request_id,
            authorization=bearer_token(header),
            request=request,
            response=response,
            connection_params={},
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Authenticate a WebSocket from its ``connection_init`` payload, or close it (4403)."""
        params: dict[str, Any] = context.connection_params or {}
        raw = params.get("Authorization", params.get("authorization"))
        token = bearer_token(raw) if isinstance(raw, str) else None
        if not token:
            raise ConnectionRejectionError
        async with self.state.db.read() as session:
            viewer = await accounts.authenticate(UnitOfWork(session), token)
        if viewer is None:
            raise ConnectionRejectionError
        context.authorization = token
        self.state.flight.remember(token, viewer.account_id)
        key = flight_key(context)
        if not self.state.flight.open_socket(key):  # too many sockets for this token
            raise ConnectionRejectionError
        context.flight_key = key
        context.set_viewer(viewer)
        socket = context.response
        if viewer.token_id is not None and viewer.token_expires_at is not None:

            async def close() -> None:
                await socket.close(code=REVOKED_CLOSE_CODE, reason=REVOKED_REASON)

            context.socket_session = self.state.sessions.open(
                viewer.token_id, viewer.token_expires_at, close
            )
        return UNSET  # type: ignore[no-any-return]

    def decode_json(self, data: str | bytes) -> object:
        decoded = orjson.loads(data)
        if isinstance(decoded, list):  # a batch: checked in _validate_batch_request
            if not all(isinstance(item, dict) for item in decoded):
                raise HTTPException(400, "Each operation of a batch must be a JSON object.")
            return [lift_document_id(item) for item in decoded]
        if not isinstance(decoded, dict):
            raise HTTPException(400, "The request body must be a JSON object (or an array).")
        return lift_document_id(decoded)

    def _validate_batch_request(
        self, request_data: list[GraphQLRequestData], protocol: str
    ) -> None:
        """A batch (a JSON array of operations, as Apollo's BatchHttpLink sends) holds 1 to
        ``MAX_BATCH_OPERATIONS`` operations."""
        del protocol  # batches are plain HTTP only: no streaming transport is offered
        most = self.state.settings.max_batch_operations
        if most == 0:
            msg = "Batched operations are turned off here (MAX_BATCH_OPERATIONS is 0)."
            raise HTTPException(400, msg)
        if not request_data:
            raise HTTPException(400, "A batch holds at least one operation.")
        if len(request_data) > most:
            msg = f"A batch holds at most {most} operations (MAX_BATCH_OPERATIONS)."
            raise HTTPException(400, msg)

    async def execute_operation(  # noqa: PLR0917 (strawberry's signature)
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: Context,
        root_value: None,
        sub_response: Response,
    ) -> Any:
        """One operation, or each of a batch with a context of its own (a viewer, loaders and
        limits per operation, as if each had come alone), run side by side."""
        if not isinstance(request_data, list):
            return await super().execute_operation(
                request, request_adapter, request_data, context, root_value, sub_response
            )
        contexts = [context] + [
            await self.get_context(request, sub_response) for _ in request_data[1:]
        ]
        return await asyncio.gather(
            *(
                self.execute_single(request, request_adapter, sub_response, own, root_value, data)
                for own, data in zip(contexts, request_data, strict=True)
            )
        )

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        # Errors raised before the operation hooks run (parse failures in the parser cache,
        # for one) bypass the schema extension: apply the same rules here.
        if result.errors:
            result.errors = public_errors(list(result.errors), request_id_of(request.scope))
        return await super().process_result(request, result)

    async def render_graphql_ide(self, request: Request) -> Response:  # noqa: ARG002
        return HTMLResponse(
            self._page,
            headers={
                "Content-Security-Policy": (
                    "default-src 'self'; script-src 'self' 'unsafe-inline'; "
                    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                    "connect-src 'self' ws: wss:; font-src 'self' data:; "
                    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
                ),
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
                "X-Frame-Options": "DENY",
                "Referrer-Policy": "no-referrer",
            },
        )
