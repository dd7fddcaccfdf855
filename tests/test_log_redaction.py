"""Personal data never reaches the logs, even when a database statement fails with it bound.

A trigger makes the database refuse writes to a table, so the statement fails inside the
driver with PAN, account numbers, e-mail and password hashes as its parameters.
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from server.logs import DropQueryStrings
from simulator.__main__ import _PathsOnly
from simulator.network import SimulatedNetwork
from tests.conftest import PASSWORD, Api
from tests.test_kyc import BANK, REPRESENTATIVE, UPDATE, _approved


@contextlib.asynccontextmanager
async def refusing_writes(state: AppState, table: str) -> AsyncIterator[None]:
    """Every INSERT or UPDATE on ``table`` fails in the database while the block runs."""
    async with state.db.engine.begin() as connection:
        if state.db.dialect == "postgresql":
            await connection.execute(
                text(
                    "CREATE FUNCTION refuse_write() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'refused for the test'; END $$ LANGUAGE plpgsql"
                )
            )
            await connection.execute(
                text(
                    f"CREATE TRIGGER refuse_write BEFORE INSERT OR UPDATE ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_write()"
                )
            )
        else:
            for when in ("INSERT", "UPDATE"):
                await connection.execute(
                    text(
                        f"CREATE TRIGGER refuse_{when.lower()} BEFORE {when} ON {table} "
                        "BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"
                    )
                )
    try:
        yield
    finally:
        async with state.db.engine.begin() as connection:
            if state.db.dialect == "postgresql":
                await connection.execute(text(f"DROP TRIGGER refuse_write ON {table}"))
                await connection.execute(text("DROP FUNCTION refuse_write()"))
            else:
                for when in ("insert", "update"):
                    await connection.execute(text(f"DROP TRIGGER refuse_{when}"))


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    """Everything the records say, tracebacks included, as a handler would write it."""
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        if record.exc_info and record.exc_info[1] is not None:
            parts.append("".join(traceback.format_exception(*record.exc_info)))
    return "\n".join(parts)


async def test_failed_sign_up_logs_no_email_or_password_hash(
    api: Api, state: AppState, caplog: pytest.LogCaptureFixture
) -> None:
    email = "private.person@example.com"
    signup = """mutation($i: AccountSignUpInput!) { accountSignUp(input: $i) { account { id } } }"""
    with caplog.at_level(logging.DEBUG):
        async with refusing_writes(state, "accounts"):
            body = await api(
                signup, {"i": {"email": email, "password": PASSWORD, "displayName": "P"}}
            )
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    logged = _logged(caplog)
    assert "refused for the test" not in logged  # the database's own message is left out too
    assert "RedactedDatabaseError" in logged  # ... but the failure is there, with its statement
    assert "INSERT INTO accounts" in logged
    for secret in (email, "private.person", PASSWORD, "$argon2"):
        assert secret not in logged


async def test_failed_kyc_update_logs_no_pan_account_number_or_mobile(
    api: Api,
    state: AppState,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    caplog: pytest.LogCaptureFixture,
) -> None:
    owner, org = await _approved(api, simulator, dispatcher)
    update = {"organisationId": org, "representative": REPRESENTATIVE, "bankAccount": BANK}
    with caplog.at_level(logging.DEBUG):
        async with refusing_writes(state, "kyc_profiles"):
            body = await api(UPDATE, {"i": update}, token=owner.token)
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    logged = _logged(caplog)
    assert "kyc_profiles" in logged
    for secret in (
        REPRESENTATIVE["pan"],
        REPRESENTATIVE["mobile"],
        REPRESENTATIVE["email"],
        BANK["number"],
        owner.token,
    ):
        assert secret not in logged
    # Nothing was written.
    async with state.db.read() as session:
        pans = (await session.execute(text("SELECT representative_pan FROM kyc_profiles"))).all()
    assert all(row[0] is None for row in pans)


@pytest.mark.parametrize("kept", [DropQueryStrings(), _PathsOnly()])
def test_access_logs_keep_paths_but_not_query_strings(kept: logging.Filter) -> None:
    """The API's uploads carry file names in the URL, the network service's OTP look-ups a
    mobile number or an e-mail address: neither reaches an access log."""
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/simulator/otp?to=9876543210", "1.1", 200), None,
    )  # fmt: skip
    assert kept.filter(record)
    assert "9876543210" not in record.getMessage()
    assert "/simulator/otp" in record.getMessage()
