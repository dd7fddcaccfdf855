"""Driving onboarding through the API, for tests."""

from __future__ import annotations

from typing import Any

from simulator.demo import SHARMA_MH
from simulator.network import SimulatedNetwork
from tests.conftest import Api, Member

GSTIN_ADD = """mutation($i: OrganisationGstinAddInput!) { organisationGstinAdd(input: $i) {
    gstin { gstin stateCode stateName } userErrors { code field message } } }"""
START = """mutation($i: OnboardingStartInput!) { onboardingStart(input: $i) {
    onboarding { started nextStep } userErrors { code field message } } }"""
GSTIN_OTP = """mutation($i: OnboardingGstinOtpRequestInput!) { onboardingGstinOtpRequest(input: $i) {
    otp { sentTo expiresAt } userErrors { code field message } } }"""
GSTIN_VERIFY = """mutation($i: OnboardingOtpVerifyInput!) { onboardingGstinVerify(input: $i) {
    onboarding { gstinState gstin legalName businessType nextStep b2bIdSuggestions }
    userErrors { code field message } } }"""
MOBILE_OTP = """mutation($i: OnboardingMobileOtpRequestInput!) { onboardingMobileOtpRequest(input: $i) {
    otp { sentTo expiresAt } userErrors { code field message } } }"""
MOBILE_VERIFY = """mutation($i: OnboardingOtpVerifyInput!) { onboardingMobileVerify(input: $i) {
    onboarding { mobileState mobile nextStep } userErrors { code field message } } }"""
B2B_CREATE = """mutation($i: B2BIdCreateInput!) { b2bIdCreate(input: $i) {
    b2bId { id value status private rejectionReason } userErrors { code field message } } }"""
STATUS = """query($id: ID!) { organisation(id: $id) { gstins { gstin } onboarding {
    started nextStep gstinState gstin mobileState mobile b2bIdState
    b2bId { value status rejectionReason } b2bIds { value status } } } }"""

SHARMA = {
    "legalName": "Sharma Traders",
    "gstnUsername": "sharmatraders.mh",
    "businessType": "PARTNERSHIP",
}
SHARMA_MOBILE = "9876543210"  # the GSTIN's registered mobile in the demo world


async def start(api: Api, owner: Member, org: str, gstin: str = SHARMA_MH) -> None:
    await api.ok(GSTIN_ADD, {"i": {"organisationId": org, "gstin": gstin}}, token=owner.token)
    await api.ok(START, {"i": {"organisationId": org, "authorised": True}}, token=owner.token)


async def verify_gstin(
    api: Api, simulator: SimulatedNetwork, owner: Member, org: str
) -> dict[str, Any]:
    await api.ok(
        GSTIN_OTP, {"i": {"organisationId": org, "gstin": SHARMA_MH, **SHARMA}}, token=owner.token
    )
    code = simulator.last_otp(SHARMA_MOBILE)
    data = await api.ok(
        GSTIN_VERIFY, {"i": {"organisationId": org, "otp": code}}, token=owner.token
    )
    result: dict[str, Any] = data["onboardingGstinVerify"]["onboarding"]
    return result


async def verify_mobile(
    api: Api, simulator: SimulatedNetwork, owner: Member, org: str, mobile: str = "9123456780"
) -> None:
    await api.ok(MOBILE_OTP, {"i": {"organisationId": org, "mobile": mobile}}, token=owner.token)
    code = simulator.last_otp(mobile)
    await api.ok(MOBILE_VERIFY, {"i": {"organisationId": org, "otp": code}}, token=owner.token)


async def ready_for_b2b_id(api: Api, simulator: SimulatedNetwork, owner: Member, org: str) -> None:
    await start(api, owner, org)
    await verify_gstin(api, simulator, owner, org)
    await verify_mobile(api, simulator, owner, org)


async def create_b2b_id(
    api: Api, owner: Member, org: str, value: str = "sharma-traders"
) -> dict[str, Any]:
    data = await api.ok(
        B2B_CREATE,
        {"i": {"organisationId": org, "b2bId": value, "acceptTerms": True}},
        token=owner.token,
    )
    result: dict[str, Any] = data["b2bIdCreate"]["b2bId"]
    return result


async def status(api: Api, owner: Member, org: str) -> dict[str, Any]:
    data = await api.ok(STATUS, {"id": org}, token=owner.token)
    result: dict[str, Any] = data["organisation"]["onboarding"]
    return result
