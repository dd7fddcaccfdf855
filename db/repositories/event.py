"""The organisation event log.

:func:`append` records an event in the unit of work; :func:`write_pending`, run by the unit of
work just before it commits, numbers them: one ``UPDATE organisations SET event_seq =
event_seq + n ... RETURNING`` per organisation (in organisation id order), which holds the
organisation's row lock until commit, and writes them. Events of one organisation therefore
commit in ``seq`` order, and a subscriber reading ``seq > cursor`` can never skip an event that
commits late; and since the lock is taken at the very end, concurrent writes to one
organisation wait for each other only for their commit, not for all their work. The same
statement says whether the organisation has webhook endpoints, whose deliveries are then woken
(:func:`db.repositories.webhook.wake`).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contract import tracing
from db.models import Organisation, OrganisationEvent
from db.repositories import webhook as webhook_repo
from db.unit_of_work import EventNotice, UnitOfWork


async def append(
    uow: UnitOfWork,
    *,
    organisation_id: uuid.UUID,
    kind: str,
    actor_account_id: uuid.UUID | None = None,
    subject_account_id: uuid.UUID | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Record an event (numbered and written when the unit of work commits; its notice is
    published after the commit)."""
    uow.events.append(
        OrganisationEvent(
            organisation_id=organisation_id,
            kind=kind,
            actor_account_id=actor_account_id,
            subject_account_id=subject_account_id,
            data=data or {},
            trace_context=tracing.carrier(),
        )
    )


async def write_pending(uow: UnitOfWork) -> None:
    """Number the unit's recorded events and write them (called just before the commit)."""
    if not uow.events:
        return
    by_organisation: dict[uuid.UUID, list[OrganisationEvent]] = {}
    for event in uow.events:
        by_organisation.setdefault(event.organisation_id, []).append(event)
    uow.events = []
    for organisation_id in sorted(by_organisation):
        events = by_organisation[organisation_id]
        numbered = (
            await uow.session.execute(
                update(Organisation)
                .where(Organisation.id == organisation_id)
                .values(event_seq=Organisation.event_seq + len(events))
                .returning(Organisation.event_seq, Organisation.webhook_endpoints)
            )
        ).one_or_none()
        if numbered is None:
            msg = f"organisation {organisation_id} does not exist"
            raise LookupError(msg)
        last, endpoints = numbered
        if endpoints:
            await webhook_repo.wake(uow, organisation_id, {event.kind for event in events})
        for seq, event in enumerate(events, start=last - len(events) + 1):
            event.seq = seq
        uow.session.add_all(events)
        uow.notices.append(EventNotice(organisation_id, last))
    await uow.session.flush()


async def after(
    session: AsyncSession, organisation_id: uuid.UUID, seq: int, limit: int = 100
) -> list[OrganisationEvent]:
    """Events of the organisation with ``seq`` above the given one, oldest first."""
    stmt = (
        select(OrganisationEvent)
        .where(OrganisationEvent.organisation_id == organisation_id, OrganisationEvent.seq > seq)
        .order_by(OrganisationEvent.seq)
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())


async def last_seq(session: AsyncSession, organisation_id: uuid.UUID) -> int:
    """The organisation's latest event number (0 when it has none)."""
    value = await session.scalar(
        select(Organisation.event_seq).where(Organisation.id == organisation_id)
    )
    return int(value or 0)
