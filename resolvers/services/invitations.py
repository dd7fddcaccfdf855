"""Invitations: joining an organisation takes the invitee's consent.

An owner or admin invites an e-mail address with a role (the same rules as for roles: only
owners invite owners and admins). The organisation sees the invitation (address, role,
status), never whether an account uses the address. The account that holds the address (now
or after signing up) lists its pending invitations and accepts one (it becomes a member:
``MEMBER_ADDED``, by the inviter) or declines it. Owners and admins may revoke a pending
invitation. Inviting an address again while an invitation is pending updates its role and
extends it. Invitations expire after :data:`TTL`.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from db.models import Account, Invitation, InvitationStatus, Membership, MembershipRole
from db.repositories import account as account_repo
from db.repositories import invitation as repo
from db.repositories import organisation as organisation_repo
from db.unit_of_work import UnitOfWork
from resolvers.services import organisations
from resolvers.services.accounts import Viewer, normalise_email
from resolvers.services.email_verification import require_verified
from resolvers.services.errors import ErrorCode, PermissionDeniedError, UserInputError

TTL = timedelta(days=14)
FIELD = ("input", "id")


async def invite(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    organisation_id: uuid.UUID,
    email: str,
    role: MembershipRole,
    now: datetime,
) -> Invitation:
    """Invite an address to join with ``role`` (owners and admins)."""
    _, mine = await organisations.locked(uow, viewer, organisation_id, ("input", "organisationId"))
    if mine.role == MembershipRole.STAFF:
        raise PermissionDeniedError("Only owners and admins can invite members.")
    if not organisations.may_grant(mine.role, role):
        raise PermissionDeniedError("Only owners can invite owners or admins.")
    display, email_key = normalise_email(email, ("input", "email"))
    if await _is_member(uow, organisation_id, email_key):
        raise UserInputError.one(
            ErrorCode.ALREADY_MEMBER, ("input", "email"), "This person is a member already."
        )
    invitation = await repo.pending_for(uow.session, organisation_id, email_key, now)
    if invitation is not None and not organisations.may_grant(mine.role, invitation.role):
        raise PermissionDeniedError("Only owners can change an owner's or admin's invitation.")
    if invitation is None:
        invitation = Invitation(
            organisation_id=organisation_id, email=display, email_normalised=email_key,
            status=InvitationStatus.PENDING, created_at=now, role=role,
            expires_at=now + TTL, invited_by_account_id=viewer.account_id,
        )  # fmt: skip
        uow.session.add(invitation)
    else:
        invitation.role = role
        invitation.expires_at = now + TTL
        invitation.invited_by_account_id = viewer.account_id
    await uow.session.flush()
    return invitation


async def _is_member(uow: UnitOfWork, organisation_id: uuid.UUID, email_key: str) -> bool:
    account = await account_repo.by_email(uow.session, email_key)
    if account is None:
        return False
    found = await organisation_repo.membership_in(uow.session, organisation_id, account.id)
    return found is not None


async def _addressed_to_viewer(
    uow: UnitOfWork, viewer: Viewer, invitation_id: uuid.UUID, now: datetime
) -> Invitation:
    invitation = await repo.locked(uow.session, invitation_id)
    account = await uow.session.get(Account, viewer.account_id)
    if (
        invitation is None
        or account is None
        or invitation.email_normalised != (account.email_normalised)
    ):
        raise UserInputError.one(ErrorCode.NOT_FOUND, FIELD, "No such invitation.")
    if invitation.status != InvitationStatus.PENDING:
        raise UserInputError.one(
            ErrorCode.ALREADY_DONE, FIELD, f"This invitation was {invitation.status.lower()}."
        )
    if invitation.expires_at <= now:
        raise UserInputError.one(
            ErrorCode.EXPIRED, FIELD, "This invitation expired: ask for a new one."
        )
    return invitation


async def accept(
    uow: UnitOfWork, viewer: Viewer, *, invitation_id: uuid.UUID, now: datetime
) -> tuple[Invitation, Membership]:
    """Accept an invitation to the viewer's address: the viewer becomes a member (once the
    viewer proved the address)."""
    invitation = await _addressed_to_viewer(uow, viewer, invitation_id, now)
    account = await uow.session.get(Account, viewer.account_id)
    assert account is not None
    require_verified(account, FIELD)
    # The organisation's row lock orders this with role changes and removals.
    await organisation_repo.lock(uow.session, invitation.organisation_id)
    existing = await organisation_repo.membership_in(
        uow.session, invitation.organisation_id, viewer.account_id
    )
    if existing is not None:
        raise UserInputError.one(ErrorCode.ALREADY_MEMBER, FIELD, "You are a member already.")
    membership = await organisations.join(
        uow,
        organisation_id=invitation.organisation_id,
        account_id=viewer.account_id,
        role=invitation.role,
        actor_account_id=invitation.invited_by_account_id,
    )
    invitation.status = InvitationStatus.ACCEPTED
    invitation.decided_at = now
    return invitation, membership


async def decline(
    uow: UnitOfWork, viewer: Viewer, *, invitation_id: uuid.UUID, now: datetime
) -> Invitation:
    """Decline an invitation to the viewer's address."""
    invitation = await _addressed_to_viewer(uow, viewer, invitation_id, now)
    invitation.status = InvitationStatus.DECLINED
    invitation.decided_at = now
    return invitation


async def revoke(
    uow: UnitOfWork, viewer: Viewer, *, invitation_id: uuid.UUID, now: datetime
) -> Invitation:
    """Withdraw a pending invitation (owners, and admins for staff invitations)."""
    visible = await repo.visible_by_ids(uow.session, viewer.account_id, [invitation_id])
    if not visible:
        raise UserInputError.one(ErrorCode.NOT_FOUND, FIELD, "No such invitation.")
    _, mine = await organisations.locked(uow, viewer, visible[0].organisation_id, FIELD)
    invitation = await repo.locked(uow.session, invitation_id)
    if invitation is None:
        raise UserInputError.one(ErrorCode.NOT_FOUND, FIELD, "No such invitation.")
    if mine.role == MembershipRole.STAFF or not organisations.may_grant(mine.role, invitation.role):
        raise PermissionDeniedError("You may not revoke this invitation.")
    if invitation.status != InvitationStatus.PENDING:
        raise UserInputError.one(
            ErrorCode.ALREADY_DONE, FIELD, f"This invitation was {invitation.status.lower()}."
        )
    invitation.status = InvitationStatus.REVOKED
    invitation.decided_at = now
    return invitation
