"""Accepted notes move what is owed and the status on both sides of a trade: a seller's credit
note and a buyer's debit note (a return) each reduce the invoice and the bill."""

from __future__ import annotations

import datetime as dt

from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from simulator.network import SimulatedNetwork
from tests.conftest import Api
from tests.paying import accepted_bill, owed, pay, settle
from tests.test_versions_and_notes import _contact_id, _note, _settle
from tests.trading import ACCEPT, CREATE, LAPTOP, PUSH, inbox, node


async def test_a_part_paid_invoice_fully_credited_is_paid_on_both_sides(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    seller, seller_org, buyer, buyer_org, invoice, bill = await accepted_bill(
        api, simulator, dispatcher, state
    )
    assert (await pay(api, buyer, buyer_org, [(bill, "18000")]))["userErrors"] == []
    await settle(simulator, dispatcher)
    assert (await owed(api, seller, invoice))["status"] == "PARTIALLY_PAID"
    customer = (await node(api, seller, invoice))["contactRef"]["id"]
    # 84,745.76 + 18 % IGST (15,254.24) = 1,00,000.00: the rest of the invoice.
    made = await _note(api, seller, seller_org, "CREDIT_NOTE", customer, invoice, price="84745.76")
    assert made["userErrors"] == [], made
    credit = made["document"]
    assert isinstance(credit, dict)
    await api.ok(PUSH, {"i": {"documentId": credit["id"]}}, token=seller.token)
    await dispatcher.run_once()
    await simulator.advance(2)
    # Sent, not yet accepted: nothing moves.
    assert (await owed(api, seller, invoice))["amountDue"] == {"amount": "100000.00"}
    [received] = [i for i in await inbox(api, buyer, buyer_org) if i["kind"] == "CREDIT_NOTE"]
    await api.ok(ACCEPT, {"i": {"documentId": received["id"]}}, token=buyer.token)
    await _settle(simulator, dispatcher)
    for member, document in ((seller, invoice), (buyer, bill)):
        shown = await owed(api, member, document)
        assert (shown["status"], shown["amountDue"], shown["amountPaid"]) == (
            "PAID", {"amount": "0.00"}, {"amount": "18000.00"},
        ), member.email  # fmt: skip
        history = (await node(api, member, document))["history"]
        assert history[-1]["action"] == "PAID"


async def test_an_accepted_debit_note_reduces_the_bill_and_the_invoice(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    seller, seller_org, buyer, buyer_org, invoice, bill = await accepted_bill(
        api, simulator, dispatcher, state
    )
    vendor = _contact_id(await node(api, buyer, bill))
    # Goods returned: 10,000.00 + 18 % = 11,800.00.
    made = await _note(api, buyer, buyer_org, "DEBIT_NOTE", vendor, bill, price="10000.00")
    assert made["userErrors"] == [], made
    debit = made["document"]
    assert isinstance(debit, dict)
    await api.ok(PUSH, {"i": {"documentId": debit["id"]}}, token=buyer.token)
    await dispatcher.run_once()
    await simulator.advance(2)
    [arrived] = [i for i in await inbox(api, seller, seller_org) if i["kind"] == "DEBIT_NOTE"]
    await api.ok(ACCEPT, {"i": {"documentId": arrived["id"]}}, token=seller.token)
    await _settle(simulator, dispatcher)
    assert (await node(api, buyer, debit["id"]))["pushStatus"] == "ACCEPTED"
    for member, document in ((seller, invoice), (buyer, bill)):
        shown = await owed(api, member, document)
        assert shown["amountDue"] == {"amount": "106200.00"}, member.email
    # Paying the total less the note settles both sides; a rupee more is refused.
    over = await pay(api, buyer, buyer_org, [(bill, "106201")])
    assert [e["code"] for e in over["userErrors"]] != []
    assert (await pay(api, buyer, buyer_org, [(bill, "106200")]))["userErrors"] == []
    await settle(simulator, dispatcher)
    for member, document in ((seller, invoice), (buyer, bill)):
        assert (await owed(api, member, document))["status"] == "PAID", member.email


async def test_a_credit_note_after_the_section_34_2_deadline_is_refused(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    seller, seller_org, _buyer, _buyer_org, invoice, _bill = await accepted_bill(
        api, simulator, dispatcher, state
    )
    customer = (await node(api, seller, invoice))["contactRef"]["id"]
    # The invoice is of 24 November 2026 (financial year 2026-27): notes until 30 November 2027.
    late = await api(
        CREATE,
        {"i": {"organisationId": seller_org, "kind": "CREDIT_NOTE", "contactId": customer,
               "referenceId": invoice, "documentDate": "2027-12-01",
               "lines": [{**LAPTOP, "quantity": "1", "unitPrice": "100.00"}]}},
        token=seller.token,
    )  # fmt: skip
    assert late["data"]["documentCreate"]["document"] is None
    [error] = late["data"]["documentCreate"]["userErrors"]
    assert (error["code"], error["field"]) == ("INVALID", ["input", "documentDate"])
    assert "2027-11-30" in error["message"]
    # Made after the deadline, even dated before it, it is refused too.
    await simulator.advance(372 * 86_400)
    assert state.now().date() > dt.date(2027, 11, 30)
    backdated = await _note(api, seller, seller_org, "CREDIT_NOTE", customer, invoice)
    errors = backdated["userErrors"]
    assert isinstance(errors, list)
    assert [(e["code"], e["field"]) for e in errors] == [("INVALID", ["input", "documentDate"])]
