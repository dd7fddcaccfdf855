"""Financing through both adapters of the port: the same answers, the same messages."""

from __future__ import annotations

import asyncio

import pytest

from contract.documents import DocumentMessage
from contract.errors import NetworkRefusedError
from contract.financing import FinancingOrder
from contract.payments import Allocation
from tests.test_network_contract import Harness, _registered, net  # noqa: F401 (the fixture)


async def _accepted_invoice(net: Harness) -> None:  # noqa: F811
    """Sharma's invoice to Tapti Foods, which accepts it."""
    await _registered(net)
    await net.port.document_send(
        DocumentMessage(
            network_id="INV-FIN-1", kind="INVOICE", version=1, sender_b2b_id="sharma-traders",
            receiver_b2b_id="tapti-foods", number="INV-1", document_date="2026-11-24",
            total_paise=11_800_000,
        )
    )  # fmt: skip
    await net.advance(60)
    net.received.clear()


async def _received(net: Harness, count: int) -> None:  # noqa: F811
    for _ in range(200):
        if len(net.received) >= count:
            return
        await asyncio.sleep(0.01)


def _order(request_id: str = "FIN-1", invoice: str = "INV-FIN-1") -> FinancingOrder:
    return FinancingOrder(request_id, "sharma-traders", (Allocation(invoice, 11_800_000),),
                          10_000_000, 60)  # fmt: skip


async def test_a_request_is_bid_on_accepted_and_disbursed(net: Harness) -> None:  # noqa: F811
    await _accepted_invoice(net)
    with pytest.raises(NetworkRefusedError) as unknown:
        await net.port.financing_request(_order("FIN-0", invoice="INV-NONE"))
    assert unknown.value.reason == "INVOICE_NOT_ACCEPTED"
    taken = await net.port.financing_request(_order())
    assert (taken.state, taken.bids) == ("BIDDING", ())
    assert (await net.port.financing_request(_order())).state == "BIDDING"  # a repeat
    with pytest.raises(NetworkRefusedError) as twice:
        await net.port.financing_request(_order("FIN-2"))
    assert twice.value.reason == "ALREADY_FINANCED"
    await net.advance(50)
    await _received(net, 2)  # over HTTP the network's own loop may be delivering the second
    assert [m.kind for m in net.received] == ["FINANCING_BID", "FINANCING_BID"]
    held = await net.port.financing_status("FIN-1")
    assert sorted(b.financier_name for b in held.bids) == ["Deccan Capital", "Ganga Factors"]
    deccan = next(b for b in held.bids if b.financier_name == "Deccan Capital")
    accepted = await net.port.financing_accept(
        request_id="FIN-1", bid_id=deccan.bid_id, vendor_b2b_id="sharma-traders"
    )
    assert (accepted.state, accepted.accepted_bid_id) == ("BID_ACCEPTED", deccan.bid_id)
    with pytest.raises(NetworkRefusedError) as cancel:
        await net.port.financing_cancel(request_id="FIN-1", vendor_b2b_id="sharma-traders")
    assert cancel.value.reason == "NOT_BIDDING"
    net.received.clear()
    await net.advance(20)
    await _received(net, 1)
    [update] = net.received
    assert (update.kind, update.data["state"]) == ("FINANCING_UPDATED", "DISBURSED")
    done = await net.port.financing_status("FIN-1")
    assert done.disbursed_paise == deccan.amount_paise
    assert done.owed_paise > done.disbursed_paise
    assert (await net.port.financing_status("FIN-NONE")).state == "UNKNOWN"
