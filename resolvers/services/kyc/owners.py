"""KYC owners: everyone with 10 % or more of the business (shares never over 100 % together),
required where people own the business, each with a proof of identity."""

from __future__ import annotations

import decimal
import functools
import uuid

from sqlalchemy import select

from contract import identifiers
from contract.identifiers import BusinessType
from db.models import KycOwner, Membership
from db.unit_of_work import UnitOfWork
from resolvers.services.accounts import Viewer
from resolvers.services.errors import ErrorCode, UserError, UserInputError
from resolvers.services.kyc.common import checked, editable, text_field
from resolvers.services.kyc.documents import DocumentStorage, documents_of

# Business types whose owners (10 % or more) must be listed, each with a document: those owned
# by people. Government bodies, trusts, societies and listed public companies may have none; if
# any are listed, they too need their document.
OWNERS_REQUIRED = frozenset(
    {
        BusinessType.PROPRIETORSHIP,
        BusinessType.PARTNERSHIP,
        BusinessType.LLP,
        BusinessType.PRIVATE_LIMITED,
        BusinessType.HUF,
    }
)


def owners_required(business_type: str | None) -> bool:
    """Whether KYC needs at least one owner of 10 % or more for this business type."""
    return business_type is None or BusinessType(business_type) in OWNERS_REQUIRED


def _basis_points(share: decimal.Decimal, field: tuple[str, ...]) -> int:
    if share != share.quantize(decimal.Decimal("0.01")) or not decimal.Decimal(10) <= share <= 100:
        raise UserInputError.one(
            ErrorCode.INVALID,
            field,
            "List owners of 10 % or more: a share from 10 to 100, two decimals at most.",
        )
    return int(share * 100)


async def add_owner(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    organisation_id: uuid.UUID,
    name: str,
    pan: str,
    share: decimal.Decimal,
) -> KycOwner:
    """Add an owner with 10 % or more; the shares together never exceed 100 %."""
    await editable(uow, viewer, organisation_id)
    errors: list[UserError] = []
    clean_name = text_field(name, ("input", "name"), errors)
    clean_pan = checked(identifiers.check_pan, pan, ("input", "pan"), errors)
    if errors:
        raise UserInputError(errors)
    points = _basis_points(share, ("input", "sharePercent"))
    owners = await owners_of(uow, organisation_id)
    if any(o.pan == clean_pan for o in owners):
        raise UserInputError.one(
            ErrorCode.TAKEN, ("input", "pan"), "An owner with this PAN is listed already."
        )
    total = sum(o.share_basis_points for o in owners) + points
    if total > 10_000:
        raise UserInputError.one(
            ErrorCode.SHARES_OVER_100,
            ("input", "sharePercent"),
            f"The owners would hold {decimal.Decimal(total) / 100}% together; at most 100% is.",
        )
    owner = KycOwner(
        organisation_id=organisation_id, name=clean_name, pan=clean_pan, share_basis_points=points
    )
    uow.session.add(owner)
    await uow.session.flush()
    return owner


async def owners_of(uow: UnitOfWork, organisation_id: uuid.UUID) -> list[KycOwner]:
    """The listed owners, in the order added."""
    stmt = select(KycOwner).where(KycOwner.organisation_id == organisation_id).order_by(KycOwner.id)
    return list((await uow.session.scalars(stmt)).all())


async def remove_owner(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    owner_id: uuid.UUID,
    storage: DocumentStorage | None = None,
) -> KycOwner:
    """Take an owner off the list, with the owner's documents (their files go after commit)."""
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer.account_id)
    owner = await uow.session.scalar(
        select(KycOwner).where(KycOwner.id == owner_id, KycOwner.organisation_id.in_(mine))
    )
    if owner is None:
        raise UserInputError.one(ErrorCode.NOT_FOUND, ("input", "ownerId"), "No such owner.")
    await editable(uow, viewer, owner.organisation_id)
    for document in await documents_of(uow, owner.organisation_id):
        if document.owner_id == owner.id:
            await uow.session.delete(document)
            if storage is not None:
                uow.after_commit.append(functools.partial(storage.delete, document.storage_key))
    await uow.session.delete(owner)
    await uow.session.flush()
    return owner
