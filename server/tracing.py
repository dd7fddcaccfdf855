"""Turning traces on for the API process (``TRACING=otlp``): spans exported over OTLP as the
standard ``OTEL_*`` variables say, the database statements and the outgoing HTTP calls (to
the network service, and webhooks) instrumented, and every request a span that continues a
caller's ``traceparent`` (the middleware :func:`middleware` gives)."""

from __future__ import annotations

from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.trace.export import SpanExporter
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.middleware import Middleware

from contract import tracing

# Probes and scrapes are not traced (they would be most of the spans).
EXCLUDED_URLS = "/livez,/readyz,/healthz,/metrics"
SERVICE_NAME = "bharat-connect-api"


def start(engine: AsyncEngine, exporter: SpanExporter | None = None) -> None:
    """Record and export spans in this process, with the database and httpx instrumented."""
    tracing.configure(SERVICE_NAME, exporter)
    # Its declared range stops below SQLAlchemy 2.1, whose engine events it hooks are unchanged
    # (tests/test_tracing.py checks the statements still come out as spans).
    SQLAlchemyInstrumentor().instrument(engine=engine.sync_engine, skip_dep_check=True)
    HTTPXClientInstrumentor().instrument()


def middleware() -> Middleware:
    """The outermost middleware: a server span per request, continuing ``traceparent``."""
    return Middleware(OpenTelemetryMiddleware, excluded_urls=EXCLUDED_URLS)
