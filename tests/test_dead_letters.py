"""A message the service keeps failing to take is redelivered with growing delays, then given
up on: it goes to the simulator's dead letters (logged with its id), and the rest keep
flowing."""

from __future__ import annotations

import logging

import httpx
import pytest

from contract.messages import InboundMessage
from resolvers.context import AppState
from simulator.faults import Fault
from simulator.network import MAX_DELIVERY_ATTEMPTS, SimulatedNetwork


def _message(message_id: str, state: AppState) -> InboundMessage:
    return InboundMessage(
        message_id=message_id, kind="B2B_ID_DECIDED", request_id=f"REQ-{message_id}",
        approved=True, reason=None, occurred_at=state.now(), data={},
    )  # fmt: skip


async def test_a_message_that_keeps_failing_goes_to_the_dead_letters(
    simulator: SimulatedNetwork,
    state: AppState,
    control: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    real = simulator._handler
    assert real is not None
    taken: list[str] = []

    async def flaky(message: InboundMessage) -> None:
        if message.message_id == "MSG-POISON":
            msg = "the service cannot take this one"
            raise RuntimeError(msg)
        taken.append(message.message_id)

    simulator.set_inbound_handler(flaky)
    try:
        with caplog.at_level(logging.ERROR, logger="simulator.network"):
            await simulator.deliver(_message("MSG-POISON", state))
            await simulator.deliver(_message("MSG-FINE", state))
            for _ in range(MAX_DELIVERY_ATTEMPTS + 2):
                await simulator.advance(3600)
    finally:
        simulator.set_inbound_handler(real)
    assert taken == ["MSG-FINE"]
    (dead,) = simulator.world.dead_letters
    assert (dead.message_id, dead.attempts, dead.error) == (
        "MSG-POISON", MAX_DELIVERY_ATTEMPTS, "RuntimeError",
    )  # fmt: skip
    assert any("MSG-POISON" in r.getMessage() and "dead" in r.getMessage() for r in caplog.records)
    listed = (await control.get("/simulator/dead-letters")).json()
    assert [(d["messageId"], d["attempts"]) for d in listed] == [
        ("MSG-POISON", MAX_DELIVERY_ATTEMPTS)
    ]


@pytest.mark.parametrize(
    ("kind", "taken_at_once"), [("REFUSE", []), ("TIMEOUT_NOT_DONE", []),
                                ("TIMEOUT_DONE", ["MSG-F"])],
)  # fmt: skip
async def test_a_delivery_fault_is_a_failed_delivery_that_is_redelivered(
    simulator: SimulatedNetwork, state: AppState, kind: str, taken_at_once: list[str]
) -> None:
    real = simulator._handler
    taken: list[str] = []

    async def receiver(message: InboundMessage) -> None:
        taken.append(message.message_id)

    simulator.set_inbound_handler(receiver)
    try:
        simulator.faults.add("deliver", Fault(kind))  # type: ignore[arg-type]
        await simulator.deliver(_message("MSG-F", state))
        assert taken == taken_at_once
        assert simulator.failed_deliveries == {"MSG-F": 1}
        await simulator.advance(60)
    finally:
        simulator.set_inbound_handler(real)  # type: ignore[arg-type]
    assert taken == [*taken_at_once, "MSG-F"]  # delivered again (the receiver dedupes repeats)
    assert simulator.failed_deliveries == {}
    assert simulator.world.dead_letters == []
