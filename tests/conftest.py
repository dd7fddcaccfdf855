"""Fixtures: one migrated database and one running app per session, emptied after each test.

``TEST_DATABASE_URL`` picks the database (``tests.postgres_run`` sets a PostgreSQL one); by
default a fresh SQLite file in a temporary folder is used.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import event, text
from starlette.applications import Starlette

from db.base import Base
from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from server.app import create_app
from server.settings import Settings
from simulator.clock import ManualClock
from simulator.demo import demo_world
from simulator.network import SimulatedNetwork

ALLOWED_ORIGIN = "http://allowed.example"
PASSWORD = "Correct-Horse-Battery-9"
_counter = itertools.count()


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if url:
        return url
    return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    base = Settings.from_env(
        {
            "DATABASE_URL": database_url,
            "PASSWORD_HASH_PROFILE": "fast",
            "SEED_DEMO": "false",
            "CORS_ALLOWED_ORIGINS": ALLOWED_ORIGIN,
            "LOG_LEVEL": "WARNING",
            # Some tests make pages of 50 organisations with one account.
            "MAX_ORGANISATIONS_PER_DAY": "100",
            "MAX_SIGN_UPS_PER_HOUR": "1000",
        }
    )
    return replace(
        base,
        connection_init_timeout_seconds=2,
        background_tasks=False,
        kyc_storage_dir=tmp_path_factory.mktemp("kyc"),
    )


@pytest.fixture(scope="session")
def clock() -> ManualClock:
    """The service's and the simulator's time; tests move it."""
    return ManualClock()


@pytest.fixture(scope="session")
async def app(settings: Settings, clock: ManualClock) -> AsyncIterator[Starlette]:
    application = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
def state(app: Starlette) -> AppState:
    value: AppState = app.state.bc
    return value


@pytest.fixture(scope="session")
def simulator(app: Starlette) -> SimulatedNetwork:
    network: SimulatedNetwork = app.state.simulator
    return network


@pytest.fixture
async def control(simulator: SimulatedNetwork) -> AsyncIterator[httpx.AsyncClient]:
    """The simulator's control API (on the network service's port in production)."""
    from starlette.routing import Mount

    from simulator.control import control_routes
    from simulator.control_guard import ControlGuard

    app = Starlette(routes=[Mount("/simulator", app=ControlGuard(control_routes(simulator)))])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        yield http


@pytest.fixture(scope="session")
def dispatcher(state: AppState) -> Dispatcher:
    assert state.dispatcher is not None
    return state.dispatcher


@pytest.fixture(autouse=True)
async def _empty_tables(
    state: AppState, simulator: SimulatedNetwork, clock: ManualClock
) -> AsyncIterator[None]:
    """Every test starts with the demo world at the same moment, and leaves the database empty
    (servers it started wrote to it too)."""
    simulator.reset(demo_world())
    if state.dispatcher is not None:
        state.dispatcher.circuit_open_until = None
    started = clock.now()
    yield
    clock.rewind(started)
    async with state.db.engine.begin() as connection:
        if state.db.dialect == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            await connection.execute(text(f"TRUNCATE {names} CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                await connection.execute(table.delete())


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        yield http


@dataclass
class Member:
    """A signed-up account with its token."""

    email: str
    token: str
    account_id: str


class Api:
    """Posts GraphQL operations to the app."""

    def __init__(self, client: httpx.AsyncClient, network: SimulatedNetwork | None = None) -> None:
        self.client = client
        self.network = network
        self.verified: set[str] = set()

    async def verify_email(self, member: Member) -> None:
        """Prove the member's e-mail address with the code the network e-mailed."""
        if member.email in self.verified:
            return
        assert self.network is not None
        sent = await self.ok(
            "mutation { accountEmailCodeSend { userErrors { code } } }", token=member.token
        )
        assert sent["accountEmailCodeSend"]["userErrors"] == [], sent
        mail = [m for m in self.network.world.messages if m.to.lower() == member.email][-1]
        code = "".join(ch for ch in mail.text if ch.isdigit())[:6]
        verified = await self.ok(
            """mutation($i: AccountEmailVerifyInput!) { accountEmailVerify(input: $i) {
            account { emailVerified } userErrors { code } } }""",
            {"i": {"code": code}}, token=member.token,
        )  # fmt: skip
        assert verified["accountEmailVerify"]["account"]["emailVerified"] is True, verified
        self.verified.add(member.email)

    async def raw(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = {"content-type": "application/json", **(headers or {})}
        if token is not None:
            sent["authorization"] = f"Bearer {token}"
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        return await self.client.post("/graphql", json=body, headers=sent)

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        response = await self.raw(query, variables, token=token)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    async def ok(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """Data of an operation expected to succeed without errors of any kind."""
        result = await self(query, variables, token=token)
        assert "errors" not in result, result
        data: dict[str, Any] = result["data"]
        for value in data.values():
            if isinstance(value, dict) and "userErrors" in value:
                assert value["userErrors"] == [], value
        return data

    async def sign_up(self, name: str | None = None) -> Member:
        email = f"{name or 'user'}{next(_counter)}@example.com"
        data = await self.ok(
            """mutation($input: AccountSignUpInput!) { accountSignUp(input: $input) {
                account { id } accessToken { token } userErrors { code field message } } }""",
            {"input": {"email": email, "password": PASSWORD, "displayName": name or "User"}},
        )
        payload = data["accountSignUp"]
        return Member(email, payload["accessToken"]["token"], payload["account"]["id"])

    async def log_in(self, member: Member) -> str:
        """A second access token for the member."""
        data = await self.ok(
            """mutation($input: AccessTokenCreateInput!) { accessTokenCreate(input: $input) {
                accessToken { token } userErrors { code } } }""",
            {"input": {"email": member.email, "password": PASSWORD}},
        )
        token: str = data["accessTokenCreate"]["accessToken"]["token"]
        return token

    async def organisation(self, owner: Member, name: str = "Acme Traders") -> str:
        data = await self.ok(
            """mutation($input: OrganisationCreateInput!) { organisationCreate(input: $input) {
                organisation { id } userErrors { code field message } } }""",
            {"input": {"name": name}},
            token=owner.token,
        )
        org_id: str = data["organisationCreate"]["organisation"]["id"]
        return org_id

    async def invite(self, actor: Member, org_id: str, email: str, role: str) -> str:
        """Invite an address; the invitation's id."""
        data = await self.ok(
            """mutation($input: InvitationCreateInput!) { invitationCreate(input: $input) {
                invitation { id } userErrors { code field message } } }""",
            {"input": {"organisationId": org_id, "email": email, "role": role}},
            token=actor.token,
        )
        invitation_id: str = data["invitationCreate"]["invitation"]["id"]
        return invitation_id

    async def add_member(self, actor: Member, org_id: str, member: Member, role: str) -> str:
        """Invite the member and accept as the member (who proves the address first); the
        membership's id."""
        invitation_id = await self.invite(actor, org_id, member.email, role)
        await self.verify_email(member)
        data = await self.ok(
            """mutation($input: InvitationDecideInput!) { invitationAccept(input: $input) {
                membership { id } userErrors { code field message } } }""",
            {"input": {"id": invitation_id}},
            token=member.token,
        )
        membership_id: str = data["invitationAccept"]["membership"]["id"]
        return membership_id


@pytest.fixture
def api(client: httpx.AsyncClient, simulator: SimulatedNetwork) -> Api:
    return Api(client, simulator)


class StatementCounter:
    """Counts SQL statements sent by the app's engine (not the ``BEGIN`` that SQLite's
    transactions are opened with, which PostgreSQL's driver sends out of sight)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, _connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith("BEGIN"):
            self.count += 1


@pytest.fixture
def statements(state: AppState) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    event.listen(state.db.engine.sync_engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(state.db.engine.sync_engine, "before_cursor_execute", counter)


@dataclass
class LiveServer:
    """The app served by uvicorn on a loopback port."""

    port: int

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"


@pytest.fixture
async def live_server(app: Starlette) -> AsyncIterator[LiveServer]:
    """Serve the session's app over real HTTP/WebSocket (its lifespan already runs)."""
    import asyncio

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield LiveServer(port)
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=5)


REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _postgres_only(request: pytest.FixtureRequest, database_url: str) -> None:
    if request.node.get_closest_marker("postgres_only") and not database_url.startswith(
        "postgresql"
    ):
        pytest.skip("runs in the PostgreSQL pass of `make test`")


async def event_cursor(state: AppState, organisation_id: str) -> str:
    """The cursor of an organisation's latest event: subscribing ``after`` it cannot miss
    what happens next, however long the server takes to register the subscription."""
    from db.repositories import event as event_repo
    from resolvers.services.ids import decode_typed_id, encode_event_cursor

    key = decode_typed_id(organisation_id, "Organisation")
    assert key is not None
    async with state.db.read() as session:
        return encode_event_cursor(await event_repo.last_seq(session, key))


def _server(database_url: str, port: int, **settings: str) -> subprocess.Popen[bytes]:
    """The API served by a process of its own (``settings``: more environment)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PASSWORD_HASH_PROFILE": "fast",
        # Both servers seed at start, as the workers of one deployment do.
        "SEED_DEMO": "true",
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
        **settings,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@contextlib.asynccontextmanager
async def served_api(database_url: str, **settings: str) -> AsyncIterator[int]:
    """One API process with ``settings`` (environment), healthy; its port."""
    port = free_port()
    process = _server(database_url, port, **settings)
    try:
        await wait_healthy(port)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


async def wait_healthy(port: int) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            try:
                if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    msg = f"server on port {port} did not start"
    raise RuntimeError(msg)


@pytest.fixture
async def two_servers(database_url: str) -> AsyncIterator[tuple[int, int]]:
    ports = (free_port(), free_port())
    processes = [_server(database_url, port) for port in ports]
    try:
        await asyncio.gather(*(wait_healthy(port) for port in ports))
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)


async def post_to(
    port: int, query: str, variables: dict[str, object], token: str | None = None
) -> dict[str, object]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"http://127.0.0.1:{port}/graphql",
            json={"query": query, "variables": variables},
            headers=headers,
        )
    body: dict[str, object] = response.json()
    assert "errors" not in body, body
    data = body["data"]
    assert isinstance(data, dict)
    return data


def without_request_id(extensions: dict[str, Any]) -> dict[str, Any]:
    """An error's extensions without its ``requestId`` (different on every request)."""
    assert isinstance(extensions.get("requestId"), str), extensions
    return {key: value for key, value in extensions.items() if key != "requestId"}
