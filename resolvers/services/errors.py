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
    STEP_OUT_OF_ORDER = "STEP_OUT_OF_ORDER"
    ALREADY_DONE = "ALREADY_DONE"
    GSTIN_NOT_HELD = "GSTIN_NOT_HELD"
    PAN_MISMATCH = "PAN_MISMATCH"
    LEGAL_NAME_MISMATCH = "LEGAL_NAME_MISMATCH"
    GSTN_REFUSED = "GSTN_REFUSED"
    GSTN_API_ACCESS_DISABLED = "GSTN_API_ACCESS_DISABLED"
    GSTIN_INACTIVE = "GSTIN_INACTIVE"
    NETWORK_UNAVAILABLE = "NETWORK_UNAVAILABLE"
    OTP_NOT_REQUESTED = "OTP_NOT_REQUESTED"
    OTP_INVALID = "OTP_INVALID"
    OTP_EXPIRED = "OTP_EXPIRED"
    OTP_ALREADY_USED = "OTP_ALREADY_USED"
    OTP_TOO_MANY_ATTEMPTS = "OTP_TOO_MANY_ATTEMPTS"
    RESEND_TOO_SOON = "RESEND_TOO_SOON"
    TERMS_NOT_ACCEPTED = "TERMS_NOT_ACCEPTED"
    KYC_INCOMPLETE = "KYC_INCOMPLETE"
    SHARES_OVER_100 = "SHARES_OVER_100"
    UNSUPPORTED_FILE_TYPE = "UNSUPPORTED_FILE_TYPE"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    B2B_ID_IMMUTABLE = "B2B_ID_IMMUTABLE"
    B2B_ID_MISMATCH = "B2B_ID_MISMATCH"
    CONTACT_NOT_LINKED = "CONTACT_NOT_LINKED"
    DUPLICATE = "DUPLICATE"
    TOO_MANY = "TOO_MANY"
    EXPIRED = "EXPIRED"
    RATE_LIMITED = "RATE_LIMITED"
    TEMPORARILY_LOCKED = "TEMPORARILY_LOCKED"
    OVER_BALANCE = "OVER_BALANCE"
    NOT_PAYABLE = "NOT_PAYABLE"
    KYC_NOT_APPROVED = "KYC_NOT_APPROVED"
    PAYMENT_IN_FLIGHT = "PAYMENT_IN_FLIGHT"
    OVER_LIMIT = "OVER_LIMIT"
    PAYEE_CANNOT_COLLECT = "PAYEE_CANNOT_COLLECT"
    EMAIL_NOT_VERIFIED = "EMAIL_NOT_VERIFIED"


@dataclass(frozen=True)
class UserError:
    """One refused input: a code, the path of the input field, and a message."""

    code: ErrorCode
    field: tuple[str, ...]
    message: str
    # For RATE_LIMITED and TEMPORARILY_LOCKED: how long to wait before trying again.
    retry_after: int | None = None


class UserInputError(Exception):
    """Raised by a service to refuse its input; the unit of work is rolled back."""

    def __init__(self, errors: Sequence[UserError], *, keep_changes: bool = False) -> None:
        super().__init__("; ".join(error.message for error in errors))
        self.errors = list(errors)
        # Commit what the service did before refusing (a wrong OTP still counts as a try).
        self.keep_changes = keep_changes

    @classmethod
    def one(
        cls,
        code: ErrorCode,
        field: Sequence[str],
        message: str,
        *,
        keep_changes: bool = False,
        retry_after: int | None = None,
    ) -> UserInputError:
        """A single user error."""
        return cls([UserError(code, tuple(field), message, retry_after)], keep_changes=keep_changes)


def network_down(field: Sequence[str], *, refused: bool = False) -> UserInputError:
    """The refusal when the network did not answer a question asked during a mutation (or,
    ``refused``, turned down a look-up that says nothing about the input)."""
    return UserInputError.one(
        ErrorCode.NETWORK_UNAVAILABLE,
        field,
        "The network turned the look-up down; nothing changed. Try again."
        if refused
        else "The network did not answer; nothing changed. Try again.",
    )


class PermissionDeniedError(Exception):
    """The viewer may not do this (a top-level ``FORBIDDEN`` error)."""


class MessageRefusedError(ValueError):
    """A network message whose data does not hold together (a payment allocating more than a
    document's total, text no input may carry): nothing of it is booked, and the network is
    answered with a refusal."""
