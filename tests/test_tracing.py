"""Traces in one API process (``TRACING=otlp``; here an in-memory exporter): a span per
GraphQL operation named after it, inside the request's span, with the resolvers that do I/O
and the statements under it; nothing a client sent in variables is recorded; and work queued
in the outbox joins the trace of the request that queued it."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.applications import Starlette

from resolvers.context import AppState
from server import logs
from server.app import create_app
from server.logs import RequestContext
from server.settings import Settings, SettingsError
from simulator.clock import ManualClock
from tests.conftest import PASSWORD, Api
from tests.webhook_receiver import receiving

RENAME = """mutation RenameForTrace($input: OrganisationUpdateInput!) {
    organisationUpdate(input: $input) { organisation { name } userErrors { code } } }"""
ENDPOINT = """mutation CreateEndpoint($input: WebhookEndpointCreateInput!) {
    webhookEndpointCreate(input: $input) { secret userErrors { code } } }"""


@pytest.fixture
async def traced(
    settings: Settings, clock: ManualClock
) -> AsyncIterator[tuple[Api, AppState, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    app: Starlette = create_app(
        replace(settings, tracing=True, migrate_on_start=False), clock=clock,
        span_exporter=exporter,
    )  # fmt: skip
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
                yield Api(http), app.state.bc, exporter
    finally:
        SQLAlchemyInstrumentor().uninstrument()
        HTTPXClientInstrumentor().uninstrument()
        # The process keeps its tracer provider; later tests' spans are dropped, not kept.
        exporter.shutdown()


def _named(spans: tuple[ReadableSpan, ...], name: str) -> ReadableSpan:
    found = [s for s in spans if s.name == name]
    assert len(found) == 1, [s.name for s in spans]
    return found[0]


def _ancestors(span: ReadableSpan, spans: tuple[ReadableSpan, ...]) -> list[str]:
    by_id = {s.context.span_id: s for s in spans}
    names = []
    parent = span.parent
    while parent is not None and parent.span_id in by_id:
        found = by_id[parent.span_id]
        names.append(found.name)
        parent = found.parent
    return names


def _values(span: ReadableSpan) -> list[Any]:
    return [str(v) for v in (span.attributes or {}).values()]


async def test_an_operation_is_a_span_with_its_resolvers_and_statements_under_it(
    traced: tuple[Api, AppState, InMemorySpanExporter],
) -> None:
    api, _, exporter = traced
    owner = await api.sign_up("tracer")
    org = await api.organisation(owner, "Traced Traders")
    exporter.clear()
    await api.ok(RENAME, {"input": {"id": org, "name": "Secret Name 42"}}, token=owner.token)
    spans = exporter.get_finished_spans()
    operation = _named(spans, "mutation RenameForTrace")
    assert operation.attributes is not None
    assert operation.attributes["graphql.operation.type"] == "mutation"
    # Inside the request's span (the ASGI middleware's), all one trace.
    assert {s.context.trace_id for s in spans} == {operation.context.trace_id}
    request = [s for s in spans if s.parent is None]
    assert len(request) == 1 and "POST" in request[0].name
    resolver = _named(spans, "resolve Mutation.organisationUpdate")
    assert _ancestors(resolver, spans)[0] == "mutation RenameForTrace"
    statements = [s for s in spans if (s.attributes or {}).get("db.statement")]
    assert any("UPDATE organisations" in str(s.attributes["db.statement"]) for s in statements)  # type: ignore[index]
    assert all("mutation RenameForTrace" in _ancestors(s, spans) for s in statements)
    # Neither the variables nor the password of a sign-up are recorded anywhere.
    exporter.clear()
    await api.sign_up("privacy")
    everything = [v for s in exporter.get_finished_spans() for v in _values(s)]
    assert not any(PASSWORD in v for v in everything)
    assert not any("Secret Name 42" in v for v in _values(operation))


async def test_outbox_work_and_webhooks_join_the_trace_of_what_queued_them(
    traced: tuple[Api, AppState, InMemorySpanExporter],
) -> None:
    api, state, exporter = traced
    assert state.dispatcher is not None
    owner = await api.sign_up("tracer")
    org = await api.organisation(owner, "Queued Traders")
    async with receiving() as receiver:
        await api.ok(
            ENDPOINT, {"input": {"organisationId": org, "url": receiver.url}}, token=owner.token
        )
        await api.ok(RENAME, {"input": {"id": org, "name": "Hooked"}}, token=owner.token)
        await state.dispatcher.run_once()
        [hook] = receiver.hooks()
    spans = exporter.get_finished_spans()
    created = _named(spans, "mutation CreateEndpoint")
    renamed = _named(spans, "mutation RenameForTrace")
    # The endpoint's delivery run (queued by the creation) joins the creation's trace ...
    run = [s for s in spans if s.name == "outbox webhook.deliver"]
    assert run and run[0].context.trace_id == created.context.trace_id
    # ... and the delivery of the rename's event joins the rename's, down to the receiver.
    delivery = _named(spans, "webhook ORGANISATION_RENAMED")
    assert delivery.context.trace_id == renamed.context.trace_id
    traceparent = hook.headers["traceparent"]
    assert traceparent.split("-")[1] == f"{renamed.context.trace_id:032x}"
    sent = [
        s for s in spans if s.parent is not None and s.parent.span_id == delivery.context.span_id
    ]
    assert sent and "POST" in sent[0].name


async def test_log_lines_written_while_tracing_carry_the_trace(
    traced: tuple[Api, AppState, InMemorySpanExporter],
) -> None:
    record = logging.LogRecord("bharat_connect.test", logging.INFO, __file__, 1, "hi", None, None)
    with trace.get_tracer("test").start_as_current_span("work") as span:
        RequestContext().filter(record)
    line = json.loads(logs._formatter("json").format(record))
    assert line["traceId"] == f"{span.get_span_context().trace_id:032x}"
    assert line["spanId"] == f"{span.get_span_context().span_id:016x}"
    outside = logging.LogRecord("bharat_connect.test", logging.INFO, __file__, 1, "hi", None, None)
    RequestContext().filter(outside)
    assert "traceId" not in json.loads(logs._formatter("json").format(outside))


def test_tracing_is_off_unless_asked_for() -> None:
    assert Settings.from_env({}).tracing is False
    assert Settings.from_env({"TRACING": "otlp"}).tracing is True
    with pytest.raises(SettingsError, match="TRACING"):
        Settings.from_env({"TRACING": "jaeger"})
