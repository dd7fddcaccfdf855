"""Running a mutation: one unit of work, user errors as data, permission errors at top level."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from db.unit_of_work import UnitOfWork
from resolvers.context import Context
from resolvers.errors import ForbiddenError
from resolvers.services.errors import PermissionDeniedError, UserError, UserInputError

T = TypeVar("T")


@dataclass
class Outcome(Generic[T]):
    """What a mutation produced, or why its input was refused (then nothing changed)."""

    value: T | None = None
    errors: list[UserError] = field(default_factory=list)


async def run(context: Context, work: Callable[[UnitOfWork], Awaitable[T]]) -> Outcome[T]:
    """Run ``work`` in its own transaction; commit, then publish its events."""
    kept: UserInputError | None = None
    try:
        async with context.app.unit_of_work() as uow:
            try:
                value = await work(uow)
            except UserInputError as exc:
                if not exc.keep_changes:
                    raise
                kept = exc
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
