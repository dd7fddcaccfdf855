"""A message the service keeps failing to take is redelivered with growing delays, then given
up on: it goes to the simulator's dead letters (logged with its id), and the rest keep
flowing."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount

from contract.messages import InboundMessage
from resolvers.context import AppState
from simulator.control import control_routes
from simulator.control_guard import ControlGuard
from simulator.faults import Fault
from simulator.network import MAX_DELIVERY_ATTEMPTS, SimulatedNetwork
from tests.conftest import REPO_ROOT, free_port


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


async def _poisoned(simulator: SimulatedNetwork, state: AppState, *ids: str) -> None:
    """Make each of ``ids`` a dead letter (the service refuses them until given up on)."""

    async def refusing(message: InboundMessage) -> None:
        msg = "the service cannot take this one"
        raise RuntimeError(msg)

    real = simulator._handler
    assert real is not None
    simulator.set_inbound_handler(refusing)
    try:
        for message_id in ids:
            await simulator.deliver(_message(message_id, state))
        for _ in range(MAX_DELIVERY_ATTEMPTS + 2):
            await simulator.advance(3600)
    finally:
        simulator.set_inbound_handler(real)


async def test_operators_retry_or_drop_dead_letters_saying_who_and_why(
    simulator: SimulatedNetwork, state: AppState, control: httpx.AsyncClient
) -> None:
    await _poisoned(simulator, state, "MSG-A", "MSG-B", "MSG-C")
    taken: list[str] = []

    async def fixed(message: InboundMessage) -> None:
        taken.append(message.message_id)

    real = simulator._handler
    assert real is not None
    simulator.set_inbound_handler(fixed)
    try:
        refused = await control.post("/simulator/dead-letters/retry",
                                     json={"messageId": "MSG-A", "actor": "ops"})  # fmt: skip
        assert refused.status_code == 400 and "why" in refused.json()["error"]
        retried = await control.post(
            "/simulator/dead-letters/retry",
            json={"messageId": "MSG-A", "actor": "ops", "reason": "receiver fixed"},
        )
        assert retried.json() == {"retried": ["MSG-A"]}
        await simulator.advance(1)
        assert taken == ["MSG-A"]
        again = await control.post(
            "/simulator/dead-letters/retry",
            json={"messageId": "MSG-A", "actor": "ops", "reason": "twice"},
        )
        assert again.status_code == 409
        dropped = await control.post(
            "/simulator/dead-letters/drop",
            json={"messageId": "MSG-B", "actor": "ops", "reason": "decided by hand"},
        )
        assert dropped.json() == {"dropped": ["MSG-B"]}
        everything = await control.post(
            "/simulator/dead-letters/retry",
            json={"kind": "B2B_ID_DECIDED", "actor": "ops", "reason": "outage over"},
        )
        assert everything.json() == {"retried": ["MSG-C"]}
        await simulator.advance(1)
        assert taken == ["MSG-A", "MSG-C"]
    finally:
        simulator.set_inbound_handler(real)
    listed = {d["messageId"]: d for d in (await control.get("/simulator/dead-letters")).json()}
    assert {k: v["state"] for k, v in listed.items()} == {
        "MSG-A": "RETRIED", "MSG-B": "DROPPED", "MSG-C": "RETRIED",
    }  # fmt: skip
    assert listed["MSG-B"]["actions"][0] | {"at": None} == {
        "action": "dropped", "actor": "ops", "reason": "decided by hand", "at": None,
    }  # fmt: skip


async def test_the_dead_letters_command_lists_and_retries_through_the_control_api(
    simulator: SimulatedNetwork, state: AppState
) -> None:
    await _poisoned(simulator, state, "MSG-CLI")
    port = free_port()
    app = Starlette(routes=[Mount("/simulator", app=ControlGuard(control_routes(simulator)))])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    env = {**os.environ, "SIMULATOR_PORT": str(port)}

    async def command(*args: str) -> tuple[int, str, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "simulator", "dead-letters", *args, cwd=REPO_ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), 30)
        return process.returncode or 0, out.decode(), err.decode()

    try:
        code, out, _ = await command("list")
        assert code == 0 and json.loads(out)[0]["messageId"] == "MSG-CLI"
        code, _, err = await command("drop", "MSG-CLI")
        assert code == 1 and "why" in err
        code, out, _ = await command("retry", "MSG-CLI", "--reason", "fixed", "--by", "asha")
        assert code == 0 and json.loads(out) == {"retried": ["MSG-CLI"]}
        code, out, _ = await command("list")
        [listed] = json.loads(out)
        assert listed["state"] == "RETRIED" and listed["actions"][0]["actor"] == "asha"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 5)
