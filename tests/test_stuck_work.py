"""Stuck work through the CLI (`python -m server.cli outbox ...`): dead outbox messages listed,
shown, retried or dropped, every action audited with who, when and why."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import select

from db.models import OutboxAction, OutboxMessage, OutboxStatus
from resolvers.context import AppState
from resolvers.services import b2b_ids, pushes
from resolvers.services.ids import decode_typed_id
from server import cli
from tests.conftest import Api


async def _dead(state: AppState, kind: str) -> uuid.UUID:
    async with state.unit_of_work() as uow:
        message = OutboxMessage(
            kind=kind, payload={}, status=OutboxStatus.FAILED, attempts=8,
            next_attempt_at=state.now(), last_error="gave up after 8 attempts: timeout",
        )  # fmt: skip
        uow.session.add(message)
        await uow.session.flush()
        return message.id


async def _run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], database_url: str,
    *argv: str,
) -> tuple[int, str, str]:  # fmt: skip
    monkeypatch.setenv("DATABASE_URL", database_url)
    code = await asyncio.to_thread(cli.main, ["outbox", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


async def _message(state: AppState, message_id: uuid.UUID) -> OutboxMessage:
    async with state.db.read() as session:
        found = await session.get(OutboxMessage, message_id)
    assert found is not None
    return found


async def test_dead_messages_are_listed_retried_and_dropped_with_an_audit(
    state: AppState,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = await _dead(state, b2b_ids.REGISTER_KIND)
    second = await _dead(state, b2b_ids.REGISTER_KIND)
    pushed = await _dead(state, pushes.PUSH_KIND)
    code, out, _ = await _run(monkeypatch, capsys, database_url, "list")
    assert code == 0
    assert {str(first), str(second), str(pushed)} <= {line.split()[0] for line in out.splitlines()}
    assert "gave up after 8 attempts" in out
    # Retried: due now, no attempts, audited.
    code, out, _ = await _run(
        monkeypatch, capsys, database_url, "retry", str(first), "--reason", "network fixed",
        "--by", "asha (on call)",
    )  # fmt: skip
    assert code == 0 and "retry 1 message" in out
    retried = await _message(state, first)
    assert (retried.status, retried.attempts, retried.last_error) == (OutboxStatus.PENDING, 0, None)
    # Dropped, with the reason; shown with its history.
    code, _, _ = await _run(
        monkeypatch, capsys, database_url, "drop", str(second), "--reason", "the B2B ID was withdrawn",
        "--by", "asha",
    )  # fmt: skip
    assert code == 0
    assert (await _message(state, second)).status == OutboxStatus.DROPPED
    code, out, _ = await _run(monkeypatch, capsys, database_url, "show", str(second))
    assert "dropped by asha: the B2B ID was withdrawn" in out
    async with state.db.read() as session:
        actions = (await session.scalars(select(OutboxAction).order_by(OutboxAction.at))).all()
    assert [(a.message_id, a.action, a.actor) for a in actions] == [
        (first, "retried", "asha (on call)"), (second, "dropped", "asha"),
    ]  # fmt: skip


async def test_refused_actions_change_nothing(
    state: AppState,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pushed = await _dead(state, pushes.PUSH_KIND)
    dead = await _dead(state, b2b_ids.REGISTER_KIND)
    # A push that died was shown as failed to its people: they push again, it is not retried.
    code, _, err = await _run(
        monkeypatch, capsys, database_url, "retry", str(pushed), "--reason", "try"
    )
    assert code == 1 and "act on the subject" in err
    # A batch with one refusal does nothing at all.
    code, _, err = await _run(
        monkeypatch, capsys, database_url, "retry", str(dead), str(pushed), "--reason", "try"
    )
    assert code == 1
    assert (await _message(state, dead)).status == OutboxStatus.FAILED
    for argv in (
        ("retry", str(dead), "--reason", "   "),
        ("retry", str(dead), "--reason", "x" * 501),
        ("drop", str(uuid.uuid4()), "--reason", "gone"),
        ("retry", "not-a-uuid", "--reason", "x"),
        ("retry", "--reason", "nothing named"),
    ):
        code, _, err = await _run(monkeypatch, capsys, database_url, *argv)
        assert code in {1, 2} and err, argv
    assert (await _message(state, dead)).status == OutboxStatus.FAILED
    async with state.db.read() as session:
        assert (await session.scalars(select(OutboxAction))).all() == []
    # Retrying a pending (not dead) message is refused too.
    code, _, err = await _run(
        monkeypatch, capsys, database_url, "retry", str(dead), "--reason", "ok"
    )
    assert code == 0
    code, _, err = await _run(
        monkeypatch, capsys, database_url, "retry", str(dead), "--reason", "ok"
    )
    assert code == 1 and "not dead" in err


STUCK = """query($id: ID!) { organisation(id: $id) { stuckWork {
    id kind status attempts lastError actions { action actor reason } } } }"""
RETRY = """mutation($i: StuckMessageActInput!) { stuckMessageRetry(input: $i) {
    message { status attempts actions { action reason } } userErrors { code field message } } }"""
DROP = """mutation($i: StuckMessageActInput!) { stuckMessageDrop(input: $i) {
    message { status } userErrors { code field message } } }"""


async def _dead_for(state: AppState, organisation_id: str, kind: str) -> None:
    key = decode_typed_id(organisation_id, "Organisation")
    async with state.unit_of_work() as uow:
        uow.session.add(
            OutboxMessage(
                organisation_id=key, kind=kind, payload={}, status=OutboxStatus.FAILED,
                attempts=8, next_attempt_at=state.now(), last_error="gave up: timeout",
            )
        )  # fmt: skip


async def test_owners_and_admins_see_and_act_on_their_organisations_stuck_work(
    api: Api, state: AppState
) -> None:
    owner, staff, stranger = await api.sign_up(), await api.sign_up(), await api.sign_up()
    org = await api.organisation(owner, "Stuck Traders")
    other = await api.organisation(stranger, "Other Traders")
    await api.add_member(owner, org, staff, "STAFF")
    await _dead_for(state, org, b2b_ids.REGISTER_KIND)
    await _dead_for(state, org, pushes.PUSH_KIND)
    await _dead_for(state, other, b2b_ids.REGISTER_KIND)
    listed = (await api.ok(STUCK, {"id": org}, token=owner.token))["organisation"]["stuckWork"]
    assert sorted(m["kind"] for m in listed) == [b2b_ids.REGISTER_KIND, pushes.PUSH_KIND]
    assert (await api.ok(STUCK, {"id": org}, token=staff.token))["organisation"]["stuckWork"] == []
    register = next(m["id"] for m in listed if m["kind"] == b2b_ids.REGISTER_KIND)
    push = next(m["id"] for m in listed if m["kind"] == pushes.PUSH_KIND)
    foreign = (await api.ok(STUCK, {"id": other}, token=stranger.token))["organisation"][
        "stuckWork"
    ][0]["id"]
    # Staff may not; a stranger's message is not found; a push that died is not retried.
    refused = await api(RETRY, {"i": {"id": register, "reason": "again"}}, token=staff.token)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    errors = (await api(RETRY, {"i": {"id": foreign, "reason": "x"}}, token=owner.token))["data"][
        "stuckMessageRetry"
    ]["userErrors"]
    assert errors[0]["code"] == "NOT_FOUND"
    errors = (await api(RETRY, {"i": {"id": push, "reason": "x"}}, token=owner.token))["data"][
        "stuckMessageRetry"
    ]["userErrors"]
    assert errors[0]["field"] == ["input", "id"] and "subject" in errors[0]["message"]
    errors = (await api(RETRY, {"i": {"id": register, "reason": " "}}, token=owner.token))["data"][
        "stuckMessageRetry"
    ]["userErrors"]
    assert errors[0]["field"] == ["input", "reason"]
    retried = await api.ok(
        RETRY, {"i": {"id": register, "reason": "network fixed"}}, token=owner.token
    )
    assert retried["stuckMessageRetry"]["message"] == {
        "status": "PENDING", "attempts": 0, "actions": [{"action": "retried", "reason": "network fixed"}],
    }  # fmt: skip
    dropped = await api.ok(DROP, {"i": {"id": push, "reason": "pushed again"}}, token=owner.token)
    assert dropped["stuckMessageDrop"]["message"] == {"status": "DROPPED"}
    assert (await api.ok(STUCK, {"id": org}, token=owner.token))["organisation"]["stuckWork"] == []
