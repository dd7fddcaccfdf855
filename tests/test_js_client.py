"""Subscriptions through the reference ``graphql-ws`` npm client under Node: what Apollo, urql
and GraphiQL use. It rejects binary frames, so this proves the server speaks text frames."""

from __future__ import annotations

import asyncio
import json
import shutil
from typing import Any

import pytest

from resolvers.context import AppState
from tests.conftest import REPO_ROOT, Api, LiveServer, event_cursor

SCRIPT = REPO_ROOT / "tests" / "js" / "subscribe.mjs"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(
    NODE is None or not (SCRIPT.parent / "node_modules" / "graphql-ws").is_dir(),
    reason="node and tests/js/node_modules (`make test` installs them)",
)


class NodeClient:
    """One ``node subscribe.mjs`` process, read line by line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(
        cls, server: LiveServer, token: str, query: str, variables: dict[str, Any], count: int
    ) -> NodeClient:
        assert NODE is not None
        process = await asyncio.create_subprocess_exec(
            NODE,
            str(SCRIPT),
            server.ws_url,
            token,
            query,
            json.dumps(variables),
            str(count),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(process)

    async def line(self, timeout: float = 20) -> dict[str, Any]:
        assert self.process.stdout is not None
        raw = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        if not raw:
            assert self.process.stderr is not None
            stderr = await self.process.stderr.read()
            pytest.fail(f"node client ended: {stderr.decode()}")
        message: dict[str, Any] = json.loads(raw)
        return message

    async def finish(self) -> int:
        with_timeout = asyncio.wait_for(self.process.wait(), 20)
        return await with_timeout


EVENTS = """subscription($org: ID!, $after: String) {
  organisationEvents(organisationId: $org, after: $after) { cursor kind name }
}"""


async def test_reference_client_receives_live_events(
    api: Api, live_server: LiveServer, state: AppState
) -> None:
    owner = await api.sign_up()
    org = await api.organisation(owner, "Before")
    after = await event_cursor(state, org)
    client = await NodeClient.start(
        live_server, owner.token, EVENTS, {"org": org, "after": after}, 2
    )
    assert await client.line() == {"connected": True}
    rename = "mutation($i: OrganisationUpdateInput!) { organisationUpdate(input: $i) { userErrors { code } } }"
    for name in ("First Name", "Second Name"):
        await api.ok(rename, {"i": {"id": org, "name": name}}, token=owner.token)
    names = []
    for _ in range(2):
        message = await client.line()
        event = message["next"]["data"]["organisationEvents"]
        assert event["kind"] == "ORGANISATION_RENAMED"
        names.append(event["name"])
    assert names == ["First Name", "Second Name"]
    assert await client.line() == {"done": 2}
    assert await client.finish() == 0


async def test_reference_client_runs_queries_over_the_socket(
    api: Api, live_server: LiveServer
) -> None:
    owner = await api.sign_up()
    client = await NodeClient.start(
        live_server, owner.token, "query { viewer { account { email } } }", {}, 1
    )
    assert await client.line() == {"connected": True}
    message = await client.line()
    assert message == {"next": {"data": {"viewer": {"account": {"email": owner.email}}}}}


async def test_reference_client_is_refused_with_a_bad_token(live_server: LiveServer) -> None:
    client = await NodeClient.start(live_server, "bc_wrong", "query { __typename }", {}, 1)
    message = await client.line()
    assert message["code"] == 4403
    assert await client.finish() == 1
