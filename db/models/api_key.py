"""API keys: credentials an organisation's owners give its other systems (an ERP, a connector)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, new_id


class ApiKey(Base):
    """A named key for one organisation, with scopes. It acts as an account of its own
    (``account_id``, of kind ``API_KEY``, a member of the organisation), whose access tokens
    are the key's secrets: the current one, and during a rotation the previous one until its
    grace period ends. Secrets are stored as SHA-256 digests only, never in the clear."""

    __tablename__ = "api_keys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="CASCADE"), unique=True
    )
    created_by_account_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    # Space-separated, in the order of resolvers.services.api_keys.SCOPES.
    scopes: Mapped[str] = mapped_column(String(100))
    # The first characters of the current secret, to tell keys apart (not secret).
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
