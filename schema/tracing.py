"""Traces of GraphQL operations (added to the schema only while tracing is on).

A span per query or mutation, named ``query OrganisationEvents``, ``mutation DocumentPush``
(``anonymous`` when it has no name), current while it runs so the statements and network calls
it makes nest under it; and a child span per field whose resolver is asynchronous (the ones
that read the database or call the network). Neither arguments nor variables are recorded:
they may hold personal data. A subscription gets no operation span of its own (it lives as
long as its socket); each event it sends joins the trace of what wrote the event
(``resolvers.organisation``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from inspect import isawaitable
from typing import Any

from graphql import GraphQLResolveInfo
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, Status, StatusCode
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError
from strawberry.types.graphql import OperationType

tracer = trace.get_tracer("bharat_connect.graphql")
Info = GraphQLResolveInfo[Any]
DEFINITION = "strawberry-definition"


def _is_async(info: Info) -> bool:
    field = info.parent_type.fields.get(info.field_name)
    definition = None if field is None else (field.extensions or {}).get(DEFINITION)
    return bool(getattr(definition, "is_async", False))


class GraphQLTracing(SchemaExtension):
    """Spans for operations and for the resolvers that do I/O."""

    _span: Span | None = None

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        try:
            kind = context.operation_type
        except (RuntimeError, CannotGetOperationTypeError):
            kind = None
        if kind is None or kind == OperationType.SUBSCRIPTION:
            yield
            return
        name = context.operation_name or "anonymous"
        self._span = tracer.start_span(
            f"{kind.value} {name}",
            attributes={"graphql.operation.type": kind.value, "graphql.operation.name": name},
        )
        token = otel_context.attach(trace.set_span_in_context(self._span))
        try:
            yield
        finally:
            otel_context.detach(token)

    def on_operation(self) -> Iterator[None]:
        yield
        span = self._span
        if span is None:
            return
        errors = getattr(self.execution_context.result, "errors", None)
        if errors:
            span.set_status(Status(StatusCode.ERROR))
            span.set_attribute("graphql.errors", len(errors))
        span.end()

    def resolve(
        self,
        _next: Callable[..., Any],
        root: Any,
        info: Info,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if not _is_async(info):
            return _next(root, info, *args, **kwargs)
        return self._traced(_next(root, info, *args, **kwargs), info)

    @staticmethod
    async def _traced(result: Awaitable[Any] | Any, info: Info) -> Any:
        name = f"resolve {info.parent_type.name}.{info.field_name}"
        with tracer.start_as_current_span(name):
            return (await result) if isawaitable(result) else result
