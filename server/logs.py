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


def configure(level: str) -> None:
    """Log to stderr at ``level`` unless the root logger already has handlers."""
    logging.basicConfig(level=level, format=FORMAT, stream=sys.stderr)
