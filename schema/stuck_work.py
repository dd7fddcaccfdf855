"""An organisation's stuck work: its dead outbox messages, and what owners and admins did."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from db.models import OutboxMessage
from resolvers import stuck_work as resolvers
from resolvers.context import Context
from resolvers.services.errors import UserError as ServiceUserError
from resolvers.services.ids import encode_id
from schema.errors import UserError, user_errors

Info = strawberry.Info[Context, None]


@strawberry.type(description="Something an owner, an admin or an operator did to a message.")
class StuckMessageAction:
    """An audited action."""

    action: str = strawberry.field(description="`retried` or `dropped`.")
    actor: str = strawberry.field(description="Who: `account <id>`, or an operator's name.")
    reason: str = strawberry.field(description="Why.")
    at: datetime = strawberry.field(description="When (UTC).")


@strawberry.type(description="Work for the network that was given up on after its attempts.")
class StuckMessage:
    """A dead outbox message."""

    id: strawberry.ID = strawberry.field(description="Pass to `stuckMessageRetry` or `…Drop`.")
    kind: str = strawberry.field(description="What it does, e.g. `b2b_id.register`.")
    status: str = strawberry.field(description="`FAILED` (dead), `PENDING` or `DROPPED`.")
    attempts: int = strawberry.field(description="Attempts made.")
    last_error: str | None = strawberry.field(description="Why the last attempt failed.")
    created_at: datetime = strawberry.field(description="When it was queued (UTC).")
    _model: strawberry.Private[OutboxMessage]

    @classmethod
    def from_model(cls, model: OutboxMessage) -> StuckMessage:
        """Map a row."""
        return cls(
            id=strawberry.ID(encode_id("StuckMessage", model.id)), kind=model.kind,
            status=model.status.value, attempts=model.attempts, last_error=model.last_error,
            created_at=model.created_at, _model=model,
        )  # fmt: skip

    @strawberry.field(
        description="What owners, admins and operators did to it, oldest first (the last 50)."
    )
    async def actions(self, info: Info) -> list[StuckMessageAction]:
        found = await resolvers.actions_of(info.context, self._model.id)
        return [  # the latest 50
            StuckMessageAction(action=a.action, actor=a.actor, reason=a.reason, at=a.at)
            for a in found[-50:]
        ]


@strawberry.type
class OrganisationStuckWork:
    """The ``Organisation.stuckWork`` field (a base of ``Organisation``)."""

    @strawberry.field(
        description="Its dead outbox messages, oldest first (owners and admins; at most 100)."
    )
    async def stuck_work(self, info: Info) -> list[StuckMessage]:
        model = self._model  # type: ignore[attr-defined]
        return [StuckMessage.from_model(m) for m in await resolvers.dead_of(info.context, model.id)]


@strawberry.input(description="Retry or drop a dead message, saying why (audited).")
class StuckMessageActInput:
    """Retry or drop input."""

    id: strawberry.ID = strawberry.field(description="The message (`StuckMessage.id`).")
    reason: str = strawberry.field(description="Why (at most 500 characters).")


@strawberry.type(description="The message after the action.")
class StuckMessagePayload:
    """Retry or drop result."""

    message: StuckMessage | None = strawberry.field(description="The message.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.type
class StuckWorkMutations:
    """Stuck work."""

    @strawberry.mutation(description="Put a dead message back as new (owners and admins).")
    async def stuck_message_retry(
        self,
        info: Info,
        input: Annotated[StuckMessageActInput, strawberry.argument(description="The input.")],
    ) -> StuckMessagePayload:
        outcome = await resolvers.act(
            info.context, message_id=input.id, action="retry", reason=input.reason
        )
        return _payload(outcome.value, outcome.errors)

    @strawberry.mutation(description="End a dead message for good (owners and admins).")
    async def stuck_message_drop(
        self,
        info: Info,
        input: Annotated[StuckMessageActInput, strawberry.argument(description="The input.")],
    ) -> StuckMessagePayload:
        outcome = await resolvers.act(
            info.context, message_id=input.id, action="drop", reason=input.reason
        )
        return _payload(outcome.value, outcome.errors)


def _payload(message: OutboxMessage | None, errors: list[ServiceUserError]) -> StuckMessagePayload:
    return StuckMessagePayload(
        message=None if message is None else StuckMessage.from_model(message),
        user_errors=user_errors(errors),
    )
