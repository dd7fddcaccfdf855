"""Organisations and memberships: creation, idempotency, roles, pagination."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from db.base import Base
from db.models import IdempotencyRecord, Membership, Organisation, OrganisationEvent
from resolvers.context import AppState
from tests.conftest import Api, Member, without_request_id

CREATE = """mutation($input: OrganisationCreateInput!) { organisationCreate(input: $input) {
    organisation { id name viewerRole } userErrors { code field message } } }"""
UPDATE = """mutation($input: OrganisationUpdateInput!) { organisationUpdate(input: $input) {
    organisation { id name } userErrors { code field message } } }"""
ADD = """mutation($input: InvitationCreateInput!) { invitationCreate(input: $input) {
    invitation { id email role status } userErrors { code field message } } }"""
ROLE = """mutation($input: MembershipUpdateInput!) { membershipUpdate(input: $input) {
    membership { id role } userErrors { code field message } } }"""
REMOVE = """mutation($input: MembershipDeleteInput!) { membershipDelete(input: $input) {
    deletedMembershipId userErrors { code field message } } }"""
MINE = """query($first: Int, $after: String, $last: Int, $before: String) { viewer {
    organisations(first: $first, after: $after, last: $last, before: $before) {
      edges { cursor node { name } } nodes { name }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }"""
MEMBERS = (
    """query($id: ID!) { organisation(id: $id) { members { nodes { role account { email } } } } }"""
)


async def _rows(state: AppState, model: type[Base]) -> int:
    async with state.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_create_makes_the_viewer_owner(api: Api) -> None:
    owner = await api.sign_up()
    data = await api.ok(CREATE, {"input": {"name": "  Sharma   Traders "}}, token=owner.token)
    organisation = data["organisationCreate"]["organisation"]
    assert organisation["name"] == "Sharma Traders"
    assert organisation["viewerRole"] == "OWNER"
    members = await api.ok(MEMBERS, {"id": organisation["id"]}, token=owner.token)
    assert members["organisation"]["members"]["nodes"] == [
        {"role": "OWNER", "account": {"email": owner.email}}
    ]


async def test_create_refuses_blank_and_long_names(api: Api, state: AppState) -> None:
    owner = await api.sign_up()
    for name, code in (("   ", "REQUIRED"), ("x" * 201, "TOO_LONG")):
        result = await api(CREATE, {"input": {"name": name}}, token=owner.token)
        payload = result["data"]["organisationCreate"]
        assert payload["organisation"] is None
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
            (code, ["input", "name"])
        ]
    assert await _rows(state, Organisation) == 0
    assert await _rows(state, Membership) == 0


async def test_create_needs_a_token(api: Api, state: AppState) -> None:
    result = await api(CREATE, {"input": {"name": "Acme"}})
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await _rows(state, Organisation) == 0


async def test_idempotency_key_replays_and_refuses_other_input(api: Api, state: AppState) -> None:
    owner = await api.sign_up()
    variables = {"input": {"name": "Acme", "idempotencyKey": "create-acme-1"}}
    first = await api.ok(CREATE, variables, token=owner.token)
    again = await api.ok(CREATE, variables, token=owner.token)
    assert (
        again["organisationCreate"]["organisation"]["id"]
        == first["organisationCreate"]["organisation"]["id"]
    )
    other = await api(
        CREATE, {"input": {"name": "Other", "idempotencyKey": "create-acme-1"}}, token=owner.token
    )
    assert other["data"]["organisationCreate"]["userErrors"] == [
        {
            "code": "IDEMPOTENCY_KEY_REUSED",
            "field": ["input", "idempotencyKey"],
            "message": "This idempotency key was already used with a different input.",
        }
    ]
    assert await _rows(state, Organisation) == 1
    # Keys are scoped per account: another account may use the same key.
    stranger = await api.sign_up()
    theirs = await api.ok(CREATE, variables, token=stranger.token)
    assert (
        theirs["organisationCreate"]["organisation"]["id"]
        != first["organisationCreate"]["organisation"]["id"]
    )
    too_long = await api(
        CREATE, {"input": {"name": "A", "idempotencyKey": "k" * 129}}, token=owner.token
    )
    assert too_long["data"]["organisationCreate"]["userErrors"][0]["code"] == "TOO_LONG"
    assert await _rows(state, Organisation) == 2
    assert await _rows(state, IdempotencyRecord) == 2


async def test_pagination_forward_and_backward(api: Api) -> None:
    owner = await api.sign_up()
    names = [f"Org {i:02d}" for i in range(7)]
    for name in names:
        await api.organisation(owner, name)
    page1 = (await api.ok(MINE, {"first": 3}, token=owner.token))["viewer"]["organisations"]
    assert [n["name"] for n in page1["nodes"]] == names[:3]
    assert page1["pageInfo"]["hasNextPage"] is True
    assert page1["pageInfo"]["hasPreviousPage"] is False
    page2 = (
        await api.ok(MINE, {"first": 3, "after": page1["pageInfo"]["endCursor"]}, token=owner.token)
    )["viewer"]["organisations"]
    assert [n["name"] for n in page2["nodes"]] == names[3:6]
    assert page2["pageInfo"]["hasPreviousPage"] is True
    page3 = (
        await api.ok(MINE, {"first": 3, "after": page2["pageInfo"]["endCursor"]}, token=owner.token)
    )["viewer"]["organisations"]
    assert [n["name"] for n in page3["nodes"]] == names[6:]
    assert page3["pageInfo"]["hasNextPage"] is False
    back = (
        await api.ok(
            MINE, {"last": 2, "before": page3["pageInfo"]["startCursor"]}, token=owner.token
        )
    )["viewer"]["organisations"]
    assert [e["node"]["name"] for e in back["edges"]] == names[4:6]
    assert back["pageInfo"]["hasPreviousPage"] is True
    assert back["pageInfo"]["hasNextPage"] is True
    default = (await api.ok(MINE, token=owner.token))["viewer"]["organisations"]
    assert len(default["nodes"]) == 7
    empty = (await api.ok(MINE, {"first": 0}, token=owner.token))["viewer"]["organisations"]
    assert empty["nodes"] == []
    assert empty["pageInfo"]["startCursor"] is None


async def test_pagination_arguments_are_checked(api: Api) -> None:
    owner = await api.sign_up()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"first": 101}, "`first` must be between 0 and 100."),
        ({"last": -1}, "`last` must be between 0 and 100."),
        ({"first": 1, "last": 1}, "Pass either `first` or `last`, not both."),
        ({"after": "bm90LWEtY3Vyc29y"}, "`after` is not a cursor from this connection."),
        ({"before": "!!!"}, "`before` is not a cursor from this connection."),
    ]
    for variables, message in cases:
        result = await api(MINE, variables, token=owner.token)
        assert result["data"] is None
        assert result["errors"][0]["message"] == message
        assert without_request_id(result["errors"][0]["extensions"]) == {"code": "BAD_USER_INPUT"}


async def test_owner_adds_members_and_roles_are_enforced(api: Api, state: AppState) -> None:
    owner, admin, staff, newcomer = [
        await api.sign_up(n) for n in ("owner", "admin", "staff", "new")
    ]
    org = await api.organisation(owner)
    await api.add_member(owner, org, admin, "ADMIN")
    staff_membership = await api.add_member(admin, org, staff, "STAFF")
    # An admin may not add owners or admins; staff may not add anyone.
    for actor, role in ((admin, "ADMIN"), (admin, "OWNER"), (staff, "STAFF")):
        result = await api(
            ADD,
            {"input": {"organisationId": org, "email": newcomer.email, "role": role}},
            token=actor.token,
        )
        assert result["data"] is None
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await _rows(state, Membership) == 3
    duplicate = await api(
        ADD,
        {"input": {"organisationId": org, "email": staff.email, "role": "STAFF"}},
        token=owner.token,
    )
    assert duplicate["data"]["invitationCreate"]["userErrors"][0]["code"] == "ALREADY_MEMBER"
    # An address without an account is invited like any other: nothing tells them apart.
    unknown = await api(
        ADD,
        {"input": {"organisationId": org, "email": "Ghost@Example.com", "role": "STAFF"}},
        token=owner.token,
    )
    assert unknown["data"]["invitationCreate"]["invitation"]["email"] == "Ghost@example.com"
    assert unknown["data"]["invitationCreate"]["invitation"]["status"] == "PENDING"
    bad_email = await api(
        ADD,
        {"input": {"organisationId": org, "email": "ghost", "role": "STAFF"}},
        token=owner.token,
    )
    assert bad_email["data"]["invitationCreate"]["userErrors"][0]["code"] == "INVALID_EMAIL"
    assert await _rows(state, Membership) == 3
    # Staff see the organisation and its members.
    seen = await api.ok(MEMBERS, {"id": org}, token=staff.token)
    assert len(seen["organisation"]["members"]["nodes"]) == 3
    # Admins change staff roles only.
    forbidden = await api(
        ROLE, {"input": {"id": staff_membership, "role": "ADMIN"}}, token=admin.token
    )
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    promoted = await api.ok(
        ROLE, {"input": {"id": staff_membership, "role": "ADMIN"}}, token=owner.token
    )
    assert promoted["membershipUpdate"]["membership"]["role"] == "ADMIN"


async def test_last_owner_cannot_leave_or_be_demoted(api: Api, state: AppState) -> None:
    owner = await api.sign_up()
    second = await api.sign_up()
    org = await api.organisation(owner)
    mine = (
        await api.ok(
            "query($id: ID!) { organisation(id: $id) { members { nodes { id } } } }",
            {"id": org},
            token=owner.token,
        )
    )["organisation"]["members"]["nodes"][0]["id"]
    leave = await api(REMOVE, {"input": {"id": mine}}, token=owner.token)
    assert leave["data"]["membershipDelete"]["userErrors"][0]["code"] == "LAST_OWNER"
    demote = await api(ROLE, {"input": {"id": mine, "role": "STAFF"}}, token=owner.token)
    assert demote["data"]["membershipUpdate"]["userErrors"][0]["code"] == "LAST_OWNER"
    assert await _rows(state, Membership) == 1
    # With a second owner, the first may leave.
    await api.add_member(owner, org, second, "OWNER")
    left = await api.ok(REMOVE, {"input": {"id": mine}}, token=owner.token)
    assert left["membershipDelete"]["deletedMembershipId"] == mine
    gone = await api.ok(
        "query($id: ID!) { organisation(id: $id) { id } }", {"id": org}, token=owner.token
    )
    assert gone["organisation"] is None


async def test_members_may_leave_but_not_remove_others(api: Api) -> None:
    owner, staff, other = await api.sign_up(), await api.sign_up(), await api.sign_up()
    org = await api.organisation(owner)
    staff_membership = await api.add_member(owner, org, staff, "STAFF")
    other_membership = await api.add_member(owner, org, other, "STAFF")
    refused = await api(REMOVE, {"input": {"id": other_membership}}, token=staff.token)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await api.ok(REMOVE, {"input": {"id": staff_membership}}, token=staff.token)
    members = await api.ok(MEMBERS, {"id": org}, token=owner.token)
    assert len(members["organisation"]["members"]["nodes"]) == 2


async def test_rename_by_admin_not_staff(api: Api, state: AppState) -> None:
    owner, staff = await api.sign_up(), await api.sign_up()
    org = await api.organisation(owner, "Old Name")
    await api.add_member(owner, org, staff, "STAFF")
    refused = await api(UPDATE, {"input": {"id": org, "name": "Staff Name"}}, token=staff.token)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    renamed = await api.ok(UPDATE, {"input": {"id": org, "name": "New Name"}}, token=owner.token)
    assert renamed["organisationUpdate"]["organisation"]["name"] == "New Name"
    async with state.db.read() as session:
        kinds = list(
            (
                await session.scalars(
                    select(OrganisationEvent.kind).order_by(OrganisationEvent.seq)
                )
            ).all()
        )
    assert kinds == ["ORGANISATION_CREATED", "MEMBER_ADDED", "ORGANISATION_RENAMED"]


async def test_events_are_numbered_per_organisation(api: Api, state: AppState) -> None:
    owner: Member = await api.sign_up()
    first = await api.organisation(owner, "First")
    await api.organisation(owner, "Second")
    member = await api.sign_up()
    await api.add_member(owner, first, member, "STAFF")
    async with state.db.read() as session:
        rows = (
            await session.execute(select(OrganisationEvent.organisation_id, OrganisationEvent.seq))
        ).all()
    by_org: dict[object, list[int]] = {}
    for org_id, seq in rows:
        by_org.setdefault(org_id, []).append(seq)
    assert sorted(sorted(v) for v in by_org.values()) == [[1], [1, 2]]


async def test_expired_idempotency_keys_are_purged(api: Api, state: AppState) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from db.base import utcnow
    from resolvers.services import idempotency

    owner = await api.sign_up()
    for key in ("old", "new"):
        await api.ok(CREATE, {"input": {"name": key, "idempotencyKey": key}}, token=owner.token)
    async with state.unit_of_work() as uow:
        await uow.session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.key == "old")
            .values(created_at=utcnow() - timedelta(hours=idempotency.RETENTION_HOURS + 1))
        )
    async with state.unit_of_work() as uow:
        assert await idempotency.purge_expired(uow) == 1
    async with state.db.read() as session:
        keys = list((await session.scalars(select(IdempotencyRecord.key))).all())
    assert keys == ["new"]
