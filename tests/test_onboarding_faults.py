"""The B2B ID registration under network faults: exactly-once effects, nothing stuck."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from db.models import OrganisationEvent, OutboxMessage, OutboxStatus
from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from simulator.clock import ManualClock
from simulator.demo import SHARMA_MH
from simulator.faults import Fault
from simulator.network import SimulatedNetwork
from tests.conftest import Api, LiveServer, Member, event_cursor
from tests.onboarding_helpers import (
    B2B_CREATE,
    GSTIN_OTP,
    GSTIN_VERIFY,
    SHARMA,
    SHARMA_MOBILE,
    create_b2b_id,
    ready_for_b2b_id,
    start,
    status,
)
from tests.wsclient import GraphQLWebSocket


async def _ready(api: Api, simulator: SimulatedNetwork) -> tuple[Member, str]:
    owner = await api.sign_up()
    org = await api.organisation(owner, "Sharma Traders")
    await ready_for_b2b_id(api, simulator, owner, org)
    return owner, org


async def _kinds(state: AppState) -> list[str]:
    async with state.db.read() as session:
        return list(
            (
                await session.scalars(
                    select(OrganisationEvent.kind).order_by(OrganisationEvent.seq)
                )
            ).all()
        )


def _b2b_reviews(simulator: SimulatedNetwork) -> int:
    return sum(1 for r in simulator.world.reviews.values() if r.kind == "B2B_ID")


async def test_a_registration_that_timed_out_but_succeeded_is_not_duplicated(
    api: Api,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    clock: ManualClock,
    state: AppState,
) -> None:
    owner, org = await _ready(api, simulator)
    simulator.faults.add("b2b_id_register", Fault("TIMEOUT_DONE"))
    await create_b2b_id(api, owner, org)
    await dispatcher.run_once()
    assert (await status(api, owner, org))["b2bId"]["status"] == "SUBMITTING"
    assert _b2b_reviews(simulator) == 1  # it did reach the network
    clock.advance(2)
    await dispatcher.run_once()  # asks for status first, finds it, does not register again
    assert (await status(api, owner, org))["b2bId"]["status"] == "PENDING_APPROVAL"
    assert _b2b_reviews(simulator) == 1
    await simulator.advance(30)
    assert (await status(api, owner, org))["b2bId"]["status"] == "APPROVED"
    assert (await _kinds(state)).count("B2B_ID_APPROVED") == 1


async def test_a_registration_that_timed_out_and_failed_is_sent_again(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, clock: ManualClock
) -> None:
    owner, org = await _ready(api, simulator)
    simulator.faults.add("b2b_id_register", Fault("TIMEOUT_NOT_DONE"), times=2)
    await create_b2b_id(api, owner, org)
    await dispatcher.run_once()
    clock.advance(2)
    await dispatcher.run_once()
    assert _b2b_reviews(simulator) == 0
    clock.advance(4)  # backoff doubles
    await dispatcher.run_once()
    assert _b2b_reviews(simulator) == 1
    assert (await status(api, owner, org))["b2bId"]["status"] == "PENDING_APPROVAL"


@pytest.mark.parametrize("kind", ["REFUSE", "OUTAGE", "TIMEOUT_NOT_DONE"])
async def test_an_availability_check_the_network_did_not_answer_is_a_typed_refusal(
    api: Api, simulator: SimulatedNetwork, state: AppState, kind: str
) -> None:
    owner, org = await _ready(api, simulator)
    simulator.faults.add("b2b_id_available", Fault(kind, seconds=1))  # type: ignore[arg-type]
    refused = await api(B2B_CREATE, {"i": {"organisationId": org, "b2bId": "sharma-traders",
                                           "acceptTerms": True}}, token=owner.token)  # fmt: skip
    payload = refused["data"]["b2bIdCreate"]
    assert payload["b2bId"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("NETWORK_UNAVAILABLE", ["input", "b2bId"])
    ]
    simulator.faults.end_outage()
    assert (await create_b2b_id(api, owner, org))["status"] == "SUBMITTING"  # nothing was kept


async def test_a_refusal_rejects_the_b2b_id(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    owner, org = await _ready(api, simulator)
    simulator.faults.add("b2b_id_register", Fault("REFUSE", reason="B2B_ID_TAKEN"))
    await create_b2b_id(api, owner, org)
    await dispatcher.run_once()
    b2b = (await status(api, owner, org))["b2bId"]
    assert b2b["status"] == "REJECTED"
    assert "B2B_ID_TAKEN" in b2b["rejectionReason"]
    async with state.db.read() as session:
        statuses = list((await session.scalars(select(OutboxMessage.status))).all())
    assert statuses == [OutboxStatus.DONE]


async def test_an_outage_during_review_recovers_by_itself(
    api: Api,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    clock: ManualClock,
    state: AppState,
) -> None:
    owner, org = await _ready(api, simulator)
    await create_b2b_id(api, owner, org)
    await dispatcher.run_once()
    simulator.faults.start_outage(clock.now() + timedelta(seconds=120))
    await simulator.advance(30)  # decided upstream, but the delivery is held back
    assert (await status(api, owner, org))["b2bId"]["status"] == "PENDING_APPROVAL"
    clock.advance(31)  # the status poll falls due, meets the outage, opens the circuit
    await dispatcher.run_once()
    assert dispatcher.circuit_open(clock.now())
    assert (await status(api, owner, org))["b2bId"]["status"] == "PENDING_APPROVAL"
    for _ in range(20):  # time passes; the network comes back and redelivers
        await simulator.advance(10)
        await dispatcher.run_once()
    assert (await status(api, owner, org))["b2bId"]["status"] == "APPROVED"
    assert (await _kinds(state)).count("B2B_ID_APPROVED") == 1


async def test_duplicate_delivery_is_applied_once(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    owner, org = await _ready(api, simulator)
    simulator.faults.add("deliver", Fault("DUPLICATE"))
    await create_b2b_id(api, owner, org)
    await dispatcher.run_once()
    await simulator.advance(30)
    assert (await status(api, owner, org))["b2bId"]["status"] == "APPROVED"
    assert (await _kinds(state)).count("B2B_ID_APPROVED") == 1


async def test_a_lost_decision_is_found_by_polling_and_its_late_echo_ignored(
    api: Api,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    clock: ManualClock,
    state: AppState,
) -> None:
    owner, org = await _ready(api, simulator)
    simulator.faults.add("deliver", Fault("DELAY", seconds=3600))
    await create_b2b_id(api, owner, org)
    await dispatcher.run_once()
    await simulator.advance(30)
    assert (await status(api, owner, org))["b2bId"]["status"] == "PENDING_APPROVAL"
    clock.advance(31)
    await dispatcher.run_once()  # the poll asks the network
    assert (await status(api, owner, org))["b2bId"]["status"] == "APPROVED"
    await simulator.advance(3600)  # the late delivery arrives
    assert (await _kinds(state)).count("B2B_ID_APPROVED") == 1


@pytest.mark.postgres_only
async def test_concurrent_verification_of_one_otp_succeeds_once(
    api: Api, simulator: SimulatedNetwork, state: AppState
) -> None:
    owner = await api.sign_up()
    org = await api.organisation(owner)
    await start(api, owner, org)
    await api.ok(
        GSTIN_OTP, {"i": {"organisationId": org, "gstin": SHARMA_MH, **SHARMA}}, token=owner.token
    )
    code = simulator.last_otp(SHARMA_MOBILE)
    results = await asyncio.gather(
        *(
            api(GSTIN_VERIFY, {"i": {"organisationId": org, "otp": code}}, token=owner.token)
            for _ in range(8)
        )
    )
    errors = [r["data"]["onboardingGstinVerify"]["userErrors"] for r in results]
    assert sum(1 for e in errors if e == []) == 1
    assert {e[0]["code"] for e in errors if e} <= {"OTP_ALREADY_USED", "ALREADY_DONE"}
    assert (await _kinds(state)).count("GSTIN_VERIFIED") == 1


async def test_b2b_id_decision_streams_over_a_websocket(
    api: Api,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    live_server: LiveServer,
    state: AppState,
) -> None:
    owner, org = await _ready(api, simulator)
    ws = await GraphQLWebSocket.open(live_server.ws_url)
    assert (await ws.init({"Authorization": f"Bearer {owner.token}"}))["type"] == "connection_ack"
    await ws.subscribe(
        """subscription($o: ID!, $after: String) { organisationEvents(organisationId: $o, after: $after, kinds: [B2B_ID_APPROVED, B2B_ID_REJECTED]) {
            kind b2bId reason organisation { onboarding { nextStep b2bId { status } } } } }""",
        {"o": org, "after": await event_cursor(state, org)},
    )
    await create_b2b_id(api, owner, org)
    await dispatcher.run_once()
    await simulator.advance(30)
    event = (await ws.next_message())["payload"]["data"]["organisationEvents"]
    assert event == {
        "kind": "B2B_ID_APPROVED",
        "b2bId": "sharma-traders",
        "reason": None,
        "organisation": {
            "onboarding": {"nextStep": "COMPLETE_KYC", "b2bId": {"status": "APPROVED"}}
        },
    }
    await ws.close()


async def test_a_registration_the_network_lost_is_submitted_again(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, clock: ManualClock
) -> None:
    owner, org = await _ready(api, simulator)
    await create_b2b_id(api, owner, org)
    await dispatcher.run_once()
    assert _b2b_reviews(simulator) == 1
    # The network forgets everything (as a simulator restart would).
    from simulator.demo import demo_world

    simulator.reset(demo_world())
    clock.advance(61)
    await dispatcher.run_once()  # the poll hears UNKNOWN and submits again
    assert _b2b_reviews(simulator) == 1
    await simulator.advance(30)
    assert (await status(api, owner, org))["b2bId"]["status"] == "APPROVED"
