"""Bharat Connect onboarding (DOMAIN.md section 2): authorisation, GSTIN and mobile
verification by OTP, and the B2B ID, which the network approves or rejects later.

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
from db.base import new_id
from db.models import (
    B2BId,
    B2BIdStatus,
    MembershipRole,
    Onboarding,
    OrganisationGstin,
    OtpChallenge,
    OtpPurpose,
)
from db.repositories import event as event_repo
from db.repositories import onboarding as repo
from db.repositories import organisation as organisation_repo
from db.repositories import outbox as outbox_repo
from db.unit_of_work import UnitOfWork
from resolvers.services import access, idempotency, otp
from resolvers.services.accounts import Viewer
from resolvers.services.errors import ErrorCode, PermissionDeniedError, UserInputError

ONBOARDING_STARTED = "ONBOARDING_STARTED"
GSTIN_VERIFIED = "GSTIN_VERIFIED"
MOBILE_VERIFIED = "MOBILE_VERIFIED"
B2B_ID_SUBMITTED = "B2B_ID_SUBMITTED"
B2B_ID_APPROVED = "B2B_ID_APPROVED"
B2B_ID_REJECTED = "B2B_ID_REJECTED"
GSTIN_ADDED = "GSTIN_ADDED"

REGISTER_KIND = "b2b_id.register"
POLL_KIND = "b2b_id.poll"


@dataclass(frozen=True)
class OtpSent:
    """Where an OTP went and until when it works."""

    sent_to: str
    expires_at: datetime


def _request_id(prefix: str) -> str:
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


def _network_down(field: tuple[str, ...]) -> UserInputError:
    return UserInputError.one(
        ErrorCode.NETWORK_UNAVAILABLE,
        field,
        "The network did not answer; nothing changed. Try again.",
    )


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
        raise _network_down(("input", "gstin")) from None
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
        raise _network_down(("input", "gstin")) from None
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
        raise _network_down(("input", "mobile")) from None
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


async def create_b2b_id(
    uow: UnitOfWork,
    viewer: Viewer,
    network: Network,
    *,
    now: datetime,
    organisation_id: uuid.UUID,
    b2b_id: str,
    accept_terms: bool,
    private: bool,
    idempotency_key: str | None,
) -> B2BId:
    """Create the organisation's B2B ID and submit it to the network (after commit)."""
    await require_manager(uow, viewer, organisation_id, ("input", "organisationId"))
    key = idempotency.check_key(idempotency_key, ("input", "idempotencyKey"))
    onboarding = await require_started(uow, organisation_id)
    if (
        onboarding.mobile_verified_at is None
        or onboarding.gstin is None
        or onboarding.legal_name is None
    ):
        raise UserInputError.one(
            ErrorCode.STEP_OUT_OF_ORDER,
            ("input", "b2bId"),
            "Verify the GSTIN and the mobile number first.",
        )
    record_id = new_id()
    earlier = await idempotency.claim(
        uow, scope=f"organisation:{organisation_id}", operation="b2bIdCreate", key=key,
        payload={"b2bId": b2b_id.strip().lower(), "private": private, "acceptTerms": accept_terms},
        new_id=record_id, field=("input", "idempotencyKey"),
    )  # fmt: skip
    if earlier is not None:
        found = [
            b for b in await repo.latest_b2b_ids(uow.session, [organisation_id]) if b.id == earlier
        ]
        if found:
            return found[0]
    if not accept_terms:
        raise UserInputError.one(
            ErrorCode.TERMS_NOT_ACCEPTED,
            ("input", "acceptTerms"),
            "Accept the terms and conditions.",
        )
    current = await repo.active_b2b_ids(uow.session, [organisation_id])
    if current:
        raise UserInputError.one(
            ErrorCode.B2B_ID_IMMUTABLE,
            ("input", "b2bId"),
            f"This organisation's B2B ID is {current[0].value}; once created it cannot be changed.",
        )
    try:
        value = identifiers.check_b2b_id(b2b_id, onboarding.legal_name, onboarding.gstin)
    except ValueError as exc:
        raise UserInputError.one(ErrorCode.INVALID, ("input", "b2bId"), str(exc)) from None
    taken = UserInputError.one(
        ErrorCode.TAKEN, ("input", "b2bId"), "This B2B ID is taken; choose another."
    )
    if await repo.b2b_id_taken_locally(uow.session, value):
        raise taken
    try:
        if not await network.b2b_id_available(value):
            raise taken
    except (NetworkTimeoutError, NetworkUnavailableError):
        raise _network_down(("input", "b2bId")) from None
    record = B2BId(
        id=record_id, organisation_id=organisation_id, gstin=onboarding.gstin, value=value,
        private=private, status=B2BIdStatus.SUBMITTING, request_id=_request_id("BID"),
        created_by_account_id=viewer.account_id, terms_accepted_at=now,
    )  # fmt: skip
    uow.session.add(record)
    await uow.session.flush()
    await outbox_repo.add(
        uow.session, organisation_id=organisation_id, kind=REGISTER_KIND,
        payload={"b2bIdId": str(record.id)}, due=now,
    )  # fmt: skip
    await event_repo.append(
        uow,
        organisation_id=organisation_id,
        kind=B2B_ID_SUBMITTED,
        actor_account_id=viewer.account_id,
        data={"b2bId": value},
    )
    return record


async def decide_b2b_id(
    uow: UnitOfWork, record: B2BId, *, approved: bool, reason: str | None, now: datetime
) -> bool:
    """Apply the network's decision once; ``False`` if it was applied already."""
    if record.status in {B2BIdStatus.APPROVED, B2BIdStatus.REJECTED}:
        return False
    record.status = B2BIdStatus.APPROVED if approved else B2BIdStatus.REJECTED
    record.reason = None if approved else (reason or "Rejected by the network.")
    record.decided_at = now
    await event_repo.append(
        uow, organisation_id=record.organisation_id,
        kind=B2B_ID_APPROVED if approved else B2B_ID_REJECTED,
        data={"b2bId": record.value, **({"reason": record.reason} if record.reason else {})},
    )  # fmt: skip
    return True
