"""The root types: Query, Mutation and Subscription."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from db.models import Account as AccountModel
from db.models import B2BId as B2BIdModel
from db.models import BulkOperation as BulkOperationModel
from db.models import Contact as ContactModel
from db.models import Document as DocumentModel
from db.models import Membership as MembershipModel
from db.models import NetworkAccessRequest as AccessRequestModel
from db.models import Onboarding as OnboardingModel
from db.models import Organisation as OrganisationModel
from resolvers import access as access_resolvers
from resolvers import account as account_resolvers
from resolvers import contacts as contact_resolvers
from resolvers import documents as document_resolvers
from resolvers import kyc as kyc_resolvers
from resolvers import onboarding as onboarding_resolvers
from resolvers import organisation as organisation_resolvers
from resolvers.context import Context
from resolvers.errors import BadUserInputError
from resolvers.ids import encode_id
from resolvers.mutation import Outcome
from resolvers.node import MAX_NODES
from resolvers.node import node as resolve_node
from resolvers.services.errors import ErrorCode as ServiceErrorCode
from resolvers.services.errors import UserError as ServiceUserError
from resolvers.services.kyc import AddressIn, BankAccountIn, RepresentativeIn
from schema.account import (
    AccessToken,
    AccessTokenCreateInput,
    AccessTokenCreatePayload,
    AccessTokenRevokeInput,
    AccessTokenRevokePayload,
    Account,
    AccountSignUpInput,
    AccountSignUpPayload,
    Viewer,
)
from schema.contact import (
    B2BIdCandidate,
    BulkOperation,
    BulkOperationPayload,
    Contact,
    ContactArchiveInput,
    ContactB2BIdFetchInput,
    ContactB2BIdFetchPayload,
    ContactB2BIdLinkBulkInput,
    ContactB2BIdLinkBulkPayload,
    ContactB2BIdLinkInput,
    ContactB2BIdSearchStartInput,
    ContactB2BIdUnlinkInput,
    ContactCreateInput,
    ContactLinkResult,
    ContactPayload,
    ContactUpdateInput,
)
from schema.document import Document, DocumentCreateInput, DocumentPayload, DocumentPushInput
from schema.errors import user_errors
from schema.kyc import (
    KycOwnerAddInput,
    KycOwnerRemoveInput,
    KycPayload,
    KycProfileUpdateInput,
    KycSubmitInput,
    kyc_of,
)
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
from schema.organisation import (
    Membership,
    MembershipCreateInput,
    MembershipCreatePayload,
    MembershipDeleteInput,
    MembershipDeletePayload,
    MembershipNetworkAccessSetInput,
    MembershipUpdateInput,
    MembershipUpdatePayload,
    NetworkAccessRequest,
    NetworkAccessRequestCreateInput,
    NetworkAccessRequestDecideInput,
    NetworkAccessRequestPayload,
    Organisation,
    OrganisationCreateInput,
    OrganisationCreatePayload,
    OrganisationEvent,
    OrganisationEventKind,
    OrganisationUpdateInput,
    OrganisationUpdatePayload,
)
from schema.relay import Node

Info = strawberry.Info[Context, None]


def _to_node(found: object) -> Node | None:
    if isinstance(found, B2BIdModel):
        return B2BId.from_model(found)
    if isinstance(found, ContactModel):
        return Contact.from_model(found)
    if isinstance(found, DocumentModel):
        return Document.from_model(found)
    if isinstance(found, BulkOperationModel):
        return BulkOperation.from_model(found)
    if isinstance(found, AccessRequestModel):
        return NetworkAccessRequest.from_model(found)
    if isinstance(found, OrganisationModel):
        return Organisation.from_model(found)
    if isinstance(found, AccountModel):
        return Account.from_model(found)
    if isinstance(found, MembershipModel):
        return Membership.from_model(found)
    return None


@strawberry.type(description="Read the service. Every field needs an access token.")
class Query:
    """Queries."""

    @strawberry.field(
        description="Any object by its global id; null if it does not exist or is not yours."
    )
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")],
    ) -> Node | None:
        return _to_node(await resolve_node(info.context, id))

    @strawberry.field(
        description="Objects by global id, in the order asked (at most 100); null where not found."
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global ids.")],
    ) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            msg = f"Ask for at most {MAX_NODES} ids at once."
            raise BadUserInputError(msg)
        return [_to_node(await resolve_node(info.context, i)) for i in ids]

    @strawberry.field(description="The signed-in account and its organisations.")
    async def viewer(self, info: Info) -> Viewer:
        account = await account_resolvers.viewer_account(info.context)
        return Viewer(account=Account.from_model(account))

    @strawberry.field(description="One of your organisations by id; null if it is not yours.")
    async def organisation(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The organisation's id.")],
    ) -> Organisation | None:
        found = await organisation_resolvers.by_global_id(info.context, id)
        return None if found is None else Organisation.from_model(found)


@strawberry.type(description="Change the service. Each field runs in its own transaction.")
class Mutation:
    """Mutations."""

    @strawberry.mutation(
        description="Create an account and receive an access token. No token needed."
    )
    async def account_sign_up(
        self,
        info: Info,
        input: Annotated[AccountSignUpInput, strawberry.argument(description="The input.")],
    ) -> AccountSignUpPayload:
        outcome = await account_resolvers.sign_up(
            info.context,
            email=input.email,
            password=input.password,
            display_name=input.display_name,
        )
        issued = outcome.value
        return AccountSignUpPayload(
            account=None if issued is None else Account.from_model(issued.account),
            access_token=None if issued is None else AccessToken.from_issued(issued),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(description="Log in: exchange e-mail and password for a new access token.")
    async def access_token_create(
        self,
        info: Info,
        input: Annotated[AccessTokenCreateInput, strawberry.argument(description="The input.")],
    ) -> AccessTokenCreatePayload:
        outcome = await account_resolvers.log_in(
            info.context, email=input.email, password=input.password
        )
        issued = outcome.value
        return AccessTokenCreatePayload(
            account=None if issued is None else Account.from_model(issued.account),
            access_token=None if issued is None else AccessToken.from_issued(issued),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(description="Log out: revoke the token in use (or all of your tokens).")
    async def access_token_revoke(
        self,
        info: Info,
        input: Annotated[
            AccessTokenRevokeInput | None, strawberry.argument(description="The input.")
        ] = None,
    ) -> AccessTokenRevokePayload:
        everywhere = False if input is None else input.everywhere
        outcome = await account_resolvers.revoke(info.context, everywhere=everywhere)
        return AccessTokenRevokePayload(
            revoked_count=outcome.value or 0, user_errors=user_errors(outcome.errors)
        )

    @strawberry.mutation(description="Create an organisation; you become its owner.")
    async def organisation_create(
        self,
        info: Info,
        input: Annotated[OrganisationCreateInput, strawberry.argument(description="The input.")],
    ) -> OrganisationCreatePayload:
        outcome = await organisation_resolvers.create(
            info.context, name=input.name, idempotency_key=input.idempotency_key
        )
        return OrganisationCreatePayload(
            organisation=None if outcome.value is None else Organisation.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(description="Rename an organisation (owners and admins).")
    async def organisation_update(
        self,
        info: Info,
        input: Annotated[OrganisationUpdateInput, strawberry.argument(description="The input.")],
    ) -> OrganisationUpdatePayload:
        outcome = await organisation_resolvers.rename(
            info.context, organisation_id=input.id, name=input.name
        )
        return OrganisationUpdatePayload(
            organisation=None if outcome.value is None else Organisation.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(description="Add an existing account to an organisation.")
    async def membership_create(
        self,
        info: Info,
        input: Annotated[MembershipCreateInput, strawberry.argument(description="The input.")],
    ) -> MembershipCreatePayload:
        outcome = await organisation_resolvers.add_member(
            info.context,
            organisation_id=input.organisation_id,
            email=input.email,
            role=input.role.to_model(),
        )
        return MembershipCreatePayload(
            membership=None if outcome.value is None else Membership.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(description="Change a member's role.")
    async def membership_update(
        self,
        info: Info,
        input: Annotated[MembershipUpdateInput, strawberry.argument(description="The input.")],
    ) -> MembershipUpdatePayload:
        outcome = await organisation_resolvers.change_role(
            info.context, membership_id=input.id, role=input.role.to_model()
        )
        return MembershipUpdatePayload(
            membership=None if outcome.value is None else Membership.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(description="Remove a member, or leave an organisation.")
    async def membership_delete(
        self,
        info: Info,
        input: Annotated[MembershipDeleteInput, strawberry.argument(description="The input.")],
    ) -> MembershipDeletePayload:
        outcome = await organisation_resolvers.remove_member(info.context, membership_id=input.id)
        return MembershipDeletePayload(
            deleted_membership_id=None if outcome.value is None else input.id,
            user_errors=user_errors(outcome.errors),
        )

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

    @strawberry.mutation(description="Grant or revoke a member's Bharat Connect access.")
    async def membership_network_access_set(
        self,
        info: Info,
        input: Annotated[
            MembershipNetworkAccessSetInput, strawberry.argument(description="The input.")
        ],
    ) -> MembershipUpdatePayload:
        outcome = await access_resolvers.set_access(
            info.context, membership_id=input.membership_id, granted=input.granted
        )
        return MembershipUpdatePayload(
            membership=None if outcome.value is None else Membership.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(description="Ask the owners and admins for Bharat Connect access.")
    async def network_access_request_create(
        self,
        info: Info,
        input: Annotated[
            NetworkAccessRequestCreateInput, strawberry.argument(description="The input.")
        ],
    ) -> NetworkAccessRequestPayload:
        outcome = await access_resolvers.request(
            info.context, organisation_id=input.organisation_id, note=input.note
        )
        return NetworkAccessRequestPayload(
            request=None
            if outcome.value is None
            else NetworkAccessRequest.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(description="Approve (granting access) or decline a request for access.")
    async def network_access_request_decide(
        self,
        info: Info,
        input: Annotated[
            NetworkAccessRequestDecideInput, strawberry.argument(description="The input.")
        ],
    ) -> NetworkAccessRequestPayload:
        outcome = await access_resolvers.decide(
            info.context, request_id=input.request_id, approve=input.approve
        )
        return NetworkAccessRequestPayload(
            request=None
            if outcome.value is None
            else NetworkAccessRequest.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(description="Save KYC sections (address, representative, bank account).")
    async def kyc_profile_update(
        self,
        info: Info,
        input: Annotated[KycProfileUpdateInput, strawberry.argument(description="The input.")],
    ) -> KycPayload:
        address = input.address
        rep = input.representative
        bank = input.bank_account
        outcome = await kyc_resolvers.update_profile(
            info.context,
            organisation_id=input.organisation_id,
            address=None
            if address is None
            else AddressIn(address.line, address.city, address.state_code, address.pin),
            representative=None
            if rep is None
            else RepresentativeIn(rep.name, rep.pan, rep.designation, rep.email, rep.mobile),
            bank_account=None
            if bank is None
            else BankAccountIn(bank.holder, bank.number, bank.ifsc),
        )
        return await _kyc_payload(
            info, outcome.value.organisation_id if outcome.value else None, outcome.errors
        )

    @strawberry.mutation(
        description="List an owner with 10 % or more (shares together at most 100 %)."
    )
    async def kyc_owner_add(
        self,
        info: Info,
        input: Annotated[KycOwnerAddInput, strawberry.argument(description="The input.")],
    ) -> KycPayload:
        outcome = await kyc_resolvers.add_owner(
            info.context, organisation_id=input.organisation_id, name=input.name, pan=input.pan,
            share=input.share_percent,
        )  # fmt: skip
        return await _kyc_payload(
            info, outcome.value.organisation_id if outcome.value else None, outcome.errors
        )

    @strawberry.mutation(description="Take an owner off the KYC list.")
    async def kyc_owner_remove(
        self,
        info: Info,
        input: Annotated[KycOwnerRemoveInput, strawberry.argument(description="The input.")],
    ) -> KycPayload:
        outcome = await kyc_resolvers.remove_owner(info.context, owner_id=input.owner_id)
        return await _kyc_payload(
            info, outcome.value.organisation_id if outcome.value else None, outcome.errors
        )

    @strawberry.mutation(
        description="Submit KYC for the network's review (after the B2B ID is approved)."
    )
    async def kyc_submit(
        self,
        info: Info,
        input: Annotated[KycSubmitInput, strawberry.argument(description="The input.")],
    ) -> KycPayload:
        outcome = await kyc_resolvers.submit(info.context, organisation_id=input.organisation_id)
        return await _kyc_payload(
            info, outcome.value.organisation_id if outcome.value else None, outcome.errors
        )

    @strawberry.mutation(description="Create a customer and/or vendor.")
    async def contact_create(
        self,
        info: Info,
        input: Annotated[ContactCreateInput, strawberry.argument(description="The input.")],
    ) -> ContactPayload:
        outcome = await contact_resolvers.create(
            info.context, organisation_id=input.organisation_id, details=input.contact.to_service()
        )
        return await _contact_payload(info, outcome.value, outcome.errors)

    @strawberry.mutation(description="Replace a contact's details.")
    async def contact_update(
        self,
        info: Info,
        input: Annotated[ContactUpdateInput, strawberry.argument(description="The input.")],
    ) -> ContactPayload:
        outcome = await contact_resolvers.update(
            info.context, contact_id=input.id, details=input.contact.to_service()
        )
        return await _contact_payload(info, outcome.value, outcome.errors)

    @strawberry.mutation(description="Archive (or restore) a contact; its history stays.")
    async def contact_archive(
        self,
        info: Info,
        input: Annotated[ContactArchiveInput, strawberry.argument(description="The input.")],
    ) -> ContactPayload:
        outcome = await contact_resolvers.archive(
            info.context, contact_id=input.id, archived=input.archived
        )
        return await _contact_payload(info, outcome.value, outcome.errors)

    @strawberry.mutation(
        name="contactB2BIdFetch",
        description="Fetch the B2B IDs the network lists for a contact's GSTIN (needs Bharat Connect access).",
    )
    async def contact_b2b_id_fetch(
        self,
        info: Info,
        input: Annotated[ContactB2BIdFetchInput, strawberry.argument(description="The input.")],
    ) -> ContactB2BIdFetchPayload:
        outcome = await contact_resolvers.fetch(info.context, contact_id=input.contact_id)
        if outcome.value is None:
            return ContactB2BIdFetchPayload(
                contact=None, candidates=[], user_errors=user_errors(outcome.errors)
            )
        contact, listings = outcome.value
        return ContactB2BIdFetchPayload(
            contact=Contact.from_model(contact),
            candidates=[B2BIdCandidate.from_listing(x) for x in listings],
            user_errors=[],
        )

    @strawberry.mutation(
        name="contactB2BIdLink",
        description="Link one of the B2B IDs the network lists for the contact's GSTIN.",
    )
    async def contact_b2b_id_link(
        self,
        info: Info,
        input: Annotated[ContactB2BIdLinkInput, strawberry.argument(description="The input.")],
    ) -> ContactPayload:
        outcome = await contact_resolvers.link(
            info.context, contact_id=input.contact_id, b2b_id=input.b2b_id
        )
        return await _contact_payload(info, outcome.value, outcome.errors)

    @strawberry.mutation(name="contactB2BIdUnlink", description="Forget a contact's B2B ID.")
    async def contact_b2b_id_unlink(
        self,
        info: Info,
        input: Annotated[ContactB2BIdUnlinkInput, strawberry.argument(description="The input.")],
    ) -> ContactPayload:
        outcome = await contact_resolvers.unlink(info.context, contact_id=input.contact_id)
        return await _contact_payload(info, outcome.value, outcome.errors)

    @strawberry.mutation(
        name="contactB2BIdLinkBulk",
        description="Link now: link several contacts at once (at most 100), a result each.",
    )
    async def contact_b2b_id_link_bulk(
        self,
        info: Info,
        input: Annotated[ContactB2BIdLinkBulkInput, strawberry.argument(description="The input.")],
    ) -> ContactB2BIdLinkBulkPayload:
        outcome = await contact_resolvers.link_many(
            info.context,
            organisation_id=input.organisation_id,
            links=[(x.contact_id, x.b2b_id) for x in input.links],
        )
        if outcome.value is None:
            return ContactB2BIdLinkBulkPayload(results=[], user_errors=user_errors(outcome.errors))
        return ContactB2BIdLinkBulkPayload(
            results=[
                ContactLinkResult(
                    contact_id=strawberry.ID(encode_id("Contact", r.contact_id)),
                    contact=None if r.contact is None else Contact.from_model(r.contact),
                    linked=not r.errors,
                    user_errors=user_errors(r.errors),
                )
                for r in outcome.value
            ],
            user_errors=[],
        )

    @strawberry.mutation(
        name="contactB2BIdSearchStart",
        description="Search contacts in Bharat Connect: a background bulk operation over every contact with a GSTIN and no B2B ID.",
    )
    async def contact_b2b_id_search_start(
        self,
        info: Info,
        input: Annotated[
            ContactB2BIdSearchStartInput, strawberry.argument(description="The input.")
        ],
    ) -> BulkOperationPayload:
        outcome = await contact_resolvers.start_search(
            info.context, organisation_id=input.organisation_id
        )
        return BulkOperationPayload(
            bulk_operation=None
            if outcome.value is None
            else BulkOperation.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(description="Create a document in draft, with GST computed per line.")
    async def document_create(
        self,
        info: Info,
        input: Annotated[DocumentCreateInput, strawberry.argument(description="The input.")],
    ) -> DocumentPayload:
        details = input.to_service()
        if details is None:
            await info.context.require_viewer()
            refused = [
                ServiceUserError(
                    ServiceErrorCode.NOT_FOUND, ("input", "contactId"), "No such contact."
                )
            ]
            return DocumentPayload(document=None, user_errors=user_errors(refused))
        outcome = await document_resolvers.create(
            info.context, organisation_id=input.organisation_id, details=details,
            idempotency_key=input.idempotency_key,
        )  # fmt: skip
        return DocumentPayload(
            document=None if outcome.value is None else Document.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(
        description="Send a document through Bharat Connect; its status then moves on its own (see `organisationEvents`)."
    )
    async def document_push(
        self,
        info: Info,
        input: Annotated[DocumentPushInput, strawberry.argument(description="The input.")],
    ) -> DocumentPayload:
        outcome = await document_resolvers.push(info.context, document_id=input.document_id)
        return DocumentPayload(
            document=None if outcome.value is None else Document.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )


async def _contact_payload(
    info: Info, contact: ContactModel | None, errors: list[ServiceUserError]
) -> ContactPayload:
    if contact is None:
        return ContactPayload(contact=None, same_gstin_contacts=[], user_errors=user_errors(errors))
    same = await contact_resolvers.same_gstin(info.context, contact)
    return ContactPayload(
        contact=Contact.from_model(contact),
        same_gstin_contacts=[Contact.from_model(c) for c in same],
        user_errors=[],
    )


async def _kyc_payload(
    info: Info, organisation_id: uuid.UUID | None, errors: list[ServiceUserError]
) -> KycPayload:
    if organisation_id is None:
        return KycPayload(kyc=None, user_errors=user_errors(errors))
    info.context.fresh_loaders()
    return KycPayload(kyc=await kyc_of(info, organisation_id), user_errors=[])


async def _onboarding_payload(info: Info, outcome: Outcome[OnboardingModel]) -> OnboardingPayload:
    if outcome.value is None:
        return OnboardingPayload(onboarding=None, user_errors=user_errors(outcome.errors))
    info.context.fresh_loaders()
    return OnboardingPayload(
        onboarding=await onboarding_of(info, outcome.value.organisation_id), user_errors=[]
    )


@strawberry.type(description="Live updates over WebSocket (graphql-transport-ws protocol).")
class Subscription:
    """Subscriptions."""

    @strawberry.subscription(
        description="A bulk operation's progress: its state now, then after every step, until it finishes."
    )
    async def bulk_operation_progress(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The bulk operation.")],
    ) -> AsyncGenerator[BulkOperation, None]:
        found = await contact_resolvers.operation_by_global_id(info.context, id)
        contact_resolvers.forbid_unless(found)
        assert found is not None
        yield BulkOperation.from_model(found)
        if found.status.name != "RUNNING":
            return
        org_id = encode_id("Organisation", found.organisation_id)
        async for event in organisation_resolvers.events(info.context, org_id, None):
            if event.data.get("operationId") != str(found.id):
                continue
            current = await contact_resolvers.operation_by_id(info.context, found.id)
            if current is None:
                return
            yield BulkOperation.from_model(current)
            if current.status.name != "RUNNING":
                return

    @strawberry.subscription(
        description=(
            "Changes in one of your organisations as they happen. Pass the last `cursor` you saw "
            "as `after` to first receive everything you missed. Ends if you leave the "
            "organisation or your token is revoked."
        )
    )
    async def organisation_events(
        self,
        info: Info,
        organisation_id: Annotated[
            strawberry.ID, strawberry.argument(description="The organisation.")
        ],
        after: Annotated[
            str | None, strawberry.argument(description="Resume after this event cursor.")
        ] = None,
        kinds: Annotated[
            list[OrganisationEventKind] | None,
            strawberry.argument(description="Only these kinds (all when omitted)."),
        ] = None,
    ) -> AsyncGenerator[OrganisationEvent, None]:
        wanted = None if kinds is None else {k.name for k in kinds}
        async for event in organisation_resolvers.events(info.context, organisation_id, after):
            if wanted is None or event.kind in wanted:
                yield OrganisationEvent.from_model(event)
