"""Financing on PostgreSQL: concurrent requests on one invoice, concurrent accepts of different
bids, and a crash between commit and send, with two dispatchers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from resolvers.dispatcher import financing as financing_handlers
from simulator.network import SimulatedNetwork
from tests.conftest import Api
from tests.test_financing import ACCEPT, _call, _financeable, _node, _request

pytestmark = pytest.mark.postgres_only


class ProcessKilledError(BaseException):
    """Stands for the process dying mid-work: nothing catches it, nothing is committed."""


async def test_concurrent_requests_and_accepts_end_with_one(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    seller, seller_org, _, _, invoice, _ = await _financeable(api, simulator, dispatcher, state)
    made = await asyncio.gather(
        *(_request(api, seller, seller_org, [invoice], "1000") for _ in range(6))
    )
    taken = [m for m in made if m["request"] is not None]
    assert len(taken) == 1
    assert {m["userErrors"][0]["code"] for m in made if m["request"] is None} == {"ALREADY_DONE"}
    request = taken[0]["request"]
    first, second = Dispatcher(state, simulator), Dispatcher(state, simulator)
    await asyncio.gather(first.run_once(), second.run_once())
    await simulator.advance(60)
    bids = (await _node(api, seller, request["id"]))["bids"]
    assert len(bids) == 2
    answers = await asyncio.gather(
        *(_call(api, ACCEPT, {"i": {"bidId": b["id"]}}, seller) for b in bids)
    )
    won = [a for a in answers if a["financingBidAccept"]["userErrors"] == []]
    assert len(won) == 1
    await asyncio.gather(first.run_once(), second.run_once())
    await simulator.advance(30)
    done = await _node(api, seller, request["id"])
    assert done["status"] == "DISBURSED"
    assert [b["status"] for b in done["bids"]].count("ACCEPTED") == 1
    assert len(simulator.world.financing) == 1


async def test_a_crash_between_commit_and_send_requests_once(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState,
    monkeypatch: Any,
) -> None:  # fmt: skip
    seller, seller_org, _, _, invoice, _ = await _financeable(api, simulator, dispatcher, state)
    real = financing_handlers._record

    async def die_after_send(*args: Any, **kwargs: Any) -> None:
        monkeypatch.setattr(financing_handlers, "_record", real)
        raise ProcessKilledError

    request = (await _request(api, seller, seller_org, [invoice], "1000"))["request"]
    monkeypatch.setattr(financing_handlers, "_record", die_after_send)
    with pytest.raises(ProcessKilledError):
        await Dispatcher(state, simulator).run_once()
    assert len(simulator.world.financing) == 1  # the network took it
    assert (await _node(api, seller, request["id"]))["status"] == "REQUESTED"
    await simulator.advance(state.settings.outbox_lease_seconds + 1)
    await asyncio.gather(Dispatcher(state, simulator).run_once(),
                         Dispatcher(state, simulator).run_once())  # fmt: skip
    assert (await _node(api, seller, request["id"]))["status"] == "BIDDING"
    assert len(simulator.world.financing) == 1
