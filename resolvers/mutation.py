"""Running a mutation: one unit of work, user errors as data, permission errors at top level."""

from __future__ import annotations

import asyncio
import logging
import random
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from db.engine import conflicted
from db.unit_of_work import UnitOfWork
from resolvers.context import Context
from resolvers.errors import ForbiddenError
from resolvers.services import network_http
from resolvers.services.accounts import Viewer
from resolvers.services.errors import (
    ErrorCode,
    PermissionDeniedError,
    UserError,
    UserInputError,
)
from resolvers.services.ids import decode_typed_id

T = TypeVar("T")
ATTEMPTS = 3
logger = logging.getLogger("bharat_connect.mutations")


@dataclass
class Outcome(Generic[T]):
    """What a mutation produced, or why its input was refused (then nothing changed)."""

    value: T | None = None
    errors: list[UserError] = field(default_factory=list)


async def run(context: Context, work: Callable[[UnitOfWork], Awaitable[T]]) -> Outcome[T]:
    """Run ``work`` in its own transaction; commit, then publish its events. A transaction the
    database aborted for a conflict with another (a deadlock) kept nothing: it runs again, up
    to ``ATTEMPTS`` times."""
    kept: UserInputError | None = None
    try:
        for attempt in range(1, ATTEMPTS + 1):
            kept = None
            try:
                async with context.app.unit_of_work() as uow:
                    try:
                        value = await work(uow)
                    except UserInputError as exc:
                        if not exc.keep_changes:
                            raise
                        kept = exc
            except (UserInputError, PermissionDeniedError):
                raise
            except Exception as exc:
                if attempt == ATTEMPTS or not conflicted(exc):
                    raise
                logger.info("a transaction met another (attempt %s); running it again", attempt)
                await asyncio.sleep(random.uniform(0, 0.05 * attempt))  # noqa: S311 - jitter
                continue
            break
    except UserInputError as exc:
        return Outcome(errors=exc.errors)
    except PermissionDeniedError as exc:
        raise ForbiddenError(str(exc)) from None
    if kept is not None:
        return Outcome(errors=kept.errors)
    return Outcome(value=value)


def refuse(error: UserError) -> Outcome[T]:
    """An outcome refused before any work started."""
    return Outcome(errors=[error])


def decode(global_id: str, type_name: str, field: tuple[str, ...]) -> uuid.UUID | UserError:
    """The key a global id names, or ``NOT_FOUND`` on ``field`` for an id that is malformed or
    of another type (as for a foreign one)."""
    key = decode_typed_id(global_id, type_name)
    if key is None:
        what = re.sub(r"(?<!^)(?=[A-Z][a-z])", " ", type_name).lower()
        return UserError(ErrorCode.NOT_FOUND, field, f"No such {what}.")
    return key


async def run_on(
    context: Context,
    global_id: str,
    type_name: str,
    field: tuple[str, ...],
    work: Callable[[UnitOfWork, Viewer, uuid.UUID], Awaitable[T]],
) -> Outcome[T]:
    """Run ``work`` on the object a global id names: the viewer must be signed in, and an id
    that is malformed or of another type is ``NOT_FOUND`` on ``field`` (as a foreign one is)."""
    viewer = await context.require_viewer()
    key = decode(global_id, type_name, field)
    if isinstance(key, UserError):
        return refuse(key)
    if type_name == "Organisation":  # logged with the lines written for this request
        network_http.organisation_id.set(str(key))
    return await run(context, lambda uow: work(uow, viewer, key))
