"""Stuck work: outbox messages an operator looks at, retries or drops, each action audited.

A message is **dead** (``FAILED``) once the dispatcher gave up on it. Retrying puts it back as
new (due now, no attempts); dropping ends it for good (``DROPPED``). Every action is recorded
(``outbox_actions``: who, when, why) and logged. A dead message whose subject was already told
it failed (a push shown as failed, an answer to give again, a payment whose outcome is
unknown) is not retried: the people concerned act on the subject itself (push again, answer
again, check the payment), which queues fresh work.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Literal

from sqlalchemy import select

from db.models import MembershipRole, OutboxAction, OutboxMessage, OutboxStatus
from db.repositories import organisation as organisation_repo
from db.unit_of_work import UnitOfWork
from resolvers.services.accounts import Viewer
from resolvers.services.errors import ErrorCode, PermissionDeniedError, UserInputError

logger = logging.getLogger("bharat_connect.outbox")

State = Literal["dead", "pending", "dropped"]
_STATUS = {
    "dead": OutboxStatus.FAILED,
    "pending": OutboxStatus.PENDING,
    "dropped": OutboxStatus.DROPPED,
}
MAX_REASON = 500
MAX_ACTOR = 100


class StuckWorkError(ValueError):
    """An action that cannot be taken (with why); ``field``: the input at fault, if one is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _checked(actor: str, reason: str) -> tuple[str, str]:
    who, why = " ".join(actor.split()), " ".join(reason.split())
    if not who or len(who) > MAX_ACTOR:
        msg = f"say who acts (1 to {MAX_ACTOR} characters)"
        raise StuckWorkError(msg, "actor")
    if not why or len(why) > MAX_REASON:
        msg = f"give a reason (1 to {MAX_REASON} characters)"
        raise StuckWorkError(msg, "reason")
    return who, why


async def listed(
    uow: UnitOfWork, state: State, kind: str | None = None, limit: int = 50
) -> list[OutboxMessage]:
    """Messages in ``state`` (of ``kind``), oldest first."""
    stmt = select(OutboxMessage).where(OutboxMessage.status == _STATUS[state])
    if kind is not None:
        stmt = stmt.where(OutboxMessage.kind == kind)
    stmt = stmt.order_by(OutboxMessage.created_at, OutboxMessage.id).limit(limit)
    return list((await uow.session.scalars(stmt)).all())


async def actions_of(uow: UnitOfWork, message_id: uuid.UUID) -> list[OutboxAction]:
    """What operators did to a message, oldest first."""
    stmt = (
        select(OutboxAction).where(OutboxAction.message_id == message_id).order_by(OutboxAction.at)
    )
    return list((await uow.session.scalars(stmt)).all())


async def _dead(uow: UnitOfWork, message_id: uuid.UUID) -> OutboxMessage:
    message = await uow.session.get(OutboxMessage, message_id, with_for_update=True)
    if message is None:
        msg = f"no outbox message {message_id}"
        raise StuckWorkError(msg)
    if message.status != OutboxStatus.FAILED:
        msg = f"message {message_id} is {message.status.value.lower()}, not dead"
        raise StuckWorkError(msg)
    return message


def _record(
    uow: UnitOfWork, message: OutboxMessage, action: str, *, who: str, why: str, now: datetime
) -> None:
    uow.session.add(
        OutboxAction(message_id=message.id, action=action, actor=who, reason=why, at=now)
    )
    logger.warning("outbox message %s (%s) %s by %s: %s", message.id, message.kind, action,
                   who, why)  # fmt: skip


async def retry(
    uow: UnitOfWork,
    message_id: uuid.UUID,
    *,
    actor: str,
    reason: str,
    now: datetime,
    settled_kinds: frozenset[str],
) -> OutboxMessage:
    """Put a dead message back as new (``settled_kinds``: kinds whose subject was told it
    failed when the message died, which are not retried)."""
    who, why = _checked(actor, reason)
    message = await _dead(uow, message_id)
    if message.kind in settled_kinds:
        msg = (
            f"message {message_id} ({message.kind}) died and its subject was told so: act on "
            "the subject (push, answer or check it again), which queues new work"
        )
        raise StuckWorkError(msg)
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = now
    message.lease_token = None
    message.last_error = None
    _record(uow, message, "retried", who=who, why=why, now=now)
    await uow.session.flush()
    return message


async def drop(
    uow: UnitOfWork, message_id: uuid.UUID, *, actor: str, reason: str, now: datetime
) -> OutboxMessage:
    """End a dead message for good."""
    who, why = _checked(actor, reason)
    message = await _dead(uow, message_id)
    message.status = OutboxStatus.DROPPED
    message.completed_at = now
    _record(uow, message, "dropped", who=who, why=why, now=now)
    await uow.session.flush()
    return message


# Through GraphQL: an organisation's owners and admins see and act on its own dead messages.
MAX_LISTED = 100


async def _manager(uow: UnitOfWork, viewer: Viewer, organisation_id: uuid.UUID) -> bool:
    membership = await organisation_repo.membership_in(
        uow.session, organisation_id, viewer.account_id
    )
    return membership is not None and membership.role != MembershipRole.STAFF


async def dead_of(
    uow: UnitOfWork, viewer: Viewer, organisation_id: uuid.UUID
) -> list[OutboxMessage]:
    """An organisation's dead messages, oldest first (owners and admins; others none)."""
    if not await _manager(uow, viewer, organisation_id):
        return []
    stmt = (
        select(OutboxMessage)
        .where(
            OutboxMessage.organisation_id == organisation_id,
            OutboxMessage.status == OutboxStatus.FAILED,
        )
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
        .limit(MAX_LISTED)
    )
    return list((await uow.session.scalars(stmt)).all())


async def act_as_member(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    message_id: uuid.UUID,
    action: Literal["retry", "drop"],
    reason: str,
    now: datetime,
    settled_kinds: frozenset[str],
) -> OutboxMessage:
    """Retry or drop one of an organisation's dead messages as its owner or admin; refusals
    are user errors on ``input.id`` / ``input.reason``."""
    field = ("input", "id")
    message = await uow.session.get(OutboxMessage, message_id)
    if message is None or message.organisation_id is None:
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such message.")
    membership = await organisation_repo.membership_in(
        uow.session, message.organisation_id, viewer.account_id
    )
    if membership is None:
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such message.")
    if membership.role == MembershipRole.STAFF:
        raise PermissionDeniedError("Only owners and admins retry or drop stuck work.")
    actor = f"account {viewer.account_id}"
    try:
        if action == "retry":
            return await retry(
                uow, message_id, actor=actor, reason=reason, now=now, settled_kinds=settled_kinds
            )
        return await drop(uow, message_id, actor=actor, reason=reason, now=now)
    except StuckWorkError as exc:
        on = ("input", "reason") if exc.field == "reason" else field
        raise UserInputError.one(ErrorCode.INVALID, on, str(exc)) from None
