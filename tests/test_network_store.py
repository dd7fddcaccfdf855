"""The network service's saved state: everything comes back, and work a crash interrupted runs
again after the restart."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from contract.documents import DocumentMessage
from contract.financing import FinancingOrder
from contract.messages import InboundMessage
from contract.payments import Allocation, PaymentOrder
from simulator import snapshot
from simulator.clock import ManualClock
from simulator.demo import GANGA_UP, demo_world
from simulator.faults import Fault
from simulator.network import SimulatedNetwork
from simulator.store import StateFormatError, Store
from simulator.store_tables import LEGACY_TABLE
from simulator.world import DeadLetter, DeadLetterAction


async def _busy_network(
    clock: ManualClock, network: SimulatedNetwork | None = None
) -> SimulatedNetwork:
    network = network or SimulatedNetwork(demo_world(), clock, seed=5)
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
    # A message given up on, kept with its body, and what an operator did to it.
    network.world.dead_letters.append(
        DeadLetter("MSG-D", "B2B_ID_DECIDED", "REQ-D", 8, "RuntimeError", clock.now(),
                   {"messageId": "MSG-D", "kind": "B2B_ID_DECIDED", "data": {"b2bId": "x"}})
    )  # fmt: skip
    network.world.dead_letter_actions.append(
        DeadLetterAction("MSG-D", "dropped", "ops", "decided by hand", clock.now())
    )
    network.changed()
    return network


async def _reopened(url: str, clock: ManualClock) -> SimulatedNetwork:
    restored = SimulatedNetwork(demo_world(), clock, seed=999)
    store = Store(url)
    assert await store.open(restored)
    await store.close()
    return restored


async def test_the_whole_state_comes_back(tmp_path: Path) -> None:
    clock = ManualClock()
    url = f"sqlite+aiosqlite:///{tmp_path / 'network.db'}"
    network = SimulatedNetwork(demo_world(), clock, seed=5)
    store = Store(url)
    assert not await store.open(network)
    await store.save(network)  # the fresh world first, then what changed, as the service does
    network = await _busy_network(clock, network)
    await store.save(network)
    await store.close()
    restored = await _reopened(url, clock)
    assert snapshot.dump(restored) == snapshot.dump(network)
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


async def test_a_delivery_interrupted_by_a_crash_is_made_again() -> None:
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


def _document(number: int) -> DocumentMessage:
    return DocumentMessage(
        network_id=f"D{number}", kind="INVOICE", version=1, sender_b2b_id="ganga-steel",
        receiver_b2b_id="tapti-foods", number=f"G-{number}", document_date="2026-11-24",
        total_paise=100 + number, content={"lines": [number]},
    )  # fmt: skip


async def test_a_save_writes_what_changed_not_the_history(tmp_path: Path) -> None:
    """The cost of a save follows the operation, not how much the network already holds."""
    clock = ManualClock()
    network = SimulatedNetwork(demo_world(), clock, seed=5)
    store = Store(f"sqlite+aiosqlite:///{tmp_path / 'network.db'}")
    await store.open(network)
    await store.save(network)
    written = []
    for number in range(300):
        await network.document_send(_document(number))
        await store.save(network)
        written.append(store.rows_written)
    # A document: its row, its line in what was carried, its scheduled answer, the random.
    assert max(written) <= 4, written
    assert written[0] == written[-1]
    await store.save(network)
    assert store.rows_written == 0  # nothing changed: nothing written
    await network.advance(60)  # the receivers answer every document
    await store.save(network)
    assert store.rows_written >= 300
    network.world.documents.view()  # reading marks nothing
    await store.save(network)
    assert store.rows_written == 0
    await store.close()
    restored = await _reopened(f"sqlite+aiosqlite:///{tmp_path / 'network.db'}", clock)
    assert snapshot.dump(restored) == snapshot.dump(network)
    assert restored.world.documents["D299"].state == "ACCEPTED"


async def test_a_reset_world_replaces_every_row(tmp_path: Path) -> None:
    clock = ManualClock()
    url = f"sqlite+aiosqlite:///{tmp_path / 'network.db'}"
    network = await _busy_network(clock)
    store = Store(url)
    await store.open(network)
    await store.save(network)
    network.reset(demo_world(), seed=7)
    await store.save(network)
    await store.close()
    restored = await _reopened(url, clock)
    assert snapshot.dump(restored) == snapshot.dump(network)
    assert "N1" not in restored.world.documents


async def test_a_state_saved_as_one_row_moves_into_the_tables(tmp_path: Path) -> None:
    clock = ManualClock()
    path = tmp_path / "network.db"
    network = await _busy_network(clock)
    with sqlite3.connect(path) as db:
        db.execute(
            f"CREATE TABLE {LEGACY_TABLE} (id INTEGER PRIMARY KEY, data TEXT, saved_at TEXT)"
        )
        db.execute(
            f"INSERT INTO {LEGACY_TABLE} VALUES (1, ?, '2026-12-01')",  # noqa: S608
            (json.dumps(snapshot.dump(network)),),
        )
    restored = await _reopened(f"sqlite+aiosqlite:///{path}", clock)
    assert snapshot.dump(restored) == snapshot.dump(network)
    with sqlite3.connect(path) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert LEGACY_TABLE not in tables
    again = await _reopened(f"sqlite+aiosqlite:///{path}", clock)  # from the tables now
    assert snapshot.dump(again) == snapshot.dump(network)


async def test_a_state_in_an_unknown_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "network.db"
    with sqlite3.connect(path) as db:
        db.execute(
            f"CREATE TABLE {LEGACY_TABLE} (id INTEGER PRIMARY KEY, data TEXT, saved_at TEXT)"
        )
        db.execute(f"INSERT INTO {LEGACY_TABLE} VALUES (1, '{{\"format\": 9}}', '2026-12-01')")  # noqa: S608
    store = Store(f"sqlite+aiosqlite:///{path}")
    network = SimulatedNetwork(demo_world(), ManualClock(), seed=5)
    with pytest.raises(StateFormatError, match="cannot read"):
        await store.open(network)
    await store.close()
