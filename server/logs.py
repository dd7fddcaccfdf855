"""Logging for the CLI and for every worker process.

uvicorn starts each worker in a fresh process that runs the app factory: logging configured in
the parent does not reach it. :func:`configure` is called by the CLI and again by the app
factory, so every worker logs (migrations, seeding, the dispatcher, masked errors); it does
nothing where logging is configured already (a test runner, an embedding application).
"""

from __future__ import annotations

import logging
import sys

FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"


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


def configure(level: str) -> None:
    """Log to stderr at ``level`` unless the root logger already has handlers; the access log
    drops query strings (:class:`DropQueryStrings`)."""
    logging.basicConfig(level=level, format=FORMAT, stream=sys.stderr)
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, DropQueryStrings) for f in access.filters):
        access.addFilter(DropQueryStrings())
