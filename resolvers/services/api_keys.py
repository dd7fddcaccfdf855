"""API keys: credentials an organisation's owners give its other systems.

A key belongs to one organisation and has scopes (:data:`SCOPES`). It acts as an account of
its own (kind ``API_KEY``) that is a member of that organisation only: ``ADMIN`` with the
``admin`` scope, ``STAFF`` with Bharat Connect access otherwise. So every rule that asks
"is the viewer a member, with which role" holds for keys as for people, and a key never sees
another organisation. What each operation needs of a key's scopes is checked in one place,
before the operation runs (``schema.scopes``).

A key's secrets are the access tokens of its account (only their SHA-256 digests are kept):
creating a key issues one, rotating issues a new one and lets the old one live for a grace
period, revoking revokes them all (sockets opened with them close at once, on every worker).
A key works only while its creator is an owner of the organisation: demoted or gone, the
creator's keys stop authenticating (and work again if the creator is made owner again).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from db.base import utcnow
from db.models import (
    AccessToken,
    Account,
    AccountKind,
    ApiKey,
    Membership,
    MembershipRole,
)
from db.repositories import account as account_repo
from db.repositories import organisation as organisation_repo
from db.unit_of_work import UnitOfWork
from resolvers.services.accounts import API_KEY_PREFIX, Viewer, digest_token
from resolvers.services.errors import ErrorCode, PermissionDeniedError, UserInputError

# What a key may be allowed, in this order everywhere.
SCOPES = ("read", "documents", "inbox", "payments", "financing", "admin")
MAX_NAME = 100
MAX_KEYS_PER_ORGANISATION = 50
# Keys listed (live and revoked, newest first).
MAX_LISTED = 100
# Secrets do not expire on a timer of their own within any sensible life of a key; rotate
# them instead (and revoke what leaked).
SECRET_LIFETIME = timedelta(days=3650)
MAX_GRACE = timedelta(days=7)
# How often the last use of a key is written (per key, per worker).
LAST_USED_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedKey:
    """A key with its new secret, shown once and never stored."""

    key: ApiKey
    secret: str


def _new_secret() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


async def _owner_of(
    uow: UnitOfWork, viewer: Viewer, organisation_id: uuid.UUID, field: tuple[str, ...]
) -> None:
    """The viewer must be a person who owns the organisation (keys never manage keys)."""
    found = await organisation_repo.lock_for_viewer(uow.session, viewer.account_id, organisation_id)
    if found is None:
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such organisation.")
    if viewer.scopes is not None:
        raise PermissionDeniedError("API keys cannot manage API keys.")
    if found[1].role != MembershipRole.OWNER:
        raise PermissionDeniedError("Only owners manage the organisation's API keys.")


async def _issue(uow: UnitOfWork, key: ApiKey) -> str:
    secret = _new_secret()
    await account_repo.add_token(
        uow.session, account_id=key.account_id, token_digest=digest_token(secret),
        expires_at=utcnow() + SECRET_LIFETIME,
    )  # fmt: skip
    key.hint = secret[: len(API_KEY_PREFIX) + 4]
    return secret


async def create(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    organisation_id: uuid.UUID,
    name: str,
    scopes: list[str],
    now: datetime,
) -> IssuedKey:
    """A new key for an organisation the viewer owns."""
    await _owner_of(uow, viewer, organisation_id, ("input", "organisationId"))
    clean = " ".join(name.split())
    if not clean:
        raise UserInputError.one(ErrorCode.REQUIRED, ("input", "name"), "Name the key.")
    if len(clean) > MAX_NAME:
        raise UserInputError.one(
            ErrorCode.TOO_LONG, ("input", "name"), f"A name has at most {MAX_NAME} characters."
        )
    wanted = set(scopes)
    if not wanted or not wanted <= set(SCOPES):
        raise UserInputError.one(
            ErrorCode.INVALID, ("input", "scopes"), f"Scopes are some of {', '.join(SCOPES)}."
        )
    live = await uow.session.scalar(
        select(func.count())
        .select_from(ApiKey)
        .where(ApiKey.organisation_id == organisation_id, ApiKey.revoked_at.is_(None))
    )
    if (live or 0) >= MAX_KEYS_PER_ORGANISATION:
        raise UserInputError.one(
            ErrorCode.INVALID, ("input", "organisationId"),
            f"An organisation has at most {MAX_KEYS_PER_ORGANISATION} live keys: revoke one.",
        )  # fmt: skip
    address = f"key-{uuid.uuid4().hex}@api-keys.invalid"
    account = Account(
        email=address, email_normalised=address, display_name=f"API key: {clean}"[:MAX_NAME],
        password_hash="!", kind=AccountKind.API_KEY,  # noqa: S106 (no password: never logs in)
    )  # fmt: skip
    uow.session.add(account)
    await uow.session.flush()
    admin = "admin" in wanted
    uow.session.add(
        Membership(
            organisation_id=organisation_id, account_id=account.id,
            role=MembershipRole.ADMIN if admin else MembershipRole.STAFF,
            network_access=bool(wanted - {"read", "admin"}) or admin,
        )
    )  # fmt: skip
    key = ApiKey(
        organisation_id=organisation_id, account_id=account.id,
        created_by_account_id=viewer.account_id, name=clean,
        scopes=" ".join(s for s in SCOPES if s in wanted), hint="", created_at=now,
    )  # fmt: skip
    uow.session.add(key)
    secret = await _issue(uow, key)
    await uow.session.flush()
    return IssuedKey(key, secret)


async def _key_for_owner(uow: UnitOfWork, viewer: Viewer, key_id: uuid.UUID) -> ApiKey:
    field = ("input", "apiKeyId")
    key = await uow.session.get(ApiKey, key_id)
    if key is None:
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such API key.")
    await _owner_of(uow, viewer, key.organisation_id, field)
    if key.revoked_at is not None:
        raise UserInputError.one(ErrorCode.ALREADY_DONE, field, "This key was revoked.")
    return key


async def rotate(
    uow: UnitOfWork, viewer: Viewer, *, key_id: uuid.UUID, grace: timedelta, now: datetime
) -> IssuedKey:
    """A new secret for a key; the secrets it had stay valid for ``grace`` (at most a week)."""
    if grace < timedelta(0) or grace > MAX_GRACE:
        raise UserInputError.one(
            ErrorCode.INVALID, ("input", "graceHours"),
            f"The grace period is 0 to {int(MAX_GRACE.total_seconds() // 3600)} hours.",
        )  # fmt: skip
    key = await _key_for_owner(uow, viewer, key_id)
    # Secrets live on real time, as every access token does (``now`` is the service's clock).
    until = utcnow() + grace
    await uow.session.execute(
        update(AccessToken)
        .where(
            AccessToken.account_id == key.account_id,
            AccessToken.revoked_at.is_(None),
            AccessToken.expires_at > until,
        )
        .values(expires_at=until)
    )
    if grace == timedelta(0):
        revoked = await account_repo.revoke_all_tokens(uow.session, key.account_id, utcnow())
        uow.revoked_tokens.extend(revoked)
    key.rotated_at = now
    secret = await _issue(uow, key)
    await uow.session.flush()
    return IssuedKey(key, secret)


async def revoke(uow: UnitOfWork, viewer: Viewer, *, key_id: uuid.UUID, now: datetime) -> ApiKey:
    """Revoke a key and every secret it has (sockets opened with them close at once)."""
    key = await _key_for_owner(uow, viewer, key_id)
    key.revoked_at = now
    uow.revoked_tokens.extend(
        await account_repo.revoke_all_tokens(uow.session, key.account_id, now)
    )
    await uow.session.flush()
    return key


async def of_organisation(
    uow: UnitOfWork, viewer: Viewer, organisation_id: uuid.UUID
) -> list[ApiKey]:
    """The organisation's newest keys (at most :data:`MAX_LISTED`), for its owners (people)."""
    membership = await organisation_repo.membership_in(
        uow.session, organisation_id, viewer.account_id
    )
    if membership is None or membership.role != MembershipRole.OWNER or viewer.scopes is not None:
        return []
    rows = await uow.session.scalars(
        select(ApiKey)
        .where(ApiKey.organisation_id == organisation_id)
        .order_by(ApiKey.id.desc())
        .limit(MAX_LISTED)
    )
    return list(rows.all())
