"""Events across processes through PostgreSQL LISTEN/NOTIFY, and listener recovery."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from websockets.exceptions import ConnectionClosed

from db.unit_of_work import EventNotice
from resolvers.broker import RESYNC, PostgresBroker, asyncpg_dsn
from resolvers.services.ids import encode_event_cursor
from tests.conftest import PASSWORD
from tests.conftest import post_to as _post
from tests.wsclient import GraphQLWebSocket

pytestmark = pytest.mark.postgres_only


SIGN_UP = """mutation($i: AccountSignUpInput!) { accountSignUp(input: $i) { accessToken { token } userErrors { code } } }"""
CREATE = """mutation($i: OrganisationCreateInput!) { organisationCreate(input: $i) { organisation { id } } }"""
RENAME = """mutation($i: OrganisationUpdateInput!) { organisationUpdate(input: $i) { userErrors { code } } }"""
INVITE = """mutation($i: InvitationCreateInput!) { invitationCreate(input: $i) { invitation { id } userErrors { code } } }"""
ACCEPT = """mutation($i: InvitationDecideInput!) { invitationAccept(input: $i) { membership { id } userErrors { code } } }"""


async def test_an_event_committed_on_one_worker_reaches_a_subscriber_on_another(
    two_servers: tuple[int, int], database_url: str
) -> None:
    writer, reader = two_servers
    signed = await _post(
        writer,
        SIGN_UP,
        {"i": {"email": "x1@example.com", "password": PASSWORD, "displayName": "X"}},
    )
    token = signed["accountSignUp"]["accessToken"]["token"]  # type: ignore[index]
    invitee = await _post(
        writer,
        SIGN_UP,
        {"i": {"email": "x2@example.com", "password": PASSWORD, "displayName": "Y"}},
    )
    invitee_token = invitee["accountSignUp"]["accessToken"]["token"]  # type: ignore[index]
    # The invitee's address counts as proven (its code went to the writer's own mail outbox).
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await connection.execute(
            "UPDATE accounts SET email_verified_at = now() WHERE email_normalised = $1",
            "x2@example.com",
        )
    finally:
        await connection.close()
    org = (await _post(writer, CREATE, {"i": {"name": "Cross Process"}}, token))[
        "organisationCreate"
    ]["organisation"]["id"]  # type: ignore[index]

    ws = await GraphQLWebSocket.open(f"ws://127.0.0.1:{reader}/graphql")
    assert (await ws.init({"Authorization": f"Bearer {token}"}))["type"] == "connection_ack"
    await ws.subscribe(
        "subscription($o: ID!, $after: String) { organisationEvents(organisationId: $o, after: $after) { kind account { email } } }",
        {"o": org, "after": encode_event_cursor(1)},  # after ORGANISATION_CREATED
    )
    # A first change proves the subscription is live (waiting for notices) on the reader ...
    await _post(writer, RENAME, {"i": {"id": org, "name": "Cross Process Renamed"}}, token)
    assert (await ws.next_message(timeout=10))["payload"]["data"]["organisationEvents"][
        "kind"
    ] == "ORGANISATION_RENAMED"
    # ... so this one can only reach it through LISTEN/NOTIFY from the writer process.
    invited = await _post(
        writer,
        INVITE,
        {"i": {"organisationId": org, "email": "x2@example.com", "role": "STAFF"}},
        token,
    )
    invitation = invited["invitationCreate"]["invitation"]["id"]  # type: ignore[index]
    await _post(writer, ACCEPT, {"i": {"id": invitation}}, invitee_token)
    message = await ws.next_message(timeout=10)
    assert message["payload"]["data"]["organisationEvents"] == {
        "kind": "MEMBER_ADDED",
        "account": {"email": "x2@example.com"},
    }
    await ws.close()


@pytest.fixture
async def broker(database_url: str) -> AsyncIterator[PostgresBroker]:
    instance = PostgresBroker(database_url, reconnect_delay=0.05)
    await instance.start()
    try:
        yield instance
    finally:
        await instance.stop()


async def test_listener_reconnects_and_asks_subscribers_to_resync(broker: PostgresBroker) -> None:
    org = uuid.uuid4()
    async with broker.listen(org) as queue:
        await broker.publish([EventNotice(org, 1)])
        assert await asyncio.wait_for(queue.get(), 5) == 1
        await broker.drop_listener_connection()
        assert await asyncio.wait_for(queue.get(), 5) == RESYNC
        await asyncio.wait_for(broker.wait_connected(), 5)
        await broker.publish([EventNotice(org, 2)])
        assert await asyncio.wait_for(queue.get(), 5) == 2


async def test_a_notice_that_cannot_be_sent_is_not_the_clients_failure(
    broker: PostgresBroker, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The transaction has committed when notices go out: a connection the driver finds
    closed (InterfaceError, not a PostgresError) is logged, and the publisher goes on."""

    class ClosedPool:
        def acquire(self) -> Any:
            raise asyncpg.InterfaceError("connection is closed")

    monkeypatch.setattr(broker, "_pool", ClosedPool())
    with caplog.at_level(logging.WARNING, logger="resolvers.broker"):
        await broker.publish([EventNotice(uuid.uuid4(), 1)])
    assert "InterfaceError" in caplog.text
    assert all(record.exc_info is None for record in caplog.records)


async def test_many_concurrent_publishes_all_arrive(broker: PostgresBroker) -> None:
    org = uuid.uuid4()
    async with broker.listen(org) as queue:
        await asyncio.gather(*(broker.publish([EventNotice(org, n)]) for n in range(1, 201)))
        received = {await asyncio.wait_for(queue.get(), 5) for _ in range(200)}
    assert received == set(range(1, 201))


async def _reader_socket(port: int, token: str) -> GraphQLWebSocket:
    ws = await GraphQLWebSocket.open(f"ws://127.0.0.1:{port}/graphql")
    assert (await ws.init({"Authorization": f"Bearer {token}"}))["type"] == "connection_ack"
    await ws.subscribe("query { viewer { account { email } } }")
    assert (await ws.next_message(timeout=10))["type"] == "next"
    assert (await ws.next_message(timeout=10))["type"] == "complete"
    return ws


async def _close_code(ws: GraphQLWebSocket, timeout: float = 20) -> int | None:
    with pytest.raises(ConnectionClosed) as closed:
        await ws.next_message(timeout=timeout)
    return None if closed.value.rcvd is None else closed.value.rcvd.code


async def test_a_token_revoked_on_one_worker_closes_its_socket_on_another(
    two_servers: tuple[int, int],
) -> None:
    writer, reader = two_servers
    email = "revoked@example.com"
    signed = await _post(
        writer, SIGN_UP, {"i": {"email": email, "password": PASSWORD, "displayName": "R"}}
    )
    token = signed["accountSignUp"]["accessToken"]["token"]  # type: ignore[index]
    ws = await _reader_socket(reader, token)
    revoke = "mutation { accessTokenRevoke(input: {everywhere: true}) { revokedCount } }"
    assert (await _post(writer, revoke, {}, token))["accessTokenRevoke"] == {"revokedCount": 1}
    assert await _close_code(ws) == 4403


async def test_a_token_that_expires_closes_its_socket_on_any_worker(
    two_servers: tuple[int, int], database_url: str
) -> None:
    writer, reader = two_servers
    signed = await _post(
        writer,
        SIGN_UP,
        {"i": {"email": "expiring@example.com", "password": PASSWORD, "displayName": "E"}},
    )
    token = signed["accountSignUp"]["accessToken"]["token"]  # type: ignore[index]
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await connection.execute(
            "UPDATE access_tokens SET expires_at = now() + interval '5 seconds'"
        )
    finally:
        await connection.close()
    ws = await _reader_socket(reader, token)
    assert await _close_code(ws) == 4403


async def test_listener_reconnect_rechecks_the_tokens_of_open_sockets(
    broker: PostgresBroker,
) -> None:
    rechecked = asyncio.Event()
    revoked: list[uuid.UUID] = []

    async def resync() -> None:
        rechecked.set()

    broker.on_revocations(revoked.extend, resync)
    token = uuid.uuid4()
    await broker.publish_revocations([token])
    for _ in range(50):
        if revoked:
            break
        await asyncio.sleep(0.1)
    assert revoked == [token]
    await broker.drop_listener_connection()
    await asyncio.wait_for(rechecked.wait(), 5)


async def test_a_served_socket_declines_compression(two_servers: tuple[int, int]) -> None:
    """Clients (browsers, this one) offer permessage-deflate; the served process declines it:
    a socket's deflate state would cost more memory than the rest of its subscriber."""
    from websockets.asyncio.client import connect
    from websockets.typing import Subprotocol

    port, _ = two_servers
    url = f"ws://127.0.0.1:{port}/graphql"
    async with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        assert ws.request is not None and ws.response is not None
        assert "permessage-deflate" in ws.request.headers["Sec-WebSocket-Extensions"]
        assert "Sec-WebSocket-Extensions" not in ws.response.headers
