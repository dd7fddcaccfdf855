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
from opentelemetry.trace import Status, StatusCode
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

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None and context.query.lstrip().startswith("subscription"):
            yield
            return
        span = tracer.start_span("graphql")
        token = otel_context.attach(trace.set_span_in_context(span))
        try:
            yield
        finally:
            otel_context.detach(token)
            try:
                kind = context.operation_type.value
            except (RuntimeError, CannotGetOperationTypeError):
                kind = "operation"
            if kind == OperationType.SUBSCRIPTION.value:
                kind = "subscription"
            span.update_name(f"{kind} {context.operation_name or 'anonymous'}")
            span.set_attribute("graphql.operation.type", kind)
            span.set_attribute("graphql.operation.name", context.operation_name or "")
            errors = getattr(context.result, "errors", None)
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
