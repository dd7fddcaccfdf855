"""Bharat Connect onboarding (DOMAIN.md section 2): authorisation, GSTIN and mobile
verification by OTP; the B2B ID, which the network approves or rejects later, is
:mod:`resolvers.services.b2b_ids`.

Owners and admins run onboarding. Steps go in order; each refuses with ``STEP_OUT_OF_ORDER``
when an earlier one is missing. A created B2B ID can never be changed.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from contract import identifiers
from contract.errors import NetworkRefusedError, NetworkTimeoutError, NetworkUnavailableError
from contract.port import Network
from db.models import (
    MembershipRole,
    Onboarding,
    OrganisationGstin,
    OtpChallenge,
    OtpPurpose,
)
from db.repositories import event as event_repo
from db.repositories import onboarding as repo
from db.repositories import organisation as organisation_repo
from db.unit_of_work import UnitOfWork
from resolvers.services import access, otp
from resolvers.services.accounts import Viewer
from resolvers.services.errors import (
    ErrorCode,
    PermissionDeniedError,
    UserInputError,
    network_down,
)

ONBOARDING_STARTED = "ONBOARDING_STARTED"
GSTIN_VERIFIED = "GSTIN_VERIFIED"
MOBILE_VERIFIED = "MOBILE_VERIFIED"
GSTIN_ADDED = "GSTIN_ADDED"


@dataclass(frozen=True)
class OtpSent:
    """Where an OTP went and until when it works."""

    sent_to: str
    expires_at: datetime


def request_id(prefix: str) -> str:
    """A fresh id for a request to the network."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return prefix + "".join(secrets.choice(alphabet) for _ in range(32))


async def require_manager(
    uow: UnitOfWork, viewer: Viewer, organisation_id: uuid.UUID, field: tuple[str, ...]
) -> None:
    found = await organisation_repo.lock_for_viewer(uow.session, viewer.account_id, organisation_id)
    if found is None:
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such organisation.")
    if found[1].role == MembershipRole.STAFF:
        raise PermissionDeniedError("Only owners and admins can set up Bharat Connect.")
    if not access.has_network_access(found[1]):
        raise PermissionDeniedError("You need Bharat Connect access: ask an owner to grant it.")


async def require_started(uow: UnitOfWork, organisation_id: uuid.UUID) -> Onboarding:
    onboarding = await repo.onboarding(uow.session, organisation_id, for_update=True)
    if onboarding is None:
        raise UserInputError.one(
            ErrorCode.STEP_OUT_OF_ORDER,
            ("input", "organisationId"),
            "Start the setup first, confirming you are authorised to act for the business.",
        )
    return onboarding


async def add_gstin(
    uow: UnitOfWork, viewer: Viewer, *, organisation_id: uuid.UUID, gstin: str
) -> OrganisationGstin:
    """Record a GSTIN the organisation holds."""
    await require_manager(uow, viewer, organisation_id, ("input", "organisationId"))
    field = ("input", "gstin")
    try:
        value = identifiers.check_gstin(gstin)
    except ValueError as exc:
        raise UserInputError.one(ErrorCode.INVALID, field, str(exc)) from None
    if any(g.gstin == value for g in await repo.gstins(uow.session, organisation_id)):
        raise UserInputError.one(ErrorCode.TAKEN, field, "The organisation has this GSTIN already.")
    record = OrganisationGstin(organisation_id=organisation_id, gstin=value)
    uow.session.add(record)
    await uow.session.flush()
    await event_repo.append(
        uow,
        organisation_id=organisation_id,
        kind=GSTIN_ADDED,
        actor_account_id=viewer.account_id,
        data={"gstin": value},
    )
    return record


async def start(
    uow: UnitOfWork, viewer: Viewer, *, organisation_id: uuid.UUID, authorised: bool, now: datetime
) -> Onboarding:
    """Start the setup; the viewer confirms being the owner or authorised to act."""
    await require_manager(uow, viewer, organisation_id, ("input", "organisationId"))
    if not authorised:
        raise UserInputError.one(
            ErrorCode.REQUIRED,
            ("input", "authorised"),
            "Confirm that you own the business or are authorised to set up Bharat Connect for it.",
        )
    existing = await repo.onboarding(uow.session, organisation_id)
    if existing is not None:
        return existing
    onboarding = Onboarding(
        organisation_id=organisation_id,
        authorised_by_account_id=viewer.account_id,
        authorised_at=now,
    )
    uow.session.add(onboarding)
    await uow.session.flush()
    await event_repo.append(
        uow,
        organisation_id=organisation_id,
        kind=ONBOARDING_STARTED,
        actor_account_id=viewer.account_id,
    )
    return onboarding


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


async def request_gstin_otp(
    uow: UnitOfWork,
    viewer: Viewer,
    network: Network,
    *,
    secret: bytes,
    now: datetime,
    organisation_id: uuid.UUID,
    gstin: str,
    legal_name: str,
    gstn_username: str,
    business_type: identifiers.BusinessType,
) -> OtpSent:
    """Check the GSTIN with the GSTN portal and have it send an OTP to the registered contact."""
    await require_manager(uow, viewer, organisation_id, ("input", "organisationId"))
    onboarding = await require_started(uow, organisation_id)
    if onboarding.gstin_verified_at is not None:
        raise UserInputError.one(
            ErrorCode.ALREADY_DONE,
            ("input", "gstin"),
            f"GSTIN {onboarding.gstin} is verified already.",
        )
    try:
        value = identifiers.check_gstin(gstin)
    except ValueError as exc:
        raise UserInputError.one(ErrorCode.INVALID, ("input", "gstin"), str(exc)) from None
    if not any(g.gstin == value for g in await repo.gstins(uow.session, organisation_id)):
        raise UserInputError.one(
            ErrorCode.GSTIN_NOT_HELD,
            ("input", "gstin"),
            "Add this GSTIN to the organisation first.",
        )
    if not identifiers.pan_fits_business_type(value[2:12], business_type):
        holder = identifiers.PAN_HOLDER_TYPES[value[5]]
        raise UserInputError.one(
            ErrorCode.PAN_MISMATCH,
            ("input", "businessType"),
            f"The GSTIN's PAN belongs to a holder of type '{holder}', which does not fit "
            f"{business_type.value.replace('_', ' ').lower()}.",
        )
    name = " ".join(legal_name.split())
    username = gstn_username.strip()
    if not name or not username:
        raise UserInputError.one(
            ErrorCode.REQUIRED,
            ("input", "legalName" if not name else "gstnUsername"),
            "Enter the legal business name and the GSTN username.",
        )
    try:
        taxpayer = await network.gstn_taxpayer(value, username)
    except NetworkRefusedError as exc:
        if exc.reason == "API_ACCESS_DISABLED":
            raise UserInputError.one(
                ErrorCode.GSTN_API_ACCESS_DISABLED,
                ("input", "gstin"),
                "API access is not enabled for this GSTIN: enable it on the GSTN portal "
                "(My Profile → Manage API Access), then try again.",
            ) from None
        field = (
            ("input", "gstnUsername") if exc.reason == "USERNAME_MISMATCH" else ("input", "gstin")
        )
        raise UserInputError.one(ErrorCode.GSTN_REFUSED, field, exc.message) from None
    except (NetworkTimeoutError, NetworkUnavailableError):
        raise network_down(("input", "gstin")) from None
    if taxpayer.status != "ACTIVE":
        raise UserInputError.one(
            ErrorCode.GSTIN_INACTIVE,
            ("input", "gstin"),
            f"The GSTN portal shows this GSTIN as {taxpayer.status.lower()}: only an active "
            "registration can join Bharat Connect.",
        )
    if not _same_name(taxpayer.legal_name, name):
        raise UserInputError.one(
            ErrorCode.LEGAL_NAME_MISMATCH,
            ("input", "legalName"),
            "The legal name differs from the one registered with GSTN for this GSTIN.",
        )
    challenge, code = await otp.issue(
        uow, secret=secret, now=now, organisation_id=organisation_id, purpose=OtpPurpose.GSTIN,
        target=value, sent_to=taxpayer.contact_masked, field=("input", "gstin"),
        account_id=viewer.account_id, address=viewer.client_address,
        details={"legalName": taxpayer.legal_name, "gstnUsername": username,
                 "businessType": business_type.value},
    )  # fmt: skip
    # The runner sends the OTP after the commit; if delivery fails, it withdraws the challenge
    # (``withdraw_otp``), so no challenge and no resend cooldown is left behind.
    try:
        await network.gstn_send_otp(value, _otp_text(code, "verify your GSTIN"))
    except (NetworkTimeoutError, NetworkUnavailableError, NetworkRefusedError):
        raise network_down(("input", "gstin")) from None
    return OtpSent(challenge.sent_to, challenge.expires_at)


async def withdraw_otp(uow: UnitOfWork, organisation_id: uuid.UUID, purpose: OtpPurpose) -> None:
    """Withdraw the organisation's newest OTP of ``purpose`` (it could not be delivered)."""
    challenge = await repo.latest_challenge(uow.session, organisation_id, purpose, for_update=True)
    if challenge is not None and challenge.consumed_at is None:
        await uow.session.delete(challenge)


def _otp_text(code: str, purpose: str) -> str:
    return f"{code} is your OTP to {purpose} for Bharat Connect. It expires in 10 minutes."


async def _answer_otp(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    secret: bytes,
    now: datetime,
    organisation_id: uuid.UUID,
    code: str,
    purpose: OtpPurpose,
    done: Callable[[Onboarding], bool],
    done_message: str,
) -> tuple[Onboarding, OtpChallenge]:
    """The started onboarding and the challenge ``code`` answers (used up), for a step that
    is not done yet."""
    await require_manager(uow, viewer, organisation_id, ("input", "organisationId"))
    onboarding = await require_started(uow, organisation_id)
    if done(onboarding):
        raise UserInputError.one(ErrorCode.ALREADY_DONE, ("input", "otp"), done_message)
    challenge = await otp.verify(
        uow, secret=secret, now=now, organisation_id=organisation_id,
        purpose=purpose, code=code, field=("input", "otp"),
    )  # fmt: skip
    return onboarding, challenge


async def verify_gstin_otp(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    secret: bytes,
    now: datetime,
    organisation_id: uuid.UUID,
    code: str,
) -> Onboarding:
    """Verify the GSTIN with the OTP the GSTN portal sent."""
    onboarding, challenge = await _answer_otp(
        uow, viewer, secret=secret, now=now, organisation_id=organisation_id, code=code,
        purpose=OtpPurpose.GSTIN, done=lambda o: o.gstin_verified_at is not None,
        done_message="The GSTIN is verified already.",
    )  # fmt: skip
    onboarding.gstin = challenge.target
    onboarding.legal_name = str(challenge.details["legalName"])
    onboarding.gstn_username = str(challenge.details["gstnUsername"])
    onboarding.business_type = str(challenge.details["businessType"])
    onboarding.gstin_verified_at = now
    await event_repo.append(
        uow,
        organisation_id=organisation_id,
        kind=GSTIN_VERIFIED,
        actor_account_id=viewer.account_id,
        data={"gstin": challenge.target},
    )
    return onboarding


async def request_mobile_otp(
    uow: UnitOfWork,
    viewer: Viewer,
    network: Network,
    *,
    secret: bytes,
    now: datetime,
    organisation_id: uuid.UUID,
    mobile: str,
) -> OtpSent:
    """Send an OTP by SMS to the mobile number to register on the network."""
    await require_manager(uow, viewer, organisation_id, ("input", "organisationId"))
    onboarding = await require_started(uow, organisation_id)
    if onboarding.gstin_verified_at is None:
        raise UserInputError.one(
            ErrorCode.STEP_OUT_OF_ORDER, ("input", "mobile"), "Verify the GSTIN first."
        )
    if onboarding.mobile_verified_at is not None:
        raise UserInputError.one(
            ErrorCode.ALREADY_DONE, ("input", "mobile"), "The mobile number is verified already."
        )
    try:
        number = identifiers.check_mobile(mobile)
    except ValueError as exc:
        raise UserInputError.one(ErrorCode.INVALID, ("input", "mobile"), str(exc)) from None
    challenge, code = await otp.issue(
        uow, secret=secret, now=now, organisation_id=organisation_id, purpose=OtpPurpose.MOBILE,
        target=number, details={}, sent_to=identifiers.mask_mobile(number),
        field=("input", "mobile"), account_id=viewer.account_id, address=viewer.client_address,
    )  # fmt: skip
    try:
        await network.send_sms(number, _otp_text(code, "verify your mobile number"))
    except (NetworkTimeoutError, NetworkUnavailableError, NetworkRefusedError):
        raise network_down(("input", "mobile")) from None
    return OtpSent(challenge.sent_to, challenge.expires_at)


async def verify_mobile_otp(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    secret: bytes,
    now: datetime,
    organisation_id: uuid.UUID,
    code: str,
) -> Onboarding:
    """Verify the mobile number."""
    onboarding, challenge = await _answer_otp(
        uow, viewer, secret=secret, now=now, organisation_id=organisation_id, code=code,
        purpose=OtpPurpose.MOBILE, done=lambda o: o.mobile_verified_at is not None,
        done_message="The mobile number is verified already.",
    )  # fmt: skip
    onboarding.mobile = challenge.target
    onboarding.mobile_verified_at = now
    await event_repo.append(
        uow,
        organisation_id=organisation_id,
        kind=MOBILE_VERIFIED,
        actor_account_id=viewer.account_id,
    )
    return onboarding
