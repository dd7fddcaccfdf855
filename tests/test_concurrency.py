"""Concurrent requests: idempotency keys and the last-owner rule hold under races."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from db.models import Membership, MembershipRole, Organisation
from resolvers.context import AppState
from tests.conftest import Api

CREATE = """mutation($input: OrganisationCreateInput!) { organisationCreate(input: $input) {
    organisation { id } userErrors { code } } }"""
REMOVE = """mutation($input: MembershipDeleteInput!) { membershipDelete(input: $input) {
    deletedMembershipId userErrors { code } } }"""


async def test_concurrent_creates_with_one_key_create_one_organisation(
    api: Api, state: AppState
) -> None:
    owner = await api.sign_up()
    variables = {"input": {"name": "Race Ltd", "idempotencyKey": "race-1"}}
    results = await asyncio.gather(
        *(api.ok(CREATE, variables, token=owner.token) for _ in range(8))
    )
    ids = {r["organisationCreate"]["organisation"]["id"] for r in results}
    assert len(ids) == 1
    async with state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Organisation)) == 1


async def test_two_owners_removing_each_other_leave_one_owner(api: Api, state: AppState) -> None:
    first, second = await api.sign_up(), await api.sign_up()
    org = await api.organisation(first)
    second_membership = await api.add_member(first, org, second, "OWNER")
    first_membership = (
        await api.ok(
            "query($id: ID!) { organisation(id: $id) { members { nodes { id role } } } }",
            {"id": org},
            token=first.token,
        )
    )["organisation"]["members"]["nodes"][0]["id"]
    results = await asyncio.gather(
        api(REMOVE, {"input": {"id": second_membership}}, token=first.token),
        api(REMOVE, {"input": {"id": first_membership}}, token=second.token),
    )
    outcomes = sorted(
        "removed"
        if r["data"]["membershipDelete"]["deletedMembershipId"]
        else r["data"]["membershipDelete"]["userErrors"][0]["code"]
        for r in results
    )
    # Whoever goes second is refused: either no longer a member, or the last owner.
    assert outcomes[1] == "removed"
    assert outcomes[0] in {"LAST_OWNER", "NOT_FOUND"}
    async with state.db.read() as session:
        owners = await session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.role == MembershipRole.OWNER)
        )
    assert owners == 1
