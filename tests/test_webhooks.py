"""``POST /network/webhooks``: only signed, fresh deliveries are applied, each once."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from db.models import InboundReceipt, OutboxMessage
from resolvers.context import AppState
from resolvers.services.network_wire import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature

URL = "/network/webhooks"


def _message(message_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "messageId": message_id, "kind": "KYC_DECIDED", "requestId": f"KYC-{message_id}",
        "approved": True, "reason": None, "occurredAt": "2026-11-24T09:00:00+00:00", "data": {},
        **changes,
    }  # fmt: skip


def _signed(
    state: AppState, body: bytes, *, at: int | None = None, secret: str | None = None
) -> dict[str, str]:
    timestamp = int(time.time()) if at is None else at
    key = secret or state.settings.network_webhook_secret
    return {
        "content-type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(key, timestamp, body),
    }


async def _receipts(state: AppState) -> int:
    async with state.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(InboundReceipt)) or 0)


async def test_bad_or_stale_signatures_are_refused_and_logged(
    client: httpx.AsyncClient, state: AppState, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps(_message("MSG-1")).encode()
    with caplog.at_level(logging.WARNING, logger="bharat_connect.webhooks"):
        for headers in (
            {"content-type": "application/json"},
            _signed(state, body, secret="not-the-secret-" + "x" * 30),
            _signed(state, body, at=int(time.time()) - 301),
            _signed(state, body, at=int(time.time()) + 301),
            {**_signed(state, body), TIMESTAMP_HEADER: "soon"},
        ):
            refused = await client.post(URL, content=body, headers=headers)
            assert refused.status_code == 401
            assert refused.json()["code"] == "UNAUTHENTICATED"
        # The body changed after signing.
        tampered = await client.post(
            URL, content=body.replace(b"true", b"false"), headers=_signed(state, body)
        )
        assert tampered.status_code == 401
    assert sum("webhook refused" in r.getMessage() for r in caplog.records) == 6
    assert await _receipts(state) == 0


async def test_a_genuine_message_is_applied_once_however_often_it_comes(
    client: httpx.AsyncClient, state: AppState
) -> None:
    body = json.dumps(_message("MSG-2")).encode()
    for _ in range(3):  # a replay within the window, or the network delivering again
        taken = await client.post(URL, content=body, headers=_signed(state, body))
        assert taken.status_code == 200
        assert taken.json() == {"received": "MSG-2"}
    assert await _receipts(state) == 1


async def test_a_signed_body_that_is_not_a_message_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, state: AppState
) -> None:
    for payload in (
        b"not json",
        b"[]",
        json.dumps(_message("MSG-3", kind="SOMETHING_ELSE")).encode(),
        json.dumps(_message("MSG-4", occurredAt="2026-11-24T09:00:00")).encode(),
        json.dumps(_message("MSG-5", approved="yes")).encode(),
        json.dumps(_message("M" * 65)).encode(),
    ):
        refused = await client.post(URL, content=payload, headers=_signed(state, payload))
        assert refused.status_code == 400, payload
        assert refused.json()["code"] == "MALFORMED"
    assert await _receipts(state) == 0
    async with state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
