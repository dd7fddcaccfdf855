"""One-time passwords: 6 digits from ``secrets``, stored as keyed digests, 10-minute expiry,
single use, at most 5 wrong tries, a resend cooldown; a new OTP supersedes the previous one.

Verification is a compare-and-set on ``(consumed_at IS NULL, attempts)``, so concurrent tries
of one code succeed at most once, and wrong tries are counted atomically across requests.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from db.base import new_id
from db.models import OtpChallenge, OtpPurpose
from db.repositories import onboarding as repo
from db.unit_of_work import UnitOfWork
from resolvers.services import throttle
from resolvers.services.errors import ErrorCode, UserInputError

TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
RESEND_COOLDOWN = timedelta(seconds=30)


def destination(purpose: OtpPurpose, target: str) -> str:
    """Where an OTP goes: a GSTIN's registered contact, or a mobile number."""
    return f"{purpose.value}:{target}"


def new_code() -> str:
    """Six random digits."""
    return f"{secrets.randbelow(1_000_000):06d}"


def digest(secret: bytes, challenge_id: uuid.UUID, code: str) -> str:
    """The stored form of a code: HMAC-SHA256 keyed by the service's secret."""
    return hmac.new(secret, f"{challenge_id}:{code}".encode(), hashlib.sha256).hexdigest()


async def issue(
    uow: UnitOfWork,
    *,
    secret: bytes,
    now: datetime,
    organisation_id: uuid.UUID,
    purpose: OtpPurpose,
    target: str,
    details: dict[str, Any],
    sent_to: str,
    field: tuple[str, ...],
    account_id: uuid.UUID,
    address: str | None,
) -> tuple[OtpChallenge, str]:
    """A new challenge (superseding any earlier one to the same destination, whichever
    organisation asked) and its plain code, to send once.

    Limits: the requesting account and client address (per hour), the destination (OTPs per
    day, across organisations), and the resend cooldown per destination."""
    gate = throttle.Gate(uow, secret, now)
    await gate.check(throttle.OTP_REQUEST_ACCOUNT, str(account_id))
    await gate.check(throttle.OTP_REQUEST_ADDRESS, throttle.client_key(address or "unknown"))
    await gate.check(throttle.OTP_SENDS_PER_DESTINATION, destination(purpose, target))
    live = await repo.live_challenges_to(uow.session, purpose, target, now, for_update=True)
    newest = max((c.created_at for c in live), default=None)
    if newest is not None and newest + RESEND_COOLDOWN > now:
        wait = math.ceil((newest + RESEND_COOLDOWN - now).total_seconds())
        raise UserInputError.one(
            ErrorCode.RESEND_TOO_SOON,
            field,
            f"An OTP was sent moments ago; ask again in {wait} s.",
            retry_after=wait,
        )
    for previous in live:
        previous.consumed_at = now  # superseded: one live OTP per destination
    own = await repo.latest_challenge(uow.session, organisation_id, purpose, for_update=True)
    if own is not None and own.consumed_at is None:
        own.consumed_at = now  # superseded: the organisation's earlier OTP (another target)
    gate.count()
    code = new_code()
    challenge = OtpChallenge(
        id=new_id(),
        organisation_id=organisation_id,
        purpose=purpose,
        target=target,
        details=details,
        sent_to=sent_to,
        code_digest="",
        created_at=now,
        expires_at=now + TTL,
    )
    challenge.code_digest = digest(secret, challenge.id, code)
    uow.session.add(challenge)
    await uow.session.flush()
    return challenge, code


async def verify(
    uow: UnitOfWork,
    *,
    secret: bytes,
    now: datetime,
    organisation_id: uuid.UUID,
    purpose: OtpPurpose,
    code: str,
    field: tuple[str, ...],
) -> OtpChallenge:
    """The challenge the code answers, now used up; or a user error (wrong tries are kept,
    per challenge and per destination across organisations)."""
    challenge = await repo.latest_challenge(uow.session, organisation_id, purpose, for_update=True)
    if challenge is None:
        raise UserInputError.one(ErrorCode.OTP_NOT_REQUESTED, field, "Request an OTP first.")
    await uow.session.refresh(challenge)
    gate = throttle.Gate(uow, secret, now)
    await gate.check(throttle.OTP_GUESSES_PER_DESTINATION, destination(purpose, challenge.target))
    if challenge.consumed_at is not None:
        raise UserInputError.one(
            ErrorCode.OTP_ALREADY_USED, field, "This OTP was used already; request a new one."
        )
    if challenge.attempts >= MAX_ATTEMPTS:
        raise UserInputError.one(
            ErrorCode.OTP_TOO_MANY_ATTEMPTS, field, "Too many wrong tries; request a new OTP."
        )
    if now >= challenge.expires_at:
        raise UserInputError.one(
            ErrorCode.OTP_EXPIRED, field, "The OTP expired; request a new one."
        )
    candidate = code.strip()
    good = (
        len(candidate) == 6
        and candidate.isdigit()
        and hmac.compare_digest(challenge.code_digest, digest(secret, challenge.id, candidate))
    )
    if not good:
        gate.count()
        tries = await repo.count_failed_try(uow.session, challenge.id)
        left = MAX_ATTEMPTS - tries
        message = (
            f"The OTP is wrong; {left} {'try' if left == 1 else 'tries'} left."
            if left > 0
            else "The OTP is wrong, and that was the last try: request a new OTP."
        )
        raise UserInputError.one(ErrorCode.OTP_INVALID, field, message, keep_changes=True)
    if not await repo.consume_challenge_if_fresh(
        uow.session, challenge.id, challenge.attempts, now
    ):
        raise UserInputError.one(
            ErrorCode.OTP_ALREADY_USED, field, "This OTP was used already; request a new one."
        )
    return challenge
