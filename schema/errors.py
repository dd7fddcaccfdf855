"""The ``UserError`` type every mutation payload carries."""

from __future__ import annotations

import enum

import strawberry

from resolvers.services.errors import UserError as ServiceUserError


@strawberry.enum(description="Why an input was refused. Branch on this, not on the message.")
class UserErrorCode(enum.Enum):
    """Mirrors ``resolvers.services.errors.ErrorCode`` (a test keeps them equal)."""

    INVALID = strawberry.enum_value("INVALID", description="The value is malformed or not allowed.")
    REQUIRED = strawberry.enum_value("REQUIRED", description="A value is required.")
    TOO_LONG = strawberry.enum_value("TOO_LONG", description="The value is longer than allowed.")
    NOT_FOUND = strawberry.enum_value(
        "NOT_FOUND", description="Nothing with this id or value exists that you may see."
    )
    TAKEN = strawberry.enum_value("TAKEN", description="The value is already used by someone else.")
    INVALID_EMAIL = strawberry.enum_value(
        "INVALID_EMAIL", description="Not a valid e-mail address."
    )
    WEAK_PASSWORD = strawberry.enum_value("WEAK_PASSWORD", description="The password is too weak.")
    INVALID_CREDENTIALS = strawberry.enum_value(
        "INVALID_CREDENTIALS", description="The e-mail address or password is wrong."
    )
    ALREADY_MEMBER = strawberry.enum_value(
        "ALREADY_MEMBER", description="The person is already a member of the organisation."
    )
    LAST_OWNER = strawberry.enum_value(
        "LAST_OWNER", description="The change would leave the organisation without an owner."
    )
    IDEMPOTENCY_KEY_REUSED = strawberry.enum_value(
        "IDEMPOTENCY_KEY_REUSED",
        description="The idempotency key was used before with a different input.",
    )


@strawberry.type(description="An input that was refused. Nothing was changed.")
class UserError:
    """A refused input."""

    code: UserErrorCode = strawberry.field(description="A stable, machine-readable code.")
    field: list[str] | None = strawberry.field(
        description='The path of the input field at fault, e.g. ["input", "email"].'
    )
    message: str = strawberry.field(description="A message for people, in English.")

    @classmethod
    def from_service(cls, error: ServiceUserError) -> UserError:
        """Map a service error."""
        return cls(
            code=UserErrorCode[error.code.name],
            field=list(error.field) or None,
            message=error.message,
        )


def user_errors(errors: list[ServiceUserError]) -> list[UserError]:
    """Map service errors."""
    return [UserError.from_service(error) for error in errors]
