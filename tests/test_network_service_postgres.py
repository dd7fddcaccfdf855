"""The network as a service of its own, with real processes: the network service and the API
with two uvicorn workers on PostgreSQL. Whichever worker serves each request, two new
organisations onboard, link each other, trade an invoice and a credit note, accept them and
see the events live; the network service can be killed and started again mid-journey, and an
API worker killed mid-push, without losing or doubling anything."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Api
from tests.network_service import Deployment, Journey, deployment, eventually
from tests.trading import KAVERI_COMPONENTS, SHARMA_TRADERS
from tests.wsclient import GraphQLWebSocket

pytestmark = pytest.mark.postgres_only

EVENTS = (
    "subscription($o: ID!) { organisationEvents(organisationId: $o) "
    "{ kind pushStatus inboxStatus documentKind } }"
)


@pytest.fixture
async def running(tmp_path: Path, database_url: str) -> AsyncIterator[Deployment]:
    services = await deployment(tmp_path, database_url, workers=2)
    try:
        yield services
    finally:
        for name in ("api", "network"):
            services.stop(name)


@pytest.fixture
async def journey(running: Deployment) -> AsyncIterator[Journey]:
    async with (
        httpx.AsyncClient(base_url=running.api_url, timeout=30) as http,
        httpx.AsyncClient(base_url=running.control_url, timeout=30) as control,
    ):
        await control.put(
            "/behaviour", json={"kycReviewSeconds": 1, "documentDeliverySeconds": 0.2}
        )
        yield Journey(Api(http), control, http)


async def _events_until(
    ws: GraphQLWebSocket, done: Callable[[list[dict[str, Any]]], bool]
) -> list[dict[str, Any]]:
    """Events as they stream, until ``done`` says enough arrived."""
    seen: list[dict[str, Any]] = []
    while not done(seen):
        seen.append((await ws.next_message(timeout=30))["payload"]["data"]["organisationEvents"])
    return seen


async def test_two_new_organisations_trade_through_two_workers_and_the_network_service(
    running: Deployment, journey: Journey
) -> None:
    seller, seller_org = await journey.onboard(SHARMA_TRADERS)
    buyer, buyer_org = await journey.onboard(KAVERI_COMPONENTS)
    # Both workers started and log (migrations and readiness included).
    api_log = running.log("api")
    assert api_log.count("ready: database postgresql") == 2, api_log[-2000:]
    customer = await journey.linked_contact(seller, seller_org, KAVERI_COMPONENTS, customer=True)
    await journey.linked_contact(buyer, buyer_org, SHARMA_TRADERS, customer=False)

    ws_url = running.api_url.replace("http", "ws") + "/graphql"
    seller_ws = await GraphQLWebSocket.open(ws_url)
    buyer_ws = await GraphQLWebSocket.open(ws_url)
    try:
        await seller_ws.init({"Authorization": f"Bearer {seller.token}"})
        await seller_ws.subscribe(EVENTS, {"o": seller_org})
        await buyer_ws.init({"Authorization": f"Bearer {buyer.token}"})
        await buyer_ws.subscribe(EVENTS, {"o": buyer_org})

        invoice = await journey.push(seller, seller_org, customer, kind="INVOICE")
        sent = await journey.push_status(seller, invoice, "AWAITING_RESPONSE")
        item = await journey.received(buyer, buyer_org, sent["number"])
        await journey.accept(buyer, item["id"])
        await journey.push_status(seller, invoice, "ACCEPTED")

        note = await journey.push(
            seller, seller_org, customer, kind="CREDIT_NOTE", referenceId=invoice
        )
        sent_note = await journey.push_status(seller, note, "AWAITING_RESPONSE")
        note_item = await journey.received(buyer, buyer_org, sent_note["number"])
        await journey.accept(buyer, note_item["id"])
        await journey.push_status(seller, note, "ACCEPTED")

        # Every step was streamed live, whichever worker made it.
        def both_accepted(seen: list[dict[str, Any]]) -> bool:
            accepted = {e["documentKind"] for e in seen if e["pushStatus"] == "ACCEPTED"}
            return accepted == {"INVOICE", "CREDIT_NOTE"}

        seller_seen = [
            (e["documentKind"], e["pushStatus"])
            for e in await _events_until(seller_ws, both_accepted)
            if e["pushStatus"] is not None
        ]
        for kind in ("INVOICE", "CREDIT_NOTE"):
            statuses = [status for k, status in seller_seen if k == kind]
            assert statuses[-2:] == ["AWAITING_RESPONSE", "ACCEPTED"], seller_seen

        def both_received_and_accepted(seen: list[dict[str, Any]]) -> bool:
            received = [e["documentKind"] for e in seen if e["kind"] == "INBOX_ITEM_RECEIVED"]
            accepted = [e["documentKind"] for e in seen if e["inboxStatus"] == "ACCEPTED"]
            return len(received) == len(accepted) == 2

        buyer_seen = await _events_until(buyer_ws, both_received_and_accepted)
        assert [e["documentKind"] for e in buyer_seen if e["kind"] == "INBOX_ITEM_RECEIVED"] == [
            "INVOICE", "CREDIT_NOTE",
        ]  # fmt: skip
    finally:
        await seller_ws.close()
        await buyer_ws.close()
    # The network carried each document once.
    carried = (await journey.control.get("/documents")).json()
    assert sorted((d["kind"], d["state"]) for d in carried) == [
        ("CREDIT_NOTE", "ACCEPTED"), ("INVOICE", "ACCEPTED"),
    ]  # fmt: skip


async def test_the_network_service_restarts_mid_journey_without_losing_anything(
    running: Deployment, journey: Journey
) -> None:
    seller, seller_org = await journey.onboard(SHARMA_TRADERS)
    buyer, buyer_org = await journey.onboard(KAVERI_COMPONENTS)
    customer = await journey.linked_contact(seller, seller_org, KAVERI_COMPONENTS, customer=True)
    # The network takes the invoice but hands it over only later; it dies meanwhile.
    await journey.control.put("/behaviour", json={"documentDeliverySeconds": 3})
    invoice = await journey.push(seller, seller_org, customer, kind="INVOICE")
    sent = await journey.push_status(seller, invoice, "AWAITING_RESPONSE")
    running.stop("network", kill=True)
    await running.start_network()
    # What it had accepted is there, and the delivery it had promised happens.
    item = await journey.received(buyer, buyer_org, sent["number"])
    await journey.accept(buyer, item["id"])
    await journey.push_status(seller, invoice, "ACCEPTED")
    carried = (await journey.control.get("/documents")).json()
    assert [(d["number"], d["state"]) for d in carried] == [(sent["number"], "ACCEPTED")]


async def test_a_killed_worker_s_push_is_finished_once_by_the_next_one(
    running: Deployment, journey: Journey
) -> None:
    seller, seller_org = await journey.onboard(SHARMA_TRADERS)
    buyer, buyer_org = await journey.onboard(KAVERI_COMPONENTS)
    customer = await journey.linked_contact(seller, seller_org, KAVERI_COMPONENTS, customer=True)
    # The network holds the send long enough for the API to die in the middle of it.
    await journey.control.post(
        "/faults", json={"operation": "document_send", "kind": "DELAY", "seconds": 3}
    )
    invoice = await journey.push(seller, seller_org, customer, kind="INVOICE")

    async def in_flight() -> bool | None:
        listed = (await journey.control.get("/faults")).json()
        return True if "document_send" not in listed else None

    await eventually(in_flight, "the send reached the network")
    running.kill_api_workers()
    await running.start_api()
    sent = await journey.push_status(seller, invoice, "AWAITING_RESPONSE")
    item = await journey.received(buyer, buyer_org, sent["number"])
    assert item["version"] == 1
    carried = (await journey.control.get("/documents")).json()
    assert len(carried) == 1
