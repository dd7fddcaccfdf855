"""Each party's books when a financed invoice is paid: the network splits the buyer's payment,
the financier is repaid first and the vendor receives only the rest; a returned payment
reverses the financier's credit; the ledger balances and every report shows only its own lines."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import select

from db.models import OrganisationEvent
from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from simulator import ledger
from simulator.network import SimulatedNetwork
from tests.conftest import Api, Member
from tests.paying import owed, pay, settle
from tests.test_financing import ACCEPT, RECONCILED, _call, _financeable, _node, _request
from tests.test_reconciliation import FETCH

SELLER, BUYER, DECCAN = "sharma-traders", "kaveri-components", "deccan-capital"
RECEIVED = """query($o: ID!) { organisation(id: $o) { payments(direction: INCOMING) { edges {
    node { method status amount { amount } routedToFinancier { amount }
           amountReceived { amount } } } } } }"""


def _report(simulator: SimulatedNetwork, party: str) -> list[tuple[str, str, int]]:
    account = simulator.account_of(party)
    return [
        (t.kind, "DEBIT" if t.debit == account else "CREDIT", t.amount_paise)
        for t in simulator.world.transfers
        if account in {t.debit, t.credit}
    ]


async def _financed(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> tuple[Member, str, Member, str, str, str, str]:
    """Sharma's invoice of 1,18,000.00 financed by Deccan: 1,00,000.00 at 12.50 % for 60 days,
    owed 1,02,554.79, disbursed."""
    seller, seller_org, buyer, buyer_org, invoice, bill = await _financeable(
        api, simulator, dispatcher, state
    )
    request = (await _request(api, seller, seller_org, [invoice], "100000", tenorDays=60))[
        "request"]  # fmt: skip
    await dispatcher.run_once()
    await simulator.advance(25)
    [bid] = [b for b in (await _node(api, seller, request["id"]))["bids"]
             if b["financierName"] == "Deccan Capital"]  # fmt: skip
    await _call(api, ACCEPT, {"i": {"bidId": bid["id"]}}, seller)
    await dispatcher.run_once()
    await simulator.advance(30)
    disbursed = await _node(api, seller, request["id"])
    assert (disbursed["status"], disbursed["owed"]) == ("DISBURSED", {"amount": "102554.79"})
    return seller, seller_org, buyer, buyer_org, invoice, bill, request["id"]


async def _received(api: Api, member: Member, org: str) -> list[tuple[str, ...]]:
    data = await api.ok(RECEIVED, {"o": org}, token=member.token)
    nodes = [e["node"] for e in data["organisation"]["payments"]["edges"]]
    return sorted(
        (n["method"], n["amount"]["amount"], n["routedToFinancier"]["amount"],
          n["amountReceived"]["amount"], n["status"]) for n in nodes
    )  # fmt: skip


async def test_the_buyers_money_repays_the_financier_first(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState,
    control: httpx.AsyncClient,
) -> None:  # fmt: skip
    seller, seller_org, buyer, buyer_org, invoice, bill, request = await _financed(
        api, simulator, dispatcher, state
    )
    for rupees in ("60000", "58000"):
        made = await pay(api, buyer, buyer_org, [(bill, rupees)])
        assert made["userErrors"] == [], made
        await settle(simulator, dispatcher)
    done = await _node(api, seller, request)
    assert (done["status"], done["repaid"]) == ("SETTLED", {"amount": "102554.79"})
    assert (await owed(api, seller, invoice))["status"] == "PAID"
    assert (await owed(api, buyer, bill))["status"] == "PAID"
    # Each party's report: the buyer's two debits, the financier's disbursal out and two
    # repayments in, the vendor's disbursal and only the excess of the second payment.
    assert _report(simulator, BUYER) == [("PAYMENT", "DEBIT", 6_000_000),
                                         ("PAYMENT", "DEBIT", 5_800_000)]  # fmt: skip
    assert _report(simulator, DECCAN) == [
        ("DISBURSAL", "DEBIT", 10_000_000), ("ROUTING", "CREDIT", 6_000_000),
        ("ROUTING", "CREDIT", 4_255_479),
    ]  # fmt: skip
    assert _report(simulator, SELLER) == [("DISBURSAL", "CREDIT", 10_000_000),
                                          ("SETTLEMENT", "CREDIT", 1_544_521)]  # fmt: skip
    balances = ledger.balances(simulator.world.transfers)
    assert sum(b["balance"] for b in balances.values()) == 0
    assert balances[ledger.CLEARING]["balance"] == 0
    assert balances[ledger.participant(SELLER)]["balance"] == 11_544_521
    assert balances[ledger.financier(DECCAN)]["balance"] == 255_479  # interest and fee
    # The control API shows the same ledger, one account at a time.
    shown = (await control.get("/simulator/ledger", params={"account": DECCAN})).json()
    assert shown["totalPaise"] == 0
    assert shown["accounts"] == [{"account": "financier:deccan-capital", "debitsPaise": 10_000_000,
                                  "creditsPaise": 10_255_479, "balancePaise": 255_479}]  # fmt: skip
    assert [t["kind"] for t in shown["transfers"]] == ["DISBURSAL", "ROUTING", "ROUTING"]
    # The vendor's books: both payments settle the invoice; what reached its account.
    assert await _received(api, seller, seller_org) == [
        ("BANK_TRANSFER", "58000.00", "42554.79", "15445.21", "SETTLED"),
        ("BANK_TRANSFER", "60000.00", "60000.00", "0.00", "SETTLED"),
        ("FINANCING", "100000.00", "0.00", "100000.00", "SETTLED"),
    ]
    # Reconciliation matches what the account received, and expects no line for money the
    # financier took in full.
    day = state.now().date().isoformat()
    await api.ok(FETCH, {"i": {"organisationId": seller_org, "day": day}}, token=seller.token)
    await dispatcher.run_once()
    view = await api.ok(RECONCILED, {"o": seller_org, "f": day}, token=seller.token)
    assert view["organisation"]["reconciliation"]["summary"] == {
        "matched": 2, "unmatchedLines": 0,
    }  # fmt: skip
    # The financier's report through the participant API is no longer empty.
    lines = await simulator.settlement_report(DECCAN, day)
    assert sorted(line.amount_paise for line in lines) == [4_255_479, 6_000_000, 10_000_000]


async def test_a_returned_repayment_is_owed_to_the_financier_again(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    seller, seller_org, buyer, buyer_org, invoice, bill, request = await _financed(
        api, simulator, dispatcher, state
    )
    await pay(api, buyer, buyer_org, [(bill, "118000")])
    await settle(simulator, dispatcher)
    assert (await _node(api, seller, request))["status"] == "SETTLED"
    [paid] = [p for p in simulator.world.payments.values() if p.payer == BUYER]
    simulator.reverse(paid.network_id)
    await dispatcher.run_once()
    await simulator.advance(1)
    again = await _node(api, seller, request)
    assert (again["status"], again["repaid"]) == ("DISBURSED", {"amount": "0.00"})
    assert again["history"][-1]["action"] == "DISBURSED"
    assert any(h["action"] == "REPAYMENT_RETURNED" for h in again["history"])
    assert (await owed(api, seller, invoice))["status"] != "PAID"
    assert (await owed(api, buyer, bill))["status"] != "PAID"
    assert _report(simulator, DECCAN)[-2:] == [("ROUTING", "CREDIT", 10_255_479),
                                               ("REVERSAL", "DEBIT", 10_255_479)]  # fmt: skip
    assert _report(simulator, SELLER)[-2:] == [("SETTLEMENT", "CREDIT", 1_544_521),
                                               ("REVERSAL", "DEBIT", 1_544_521)]  # fmt: skip
    assert _report(simulator, BUYER)[-1] == ("REVERSAL", "CREDIT", 11_800_000)
    balances = ledger.balances(simulator.world.transfers)
    assert sum(b["balance"] for b in balances.values()) == 0
    assert balances[ledger.participant(BUYER)]["balance"] == 0
    assert balances[ledger.financier(DECCAN)]["balance"] == -10_000_000
    # Paid again, the financier is repaid again.
    await pay(api, buyer, buyer_org, [(bill, "118000")])
    await settle(simulator, dispatcher)
    assert (await _node(api, seller, request))["status"] == "SETTLED"
    received = await _received(api, seller, seller_org)
    assert ("BANK_TRANSFER", "118000.00", "102554.79", "15445.21", "REVERSED") in received
    assert ("BANK_TRANSFER", "118000.00", "102554.79", "15445.21", "SETTLED") in received


def test_the_financing_guide_shows_these_figures() -> None:
    """The financing guide's table of every party's books is the split checked above."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "financing.md").read_text(
        encoding="utf-8"
    )
    walkthrough = text.split("## Every party's books, by example", 1)[1]
    walkthrough = walkthrough.split("\n## ", 1)[0]
    for figure in ("₹60,000.00", "₹58,000.00", "+₹42,554.79", "+₹15,445.21", "+₹2,554.79",
                   "₹1,02,554.79", "+₹1,15,445.21", "\u2212₹1,18,000.00"):  # fmt: skip
        assert figure in walkthrough, figure
    assert SELLER in text and DECCAN in walkthrough


async def test_financing_past_its_repayment_date_is_overdue_live(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    seller, _seller_org, buyer, buyer_org, _invoice, bill, request = await _financed(
        api, simulator, dispatcher, state
    )
    await pay(api, buyer, buyer_org, [(bill, "20000")])
    await settle(simulator, dispatcher)

    async def overdue_events() -> int:
        async with state.db.read() as session:
            rows = await session.scalars(
                select(OrganisationEvent.data).where(
                    OrganisationEvent.kind == "FINANCING_STATUS_CHANGED"
                )
            )
            return sum(1 for data in rows if data.get("financingStatus") == "OVERDUE")

    await simulator.advance(59 * 86_400)
    await dispatcher.run_once()
    assert await overdue_events() == 0  # not yet due
    await simulator.advance(3 * 86_400)  # the day after the repayment date (60 days) begins
    await dispatcher.run_once()
    await dispatcher.run_once()
    assert await overdue_events() == 1  # told once, live
    shown = await _node(api, seller, request)
    assert shown["status"] == "OVERDUE"
    assert shown["history"][-1]["action"] == "OVERDUE"
