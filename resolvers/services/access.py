"""Who may use Bharat Connect in an organisation.

Owners always may. Owners grant and revoke access for anyone; admins for staff. A member
without access may request it; owners and admins approve or decline. Network features check
:func:`has_network_access`.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from db.models import AccessRequestStatus, Membership, MembershipRole, NetworkAccessRequest
from db.repositories import event as event_repo
from db.repositories import organisation as organisation_repo
from db.unit_of_work import UnitOfWork
from resolvers.services.accounts import Viewer
from resolvers.services.errors import ErrorCode, PermissionDeniedError, UserInputError

ACCESS_GRANTED = "NETWORK_ACCESS_GRANTED"
ACCESS_REVOKED = "NETWORK_ACCESS_REVOKED"
ACCESS_REQUESTED = "NETWORK_ACCESS_REQUESTED"
ACCESS_DECLINED = "NETWORK_ACCESS_DECLINED"
MAX_NOTE = 500


def has_network_access(membership: Membership) -> bool:
    """Whether the member may use Bharat Connect features."""
    return membership.role == MembershipRole.OWNER or membership.network_access


def _may_manage(actor: Membership, target: Membership) -> bool:
    if actor.role == MembershipRole.OWNER:
        return True
    return actor.role == MembershipRole.ADMIN and target.role == MembershipRole.STAFF


async def _pending_request(
    uow: UnitOfWork, organisation_id: uuid.UUID, account_id: uuid.UUID
) -> NetworkAccessRequest | None:
    return await uow.session.scalar(
        select(NetworkAccessRequest).where(
            NetworkAccessRequest.organisation_id == organisation_id,
            NetworkAccessRequest.account_id == account_id,
            NetworkAccessRequest.status == AccessRequestStatus.PENDING,
        )
    )


async def set_access(
    uow: UnitOfWork, viewer: Viewer, *, membership_id: uuid.UUID, granted: bool, now: datetime
) -> Membership:
    """Grant or revoke a member's access (a pending request of theirs is decided with it)."""
    field = ("input", "membershipId")
    target = await organisation_repo.membership_by_id(uow.session, viewer.account_id, membership_id)
    if target is None:
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such membership.")
    found = await organisation_repo.lock_for_viewer(
        uow.session, viewer.account_id, target.organisation_id
    )
    if found is None:  # pragma: no cover - left the organisation meanwhile
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such membership.")
    actor = found[1]
    if not _may_manage(actor, target):
        raise PermissionDeniedError("You may not change this member's Bharat Connect access.")
    if target.role == MembershipRole.OWNER and not granted:
        raise UserInputError.one(
            ErrorCode.INVALID, field, "Owners always have Bharat Connect access."
        )
    changed = target.network_access != granted
    target.network_access = granted
    pending = await _pending_request(uow, target.organisation_id, target.account_id)
    if pending is not None:
        pending.status = AccessRequestStatus.APPROVED if granted else AccessRequestStatus.DECLINED
        pending.decided_by_account_id = viewer.account_id
        pending.decided_at = now
    if changed or pending is not None:
        revoked_or_declined = ACCESS_REVOKED if changed else ACCESS_DECLINED
        kind = ACCESS_GRANTED if granted else revoked_or_declined
        await event_repo.append(
            uow, organisation_id=target.organisation_id, kind=kind,
            actor_account_id=viewer.account_id, subject_account_id=target.account_id,
        )  # fmt: skip
    await uow.session.flush()
    return target


async def request_access(
    uow: UnitOfWork, viewer: Viewer, *, organisation_id: uuid.UUID, note: str | None
) -> NetworkAccessRequest:
    """Ask the owners and admins for access."""
    found = await organisation_repo.lock_for_viewer(uow.session, viewer.account_id, organisation_id)
    if found is None:
        raise UserInputError.one(
            ErrorCode.NOT_FOUND, ("input", "organisationId"), "No such organisation."
        )
    mine = found[1]
    if has_network_access(mine):
        raise UserInputError.one(
            ErrorCode.ALREADY_DONE,
            ("input", "organisationId"),
            "You have Bharat Connect access already.",
        )
    if await _pending_request(uow, organisation_id, viewer.account_id) is not None:
        raise UserInputError.one(
            ErrorCode.ALREADY_DONE,
            ("input", "organisationId"),
            "Your request is waiting for a decision.",
        )
    clean = " ".join((note or "").split()) or None
    if clean is not None and len(clean) > MAX_NOTE:
        raise UserInputError.one(
            ErrorCode.TOO_LONG, ("input", "note"), f"A note has at most {MAX_NOTE} characters."
        )
    request = NetworkAccessRequest(
        organisation_id=organisation_id, account_id=viewer.account_id,
        status=AccessRequestStatus.PENDING, note=clean,
    )  # fmt: skip
    uow.session.add(request)
    await uow.session.flush()
    await event_repo.append(
        uow,
        organisation_id=organisation_id,
        kind=ACCESS_REQUESTED,
        actor_account_id=viewer.account_id,
        subject_account_id=viewer.account_id,
    )
    return request


async def decide_request(
    uow: UnitOfWork, viewer: Viewer, *, request_id: uuid.UUID, approve: bool, now: datetime
) -> NetworkAccessRequest:
    """Approve (granting access) or decline a pending request."""
    field = ("input", "requestId")
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer.account_id)
    request = await uow.session.scalar(
        select(NetworkAccessRequest).where(
            NetworkAccessRequest.id == request_id, NetworkAccessRequest.organisation_id.in_(mine)
        )
    )
    if request is None:
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such request.")
    if request.status != AccessRequestStatus.PENDING:
        raise UserInputError.one(ErrorCode.ALREADY_DONE, field, "This request was decided already.")
    target = await organisation_repo.membership_in(
        uow.session, request.organisation_id, request.account_id
    )
    if target is None:
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "The requester is no longer a member.")
    await set_access(uow, viewer, membership_id=target.id, granted=approve, now=now)
    await uow.session.refresh(request)
    return request


async def requests_for(
    uow: UnitOfWork, viewer: Viewer, organisation_id: uuid.UUID
) -> list[NetworkAccessRequest]:
    """Requests an owner or admin sees (all), or a member sees (their own), newest first."""
    membership = await organisation_repo.membership_in(
        uow.session, organisation_id, viewer.account_id
    )
    if membership is None:
        return []
    stmt = select(NetworkAccessRequest).where(
        NetworkAccessRequest.organisation_id == organisation_id
    )
    if membership.role == MembershipRole.STAFF:
        stmt = stmt.where(NetworkAccessRequest.account_id == viewer.account_id)
    return list((await uow.session.scalars(stmt.order_by(NetworkAccessRequest.id.desc()))).all())
