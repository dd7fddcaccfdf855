"""API keys for partners' systems: created by owners for one organisation with scopes, shown
once, rotated with a grace period, revoked, bounded by their scopes and by their creator's
role, accepted over HTTP and WebSocket, with their last use recorded."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from websockets.exceptions import ConnectionClosed

from db.base import utcnow
from db.models import AccessToken, Account
from resolvers.context import AppState
from resolvers.services import accounts
from schema.schema import build_schema
from schema.scopes import MUTATION_SCOPES, PEOPLE_ONLY
from tests.conftest import Api, LiveServer, Member
from tests.wsclient import GraphQLWebSocket

CREATE = """mutation($input: ApiKeyCreateInput!) { apiKeyCreate(input: $input) {
    apiKey { id name scopes hint lastUsedAt revokedAt } secret userErrors { code field message } } }"""
ROTATE = """mutation($input: ApiKeyRotateInput!) { apiKeyRotate(input: $input) {
    apiKey { id rotatedAt hint } secret userErrors { code field message } } }"""
REVOKE = """mutation($input: ApiKeyRevokeInput!) { apiKeyRevoke(input: $input) {
    apiKey { revokedAt } userErrors { code field message } } }"""
KEYS = "query($id: ID!) { organisation(id: $id) { apiKeys { id name scopes lastUsedAt } } }"
ORG = "query($id: ID!) { organisation(id: $id) { id name } }"
CONTACT = """mutation($input: ContactCreateInput!) { contactCreate(input: $input) {
    contact { id } userErrors { code field message } } }"""
RENAME = """mutation($input: OrganisationUpdateInput!) { organisationUpdate(input: $input) {
    organisation { name } userErrors { code field message } } }"""
ROLE = """mutation($input: MembershipUpdateInput!) { membershipUpdate(input: $input) {
    membership { role } userErrors { code field message } } }"""


async def _key(
    api: Api, owner: Member, org: str, *scopes: str, name: str = "Tally connector"
) -> tuple[str, str]:
    data = await api.ok(
        CREATE, {"input": {"organisationId": org, "name": name, "scopes": list(scopes)}},
        token=owner.token,
    )  # fmt: skip
    created = data["apiKeyCreate"]
    return created["apiKey"]["id"], created["secret"]


async def _as_key(
    api: Api, secret: str, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    return await api(query, variables, token=secret)


async def _close_code(ws: GraphQLWebSocket) -> int | None:
    """Read until the server closes the socket; its close code."""
    try:
        while True:
            await ws.next_message(timeout=10)
    except ConnectionClosed as closed:
        return None if closed.rcvd is None else closed.rcvd.code


def _code(result: dict[str, Any]) -> str:
    code: str = result["errors"][0]["extensions"]["code"]
    return code


def test_every_mutation_is_either_scoped_or_for_people_only() -> None:
    """A new mutation must say what a key needs for it (or that keys may not run it)."""
    fields = set(build_schema()._schema.mutation_type.fields)  # type: ignore[union-attr]
    assert fields == set(MUTATION_SCOPES) | PEOPLE_ONLY
    assert not set(MUTATION_SCOPES) & PEOPLE_ONLY


async def test_an_owner_creates_a_key_that_sees_its_one_organisation(
    api: Api, state: AppState
) -> None:
    owner = await api.sign_up("owner")
    org = await api.organisation(owner, "Sharma Traders")
    other = await api.organisation(owner, "Sharma Exports")
    key_id, secret = await _key(api, owner, org, "READ", "DOCUMENTS")
    assert secret.startswith("bck_") and len(secret) > 40
    listed = (await api.ok(KEYS, {"id": org}, token=owner.token))["organisation"]["apiKeys"]
    assert listed == [
        {
            "id": key_id,
            "name": "Tally connector",
            "scopes": ["READ", "DOCUMENTS"],
            "lastUsedAt": None,
        }
    ]
    # Only a digest of the secret is kept.
    async with state.db.read() as session:
        digests = (await session.scalars(select(AccessToken.token_digest))).all()
    assert accounts.digest_token(secret) in digests and secret not in digests
    # The key sees its organisation and no other of its creator's.
    mine = await _as_key(api, secret, ORG, {"id": org})
    assert mine["data"]["organisation"] == {"id": org, "name": "Sharma Traders"}
    assert (await _as_key(api, secret, ORG, {"id": other}))["data"]["organisation"] is None
    orgs = await _as_key(api, secret, "{ viewer { organisations { nodes { id } } } }")
    assert orgs["data"]["viewer"]["organisations"]["nodes"] == [{"id": org}]
    # Its account is listed with the keys, not among the members.
    members = await api.ok(
        "query($id: ID!) { organisation(id: $id) { members { nodes { role } } } }",
        {"id": org}, token=owner.token,
    )  # fmt: skip
    assert members["organisation"]["members"]["nodes"] == [{"role": "OWNER"}]
    # Its use is recorded.
    used = (await api.ok(KEYS, {"id": org}, token=owner.token))["organisation"]["apiKeys"]
    assert used[0]["lastUsedAt"] is not None
    # Its account cannot log in.
    async with state.db.read() as session:
        address = (
            await session.scalars(select(Account.email).where(Account.kind == "API_KEY"))
        ).one()
    login = await api(
        """mutation($input: AccessTokenCreateInput!) { accessTokenCreate(input: $input) {
            accessToken { token } userErrors { code } } }""",
        {"input": {"email": address, "password": "!"}},
    )
    assert login["data"]["accessTokenCreate"]["userErrors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_only_owners_manage_keys_and_keys_never_do(api: Api) -> None:
    owner, admin = await api.sign_up("owner"), await api.sign_up("admin")
    org = await api.organisation(owner)
    await api.add_member(owner, org, admin, "ADMIN")
    refused = await api(
        CREATE,
        {"input": {"organisationId": org, "name": "x", "scopes": ["READ"]}},
        token=admin.token,
    )
    assert _code(refused) == "FORBIDDEN"
    assert (await api.ok(KEYS, {"id": org}, token=admin.token))["organisation"]["apiKeys"] == []
    _, secret = await _key(api, owner, org, "READ", "ADMIN")
    by_key = await _as_key(
        api, secret, CREATE, {"input": {"organisationId": org, "name": "y", "scopes": ["READ"]}}
    )
    assert _code(by_key) == "FORBIDDEN"
    for bad, field in (({"name": " ", "scopes": ["READ"]}, "name"), ({"name": "z", "scopes": []}, "scopes"),
                       ({"name": "n" * 101, "scopes": ["READ"]}, "name")):  # fmt: skip
        data = await api(CREATE, {"input": {"organisationId": org, **bad}}, token=owner.token)
        errors = data["data"]["apiKeyCreate"]["userErrors"]
        assert errors[0]["field"] == ["input", field], (bad, errors)
    # Of all these, only the owner's one key was made.
    kept = (await api.ok(KEYS, {"id": org}, token=owner.token))["organisation"]["apiKeys"]
    assert [key["scopes"] for key in kept] == [["READ", "ADMIN"]]


async def test_scopes_bound_what_a_key_does(api: Api) -> None:
    owner = await api.sign_up("owner")
    org = await api.organisation(owner, "Scoped Traders")
    _, documents = await _key(api, owner, org, "READ", "DOCUMENTS")
    _, write_only = await _key(api, owner, org, "DOCUMENTS", name="Write only")
    rename = {"input": {"id": org, "name": "Renamed"}}
    refused = await _as_key(api, documents, RENAME, rename)
    assert _code(refused) == "FORBIDDEN"
    assert "admin scope" in refused["errors"][0]["message"]
    assert (
        _code(
            await _as_key(
                api,
                documents,
                'mutation { organisationCreate(input: {name: "K"}) { userErrors { code } } }',
            )
        )
        == "FORBIDDEN"
    )
    assert _code(await _as_key(api, write_only, ORG, {"id": org})) == "FORBIDDEN"
    # A fragment or alias is no way around the check.
    sneaky = "mutation($input: OrganisationUpdateInput!) { ...F } fragment F on Mutation { x: organisationUpdate(input: $input) { userErrors { code } } }"
    assert _code(await _as_key(api, documents, sneaky, rename)) == "FORBIDDEN"
    names = await api.ok(ORG, {"id": org}, token=owner.token)
    assert names["organisation"]["name"] == "Scoped Traders"


async def test_an_admin_key_is_bounded_by_its_role_and_its_creators(api: Api) -> None:
    owner, co_owner = await api.sign_up("owner"), await api.sign_up("co")
    org = await api.organisation(owner, "Role Traders")
    membership = await api.add_member(owner, org, co_owner, "OWNER")
    _, secret = await _key(api, owner, org, "READ", "ADMIN")
    renamed = await _as_key(api, secret, RENAME, {"input": {"id": org, "name": "By Key"}})
    assert renamed["data"]["organisationUpdate"]["userErrors"] == []
    # The key is an admin: it cannot demote an owner.
    demote = {"input": {"id": membership, "role": "STAFF"}}
    assert _code(await _as_key(api, secret, ROLE, demote)) == "FORBIDDEN"
    # Its creator is demoted: the key stops working; made owner again, it works again.
    members = await api.ok(
        "query($id: ID!) { organisation(id: $id) { members { nodes { id account { email } } } } }",
        {"id": org}, token=owner.token,
    )  # fmt: skip
    own_membership = next(
        m["id"] for m in members["organisation"]["members"]["nodes"]
        if m["account"]["email"] == owner.email
    )  # fmt: skip
    await api.ok(ROLE, {"input": {"id": own_membership, "role": "ADMIN"}}, token=co_owner.token)
    stopped = await _as_key(api, secret, ORG, {"id": org})
    assert _code(stopped) == "UNAUTHENTICATED"
    assert "creator" in stopped["errors"][0]["message"]
    await api.ok(ROLE, {"input": {"id": own_membership, "role": "OWNER"}}, token=co_owner.token)
    assert (await _as_key(api, secret, ORG, {"id": org}))["data"]["organisation"]["id"] == org


async def test_rotation_keeps_the_old_secret_for_its_grace_and_revocation_ends_all(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await api.sign_up("owner")
    org = await api.organisation(owner)
    key_id, old = await _key(api, owner, org, "READ")
    rotated = (
        await api.ok(ROTATE, {"input": {"apiKeyId": key_id, "graceHours": 2}}, token=owner.token)
    )["apiKeyRotate"]
    new = rotated["secret"]
    assert new != old and rotated["apiKey"]["rotatedAt"] is not None
    for secret in (old, new):
        assert (await _as_key(api, secret, ORG, {"id": org}))["data"]["organisation"]["id"] == org
    # Past the grace period only the new secret works.
    later = utcnow() + timedelta(hours=3)
    monkeypatch.setattr(accounts, "utcnow", lambda: later)
    assert _code(await _as_key(api, old, ORG, {"id": org})) == "UNAUTHENTICATED"
    assert (await _as_key(api, new, ORG, {"id": org}))["data"]["organisation"]["id"] == org
    monkeypatch.undo()
    # No grace: the old secret ends at once.
    newest = (
        await api.ok(ROTATE, {"input": {"apiKeyId": key_id, "graceHours": 0}}, token=owner.token)
    )["apiKeyRotate"]["secret"]
    assert _code(await _as_key(api, new, ORG, {"id": org})) == "UNAUTHENTICATED"
    too_long = await api(
        ROTATE, {"input": {"apiKeyId": key_id, "graceHours": 500}}, token=owner.token
    )
    assert too_long["data"]["apiKeyRotate"]["userErrors"][0]["field"] == ["input", "graceHours"]
    revoked = await api.ok(REVOKE, {"input": {"apiKeyId": key_id}}, token=owner.token)
    assert revoked["apiKeyRevoke"]["apiKey"]["revokedAt"] is not None
    assert _code(await _as_key(api, newest, ORG, {"id": org})) == "UNAUTHENTICATED"
    again = (await api(REVOKE, {"input": {"apiKeyId": key_id}}, token=owner.token))["data"]
    assert again["apiKeyRevoke"]["userErrors"][0]["code"] == "ALREADY_DONE"


async def test_a_key_subscribes_over_a_websocket_until_it_is_revoked(
    api: Api, live_server: LiveServer
) -> None:
    owner = await api.sign_up("owner")
    org = await api.organisation(owner, "Socket Traders")
    key_id, secret = await _key(api, owner, org, "READ")
    ws = await GraphQLWebSocket.open(live_server.ws_url)
    try:
        assert (await ws.init({"Authorization": f"Bearer {secret}"}))["type"] == "connection_ack"
        await ws.subscribe("query { viewer { organisations { nodes { id } } } }")
        answer = await ws.next_message()
        assert answer["payload"]["data"]["viewer"]["organisations"]["nodes"] == [{"id": org}]
        await api.ok(REVOKE, {"input": {"apiKeyId": key_id}}, token=owner.token)
        assert await _close_code(ws) == 4403
    finally:
        await ws.close()
    again = await GraphQLWebSocket.open(live_server.ws_url)
    with pytest.raises(ConnectionClosed) as refused:
        await again.init({"Authorization": f"Bearer {secret}"})
    assert refused.value.rcvd is not None and refused.value.rcvd.code == 4403


async def test_a_key_is_sent_as_a_bearer_credential_only(
    client: httpx.AsyncClient, api: Api
) -> None:
    owner = await api.sign_up("owner")
    org = await api.organisation(owner)
    _, secret = await _key(api, owner, org, "READ")
    response = await client.post(
        "/graphql",
        json={"query": "{ viewer { account { id } } }"},
        headers={"authorization": secret},
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_key_without_read_cannot_subscribe(api: Api, live_server: LiveServer) -> None:
    owner = await api.sign_up("owner")
    org = await api.organisation(owner, "Quiet Traders")
    _, secret = await _key(api, owner, org, "DOCUMENTS")
    ws = await GraphQLWebSocket.open(live_server.ws_url)
    try:
        assert (await ws.init({"Authorization": f"Bearer {secret}"}))["type"] == "connection_ack"
        await ws.subscribe(
            "subscription($o: ID!) { organisationEvents(organisationId: $o) { kind } }", {"o": org}
        )
        refused = await ws.next_message()
        assert refused["type"] == "error", refused
        assert refused["payload"][0]["extensions"]["code"] == "FORBIDDEN"
    finally:
        await ws.close()
