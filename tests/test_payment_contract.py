"""The payment rails through both adapters of the port (in process, and the network service
over HTTP with signed webhooks): the same answers, the same messages."""

from __future__ import annotations

import dataclasses

import pytest

from contract.errors import NetworkRefusedError, NetworkTimeoutError
from contract.payments import Allocation, OfflineReport, PaymentOrder, PaymentRequest
from tests.test_network_contract import (  # noqa: F401 (net: the fixture)
    Harness,
    _invoice,
    _registered,
    net,
)


def _order(network_id: str = "PAY-1", amount: int = 118_000) -> PaymentOrder:
    return PaymentOrder(
        network_id=network_id, payer_b2b_id="sharma-traders", payee_b2b_id="ganga-steel",
        method="BANK_TRANSFER", amount_paise=amount,
        allocations=(Allocation("INV-GANGA-1", amount),),
        source={"accountNumber": "123456789012", "ifsc": "HDFC0001234"},
    )  # fmt: skip


async def test_a_payment_is_taken_once_and_settled(net: Harness) -> None:  # noqa: F811
    await _registered(net)
    taken = await net.port.payment_initiate(_order())
    assert (taken.state, taken.amount_paise, taken.virtual_ifsc) == (
        "PENDING", 118_000, "BCNB0000001",
    )  # fmt: skip
    assert taken.virtual_account is not None and taken.utr is None
    assert await net.port.payment_initiate(_order()) == taken  # a repeat debits nothing
    with pytest.raises(NetworkRefusedError) as reused:
        await net.port.payment_initiate(_order(amount=1))
    assert reused.value.reason == "PAYMENT_ID_REUSED"
    assert (await net.port.payment_status("PAY-NONE")).state == "UNKNOWN"
    await net.advance(10)
    [message] = net.received
    assert (message.kind, message.request_id, message.approved) == (
        "PAYMENT_UPDATED", "PAY-1", True,
    )  # fmt: skip
    assert message.data["state"] == "SETTLED"
    settled = await net.port.payment_status("PAY-1")
    assert settled.state == "SETTLED"
    assert settled.utr is not None and settled.utr.startswith("HDFC") and len(settled.utr) == 16
    assert settled.settled_on is not None
    [line] = await net.port.settlement_report("sharma-traders", settled.settled_on)
    assert (line.direction, line.amount_paise, line.utr, line.payment_network_id) == (
        "DEBIT", 118_000, settled.utr, "PAY-1",
    )  # fmt: skip
    assert line.document_network_ids == ("INV-GANGA-1",)


async def test_refusals_and_faults_on_payments(net: Harness) -> None:  # noqa: F811
    await _registered(net)
    with pytest.raises(NetworkRefusedError) as nobody:
        await net.port.payment_initiate(
            PaymentOrder(
                "PAY-2",
                "sharma-traders",
                "nobody-here",
                "UPI",
                100,
                (Allocation("X", 100),),
                {"vpa": "a@okaxis"},
            )
        )
    assert nobody.value.reason == "PAYEE_NOT_FOUND"
    with pytest.raises(NetworkRefusedError) as card:
        await net.port.card_token("tok_nope")
    assert card.value.reason == "CARD_TOKEN_INVALID"
    assert [b.code for b in await net.port.banks()][:2] == ["SBIN", "HDFC"]
    # Timed out but done: the payment exists, and asking shows it.
    await net.fault({"operation": "payment_initiate", "kind": "TIMEOUT_DONE"})
    with pytest.raises(NetworkTimeoutError):
        await net.port.payment_initiate(_order("PAY-3"))
    assert (await net.port.payment_status("PAY-3")).state == "PENDING"
    # Timed out and not done: nothing was debited.
    await net.fault({"operation": "payment_initiate", "kind": "TIMEOUT_NOT_DONE"})
    with pytest.raises(NetworkTimeoutError):
        await net.port.payment_initiate(_order("PAY-4"))
    assert (await net.port.payment_status("PAY-4")).state == "UNKNOWN"


async def test_an_offline_report_is_answered(net: Harness) -> None:  # noqa: F811
    await _registered(net)
    report = OfflineReport("PAY-OFF-1", "sharma-traders", "ganga-steel", 5_000,
                           (Allocation("INV-GANGA-1", 5_000),), "2026-11-24", "CHEQUE", "CHQ 1")  # fmt: skip
    await net.port.payment_report_offline(report)
    await net.port.payment_report_offline(report)  # a repeat is a no-op
    await net.advance(60)  # the external payee answers
    assert [(m.kind, m.request_id, m.approved) for m in net.received] == [
        ("PAYMENT_REPORT_ANSWERED", "PAY-OFF-1", True)
    ]
    with pytest.raises(NetworkRefusedError) as not_payee:
        await net.port.payment_answer_offline(
            network_id="PAY-OFF-1", answerer_b2b_id="sharma-traders", received=True, remarks=None
        )
    assert not_payee.value.reason in {"NOT_PAYEE", "NOT_YOUR_B2B_ID"}


async def test_a_payment_request_is_carried_once(net: Harness) -> None:  # noqa: F811
    await _registered(net)
    ask = PaymentRequest("PRQ-1", "sharma-traders", "tapti-foods", "NET-INV-1", 5_000, "Please")
    # (Each try under a request id of its own: over HTTP an id's answer is replayed.)
    with pytest.raises(NetworkRefusedError) as unknown:
        await net.port.payment_request(dataclasses.replace(ask, request_id="PRQ-A"))
    assert unknown.value.reason == "INVOICE_NOT_FOUND"
    await net.port.document_send(_invoice(1))
    with pytest.raises(NetworkRefusedError) as early:
        await net.port.payment_request(dataclasses.replace(ask, request_id="PRQ-B"))
    assert early.value.reason == "INVOICE_NOT_ACCEPTED"
    await net.advance(120)  # the receiver accepts
    with pytest.raises(NetworkRefusedError) as nothing:
        await net.port.payment_request(PaymentRequest("PRQ-0", "sharma-traders", "tapti-foods",
                                                      "NET-INV-1", 0))  # fmt: skip
    assert nothing.value.reason == "AMOUNT_INVALID"
    await net.port.payment_request(ask)
    await net.port.payment_request(ask)  # a repeat is a no-op
    await net.fault({"operation": "payment_request", "kind": "TIMEOUT_DONE"})
    with pytest.raises(NetworkTimeoutError):
        await net.port.payment_request(PaymentRequest("PRQ-2", "sharma-traders", "tapti-foods",
                                                      "NET-INV-1", 1_000))  # fmt: skip
    await net.port.payment_request(PaymentRequest("PRQ-2", "sharma-traders", "tapti-foods",
                                                  "NET-INV-1", 1_000))  # fmt: skip
