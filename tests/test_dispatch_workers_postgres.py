"""Several workers share the outbox on PostgreSQL without sending anything twice."""

from __future__ import annotations

import asyncio

import pytest

from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from simulator.demo import TAPTI_DL
from simulator.faults import Fault
from simulator.network import SimulatedNetwork
from tests.conftest import Api
from tests.trading import CONTACT, SHARMA_TRADERS, document, node, onboard

pytestmark = pytest.mark.postgres_only

BULK = """mutation($i: DocumentPushBulkInput!) { documentPushBulk(input: $i) {
    bulkOperation { id } userErrors { code } } }"""
LINK = """mutation($i: ContactB2BIdLinkInput!) { contactB2BIdLink(input: $i) { userErrors { code } } }"""


async def test_two_dispatchers_send_each_document_once(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    seller, org = await onboard(api, simulator, dispatcher, SHARMA_TRADERS)
    made = await api.ok(
        CONTACT,
        {"i": {"organisationId": org, "contact": {
            "displayName": "Tapti", "isCustomer": True, "gstin": TAPTI_DL,
            "gstTreatment": "REGISTERED_REGULAR"}}},
        token=seller.token,
    )  # fmt: skip
    customer = made["contactCreate"]["contact"]["id"]
    await api.ok(LINK, {"i": {"contactId": customer, "b2bId": "tapti-foods"}}, token=seller.token)
    docs = [await document(api, seller, org, customer) for _ in range(20)]
    await api.ok(BULK, {"i": {"organisationId": org, "documentIds": docs}}, token=seller.token)
    # Each send takes a moment, so the two workers are busy at the same time.
    simulator.faults.add("document_send", Fault("DELAY", seconds=0.02), times=20)
    first, second = Dispatcher(state, simulator), Dispatcher(state, simulator)
    handled = await asyncio.gather(first.run_once(), second.run_once())
    assert sum(handled) == 20
    assert min(handled) > 0  # both took a share
    assert sorted(simulator.world.carried) == sorted({(n, v) for n, v in simulator.world.carried})
    assert len(simulator.world.carried) == 20
    for doc in docs:
        assert (await node(api, seller, doc))["pushStatus"] == "AWAITING_RESPONSE"
