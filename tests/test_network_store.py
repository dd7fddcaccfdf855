"""The network service's saved state: everything comes back, and work a crash interrupted runs
again after the restart."""

from __future__ import annotations

import asyncio
from pathlib import Path

from contract.documents import DocumentMessage
from contract.financing import FinancingOrder
from contract.messages import InboundMessage
from contract.payments import Allocation, PaymentOrder
from simulator.clock import ManualClock
from simulator.demo import GANGA_UP, demo_world
from simulator.faults import Fault
from simulator.network import SimulatedNetwork
from simulator.store import Store


async def _busy_network(clock: ManualClock) -> SimulatedNetwork:
    network = SimulatedNetwork(demo_world(), clock, seed=5)
    await network.b2b_id_register(
        request_id="R1", b2b_id="ganga-new", gstin=GANGA_UP, legal_name="Ganga", private=True
    )
    await network.document_send(
        DocumentMessage(
            network_id="N1", kind="INVOICE", version=1, sender_b2b_id="ganga-steel",
            receiver_b2b_id="tapti-foods", number="G-1", document_date="2026-11-24",
            total_paise=100, content={"lines": [1, 2]},
        )
    )  # fmt: skip
    network.faults.add("send_sms", Fault("REFUSE", "DND"), times=2, after_calls=1)
    await network.send_sms("9000000000", "Code 123456")
    card = network.tokenize_card("4111111111111111", "ganga-steel")
    for network_id in ("P1", "P2"):
        await network.payment_initiate(
            PaymentOrder(
                network_id,
                "ganga-steel",
                "tapti-foods",
                "CARD",
                500,
                (Allocation("N1", 500),),
                {"cardToken": card.token},
            )
        )
    await network.advance(10)
    network.reverse("P1")
    await network.payment_initiate(
        PaymentOrder(
            "P3",
            "ganga-steel",
            "tapti-foods",
            "UPI",
            700,
            (Allocation("N1", 700),),
            {"vpa": "ganga@okaxis"},
        )
    )
    await network.advance(40)  # Tapti accepts N1: it can be financed
    await network.financing_request(
        FinancingOrder("F1", "ganga-steel", (Allocation("N1", 100),), 100_000, 30)
    )
    return network


async def test_the_whole_state_comes_back(tmp_path: Path) -> None:
    clock = ManualClock()
    network = await _busy_network(clock)
    store = Store(f"sqlite+aiosqlite:///{tmp_path / 'network.db'}")
    assert await store.open() is None
    await store.save(network)
    await store.close()
    again = Store(f"sqlite+aiosqlite:///{tmp_path / 'network.db'}")
    saved = await again.open()
    await again.close()
    assert saved is not None
    restored = SimulatedNetwork(demo_world(), clock, seed=999)
    from simulator import snapshot

    snapshot.load(restored, saved)
    assert restored.world == network.world
    assert restored.queue == network.queue
    assert restored.faults.queued() == network.faults.queued()
    # The same seed's sequence carries on where it was.
    assert restored.new_id("X") == network.new_id("X")
    # What was scheduled still happens.
    await restored.advance(120)
    assert restored.world.reviews["R1"].state == "APPROVED"
    assert restored.world.documents["N1"].state == "ACCEPTED"
    assert restored.world.payments["P3"].state == "SETTLED"
    # The financiers' bids, scheduled before the save, came after it.
    assert {b["financierId"] for b in restored.world.financing["F1"].bids} == {
        "deccan-capital", "ganga-factors",
    }  # fmt: skip
    assert restored.payment_totals() == {
        "DEBITED": 1700, "PENDING": 0, "SETTLED": 1200, "FAILED": 0, "REVERSED": 500,
    }  # fmt: skip


async def test_a_delivery_interrupted_by_a_crash_is_made_again(tmp_path: Path) -> None:
    from simulator import snapshot

    clock = ManualClock()
    network = SimulatedNetwork(demo_world(), clock, seed=5)
    entered, never = asyncio.Event(), asyncio.Event()

    async def stuck(_message: InboundMessage) -> None:
        entered.set()
        await never.wait()  # the process dies while the webhook is in flight

    network.set_inbound_handler(stuck)
    network.send(network.message("KYC_DECIDED", "K1", approved=True, reason=None))
    running = asyncio.create_task(network.run_due())
    await entered.wait()
    saved = snapshot.dump(network)  # saved by another request meanwhile
    running.cancel()
    restarted = SimulatedNetwork(demo_world(), clock, seed=5)
    snapshot.load(restarted, saved)
    received: list[str] = []

    async def take(message: InboundMessage) -> None:
        received.append(message.request_id)

    restarted.set_inbound_handler(take)
    assert await restarted.run_due() == 1
    assert received == ["K1"]
