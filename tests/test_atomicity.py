"""A unit of work is atomic on both databases: what a released savepoint wrote goes when the
unit fails later, and a refused mutation keeps none of its idempotency key."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from contract.messages import InboundMessage
from db.models import IdempotencyRecord, InboundReceipt
from db.repositories import idempotency as idempotency_repo
from resolvers import inbound, mutation
from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from resolvers.services.payments import applying
from simulator.network import SimulatedNetwork
from tests.conftest import Api
from tests.onboarding_helpers import B2B_CREATE, ready_for_b2b_id
from tests.test_documents import CREATE, LAPTOP, _seller


class _RefusedError(Exception):
    pass


async def test_a_released_savepoint_is_undone_with_its_unit(state: AppState) -> None:
    key = f"atomic-{uuid.uuid4()}"

    async def failing_unit() -> None:
        async with state.unit_of_work() as uow:
            # A read first: the legacy SQLite driver sent no BEGIN for it, so the savepoint
            # below opened the transaction and its RELEASE committed it.
            await uow.session.execute(select(IdempotencyRecord.id).limit(1))
            claimed = await idempotency_repo.claim(
                uow.session, scope="test", operation="atomic", key=key, fingerprint="f",
                result_id=uuid.uuid4(),
            )  # fmt: skip
            assert claimed is None
            raise _RefusedError

    with pytest.raises(_RefusedError):
        await failing_unit()
    async with state.db.read() as session:
        assert (
            await idempotency_repo.find(session, scope="test", operation="atomic", key=key) is None
        )


async def test_a_refused_mutation_keeps_no_idempotency_key(api: Api) -> None:
    owner, org, _local, delhi = await _seller(api)
    bad = {
        "organisationId": org, "kind": "INVOICE", "contactId": delhi, "documentDate": "2026-11-24",
        "lines": [{**LAPTOP, "taxRate": "7"}], "idempotencyKey": "retry-me",
    }  # fmt: skip
    refused = await api(CREATE, {"i": bad}, token=owner.token)
    assert refused["data"]["documentCreate"]["userErrors"], refused
    corrected = {**bad, "lines": [LAPTOP]}
    created = await api.ok(CREATE, {"i": corrected}, token=owner.token)
    assert created["documentCreate"]["userErrors"] == []
    assert created["documentCreate"]["document"]["number"] == "INV-00001"


async def test_b2b_id_create_replays_its_first_result_after_a_refused_try(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> None:
    owner = await api.sign_up("owner")
    org = await api.organisation(owner, "Sharma Traders")
    await ready_for_b2b_id(api, simulator, owner, org)
    ask = {"organisationId": org, "b2bId": "sharma-traders", "idempotencyKey": "b2b-1"}
    # Refused once (terms not accepted): the key is not kept.
    refused = await api(B2B_CREATE, {"i": {**ask, "acceptTerms": False}}, token=owner.token)
    errors = refused["data"]["b2bIdCreate"]["userErrors"]
    assert [e["code"] for e in errors] == ["TERMS_NOT_ACCEPTED"]
    first = await api.ok(B2B_CREATE, {"i": {**ask, "acceptTerms": True}}, token=owner.token)
    assert first["b2bIdCreate"]["userErrors"] == []
    await dispatcher.run_once()
    again = await api.ok(B2B_CREATE, {"i": {**ask, "acceptTerms": True}}, token=owner.token)
    assert again["b2bIdCreate"]["userErrors"] == []
    assert again["b2bIdCreate"]["b2bId"]["id"] == first["b2bIdCreate"]["b2bId"]["id"]


async def test_a_message_whose_applying_fails_is_applied_when_delivered_again(
    state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = applying.payment_updated

    async def flaky(*args: Any, **kwargs: Any) -> None:
        calls.append("called")
        if len(calls) == 1:
            msg = "the database went away mid-message"
            raise RuntimeError(msg)
        await real(*args, **kwargs)

    monkeypatch.setattr(applying, "payment_updated", flaky)
    message = InboundMessage(
        message_id="MSG-RETRY-1", kind="PAYMENT_UPDATED", request_id="PAY-X", approved=True,
        reason=None, occurred_at=state.now(), data={"networkId": "PAY-X", "state": "SETTLED"},
    )  # fmt: skip
    with pytest.raises(RuntimeError):
        await inbound.handle(state, message)
    async with state.db.read() as session:  # the receipt went with the failed unit
        assert await session.get(InboundReceipt, "MSG-RETRY-1") is None
    await inbound.handle(state, message)  # the network delivers again: applied this time
    await inbound.handle(state, message)  # and a repeat is seen before
    assert calls == ["called", "called"]


class _Deadlock(Exception):  # noqa: N818 - stands for asyncpg's DeadlockDetectedError
    sqlstate = "40P01"


@pytest.mark.parametrize("failures", [1, 2, 3])
async def test_a_transaction_aborted_for_a_deadlock_runs_again_from_the_start(
    state: AppState, failures: int
) -> None:
    """PostgreSQL breaks a deadlock by aborting one side: that side kept nothing, so the
    mutation runs again (up to three times in all) instead of failing its client."""
    attempts: list[str] = []

    async def work(uow: Any) -> str:
        key = f"deadlock-{uuid.uuid4()}"
        attempts.append(key)
        await idempotency_repo.claim(
            uow.session, scope="test", operation="deadlock", key=key, fingerprint="f",
            result_id=uuid.uuid4(),
        )  # fmt: skip
        if len(attempts) <= failures:
            raise DBAPIError("SELECT … FOR UPDATE", None, _Deadlock("deadlock detected"))
        return key

    context = SimpleNamespace(app=state)
    if failures >= mutation.ATTEMPTS:
        with pytest.raises(DBAPIError):
            await mutation.run(context, work)  # type: ignore[arg-type]
    else:
        outcome = await mutation.run(context, work)  # type: ignore[arg-type]
        assert outcome.value == attempts[-1]
    assert len(attempts) == min(failures + 1, mutation.ATTEMPTS)
    async with state.db.read() as session:
        kept = [key for key in attempts if await idempotency_repo.find(
            session, scope="test", operation="deadlock", key=key) is not None]  # fmt: skip
    assert kept == ([] if failures >= mutation.ATTEMPTS else [attempts[-1]])
