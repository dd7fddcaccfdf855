"""Sign-up, log-in, log-out and authentication."""

from __future__ import annotations

from sqlalchemy import func, select

from db.models import AccessToken, Account
from resolvers.context import AppState
from tests.conftest import PASSWORD, Api, without_request_id

SIGN_UP = """mutation($input: AccountSignUpInput!) { accountSignUp(input: $input) {
    account { id email displayName } accessToken { token expiresAt }
    userErrors { code field message } } }"""
LOG_IN = """mutation($input: AccessTokenCreateInput!) { accessTokenCreate(input: $input) {
    account { email } accessToken { token } userErrors { code field message } } }"""
REVOKE = """mutation($input: AccessTokenRevokeInput) { accessTokenRevoke(input: $input) {
    revokedCount userErrors { code } } }"""
VIEWER = "{ viewer { account { id email displayName } } }"


async def _count(state: AppState, model: type[Account] | type[AccessToken]) -> int:
    async with state.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_sign_up_returns_a_working_token(api: Api) -> None:
    data = await api.ok(
        SIGN_UP,
        {"input": {"email": "Asha@Example.COM", "password": PASSWORD, "displayName": "  Asha  S "}},
    )
    payload = data["accountSignUp"]
    assert payload["account"]["email"] == "Asha@example.com"
    assert payload["account"]["displayName"] == "Asha S"
    assert payload["accessToken"]["expiresAt"].endswith("+00:00")
    me = await api.ok(VIEWER, token=payload["accessToken"]["token"])
    assert me["viewer"]["account"]["id"] == payload["account"]["id"]


async def test_duplicate_sign_up_is_refused_case_insensitively(api: Api, state: AppState) -> None:
    await api.ok(
        SIGN_UP, {"input": {"email": "dup@example.com", "password": PASSWORD, "displayName": "A"}}
    )
    result = await api(
        SIGN_UP, {"input": {"email": "DUP@example.com", "password": PASSWORD, "displayName": "B"}}
    )
    payload = result["data"]["accountSignUp"]
    assert payload["account"] is None
    assert payload["accessToken"] is None
    assert payload["userErrors"] == [
        {
            "code": "TAKEN",
            "field": ["input", "email"],
            "message": "An account with this e-mail address exists already.",
        }
    ]
    assert await _count(state, Account) == 1
    assert await _count(state, AccessToken) == 1


async def test_invalid_email_weak_password_and_blank_name_are_all_reported(
    api: Api, state: AppState
) -> None:
    result = await api(
        SIGN_UP, {"input": {"email": "not-an-email", "password": "short", "displayName": "  "}}
    )
    errors = result["data"]["accountSignUp"]["userErrors"]
    assert [(e["code"], e["field"]) for e in errors] == [
        ("INVALID_EMAIL", ["input", "email"]),
        ("REQUIRED", ["input", "displayName"]),
        ("WEAK_PASSWORD", ["input", "password"]),
    ]
    assert await _count(state, Account) == 0


async def test_password_rules(api: Api) -> None:
    cases = {
        "aaaaaaaaaaaa": "use at least 5 different characters",
        "password123": "avoid commonly used passwords",
        "xx-rajesh-2026-yy": "do not include your e-mail address",
    }
    for password, reason in cases.items():
        result = await api(
            SIGN_UP,
            {"input": {"email": "rajesh@example.com", "password": password, "displayName": "R"}},
        )
        (error,) = result["data"]["accountSignUp"]["userErrors"]
        assert error["code"] == "WEAK_PASSWORD"
        assert reason in error["message"]
    result = await api(
        SIGN_UP, {"input": {"email": "r@example.com", "password": "x1" * 65, "displayName": "R"}}
    )
    assert result["data"]["accountSignUp"]["userErrors"][0]["code"] == "TOO_LONG"


async def test_log_in_and_wrong_credentials_say_the_same(api: Api, state: AppState) -> None:
    member = await api.sign_up("login")
    good = await api.ok(LOG_IN, {"input": {"email": member.email.upper(), "password": PASSWORD}})
    assert good["accessTokenCreate"]["account"]["email"] == member.email
    tokens_before = await _count(state, AccessToken)
    wrong_password = await api(
        LOG_IN, {"input": {"email": member.email, "password": "Wrong-Password-1"}}
    )
    unknown = await api(LOG_IN, {"input": {"email": "nobody@example.com", "password": PASSWORD}})
    malformed = await api(LOG_IN, {"input": {"email": "nobody", "password": PASSWORD}})
    for result in (wrong_password, unknown, malformed):
        payload = result["data"]["accessTokenCreate"]
        assert payload["accessToken"] is None
        assert payload["userErrors"] == [
            {
                "code": "INVALID_CREDENTIALS",
                "field": ["input"],
                "message": "The e-mail address or password is wrong.",
            }
        ]
    assert await _count(state, AccessToken) == tokens_before


async def test_log_out_revokes_only_the_current_token(api: Api) -> None:
    member = await api.sign_up()
    other = (await api.ok(LOG_IN, {"input": {"email": member.email, "password": PASSWORD}}))[
        "accessTokenCreate"
    ]["accessToken"]["token"]
    revoked = await api.ok(REVOKE, token=member.token)
    assert revoked["accessTokenRevoke"]["revokedCount"] == 1
    result = await api(VIEWER, token=member.token)
    assert result["data"] is None
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "invalid, expired or revoked" in result["errors"][0]["message"]
    await api.ok(VIEWER, token=other)


async def test_log_out_everywhere(api: Api) -> None:
    member = await api.sign_up()
    second = (await api.ok(LOG_IN, {"input": {"email": member.email, "password": PASSWORD}}))[
        "accessTokenCreate"
    ]["accessToken"]["token"]
    revoked = await api.ok(REVOKE, {"input": {"everywhere": True}}, token=member.token)
    assert revoked["accessTokenRevoke"]["revokedCount"] == 2
    for token in (member.token, second):
        result = await api(VIEWER, token=token)
        assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_missing_bad_and_malformed_tokens_are_unauthenticated(api: Api) -> None:
    cases: list[dict[str, str]] = [
        {},
        {"authorization": "Bearer bct_not-a-real-token"},
        {"authorization": "Basic dXNlcjpwYXNz"},
        {"authorization": "Bearer "},
        {"authorization": "Bearer " + "x" * 5000},
    ]
    for headers in cases:
        response = await api.raw(VIEWER, headers=headers)
        assert response.status_code == 200
        body = response.json()
        assert body["data"] is None
        assert without_request_id(body["errors"][0]["extensions"]) == {"code": "UNAUTHENTICATED"}


async def test_revoke_needs_a_token(api: Api) -> None:
    result = await api(REVOKE)
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
