"""Logging for the CLI and for every worker process.

uvicorn starts each worker in a fresh process that runs the app factory: logging configured in
the parent does not reach it. :func:`configure` is called by the CLI and again by the app
factory, so every worker logs (migrations, seeding, the dispatcher, masked errors); it does
nothing where logging is configured already (a test runner, an embedding application).

Every line carries the worker's pid and the id of the request it was logged for (``-`` outside
a request; the outbox's work carries its message's id), and the organisation where the request
named one. ``LOG_FORMAT=json`` (the default in production) writes one JSON object a line
(python-json-logger) with those as fields: ``time``, ``level``, ``logger``, ``message``,
``requestId``, ``pid``, ``organisationId``, and while tracing (``TRACING=otlp``) ``traceId`` and
``spanId``; ``text`` (development) writes plain lines.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal

from opentelemetry import trace
from pythonjsonlogger.json import JsonFormatter

from resolvers.services.network_http import organisation_id, request_id

FORMAT = "%(asctime)s %(levelname)s [%(process)d %(request_id)s] %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(process)d"
LogFormat = Literal["text", "json"]


class RequestContext(logging.Filter):
    """Adds the request id (and the organisation, and the trace while tracing, where known)
    to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        organisation = organisation_id.get()
        if organisation is not None:
            record.organisation_id = organisation
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            record.trace_id = f"{span.trace_id:032x}"
            record.span_id = f"{span.span_id:016x}"
        return True


def _formatter(kind: LogFormat) -> logging.Formatter:
    if kind == "json":
        return JsonFormatter(
            JSON_FIELDS,
            rename_fields={
                "asctime": "time", "levelname": "level", "name": "logger",
                "request_id": "requestId", "process": "pid", "organisation_id": "organisationId",
                "trace_id": "traceId", "span_id": "spanId",
            },
            datefmt="%Y-%m-%dT%H:%M:%S%z",
        )  # fmt: skip
    return logging.Formatter(FORMAT)


class DropQueryStrings(logging.Filter):
    """The access log shows paths without their query strings: an upload's file name (or any
    other value a client put in a URL) stays out of the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path, _, query = args[2].partition("?")
            if query:
                record.args = (*args[:2], f"{path}?…", *args[3:])
        return True


def configure(level: str, kind: LogFormat = "text") -> None:
    """Log to stderr at ``level`` in ``kind`` unless the root logger already has handlers;
    every handler's records carry the request context (:class:`RequestContext`); the access
    log drops query strings (:class:`DropQueryStrings`)."""
    root = logging.getLogger()
    if not root.handlers:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(_formatter(kind))
        root.addHandler(stream)
        root.setLevel(level)
    for handler in root.handlers:
        if not any(isinstance(f, RequestContext) for f in handler.filters):
            handler.addFilter(RequestContext())
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, DropQueryStrings) for f in access.filters):
        access.addFilter(DropQueryStrings())
