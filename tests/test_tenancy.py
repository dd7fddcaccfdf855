"""Tenant isolation: nothing of another organisation is visible or changeable, through any
root field or ``node``."""

from __future__ import annotations

import base64

from sqlalchemy import select

from db.models import Membership, Organisation
from resolvers.context import AppState
from tests.conftest import Api, Member

NODE = """query($id: ID!) { node(id: $id) { id __typename
    ... on Organisation { name } ... on Account { email } ... on Membership { role } } }"""
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id __typename } }"
ORG = "query($id: ID!) { organisation(id: $id) { id name members { nodes { id } } } }"


async def _world(api: Api) -> tuple[Member, Member, str, str, str]:
    alice, bob = await api.sign_up("alice"), await api.sign_up("bob")
    staff = await api.sign_up("staff")
    alice_org = await api.organisation(alice, "Alice Exports")
    membership = await api.add_member(alice, alice_org, staff, "STAFF")
    bob_org = await api.organisation(bob, "Bob Imports")
    return alice, bob, alice_org, membership, bob_org


async def test_node_and_root_fields_hide_other_tenants(api: Api) -> None:
    alice, bob, alice_org, membership, bob_org = await _world(api)
    for global_id in (alice_org, membership, alice.account_id):
        assert (await api.ok(NODE, {"id": global_id}, token=bob.token))["node"] is None
    assert (await api.ok(NODES, {"ids": [alice_org, bob_org, membership]}, token=bob.token))[
        "nodes"
    ] == [
        None,
        {"id": bob_org, "__typename": "Organisation"},
        None,
    ]
    assert (await api.ok(ORG, {"id": alice_org}, token=bob.token))["organisation"] is None
    mine = await api.ok("{ viewer { organisations { nodes { id } } } }", token=bob.token)
    assert mine["viewer"]["organisations"]["nodes"] == [{"id": bob_org}]
    # Alice sees her own things through node.
    seen = await api.ok(NODE, {"id": membership}, token=alice.token)
    assert seen["node"] == {"id": membership, "__typename": "Membership", "role": "STAFF"}


async def test_node_with_garbage_ids_is_null(api: Api) -> None:
    member = await api.sign_up()
    forged = base64.urlsafe_b64encode(b"Organisation:" + b"0" * 32).decode().rstrip("=")
    for value in ("", "nope", "T3JnYW5pc2F0aW9uOnh4", forged, "A" * 200, "Q29udGFjdDox"):
        assert (await api.ok(NODE, {"id": value}, token=member.token))["node"] is None
    # Past the cap on any query argument's length, the argument itself is refused.
    result = await api(NODE, {"id": "A" * 201}, token=member.token)
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_nodes_is_capped(api: Api) -> None:
    member = await api.sign_up()
    result = await api(NODES, {"ids": ["x"] * 101}, token=member.token)
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_co_members_see_each_other_and_no_one_else(api: Api) -> None:
    alice, bob, alice_org, _membership, _bob_org = await _world(api)
    assert (await api.ok(NODE, {"id": bob.account_id}, token=alice.token))["node"] is None
    await api.add_member(alice, alice_org, bob, "STAFF")
    seen = await api.ok(NODE, {"id": alice.account_id}, token=bob.token)
    assert seen["node"] == {"id": alice.account_id, "__typename": "Account", "email": alice.email}


async def test_mutations_with_other_tenants_ids_change_nothing(api: Api, state: AppState) -> None:
    alice, bob, alice_org, membership, _bob_org = await _world(api)
    attempts = [
        (
            "mutation($i: OrganisationUpdateInput!) { organisationUpdate(input: $i) { organisation { id } userErrors { code field } } }",
            {"id": alice_org, "name": "Hijacked"},
            "organisationUpdate",
            ["input", "id"],
        ),
        (
            "mutation($i: InvitationCreateInput!) { invitationCreate(input: $i) { invitation { id } userErrors { code field } } }",
            {"organisationId": alice_org, "email": bob.email, "role": "OWNER"},
            "invitationCreate",
            ["input", "organisationId"],
        ),
        (
            "mutation($i: MembershipUpdateInput!) { membershipUpdate(input: $i) { membership { id } userErrors { code field } } }",
            {"id": membership, "role": "OWNER"},
            "membershipUpdate",
            ["input", "id"],
        ),
        (
            "mutation($i: MembershipDeleteInput!) { membershipDelete(input: $i) { deletedMembershipId userErrors { code field } } }",
            {"id": membership},
            "membershipDelete",
            ["input", "id"],
        ),
    ]
    for query, variables, field, path in attempts:
        for value in (
            variables,
            {**variables, **{k: "garbage" for k in variables if k in {"id", "organisationId"}}},
        ):
            result = await api(query, {"i": value}, token=bob.token)
            assert "errors" not in result, result
            assert result["data"][field]["userErrors"] == [{"code": "NOT_FOUND", "field": path}]
    async with state.db.read() as session:
        org = await session.scalar(select(Organisation).where(Organisation.name == "Alice Exports"))
        assert org is not None
        roles = sorted(
            m.role.value
            for m in (
                await session.scalars(
                    select(Membership).where(Membership.organisation_id == org.id)
                )
            ).all()
        )
    assert roles == ["OWNER", "STAFF"]
    assert alice.email != bob.email
