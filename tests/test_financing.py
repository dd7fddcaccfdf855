"""Invoice financing: request → bids → accept → disbursal → the buyer pays → settled, with the
interest worked by hand, and everything that must be refused or must end right."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import FinancingRequest as RequestModel
from db.models import OrganisationEvent
from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from simulator.faults import Fault, FaultKind
from simulator.network import SimulatedNetwork
from tests.conftest import Api, Member
from tests.paying import PAYMENTS, accepted_bill, approve_kyc, owed, pay, settle
from tests.test_reconciliation import FETCH

REQUEST_FIELDS = """id status amount { amount } tenorDays networkId disbursed { amount }
    disbursalUtr repaymentDueOn owed { amount } repaid { amount } reason
    invoices { amountDue { amount } invoice { id } }
    bids { id financierName amount { amount } annualRate fee { amount } tenorDays
           interest { amount } repayment { amount } status }
    acceptedBid { id } history { action detail byNetwork }"""
CREATE = (
    "mutation($i: FinancingRequestCreateInput!) { financingRequestCreate(input: $i) { request { "
    + REQUEST_FIELDS
    + " } userErrors { code field message } } }"
)
ACCEPT = """mutation($i: FinancingBidAcceptInput!) { financingBidAccept(input: $i) {
    request { id status acceptedBid { id } } userErrors { code field message } } }"""
CANCEL = """mutation($i: FinancingRequestCancelInput!) { financingRequestCancel(input: $i) {
    request { id status } userErrors { code field message } } }"""
NODE = "query($id: ID!) { node(id: $id) { ... on FinancingRequest { " + REQUEST_FIELDS + " } } }"
LIST = """query($o: ID!) { organisation(id: $o) { financingRequests(first: 20) { edges { node {
    id status } } } } }"""
BY_STATUS = """query($o: ID!, $s: FinancingStatus) { organisation(id: $o) {
    financingRequests(status: $s) { edges { node { id } } } } }"""
RECONCILED = """query($o: ID!, $f: Date!) { organisation(id: $o) {
    reconciliation(dateFrom: $f, dateTo: $f) { summary { matched unmatchedLines } } } }"""
FINANCED = """query($id: ID!) { node(id: $id) { ... on Document { status amountPaid { amount }
    financing { id status owed { amount } repaid { amount } } } } }"""


async def _call(api: Api, query: str, variables: dict[str, Any], member: Member) -> dict[str, Any]:
    result = await api(query, variables, token=member.token)
    assert "errors" not in result, result
    data: dict[str, Any] = result["data"]
    return data


async def _request(api: Api, member: Member, org: str, invoices: list[str], amount: str,
                   **extra: Any) -> dict[str, Any]:  # fmt: skip
    data = await _call(api, CREATE, {"i": {"organisationId": org, "invoiceIds": invoices,
                                           "amount": amount, **extra}}, member)  # fmt: skip
    made: dict[str, Any] = data["financingRequestCreate"]
    return made


async def _node(api: Api, member: Member, request_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await api.ok(NODE, {"id": request_id}, token=member.token))["node"]
    return found


async def _status_events(state: AppState) -> int:
    async with state.db.read() as session:
        query = select(func.count()).where(OrganisationEvent.kind == "FINANCING_STATUS_CHANGED")
        return int(await session.scalar(query) or 0)


def _pin_rates(simulator: SimulatedNetwork) -> None:
    """Deccan Capital bids 12.50 % a year with a ₹500 fee; Ganga Factors 14.00 %, ₹250."""
    deccan, ganga = simulator.world.financiers["deccan-capital"], simulator.world.financiers[
        "ganga-factors"]  # fmt: skip
    deccan.min_rate_bp = deccan.max_rate_bp = 1250
    deccan.fee_paise = 50_000
    ganga.min_rate_bp = ganga.max_rate_bp = 1400
    ganga.fee_paise = 25_000


async def _financeable(api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher,
                       state: AppState) -> tuple[Member, str, Member, str, str, str]:  # fmt: skip
    seller, seller_org, buyer, buyer_org, invoice, bill = await accepted_bill(
        api, simulator, dispatcher, state
    )
    await approve_kyc(state, seller_org)
    _pin_rates(simulator)
    return seller, seller_org, buyer, buyer_org, invoice, bill


async def test_the_whole_cycle_with_the_interest_worked_by_hand(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    seller, seller_org, buyer, buyer_org, invoice, bill = await _financeable(
        api, simulator, dispatcher, state
    )
    made = await _request(api, seller, seller_org, [invoice], "100000", tenorDays=60,
                          idempotencyKey="fin-1")  # fmt: skip
    assert made["userErrors"] == []
    request = made["request"]
    assert (request["status"], request["invoices"]) == (
        "REQUESTED", [{"amountDue": {"amount": "118000.00"}, "invoice": {"id": invoice}}],
    )  # fmt: skip
    again = await _request(api, seller, seller_org, [invoice], "100000", tenorDays=60,
                           idempotencyKey="fin-1")  # fmt: skip
    assert again["request"]["id"] == request["id"]
    await dispatcher.run_once()
    assert (await _node(api, seller, request["id"]))["status"] == "BIDDING"
    await simulator.advance(60)  # Deccan answers after 20 s, Ganga Factors after 40 s
    bids = {b["financierName"]: b for b in (await _node(api, seller, request["id"]))["bids"]}
    assert set(bids) == {"Deccan Capital", "Ganga Factors"}
    deccan = bids["Deccan Capital"]
    # 1,00,000.00 * 12.50 % * 60 / 365 = 2,054.794… → 2,054.79; + ₹500 fee.
    assert (deccan["amount"], deccan["annualRate"], deccan["tenorDays"]) == (
        {"amount": "100000.00"}, "12.50", 60,
    )  # fmt: skip
    assert (deccan["interest"], deccan["fee"], deccan["repayment"]) == (
        {"amount": "2054.79"}, {"amount": "500.00"}, {"amount": "102554.79"},
    )  # fmt: skip
    # Ganga Factors funds 90 % of what is asked: 90,000.00 * 14 % * 60 / 365 = 2,071.23.
    ganga = bids["Ganga Factors"]
    assert (ganga["amount"], ganga["interest"]) == ({"amount": "90000.00"}, {"amount": "2071.23"})
    accepted = await _call(api, ACCEPT, {"i": {"bidId": deccan["id"]}}, seller)
    assert accepted["financingBidAccept"]["request"]["status"] == "BID_ACCEPTED"
    late = await _call(api, ACCEPT, {"i": {"bidId": ganga["id"]}}, seller)
    assert [e["code"] for e in late["financingBidAccept"]["userErrors"]] == ["ALREADY_DONE"]
    await dispatcher.run_once()
    await simulator.advance(30)  # the financier disburses
    disbursed = await _node(api, seller, request["id"])
    assert (disbursed["status"], disbursed["disbursed"], disbursed["owed"]) == (
        "DISBURSED", {"amount": "100000.00"}, {"amount": "102554.79"},
    )  # fmt: skip
    assert disbursed["disbursalUtr"].startswith("BCFN")
    assert {b["financierName"]: b["status"] for b in disbursed["bids"]} == {
        "Deccan Capital": "ACCEPTED", "Ganga Factors": "DECLINED",
    }  # fmt: skip
    seen = (await api.ok(FINANCED, {"id": invoice}, token=seller.token))["node"]
    assert seen["financing"]["status"] == "DISBURSED"
    assert seen["amountPaid"] == {"amount": "0.00"}  # the buyer still owes the invoice
    # The disbursal is money received, and the day's report matches it.
    received = await api.ok(PAYMENTS, {"o": seller_org, "d": "INCOMING"}, token=seller.token)
    [disbursal] = [e["node"] for e in received["organisation"]["payments"]["edges"]]
    assert (disbursal["method"], disbursal["status"], disbursal["amount"], disbursal["utr"]) == (
        "FINANCING", "SETTLED", {"amount": "100000.00"}, disbursed["disbursalUtr"],
    )  # fmt: skip
    assert disbursal["allocations"] == []
    day = state.now().date().isoformat()
    await api.ok(FETCH, {"i": {"organisationId": seller_org, "day": day}}, token=seller.token)
    await dispatcher.run_once()
    view = await api.ok(RECONCILED, {"o": seller_org, "f": day}, token=seller.token)
    assert view["organisation"]["reconciliation"]["summary"]["matched"] == 1
    # The buyer pays the invoice as usual: the financier is repaid from it.
    paid = await pay(api, buyer, buyer_org, [(bill, "118000")])
    assert paid["userErrors"] == []
    await settle(simulator, dispatcher)
    done = await _node(api, seller, request["id"])
    assert (done["status"], done["repaid"]) == ("SETTLED", {"amount": "102554.79"})
    assert (await owed(api, seller, invoice))["status"] == "PAID"
    assert (await owed(api, buyer, bill))["status"] == "PAID"
    assert [h["action"] for h in done["history"]][:2] == ["REQUESTED", "BIDDING"]
    settled = next(h for h in done["history"] if h["action"] == "SETTLED")
    assert settled["byNetwork"] and "network message MSG" in settled["detail"]
    assert done["history"][0]["byNetwork"] is False  # the vendor's own request


async def test_a_partial_payment_routes_in_part_and_a_late_one_is_overdue(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    seller, seller_org, buyer, buyer_org, invoice, bill = await _financeable(
        api, simulator, dispatcher, state
    )
    request = (await _request(api, seller, seller_org, [invoice], "50000", tenorDays=30))[
        "request"]  # fmt: skip
    await dispatcher.run_once()
    await simulator.advance(25)
    [bid] = [b for b in (await _node(api, seller, request["id"]))["bids"]
             if b["financierName"] == "Deccan Capital"]  # fmt: skip
    await _call(api, ACCEPT, {"i": {"bidId": bid["id"]}}, seller)
    await dispatcher.run_once()
    await simulator.advance(30)
    before = await _status_events(state)
    await pay(api, buyer, buyer_org, [(bill, "20000")])
    await settle(simulator, dispatcher)
    part = await _node(api, seller, request["id"])
    assert (part["status"], part["repaid"]) == ("DISBURSED", {"amount": "20000.00"})
    # The repayment moved the amounts, not the status: the vendor's stream still hears of it.
    assert await _status_events(state) == before + 1
    await simulator.advance(31 * 86_400)  # past the tenor, still owed
    assert (await _node(api, seller, request["id"]))["status"] == "OVERDUE"
    for status, found in (("OVERDUE", [request["id"]]), ("DISBURSED", [])):
        listed = await api.ok(BY_STATUS, {"o": seller_org, "s": status}, token=seller.token)
        edges = listed["organisation"]["financingRequests"]["edges"]
        assert [e["node"]["id"] for e in edges] == found, status


async def test_bad_requests_are_refused_and_write_nothing(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    seller, seller_org, buyer, buyer_org, invoice, bill = await _financeable(
        api, simulator, dispatcher, state
    )
    from tests.trading import KAVERI_COMPONENTS, contact, document

    draft = await document(api, seller, seller_org,
                           await contact(api, seller, seller_org, KAVERI_COMPONENTS, link=False))  # fmt: skip
    cases = [
        ([draft], "10", {}, "NOT_PAYABLE", ["input", "invoiceIds", "0"]),
        ([bill], "10", {}, "NOT_FOUND", ["input", "invoiceIds", "0"]),
        (["nonsense"], "10", {}, "NOT_FOUND", ["input", "invoiceIds", "0"]),
        ([invoice, invoice], "10", {}, "DUPLICATE", ["input", "invoiceIds", "1"]),
        ([invoice], "118000.01", {}, "OVER_BALANCE", ["input", "amount"]),
        ([invoice], "0", {}, "INVALID", ["input", "amount"]),
        ([invoice], "10.001", {}, "INVALID", ["input", "amount"]),
        ([invoice], "10", {"tenorDays": 0}, "INVALID", ["input", "tenorDays"]),
        ([invoice], "10", {"tenorDays": 366}, "INVALID", ["input", "tenorDays"]),
        ([], "10", {}, "REQUIRED", ["input", "invoiceIds"]),
    ]
    for invoices, amount, extra, code, field in cases:
        refused = await _request(api, seller, seller_org, invoices, amount, **extra)
        assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [(code, field)], (
            invoices, amount, extra, refused,
        )  # fmt: skip
    await approve_kyc(state, buyer_org)
    foreign = await _request(api, buyer, buyer_org, [invoice], "10")
    assert [e["code"] for e in foreign["userErrors"]] == ["NOT_FOUND"]
    async with state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(RequestModel)) == 0
    first = await _request(api, seller, seller_org, [invoice], "1000")
    assert first["userErrors"] == []
    second = await _request(api, seller, seller_org, [invoice], "1000")
    assert [(e["code"], e["field"]) for e in second["userErrors"]] == [
        ("ALREADY_DONE", ["input", "invoiceIds", "0"])
    ]
    # Staff without Bharat Connect access neither see nor ask for financing.
    staff = await api.sign_up("staff")
    await api.add_member(seller, seller_org, staff, "STAFF")
    hidden = await api.ok(LIST, {"o": seller_org}, token=staff.token)
    assert hidden["organisation"]["financingRequests"]["edges"] == []
    assert (await api.ok(NODE, {"id": first["request"]["id"]}, token=staff.token))["node"] is None
    denied = await api(CREATE, {"i": {"organisationId": seller_org, "invoiceIds": [invoice],
                                      "amount": "1"}}, token=staff.token)  # fmt: skip
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # The buyer never sees that the invoice is financed.
    assert (await api.ok(FINANCED, {"id": bill}, token=buyer.token))["node"]["financing"] is None


async def test_expired_bids_no_bids_cancel_and_a_failed_disbursal(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    seller, seller_org, _, _, invoice, _ = await _financeable(api, simulator, dispatcher, state)
    request = (await _request(api, seller, seller_org, [invoice], "1000"))["request"]
    await dispatcher.run_once()
    await simulator.advance(25)
    [bid] = (await _node(api, seller, request["id"]))["bids"]
    network_bid = simulator.world.financing[request["networkId"]].bids[0]["bidId"]
    simulator.end_bid(request["networkId"], network_bid, "EXPIRED")
    await simulator.advance(1)
    refused = await _call(api, ACCEPT, {"i": {"bidId": bid["id"]}}, seller)
    assert [e["code"] for e in refused["financingBidAccept"]["userErrors"]] == ["EXPIRED"]
    cancelled = await _call(api, CANCEL, {"i": {"requestId": request["id"],
                                               "reason": "Funded elsewhere"}}, seller)  # fmt: skip
    assert cancelled["financingRequestCancel"]["request"]["status"] == "CANCELLED"
    await dispatcher.run_once()
    assert simulator.world.financing[request["networkId"]].state == "CANCELLED"
    # Nobody bids: the window closes empty.
    for financier in simulator.world.financiers.values():
        financier.never_answers = True
    lonely = (await _request(api, seller, seller_org, [invoice], "1000"))["request"]
    await dispatcher.run_once()
    await simulator.advance(simulator.world.behaviour.bidding_seconds + 1)
    assert (await _node(api, seller, lonely["id"]))["status"] == "NO_BIDS"
    # A disbursal that fails.
    simulator.world.financiers["deccan-capital"].never_answers = False
    failing = (await _request(api, seller, seller_org, [invoice], "1000"))["request"]
    await dispatcher.run_once()
    await simulator.advance(25)
    [bid] = (await _node(api, seller, failing["id"]))["bids"]
    await _call(api, ACCEPT, {"i": {"bidId": bid["id"]}}, seller)
    simulator.world.financing[failing["networkId"]].fail_disbursal = True
    await dispatcher.run_once()
    await simulator.advance(30)
    ended = await _node(api, seller, failing["id"])
    assert (ended["status"], ended["reason"]) == ("DISBURSAL_FAILED", "VENDOR_ACCOUNT_INVALID")


FAULTS: list[FaultKind] = ["TIMEOUT_DONE", "TIMEOUT_NOT_DONE", "DUPLICATE", "DELAY", "OUTAGE"]


@pytest.mark.parametrize("fault", FAULTS)
async def test_faults_on_financing_operations_end_disbursed_once(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState,
    fault: FaultKind,
) -> None:  # fmt: skip
    seller, seller_org, _, _, invoice, _ = await _financeable(api, simulator, dispatcher, state)
    for operation in ("financing_request", "financing_accept", "financing_status"):
        simulator.faults.add(operation, Fault(fault, seconds=0.01 if fault == "DELAY" else 5))
    simulator.faults.add("deliver", Fault("DUPLICATE"), 6)
    request = (await _request(api, seller, seller_org, [invoice], "1000"))["request"]

    async def drive() -> None:
        for _ in range(6):
            await dispatcher.run_once()
            await simulator.advance(120)
            dispatcher.circuit_open_until = None

    await drive()
    bids = (await _node(api, seller, request["id"]))["bids"]
    assert len(bids) == 2  # duplicates and enquiries add none
    await _call(api, ACCEPT, {"i": {"bidId": bids[0]["id"]}}, seller)
    await drive()
    assert (await _node(api, seller, request["id"]))["status"] == "DISBURSED"
    assert len(simulator.world.financing) == 1


async def test_the_control_api_steers_the_financiers(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState,
    control: Any,
) -> None:  # fmt: skip
    seller, seller_org, _, _, invoice, _ = await _financeable(api, simulator, dispatcher, state)
    listed = (await control.get("/simulator/financiers")).json()
    assert [f["financierId"] for f in listed] == [
        "deccan-capital", "ganga-factors", "silent-finance",
    ]  # fmt: skip
    bad = await control.put("/simulator/financiers/ganga-factors", json={"minRateBp": 2000})
    assert bad.status_code == 400
    quiet = await control.put("/simulator/financiers/ganga-factors", json={"neverAnswers": True})
    assert quiet.json()["neverAnswers"] is True
    assert (await control.put("/simulator/financiers/nobody", json={})).status_code == 404
    request = (await _request(api, seller, seller_org, [invoice], "1000"))["request"]
    await dispatcher.run_once()
    await simulator.advance(60)
    assert len((await _node(api, seller, request["id"]))["bids"]) == 1  # Deccan's only
    network_bid = simulator.world.financing[request["networkId"]].bids[0]["bidId"]
    withdrawn = await control.post(
        f"/simulator/financing/{request['networkId']}/bids/{network_bid}/withdraw"
    )
    assert withdrawn.status_code == 200
    await simulator.advance(1)
    assert (await _node(api, seller, request["id"]))["bids"][0]["status"] == "WITHDRAWN"
    assert (await control.post(
        f"/simulator/financing/{request['networkId']}/bids/{network_bid}/explode"
    )).status_code == 404  # fmt: skip
    [held] = (await control.get("/simulator/financing")).json()
    assert held["requestId"] == request["networkId"]


@pytest.mark.parametrize("fault", FAULTS)
async def test_faults_on_cancelling_still_withdraw_the_request(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState,
    fault: FaultKind,
) -> None:  # fmt: skip
    seller, seller_org, _, _, invoice, _ = await _financeable(api, simulator, dispatcher, state)
    request = (await _request(api, seller, seller_org, [invoice], "1000"))["request"]
    await dispatcher.run_once()
    simulator.faults.add("financing_cancel", Fault(fault, seconds=0.01 if fault == "DELAY" else 5))
    cancelled = await _call(api, CANCEL, {"i": {"requestId": request["id"]}}, seller)
    assert cancelled["financingRequestCancel"]["request"]["status"] == "CANCELLED"
    for _ in range(6):
        await dispatcher.run_once()
        await simulator.advance(120)
        dispatcher.circuit_open_until = None
    held = simulator.world.financing[request["networkId"]]
    assert held.state == "CANCELLED"
    assert {b["state"] for b in held.bids} <= {"DECLINED"}  # bids that came meanwhile
    ours = await _node(api, seller, request["id"])
    assert ours["status"] == "CANCELLED"
    assert {b["status"] for b in ours["bids"]} <= {"DECLINED"}
