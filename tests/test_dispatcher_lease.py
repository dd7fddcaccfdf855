"""The dispatcher never holds a database transaction across a network call, and records an
outcome only under its own lease."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

import resolvers.dispatcher as dispatcher_module
from db.models import OutboxMessage, OutboxStatus
from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from resolvers.dispatcher.base import LEASE_SECONDS
from resolvers.services import pushes
from simulator.network import SimulatedNetwork
from tests.conftest import Api
from tests.test_document_push import PUSH, _doc, _ready
from tests.test_inbox import _trade
from tests.trading import ACCEPT, inbox


class NoTransactionNetwork:
    """The simulated network, checking on every call that no connection is checked out of the
    pool (no transaction open, no row locked) while the network is called."""

    def __init__(self, network: SimulatedNetwork, state: AppState) -> None:
        self.network = network
        self.state = state
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.network, name)
        if name.startswith("_") or not callable(attribute):
            return attribute

        async def call(*args: Any, **kwargs: Any) -> Any:
            assert self.state.db.engine.pool.checkedout() == 0, f"{name} inside a transaction"  # type: ignore[attr-defined]
            if self.state.write_lock is not None:
                assert not self.state.write_lock.locked(), f"{name} under the write lock"
            self.calls.append(name)
            return await attribute(*args, **kwargs)

        return call


async def test_network_calls_happen_outside_any_transaction(
    api: Api, simulator: SimulatedNetwork, state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One message at a time: the check looks at the whole pool, and concurrent handlers may
    # hold connections of their own while this one calls the network.
    monkeypatch.setattr(dispatcher_module, "CLAIM_BATCH", 1)
    watched = NoTransactionNetwork(simulator, state)
    dispatcher = Dispatcher(state, watched)
    # Registration, KYC polls, pushes, answers: every kind of work the two businesses need.
    seller, _, buyer, buyer_org, invoice = await _trade(api, simulator, dispatcher)
    await dispatcher.run_once()
    await simulator.advance(2)
    [item] = await inbox(api, buyer, buyer_org)
    await api.ok(ACCEPT, {"i": {"documentId": item["id"]}}, token=buyer.token)
    await dispatcher.run_once()
    await simulator.advance(1)
    assert (await _doc(api, seller, invoice))["pushStatus"] == "ACCEPTED"
    assert {"b2b_id_register", "document_send", "document_answer"} <= set(watched.calls)


async def test_an_outcome_is_recorded_only_under_the_worker_s_own_lease(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    owner, _, document = await _ready(api, simulator, dispatcher)
    await api.ok(PUSH, {"i": {"documentId": document}}, token=owner.token)
    slow = Dispatcher(state, simulator)
    real = slow.handlers[pushes.PUSH_KIND]
    other = Dispatcher(state, simulator)

    async def overtaken(work: Any) -> Any:
        # While this worker is stuck in its network call, its lease runs out and another
        # worker claims the message and finishes it.
        simulator.clock.advance(LEASE_SECONDS + 1)  # type: ignore[attr-defined]
        assert await other.run_once() >= 1
        return await real(work)

    slow.handlers[pushes.PUSH_KIND] = overtaken
    await slow.run_once()
    async with state.db.read() as session:
        messages = (await session.scalars(select(OutboxMessage))).all()
    push = next(m for m in messages if m.kind == pushes.PUSH_KIND)
    assert (push.status, push.attempts, push.lease_token) == (OutboxStatus.DONE, 2, None)
    # The late worker's outcome was not recorded a second time.
    assert [m.kind for m in messages].count(pushes.POLL_KIND) == 1
    assert len(simulator.world.carried) == 1  # the late worker's send was a repeat
    assert (await _doc(api, owner, document))["pushStatus"] == "AWAITING_RESPONSE"
