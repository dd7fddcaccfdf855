"""The organisation event log.

Appending bumps ``organisations.event_seq`` with ``UPDATE ... RETURNING``, which holds the
organisation's row lock until commit: events of one organisation therefore commit in ``seq``
order, and a subscriber reading ``seq > cursor`` can never skip an event that commits late.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Organisation, OrganisationEvent
from db.unit_of_work import EventNotice, UnitOfWork


async def append(
    uow: UnitOfWork,
    *,
    organisation_id: uuid.UUID,
    kind: str,
    actor_account_id: uuid.UUID | None = None,
    subject_account_id: uuid.UUID | None = None,
    data: dict[str, Any] | None = None,
) -> OrganisationEvent:
    """Record an event and queue its notice for after commit."""
    seq = await uow.session.scalar(
        update(Organisation)
        .where(Organisation.id == organisation_id)
        .values(event_seq=Organisation.event_seq + 1)
        .returning(Organisation.event_seq)
    )
    if seq is None:
        msg = f"organisation {organisation_id} does not exist"
        raise LookupError(msg)
    event = OrganisationEvent(
        organisation_id=organisation_id,
        seq=seq,
        kind=kind,
        actor_account_id=actor_account_id,
        subject_account_id=subject_account_id,
        data=data or {},
    )
    uow.session.add(event)
    await uow.session.flush()
    uow.notices.append(EventNotice(organisation_id, seq))
    return event


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
