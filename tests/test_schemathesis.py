"""Property-based testing of every query and mutation with schemathesis.

Runs against a scratch SQLite database of its own (schemathesis creates real rows), as a
signed-in user that owns an organisation. Whatever it sends, the service must answer with JSON,
never a 5xx, and every error must be one of the public kinds with a code: nothing masked as
"Unexpected error." (that would be a bug), and no stray exception text.
"""

from __future__ import annotations

import asyncio
import atexit
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes

from db import migrate
from db.engine import Database
from resolvers.broker import MemoryBroker
from resolvers.context import AppState
from resolvers.services import accounts, organisations
from resolvers.services.passwords import make_hasher
from server.app import create_app
from server.settings import Settings
from simulator.clock import SystemClock
from simulator.network import SimulatedNetwork
from simulator.world import World
from tests.conftest import PASSWORD

PUBLIC_CODES = {
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "BAD_USER_INPUT",
    "GRAPHQL_VALIDATION_FAILED",
    "GRAPHQL_PARSE_FAILED",
    # Generated selections can nest lists deeply: refused before execution, by design.
    "QUERY_TOO_COMPLEX",
}

# Strings: ordinary text, and text with the characters every input must refuse cleanly
# (NUL and other controls, bidirectional overrides, zero-width characters).
_HOSTILE = st.sampled_from(["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u202e", "\u2066", "\u200b"])
schemathesis.graphql.scalar(
    "String",
    st.one_of(
        st.text(max_size=30),
        st.tuples(st.text(max_size=10), _HOSTILE, st.text(max_size=10)).map("".join),
    ).map(nodes.String),
)
# A file cannot be a literal: whatever is written in its place must be refused cleanly.
schemathesis.graphql.scalar("Upload", st.text(max_size=10).map(nodes.String))
schemathesis.graphql.scalar(
    "Decimal",
    st.from_regex(r"\A-?(0|[1-9][0-9]{0,5})(\.[0-9]{1,2})?\Z").map(nodes.String),
)


async def _prepare(settings: Settings) -> str:
    db = Database(settings.database_url)
    try:
        await migrate.upgrade(db.engine)
        state = AppState(
            settings,
            db,
            MemoryBroker(),
            make_hasher("fast"),
            SimulatedNetwork(World(), SystemClock()),
        )
        async with state.unit_of_work() as uow:
            issued = await accounts.sign_up(
                uow,
                state.hasher,
                email="fuzz@example.com",
                password=PASSWORD,
                display_name="Fuzz",
                ttl=state.token_ttl,
            )
            viewer = accounts.Viewer(issued.account.id, issued.record.id)
            await organisations.create(uow, viewer, name="Fuzz Org", idempotency_key=None)
        return issued.value
    finally:
        await db.dispose()


# A scratch database of its own: schemathesis loads the schema at import time and creates
# real rows. (schemathesis.pytest.from_fixture does not work with this pytest.)
_SCRATCH = Path(tempfile.mkdtemp(prefix="bc-fuzz-"))
atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)
FUZZ_SETTINGS = replace(
    Settings.from_env(
        {"PASSWORD_HASH_PROFILE": "fast", "SEED_DEMO": "false", "LOG_LEVEL": "ERROR"}
    ),
    database_url=f"sqlite+aiosqlite:///{_SCRATCH / 'fuzz.db'}",
)
_TOKEN: list[str] = []


def _token() -> str:
    if not _TOKEN:
        _TOKEN.append(asyncio.run(_prepare(FUZZ_SETTINGS)))
    return _TOKEN[0]


schema = schemathesis.graphql.from_asgi("/graphql", create_app(FUZZ_SETTINGS))


@schema.parametrize()
@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)
def test_every_operation_answers_cleanly(case: Any) -> None:
    response = case.call(headers={"Authorization": f"Bearer {_token()}"})
    assert response.status_code < 500, response.text
    body = response.json()
    assert isinstance(body, dict)
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert code in PUBLIC_CODES, error
        assert "Traceback" not in error["message"]
    assert "data" in body or "errors" in body
