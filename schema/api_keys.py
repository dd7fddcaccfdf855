"""API keys: types, inputs and payloads."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry

from db.models import ApiKey as ApiKeyModel
from resolvers.services.ids import encode_id
from schema.errors import UserError


@strawberry.enum(description="What an API key may do (besides what its role allows).")
class ApiKeyScope(enum.Enum):
    """Scopes, as in ``resolvers.services.api_keys.SCOPES`` (a test checks)."""

    READ = strawberry.enum_value("read", description="Run queries and subscriptions.")
    DOCUMENTS = strawberry.enum_value(
        "documents", description="Contacts, and create, change, void and push documents."
    )
    INBOX = strawberry.enum_value(
        "inbox", description="Accept, approve and reject received documents."
    )
    PAYMENTS = strawberry.enum_value(
        "payments",
        description="Pay, record and confirm payments, payment requests, reconciliation.",
    )
    FINANCING = strawberry.enum_value("financing", description="Request financing, accept bids.")
    ADMIN = strawberry.enum_value(
        "admin",
        description="Settings, members and invitations, onboarding and KYC (the key is an admin).",
    )


@strawberry.type(
    description="A key an organisation's other systems use instead of a person's log-in."
)
class ApiKey:
    """An API key (never its secret)."""

    id: strawberry.ID = strawberry.field(description="Pass to `apiKeyRotate` and `apiKeyRevoke`.")
    name: str = strawberry.field(description="What it is for.")
    scopes: list[ApiKeyScope] = strawberry.field(description="What it may do.")
    hint: str = strawberry.field(
        description="The first characters of its current secret, to tell keys apart."
    )
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    rotated_at: datetime | None = strawberry.field(
        description="When its secret last changed (UTC)."
    )
    last_used_at: datetime | None = strawberry.field(
        description="When it was last used (UTC; recorded at most once a minute)."
    )
    revoked_at: datetime | None = strawberry.field(description="When it was revoked (UTC).")

    @classmethod
    def from_model(cls, model: ApiKeyModel) -> ApiKey:
        """Map a row."""
        return cls(
            id=strawberry.ID(encode_id("ApiKey", model.id)),
            name=model.name,
            scopes=[ApiKeyScope(scope) for scope in model.scopes.split()],
            hint=model.hint,
            created_at=model.created_at,
            rotated_at=model.rotated_at,
            last_used_at=model.last_used_at,
            revoked_at=model.revoked_at,
        )


@strawberry.input(description="Create an API key for an organisation you own.")
class ApiKeyCreateInput:
    """Key creation input."""

    organisation_id: strawberry.ID = strawberry.field(description="The organisation.")
    name: str = strawberry.field(description="What it is for (at most 100 characters).")
    scopes: list[ApiKeyScope] = strawberry.field(description="What it may do (at least one).")


@strawberry.input(description="Give a key a new secret.")
class ApiKeyRotateInput:
    """Key rotation input."""

    api_key_id: strawberry.ID = strawberry.field(description="The key.")
    grace_hours: int = strawberry.field(
        default=24,
        description="How long its earlier secrets keep working (0 to 168 hours; 0: not at all).",
    )


@strawberry.input(description="Revoke a key: none of its secrets work any more.")
class ApiKeyRevokeInput:
    """Key revocation input."""

    api_key_id: strawberry.ID = strawberry.field(description="The key.")


@strawberry.type(description="A key with its new secret.")
class ApiKeySecretPayload:
    """The result of creating or rotating a key."""

    api_key: ApiKey | None = strawberry.field(description="The key.")
    secret: str | None = strawberry.field(
        description=(
            "The secret, shown this once (only a digest is kept): send it as "
            "`Authorization: Bearer <secret>`."
        )
    )
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.type(description="The result of revoking a key.")
class ApiKeyRevokePayload:
    """Revocation result."""

    api_key: ApiKey | None = strawberry.field(description="The key, revoked.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")
