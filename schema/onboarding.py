"""Onboarding to Bharat Connect: GSTINs, the setup steps, OTPs and B2B IDs."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import strawberry

from contract import identifiers
from db.models import B2BId as B2BIdModel
from db.models import B2BIdStatus as StoredB2BIdStatus
from db.models import Onboarding as OnboardingModel
from db.models import OrganisationGstin as GstinModel
from resolvers import account as account_resolvers
from resolvers import onboarding as resolvers
from resolvers.context import Context
from resolvers.services.ids import encode_id
from resolvers.services.onboarding import OtpSent
from schema.account import Account
from schema.errors import UserError
from schema.kyc import Kyc, kyc_of
from schema.relay import Node

Info = strawberry.Info[Context, None]


@strawberry.enum(description="Kinds of business; the GSTIN's PAN holder type must fit.")
class BusinessType(enum.Enum):
    """Business types."""

    PROPRIETORSHIP = strawberry.enum_value(
        "PROPRIETORSHIP", description="Sole proprietorship (PAN type P)."
    )
    PARTNERSHIP = strawberry.enum_value("PARTNERSHIP", description="Partnership firm (PAN type F).")
    LLP = strawberry.enum_value("LLP", description="Limited liability partnership (PAN type F).")
    PRIVATE_LIMITED = strawberry.enum_value(
        "PRIVATE_LIMITED", description="Private limited company (PAN type C)."
    )
    PUBLIC_LIMITED = strawberry.enum_value(
        "PUBLIC_LIMITED", description="Public limited company (PAN type C)."
    )
    HUF = strawberry.enum_value("HUF", description="Hindu undivided family (PAN type H).")
    TRUST = strawberry.enum_value("TRUST", description="Trust (PAN type T).")
    SOCIETY = strawberry.enum_value(
        "SOCIETY", description="Society or association (PAN type A, B or J)."
    )
    GOVERNMENT = strawberry.enum_value(
        "GOVERNMENT", description="Government body or local authority (PAN type G or L)."
    )

    def to_service(self) -> identifiers.BusinessType:
        """The service's value."""
        return identifiers.BusinessType[self.name]


@strawberry.enum(description="Where a setup step stands.")
class StepState(enum.Enum):
    """Step states."""

    NOT_STARTED = strawberry.enum_value("NOT_STARTED", description="Not begun.")
    IN_REVIEW = strawberry.enum_value(
        "IN_REVIEW", description="Submitted; the network decides later."
    )
    DONE = strawberry.enum_value("DONE", description="Complete.")
    REJECTED = strawberry.enum_value(
        "REJECTED", description="Refused; see the reason and try again."
    )


@strawberry.enum(description="What to do next in the setup.")
class OnboardingStep(enum.Enum):
    """Setup steps, in order."""

    START = strawberry.enum_value(
        "START", description="Confirm you are authorised (`onboardingStart`)."
    )
    VERIFY_GSTIN = strawberry.enum_value("VERIFY_GSTIN", description="Verify a GSTIN by OTP.")
    VERIFY_MOBILE = strawberry.enum_value(
        "VERIFY_MOBILE", description="Verify the mobile number by OTP."
    )
    CREATE_B2B_ID = strawberry.enum_value(
        "CREATE_B2B_ID", description="Create the B2B ID (`b2bIdCreate`)."
    )
    AWAIT_B2B_ID_APPROVAL = strawberry.enum_value(
        "AWAIT_B2B_ID_APPROVAL", description="Wait for the network to approve the B2B ID."
    )
    COMPLETE_KYC = strawberry.enum_value(
        "COMPLETE_KYC", description="Fill in and submit KYC (`kycProfileUpdate`, `kycSubmit`)."
    )
    AWAIT_KYC_APPROVAL = strawberry.enum_value(
        "AWAIT_KYC_APPROVAL", description="Wait for the network to approve KYC."
    )
    DONE = strawberry.enum_value("DONE", description="The organisation is on the network.")


@strawberry.enum(description="A B2B ID's life on the network.")
class B2BIdStatus(enum.Enum):
    """B2B ID statuses; mirrors the stored ones."""

    SUBMITTING = strawberry.enum_value("SUBMITTING", description="Being sent to the network.")
    PENDING_APPROVAL = strawberry.enum_value(
        "PENDING_APPROVAL", description="The network is reviewing it."
    )
    APPROVED = strawberry.enum_value(
        "APPROVED", description="Approved: the business is on the network."
    )
    REJECTED = strawberry.enum_value("REJECTED", description="Rejected; a new one may be created.")


@strawberry.type(description="A GST registration the organisation holds.")
class OrganisationGstin:
    """A GSTIN."""

    gstin: str = strawberry.field(description="The 15-character GSTIN.")
    state_code: str = strawberry.field(description="The GST state code (its first two digits).")
    state_name: str = strawberry.field(description="The state or territory.")
    created_at: datetime = strawberry.field(description="When it was added (UTC).")

    @classmethod
    def from_model(cls, model: GstinModel) -> OrganisationGstin:
        """Map a row."""
        return cls(
            gstin=model.gstin,
            state_code=model.gstin[:2],
            state_name=identifiers.STATE_CODES.get(model.gstin[:2], ""),
            created_at=model.created_at,
        )


@strawberry.type(description="A B2B ID: the organisation's address on the network. Never changes.")
class B2BId(Node):
    """A B2B ID."""

    value: str = strawberry.field(description="The B2B ID itself.")
    gstin: str = strawberry.field(description="The GSTIN it belongs to.")
    private: bool = strawberry.field(description="Hidden from public search on the network.")
    status: B2BIdStatus = strawberry.field(description="Where it stands on the network.")
    rejection_reason: str | None = strawberry.field(description="Why the network rejected it.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    decided_at: datetime | None = strawberry.field(description="When the network decided (UTC).")

    @classmethod
    def from_model(cls, model: B2BIdModel) -> B2BId:
        """Map a row."""
        return cls(
            id=strawberry.ID(encode_id("B2BId", model.id)),
            value=model.value,
            gstin=model.gstin,
            private=model.private,
            status=B2BIdStatus[model.status.name],
            rejection_reason=model.reason,
            created_at=model.created_at,
            decided_at=model.decided_at,
        )


@strawberry.type(description="An OTP on its way.")
class OtpDelivery:
    """Where an OTP went."""

    sent_to: str = strawberry.field(
        description="The masked mobile number and/or e-mail it went to."
    )
    expires_at: datetime = strawberry.field(description="When it stops working (UTC).")

    @classmethod
    def from_service(cls, sent: OtpSent) -> OtpDelivery:
        """Map the service's answer."""
        return cls(sent_to=sent.sent_to, expires_at=sent.expires_at)


@strawberry.type(
    description="An organisation's Bharat Connect setup: each step and what comes next."
)
class Onboarding:
    """Onboarding status."""

    _organisation_id: strawberry.Private[uuid.UUID]
    _model: strawberry.Private[OnboardingModel | None]
    _b2b_ids: strawberry.Private[list[B2BIdModel]]
    _kyc_status: strawberry.Private[str | None]

    @strawberry.field(description="Whether someone confirmed being authorised and started.")
    def started(self) -> bool:
        return self._model is not None

    @strawberry.field(description="When the setup was started (UTC).")
    def started_at(self) -> datetime | None:
        return None if self._model is None else self._model.authorised_at

    @strawberry.field(description="Who confirmed being authorised and started the setup.")
    async def started_by(self, info: Info) -> Account | None:
        if self._model is None or self._model.authorised_by_account_id is None:
            return None
        found = await account_resolvers.account_by_id(
            info.context, self._model.authorised_by_account_id
        )
        return None if found is None else Account.from_model(found)

    @strawberry.field(description="GSTIN verification.")
    def gstin_state(self) -> StepState:
        done = self._model is not None and self._model.gstin_verified_at is not None
        return StepState.DONE if done else StepState.NOT_STARTED

    @strawberry.field(description="The verified GSTIN.")
    def gstin(self) -> str | None:
        return None if self._model is None else self._model.gstin

    @strawberry.field(description="The legal business name registered with GSTN.")
    def legal_name(self) -> str | None:
        return None if self._model is None else self._model.legal_name

    @strawberry.field(description="The declared business type.")
    def business_type(self) -> BusinessType | None:
        if self._model is None or self._model.business_type is None:
            return None
        return BusinessType[self._model.business_type]

    @strawberry.field(description="Mobile number verification.")
    def mobile_state(self) -> StepState:
        done = self._model is not None and self._model.mobile_verified_at is not None
        return StepState.DONE if done else StepState.NOT_STARTED

    @strawberry.field(description="The verified mobile number, masked.")
    def mobile(self) -> str | None:
        if self._model is None or self._model.mobile is None:
            return None
        return identifiers.mask_mobile(self._model.mobile)

    @strawberry.field(description="The B2B ID step.")
    def b2b_id_state(self) -> StepState:
        current = self._b2b_ids[0] if self._b2b_ids else None
        if current is None:
            return StepState.NOT_STARTED
        return {
            StoredB2BIdStatus.APPROVED: StepState.DONE,
            StoredB2BIdStatus.REJECTED: StepState.REJECTED,
        }.get(current.status, StepState.IN_REVIEW)

    @strawberry.field(description="The current B2B ID (or the last rejected one).")
    def b2b_id(self) -> B2BId | None:
        return B2BId.from_model(self._b2b_ids[0]) if self._b2b_ids else None

    @strawberry.field(description="The B2B IDs created, newest first (at most 20).")
    def b2b_ids(self) -> list[B2BId]:
        return [B2BId.from_model(b) for b in self._b2b_ids[:20]]

    @strawberry.field(description="B2B ID suggestions derived from the verified name and GSTIN.")
    def b2b_id_suggestions(self) -> list[str]:
        if self._model is None or self._model.gstin is None or self._model.legal_name is None:
            return []
        return identifiers.suggest_b2b_ids(self._model.legal_name, self._model.gstin)

    @strawberry.field(description="What to do next.")
    def next_step(self) -> OnboardingStep:
        model = self._model
        if model is None:
            return OnboardingStep.START
        if model.gstin_verified_at is None:
            return OnboardingStep.VERIFY_GSTIN
        if model.mobile_verified_at is None:
            return OnboardingStep.VERIFY_MOBILE
        state = self.b2b_id_state()
        if state in {StepState.NOT_STARTED, StepState.REJECTED}:
            return OnboardingStep.CREATE_B2B_ID
        if state == StepState.IN_REVIEW:
            return OnboardingStep.AWAIT_B2B_ID_APPROVAL
        if self._kyc_status == "SUBMITTED":
            return OnboardingStep.AWAIT_KYC_APPROVAL
        if self._kyc_status != "APPROVED":
            return OnboardingStep.COMPLETE_KYC
        return OnboardingStep.DONE

    @strawberry.field(description="The KYC step.")
    def kyc_state(self) -> StepState:
        return {
            "APPROVED": StepState.DONE,
            "REJECTED": StepState.REJECTED,
            "SUBMITTED": StepState.IN_REVIEW,
        }.get(self._kyc_status or "", StepState.NOT_STARTED)

    @strawberry.field(description="KYC: business profile, representative, owners, bank, documents.")
    async def kyc(self, info: Info) -> Kyc:
        return await kyc_of(info, self._organisation_id)


async def onboarding_of(info: Info, organisation_id: uuid.UUID) -> Onboarding:
    """The onboarding status of an organisation the viewer belongs to."""
    model = await resolvers.of_organisation(info.context, organisation_id)
    b2b_ids = await resolvers.b2b_ids(info.context, organisation_id)
    kyc_status = await resolvers.kyc_status(info.context, organisation_id)
    return Onboarding(
        _organisation_id=organisation_id, _model=model, _b2b_ids=b2b_ids, _kyc_status=kyc_status
    )


@strawberry.input(description="Add a GSTIN the organisation holds (owners and admins).")
class OrganisationGstinAddInput:
    """GSTIN input."""

    organisation_id: strawberry.ID = strawberry.field(description="The organisation.")
    gstin: str = strawberry.field(
        description="The GSTIN (checked: state code, PAN, check character)."
    )


@strawberry.type(description="The result of `organisationGstinAdd`.")
class OrganisationGstinAddPayload:
    """GSTIN result."""

    gstin: OrganisationGstin | None = strawberry.field(description="The GSTIN added.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.input(description="Start the Bharat Connect setup (owners and admins).")
class OnboardingStartInput:
    """Start input."""

    organisation_id: strawberry.ID = strawberry.field(description="The organisation.")
    authorised: bool = strawberry.field(
        description="You confirm you own the business or are authorised to share its details."
    )


@strawberry.input(
    description="Verify a GSTIN: the GSTN portal sends an OTP to its registered contact."
)
class OnboardingGstinOtpRequestInput:
    """GSTIN OTP request input."""

    organisation_id: strawberry.ID = strawberry.field(description="The organisation.")
    gstin: str = strawberry.field(description="One of the organisation's GSTINs.")
    legal_name: str = strawberry.field(
        description="The legal business name, as registered with GSTN."
    )
    gstn_username: str = strawberry.field(description="The username on the GSTN portal.")
    business_type: BusinessType = strawberry.field(description="The kind of business.")


@strawberry.input(description="Send an OTP by SMS to the mobile number to register on the network.")
class OnboardingMobileOtpRequestInput:
    """Mobile OTP request input."""

    organisation_id: strawberry.ID = strawberry.field(description="The organisation.")
    mobile: str = strawberry.field(description="A 10-digit Indian mobile number (+91 optional).")


@strawberry.input(description="Answer an OTP.")
class OnboardingOtpVerifyInput:
    """OTP answer."""

    organisation_id: strawberry.ID = strawberry.field(description="The organisation.")
    otp: str = strawberry.field(description="The 6-digit code received.")


@strawberry.input(description="Create the organisation's B2B ID and submit it to the network.")
class B2BIdCreateInput:
    """B2B ID input."""

    organisation_id: strawberry.ID = strawberry.field(description="The organisation.")
    b2b_id: str = strawberry.field(
        description="4-50 lower-case letters and digits with single . _ or - between parts, based "
        "on the business name or its initials (see `onboarding.b2bIdSuggestions`)."
    )
    accept_terms: bool = strawberry.field(description="You accept the terms and conditions.")
    private: bool = strawberry.field(default=False, description="Hide it from public search.")
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retry-safe key: the same key and input return the first result."
    )


@strawberry.type(description="The result of an onboarding step.")
class OnboardingPayload:
    """Step result."""

    onboarding: Onboarding | None = strawberry.field(description="The setup, after the step.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.type(description="The result of an OTP request.")
class OtpRequestPayload:
    """OTP request result."""

    otp: OtpDelivery | None = strawberry.field(description="Where the OTP went.")
    user_errors: list[UserError] = strawberry.field(description="Why the request was refused.")


@strawberry.type(description="The result of `b2bIdCreate`.")
class B2BIdCreatePayload:
    """B2B ID result."""

    b2b_id: B2BId | None = strawberry.field(description="The B2B ID, submitted for approval.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")
