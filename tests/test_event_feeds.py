"""One reader per organisation per worker: the database work per event does not grow with the
number of subscribers, and a member who leaves stops receiving."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from resolvers.context import AppState
from resolvers.ids import decode_typed_id
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
