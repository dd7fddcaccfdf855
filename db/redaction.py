"""Keep personal data out of logs when a database statement fails.

SQLAlchemy prints bound parameters in its error messages (engines are built with
``hide_parameters=True`` for that), and the database's own message can quote the values too
(PostgreSQL's ``DETAIL:  Key (email)=(...) already exists``). :func:`install` wraps the log
record factory once per process so that every record, whatever logger made it, carries a
redacted copy of a database error: its class, SQLSTATE and statement, and the traceback, never
the driver's message or the parameters. aiosqlite's DEBUG log (every statement with its
parameters) is kept quiet whatever the log level.
"""

from __future__ import annotations

import logging
import types
from typing import Any

from sqlalchemy.exc import DBAPIError, StatementError

_installed = False


class RedactedDatabaseError(Exception):
    """Stands in a log for a database error whose message could quote personal data."""


def _describe(error: StatementError) -> str:
    orig = getattr(error, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    kind = type(orig).__name__ if orig is not None else type(error).__name__
    statement = " ".join((error.statement or "").split())[:500]
    return f"{type(error).__name__} ({kind}, sqlstate {sqlstate or '-'}) [SQL: {statement}]"


def redact(error: BaseException, _seen: set[int] | None = None) -> BaseException:
    """``error`` with every database error in its chain replaced by a redacted stand-in (and
    whatever the driver raised below it dropped); other links are kept as they are."""
    seen = _seen if _seen is not None else set()
    if id(error) in seen:
        return error
    seen.add(id(error))
    if isinstance(error, (DBAPIError, StatementError)):
        stand_in = RedactedDatabaseError(_describe(error))
        stand_in.__traceback__ = error.__traceback__
        stand_in.__suppress_context__ = True
        return stand_in
    cause, context = error.__cause__, error.__context__
    if not _mentions_database(error, set()):
        return error
    # Rebuild this link only because something below it must be redacted.
    copy = RedactedDatabaseError(f"{type(error).__name__}: {error}")
    copy.__traceback__ = error.__traceback__
    copy.__cause__ = None if cause is None else redact(cause, seen)
    copy.__context__ = None if context is None else redact(context, seen)
    copy.__suppress_context__ = error.__suppress_context__
    return copy


def _mentions_database(error: BaseException, seen: set[int]) -> bool:
    if id(error) in seen:
        return False
    seen.add(id(error))
    if isinstance(error, (DBAPIError, StatementError)):
        return True
    return any(
        link is not None and _mentions_database(link, seen)
        for link in (error.__cause__, error.__context__)
    )


def install() -> None:
    """Redact database errors in every log record this process makes (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    # aiosqlite logs every statement with its parameters at DEBUG: never let it.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        info = record.exc_info
        if info and info[1] is not None and _mentions_database(info[1], set()):
            redacted = redact(info[1])
            tb: types.TracebackType | None = redacted.__traceback__
            record.exc_info = (type(redacted), redacted, tb)
            record.exc_text = None
        return record

    logging.setLogRecordFactory(factory)
