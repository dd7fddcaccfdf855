"""What the parts of KYC share: the profile, and the rule that it is editable only after the
B2B ID is approved and while it is a draft or was rejected."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from db.models import B2BIdStatus, KycProfile, KycStatus, Onboarding
from db.repositories import onboarding as onboarding_repo
from db.unit_of_work import UnitOfWork
from resolvers.services.accounts import Viewer
from resolvers.services.errors import ErrorCode, UserError, UserInputError
from resolvers.services.onboarding import require_manager, require_started


async def editable(
    uow: UnitOfWork, viewer: Viewer, organisation_id: uuid.UUID
) -> tuple[Onboarding, KycProfile]:
    await require_manager(uow, viewer, organisation_id, ("input", "organisationId"))
    onboarding = await require_started(uow, organisation_id)
    approved = [
        b for b in await onboarding_repo.active_b2b_ids(uow.session, [organisation_id])
        if b.status == B2BIdStatus.APPROVED
    ]  # fmt: skip
    if not approved:
        raise UserInputError.one(
            ErrorCode.STEP_OUT_OF_ORDER,
            ("input", "organisationId"),
            "KYC comes after the network approves the B2B ID.",
        )
    profile = await profile_of(uow, organisation_id, for_update=True)
    if profile is None:
        profile = KycProfile(organisation_id=organisation_id, status=KycStatus.DRAFT)
        uow.session.add(profile)
        await uow.session.flush()
    if profile.status in {KycStatus.SUBMITTED, KycStatus.APPROVED}:
        raise UserInputError.one(
            ErrorCode.ALREADY_DONE,
            ("input", "organisationId"),
            f"KYC is {profile.status.value.lower()}.",
        )
    return onboarding, profile


async def profile_of(
    uow: UnitOfWork, organisation_id: uuid.UUID, *, for_update: bool = False
) -> KycProfile | None:
    """The organisation's KYC profile, if any."""
    stmt = select(KycProfile).where(KycProfile.organisation_id == organisation_id)
    if for_update:
        stmt = stmt.with_for_update()
    return await uow.session.scalar(stmt)


def text_field(
    value: str, field: tuple[str, ...], errors: list[UserError], limit: int = 200
) -> str:
    clean = " ".join(value.split())
    if not clean:
        errors.append(UserError(ErrorCode.REQUIRED, field, "This is required."))
    elif len(clean) > limit:
        errors.append(UserError(ErrorCode.TOO_LONG, field, f"At most {limit} characters."))
    return clean


def checked(check: object, value: str, field: tuple[str, ...], errors: list[UserError]) -> str:
    """``check(value)``, or the error it raises noted against ``field``."""
    try:
        result = check(value)  # type: ignore[operator]
    except ValueError as exc:
        errors.append(UserError(ErrorCode.INVALID, field, str(exc)))
        return ""
    return str(result)
