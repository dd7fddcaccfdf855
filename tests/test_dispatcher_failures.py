"""A message whose handler fails unexpectedly backs off and never blocks the messages behind
it; after the attempt limit it is dead, and what it stood for says so."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from db.models import OutboxMessage, OutboxStatus
from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from resolvers.dispatcher.base import MAX_ATTEMPTS
from resolvers.services import pushes
from simulator.clock import ManualClock
from simulator.faults import Fault
from simulator.network import SimulatedNetwork
from tests.conftest import Api
from tests.test_document_push import PUSH, _doc, _ready


async def _messages(state: AppState) -> dict[str, OutboxMessage]:
    async with state.db.read() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
    return {str(m.payload.get("documentId")): m for m in rows if m.kind == pushes.PUSH_KIND}


async def test_a_poison_message_backs_off_and_the_rest_keep_flowing(
    api: Api,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    state: AppState,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    owner, org, poisoned = await _ready(api, simulator, dispatcher)
    await api.ok(PUSH, {"i": {"documentId": poisoned}}, token=owner.token)
    real = dispatcher.handlers[pushes.PUSH_KIND]

    async def poison(work: Any) -> Any:
        if work.message.payload["documentId"] in poisoned_keys:
            msg = "a bug in one message's handling"
            raise KeyError(msg)
        return await real(work)

    poisoned_keys = {str(m) for m in (await _messages(state))}
    monkeypatch.setitem(dispatcher.handlers, pushes.PUSH_KIND, poison)
    # A second document pushed behind the poisoned one goes through.
    healthy = (await api.ok(
        "mutation($i: DocumentCreateInput!) { documentCreate(input: $i) { document { id } } }",
        {"i": {"organisationId": org, "kind": "INVOICE", "contactId": await _contact(api, owner, org),
               "documentDate": "2026-11-24",
               "lines": [{"description": "x", "hsnSac": "8471", "quantity": "1",
                          "unitPrice": "10.00", "taxRate": "18"}]}},
        token=owner.token,
    ))["documentCreate"]["document"]["id"]  # fmt: skip
    await api.ok(PUSH, {"i": {"documentId": healthy}}, token=owner.token)
    await dispatcher.run_once()
    assert (await _doc(api, owner, healthy))["pushStatus"] == "AWAITING_RESPONSE"
    poisoned_message = next(m for k, m in (await _messages(state)).items() if k in poisoned_keys)
    assert poisoned_message.status == OutboxStatus.PENDING
    assert poisoned_message.attempts == 1
    assert poisoned_message.last_error == "unexpected error (KeyError)"
    # Tried again and again with backoff, then given up on: the push shows it failed.
    for _attempt in range(MAX_ATTEMPTS):
        clock.advance(3600)
        await dispatcher.run_once()
    poisoned_message = next(m for k, m in (await _messages(state)).items() if k in poisoned_keys)
    assert poisoned_message.status == OutboxStatus.FAILED
    assert (poisoned_message.last_error or "").startswith(f"gave up after {MAX_ATTEMPTS} attempts")
    failed = await _doc(api, owner, poisoned)
    assert (failed["pushStatus"], failed["status"]) == ("PUSH_FAILED", "DRAFT")
    assert "push it again" in failed["pushReason"]


async def _contact(api: Api, owner: Any, org: str) -> str:
    data = await api.ok(
        "query($o: ID!) { organisation(id: $o) { contacts { nodes { id } } } }", {"o": org},
        token=owner.token,
    )  # fmt: skip
    found: str = data["organisation"]["contacts"]["nodes"][0]["id"]
    return found


async def test_a_push_that_keeps_timing_out_fails_visibly_and_can_be_pushed_again(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, clock: ManualClock
) -> None:
    owner, _, document = await _ready(api, simulator, dispatcher)
    for _attempt in range(MAX_ATTEMPTS):
        simulator.faults.add("document_send", Fault("TIMEOUT_NOT_DONE"))
    await api.ok(PUSH, {"i": {"documentId": document}}, token=owner.token)
    for _attempt in range(MAX_ATTEMPTS):
        await dispatcher.run_once()
        clock.advance(3600)
    failed = await _doc(api, owner, document)
    assert failed["pushStatus"] == "PUSH_FAILED"
    again = await api.ok(PUSH, {"i": {"documentId": document}}, token=owner.token)
    assert again["documentPush"]["document"]["networkId"] == failed["networkId"]
    await dispatcher.run_once()
    assert (await _doc(api, owner, document))["pushStatus"] == "AWAITING_RESPONSE"


async def test_a_stopping_worker_gives_back_the_message_it_was_handling(
    api: Api,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    state: AppState,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Cancelled mid-call (the worker shuts down), the dispatcher releases its lease: the
    message is due again at once for another worker, and the cut-short try is nobody's attempt."""
    owner, _org, document = await _ready(api, simulator, dispatcher)
    await api.ok(PUSH, {"i": {"documentId": document}}, token=owner.token)
    started = asyncio.Event()

    async def hangs(_work: Any) -> Any:
        started.set()
        await asyncio.Event().wait()

    monkeypatch.setitem(dispatcher.handlers, pushes.PUSH_KIND, hangs)
    running = asyncio.create_task(dispatcher.run_once())
    await asyncio.wait_for(started.wait(), 5)
    claimed = next(iter((await _messages(state)).values()))
    assert claimed.lease_token is not None and claimed.attempts == 1
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    released = next(iter((await _messages(state)).values()))
    assert released.lease_token is None
    assert released.attempts == 0
    assert released.status == OutboxStatus.PENDING
    assert released.next_attempt_at <= state.now()
    monkeypatch.undo()
    await dispatcher.run_once()
    assert (await _doc(api, owner, document))["pushStatus"] == "AWAITING_RESPONSE"
