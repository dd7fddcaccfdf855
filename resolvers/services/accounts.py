"""Sign-up, log-in, access tokens and viewer resolution."""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from email_validator import EmailNotValidError, validate_email

from db.base import utcnow
from db.models import AccessToken, Account, AccountKind
from db.repositories import account as repo
from db.repositories import api_key as api_key_repo
from db.unit_of_work import UnitOfWork
from resolvers.services import passwords, throttle
from resolvers.services.errors import ErrorCode, UserError, UserInputError

TOKEN_PREFIX = "bct_"  # noqa: S105 (a public marker, not a secret)
API_KEY_PREFIX = "bck_"
MAX_DISPLAY_NAME = 100
# A valid hash of a random password, verified against when the e-mail is unknown so that a
# failed log-in takes as long whether or not the account exists.
_DUMMY_PASSWORD = secrets.token_urlsafe(16)

security = logging.getLogger("bharat_connect.security")


@dataclass(frozen=True)
class Viewer:
    """Who is making the request: the account and the token it presented."""

    account_id: uuid.UUID
    # None for work done on an account's behalf without a token (demo seeding).
    token_id: uuid.UUID | None
    # The account row as loaded with the token, so reading it again costs no statement.
    account: Account | None = field(default=None, compare=False, repr=False)
    # When the token expires (None without a token).
    token_expires_at: datetime | None = field(default=None, compare=False)
    # Where the request came from (the client's IP address), for abuse limits.
    client_address: str | None = field(default=None, compare=False)
    # An API key's scopes and id (None for a person).
    scopes: frozenset[str] | None = field(default=None, compare=False)
    api_key_id: uuid.UUID | None = field(default=None, compare=False)


@dataclass(frozen=True)
class IssuedToken:
    """A freshly issued bearer token; the plain value is shown once and never stored."""

    value: str
    record: AccessToken
    account: Account


def digest_token(value: str) -> str:
    """The stored form of a bearer token."""
    return hashlib.sha256(value.encode()).hexdigest()


def normalise_email(raw: str, field: tuple[str, ...]) -> tuple[str, str]:
    """``(display form, normalised form)`` of an e-mail address, or a user error."""
    candidate = raw.strip()
    if not candidate:
        raise UserInputError.one(ErrorCode.REQUIRED, field, "Enter an e-mail address.")
    if len(candidate) > 254:
        raise UserInputError.one(
            ErrorCode.TOO_LONG, field, "An e-mail address has at most 254 characters."
        )
    try:
        valid = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError:
        raise UserInputError.one(
            ErrorCode.INVALID_EMAIL, field, "Enter a valid e-mail address, like name@example.com."
        ) from None
    return valid.normalized, valid.normalized.lower()


async def _issue(uow: UnitOfWork, account: Account, ttl: timedelta) -> IssuedToken:
    value = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = await repo.add_token(
        uow.session,
        account_id=account.id,
        token_digest=digest_token(value),
        expires_at=utcnow() + ttl,
    )
    return IssuedToken(value, record, account)


async def create_account(
    uow: UnitOfWork, hasher: PasswordHasher, *, email: str, password: str, display_name: str
) -> Account:
    """Validate and create an account."""
    errors: list[UserError] = []
    email_display = email_key = ""
    try:
        email_display, email_key = normalise_email(email, ("input", "email"))
    except UserInputError as exc:
        errors.extend(exc.errors)
    name = " ".join(display_name.split())
    if not name:
        errors.append(UserError(ErrorCode.REQUIRED, ("input", "displayName"), "Enter your name."))
    elif len(name) > MAX_DISPLAY_NAME:
        errors.append(
            UserError(
                ErrorCode.TOO_LONG,
                ("input", "displayName"),
                f"A name has at most {MAX_DISPLAY_NAME} characters.",
            )
        )
    errors.extend(passwords.check_strength(password, email, ("input", "password")))
    if errors:
        raise UserInputError(errors)
    # Hash first, taken or not: a taken address answers as slowly as a new one, so timing
    # does not tell which addresses have accounts.
    password_hash = await passwords.hash_password(hasher, password)
    if await repo.by_email(uow.session, email_key) is not None:
        raise UserInputError.one(
            ErrorCode.TAKEN,
            ("input", "email"),
            "An account with this e-mail address exists already.",
        )
    return await repo.add(
        uow.session,
        email=email_display,
        email_normalised=email_key,
        display_name=name,
        password_hash=password_hash,
    )


async def sign_up(
    uow: UnitOfWork,
    hasher: PasswordHasher,
    *,
    email: str,
    password: str,
    display_name: str,
    ttl: timedelta,
    gate: throttle.Gate | None = None,
    address: str = "unknown",
    sign_ups_per_hour: int = 20,
) -> IssuedToken:
    """Create an account and log it in. With a ``gate``, sign-up attempts per client address
    are limited to ``sign_ups_per_hour``."""
    if gate is not None:
        await gate.check(
            throttle.sign_ups_per_address(sign_ups_per_hour), throttle.client_key(address)
        )
        gate.count()
    try:
        account = await create_account(
            uow, hasher, email=email, password=password, display_name=display_name
        )
    except UserInputError as exc:
        # The attempt counts against the address, whatever was wrong with it.
        raise UserInputError(exc.errors, keep_changes=gate is not None) from None
    return await _issue(uow, account, ttl)


async def log_in(
    uow: UnitOfWork,
    hasher: PasswordHasher,
    *,
    email: str,
    password: str,
    ttl: timedelta,
    gate: throttle.Gate | None = None,
    address: str = "unknown",
) -> IssuedToken:
    """Check the credentials and issue a token. Which of the two was wrong is never said.

    With a ``gate``: failures lock the (account, client address) pair for a while, and slow
    further tries for the account (not from an address it logged in from before) and from the
    address (growing delays, never a lock: see :mod:`resolvers.services.throttle`). A refused
    attempt checks no password; a failure is counted (and kept) before the answer; a success
    clears the account's and the pair's counts and remembers the address for the account."""
    refused = UserInputError.one(
        ErrorCode.INVALID_CREDENTIALS,
        ("input",),
        "The e-mail address or password is wrong.",
        keep_changes=gate is not None,
    )
    try:
        _, email_key = normalise_email(email, ("input", "email"))
    except UserInputError:
        email_key = None
    who, where = email_key or "-", throttle.pair(email_key or "-", address)
    if gate is not None:
        await gate.check(throttle.LOGIN_PAIR, where)
        if not await gate.known(throttle.LOGIN_KNOWN, where):
            await gate.check(throttle.LOGIN_ACCOUNT, who)
        await gate.check(throttle.LOGIN_ADDRESS, throttle.client_key(address))
    account = None if email_key is None else await repo.by_email(uow.session, email_key)
    if account is not None and account.kind != AccountKind.PERSON:
        account = None  # an API key's account never logs in
    if account is None or len(password) > passwords.MAX_LENGTH:
        await passwords.verify_password(
            hasher, await _dummy_hash(hasher), password[: passwords.MAX_LENGTH]
        )
        _failed(gate)
        raise refused
    if not await passwords.verify_password(hasher, account.password_hash, password):
        _failed(gate, account.id)
        raise refused
    if gate is not None and email_key is not None:
        await gate.spend(throttle.TOKENS_PER_ACCOUNT, str(account.id))
        await gate.clear(throttle.LOGIN_ACCOUNT, who)
        await gate.clear(throttle.LOGIN_PAIR, where)
        await gate.remember(throttle.LOGIN_KNOWN, where)
    return await _issue(uow, account, ttl)


def _failed(gate: throttle.Gate | None, account_id: uuid.UUID | None = None) -> None:
    """Count a failed log-in; a lock it causes is a security event (logged without the
    e-mail address or the client address)."""
    if gate is None:
        return
    gate.count()
    if throttle.LOGIN_PAIR in gate.locked_now():
        security.warning(
            "log-in locked for %s minutes: too many failures for one account from one address "
            "(account %s)", int(throttle.LOGIN_PAIR.lock_for.total_seconds() // 60),
            account_id or "unknown",
        )  # fmt: skip


_dummy_hashes: dict[int, str] = {}


async def _dummy_hash(hasher: PasswordHasher) -> str:
    key = id(hasher)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = await passwords.hash_password(hasher, _DUMMY_PASSWORD)
    return _dummy_hashes[key]


async def revoke(uow: UnitOfWork, viewer: Viewer, *, everywhere: bool) -> int:
    """Revoke the viewer's current token, or every token it holds."""
    now = utcnow()
    if everywhere:
        revoked = await repo.revoke_all_tokens(uow.session, viewer.account_id, now)
        uow.revoked_tokens.extend(revoked)
        return len(revoked)
    if viewer.token_id is None:
        return 0
    await repo.revoke_token(uow.session, viewer.token_id, now)
    uow.revoked_tokens.append(viewer.token_id)
    return 1


async def authenticate(uow: UnitOfWork, token: str, now: datetime | None = None) -> Viewer | None:
    """The viewer a bearer token stands for, or ``None`` if it is unknown, expired or revoked."""
    if not token.startswith((TOKEN_PREFIX, API_KEY_PREFIX)) or len(token) > 200:
        return None
    found = await repo.active_token(uow.session, digest_token(token), now or utcnow())
    if found is None:
        return None
    record, account = found
    if token.startswith(API_KEY_PREFIX) != (account.kind == AccountKind.API_KEY):
        return None
    scopes: frozenset[str] | None = None
    key_id: uuid.UUID | None = None
    if account.kind == AccountKind.API_KEY:
        key = await api_key_repo.usable(uow.session, account.id)
        if key is None:  # revoked, or its creator is no longer an owner
            return None
        scopes, key_id = frozenset(key.scopes.split()), key.id
    return Viewer(
        account_id=account.id,
        token_id=record.id,
        account=account,
        token_expires_at=record.expires_at,
        scopes=scopes,
        api_key_id=key_id,
    )
