"""Throttle counters: attempts per key (an account, a client address, an OTP destination)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime


class ThrottleCounter(Base):
    """How often ``key`` did ``scope`` lately, and until when it is locked out.

    ``key`` is a keyed digest (never the e-mail address, client address or number itself).
    Rows are shared by every worker, so limits hold across processes.
    """

    __tablename__ = "throttle_counters"

    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    last_at: Mapped[datetime] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None, index=True)
