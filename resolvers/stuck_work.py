"""Resolvers for an organisation's stuck work (its dead outbox messages)."""

from __future__ import annotations

import uuid
from typing import Literal

from db.models import OutboxAction, OutboxMessage
from db.unit_of_work import UnitOfWork
from resolvers import mutation
from resolvers.context import Context
from resolvers.dispatcher import GIVE_UP
from resolvers.mutation import Outcome
from resolvers.services import stuck_work


async def dead_of(context: Context, organisation_id: uuid.UUID) -> list[OutboxMessage]:
    """The organisation's dead messages (owners and admins)."""
    viewer = await context.require_viewer()
    async with context.app.db.read() as session:
        return await stuck_work.dead_of(UnitOfWork(session), viewer, organisation_id)


async def actions_of(context: Context, message_id: uuid.UUID) -> list[OutboxAction]:
    """What was done to a message."""
    async with context.app.db.read() as session:
        return await stuck_work.actions_of(UnitOfWork(session), message_id)


async def act(
    context: Context, *, message_id: str, action: Literal["retry", "drop"], reason: str
) -> Outcome[OutboxMessage]:
    """Retry or drop a dead message."""
    app = context.app
    return await mutation.run_on(
        context, message_id, "StuckMessage", ("input", "id"),
        lambda uow, viewer, key: stuck_work.act_as_member(
            uow, viewer, message_id=key, action=action, reason=reason, now=app.now(),
            settled_kinds=frozenset(GIVE_UP),
        ),
    )  # fmt: skip
