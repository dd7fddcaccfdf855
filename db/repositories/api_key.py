"""API keys: the key an API-key account stands for, and when it was last used."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models import ApiKey, Membership, MembershipRole


async def usable(session: AsyncSession, account_id: uuid.UUID) -> ApiKey | None:
    """The key ``account_id`` acts for, if it may be used now: not revoked, and its creator
    still an owner of its organisation."""
    creator = aliased(Membership)
    return await session.scalar(
        select(ApiKey)
        .join(
            creator,
            (creator.organisation_id == ApiKey.organisation_id)
            & (creator.account_id == ApiKey.created_by_account_id)
            & (creator.role == MembershipRole.OWNER),
        )
        .where(ApiKey.account_id == account_id, ApiKey.revoked_at.is_(None))
    )


async def touch(session: AsyncSession, key_id: uuid.UUID, now: datetime) -> None:
    """Record that a key was used at ``now``."""
    await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))
