"""Pushing several documents at once: a bulk operation with a result per document."""

from __future__ import annotations

import pytest

import resolvers.dispatcher as dispatcher_module
from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from simulator.demo import GANGA_UP, TAPTI_DL
from simulator.faults import Fault
from simulator.network import SimulatedNetwork
from tests.conftest import Api, LiveServer, event_cursor
from tests.trading import CONTACT, SHARMA_TRADERS, document, node, onboard
from tests.wsclient import GraphQLWebSocket

BULK = """mutation($i: DocumentPushBulkInput!) { documentPushBulk(input: $i) {
    bulkOperation { id kind status total done failed } userErrors { code field message } } }"""
OPERATION = """query($id: ID!) { node(id: $id) { ... on BulkOperation { status total done failed
    items { edges { node { status errorCode error pushStatus document { id pushStatus } } } } } } }"""
LINK = """mutation($i: ContactB2BIdLinkInput!) { contactB2BIdLink(input: $i) { userErrors { code } } }"""


async def test_a_bulk_push_reports_each_document(
    api: Api,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    state: AppState,
    live_server: LiveServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The refusal below hits the second send: one message at a time, so that it is the
    # second document's (handled concurrently, any of them could be second).
    monkeypatch.setattr(dispatcher_module, "CLAIM_BATCH", 1)
    seller, org = await onboard(api, simulator, dispatcher, SHARMA_TRADERS)
    ids = {}
    for name, gstin, b2b_id in (
        ("Tapti", TAPTI_DL, "tapti-foods"),
        ("Ganga", GANGA_UP, "ganga-steel"),
        ("Unlinked", GANGA_UP, None),
    ):
        made = await api.ok(
            CONTACT,
            {"i": {"organisationId": org, "contact": {
                "displayName": name, "isCustomer": True, "gstin": gstin,
                "gstTreatment": "REGISTERED_REGULAR"}}},
            token=seller.token,
        )  # fmt: skip
        ids[name] = made["contactCreate"]["contact"]["id"]
        if b2b_id:
            linked = await api.ok(LINK, {"i": {"contactId": ids[name], "b2bId": b2b_id}}, token=seller.token)  # fmt: skip
            assert linked["contactB2BIdLink"]["userErrors"] == []
    docs = [
        await document(api, seller, org, ids["Tapti"]),
        await document(api, seller, org, ids["Ganga"]),
        await document(api, seller, org, ids["Unlinked"]),
        await document(api, seller, org, ids["Tapti"]),
    ]
    ws = await GraphQLWebSocket.open(live_server.ws_url)
    await ws.init({"Authorization": f"Bearer {seller.token}"})
    await ws.subscribe(
        "subscription($o: ID!, $after: String) { organisationEvents(organisationId: $o, "
        "after: $after, kinds: [BULK_OPERATION_PROGRESS, BULK_OPERATION_COMPLETED]) "
        "{ kind bulkOperation { done failed } } }",
        {"o": org, "after": await event_cursor(state, org)},
    )
    for bad, code in (([], "REQUIRED"), ([docs[0], docs[0]], "INVALID")):
        refused = await api(BULK, {"i": {"organisationId": org, "documentIds": bad}}, token=seller.token)  # fmt: skip
        assert refused["data"]["documentPushBulk"]["userErrors"][0]["code"] == code
    simulator.faults.add(
        "document_send", Fault("REFUSE", reason="RECEIVER_SUSPENDED"), after_calls=1
    )
    started = await api.ok(
        BULK,
        {"i": {"organisationId": org, "documentIds": [*docs, "RG9jdW1lbnQ6bm9wZQ"]}},
        token=seller.token,
    )
    operation = started["documentPushBulk"]["bulkOperation"]
    assert {k: operation[k] for k in ("kind", "status", "total", "done", "failed")} == {
        "kind": "DOCUMENT_PUSH", "status": "RUNNING", "total": 5, "done": 0, "failed": 2,
    }  # fmt: skip
    await dispatcher.run_once()
    result = (await api.ok(OPERATION, {"id": operation["id"]}, token=seller.token))["node"]
    assert (result["status"], result["done"], result["failed"]) == ("COMPLETED", 2, 3)
    items = [e["node"] for e in result["items"]["edges"]]
    assert [(i["status"], i["errorCode"], i["pushStatus"]) for i in items] == [
        ("DONE", None, "AWAITING_RESPONSE"),
        ("FAILED", "PUSH_FAILED", None),
        ("FAILED", "CONTACT_NOT_LINKED", None),
        ("DONE", None, "AWAITING_RESPONSE"),
        ("FAILED", "NOT_FOUND", None),
    ]
    assert items[1]["error"] == "Refused by the network: RECEIVER_SUSPENDED"
    assert items[4]["document"] is None
    assert (await node(api, seller, docs[2]))["pushStatus"] == "NOT_PUSHED"
    assert len(simulator.world.carried) == 2
    seen = [(await ws.next_message())["payload"]["data"]["organisationEvents"] for _ in range(4)]
    # The operation as it is now rides on each event; the kinds tell the steps apart.
    assert [e["kind"] for e in seen] == [
        "BULK_OPERATION_PROGRESS", "BULK_OPERATION_PROGRESS", "BULK_OPERATION_PROGRESS",
        "BULK_OPERATION_COMPLETED",
    ]  # fmt: skip
    await ws.close()
