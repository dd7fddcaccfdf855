"""Organisations and memberships: who may do what.

Rules: any signed-in account may create an organisation and becomes its owner. Owners and admins
invite members (see :mod:`resolvers.services.invitations`: the invitee accepts); only owners
invite or promote owners and admins; admins manage staff only. A member may leave. An
organisation always keeps at least one owner.
"""

from __future__ import annotations

import uuid

from db.base import new_id
from db.models import Membership, MembershipRole, Organisation
from db.repositories import event as event_repo
from db.repositories import organisation as repo
from db.unit_of_work import UnitOfWork
from resolvers.services import idempotency, throttle
from resolvers.services.accounts import Viewer
from resolvers.services.contacts import check_payment_terms
from resolvers.services.errors import ErrorCode, PermissionDeniedError, UserInputError

MAX_NAME = 200

MEMBER_ADDED = "MEMBER_ADDED"
MEMBER_REMOVED = "MEMBER_REMOVED"
MEMBER_ROLE_CHANGED = "MEMBER_ROLE_CHANGED"
ORGANISATION_CREATED = "ORGANISATION_CREATED"
ORGANISATION_RENAMED = "ORGANISATION_RENAMED"


def _clean_name(raw: str, field: tuple[str, ...]) -> str:
    name = " ".join(raw.split())
    if not name:
        raise UserInputError.one(ErrorCode.REQUIRED, field, "Enter the organisation's name.")
    if len(name) > MAX_NAME:
        raise UserInputError.one(
            ErrorCode.TOO_LONG, field, f"A name has at most {MAX_NAME} characters."
        )
    return name


async def create(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    name: str,
    idempotency_key: str | None,
    gate: throttle.Gate | None = None,
    per_day: int = 20,
) -> Organisation:
    """Create an organisation owned by the viewer (idempotent per account and key). With a
    ``gate`` (every request has one; demo seeding does not), an account creates at most
    ``per_day`` organisations a day."""
    key = idempotency.check_key(idempotency_key, ("input", "idempotencyKey"))
    clean = _clean_name(name, ("input", "name"))
    organisation_id = new_id()
    earlier = await idempotency.claim(
        uow,
        scope=f"account:{viewer.account_id}",
        operation="organisationCreate",
        key=key,
        payload={"name": clean},
        new_id=organisation_id,
        field=("input", "idempotencyKey"),
    )
    if earlier is not None:
        found = await repo.visible_by_ids(uow.session, viewer.account_id, [earlier])
        if found:
            return found[0]
        raise UserInputError.one(
            ErrorCode.NOT_FOUND,
            ("input", "idempotencyKey"),
            "The organisation created with this key is no longer available to you.",
        )
    if gate is not None:
        await gate.check(throttle.organisations_per_account(per_day), str(viewer.account_id))
        gate.count()
    organisation = await repo.add(uow.session, organisation_id=organisation_id, name=clean)
    await repo.add_membership(
        uow.session,
        organisation_id=organisation.id,
        account_id=viewer.account_id,
        role=MembershipRole.OWNER,
    )
    await event_repo.append(
        uow,
        organisation_id=organisation.id,
        kind=ORGANISATION_CREATED,
        actor_account_id=viewer.account_id,
        data={"name": clean},
    )
    return organisation


async def locked(
    uow: UnitOfWork, viewer: Viewer, organisation_id: uuid.UUID, field: tuple[str, ...]
) -> tuple[Organisation, Membership]:
    """The organisation (row-locked) and the viewer's membership, or ``NOT_FOUND``."""
    found = await repo.lock_for_viewer(uow.session, viewer.account_id, organisation_id)
    if found is None:
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such organisation.")
    return found


async def update(
    uow: UnitOfWork,
    viewer: Viewer,
    organisation_id: uuid.UUID,
    *,
    name: str | None,
    bill_approval_required: bool | None,
    default_payment_terms_days: int | None = None,
) -> Organisation:
    """Rename an organisation or change its settings (owners and admins)."""
    organisation, mine = await locked(uow, viewer, organisation_id, ("input", "id"))
    if mine.role == MembershipRole.STAFF:
        raise PermissionDeniedError("Only owners and admins can change the organisation.")
    terms = check_payment_terms(default_payment_terms_days, ("input", "defaultPaymentTermsDays"))
    if terms:
        raise UserInputError(terms)
    if default_payment_terms_days is not None:
        organisation.default_payment_terms_days = default_payment_terms_days
    clean = None if name is None else _clean_name(name, ("input", "name"))
    if clean is not None and clean != organisation.name:
        organisation.name = clean
        await event_repo.append(
            uow,
            organisation_id=organisation.id,
            kind=ORGANISATION_RENAMED,
            actor_account_id=viewer.account_id,
            data={"name": clean},
        )
    if bill_approval_required is not None:
        organisation.bill_approval_required = bill_approval_required
    return organisation


def may_grant(actor: MembershipRole, role: MembershipRole) -> bool:
    """Whether a member with role ``actor`` may give (or take away) ``role``."""
    if actor == MembershipRole.OWNER:
        return True
    return actor == MembershipRole.ADMIN and role == MembershipRole.STAFF


async def join(
    uow: UnitOfWork,
    *,
    organisation_id: uuid.UUID,
    account_id: uuid.UUID,
    role: MembershipRole,
    actor_account_id: uuid.UUID | None,
) -> Membership:
    """Make an account a member: an accepted invitation (``actor``: who invited), or demo
    seeding. Consent is the caller's business: the API only joins through an invitation."""
    membership = await repo.add_membership(
        uow.session, organisation_id=organisation_id, account_id=account_id, role=role
    )
    await event_repo.append(
        uow,
        organisation_id=organisation_id,
        kind=MEMBER_ADDED,
        actor_account_id=actor_account_id,
        subject_account_id=account_id,
        data={"role": role.value, "membershipId": str(membership.id)},
    )
    return membership


async def _target(
    uow: UnitOfWork, viewer: Viewer, membership_id: uuid.UUID
) -> tuple[Membership, Membership]:
    field = ("input", "id")
    target = await repo.membership_by_id(uow.session, viewer.account_id, membership_id)
    if target is None:
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such membership.")
    _, mine = await locked(uow, viewer, target.organisation_id, field)
    # Read again under the organisation's lock: it may have changed meanwhile.
    target = await repo.membership_by_id(uow.session, viewer.account_id, membership_id)
    if target is None:
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such membership.")
    await uow.session.refresh(target)
    return target, mine


async def remove_member(uow: UnitOfWork, viewer: Viewer, membership_id: uuid.UUID) -> Membership:
    """Remove a member (or leave, when it is the viewer's own membership)."""
    target, mine = await _target(uow, viewer, membership_id)
    leaving = target.account_id == viewer.account_id
    if not leaving and not (
        may_grant(mine.role, target.role) and mine.role != MembershipRole.STAFF
    ):
        raise PermissionDeniedError("You may not remove this member.")
    if (
        target.role == MembershipRole.OWNER
        and await repo.count_owners(uow.session, target.organisation_id) <= 1
    ):
        raise UserInputError.one(
            ErrorCode.LAST_OWNER,
            ("input", "id"),
            "An organisation needs at least one owner: make someone else an owner first.",
        )
    await repo.delete_membership(uow.session, target.id)
    await event_repo.append(
        uow,
        organisation_id=target.organisation_id,
        kind=MEMBER_REMOVED,
        actor_account_id=viewer.account_id,
        subject_account_id=target.account_id,
        data={"role": target.role.value, "membershipId": str(target.id)},
    )
    return target


async def change_role(
    uow: UnitOfWork, viewer: Viewer, membership_id: uuid.UUID, role: MembershipRole
) -> Membership:
    """Change a member's role (owners for any role; admins between staff only)."""
    target, mine = await _target(uow, viewer, membership_id)
    if mine.role == MembershipRole.STAFF or not (
        may_grant(mine.role, target.role) and may_grant(mine.role, role)
    ):
        raise PermissionDeniedError("You may not change this member's role.")
    if target.role == role:
        return target
    if (
        target.role == MembershipRole.OWNER
        and await repo.count_owners(uow.session, target.organisation_id) <= 1
    ):
        raise UserInputError.one(
            ErrorCode.LAST_OWNER,
            ("input", "role"),
            "An organisation needs at least one owner: make someone else an owner first.",
        )
    previous = target.role
    target.role = role
    await uow.session.flush()
    await event_repo.append(
        uow,
        organisation_id=target.organisation_id,
        kind=MEMBER_ROLE_CHANGED,
        actor_account_id=viewer.account_id,
        subject_account_id=target.account_id,
        data={"role": role.value, "previousRole": previous.value, "membershipId": str(target.id)},
    )
    return target
