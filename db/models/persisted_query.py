"""Persisted queries: the documents clients registered under their SHA-256 hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime


class PersistedQuery(Base):
    """A GraphQL document a client sent once with its hash, so later requests may send only the
    hash (the automatic persisted query protocol of Apollo and urql).

    Shared by every worker; bounded: the least recently used are dropped past the limit.
    """

    __tablename__ = "persisted_queries"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
