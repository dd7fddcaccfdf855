"""Reconciliation: settlement reports fetched daily and on demand, matched automatically, and
matched or unmatched by hand."""

from __future__ import annotations

import dataclasses
from typing import Any

from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from simulator import ledger
from simulator.ledger import Transfer
from simulator.network import SimulatedNetwork
from tests.conftest import Api, Member
from tests.paying import accepted_bill, pay, settle

RECONCILIATION = """query($o: ID!, $f: Date!, $t: Date!) { organisation(id: $o) {
    reconciliation(dateFrom: $f, dateTo: $t) {
      summary { matched partial manual unmatchedLines unmatchedPayments credits { amount }
                debits { amount } difference { amount } }
      lines { edges { node { id direction amount { amount } utr matchStatus
              difference { amount } matchReason paymentNetworkId payment { id } } } }
      unmatchedPayments { id }
      days { day fetchedAt lines } } } }"""
FETCH = """mutation($i: ReconciliationFetchInput!) { reconciliationFetch(input: $i) {
    day { day } userErrors { code field } } }"""
MATCH = """mutation($i: ReconciliationMatchInput!) { reconciliationMatch(input: $i) {
    line { matchStatus difference { amount } matchReason payment { id } }
    userErrors { code field } } }"""
UNMATCH = """mutation($i: ReconciliationUnmatchInput!) { reconciliationUnmatch(input: $i) {
    line { matchStatus payment { id } } userErrors { code field } } }"""


async def _try(api: Api, query: str, variables: dict[str, Any], member: Member) -> dict[str, Any]:
    result = await api(query, variables, token=member.token)
    assert "errors" not in result, result
    data: dict[str, Any] = result["data"]
    return data


async def _view(api: Api, member: Member, org: str, day: str) -> dict[str, Any]:
    data = await api.ok(RECONCILIATION, {"o": org, "f": day, "t": day}, token=member.token)
    view: dict[str, Any] = data["organisation"]["reconciliation"]
    return view


async def test_the_day_is_fetched_and_matched_on_both_sides(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    seller, seller_org, buyer, buyer_org, _, bill = await accepted_bill(
        api, simulator, dispatcher, state
    )
    made = await pay(api, buyer, buyer_org, [(bill, "118000")])
    await settle(simulator, dispatcher)
    day = state.now().date().isoformat()
    queued = await _view(api, buyer, buyer_org, day)
    assert queued["days"] == [{"day": day, "fetchedAt": None, "lines": 0}]
    await simulator.advance(86_400)  # the day ends: its reports are fetched
    await dispatcher.run_once()
    mine = await _view(api, buyer, buyer_org, day)
    [line] = [e["node"] for e in mine["lines"]["edges"]]
    assert (line["direction"], line["amount"], line["matchStatus"], line["payment"]) == (
        "DEBIT", {"amount": "118000.00"}, "MATCHED", {"id": made["payment"]["id"]},
    )  # fmt: skip
    assert mine["summary"] == {
        "matched": 1, "partial": 0, "manual": 0, "unmatchedLines": 0, "unmatchedPayments": 0,
        "credits": {"amount": "0.00"}, "debits": {"amount": "118000.00"},
        "difference": {"amount": "0.00"},
    }  # fmt: skip
    theirs = await _view(api, seller, seller_org, day)
    assert [e["node"]["direction"] for e in theirs["lines"]["edges"]] == ["CREDIT"]
    assert theirs["summary"]["matched"] == 1
    # Fetched again on demand: nothing changes.
    again = await api.ok(FETCH, {"i": {"organisationId": buyer_org, "day": day}}, token=buyer.token)
    assert again["reconciliationFetch"]["day"] == {"day": day}
    await dispatcher.run_once()
    assert (await _view(api, buyer, buyer_org, day))["lines"] == mine["lines"]


async def test_unmatched_and_partial_lines_and_matching_by_hand(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    _, _, buyer, buyer_org, _, bill = await accepted_bill(api, simulator, dispatcher, state)
    first = await pay(api, buyer, buyer_org, [(bill, "1000")])
    second = await pay(api, buyer, buyer_org, [(bill, "2000")])
    await settle(simulator, dispatcher)
    day = state.now().date().isoformat()
    world = simulator.world
    first_id, second_id = first["payment"]["networkId"], second["payment"]["networkId"]
    # The report lacks the first payment, has the second for another amount, and has a
    # debit nobody here made.
    kept = [r for r in world.transfers if r.payment_network_id != first_id]
    world.transfers = [
        dataclasses.replace(r, amount_paise=199_000) if r.payment_network_id == second_id else r
        for r in kept
    ]
    world.transfers.append(
        Transfer("STRANGE-S-D", "PAYMENT", day, ledger.participant("kaveri-components"),
                 ledger.CLEARING, 100_000, "HDFC000000000001", "BCVA000000000001", "PAYSTRANGE")
    )  # fmt: skip
    fetched = await api.ok(FETCH, {"i": {"organisationId": buyer_org, "day": day}},
                           token=buyer.token)  # fmt: skip
    assert fetched["reconciliationFetch"]["userErrors"] == []
    await dispatcher.run_once()
    view = await _view(api, buyer, buyer_org, day)
    lines = {e["node"]["paymentNetworkId"]: e["node"] for e in view["lines"]["edges"]}
    assert lines[second_id]["matchStatus"] == "PARTIAL"
    assert lines[second_id]["difference"] == {"amount": "-10.00"}
    assert lines["PAYSTRANGE"]["matchStatus"] == "UNMATCHED"
    assert view["unmatchedPayments"] == [{"id": first["payment"]["id"]}]
    assert (view["summary"]["partial"], view["summary"]["unmatchedLines"],
            view["summary"]["unmatchedPayments"]) == (1, 1, 1)  # fmt: skip
    strange = lines["PAYSTRANGE"]["id"]
    blank = await _try(api, MATCH, {"i": {"lineId": strange, "paymentId": first["payment"]["id"],
                                           "reason": " "}}, buyer)  # fmt: skip
    assert blank["reconciliationMatch"]["userErrors"] == [
        {"code": "REQUIRED", "field": ["input", "reason"]}
    ]
    taken = await _try(api, MATCH, {"i": {"lineId": strange, "paymentId": second["payment"]["id"],
                                           "reason": "x"}}, buyer)  # fmt: skip
    assert taken["reconciliationMatch"]["userErrors"][0]["code"] == "ALREADY_DONE"
    matched = await api.ok(
        MATCH, {"i": {"lineId": strange, "paymentId": first["payment"]["id"],
                      "reason": "Bank statement shows it under another reference"}},
        token=buyer.token,
    )  # fmt: skip
    assert matched["reconciliationMatch"]["line"] == {
        "matchStatus": "MANUAL", "difference": {"amount": "0.00"},
        "matchReason": "Bank statement shows it under another reference",
        "payment": {"id": first["payment"]["id"]},
    }  # fmt: skip
    assert (await _view(api, buyer, buyer_org, day))["unmatchedPayments"] == []
    undone = await api.ok(UNMATCH, {"i": {"lineId": strange, "reason": "Wrong one"}},
                          token=buyer.token)  # fmt: skip
    assert undone["reconciliationUnmatch"]["line"] == {"matchStatus": "UNMATCHED", "payment": None}
    stranger = await api.sign_up("stranger")
    foreign = await _try(api, UNMATCH, {"i": {"lineId": strange, "reason": "x"}}, stranger)
    assert foreign["reconciliationUnmatch"]["userErrors"][0]["code"] == "NOT_FOUND"


async def test_a_line_is_matched_by_amount_day_and_documents_when_ids_differ(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    _, _, buyer, buyer_org, _, bill = await accepted_bill(api, simulator, dispatcher, state)
    made = await pay(api, buyer, buyer_org, [(bill, "1000")])
    await settle(simulator, dispatcher)
    network_id = made["payment"]["networkId"]
    simulator.world.transfers = [
        dataclasses.replace(r, payment_network_id="PAYOTHERREF", utr="SBIN000000000009")
        if r.payment_network_id == network_id else r
        for r in simulator.world.transfers
    ]  # fmt: skip
    day = state.now().date().isoformat()
    await api.ok(FETCH, {"i": {"organisationId": buyer_org, "day": day}}, token=buyer.token)
    await dispatcher.run_once()
    view = await _view(api, buyer, buyer_org, day)
    [line] = [e["node"] for e in view["lines"]["edges"]]
    assert (line["matchStatus"], line["payment"]) == ("MATCHED", {"id": made["payment"]["id"]})
    assert view["unmatchedPayments"] == []
