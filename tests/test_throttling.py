"""Abuse limits: log-in per (account, address) pair (progressive delay, then a lock), per account
and per address (delays only; an address the account used before skips the account's), sign-ups
per address (IPv6 by /64), OTPs per destination across organisations, organisations per account
per day."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from db.models import Account, Organisation, OtpChallenge
from resolvers.context import AppState
from resolvers.services import passwords
from simulator.clock import ManualClock
from simulator.demo import SHARMA_MH
from simulator.network import SimulatedNetwork
from tests.conftest import PASSWORD, Api, Member, post_to
from tests.onboarding_helpers import GSTIN_VERIFY, SHARMA, SHARMA_MOBILE, start

GSTIN_OTP = """mutation($i: OnboardingGstinOtpRequestInput!) { onboardingGstinOtpRequest(input: $i) {
    otp { sentTo } userErrors { code field message retryAfterSeconds } } }"""

LOG_IN = """mutation($i: AccessTokenCreateInput!) { accessTokenCreate(input: $i) {
    accessToken { token } userErrors { code field message retryAfterSeconds } } }"""
SIGN_UP = """mutation($i: AccountSignUpInput!) { accountSignUp(input: $i) {
    account { id } userErrors { code field retryAfterSeconds } } }"""
ORG = """mutation($i: OrganisationCreateInput!) { organisationCreate(input: $i) {
    organisation { id } userErrors { code retryAfterSeconds } } }"""


async def _log_in(api: Api, email: str, password: str) -> dict[str, Any]:
    data = await api(LOG_IN, {"i": {"email": email, "password": password}})
    payload: dict[str, Any] = data["data"]["accessTokenCreate"]
    return payload


def _code(payload: dict[str, Any]) -> tuple[str | None, int | None]:
    if not payload["userErrors"]:
        return None, None
    error = payload["userErrors"][0]
    return error["code"], error["retryAfterSeconds"]


@pytest.fixture
def hashes_checked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many password verifications ran."""
    calls: list[int] = []
    original = passwords.verify_password

    async def counting(*args: Any) -> bool:
        calls.append(1)
        return await original(*args)

    monkeypatch.setattr(passwords, "verify_password", counting)
    return calls


async def test_failed_log_ins_slow_down_then_lock_the_account(
    api: Api, clock: ManualClock, hashes_checked: list[int]
) -> None:
    member = await api.sign_up()
    for _ in range(3):
        assert _code(await _log_in(api, member.email, "wrong-Password-1")) == (
            "INVALID_CREDENTIALS",
            None,
        )
    # The fourth try must wait 1 s, the next 2 s, then 4 s ...: refused without a check.
    checked = len(hashes_checked)
    for wait in (1, 2, 4, 8, 16, 32, 64):
        assert _code(await _log_in(api, member.email, "wrong-Password-1")) == ("RATE_LIMITED", wait)
        assert _code(await _log_in(api, member.email, PASSWORD)) == ("RATE_LIMITED", wait)
        clock.advance(wait)
        assert (
            _code(await _log_in(api, member.email, "wrong-Password-1"))[0] == "INVALID_CREDENTIALS"
        )
    assert len(hashes_checked) == checked + 7
    # Ten failures: locked for 15 minutes, even with the right password.
    assert _code(await _log_in(api, member.email, "wrong-Password-1")) == (
        "TEMPORARILY_LOCKED",
        900,
    )
    assert _code(await _log_in(api, member.email, PASSWORD)) == ("TEMPORARILY_LOCKED", 900)
    assert len(hashes_checked) == checked + 7
    clock.advance(900)
    assert (await _log_in(api, member.email, PASSWORD))["accessToken"] is not None
    # A success clears the account's count.
    assert _code(await _log_in(api, member.email, "wrong-Password-1"))[0] == "INVALID_CREDENTIALS"


async def test_failed_log_ins_are_limited_per_client_address(api: Api, clock: ManualClock) -> None:
    for i in range(30):
        payload = await _log_in(api, f"nobody{i}@example.com", "wrong-Password-1")
        assert _code(payload) == ("INVALID_CREDENTIALS", None)
    # Another account from the same address: the address must now wait (never a lock).
    assert _code(await _log_in(api, "someone@example.com", "x")) == ("RATE_LIMITED", 1)
    clock.advance(1)
    assert _code(await _log_in(api, "someone@example.com", "x"))[0] == "INVALID_CREDENTIALS"
    for k, wait in enumerate((2, 4, 8, 16, 32, 64, 128, 256)):  # within the 15-minute window
        other = f"other{k}@example.com"  # a new account each time: only the address counts
        assert _code(await _log_in(api, other, "x")) == ("RATE_LIMITED", wait)
        clock.advance(wait)
        assert _code(await _log_in(api, other, "x"))[0] == "INVALID_CREDENTIALS"


async def _log_in_from(app: Starlette, address: str, email: str, password: str) -> dict[str, Any]:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        response = await http.post(
            "/graphql", json={"query": LOG_IN, "variables": {"i": {"email": email,
                                                                   "password": password}}},
        )  # fmt: skip
    payload: dict[str, Any] = response.json()["data"]["accessTokenCreate"]
    return payload


async def test_an_attacker_cannot_lock_the_owner_out_from_another_address(
    api: Api, app: Starlette, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    owner = await api.sign_up()
    home, attacker, cafe = "198.51.100.7", "203.0.113.66", "2001:db8:1:2::10"
    assert (await _log_in_from(app, home, owner.email, PASSWORD))["accessToken"] is not None
    with caplog.at_level(logging.WARNING, logger="bharat_connect.security"):
        for _ in range(40):  # guessing as fast as the limits let it, until locked out
            refused = await _log_in_from(app, attacker, owner.email, "wrong-Password-1")
            code, wait = _code(refused)
            assert code in {"INVALID_CREDENTIALS", "RATE_LIMITED", "TEMPORARILY_LOCKED"}
            if code == "TEMPORARILY_LOCKED":
                break
            clock.advance(wait or 0)
        assert code == "TEMPORARILY_LOCKED"
    # The attacker's address is locked for this account, even with the right password.
    assert _code(await _log_in_from(app, attacker, owner.email, PASSWORD))[0] in {
        "TEMPORARILY_LOCKED", "RATE_LIMITED",
    }  # fmt: skip
    locks = [r for r in caplog.records if "log-in locked" in r.getMessage()]
    assert locks and owner.email not in locks[0].getMessage()
    assert attacker not in locks[0].getMessage()
    # The owner logs in from home (an address it used before) at once, whatever the attacker
    # did; from a new address the account's failures only ask for a bounded wait.
    assert (await _log_in_from(app, home, owner.email, PASSWORD))["accessToken"] is not None
    new = await _log_in_from(app, cafe, owner.email, PASSWORD)
    if new["accessToken"] is None:
        code, wait = _code(new)
        assert code == "RATE_LIMITED" and wait is not None and wait <= 300
        clock.advance(wait)
        new = await _log_in_from(app, cafe, owner.email, PASSWORD)
    assert new["accessToken"] is not None


def test_ipv6_clients_are_counted_by_their_64() -> None:
    from resolvers.services.throttle import client_key

    assert client_key("2001:db8:1:2::10") == client_key("2001:db8:1:2:ffff::1") == (
        "2001:db8:1:2::/64"
    )  # fmt: skip
    assert client_key("2001:db8:1:3::10") != client_key("2001:db8:1:2::10")
    assert client_key("198.51.100.7") == "198.51.100.7"
    assert client_key("::ffff:198.51.100.7") == "198.51.100.7"
    assert client_key("unknown") == "unknown"


async def test_sign_ups_are_limited_per_address(
    api: Api, state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(state, "settings", replace(state.settings, max_sign_ups_per_hour=3))
    codes = []
    for i in range(4):
        result = await api(
            SIGN_UP,
            {"i": {"email": f"new{i}@example.com", "password": PASSWORD, "displayName": "N"}},
        )
        codes.append(_code(result["data"]["accountSignUp"]))
    assert codes == [(None, None), (None, None), (None, None), ("TEMPORARILY_LOCKED", 3600)]
    async with state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Account)) == 3


async def test_a_taken_email_costs_a_password_hash_like_a_new_one(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = await api.sign_up()
    hashed: list[str] = []
    original = passwords.hash_password

    async def counting(hasher: Any, password: str) -> str:
        hashed.append(password)
        return await original(hasher, password)

    monkeypatch.setattr(passwords, "hash_password", counting)
    taken = await api(
        SIGN_UP, {"i": {"email": member.email, "password": PASSWORD, "displayName": "N"}}
    )
    assert _code(taken["data"]["accountSignUp"])[0] == "TAKEN"
    fresh = await api(
        SIGN_UP, {"i": {"email": "fresh@example.com", "password": PASSWORD, "displayName": "N"}}
    )
    assert _code(fresh["data"]["accountSignUp"]) == (None, None)
    assert hashed == [PASSWORD, PASSWORD]


async def test_organisations_per_account_per_day(
    api: Api, state: AppState, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(state, "settings", replace(state.settings, max_organisations_per_day=2))
    owner = await api.sign_up()
    answers = [
        _code(
            (await api(ORG, {"i": {"name": f"Org {i}"}}, token=owner.token))["data"][
                "organisationCreate"
            ]
        )
        for i in range(3)
    ]
    assert answers == [(None, None), (None, None), ("TEMPORARILY_LOCKED", 86400)]
    async with state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Organisation)) == 2
    clock.advance(86400)
    assert _code(
        (await api(ORG, {"i": {"name": "Tomorrow"}}, token=owner.token))["data"][
            "organisationCreate"
        ]
    ) == (None, None)


async def _otp_request(api: Api, member: Member, org: str) -> dict[str, Any]:
    data = await api(
        GSTIN_OTP, {"i": {"organisationId": org, "gstin": SHARMA_MH, **SHARMA}}, token=member.token
    )
    payload: dict[str, Any] = data["data"]["onboardingGstinOtpRequest"]
    return payload


async def _two_claimants(api: Api) -> list[tuple[Member, str]]:
    """Two accounts, each with an organisation claiming the same GSTIN."""
    claimants = []
    for name in ("first", "second"):
        member = await api.sign_up(name)
        org = await api.organisation(member, f"{name} org")
        await start(api, member, org)
        claimants.append((member, org))
    return claimants


async def test_otp_cooldown_and_supersession_are_per_destination(
    api: Api, simulator: SimulatedNetwork, clock: ManualClock, state: AppState
) -> None:
    (first, first_org), (second, second_org) = await _two_claimants(api)
    assert _code(await _otp_request(api, first, first_org)) == (None, None)
    first_code = simulator.last_otp(SHARMA_MOBILE)
    refused = await _otp_request(api, second, second_org)
    assert _code(refused)[0] == "RESEND_TOO_SOON"
    assert refused["userErrors"][0]["retryAfterSeconds"] == 30
    clock.advance(30)
    assert _code(await _otp_request(api, second, second_org)) == (None, None)
    # Only one OTP is live for the destination: the first organisation's was superseded.
    result = await api(
        GSTIN_VERIFY, {"i": {"organisationId": first_org, "otp": first_code}}, token=first.token
    )
    assert result["data"]["onboardingGstinVerify"]["userErrors"][0]["code"] == "OTP_ALREADY_USED"
    async with state.db.read() as session:
        live = await session.scalar(
            select(func.count()).select_from(OtpChallenge).where(OtpChallenge.consumed_at.is_(None))
        )
    assert live == 1


async def test_otps_and_wrong_guesses_per_destination_are_capped_per_day(
    api: Api, simulator: SimulatedNetwork, clock: ManualClock
) -> None:
    (first, first_org), (second, second_org) = await _two_claimants(api)
    sent = 0
    for turn in range(5):
        for member, org in ((first, first_org), (second, second_org)):
            assert _code(await _otp_request(api, member, org)) == (None, None), turn
            sent += 1
            clock.advance(30)
    assert sent == 10
    # The eleventh OTP to this GSTIN's contact today is refused, whoever asks.
    assert _code(await _otp_request(api, first, first_org))[0] == "TEMPORARILY_LOCKED"
    clock.advance(86400)
    # Wrong guesses: 5 per OTP, and 10 a day for the destination across organisations.
    codes = []
    for member, org in ((first, first_org), (second, second_org), (first, first_org)):
        assert _code(await _otp_request(api, member, org)) == (None, None)
        clock.advance(30)
        for _ in range(5):
            result = await api(
                GSTIN_VERIFY, {"i": {"organisationId": org, "otp": "000000"}}, token=member.token
            )
            codes.append(result["data"]["onboardingGstinVerify"]["userErrors"][0]["code"])
    assert codes[:10] == ["OTP_INVALID"] * 10
    assert set(codes[10:]) == {"TEMPORARILY_LOCKED"}


@pytest.mark.postgres_only
async def test_log_in_limits_hold_across_workers(two_servers: tuple[int, int]) -> None:
    first, second = two_servers
    email = "guessed@example.com"
    await post_to(first, SIGN_UP, {"i": {"email": email, "password": PASSWORD, "displayName": "G"}})

    async def attempt(port: int) -> tuple[str | None, int | None]:
        data = await post_to(port, LOG_IN, {"i": {"email": email, "password": "wrong-Password-1"}})
        return _code(data["accessTokenCreate"])  # type: ignore[arg-type]

    # Failures alternate between the two processes. A worker that itself saw fewer than the 3
    # free failures can only refuse with RATE_LIMITED if the counts are shared. (Should a
    # slow machine let a delay pass, the next one doubles; six tries leave no doubt.)
    own = {first: 0, second: 0}
    for index in range(6):
        port = (first, second)[index % 2]
        code, wait = await attempt(port)
        if code == "RATE_LIMITED":
            assert own[port] < 3
            assert wait is not None
            assert wait >= 1
            return
        assert code == "INVALID_CREDENTIALS"
        own[port] += 1
    pytest.fail("no attempt was slowed down: the failures were not shared")
