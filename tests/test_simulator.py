"""The simulator on its own: determinism and the port's error semantics."""

from __future__ import annotations

import pytest

from contract.errors import NetworkRefusedError, NetworkTimeoutError, NetworkUnavailableError
from simulator.clock import ManualClock
from simulator.demo import GANGA_UP, NO_API_ACCESS_WB, demo_world
from simulator.faults import Fault
from simulator.network import SimulatedNetwork


async def _run(seed: int) -> list[tuple[str, str, str]]:
    network = SimulatedNetwork(demo_world(), ManualClock(), seed=seed)
    seen: list[tuple[str, str, str]] = []

    async def handler(message: object) -> None:
        seen.append((message.message_id, message.kind, message.occurred_at.isoformat()))  # type: ignore[attr-defined]

    network.set_inbound_handler(handler)
    for i in range(3):
        await network.b2b_id_register(
            request_id=f"BID{i}",
            b2b_id=f"ganga-{i}x",
            gstin=GANGA_UP,
            legal_name="Ganga Steel Limited",
            private=False,
        )
    await network.advance(100)
    return seen


async def test_the_same_seed_gives_the_same_events() -> None:
    first, again, other = await _run(7), await _run(7), await _run(8)
    assert first == again
    assert len(first) == 3
    assert first != other


async def test_port_errors() -> None:
    clock = ManualClock()
    network = SimulatedNetwork(demo_world(), clock)
    with pytest.raises(NetworkRefusedError) as refused:
        await network.gstn_taxpayer(NO_API_ACCESS_WB, "hooghlyjute")
    assert refused.value.reason == "API_ACCESS_DISABLED"
    with pytest.raises(NetworkRefusedError) as unknown:
        await network.gstn_taxpayer("27AAPFU0939F1ZV", "x")
    assert unknown.value.reason == "GSTIN_NOT_FOUND"
    assert not await network.b2b_id_available("GANGA-STEEL")
    with pytest.raises(NetworkRefusedError):
        await network.b2b_id_register(
            request_id="BIDX", b2b_id="ganga-steel", gstin=GANGA_UP, legal_name="G", private=False
        )
    network.faults.add("b2b_id_status", Fault("TIMEOUT_NOT_DONE"))
    with pytest.raises(NetworkTimeoutError):
        await network.b2b_id_status("BIDX")
    assert (await network.b2b_id_status("BIDX")).state == "UNKNOWN"
    from datetime import timedelta

    network.faults.start_outage(clock.now() + timedelta(seconds=10))
    with pytest.raises(NetworkUnavailableError):
        await network.send_sms("9876543210", "hello")
    clock.advance(11)
    await network.send_sms("9876543210", "hello 123456")
    assert network.last_otp("9876543210") == "123456"
