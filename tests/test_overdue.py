"""OVERDUE is derived: an invoice or bill past its due date with money still owed after
payments and accepted credit notes; the status filter applies the same rule in SQL."""

from __future__ import annotations

from typing import Any

from resolvers.dispatcher import Dispatcher
from simulator.network import SimulatedNetwork
from tests.conftest import Api, Member
from tests.trading import (
    ACCEPT,
    KAVERI_COMPONENTS,
    LAPTOP,
    PUSH,
    SHARMA_TRADERS,
    contact,
    document,
    inbox,
    onboard,
)

DAY = 24 * 3600
STATUS = """query($id: ID!) { node(id: $id) { ... on Document { status
    amountDue { amount } } } }"""
LISTED = """query($o: ID!, $s: DocumentStatus) { organisation(id: $o) {
    documents(status: $s, kind: INVOICE) { nodes { id } } } }"""


async def _status(api: Api, member: Member, document_id: str) -> tuple[str, str]:
    found: dict[str, Any] = (await api.ok(STATUS, {"id": document_id}, token=member.token))["node"]
    return found["status"], found["amountDue"]["amount"]


async def _listed(api: Api, member: Member, org: str, status: str) -> list[str]:
    data = await api.ok(LISTED, {"o": org, "s": status}, token=member.token)
    return [n["id"] for n in data["organisation"]["documents"]["nodes"]]


async def _accepted(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, sender: Member,
    document_id: str, receiver: Member, receiver_org: str,
) -> str:  # fmt: skip
    """Push ``document_id`` and have the receiver accept it; the receiver's copy."""
    await api.ok(PUSH, {"i": {"documentId": document_id}}, token=sender.token)
    await dispatcher.run_once()
    await simulator.advance(2)
    received = [
        d for d in await inbox(api, receiver, receiver_org) if d["inboxStatus"] == "RECEIVED"
    ]
    [copy] = received
    await api.ok(ACCEPT, {"i": {"documentId": copy["id"]}}, token=receiver.token)
    for _ in range(2):
        await dispatcher.run_once()
        await simulator.advance(2)
    return str(copy["id"])


async def test_overdue_until_credit_notes_cover_what_is_owed(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> None:
    seller, seller_org = await onboard(api, simulator, dispatcher, SHARMA_TRADERS)
    buyer, buyer_org = await onboard(api, simulator, dispatcher, KAVERI_COMPONENTS)
    customer = await contact(api, seller, seller_org, KAVERI_COMPONENTS)
    invoice = await document(api, seller, seller_org, customer, dueDate="2026-12-10")
    bill = await _accepted(api, simulator, dispatcher, seller, invoice, buyer, buyer_org)
    assert await _status(api, seller, invoice) == ("SENT", "118000.00")
    assert await _status(api, buyer, bill) == ("OPEN", "118000.00")

    await simulator.advance(20 * DAY)  # past 10 December
    assert await _status(api, seller, invoice) == ("OVERDUE", "118000.00")
    assert await _status(api, buyer, bill) == ("OVERDUE", "118000.00")
    assert await _listed(api, seller, seller_org, "OVERDUE") == [invoice]
    assert await _listed(api, seller, seller_org, "SENT") == []

    # Half credited: still owed, still overdue.
    half = {**LAPTOP, "quantity": "1"}
    note = await document(
        api, seller, seller_org, customer, kind="CREDIT_NOTE", referenceId=invoice, lines=[half]
    )
    await _accepted(api, simulator, dispatcher, seller, note, buyer, buyer_org)
    assert await _status(api, seller, invoice) == ("OVERDUE", "59000.00")
    assert await _status(api, buyer, bill) == ("OVERDUE", "59000.00")
    assert await _listed(api, seller, seller_org, "OVERDUE") == [invoice]

    # The rest credited: nothing owed, so not overdue, in both the field and the filter.
    rest = await document(
        api, seller, seller_org, customer, kind="CREDIT_NOTE", referenceId=invoice, lines=[half]
    )
    await _accepted(api, simulator, dispatcher, seller, rest, buyer, buyer_org)
    assert await _status(api, seller, invoice) == ("SENT", "0.00")
    assert await _status(api, buyer, bill) == ("OPEN", "0.00")
    assert await _listed(api, seller, seller_org, "OVERDUE") == []
    assert await _listed(api, seller, seller_org, "SENT") == [invoice]
    assert await _listed(api, buyer, buyer_org, "OVERDUE") == []
