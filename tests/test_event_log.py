"""The event log: events are numbered when their unit of work commits, one after another per
organisation, and a rolled-back savepoint leaves none of its events behind."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from db.models import OrganisationEvent
from db.repositories import event as event_repo
from resolvers.context import AppState
from resolvers.services.ids import decode_typed_id
from tests.conftest import Api


async def _organisation(api: Api, name: str) -> uuid.UUID:
    owner = await api.sign_up(name)
    key = decode_typed_id(await api.organisation(owner), "Organisation")
    assert isinstance(key, uuid.UUID)
    return key


async def _last(state: AppState, organisation_id: uuid.UUID) -> int:
    async with state.db.read() as session:
        return await event_repo.last_seq(session, organisation_id)


async def _log(state: AppState, organisation_id: uuid.UUID) -> list[tuple[int, str]]:
    async with state.db.read() as session:
        rows = await session.scalars(
            select(OrganisationEvent)
            .where(OrganisationEvent.organisation_id == organisation_id)
            .order_by(OrganisationEvent.seq)
        )
        return [(e.seq, e.kind) for e in rows]


async def test_events_are_numbered_at_commit_per_organisation(api: Api, state: AppState) -> None:
    first, second = await _organisation(api, "first"), await _organisation(api, "second")
    before = {key: await _last(state, key) for key in (first, second)}
    async with state.unit_of_work() as uow:
        for kind in ("A", "B"):
            await event_repo.append(uow, organisation_id=second, kind=f"TEST_{kind}")
            await event_repo.append(uow, organisation_id=first, kind=f"TEST_{kind}")
        assert not uow.notices  # nothing is numbered before the commit
    for key in (first, second):
        assert (await _log(state, key))[-2:] == [
            (before[key] + 1, "TEST_A"),
            (before[key] + 2, "TEST_B"),
        ]
        assert await _last(state, key) == before[key] + 2


async def test_a_rolled_back_savepoint_leaves_no_event(api: Api, state: AppState) -> None:
    key = await _organisation(api, "saver")
    before = await _last(state, key)
    async with state.unit_of_work() as uow:
        await event_repo.append(uow, organisation_id=key, kind="TEST_KEPT")

        async def undone() -> None:
            async with uow.savepoint():
                await event_repo.append(uow, organisation_id=key, kind="TEST_UNDONE")
                raise LookupError

        with pytest.raises(LookupError):
            await undone()
        await event_repo.append(uow, organisation_id=key, kind="TEST_AFTER")
    assert (await _log(state, key))[-2:] == [(before + 1, "TEST_KEPT"), (before + 2, "TEST_AFTER")]


async def test_an_event_of_no_organisation_fails_the_commit(api: Api, state: AppState) -> None:
    key = await _organisation(api, "real")
    before = await _log(state, key)

    async def write() -> None:
        async with state.unit_of_work() as uow:
            await event_repo.append(uow, organisation_id=key, kind="TEST_REAL")
            await event_repo.append(uow, organisation_id=uuid.uuid4(), kind="TEST_NOWHERE")

    with pytest.raises(LookupError):
        await write()
    assert await _log(state, key) == before  # the whole unit rolled back
