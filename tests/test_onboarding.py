"""Onboarding through the API against the deterministic simulator: the whole path, then every
refusal, with the side effect that did not happen."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import B2BId, OtpChallenge, OutboxMessage
from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from simulator.clock import ManualClock
from simulator.demo import KAVERI_KA, NO_API_ACCESS_WB, SHARMA_MH
from simulator.network import SimulatedNetwork
from simulator.world import DirectoryEntry
from tests.conftest import Api, Member
from tests.onboarding_helpers import (
    B2B_CREATE,
    GSTIN_ADD,
    GSTIN_OTP,
    GSTIN_VERIFY,
    MOBILE_OTP,
    MOBILE_VERIFY,
    SHARMA,
    SHARMA_MOBILE,
    START,
    create_b2b_id,
    ready_for_b2b_id,
    start,
    status,
    verify_gstin,
)


async def _count(state: AppState, model: Any) -> int:
    async with state.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def _errors(result: dict[str, Any], field: str) -> list[tuple[str, list[str]]]:
    assert "errors" not in result, result
    return [(e["code"], e["field"]) for e in result["data"][field]["userErrors"]]


async def test_the_whole_onboarding(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, clock: ManualClock
) -> None:
    owner = await api.sign_up("owner")
    org = await api.organisation(owner, "Sharma Traders")
    assert (await status(api, owner, org))["nextStep"] == "START"
    added = await api.ok(
        GSTIN_ADD, {"i": {"organisationId": org, "gstin": SHARMA_MH.lower()}}, token=owner.token
    )
    assert added["organisationGstinAdd"]["gstin"] == {
        "gstin": SHARMA_MH,
        "stateCode": "27",
        "stateName": "Maharashtra",
    }
    started = await api.ok(
        START, {"i": {"organisationId": org, "authorised": True}}, token=owner.token
    )
    assert started["onboardingStart"]["onboarding"] == {"started": True, "nextStep": "VERIFY_GSTIN"}

    sent = await api.ok(
        GSTIN_OTP, {"i": {"organisationId": org, "gstin": SHARMA_MH, **SHARMA}}, token=owner.token
    )
    assert (
        sent["onboardingGstinOtpRequest"]["otp"]["sentTo"]
        == "******3210 and a****@sharma-traders.example"
    )
    code = simulator.last_otp(SHARMA_MOBILE)
    assert code is not None
    assert simulator.last_otp("accounts@sharma-traders.example") == code
    verified = await api.ok(
        GSTIN_VERIFY, {"i": {"organisationId": org, "otp": code}}, token=owner.token
    )
    onboarding = verified["onboardingGstinVerify"]["onboarding"]
    assert onboarding["gstinState"] == "DONE"
    assert onboarding["legalName"] == "Sharma Traders"
    assert onboarding["businessType"] == "PARTNERSHIP"
    assert onboarding["nextStep"] == "VERIFY_MOBILE"
    assert onboarding["b2bIdSuggestions"][:2] == ["sharma-traders", "st.maharashtra"]

    await api.ok(
        MOBILE_OTP, {"i": {"organisationId": org, "mobile": "+91 91234 56780"}}, token=owner.token
    )
    mobile_code = simulator.last_otp("9123456780")
    mobile = await api.ok(
        MOBILE_VERIFY, {"i": {"organisationId": org, "otp": mobile_code}}, token=owner.token
    )
    assert mobile["onboardingMobileVerify"]["onboarding"] == {
        "mobileState": "DONE",
        "mobile": "******6780",
        "nextStep": "CREATE_B2B_ID",
    }

    created = await create_b2b_id(api, owner, org)
    assert created["status"] == "SUBMITTING"
    assert (await status(api, owner, org))["nextStep"] == "AWAIT_B2B_ID_APPROVAL"
    assert await dispatcher.run_once() == 1
    assert (await status(api, owner, org))["b2bId"]["status"] == "PENDING_APPROVAL"
    assert simulator.world.directory["sharma-traders"].state == "PENDING"
    await simulator.advance(30)
    final = await status(api, owner, org)
    assert final["b2bId"] == {
        "value": "sharma-traders",
        "status": "APPROVED",
        "rejectionReason": None,
    }
    assert final["b2bIdState"] == "DONE"
    assert final["nextStep"] == "COMPLETE_KYC"


async def test_b2b_id_rejected_by_the_network_then_a_new_one(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> None:
    owner = await api.sign_up()
    org = await api.organisation(owner)
    await ready_for_b2b_id(api, simulator, owner, org)
    simulator.world.behaviour.reject_b2b_ids["sharma-traders"] = "Too generic for the network."
    await create_b2b_id(api, owner, org)
    await dispatcher.run_once()
    await simulator.advance(30)
    rejected = await status(api, owner, org)
    assert rejected["b2bId"] == {
        "value": "sharma-traders",
        "status": "REJECTED",
        "rejectionReason": "Too generic for the network.",
    }
    assert rejected["nextStep"] == "CREATE_B2B_ID"
    await create_b2b_id(api, owner, org, "st.maharashtra")
    await dispatcher.run_once()
    await simulator.advance(30)
    done = await status(api, owner, org)
    assert [b["status"] for b in done["b2bIds"]] == ["APPROVED", "REJECTED"]


async def test_a_created_b2b_id_cannot_be_changed(
    api: Api, simulator: SimulatedNetwork, state: AppState
) -> None:
    owner = await api.sign_up()
    org = await api.organisation(owner)
    await ready_for_b2b_id(api, simulator, owner, org)
    await create_b2b_id(api, owner, org)
    again = await api(
        B2B_CREATE,
        {"i": {"organisationId": org, "b2bId": "st.maharashtra", "acceptTerms": True}},
        token=owner.token,
    )
    assert _errors(again, "b2bIdCreate") == [("B2B_ID_IMMUTABLE", ["input", "b2bId"])]
    assert await _count(state, B2BId) == 1


async def test_b2b_id_refusals_change_nothing(
    api: Api, simulator: SimulatedNetwork, state: AppState
) -> None:
    owner = await api.sign_up()
    org = await api.organisation(owner)
    await ready_for_b2b_id(api, simulator, owner, org)
    simulator.world.add_directory_entry(DirectoryEntry("st.maharashtra", KAVERI_KA, "Someone Else"))
    cases = [
        (
            {"b2bId": "sharma-traders", "acceptTerms": False},
            "TERMS_NOT_ACCEPTED",
            ["input", "acceptTerms"],
        ),
        ({"b2bId": "st.maharashtra", "acceptTerms": True}, "TAKEN", ["input", "b2bId"]),
        ({"b2bId": "sharma-support", "acceptTerms": True}, "INVALID", ["input", "b2bId"]),
        ({"b2bId": "sharma-scam", "acceptTerms": True}, "INVALID", ["input", "b2bId"]),
        ({"b2bId": "Sharma Traders!", "acceptTerms": True}, "INVALID", ["input", "b2bId"]),
        ({"b2bId": "acme-widgets", "acceptTerms": True}, "INVALID", ["input", "b2bId"]),
    ]
    for values, code, field in cases:
        result = await api(B2B_CREATE, {"i": {"organisationId": org, **values}}, token=owner.token)
        assert _errors(result, "b2bIdCreate") == [(code, field)], values
    assert await _count(state, B2BId) == 0
    assert await _count(state, OutboxMessage) == 0


async def test_steps_out_of_order(api: Api, state: AppState) -> None:
    owner = await api.sign_up()
    org = await api.organisation(owner)
    await api.ok(GSTIN_ADD, {"i": {"organisationId": org, "gstin": SHARMA_MH}}, token=owner.token)
    before_start = await api(
        GSTIN_OTP, {"i": {"organisationId": org, "gstin": SHARMA_MH, **SHARMA}}, token=owner.token
    )
    assert _errors(before_start, "onboardingGstinOtpRequest") == [
        ("STEP_OUT_OF_ORDER", ["input", "organisationId"])
    ]
    await api.ok(START, {"i": {"organisationId": org, "authorised": True}}, token=owner.token)
    mobile_first = await api(
        MOBILE_OTP, {"i": {"organisationId": org, "mobile": "9123456780"}}, token=owner.token
    )
    assert _errors(mobile_first, "onboardingMobileOtpRequest") == [
        ("STEP_OUT_OF_ORDER", ["input", "mobile"])
    ]
    b2b_first = await api(
        B2B_CREATE,
        {"i": {"organisationId": org, "b2bId": "sharma-traders", "acceptTerms": True}},
        token=owner.token,
    )
    assert _errors(b2b_first, "b2bIdCreate") == [("STEP_OUT_OF_ORDER", ["input", "b2bId"])]
    not_authorised = await api(
        START, {"i": {"organisationId": org, "authorised": False}}, token=owner.token
    )
    assert _errors(not_authorised, "onboardingStart") == [("REQUIRED", ["input", "authorised"])]
    assert await _count(state, OtpChallenge) == 0


async def test_gstin_refusals(api: Api, simulator: SimulatedNetwork, state: AppState) -> None:
    owner = await api.sign_up()
    org = await api.organisation(owner)
    await start(api, owner, org)
    await api.ok(
        GSTIN_ADD, {"i": {"organisationId": org, "gstin": NO_API_ACCESS_WB}}, token=owner.token
    )
    base = {"organisationId": org, "gstin": SHARMA_MH, **SHARMA}
    cases: list[tuple[dict[str, str], str, list[str]]] = [
        ({"gstin": "27AAPFS1234K1ZO"}, "INVALID", ["input", "gstin"]),
        ({"gstin": "27AAPFS1234K1Z"}, "INVALID", ["input", "gstin"]),
        ({"gstin": KAVERI_KA}, "GSTIN_NOT_HELD", ["input", "gstin"]),
        (
            {
                "gstin": NO_API_ACCESS_WB,
                "legalName": "Hooghly Jute Mills Limited",
                "businessType": "PUBLIC_LIMITED",
            },
            "GSTN_API_ACCESS_DISABLED",
            ["input", "gstin"],
        ),
        ({"gstnUsername": "someone.else"}, "GSTN_REFUSED", ["input", "gstnUsername"]),
        ({"legalName": "Sharma Trading Company"}, "LEGAL_NAME_MISMATCH", ["input", "legalName"]),
        ({"businessType": "PRIVATE_LIMITED"}, "PAN_MISMATCH", ["input", "businessType"]),
        ({"legalName": "   "}, "REQUIRED", ["input", "legalName"]),
    ]
    for override, code, field in cases:
        result = await api(GSTIN_OTP, {"i": {**base, **override}}, token=owner.token)
        assert _errors(result, "onboardingGstinOtpRequest") == [(code, field)], override
    assert await _count(state, OtpChallenge) == 0
    assert simulator.world.messages == []
    bad = await api(
        GSTIN_ADD, {"i": {"organisationId": org, "gstin": "22AAAAA0000A1Z5"}}, token=owner.token
    )
    assert _errors(bad, "organisationGstinAdd") == [("INVALID", ["input", "gstin"])]
    dup = await api(
        GSTIN_ADD, {"i": {"organisationId": org, "gstin": SHARMA_MH}}, token=owner.token
    )
    assert _errors(dup, "organisationGstinAdd") == [("TAKEN", ["input", "gstin"])]


async def test_network_down_while_requesting_an_otp_leaves_nothing(
    api: Api, simulator: SimulatedNetwork, state: AppState, clock: ManualClock
) -> None:
    from datetime import timedelta

    owner = await api.sign_up()
    org = await api.organisation(owner)
    await start(api, owner, org)
    simulator.faults.start_outage(clock.now() + timedelta(seconds=60))
    result = await api(
        GSTIN_OTP, {"i": {"organisationId": org, "gstin": SHARMA_MH, **SHARMA}}, token=owner.token
    )
    assert _errors(result, "onboardingGstinOtpRequest") == [
        ("NETWORK_UNAVAILABLE", ["input", "gstin"])
    ]
    assert await _count(state, OtpChallenge) == 0
    simulator.faults.end_outage()
    from simulator.faults import Fault

    simulator.faults.add("gstn_send_otp", Fault("TIMEOUT_NOT_DONE"))
    result = await api(
        GSTIN_OTP, {"i": {"organisationId": org, "gstin": SHARMA_MH, **SHARMA}}, token=owner.token
    )
    assert _errors(result, "onboardingGstinOtpRequest") == [
        ("NETWORK_UNAVAILABLE", ["input", "gstin"])
    ]
    assert await _count(state, OtpChallenge) == 0
    # No cooldown was left behind: asking again works at once.
    await api.ok(
        GSTIN_OTP, {"i": {"organisationId": org, "gstin": SHARMA_MH, **SHARMA}}, token=owner.token
    )


async def test_otp_rules(
    api: Api, simulator: SimulatedNetwork, state: AppState, clock: ManualClock
) -> None:
    owner = await api.sign_up()
    org = await api.organisation(owner)
    await start(api, owner, org)
    request = {"i": {"organisationId": org, "gstin": SHARMA_MH, **SHARMA}}
    await api.ok(GSTIN_OTP, request, token=owner.token)
    first = simulator.last_otp(SHARMA_MOBILE)
    assert first is not None
    too_soon = await api(GSTIN_OTP, request, token=owner.token)
    assert _errors(too_soon, "onboardingGstinOtpRequest") == [
        ("RESEND_TOO_SOON", ["input", "gstin"])
    ]
    clock.advance(31)
    await api.ok(GSTIN_OTP, request, token=owner.token)
    second = simulator.last_otp(SHARMA_MOBILE)
    assert second is not None
    used = 0
    if first != second:
        # The superseded code no longer works (and counts as a wrong try).
        superseded = await api(
            GSTIN_VERIFY, {"i": {"organisationId": org, "otp": first}}, token=owner.token
        )
        assert _errors(superseded, "onboardingGstinVerify") == [("OTP_INVALID", ["input", "otp"])]
        used = 1
    wrong = "000000" if second != "000000" else "111111"
    messages = []
    for _ in range(5 - used):
        result = await api(
            GSTIN_VERIFY, {"i": {"organisationId": org, "otp": wrong}}, token=owner.token
        )
        messages.append(result["data"]["onboardingGstinVerify"]["userErrors"][0])
    assert {m["code"] for m in messages} == {"OTP_INVALID"}
    assert (
        messages[0]["message"]
        == f"The OTP is wrong; {4 - used} {'try' if used == 3 else 'tries'} left."
    )
    assert (
        messages[-1]["message"] == "The OTP is wrong, and that was the last try: request a new OTP."
    )
    locked = await api(
        GSTIN_VERIFY, {"i": {"organisationId": org, "otp": second}}, token=owner.token
    )
    assert _errors(locked, "onboardingGstinVerify") == [("OTP_TOO_MANY_ATTEMPTS", ["input", "otp"])]
    # A fresh OTP expires after 10 minutes.
    clock.advance(31)
    await api.ok(GSTIN_OTP, request, token=owner.token)
    third = simulator.last_otp(SHARMA_MOBILE)
    clock.advance(601)
    expired = await api(
        GSTIN_VERIFY, {"i": {"organisationId": org, "otp": third}}, token=owner.token
    )
    assert _errors(expired, "onboardingGstinVerify") == [("OTP_EXPIRED", ["input", "otp"])]
    assert (await status(api, owner, org))["gstinState"] == "NOT_STARTED"
    # Codes are stored only as digests.
    async with state.db.read() as session:
        digests = list((await session.scalars(select(OtpChallenge.code_digest))).all())
    assert third is not None
    assert all(len(d) == 64 and third not in d for d in digests)


async def test_wrong_tries_count_across_aliases_in_one_document(
    api: Api, simulator: SimulatedNetwork
) -> None:
    owner = await api.sign_up()
    org = await api.organisation(owner)
    await start(api, owner, org)
    await api.ok(
        GSTIN_OTP, {"i": {"organisationId": org, "gstin": SHARMA_MH, **SHARMA}}, token=owner.token
    )
    code = simulator.last_otp(SHARMA_MOBILE)
    wrong = "000000" if code != "000000" else "111111"
    aliases = " ".join(
        f'a{i}: onboardingGstinVerify(input: {{organisationId: "{org}", otp: "{wrong}"}}) {{ userErrors {{ code }} }}'
        for i in range(6)
    )
    result = await api(f"mutation {{ {aliases} }}", token=owner.token)
    codes = [result["data"][f"a{i}"]["userErrors"][0]["code"] for i in range(6)]
    assert codes == ["OTP_INVALID"] * 5 + ["OTP_TOO_MANY_ATTEMPTS"]
    right = await api(GSTIN_VERIFY, {"i": {"organisationId": org, "otp": code}}, token=owner.token)
    assert _errors(right, "onboardingGstinVerify") == [("OTP_TOO_MANY_ATTEMPTS", ["input", "otp"])]


async def test_staff_cannot_onboard(api: Api) -> None:
    owner, staff = await api.sign_up(), await api.sign_up()
    org = await api.organisation(owner)
    await api.add_member(owner, org, staff, "STAFF")
    result = await api(START, {"i": {"organisationId": org, "authorised": True}}, token=staff.token)
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    other = await api.sign_up()
    foreign = await api(
        START, {"i": {"organisationId": org, "authorised": True}}, token=other.token
    )
    assert _errors(foreign, "onboardingStart") == [("NOT_FOUND", ["input", "organisationId"])]


async def test_verified_gstin_is_not_verified_twice(
    api: Api, simulator: SimulatedNetwork, state: AppState
) -> None:
    owner: Member = await api.sign_up()
    org = await api.organisation(owner)
    await start(api, owner, org)
    await verify_gstin(api, simulator, owner, org)
    again = await api(
        GSTIN_OTP, {"i": {"organisationId": org, "gstin": SHARMA_MH, **SHARMA}}, token=owner.token
    )
    assert _errors(again, "onboardingGstinOtpRequest") == [("ALREADY_DONE", ["input", "gstin"])]
    assert await _count(state, OtpChallenge) == 1


@pytest.mark.parametrize("status", ["CANCELLED", "SUSPENDED"])
async def test_a_cancelled_or_suspended_gstin_is_refused(
    api: Api, simulator: SimulatedNetwork, state: AppState, status: str
) -> None:
    owner = await api.sign_up()
    org = await api.organisation(owner)
    await start(api, owner, org)
    record = simulator.world.taxpayers[SHARMA_MH]
    simulator.world.taxpayers[SHARMA_MH] = dataclasses.replace(record, status=status)  # type: ignore[arg-type]
    result = await api(
        GSTIN_OTP, {"i": {"organisationId": org, "gstin": SHARMA_MH, **SHARMA}}, token=owner.token
    )
    assert _errors(result, "onboardingGstinOtpRequest") == [("GSTIN_INACTIVE", ["input", "gstin"])]
    assert await _count(state, OtpChallenge) == 0
    assert simulator.world.messages == []  # no OTP went out
