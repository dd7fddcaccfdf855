"""Traces across the boundary: the W3C trace context both services pass on.

Each side sends ``traceparent`` (and ``tracestate``) with its HTTP calls (the httpx
instrumentation does it) and keeps the context of the work that queued something with what it
queued (the API's outbox messages and events, the network's scheduled tasks), so that what is
done later, in another task or process, joins the trace of the request that caused it.
Tracing is off unless a service is configured with :func:`configure`; then the OTLP exporter
reads the standard ``OTEL_*`` variables (``OTEL_EXPORTER_OTLP_ENDPOINT``, ``…_HEADERS``,
``OTEL_SERVICE_NAME``, ...). Without it every helper here costs next to nothing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter


def carrier() -> dict[str, str] | None:
    """The current trace context as headers to keep (``None``: no trace is being recorded)."""
    if not trace.get_current_span().get_span_context().is_valid:
        return None
    found: dict[str, str] = {}
    propagate.inject(found)
    return found or None


def context_of(kept: Mapping[str, str] | None) -> Context | None:
    """The trace context kept by :func:`carrier` (``None``: start a new trace)."""
    if not kept:
        return None
    return propagate.extract(dict(kept))


def configure(service_name: str, exporter: SpanExporter | None = None) -> TracerProvider:
    """Record spans for this process and export them: to ``exporter`` as they end (tests pass
    an in-memory one), or in batches to the OTLP endpoint of the ``OTEL_*`` variables. The
    provider is the process's (set once; a second call adds its exporter to it)."""
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        provider = current
    else:
        name = os.environ.get("OTEL_SERVICE_NAME", "").strip() or service_name
        provider = TracerProvider(resource=Resource.create({"service.name": name}))
        trace.set_tracer_provider(provider)
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider
