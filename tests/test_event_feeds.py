"""One reader per organisation per worker: the database work per event does not grow with the
number of subscribers, and a member who leaves stops receiving."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from resolvers import feeds
from resolvers.context import AppState
from resolvers.services.ids import decode_typed_id
from tests.conftest import Api, LiveServer, Member, StatementCounter
from tests.wsclient import GraphQLWebSocket

EVENTS = "subscription($o: ID!) { organisationEvents(organisationId: $o) { kind cursor } }"
RENAME = """mutation($i: OrganisationUpdateInput!) { organisationUpdate(input: $i) {
    userErrors { code } } }"""


async def _subscribed(
    state: AppState, live_server: LiveServer, member: Member, org: str, count: int
) -> list[GraphQLWebSocket]:
    sockets = []
    for _ in range(count):
        ws = await GraphQLWebSocket.open(live_server.ws_url)
        await ws.init({"Authorization": f"Bearer {member.token}"})
        await ws.subscribe(EVENTS, {"o": org})
        sockets.append(ws)
    key = decode_typed_id(org, "Organisation")
    assert isinstance(key, uuid.UUID)
    for _ in range(500):  # until every subscription has joined the feed
        feed = state.feeds._feeds.get(key)
        if feed is not None and len(feed.subscribers) == count:
            break
        await asyncio.sleep(0.01)
    return sockets


async def _statements_per_event(
    api: Api, state: AppState, live_server: LiveServer, statements: StatementCounter, count: int
) -> int:
    owner = await api.sign_up("owner")
    org = await api.organisation(owner)
    sockets = await _subscribed(state, live_server, owner, org, count)
    try:
        counts = []
        for attempt in range(2):  # the first warms what is cached per process
            statements.count = 0
            await api.ok(
                RENAME, {"i": {"id": org, "name": f"Renamed {count}.{attempt}"}},
                token=owner.token,
            )  # fmt: skip
            for ws in sockets:
                event = (await ws.next_message(timeout=10))["payload"]["data"]
                assert event["organisationEvents"]["kind"] == "ORGANISATION_RENAMED"
            counts.append(statements.count)
        return counts[-1]
    finally:
        for ws in sockets:
            await ws.close()


async def test_statements_per_event_do_not_grow_with_subscribers(
    api: Api, state: AppState, live_server: LiveServer, statements: StatementCounter
) -> None:
    one = await _statements_per_event(api, state, live_server, statements, 1)
    many = await _statements_per_event(api, state, live_server, statements, 12)
    assert many == one


async def test_a_member_who_leaves_stops_receiving(
    api: Api, state: AppState, live_server: LiveServer
) -> None:
    owner = await api.sign_up("owner")
    org = await api.organisation(owner)
    member = await api.sign_up("member")
    membership = await api.add_member(owner, org, member, "STAFF")
    [owner_ws] = await _subscribed(state, live_server, owner, org, 1)
    member_ws = await GraphQLWebSocket.open(live_server.ws_url)
    await member_ws.init({"Authorization": f"Bearer {member.token}"})
    await member_ws.subscribe(EVENTS, {"o": org})
    try:
        await api.ok(
            """mutation($i: MembershipDeleteInput!) { membershipDelete(input: $i) {
                userErrors { code } } }""",
            {"i": {"id": membership}},
            token=owner.token,
        )
        assert (await owner_ws.next_message())["payload"]["data"]["organisationEvents"][
            "kind"
        ] == "MEMBER_REMOVED"
        # The member's subscription ends (complete) instead of receiving the organisation's news.
        ended = await member_ws.next_message()
        assert ended["type"] == "complete", ended
    finally:
        await owner_ws.close()
        await member_ws.close()


async def test_a_reader_that_cannot_start_fails_its_subscription_not_the_next(
    api: Api, state: AppState, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from db.repositories import event as event_repo

    owner = await api.sign_up("owner")
    org = await api.organisation(owner)
    real = event_repo.last_seq

    async def down_once(*args: object, **kwargs: object) -> int:
        monkeypatch.setattr(event_repo, "last_seq", real)
        msg = "the database went away"
        raise OSError(msg)

    monkeypatch.setattr(event_repo, "last_seq", down_once)
    ws = await GraphQLWebSocket.open(live_server.ws_url)
    await ws.init({"Authorization": f"Bearer {owner.token}"})
    await ws.subscribe(EVENTS, {"o": org})
    failed = await ws.next_message()
    assert failed["type"] in {"error", "next"}, failed
    assert "database went away" not in str(failed)  # no internal detail reaches the client
    errors = failed["payload"] if failed["type"] == "error" else failed["payload"]["errors"]
    assert errors[0]["message"] == "Unexpected error."
    assert errors[0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert errors[0]["extensions"]["requestId"]
    if failed["type"] == "next":
        assert failed["payload"]["errors"], failed
    [working] = await _subscribed(state, live_server, owner, org, 1)
    try:
        await api.ok(RENAME, {"i": {"id": org, "name": "Still here"}}, token=owner.token)
        event = (await working.next_message())["payload"]["data"]["organisationEvents"]
        assert event["kind"] == "ORGANISATION_RENAMED"
    finally:
        await ws.close()
        await working.close()


async def test_a_reader_that_swallows_its_cancellation_still_stops_and_blocks_no_one(
    state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cancellation can be lost (``asyncio.wait_for`` on Python 3.11 drops one that lands as
    its wait ends; a database driver may swallow one). Stopping the feed's reader still ends
    it, and no other organisation's subscription waits meanwhile: before, the worker's feeds
    stayed locked for good and no new subscription there received anything."""
    monkeypatch.setattr(feeds, "STOP_SECONDS", 1.0)
    swallowed: list[int] = []

    # The never-stopping reader ends when the test is done with it: a task that swallows
    # every cancellation would otherwise keep the test session's event loop from closing.
    done = asyncio.Event()

    async def stubborn(feed: feeds.OrganisationFeed, *, forever: bool = False) -> None:
        while (forever and not done.is_set()) or (not forever and not feed.stopping):
            try:
                await asyncio.sleep(0.02)
            except asyncio.CancelledError:
                swallowed.append(1)

    async with asyncio.timeout(10):
        reader = feeds.OrganisationFeed(state, uuid.uuid4())
        reader.task = asyncio.create_task(stubborn(reader))
        await asyncio.sleep(0.05)
        await reader.stop()
        assert reader.task.done() and swallowed
        # A reader that never stops is left behind after STOP_SECONDS, outside the lock.
        hub = feeds.Feeds(state)
        first, second = uuid.uuid4(), uuid.uuid4()
        entered, leave = asyncio.Event(), asyncio.Event()

        left_behind: list[asyncio.Task[None]] = []

        async def subscriber() -> None:
            async with hub.join(first, feeds.Subscriber(uuid.uuid4(), None)) as feed:
                assert feed.task is not None
                feed.task.cancel()
                feed.task = asyncio.create_task(stubborn(feed, forever=True))
                left_behind.append(feed.task)
                entered.set()
                await leave.wait()

        leaving = asyncio.create_task(subscriber())
        await entered.wait()
        leave.set()
        await asyncio.sleep(0.05)  # it is stopping its reader now
        async with asyncio.timeout(0.5):  # another organisation's subscriber joins at once
            async with hub.join(second, feeds.Subscriber(uuid.uuid4(), None)) as other:
                assert other.ready.is_set()
        await leaving
        assert not left_behind[0].done()  # left to finish on its own
        done.set()
        await left_behind[0]
