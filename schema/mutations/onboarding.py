"""Onboarding: mutation fields."""

from __future__ import annotations

from typing import Annotated

import strawberry

from db.models import Onboarding as OnboardingModel
from resolvers import onboarding as onboarding_resolvers
from resolvers.context import Context
from resolvers.mutation import Outcome
from schema.errors import user_errors
from schema.onboarding import (
    B2BId,
    B2BIdCreateInput,
    B2BIdCreatePayload,
    OnboardingGstinOtpRequestInput,
    OnboardingMobileOtpRequestInput,
    OnboardingOtpVerifyInput,
    OnboardingPayload,
    OnboardingStartInput,
    OrganisationGstin,
    OrganisationGstinAddInput,
    OrganisationGstinAddPayload,
    OtpDelivery,
    OtpRequestPayload,
    onboarding_of,
)

Info = strawberry.Info[Context, None]


@strawberry.type
class OnboardingMutations:
    """Onboarding."""

    @strawberry.mutation(description="Add a GSTIN the organisation holds (owners and admins).")
    async def organisation_gstin_add(
        self,
        info: Info,
        input: Annotated[OrganisationGstinAddInput, strawberry.argument(description="The input.")],
    ) -> OrganisationGstinAddPayload:
        outcome = await onboarding_resolvers.add_gstin(
            info.context, organisation_id=input.organisation_id, gstin=input.gstin
        )
        return OrganisationGstinAddPayload(
            gstin=None if outcome.value is None else OrganisationGstin.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(
        description="Start the Bharat Connect setup, confirming you are authorised."
    )
    async def onboarding_start(
        self,
        info: Info,
        input: Annotated[OnboardingStartInput, strawberry.argument(description="The input.")],
    ) -> OnboardingPayload:
        outcome = await onboarding_resolvers.start(
            info.context, organisation_id=input.organisation_id, authorised=input.authorised
        )
        return await _onboarding_payload(info, outcome)

    @strawberry.mutation(
        description="Check a GSTIN with the GSTN portal; it sends an OTP to the registered contact."
    )
    async def onboarding_gstin_otp_request(
        self,
        info: Info,
        input: Annotated[
            OnboardingGstinOtpRequestInput, strawberry.argument(description="The input.")
        ],
    ) -> OtpRequestPayload:
        outcome = await onboarding_resolvers.request_gstin_otp(
            info.context, organisation_id=input.organisation_id, gstin=input.gstin,
            legal_name=input.legal_name, gstn_username=input.gstn_username,
            business_type=input.business_type.to_service(),
        )  # fmt: skip
        return OtpRequestPayload(
            otp=None if outcome.value is None else OtpDelivery.from_service(outcome.value),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(description="Verify the GSTIN with the OTP from the GSTN portal.")
    async def onboarding_gstin_verify(
        self,
        info: Info,
        input: Annotated[OnboardingOtpVerifyInput, strawberry.argument(description="The input.")],
    ) -> OnboardingPayload:
        outcome = await onboarding_resolvers.verify_gstin(
            info.context, organisation_id=input.organisation_id, code=input.otp
        )
        return await _onboarding_payload(info, outcome)

    @strawberry.mutation(description="Send an OTP by SMS to the mobile number to register.")
    async def onboarding_mobile_otp_request(
        self,
        info: Info,
        input: Annotated[
            OnboardingMobileOtpRequestInput, strawberry.argument(description="The input.")
        ],
    ) -> OtpRequestPayload:
        outcome = await onboarding_resolvers.request_mobile_otp(
            info.context, organisation_id=input.organisation_id, mobile=input.mobile
        )
        return OtpRequestPayload(
            otp=None if outcome.value is None else OtpDelivery.from_service(outcome.value),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(description="Verify the mobile number with its OTP.")
    async def onboarding_mobile_verify(
        self,
        info: Info,
        input: Annotated[OnboardingOtpVerifyInput, strawberry.argument(description="The input.")],
    ) -> OnboardingPayload:
        outcome = await onboarding_resolvers.verify_mobile(
            info.context, organisation_id=input.organisation_id, code=input.otp
        )
        return await _onboarding_payload(info, outcome)

    @strawberry.mutation(
        description=(
            "Create the B2B ID and submit it; the network approves or rejects it later. "
            "It can never be changed."
        )
    )
    async def b2b_id_create(
        self,
        info: Info,
        input: Annotated[B2BIdCreateInput, strawberry.argument(description="The input.")],
    ) -> B2BIdCreatePayload:
        outcome = await onboarding_resolvers.create_b2b_id(
            info.context, organisation_id=input.organisation_id, b2b_id=input.b2b_id,
            accept_terms=input.accept_terms, private=input.private,
            idempotency_key=input.idempotency_key,
        )  # fmt: skip
        return B2BIdCreatePayload(
            b2b_id=None if outcome.value is None else B2BId.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )


async def _onboarding_payload(info: Info, outcome: Outcome[OnboardingModel]) -> OnboardingPayload:
    if outcome.value is None:
        return OnboardingPayload(onboarding=None, user_errors=user_errors(outcome.errors))
    info.context.fresh_loaders()
    return OnboardingPayload(
        onboarding=await onboarding_of(info, outcome.value.organisation_id), user_errors=[]
    )
