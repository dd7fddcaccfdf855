"""Proving an e-mail address: a 6-digit code e-mailed to it (10 minutes, 5 tries, 30 s between
sends, the OTP limits per account and per address), kept only as a keyed digest. An account
must prove its address before it can accept an invitation sent to that address."""

from __future__ import annotations

import hashlib
import hmac
import math
import uuid
from datetime import datetime, timedelta

from contract.port import Network
from db.models import Account
from db.unit_of_work import UnitOfWork
from resolvers.services import otp, throttle
from resolvers.services.accounts import Viewer
from resolvers.services.errors import ErrorCode, UserInputError

TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
RESEND_COOLDOWN = timedelta(seconds=30)
FIELD = ("input", "code")


def _digest(secret: bytes, account_id: uuid.UUID, sent_at: datetime, code: str) -> str:
    return hmac.new(
        secret, f"email:{account_id}:{sent_at.isoformat()}:{code}".encode(), hashlib.sha256
    ).hexdigest()


async def _account(uow: UnitOfWork, viewer: Viewer) -> Account:
    account = await uow.session.get(Account, viewer.account_id, with_for_update=True)
    assert account is not None  # the viewer's token holds it
    return account


async def send_code(
    uow: UnitOfWork, viewer: Viewer, network: Network, *, secret: bytes, now: datetime,
    gate: throttle.Gate,
) -> Account:  # fmt: skip
    """E-mail a new code to the viewer's address (sent after the commit)."""
    account = await _account(uow, viewer)
    if account.email_verified_at is not None:
        raise UserInputError.one(
            ErrorCode.ALREADY_DONE, ("input",), "Your e-mail address is verified already."
        )
    if account.email_code_sent_at is not None and now - account.email_code_sent_at < (
        RESEND_COOLDOWN
    ):
        wait = math.ceil((account.email_code_sent_at + RESEND_COOLDOWN - now).total_seconds())
        raise UserInputError.one(
            ErrorCode.RESEND_TOO_SOON, ("input",), f"Wait {wait} s before asking again.",
            retry_after=max(wait, 1),
        )  # fmt: skip
    await gate.check(throttle.OTP_REQUEST_ACCOUNT, str(account.id))
    await gate.check(throttle.OTP_SENDS_PER_DESTINATION, f"email:{account.email_normalised}")
    gate.count()
    code = otp.new_code()
    account.email_code_sent_at = now
    account.email_code_digest = _digest(secret, account.id, now, code)
    account.email_code_attempts = 0
    await network.send_email(
        account.email,
        f"Your Bharat Connect e-mail code is {code}. It expires in 10 minutes; do not share it.",
    )
    return account


async def verify(uow: UnitOfWork, viewer: Viewer, *, code: str, secret: bytes,
                 now: datetime) -> Account:  # fmt: skip
    """Check the code: the address is proven (a repeat after that changes nothing)."""
    account = await _account(uow, viewer)
    if account.email_verified_at is not None:
        return account
    sent = account.email_code_sent_at
    if account.email_code_digest is None or sent is None:
        raise UserInputError.one(
            ErrorCode.OTP_NOT_REQUESTED, FIELD, "Ask for a code first (accountEmailCodeSend)."
        )
    if now - sent >= TTL:
        raise UserInputError.one(ErrorCode.OTP_EXPIRED, FIELD, "The code expired: ask again.")
    if account.email_code_attempts >= MAX_ATTEMPTS:
        raise UserInputError.one(
            ErrorCode.OTP_TOO_MANY_ATTEMPTS, FIELD, "Too many wrong codes: ask for a new one."
        )
    given = "".join(code.split())
    if not hmac.compare_digest(_digest(secret, account.id, sent, given),
                               account.email_code_digest):  # fmt: skip
        account.email_code_attempts += 1
        raise UserInputError.one(
            ErrorCode.OTP_INVALID, FIELD, "The code is wrong.", keep_changes=True
        )
    account.email_verified_at = now
    account.email_code_digest = None
    return account


def require_verified(account: Account, field: tuple[str, ...]) -> None:
    """Refuse (``EMAIL_NOT_VERIFIED``) until the account proved its address."""
    if account.email_verified_at is None:
        raise UserInputError.one(
            ErrorCode.EMAIL_NOT_VERIFIED, field,
            "Prove your e-mail address first: ask for a code (accountEmailCodeSend) and enter "
            "it (accountEmailVerify).",
        )  # fmt: skip
