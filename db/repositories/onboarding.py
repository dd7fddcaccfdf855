"""Queries on onboarding, GSTINs, OTP challenges, B2B IDs and network access."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    B2BId,
    B2BIdStatus,
    KycProfile,
    Membership,
    Onboarding,
    OrganisationGstin,
    OtpChallenge,
    OtpPurpose,
)


async def gstins(session: AsyncSession, organisation_id: uuid.UUID) -> list[OrganisationGstin]:
    """The organisation's GSTINs, oldest first."""
    stmt = (
        select(OrganisationGstin)
        .where(OrganisationGstin.organisation_id == organisation_id)
        .order_by(OrganisationGstin.id)
    )
    return list((await session.scalars(stmt)).all())


async def gstins_for(
    session: AsyncSession, organisation_ids: Sequence[uuid.UUID]
) -> list[OrganisationGstin]:
    """GSTINs of several organisations (for a DataLoader)."""
    if not organisation_ids:
        return []
    stmt = (
        select(OrganisationGstin)
        .where(OrganisationGstin.organisation_id.in_(organisation_ids))
        .order_by(OrganisationGstin.id)
    )
    return list((await session.scalars(stmt)).all())


async def onboarding(
    session: AsyncSession, organisation_id: uuid.UUID, *, for_update: bool = False
) -> Onboarding | None:
    """The organisation's onboarding, if started."""
    stmt = select(Onboarding).where(Onboarding.organisation_id == organisation_id)
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def onboardings_for(
    session: AsyncSession, organisation_ids: Sequence[uuid.UUID]
) -> list[Onboarding]:
    """Onboardings of several organisations (for a DataLoader)."""
    if not organisation_ids:
        return []
    stmt = select(Onboarding).where(Onboarding.organisation_id.in_(organisation_ids))
    return list((await session.scalars(stmt)).all())


async def latest_challenge(
    session: AsyncSession, organisation_id: uuid.UUID, purpose: OtpPurpose, *, for_update: bool
) -> OtpChallenge | None:
    """The newest OTP challenge of this purpose (locked, when asked, on PostgreSQL)."""
    stmt = (
        select(OtpChallenge)
        .where(OtpChallenge.organisation_id == organisation_id, OtpChallenge.purpose == purpose)
        .order_by(OtpChallenge.created_at.desc(), OtpChallenge.id.desc())
        .limit(1)
    )
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def live_challenges_to(
    session: AsyncSession, purpose: OtpPurpose, target: str, now: datetime, *, for_update: bool
) -> list[OtpChallenge]:
    """Unused, unexpired challenges to one destination, whichever organisation asked."""
    stmt = select(OtpChallenge).where(
        OtpChallenge.purpose == purpose,
        OtpChallenge.target == target,
        OtpChallenge.consumed_at.is_(None),
        OtpChallenge.expires_at > now,
    )
    if for_update:
        stmt = stmt.with_for_update()
    return list((await session.scalars(stmt)).all())


async def consume_challenge_if_fresh(
    session: AsyncSession, challenge_id: uuid.UUID, attempts: int, now: object
) -> bool:
    """Mark a challenge used, only if nobody else did meanwhile (compare-and-set)."""
    result = await session.execute(
        update(OtpChallenge)
        .where(
            OtpChallenge.id == challenge_id,
            OtpChallenge.consumed_at.is_(None),
            OtpChallenge.attempts == attempts,
        )
        .values(consumed_at=now)
        .returning(OtpChallenge.id)
    )
    return result.first() is not None


async def count_failed_try(session: AsyncSession, challenge_id: uuid.UUID) -> int:
    """Count a wrong try atomically; returns the new count."""
    result = await session.execute(
        update(OtpChallenge)
        .where(OtpChallenge.id == challenge_id)
        .values(attempts=OtpChallenge.attempts + 1)
        .returning(OtpChallenge.attempts)
    )
    return int(result.scalar_one())


async def active_b2b_ids(
    session: AsyncSession, organisation_ids: Sequence[uuid.UUID]
) -> list[B2BId]:
    """Organisations' B2B IDs that are not rejected, newest first."""
    if not organisation_ids:
        return []
    stmt = (
        select(B2BId)
        .where(B2BId.organisation_id.in_(organisation_ids), B2BId.status != B2BIdStatus.REJECTED)
        .order_by(B2BId.id.desc())
    )
    return list((await session.scalars(stmt)).all())


async def latest_b2b_ids(
    session: AsyncSession, organisation_ids: Sequence[uuid.UUID]
) -> list[B2BId]:
    """Every B2B ID of the organisations, newest first."""
    if not organisation_ids:
        return []
    stmt = (
        select(B2BId).where(B2BId.organisation_id.in_(organisation_ids)).order_by(B2BId.id.desc())
    )
    return list((await session.scalars(stmt)).all())


async def b2b_id_by_request(
    session: AsyncSession, request_id: str, *, for_update: bool = False
) -> B2BId | None:
    """The B2B ID registered under a network request id."""
    stmt = select(B2BId).where(B2BId.request_id == request_id)
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def b2b_id_taken_locally(session: AsyncSession, value: str) -> bool:
    """Whether one of our organisations holds (or waits for) this B2B ID."""
    found = await session.scalar(
        select(B2BId.id).where(B2BId.value == value, B2BId.status != B2BIdStatus.REJECTED).limit(1)
    )
    return found is not None


async def b2b_id_visible(
    session: AsyncSession, viewer_id: uuid.UUID, b2b_id: uuid.UUID
) -> B2BId | None:
    """A B2B ID of one of the viewer's organisations."""
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer_id)
    return await session.scalar(
        select(B2BId).where(B2BId.id == b2b_id, B2BId.organisation_id.in_(mine))
    )


async def visible_onboardings(
    session: AsyncSession, viewer_id: uuid.UUID, organisation_ids: Sequence[uuid.UUID]
) -> list[Onboarding]:
    """Onboardings of the viewer's organisations among ``organisation_ids``."""
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer_id)
    stmt = select(Onboarding).where(
        Onboarding.organisation_id.in_(organisation_ids), Onboarding.organisation_id.in_(mine)
    )
    return list((await session.scalars(stmt)).all())


async def visible_gstins(
    session: AsyncSession, viewer_id: uuid.UUID, organisation_ids: Sequence[uuid.UUID]
) -> list[OrganisationGstin]:
    """GSTINs of the viewer's organisations among ``organisation_ids``."""
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer_id)
    stmt = (
        select(OrganisationGstin)
        .where(
            OrganisationGstin.organisation_id.in_(organisation_ids),
            OrganisationGstin.organisation_id.in_(mine),
        )
        .order_by(OrganisationGstin.id)
    )
    return list((await session.scalars(stmt)).all())


async def visible_b2b_ids(
    session: AsyncSession, viewer_id: uuid.UUID, organisation_ids: Sequence[uuid.UUID]
) -> list[B2BId]:
    """B2B IDs of the viewer's organisations among ``organisation_ids``, newest first."""
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer_id)
    stmt = (
        select(B2BId)
        .where(B2BId.organisation_id.in_(organisation_ids), B2BId.organisation_id.in_(mine))
        .order_by(B2BId.id.desc())
    )
    return list((await session.scalars(stmt)).all())


async def kyc_by_request(session: AsyncSession, request_id: str) -> KycProfile | None:
    """The KYC profile submitted under a network request id (locked for the decision)."""
    return await session.scalar(
        select(KycProfile).where(KycProfile.request_id == request_id).with_for_update()
    )


async def visible_kyc_profiles(
    session: AsyncSession, viewer_id: uuid.UUID, organisation_ids: Sequence[uuid.UUID]
) -> list[KycProfile]:
    """KYC profiles of the viewer's organisations among ``organisation_ids``."""
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer_id)
    stmt = select(KycProfile).where(
        KycProfile.organisation_id.in_(organisation_ids), KycProfile.organisation_id.in_(mine)
    )
    return list((await session.scalars(stmt)).all())


async def approved_b2b_ids_with_names(session: AsyncSession) -> list[tuple[B2BId, str]]:
    """Every approved B2B ID of every organisation, with the organisation's legal name."""
    stmt = (
        select(B2BId, Onboarding.legal_name)
        .join(Onboarding, Onboarding.organisation_id == B2BId.organisation_id)
        .where(B2BId.status == B2BIdStatus.APPROVED)
    )
    return [(row[0], row[1] or "") for row in (await session.execute(stmt)).all()]


async def approved_b2b_id_holder(session: AsyncSession, value: str) -> B2BId | None:
    """The approved B2B ID ``value`` (compared case-insensitively), if one of ours holds it."""
    return await session.scalar(
        select(B2BId)
        .where(func.lower(B2BId.value) == value.lower(), B2BId.status == B2BIdStatus.APPROVED)
        .limit(1)
    )
