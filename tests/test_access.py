"""Bharat Connect access: grants, requests, decisions, and the gate on network features."""

from __future__ import annotations

from sqlalchemy import func, select

from db.models import NetworkAccessRequest
from resolvers.context import AppState
from tests.conftest import Api
from tests.onboarding_helpers import START

SET = """mutation($i: MembershipNetworkAccessSetInput!) { membershipNetworkAccessSet(input: $i) {
    membership { networkAccess role } userErrors { code field message } } }"""
REQUEST = """mutation($i: NetworkAccessRequestCreateInput!) { networkAccessRequestCreate(input: $i) {
    request { id status note account { email } } userErrors { code field message } } }"""
DECIDE = """mutation($i: NetworkAccessRequestDecideInput!) { networkAccessRequestDecide(input: $i) {
    request { status decidedBy { email } } userErrors { code field message } } }"""
LIST = """query($id: ID!) { organisation(id: $id) { networkAccessRequests { status account { email } }
    members { nodes { role networkAccess account { email } } } } }"""


async def test_request_approve_and_the_gate_on_onboarding(api: Api, state: AppState) -> None:
    owner, admin = await api.sign_up("owner"), await api.sign_up("admin")
    org = await api.organisation(owner)
    membership = await api.add_member(owner, org, admin, "ADMIN")
    gated = await api(START, {"i": {"organisationId": org, "authorised": True}}, token=admin.token)
    assert gated["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "Bharat Connect access" in gated["errors"][0]["message"]

    asked = await api.ok(
        REQUEST, {"i": {"organisationId": org, "note": "  to push invoices "}}, token=admin.token
    )
    request = asked["networkAccessRequestCreate"]["request"]
    assert (request["status"], request["note"], request["account"]["email"]) == (
        "PENDING",
        "to push invoices",
        admin.email,
    )
    again = await api(REQUEST, {"i": {"organisationId": org}}, token=admin.token)
    assert again["data"]["networkAccessRequestCreate"]["userErrors"][0]["code"] == "ALREADY_DONE"

    listed = await api.ok(LIST, {"id": org}, token=owner.token)
    assert listed["organisation"]["networkAccessRequests"] == [
        {"status": "PENDING", "account": {"email": admin.email}}
    ]
    decided = await api.ok(
        DECIDE, {"i": {"requestId": request["id"], "approve": True}}, token=owner.token
    )
    assert decided["networkAccessRequestDecide"]["request"] == {
        "status": "APPROVED",
        "decidedBy": {"email": owner.email},
    }
    twice = await api(
        DECIDE, {"i": {"requestId": request["id"], "approve": False}}, token=owner.token
    )
    assert twice["data"]["networkAccessRequestDecide"]["userErrors"][0]["code"] == "ALREADY_DONE"

    await api.ok(START, {"i": {"organisationId": org, "authorised": True}}, token=admin.token)
    revoked = await api.ok(
        SET, {"i": {"membershipId": membership, "granted": False}}, token=owner.token
    )
    assert revoked["membershipNetworkAccessSet"]["membership"] == {
        "networkAccess": False,
        "role": "ADMIN",
    }


async def test_who_may_grant(api: Api, state: AppState) -> None:
    owner, admin, staff, other_admin = [await api.sign_up(n) for n in ("o", "a", "s", "b")]
    org = await api.organisation(owner)
    admin_membership = await api.add_member(owner, org, admin, "ADMIN")
    staff_membership = await api.add_member(owner, org, staff, "STAFF")
    other_membership = await api.add_member(owner, org, other_admin, "ADMIN")
    owner_membership = (await api.ok(LIST, {"id": org}, token=owner.token))["organisation"][
        "members"
    ]["nodes"][0]
    assert owner_membership["networkAccess"] is True
    # Staff grant nothing; admins grant staff only.
    for actor, target in ((staff, staff_membership), (admin, other_membership)):
        result = await api(SET, {"i": {"membershipId": target, "granted": True}}, token=actor.token)
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    granted = await api.ok(
        SET, {"i": {"membershipId": staff_membership, "granted": True}}, token=admin.token
    )
    assert granted["membershipNetworkAccessSet"]["membership"]["networkAccess"] is True
    has_access = await api(REQUEST, {"i": {"organisationId": org}}, token=staff.token)
    assert (
        has_access["data"]["networkAccessRequestCreate"]["userErrors"][0]["code"] == "ALREADY_DONE"
    )
    members = (await api.ok(LIST, {"id": org}, token=owner.token))["organisation"]["members"][
        "nodes"
    ]
    owner_id = next(m for m in members if m["role"] == "OWNER")
    assert owner_id["networkAccess"] is True
    assert admin_membership != other_membership


async def test_owners_cannot_lose_access_and_strangers_see_nothing(
    api: Api, state: AppState
) -> None:
    owner, stranger, staff = await api.sign_up(), await api.sign_up(), await api.sign_up()
    org = await api.organisation(owner)
    await api.add_member(owner, org, staff, "STAFF")
    owner_membership = (
        await api.ok(
            "query($id: ID!) { organisation(id: $id) { members { nodes { id } } } }",
            {"id": org},
            token=owner.token,
        )
    )["organisation"]["members"]["nodes"][0]["id"]
    refused = await api(
        SET, {"i": {"membershipId": owner_membership, "granted": False}}, token=owner.token
    )
    assert refused["data"]["membershipNetworkAccessSet"]["userErrors"][0]["code"] == "INVALID"
    asked = await api.ok(REQUEST, {"i": {"organisationId": org}}, token=staff.token)
    request_id = asked["networkAccessRequestCreate"]["request"]["id"]
    foreign = await api(
        DECIDE, {"i": {"requestId": request_id, "approve": True}}, token=stranger.token
    )
    assert foreign["data"]["networkAccessRequestDecide"]["userErrors"][0]["code"] == "NOT_FOUND"
    outsider = await api(REQUEST, {"i": {"organisationId": org}}, token=stranger.token)
    assert outsider["data"]["networkAccessRequestCreate"]["userErrors"][0]["code"] == "NOT_FOUND"
    node = await api.ok(
        "query($id: ID!) { node(id: $id) { id } }", {"id": request_id}, token=stranger.token
    )
    assert node["node"] is None
    declined = await api.ok(
        DECIDE, {"i": {"requestId": request_id, "approve": False}}, token=owner.token
    )
    assert declined["networkAccessRequestDecide"]["request"]["status"] == "DECLINED"
    async with state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(NetworkAccessRequest)) == 1
