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
from server import cli


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
