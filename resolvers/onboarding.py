"""Resolvers for onboarding: GSTINs, setup steps, OTPs and the B2B ID."""

from __future__ import annotations

import uuid

from contract import identifiers
from db.models import B2BId, Onboarding, OrganisationGstin, OtpPurpose
from db.repositories import onboarding as repo
from resolvers import mutation, network_calls
from resolvers.context import Context
from resolvers.mutation import Outcome
from resolvers.services import b2b_ids as b2b_id_service
from resolvers.services import onboarding
from resolvers.services.onboarding import OtpSent

ORG = ("input", "organisationId")


async def add_gstin(
    context: Context, *, organisation_id: str, gstin: str
) -> Outcome[OrganisationGstin]:
    """Record a GSTIN the organisation holds."""
    return await mutation.run_on(
        context, organisation_id, "Organisation", ORG,
        lambda uow, viewer, key: onboarding.add_gstin(
            uow, viewer, organisation_id=key, gstin=gstin
        ),
    )  # fmt: skip


async def start(context: Context, *, organisation_id: str, authorised: bool) -> Outcome[Onboarding]:
    """Start the setup."""
    app = context.app
    return await mutation.run_on(
        context, organisation_id, "Organisation", ORG,
        lambda uow, viewer, key: onboarding.start(
            uow, viewer, organisation_id=key, authorised=authorised, now=app.now()
        ),
    )  # fmt: skip


async def request_gstin_otp(
    context: Context,
    *,
    organisation_id: str,
    gstin: str,
    legal_name: str,
    gstn_username: str,
    business_type: identifiers.BusinessType,
) -> Outcome[OtpSent]:
    """Ask the GSTN portal to send an OTP (the portal is asked outside any transaction; the
    OTP goes out after the commit)."""
    app = context.app
    return await network_calls.run_on(
        context, organisation_id, "Organisation", ORG,
        lambda uow, viewer, key, network: onboarding.request_gstin_otp(
            uow, viewer, network, secret=app.secret, now=app.now(), organisation_id=key,
            gstin=gstin, legal_name=legal_name, gstn_username=gstn_username,
            business_type=business_type,
        ),
        undo=lambda uow, key: onboarding.withdraw_otp(uow, key, OtpPurpose.GSTIN),
        unavailable_field=("input", "gstin"),
    )  # fmt: skip


async def verify_gstin(context: Context, *, organisation_id: str, code: str) -> Outcome[Onboarding]:
    """Verify the GSTIN OTP."""
    app = context.app
    return await mutation.run_on(
        context, organisation_id, "Organisation", ORG,
        lambda uow, viewer, key: onboarding.verify_gstin_otp(
            uow, viewer, secret=app.secret, now=app.now(), organisation_id=key, code=code
        ),
    )  # fmt: skip


async def request_mobile_otp(
    context: Context, *, organisation_id: str, mobile: str
) -> Outcome[OtpSent]:
    """Send an OTP to the mobile number (after the commit)."""
    app = context.app
    return await network_calls.run_on(
        context, organisation_id, "Organisation", ORG,
        lambda uow, viewer, key, network: onboarding.request_mobile_otp(
            uow, viewer, network, secret=app.secret, now=app.now(), organisation_id=key,
            mobile=mobile,
        ),
        undo=lambda uow, key: onboarding.withdraw_otp(uow, key, OtpPurpose.MOBILE),
        unavailable_field=("input", "mobile"),
    )  # fmt: skip


async def verify_mobile(
    context: Context, *, organisation_id: str, code: str
) -> Outcome[Onboarding]:
    """Verify the mobile OTP."""
    app = context.app
    return await mutation.run_on(
        context, organisation_id, "Organisation", ORG,
        lambda uow, viewer, key: onboarding.verify_mobile_otp(
            uow, viewer, secret=app.secret, now=app.now(), organisation_id=key, code=code
        ),
    )  # fmt: skip


async def create_b2b_id(
    context: Context,
    *,
    organisation_id: str,
    b2b_id: str,
    accept_terms: bool,
    private: bool,
    idempotency_key: str | None,
) -> Outcome[B2BId]:
    """Create the B2B ID and submit it to the network (availability is asked outside any
    transaction; the submission goes through the outbox)."""
    app = context.app
    return await network_calls.run_on(
        context, organisation_id, "Organisation", ORG,
        lambda uow, viewer, key, network: b2b_id_service.create_b2b_id(
            uow, viewer, network, now=app.now(), organisation_id=key, b2b_id=b2b_id,
            accept_terms=accept_terms, private=private, idempotency_key=idempotency_key,
        ),
        unavailable_field=("input", "b2bId"),
    )  # fmt: skip


async def of_organisation(context: Context, organisation_id: uuid.UUID) -> Onboarding | None:
    """The onboarding of one of the viewer's organisations."""
    viewer = await context.require_viewer()
    return await context.loaders(viewer).onboarding_by_organisation_id.load(organisation_id)


async def gstins(context: Context, organisation_id: uuid.UUID) -> list[OrganisationGstin]:
    """The organisation's GSTINs."""
    viewer = await context.require_viewer()
    return await context.loaders(viewer).gstins_by_organisation_id.load(organisation_id)


async def b2b_ids(context: Context, organisation_id: uuid.UUID) -> list[B2BId]:
    """The organisation's B2B IDs, newest first."""
    viewer = await context.require_viewer()
    return await context.loaders(viewer).b2b_ids_by_organisation_id.load(organisation_id)


async def kyc_status(context: Context, organisation_id: uuid.UUID) -> str | None:
    """The KYC status of one of the viewer's organisations (``None`` before any KYC)."""
    viewer = await context.require_viewer()
    profile = await context.loaders(viewer).kyc_profile_by_organisation_id.load(organisation_id)
    return None if profile is None else profile.status.value


async def b2b_id_by_id(context: Context, b2b_id: uuid.UUID) -> B2BId | None:
    """A B2B ID of one of the viewer's organisations (for ``node``)."""
    viewer = await context.require_viewer()
    async with context.app.db.read() as session:
        return await repo.b2b_id_visible(session, viewer.account_id, b2b_id)
