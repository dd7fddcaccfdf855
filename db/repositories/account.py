"""Queries on accounts and access tokens."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AccessToken, Account, Membership


async def by_email(session: AsyncSession, email_normalised: str) -> Account | None:
    """The account with this normalised e-mail."""
    return await session.scalar(select(Account).where(Account.email_normalised == email_normalised))


async def add(
    session: AsyncSession,
    *,
    email: str,
    email_normalised: str,
    display_name: str,
    password_hash: str,
) -> Account:
    """Insert an account."""
    account = Account(
        email=email,
        email_normalised=email_normalised,
        display_name=display_name,
        password_hash=password_hash,
    )
    session.add(account)
    await session.flush()
    return account


async def add_token(
    session: AsyncSession, *, account_id: uuid.UUID, token_digest: str, expires_at: datetime
) -> AccessToken:
    """Insert an access token (its digest only)."""
    token = AccessToken(account_id=account_id, token_digest=token_digest, expires_at=expires_at)
    session.add(token)
    await session.flush()
    return token


async def active_token(
    session: AsyncSession, token_digest: str, now: datetime
) -> tuple[AccessToken, Account] | None:
    """The live (not revoked, not expired) token with this digest, and its account."""
    row = (
        await session.execute(
            select(AccessToken, Account)
            .join(Account, Account.id == AccessToken.account_id)
            .where(
                AccessToken.token_digest == token_digest,
                AccessToken.revoked_at.is_(None),
                AccessToken.expires_at > now,
            )
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def token_is_active(session: AsyncSession, token_id: uuid.UUID, now: datetime) -> bool:
    """Whether the token is still live."""
    found = await session.scalar(
        select(AccessToken.id).where(
            AccessToken.id == token_id,
            AccessToken.revoked_at.is_(None),
            AccessToken.expires_at > now,
        )
    )
    return found is not None


async def active_token_ids(
    session: AsyncSession, token_ids: Sequence[uuid.UUID] | set[uuid.UUID], now: datetime
) -> set[uuid.UUID]:
    """Those of ``token_ids`` that are still live."""
    if not token_ids:
        return set()
    rows = await session.scalars(
        select(AccessToken.id).where(
            AccessToken.id.in_(list(token_ids)),
            AccessToken.revoked_at.is_(None),
            AccessToken.expires_at > now,
        )
    )
    return set(rows.all())


async def revoke_token(session: AsyncSession, token_id: uuid.UUID, now: datetime) -> None:
    """Revoke one token."""
    await session.execute(
        update(AccessToken)
        .where(AccessToken.id == token_id, AccessToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def revoke_all_tokens(
    session: AsyncSession, account_id: uuid.UUID, now: datetime
) -> list[uuid.UUID]:
    """Revoke every live token of an account; returns their ids."""
    result = await session.execute(
        update(AccessToken)
        .where(AccessToken.account_id == account_id, AccessToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(AccessToken.id)
    )
    return [row[0] for row in result.all()]


async def visible_by_ids(
    session: AsyncSession, viewer_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> list[Account]:
    """Accounts among ``ids`` that the viewer may see: itself and anyone it shares an
    organisation with."""
    if not ids:
        return []
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer_id)
    shared = select(Membership.account_id).where(Membership.organisation_id.in_(mine))
    stmt = select(Account).where(
        Account.id.in_(ids), (Account.id == viewer_id) | Account.id.in_(shared)
    )
    return list((await session.scalars(stmt)).all())
