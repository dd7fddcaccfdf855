"""Unexpected errors are masked (message and details hidden) and logged in full."""

from __future__ import annotations

import logging

import pytest
from asyncpg.exceptions import ConnectionDoesNotExistError
from sqlalchemy.exc import DBAPIError

from resolvers import account as account_resolvers
from resolvers.context import Context
from server import app as app_module
from tests.conftest import Api, without_request_id


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
    assert without_request_id(body["errors"][0]["extensions"]) == {"code": "UNAUTHENTICATED"}
    assert caplog.records == []


@pytest.mark.parametrize("lost", ["invalidated", "driver"])
async def test_a_lost_database_connection_is_a_typed_error_to_try_again(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, lost: str
) -> None:
    """The database ended the connection under a request (a restart, a failover, an
    operator): the client is told to try again, not that something unexpected happened."""
    member = await api.sign_up()

    async def drop(_context: Context) -> object:
        if lost == "invalidated":
            raise DBAPIError("SELECT 1", None, OSError("server closed the connection"),
                             connection_invalidated=True)  # fmt: skip
        raise ConnectionDoesNotExistError("connection was closed in the middle of operation")

    monkeypatch.setattr(account_resolvers, "viewer_account", drop)
    with caplog.at_level(logging.WARNING, logger="bharat_connect.errors"):
        body = await api("{ viewer { account { id } } }", token=member.token)
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert error["message"].startswith("The connection to the database was lost")
    assert "closed" not in error["message"]
    assert [r.levelname for r in caplog.records] == ["WARNING"]  # no traceback: not a bug


async def test_a_worker_starting_while_the_database_drops_connections_waits_for_it() -> None:
    """A worker that failed its startup would stop its supervisor, and so every worker."""
    calls = []

    async def flaky() -> None:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionDoesNotExistError("connection was closed")

    await app_module._until_connected(flaky)
    assert len(calls) == 3

    async def broken() -> None:
        msg = "a migration that cannot run"
        raise ValueError(msg)

    with pytest.raises(ValueError, match="cannot run"):  # any other failure stops at once
        await app_module._until_connected(broken)
