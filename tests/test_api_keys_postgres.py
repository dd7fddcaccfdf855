"""API keys with two API processes sharing one PostgreSQL database: a key made on one works on
the other, over HTTP and WebSocket, and revoking it on one closes its sockets on the other."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import PASSWORD
from tests.conftest import post_to as _post
from tests.test_api_keys import CREATE, REVOKE, _close_code
from tests.wsclient import GraphQLWebSocket

pytestmark = pytest.mark.postgres_only

SIGN_UP = (
    """mutation($i: AccountSignUpInput!) { accountSignUp(input: $i) { accessToken { token } } }"""
)
ORGANISATION = """mutation($i: OrganisationCreateInput!) { organisationCreate(input: $i) { organisation { id } } }"""
MINE = "query { viewer { organisations { nodes { id } } } }"


async def test_a_key_made_on_one_worker_works_and_is_revoked_on_the_other(
    two_servers: tuple[int, int],
) -> None:
    first, second = two_servers
    signed = await _post(
        first, SIGN_UP,
        {"i": {"email": "keys@example.com", "password": PASSWORD, "displayName": "K"}},
    )  # fmt: skip
    token = str(signed["accountSignUp"]["accessToken"]["token"])  # type: ignore[index]
    created = await _post(first, ORGANISATION, {"i": {"name": "Two Workers"}}, token)
    org = str(created["organisationCreate"]["organisation"]["id"])  # type: ignore[index]
    made = await _post(
        first, CREATE, {"input": {"organisationId": org, "name": "ERP", "scopes": ["READ"]}},
        token,
    )  # fmt: skip
    key = made["apiKeyCreate"]
    secret, key_id = str(key["secret"]), str(key["apiKey"]["id"])  # type: ignore[index]
    seen = await _post(second, MINE, {}, secret)
    assert seen["viewer"]["organisations"]["nodes"] == [{"id": org}]  # type: ignore[index]
    ws = await GraphQLWebSocket.open(f"ws://127.0.0.1:{second}/graphql")
    try:
        assert (await ws.init({"Authorization": f"Bearer {secret}"}))["type"] == "connection_ack"
        await ws.subscribe(MINE)
        assert (await ws.next_message())["payload"]["data"]["viewer"]["organisations"]
        await _post(first, REVOKE, {"input": {"apiKeyId": key_id}}, token)
        assert await _close_code(ws) == 4403
    finally:
        await ws.close()
    async with httpx.AsyncClient() as http:
        refused = await http.post(
            f"http://127.0.0.1:{second}/graphql", json={"query": MINE},
            headers={"authorization": f"Bearer {secret}"},
        )  # fmt: skip
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
