"""All models, imported here so the metadata is complete for alembic and tests."""

from db.models.account import AccessToken, Account
from db.models.event import OrganisationEvent
from db.models.idempotency import IdempotencyRecord
from db.models.organisation import Membership, MembershipRole, Organisation

__all__ = [
    "AccessToken",
    "Account",
    "IdempotencyRecord",
    "Membership",
    "MembershipRole",
    "Organisation",
    "OrganisationEvent",
]
