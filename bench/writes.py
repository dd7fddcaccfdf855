"""The write path, end to end on one worker against the in-process network: invoices created,
pushed and answered (accepted by an external receiver) per second, pushed one by one and in
bulk (200 a request), by 16 clients at once.

Used by ``bench/compare.py``; runs on the database it is given (its own scratch database).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from dataclasses import replace
from typing import Any, TypeVar

import httpx

from bench.load import NO_ABUSE_LIMITS, gql
from simulator.demo import SHARMA_MH, TAPTI_DL

T = TypeVar("T")

PASSWORD = "Bench-Password-2026"
DOCUMENT = """mutation($i: DocumentCreateInput!) { documentCreate(input: $i) { document { id } userErrors { code message } } }"""
PUSH = """mutation($i: DocumentPushInput!) { documentPush(input: $i) { userErrors { code message } } }"""
PUSH_BULK = """mutation($i: DocumentPushBulkInput!) { documentPushBulk(input: $i) { userErrors { code message } } }"""
# Clients at once, as many users of one organisation would be.
CONCURRENCY = 16


async def _ready(client: httpx.AsyncClient, network: Any) -> tuple[str, str, str]:
    """An onboarded seller with a customer linked to an external B2B ID."""
    token = (await gql(client, """mutation($i: AccountSignUpInput!) { accountSignUp(input: $i) {
        accessToken { token } } }""", {"i": {"email": "writer@bench.example",
        "password": PASSWORD, "displayName": "Writer"}}))["accountSignUp"]["accessToken"]["token"]  # fmt: skip
    org = (await gql(client, """mutation($i: OrganisationCreateInput!) { organisationCreate(
        input: $i) { organisation { id } } }""", {"i": {"name": "Sharma Traders"}}, token)
    )["organisationCreate"]["organisation"]["id"]  # fmt: skip
    steps = [
        ("mutation($i: OrganisationGstinAddInput!) { organisationGstinAdd(input: $i) { userErrors { code } } }",
         {"organisationId": org, "gstin": SHARMA_MH}),
        ("mutation($i: OnboardingStartInput!) { onboardingStart(input: $i) { userErrors { code } } }",
         {"organisationId": org, "authorised": True}),
        ("mutation($i: OnboardingGstinOtpRequestInput!) { onboardingGstinOtpRequest(input: $i) { userErrors { code } } }",
         {"organisationId": org, "gstin": SHARMA_MH, "legalName": "Sharma Traders",
          "gstnUsername": "sharmatraders.mh", "businessType": "PARTNERSHIP"}),
    ]  # fmt: skip
    for query, variables in steps:
        await gql(client, query, {"i": variables}, token)
    await gql(client, """mutation($i: OnboardingOtpVerifyInput!) { onboardingGstinVerify(
        input: $i) { userErrors { code } } }""",
        {"i": {"organisationId": org, "otp": network.last_otp("9876543210")}}, token)  # fmt: skip
    await gql(client, """mutation($i: OnboardingMobileOtpRequestInput!) {
        onboardingMobileOtpRequest(input: $i) { userErrors { code } } }""",
        {"i": {"organisationId": org, "mobile": "9123456780"}}, token)  # fmt: skip
    await gql(client, """mutation($i: OnboardingOtpVerifyInput!) { onboardingMobileVerify(
        input: $i) { userErrors { code } } }""",
        {"i": {"organisationId": org, "otp": network.last_otp("9123456780")}}, token)  # fmt: skip
    await gql(client, """mutation($i: B2BIdCreateInput!) { b2bIdCreate(input: $i) {
        userErrors { code } } }""", {"i": {"organisationId": org, "b2bId": "sharma-traders",
        "acceptTerms": True}}, token)  # fmt: skip
    for _ in range(600):  # the review takes a moment of real time
        await network.advance(60)
        found = await gql(client, """query($o: ID!) { organisation(id: $o) { onboarding {
            b2bId { status } } } }""", {"o": org}, token)  # fmt: skip
        if (found["organisation"]["onboarding"]["b2bId"] or {}).get("status") == "APPROVED":
            break
        await asyncio.sleep(0.05)
    contact = (await gql(client, """mutation($i: ContactCreateInput!) { contactCreate(
        input: $i) { contact { id } } }""", {"i": {"organisationId": org, "contact": {
        "displayName": "Tapti Foods", "isCustomer": True, "gstin": TAPTI_DL,
        "gstTreatment": "REGISTERED_REGULAR"}}}, token))["contactCreate"]["contact"]["id"]  # fmt: skip
    await gql(client, """mutation($i: ContactB2BIdLinkInput!) { contactB2BIdLink(input: $i) {
        userErrors { code } } }""", {"i": {"contactId": contact, "b2bId": "tapti-foods"}}, token)  # fmt: skip
    return token, org, contact


async def _accepted(state: Any) -> int:
    """Documents the network accepted (one count: the API's own pages would load the worker
    being measured)."""
    from sqlalchemy import func, select

    from db.models import Document, PushStatus

    async with state.db.read() as session:
        query = select(func.count()).where(Document.push_status == PushStatus.ACCEPTED)
        return int(await session.scalar(query) or 0)


async def gather(jobs: list[Awaitable[T]]) -> list[T]:
    """Run ``jobs`` :data:`CONCURRENCY` at a time; their results in order."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(job: Awaitable[T]) -> T:
        async with gate:
            return await job

    return list(await asyncio.gather(*(one(job) for job in jobs)))


async def _create(client: httpx.AsyncClient, token: str, org: str, contact: str, n: int) -> str:
    line = {"description": f"Item {n}", "hsnSac": "8471", "quantity": "1", "unitPrice": "100.00",
            "taxRate": "18"}  # fmt: skip
    made = await gql(client, DOCUMENT, {"i": {"organisationId": org, "kind": "INVOICE",
        "contactId": contact, "documentDate": "2026-11-24", "lines": [line]}}, token)  # fmt: skip
    return str(made["documentCreate"]["document"]["id"])


async def measure(database_url: str, count: int) -> tuple[float, float]:
    """(documents/s one by one, documents/s in bulk), each end to end: created, pushed, and
    answered ACCEPTED by the network."""
    from server.app import create_app, tune_collector
    from server.settings import Settings

    settings = Settings.from_env({
        "DATABASE_URL": database_url, "SEED_DEMO": "false", "PASSWORD_HASH_PROFILE": "fast",
        "LOG_LEVEL": "WARNING", "SIMULATOR_REVIEW_SECONDS": "1", **NO_ABUSE_LIMITS,
    })  # fmt: skip
    app = create_app(replace(settings, background_tasks=True))
    tune_collector(settings)  # as the served process does
    network = app.state.simulator
    async with app.router.lifespan_context(app):
        network.world.behaviour.document_answer_seconds = 0.0
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench",
                                     timeout=60) as client:  # fmt: skip
            token, org, contact = await _ready(client, network)
            rates = []
            for bulk in (False, True):
                done_before = await _accepted(app.state.bc)
                started = time.perf_counter()
                made = await gather([_create(client, token, org, contact, n) for n in range(count)])
                if bulk:
                    await gather([
                        gql(client, PUSH_BULK, {"i": {"organisationId": org,
                            "documentIds": made[at:at + 200]}}, token)
                        for at in range(0, count, 200)
                    ])  # fmt: skip
                else:
                    await gather([gql(client, PUSH, {"i": {"documentId": d}}, token) for d in made])
                while await _accepted(app.state.bc) < done_before + count:  # noqa: ASYNC110
                    await asyncio.sleep(0.02)
                rates.append(count / (time.perf_counter() - started))
    return rates[0], rates[1]
