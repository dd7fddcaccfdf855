"""Resolvers for Bharat Connect access: grants, requests and decisions."""

from __future__ import annotations

import uuid

from db.models import Membership, NetworkAccessRequest
from db.repositories import organisation as organisation_repo
from db.unit_of_work import UnitOfWork
from resolvers import mutation
from resolvers.context import Context
from resolvers.mutation import Outcome
from resolvers.services import access


async def set_access(context: Context, *, membership_id: str, granted: bool) -> Outcome[Membership]:
    """Grant or revoke a member's access."""
    app = context.app
    return await mutation.run_on(
        context, membership_id, "Membership", ("input", "membershipId"),
        lambda uow, viewer, key: access.set_access(
            uow, viewer, membership_id=key, granted=granted, now=app.now()
        ),
    )  # fmt: skip


async def request(
    context: Context, *, organisation_id: str, note: str | None
) -> Outcome[NetworkAccessRequest]:
    """Ask for access."""
    return await mutation.run_on(
        context, organisation_id, "Organisation", ("input", "organisationId"),
        lambda uow, viewer, key: access.request_access(
            uow, viewer, organisation_id=key, note=note
        ),
    )  # fmt: skip


async def decide(
    context: Context, *, request_id: str, approve: bool
) -> Outcome[NetworkAccessRequest]:
    """Approve or decline a request."""
    app = context.app
    return await mutation.run_on(
        context, request_id, "NetworkAccessRequest", ("input", "requestId"),
        lambda uow, viewer, key: access.decide_request(
            uow, viewer, request_id=key, approve=approve, now=app.now()
        ),
    )  # fmt: skip


async def requests_of(context: Context, organisation_id: uuid.UUID) -> list[NetworkAccessRequest]:
    """The requests the viewer may see in an organisation."""
    viewer = await context.require_viewer()
    async with context.app.db.read() as session:
        return await access.requests_for(UnitOfWork(session), viewer, organisation_id)


async def request_by_id(context: Context, request_id: uuid.UUID) -> NetworkAccessRequest | None:
    """A request in one of the viewer's organisations (for ``node``)."""
    viewer = await context.require_viewer()
    async with context.app.db.read() as session:
        return await organisation_repo.visible_access_request(
            session, viewer.account_id, request_id
        )
