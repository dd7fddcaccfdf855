"""Errors services raise: expected business failures (user errors) and permission failures."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass


class ErrorCode(enum.StrEnum):
    """Why an input was refused. Clients branch on these; messages are for people."""

    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    NOT_FOUND = "NOT_FOUND"
    TAKEN = "TAKEN"
    INVALID_EMAIL = "INVALID_EMAIL"
    WEAK_PASSWORD = "WEAK_PASSWORD"  # noqa: S105
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    ALREADY_MEMBER = "ALREADY_MEMBER"
    LAST_OWNER = "LAST_OWNER"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


@dataclass(frozen=True)
class UserError:
    """One refused input: a code, the path of the input field, and a message."""

    code: ErrorCode
    field: tuple[str, ...]
    message: str


class UserInputError(Exception):
    """Raised by a service to refuse its input; the unit of work is rolled back."""

    def __init__(self, errors: Sequence[UserError]) -> None:
        super().__init__("; ".join(error.message for error in errors))
        self.errors = list(errors)

    @classmethod
    def one(cls, code: ErrorCode, field: Sequence[str], message: str) -> UserInputError:
        """A single user error."""
        return cls([UserError(code, tuple(field), message)])


class PermissionDeniedError(Exception):
    """The viewer may not do this (a top-level ``FORBIDDEN`` error)."""
