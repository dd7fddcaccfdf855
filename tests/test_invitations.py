"""Invitations: joining takes the invitee's consent; the organisation sees the invitation, not
the account."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from db.models import Membership
from resolvers.context import AppState
from simulator.clock import ManualClock
from simulator.network import SimulatedNetwork
from tests.conftest import PASSWORD, Api, Member

ACCEPT = """mutation($i: InvitationDecideInput!) { invitationAccept(input: $i) {
    invitation { status } membership { role organisation { name } } userErrors { code field } } }"""
DECLINE = """mutation($i: InvitationDecideInput!) { invitationDecline(input: $i) {
    invitation { status } userErrors { code field } } }"""
REVOKE = """mutation($i: InvitationDecideInput!) { invitationRevoke(input: $i) {
    invitation { status } userErrors { code field } } }"""
MINE = "query { viewer { invitations { id email role status organisationName } } }"
THEIRS = """query($id: ID!) { organisation(id: $id) { invitations { id email role status }
    members { nodes { account { email } } } } }"""
NODE = "query($id: ID!) { node(id: $id) { __typename ... on Invitation { email status } } }"


async def _members(state: AppState) -> int:
    async with state.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(Membership)) or 0)


async def _data(
    api: Api, query: str, variables: dict[str, Any] | None, member: Member
) -> dict[str, Any]:
    result = await api(query, variables, token=member.token)
    assert "errors" not in result, result
    data: dict[str, Any] = result["data"]
    return data


async def _answer(api: Api, query: str, invitation: str, member: Member) -> dict[str, Any]:
    data = await api(query, {"i": {"id": invitation}}, token=member.token)
    payload: dict[str, Any] = next(iter(data["data"].values()))
    return payload


async def test_the_invitee_accepts_and_only_then_joins(api: Api, state: AppState) -> None:
    owner, invitee = await api.sign_up("owner"), await api.sign_up("invitee")
    org = await api.organisation(owner, "Sharma Traders")
    invitation = await api.invite(owner, org, invitee.email, "ADMIN")
    assert await _members(state) == 1  # nobody was added without consent
    theirs = (await api.ok(THEIRS, {"id": org}, token=owner.token))["organisation"]
    assert theirs["invitations"] == [
        {"id": invitation, "email": invitee.email, "role": "ADMIN", "status": "PENDING"}
    ]
    assert [m["account"]["email"] for m in theirs["members"]["nodes"]] == [owner.email]
    mine = (await api.ok(MINE, token=invitee.token))["viewer"]["invitations"]
    assert mine == [
        {"id": invitation, "email": invitee.email, "role": "ADMIN", "status": "PENDING",
         "organisationName": "Sharma Traders"}
    ]  # fmt: skip
    # Signed up with the invited address, but not proven: refused, nothing changes.
    unproven = await _answer(api, ACCEPT, invitation, invitee)
    assert unproven["userErrors"] == [{"code": "EMAIL_NOT_VERIFIED", "field": ["input", "id"]}]
    assert await _members(state) == 1
    await api.verify_email(invitee)
    accepted = await _answer(api, ACCEPT, invitation, invitee)
    assert accepted == {
        "invitation": {"status": "ACCEPTED"},
        "membership": {"role": "ADMIN", "organisation": {"name": "Sharma Traders"}},
        "userErrors": [],
    }
    assert await _members(state) == 2
    assert (await api.ok(MINE, token=invitee.token))["viewer"]["invitations"] == []
    again = await _answer(api, ACCEPT, invitation, invitee)
    assert again["userErrors"] == [{"code": "ALREADY_DONE", "field": ["input", "id"]}]


async def test_an_invitation_waits_for_an_address_that_signs_up_later(api: Api) -> None:
    owner = await api.sign_up("owner")
    org = await api.organisation(owner)
    invitation = await api.invite(owner, org, "later@example.com", "STAFF")
    data = await api.ok(
        """mutation($i: AccountSignUpInput!) { accountSignUp(input: $i) { accessToken { token } } }""",
        {"i": {"email": "Later@example.com", "password": PASSWORD, "displayName": "L"}},
    )
    later = Member("later@example.com", data["accountSignUp"]["accessToken"]["token"], "")
    assert [i["id"] for i in (await api.ok(MINE, token=later.token))["viewer"]["invitations"]] == [
        invitation
    ]
    await api.verify_email(later)
    assert (await _answer(api, ACCEPT, invitation, later))["userErrors"] == []


async def test_only_the_invitee_answers_and_others_see_nothing(api: Api, state: AppState) -> None:
    owner, invitee, stranger = [await api.sign_up(n) for n in ("owner", "invitee", "stranger")]
    org = await api.organisation(owner)
    invitation = await api.invite(owner, org, invitee.email, "STAFF")
    for query in (ACCEPT, DECLINE, REVOKE):
        refused = await _answer(api, query, invitation, stranger)
        assert refused["userErrors"] == [{"code": "NOT_FOUND", "field": ["input", "id"]}]
    assert (await api.ok(NODE, {"id": invitation}, token=stranger.token))["node"] is None
    assert (await api.ok(NODE, {"id": invitation}, token=invitee.token))["node"] == {
        "__typename": "Invitation", "email": invitee.email, "status": "PENDING",
    }  # fmt: skip
    # The invitee cannot revoke; the organisation cannot accept for the invitee.
    assert (await _answer(api, ACCEPT, invitation, owner))["userErrors"][0]["code"] == "NOT_FOUND"
    assert await _members(state) == 1


async def test_decline_revoke_and_expiry(api: Api, state: AppState, clock: ManualClock) -> None:
    owner, invitee = await api.sign_up("owner"), await api.sign_up("invitee")
    org = await api.organisation(owner)
    declined = await api.invite(owner, org, invitee.email, "STAFF")
    assert (await _answer(api, DECLINE, declined, invitee))["invitation"] == {"status": "DECLINED"}
    revoked = await api.invite(owner, org, invitee.email, "STAFF")
    assert revoked != declined
    assert (await _answer(api, REVOKE, revoked, owner))["invitation"] == {"status": "REVOKED"}
    gone = await _answer(api, ACCEPT, revoked, invitee)
    assert gone["userErrors"] == [{"code": "ALREADY_DONE", "field": ["input", "id"]}]
    late = await api.invite(owner, org, invitee.email, "STAFF")
    await api.verify_email(invitee)
    clock.advance(15 * 86400)
    expired = await _answer(api, ACCEPT, late, invitee)
    assert expired["userErrors"] == [{"code": "EXPIRED", "field": ["input", "id"]}]
    assert await _members(state) == 1


async def test_inviting_again_updates_the_pending_invitation(api: Api) -> None:
    owner, invitee = await api.sign_up("owner"), await api.sign_up("invitee")
    org = await api.organisation(owner)
    first = await api.invite(owner, org, invitee.email, "STAFF")
    second = await api.invite(owner, org, invitee.email.upper(), "ADMIN")
    assert first == second
    mine = (await api.ok(MINE, token=invitee.token))["viewer"]["invitations"]
    assert [(i["id"], i["role"]) for i in mine] == [(first, "ADMIN")]


async def test_staff_see_no_invitations_and_cannot_invite(api: Api) -> None:
    owner, staff = await api.sign_up("owner"), await api.sign_up("staff")
    org = await api.organisation(owner)
    await api.add_member(owner, org, staff, "STAFF")
    await api.invite(owner, org, "someone@example.com", "STAFF")
    seen = (await api.ok(THEIRS, {"id": org}, token=staff.token))["organisation"]
    assert seen["invitations"] == []
    refused = await api(
        """mutation($i: InvitationCreateInput!) { invitationCreate(input: $i) { invitation { id } } }""",
        {"i": {"organisationId": org, "email": "x@example.com", "role": "STAFF"}},
        token=staff.token,
    )
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_only_owners_touch_an_owner_invitation(api: Api) -> None:
    owner, admin = await api.sign_up("owner"), await api.sign_up("admin")
    org = await api.organisation(owner)
    await api.add_member(owner, org, admin, "ADMIN")
    invited = await api.invite(owner, org, "partner@example.com", "OWNER")
    downgrade = await api(
        """mutation($i: InvitationCreateInput!) { invitationCreate(input: $i) { invitation { id } } }""",
        {"i": {"organisationId": org, "email": "partner@example.com", "role": "STAFF"}},
        token=admin.token,
    )
    assert downgrade["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    revoke = await api(REVOKE, {"i": {"id": invited}}, token=admin.token)
    assert revoke["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    theirs = (await api.ok(THEIRS, {"id": org}, token=owner.token))["organisation"]
    assert [(i["email"], i["role"], i["status"]) for i in theirs["invitations"]] == [
        ("partner@example.com", "OWNER", "PENDING")
    ]


async def test_an_email_code_is_single_use_limited_and_expires(
    api: Api, simulator: SimulatedNetwork, clock: ManualClock
) -> None:
    member = await api.sign_up("member")
    send = "mutation { accountEmailCodeSend { account { emailVerified } userErrors { code retryAfterSeconds } } }"
    verify = """mutation($i: AccountEmailVerifyInput!) { accountEmailVerify(input: $i) {
        account { emailVerified } userErrors { code field } } }"""
    sent = (await _data(api, send, None, member))["accountEmailCodeSend"]
    assert sent == {"account": {"emailVerified": False}, "userErrors": []}
    too_soon = (await _data(api, send, None, member))["accountEmailCodeSend"]
    assert too_soon["userErrors"][0]["code"] == "RESEND_TOO_SOON"
    for _ in range(5):
        wrong = await _data(api, verify, {"i": {"code": "000000"}}, member)
        assert wrong["accountEmailVerify"]["userErrors"] == [
            {"code": "OTP_INVALID", "field": ["input", "code"]}
        ]
    mail = [m for m in simulator.world.messages if m.to == member.email][-1]
    code = "".join(ch for ch in mail.text if ch.isdigit())[:6]
    spent = await _data(api, verify, {"i": {"code": code}}, member)
    assert spent["accountEmailVerify"]["userErrors"][0]["code"] == "OTP_TOO_MANY_ATTEMPTS"
    clock.advance(31)
    await _data(api, send, None, member)
    clock.advance(601)
    mail = [m for m in simulator.world.messages if m.to == member.email][-1]
    code = "".join(ch for ch in mail.text if ch.isdigit())[:6]
    expired = await _data(api, verify, {"i": {"code": code}}, member)
    assert expired["accountEmailVerify"]["userErrors"][0]["code"] == "OTP_EXPIRED"
    await _data(api, send, None, member)
    mail = [m for m in simulator.world.messages if m.to == member.email][-1]
    code = "".join(ch for ch in mail.text if ch.isdigit())[:6]
    proven = await _data(api, verify, {"i": {"code": code}}, member)
    assert proven["accountEmailVerify"] == {"account": {"emailVerified": True}, "userErrors": []}
    again = (await _data(api, send, None, member))["accountEmailCodeSend"]
    assert again["userErrors"][0]["code"] == "ALREADY_DONE"
