"""Unexpected errors are masked (message and details hidden) and logged in full."""

from __future__ import annotations

import logging

import pytest

from resolvers import account as account_resolvers
from resolvers.context import Context
from tests.conftest import Api


async def test_internal_error_text_never_reaches_the_client(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    member = await api.sign_up()

    async def explode(_context: Context) -> object:
        msg = "connection to db password=hunter2 failed"
        raise RuntimeError(msg)

    monkeypatch.setattr(account_resolvers, "viewer_account", explode)
    with caplog.at_level(logging.ERROR, logger="bharat_connect.errors"):
        response = await api.raw("{ viewer { account { id } } }", token=member.token)
    assert response.status_code == 200
    body = response.json()
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    (error,) = body["errors"]
    assert error["message"] == "Unexpected error."
    assert error["path"] == ["viewer"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    request_id = error["extensions"]["requestId"]
    assert len(request_id) == 32
    (record,) = [r for r in caplog.records if request_id in r.getMessage()]
    assert record.exc_info is not None
    assert "hunter2" in str(record.exc_info[1])


async def test_public_errors_keep_their_message_and_code(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="bharat_connect.errors"):
        body = await api("{ viewer { account { id } } }")
    assert body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    assert caplog.records == []
