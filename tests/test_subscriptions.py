"""``organisationEvents`` over a real WebSocket (uvicorn on a loopback port)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from websockets.exceptions import ConnectionClosed, InvalidStatus

from db.base import utcnow
from db.models import AccessToken, Organisation
from resolvers.context import AppState
from server.settings import Settings
from tests.conftest import ALLOWED_ORIGIN, Api, LiveServer, Member, event_cursor
from tests.wsclient import GraphQLWebSocket

EVENTS = """subscription($org: ID!, $after: String) {
  organisationEvents(organisationId: $org, after: $after) {
    cursor kind role name actor { email } account { email } organisation { name }
  }
}"""


async def _connect(server: LiveServer, member: Member) -> GraphQLWebSocket:
    return await _connect_token(server, member.token)


async def _connect_token(server: LiveServer, token: str) -> GraphQLWebSocket:
    ws = await GraphQLWebSocket.open(server.ws_url)
    assert (await ws.init({"Authorization": f"Bearer {token}"}))["type"] == "connection_ack"
    return ws


async def test_member_added_event_reaches_the_subscriber(
    api: Api, live_server: LiveServer, state: AppState
) -> None:
    owner, newcomer = await api.sign_up("owner"), await api.sign_up("newcomer")
    org = await api.organisation(owner, "Sharma Traders")
    ws = await _connect(live_server, owner)
    op = await ws.subscribe(EVENTS, {"org": org, "after": await event_cursor(state, org)})
    await api.add_member(owner, org, newcomer, "STAFF")
    message = await ws.next_message()
    assert message["id"] == op
    assert message["type"] == "next"
    event = message["payload"]["data"]["organisationEvents"]
    assert event["kind"] == "MEMBER_ADDED"
    assert event["role"] == "STAFF"
    assert event["actor"] == {"email": owner.email}
    assert event["account"] == {"email": newcomer.email}
    assert event["organisation"] == {"name": "Sharma Traders"}
    await ws.close()


async def test_each_event_is_resolved_with_fresh_loaders(
    api: Api, live_server: LiveServer, state: AppState
) -> None:
    owner = await api.sign_up()
    org = await api.organisation(owner, "Before")
    ws = await _connect(live_server, owner)
    await ws.subscribe(EVENTS, {"org": org, "after": await event_cursor(state, org)})
    rename = """mutation($i: OrganisationUpdateInput!) { organisationUpdate(input: $i) { userErrors { code } } }"""
    for name in ("First Name", "Second Name"):
        await api.ok(rename, {"i": {"id": org, "name": name}}, token=owner.token)
        event = (await ws.next_message())["payload"]["data"]["organisationEvents"]
        assert (event["kind"], event["name"], event["organisation"]["name"]) == (
            "ORGANISATION_RENAMED",
            name,
            name,
        )
    await ws.close()


async def test_resume_from_a_cursor_replays_what_was_missed(
    api: Api, live_server: LiveServer, state: AppState
) -> None:
    owner = await api.sign_up()
    org = await api.organisation(owner)
    members = [await api.sign_up(f"m{i}") for i in range(3)]
    ws = await _connect(live_server, owner)
    await ws.subscribe(EVENTS, {"org": org, "after": await event_cursor(state, org)})
    await api.add_member(owner, org, members[0], "STAFF")
    first = (await ws.next_message())["payload"]["data"]["organisationEvents"]
    await ws.close()
    # While disconnected:
    await api.add_member(owner, org, members[1], "STAFF")
    await api.add_member(owner, org, members[2], "ADMIN")
    ws = await _connect(live_server, owner)
    await ws.subscribe(EVENTS, {"org": org, "after": first["cursor"]})
    missed = [(await ws.next_message())["payload"]["data"]["organisationEvents"] for _ in range(2)]
    assert [(e["account"]["email"], e["role"]) for e in missed] == [
        (members[1].email, "STAFF"),
        (members[2].email, "ADMIN"),
    ]
    # ...and then it goes on live.
    late = await api.sign_up("late")
    await api.add_member(owner, org, late, "STAFF")
    live = (await ws.next_message())["payload"]["data"]["organisationEvents"]
    assert live["account"]["email"] == late.email
    await ws.close()


async def test_another_organisation_cannot_be_subscribed_to(
    api: Api, live_server: LiveServer
) -> None:
    owner, stranger = await api.sign_up(), await api.sign_up()
    org = await api.organisation(owner)
    ws = await _connect(live_server, stranger)
    op = await ws.subscribe(EVENTS, {"org": org})
    message = await ws.next_message()
    assert message["id"] == op
    assert message["type"] == "next"
    assert message["payload"]["data"] is None
    assert message["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await ws.next_message() == {"id": op, "type": "complete"}
    await ws.close()


async def test_bad_cursor_is_an_error(api: Api, live_server: LiveServer) -> None:
    owner = await api.sign_up()
    org = await api.organisation(owner)
    ws = await _connect(live_server, owner)
    await ws.subscribe(EVENTS, {"org": org, "after": "not-a-cursor"})
    message = await ws.next_message()
    assert message["type"] == "next"
    assert message["payload"]["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    await ws.close()


async def test_revoking_the_token_ends_the_stream(
    api: Api, live_server: LiveServer, state: AppState
) -> None:
    owner, other_owner = await api.sign_up(), await api.sign_up()
    org = await api.organisation(owner)
    await api.add_member(owner, org, other_owner, "OWNER")
    ws = await _connect(live_server, owner)
    await ws.subscribe(EVENTS, {"org": org, "after": await event_cursor(state, org)})
    await api.ok("mutation { accessTokenRevoke { revokedCount } }", token=owner.token)
    seen, code = await _until_closed(ws)
    # The organisation's reader may notice the revoked token first and end the stream
    # (complete) just before the socket itself is closed; nothing else comes.
    assert all(message["type"] == "complete" for message in seen), seen
    assert code == 4403
    assert len(state.sessions) == 0


async def _until_closed(socket: GraphQLWebSocket) -> tuple[list[dict[str, Any]], int | None]:
    """What the socket receives until the server closes it, and the close code."""
    seen: list[dict[str, Any]] = []
    try:
        while True:
            seen.append(await socket.next_message())
    except ConnectionClosed as closed:
        return seen, None if closed.rcvd is None else closed.rcvd.code


async def _close_code(socket: GraphQLWebSocket, query: str) -> int | None:
    """Send ``query`` and read until the server closes the socket; its close code."""
    try:
        await socket.subscribe(query)
        while True:
            await socket.next_message()
    except ConnectionClosed as closed:
        return None if closed.rcvd is None else closed.rcvd.code


async def test_an_open_socket_runs_nothing_after_its_token_is_revoked(
    api: Api, live_server: LiveServer, state: AppState
) -> None:
    owner = await api.sign_up()
    other_session = await api.log_in(owner)
    ws = await _connect(live_server, owner)
    keep = await _connect_token(live_server, other_session)
    await ws.subscribe("query { viewer { account { email } } }")
    assert (await ws.next_message())["payload"]["data"]["viewer"]["account"]["email"] == owner.email
    await ws.next_message()  # complete
    revoke = "mutation { accessTokenRevoke(input: {everywhere: true}) { revokedCount } }"
    assert (await api.ok(revoke, token=owner.token))["accessTokenRevoke"]["revokedCount"] == 2
    late = 'mutation { organisationCreate(input: {name: "Late"}) { userErrors { code } } }'
    for socket in (ws, keep):
        assert await _close_code(socket, late) == 4403
    async with state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Organisation)) == 0


async def test_a_socket_closes_when_its_token_expires(
    api: Api, live_server: LiveServer, state: AppState
) -> None:
    owner = await api.sign_up()
    soon = utcnow() + timedelta(seconds=5)
    async with state.db.engine.begin() as connection:
        await connection.execute(update(AccessToken).values(expires_at=soon))
    ws = await _connect(live_server, owner)
    await ws.subscribe("query { viewer { account { email } } }")
    assert (await ws.next_message())["type"] == "next"
    await ws.next_message()  # complete
    # Nothing sent: the socket is closed when the token expires.
    with pytest.raises(ConnectionClosed) as closed:
        await ws.next_message(timeout=20)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"Authorization": "Bearer bct_wrong"},
        {"Authorization": 42},
        {"authorization": "Basic abc"},
    ],
)
async def test_bad_or_missing_token_closes_the_connection(
    live_server: LiveServer, payload: dict[str, object]
) -> None:
    ws = await GraphQLWebSocket.open(live_server.ws_url)
    await ws.send({"type": "connection_init", "payload": payload})
    with pytest.raises(ConnectionClosed) as closed:
        await ws.receive()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403


async def test_connection_init_must_come_in_time(live_server: LiveServer) -> None:
    ws = await GraphQLWebSocket.open(live_server.ws_url)
    with pytest.raises(ConnectionClosed) as closed:
        await ws.receive(timeout=5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4408


async def test_subscribe_before_init_is_refused(live_server: LiveServer) -> None:
    ws = await GraphQLWebSocket.open(live_server.ws_url)
    await ws.subscribe('subscription { organisationEvents(organisationId: "x") { kind } }')
    with pytest.raises(ConnectionClosed) as closed:
        await ws.receive()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401


async def test_only_the_graphql_transport_ws_protocol_is_spoken(live_server: LiveServer) -> None:
    try:
        ws = await GraphQLWebSocket.open(live_server.ws_url, subprotocol="graphql-ws")
    except InvalidStatus:
        return  # refused at the handshake
    with pytest.raises(ConnectionClosed) as closed:
        await ws.receive()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4406


async def test_cross_origin_handshakes_need_an_allowed_origin(
    api: Api, live_server: LiveServer
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await GraphQLWebSocket.open(live_server.ws_url, origin="http://evil.example")
    assert refused.value.response.status_code == 403
    member = await api.sign_up()
    ws = await GraphQLWebSocket.open(live_server.ws_url, origin=ALLOWED_ORIGIN)
    assert (await ws.init({"Authorization": f"Bearer {member.token}"}))["type"] == "connection_ack"
    await ws.close()


async def test_subscriptions_per_connection_are_capped(
    api: Api, live_server: LiveServer, settings: Settings
) -> None:
    owner = await api.sign_up()
    org = await api.organisation(owner)
    ws = await _connect(live_server, owner)
    for _ in range(settings.max_subscriptions_per_connection):
        await ws.subscribe(EVENTS, {"org": org})
    over = await ws.subscribe(EVENTS, {"org": org})
    message = await ws.next_message()
    assert message["id"] == over
    assert message["type"] == "error"
    assert message["payload"][0]["message"] == "Subscription limit reached"
    await ws.close()


async def test_a_lost_revocation_notice_still_stops_the_socket(
    api: Api, live_server: LiveServer, state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server import ws as ws_module

    owner = await api.sign_up()
    ws = await _connect(live_server, owner)

    async def lost(_token_ids: object) -> None:
        return None

    monkeypatch.setattr(state.broker, "publish_revocations", lost)
    monkeypatch.setattr(ws_module, "RECHECK_EVERY", timedelta(0))
    await api.ok("mutation { accessTokenRevoke { revokedCount } }", token=owner.token)
    assert len(state.sessions) == 1  # no notice arrived
    assert await _close_code(ws, "query { viewer { account { email } } }") == 4403
    assert len(state.sessions) == 0
