"""Received documents are checked before they are booked: figures recomputed from the lines,
parties checked; what fails is answered to the sender as a refusal with the reason, never
dropped or retried forever. A contact cannot be linked to the organisation's own B2B ID."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import Document, InboxTombstone
from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from simulator.network import SimulatedNetwork
from tests.conftest import Api
from tests.test_inbox import _answer, _trade
from tests.trading import SHARMA_TRADERS, contact, inbox, node, onboard

LINK = """mutation($i: ContactB2BIdLinkInput!) { contactB2BIdLink(input: $i) {
    contact { b2bId } userErrors { code field message } } }"""


def _tamper_totals(content: dict[str, Any]) -> None:
    content["totals"]["igst"] += 100
    content["totals"]["total"] += 100


def _tamper_line(content: dict[str, Any]) -> None:
    content["lines"][0]["igst"] -= 1
    content["totals"]["igst"] -= 1
    content["totals"]["total"] -= 1


def _tamper_receiver(content: dict[str, Any]) -> None:
    content["receiverGstin"] = "27AAPFU0939F1ZV"


def _tamper_seller(content: dict[str, Any]) -> None:
    content["sellerGstin"] = "27AAPFU0939F1ZV"


def _tamper_supply(content: dict[str, Any]) -> None:
    content["supplyType"] = "INTRA_STATE"


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (_tamper_totals, "The igst total should be 18000.00."),
        (_tamper_line, "Line 1: igst 17999.99 should be 18000.00."),
        (
            _tamper_receiver,
            "It is addressed to GSTIN 27AAPFU0939F1ZV, which the receiver does not hold.",
        ),
        (_tamper_seller, "The seller GSTIN 27AAPFU0939F1ZV is not the sender's"),
        (_tamper_supply, "A supply from 27 to 29 is not INTRA_STATE."),
    ],
)
async def test_a_document_that_does_not_add_up_is_refused_back_to_the_sender(
    api: Api,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    state: AppState,
    tamper: Any,
    reason: str,
) -> None:
    seller, _, buyer, buyer_org, invoice = await _trade(api, simulator, dispatcher)
    await dispatcher.run_once()  # the push is sent; the network holds it
    network_id = (await node(api, seller, invoice))["networkId"]
    held = simulator.world.documents[network_id]
    content = copy.deepcopy(dict(held.content))
    tamper(content)
    held.content = content
    await simulator.advance(2)  # delivered to the buyer, who cannot book it
    assert await inbox(api, buyer, buyer_org) == []
    async with state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Document).where(
            Document.direction == "INCOMING")) == 0  # fmt: skip
        (tombstone,) = (await session.scalars(select(InboxTombstone))).all()
    assert tombstone.action == "REJECT"
    assert reason in tombstone.reason
    await _answer(simulator, dispatcher)
    sent = await node(api, seller, invoice)
    assert sent["pushStatus"] == "REJECTED"
    assert reason in sent["pushReason"]
    assert sent["status"] == "DRAFT"
    # The same version delivered again is a late echo: ignored, nothing answered twice.
    await simulator.advance(2)
    async with state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(InboxTombstone)) == 1


async def test_a_contact_cannot_be_linked_to_the_organisations_own_b2b_id(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> None:
    seller, seller_org = await onboard(api, simulator, dispatcher, SHARMA_TRADERS)
    ours = await contact(api, seller, seller_org, SHARMA_TRADERS, link=False)
    result = await api(
        LINK, {"i": {"contactId": ours, "b2bId": "sharma-traders"}}, token=seller.token
    )
    assert result["data"]["contactB2BIdLink"]["userErrors"] == [
        {"code": "INVALID", "field": ["input", "b2bId"],
         "message": "This is your organisation's own B2B ID: a contact is another business."}
    ]  # fmt: skip


def test_parties_of_a_received_document() -> None:
    from db.models import DocumentKind
    from resolvers.services.inbox.checks import parties_problem

    ours = {"27AAPFS1234K1ZQ"}

    def check(kind: DocumentKind, sender: str, **content: str) -> str | None:
        return parties_problem(
            kind, content, sender=sender, attested_sender_gstin="29AAPFK1234K1ZX",
            our_b2b_ids={"sharma-traders"}, our_gstins=ours,
        )  # fmt: skip

    assert (
        check(DocumentKind.INVOICE, "Sharma-Traders") == "It comes from the receiver's own B2B ID."
    )
    assert check(DocumentKind.INVOICE, "kaveri", sellerGstin="29AAPFK1234K1ZX") is None
    # A purchase order is sent by the buyer: the seller named must be us.
    assert check(DocumentKind.PURCHASE_ORDER, "kaveri", sellerGstin="27AAPFS1234K1ZQ") is None
    assert check(DocumentKind.PURCHASE_ORDER, "kaveri", sellerGstin="29AAPFK1234K1ZX") == (
        "The seller GSTIN 29AAPFK1234K1ZX is not the receiver's."
    )
