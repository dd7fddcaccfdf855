"""Payments live: the payer's stream shows its payment move, the seller's the money received
and the invoice paid; the payments list costs the same statements for 5 payments as for 50."""

from __future__ import annotations

from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from simulator.network import SimulatedNetwork
from tests.conftest import Api, LiveServer, StatementCounter, event_cursor
from tests.paying import accepted_bill, pay, settle
from tests.wsclient import GraphQLWebSocket

EVENTS = """subscription($o: ID!, $after: String, $k: [OrganisationEventKind!], $p: ID) {
    organisationEvents(organisationId: $o, after: $after, kinds: $k, paymentId: $p) {
      kind paymentStatus documentStatus payment { id direction status amount { amount } } } }"""


async def _next(ws: GraphQLWebSocket) -> dict[str, object]:
    event: dict[str, object] = (await ws.next_message())["payload"]["data"]["organisationEvents"]
    return event


async def test_both_sides_see_the_payment_live(
    api: Api,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    state: AppState,
    live_server: LiveServer,
) -> None:
    seller, seller_org, buyer, buyer_org, _, bill = await accepted_bill(
        api, simulator, dispatcher, state
    )
    buyer_after = await event_cursor(state, buyer_org)
    made = await pay(api, buyer, buyer_org, [(bill, "118000")])
    payment_id = made["payment"]["id"]
    buyer_ws = await GraphQLWebSocket.open(live_server.ws_url)
    await buyer_ws.init({"Authorization": f"Bearer {buyer.token}"})
    await buyer_ws.subscribe(
        EVENTS, {"o": buyer_org, "after": buyer_after, "p": payment_id,
                 "k": ["PAYMENT_STATUS_CHANGED"]},
    )  # fmt: skip
    seller_ws = await GraphQLWebSocket.open(live_server.ws_url)
    await seller_ws.init({"Authorization": f"Bearer {seller.token}"})
    await seller_ws.subscribe(
        EVENTS, {"o": seller_org, "after": await event_cursor(state, seller_org),
                 "k": ["PAYMENT_RECEIVED", "DOCUMENT_STATUS_CHANGED"]},
    )  # fmt: skip
    await settle(simulator, dispatcher)
    assert [(await _next(buyer_ws))["paymentStatus"] for _ in range(3)] == [
        "INITIATED", "PENDING", "SETTLED",
    ]  # fmt: skip
    received = await _next(seller_ws)
    assert received["kind"] == "PAYMENT_RECEIVED"
    assert received["payment"] == {
        "id": received["payment"]["id"], "direction": "INCOMING",  # type: ignore[index]
        "status": "SETTLED", "amount": {"amount": "118000.00"},
    }  # fmt: skip
    paid = await _next(seller_ws)
    assert (paid["kind"], paid["documentStatus"]) == ("DOCUMENT_STATUS_CHANGED", "PAID")
    await buyer_ws.close()
    await seller_ws.close()


LIST = """query($o: ID!) { organisation(id: $o) { payments(first: 50) { edges { node {
    id status amount { amount } contact { displayName } createdBy { id }
    allocations { amount { amount } document { id number status amountDue { amount } } } } } } } }"""


async def test_the_payments_list_costs_the_same_for_5_or_50(
    api: Api,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    state: AppState,
    statements: StatementCounter,
) -> None:
    _, _, buyer, buyer_org, _, bill = await accepted_bill(api, simulator, dispatcher, state)
    counts = []
    made = 0
    for total in (5, 50):
        while made < total:
            assert (await pay(api, buyer, buyer_org, [(bill, "1")]))["userErrors"] == []
            made += 1
        before = statements.count
        data = await api.ok(LIST, {"o": buyer_org}, token=buyer.token)
        counts.append(statements.count - before)
        assert len(data["organisation"]["payments"]["edges"]) == total
    assert counts[0] == counts[1], counts
