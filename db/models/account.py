"""Accounts (people who log in) and their bearer access tokens."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, new_id, utcnow


class AccountKind(enum.StrEnum):
    """A person who logs in, or the account an organisation's API key acts as."""

    PERSON = "PERSON"
    API_KEY = "API_KEY"


class Account(Base):
    """A person who can log in (e-mail unique, compared in its normalised form), or the
    account an API key acts as: a member of the key's one organisation that never logs in."""

    __tablename__ = "accounts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254))
    email_normalised: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The address proven by a code sent to it (needed before accepting an invitation); the
    # code itself is kept only as a keyed digest, with its expiry and wrong tries.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    email_code_digest: Mapped[str | None] = mapped_column(String(64), default=None)
    email_code_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    email_code_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    kind: Mapped[str] = mapped_column(
        String(16), default=AccountKind.PERSON, server_default=AccountKind.PERSON.value
    )


class AccessToken(Base):
    """An opaque bearer token. Only its SHA-256 digest is stored."""

    __tablename__ = "access_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
