"""Resolvers for KYC."""

from __future__ import annotations

import decimal
import uuid
from dataclasses import dataclass

from db.models import KycDocument, KycOwner, KycProfile, MembershipRole
from db.unit_of_work import UnitOfWork
from resolvers import mutation
from resolvers.context import Context
from resolvers.mutation import Outcome
from resolvers.services import kyc
from resolvers.services.errors import UserError
from resolvers.services.kyc import AddressIn, BankAccountIn, RepresentativeIn


@dataclass(frozen=True)
class KycView:
    """Everything shown about an organisation's KYC."""

    organisation_id: uuid.UUID
    profile: KycProfile | None
    owners: list[KycOwner]
    documents: list[KycDocument]
    business_type: str | None
    viewer_is_owner: bool


ORG = ("input", "organisationId")


async def view(context: Context, organisation_id: uuid.UUID) -> KycView:
    """The KYC of one of the viewer's organisations."""
    viewer = await context.require_viewer()
    loaders = context.loaders(viewer)
    onboarding = await loaders.onboarding_by_organisation_id.load(organisation_id)
    membership = await loaders.viewer_membership_by_organisation_id.load(organisation_id)
    async with context.app.db.read() as session:
        uow = UnitOfWork(session)
        profile = await kyc.profile_of(uow, organisation_id)
        owners = await kyc.owners_of(uow, organisation_id)
        documents = await kyc.documents_of(uow, organisation_id)
    return KycView(
        organisation_id=organisation_id,
        profile=profile,
        owners=owners if membership is not None else [],
        documents=documents if membership is not None else [],
        business_type=None if onboarding is None else onboarding.business_type,
        viewer_is_owner=membership is not None and membership.role == MembershipRole.OWNER,
    )


async def update_profile(
    context: Context,
    *,
    organisation_id: str,
    address: AddressIn | None,
    representative: RepresentativeIn | None,
    bank_account: BankAccountIn | None,
) -> Outcome[KycProfile]:
    """Save KYC sections."""
    app = context.app
    return await mutation.run_on(
        context, organisation_id, "Organisation", ORG,
        lambda uow, viewer, key: kyc.update_profile(
            uow, viewer, organisation_id=key, address=address, representative=representative,
            bank_account=bank_account, now=app.now(),
        ),
    )  # fmt: skip


async def add_owner(
    context: Context, *, organisation_id: str, name: str, pan: str, share: decimal.Decimal
) -> Outcome[KycOwner]:
    """List an owner."""
    return await mutation.run_on(
        context, organisation_id, "Organisation", ORG,
        lambda uow, viewer, key: kyc.add_owner(
            uow, viewer, organisation_id=key, name=name, pan=pan, share=share
        ),
    )  # fmt: skip


async def remove_owner(context: Context, *, owner_id: str) -> Outcome[KycOwner]:
    """Take an owner off the list."""
    return await mutation.run_on(
        context, owner_id, "KycOwner", ("input", "ownerId"),
        lambda uow, viewer, key: kyc.remove_owner(
            uow, viewer, owner_id=key, storage=context.app.storage
        ),
    )  # fmt: skip


async def submit(context: Context, *, organisation_id: str) -> Outcome[KycProfile]:
    """Submit KYC for review."""
    app = context.app
    return await mutation.run_on(
        context, organisation_id, "Organisation", ORG,
        lambda uow, viewer, key: kyc.submit(uow, viewer, organisation_id=key, now=app.now()),
    )  # fmt: skip


@dataclass(frozen=True)
class UploadedFile:
    """A file as a request carried it: its bytes (at most one over the limit read), the name and
    the content type it was sent with."""

    content: bytes
    filename: str
    content_type: str


async def upload_document(
    context: Context,
    *,
    organisation_id: str,
    kind: str,
    owner_id: str | None,
    file: UploadedFile,
) -> Outcome[KycDocument]:
    """Keep a KYC document uploaded through GraphQL (the same checks as the upload endpoint)."""
    await context.require_viewer()  # signed out: UNAUTHENTICATED before any input is looked at
    owner_key: uuid.UUID | None = None
    if owner_id is not None:
        decoded = mutation.decode(owner_id, "KycOwner", ("input", "ownerId"))
        if isinstance(decoded, UserError):
            return mutation.refuse(decoded)
        owner_key = decoded
    storage = context.app.storage
    assert storage is not None
    return await mutation.run_on(
        context, organisation_id, "Organisation", ORG,
        lambda uow, viewer, key: kyc.store_document(
            uow, viewer, storage, organisation_id=key, kind=kind, filename=file.filename,
            declared_type=file.content_type, content=file.content, owner_id=owner_key,
            field_base=("input",),
        ),
    )  # fmt: skip
