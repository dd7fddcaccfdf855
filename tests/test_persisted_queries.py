"""Persisted queries (Apollo's and urql's automatic protocol), trusted documents, and queries
over GET: the protocol exactly as the clients expect it, hashes checked, the store shared and
bounded, and nothing registered that did not run."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from db.models import PersistedQuery
from db.repositories import persisted_query as repo
from resolvers.context import AppState
from server.graphql_view import GraphQLView
from server.persisted_queries import PersistedQueries, digest
from server.settings import Settings, SettingsError
from tests.conftest import REPO_ROOT, Api, LiveServer, without_request_id

VIEWER = "query Viewer { viewer { account { email } } }"
CREATE = (
    "mutation Create($input: OrganisationCreateInput!) "
    "{ organisationCreate(input: $input) { organisation { id } userErrors { code } } }"
)


def _persisted(query: str | None, sha256: str, **body: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256}},
        **body,
    }
    if query is not None:
        request["query"] = query
    return request


def _auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def _stored(state: AppState) -> int:
    async with state.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(PersistedQuery)) or 0)


def _view(app: Starlette) -> GraphQLView:
    for route in app.routes:
        endpoint = getattr(route, "endpoint", None)
        if isinstance(endpoint, GraphQLView):
            return endpoint
    raise AssertionError("no GraphQL view")


@pytest.fixture
def view(app: Starlette) -> Iterator[GraphQLView]:
    """The served view; its persisted-query handling is restored after the test."""
    found = _view(app)
    persisted = found.persisted
    found.persisted = PersistedQueries(
        persisted_settings(), found.state.db.read, found.state.unit_of_work, found.state.now
    )
    yield found
    found.persisted = persisted


def persisted_settings(**env: str) -> Settings:
    return Settings.from_env(env)


async def test_the_automatic_protocol_as_apollo_and_urql_speak_it(
    api: Api, client: httpx.AsyncClient, state: AppState, view: GraphQLView
) -> None:
    member = await api.sign_up()
    sha256 = digest(VIEWER)
    # 1. The hash alone: not known yet, with the error the clients look for.
    first = await client.post(
        "/graphql", json=_persisted(None, sha256), headers=_auth(member.token)
    )
    assert first.status_code == 200
    [error] = first.json()["errors"]
    assert error["message"] == "PersistedQueryNotFound"
    assert without_request_id(error["extensions"]) == {"code": "PERSISTED_QUERY_NOT_FOUND"}
    # 2. The client sends the query with its hash: it runs and is registered.
    second = await client.post(
        "/graphql", json=_persisted(VIEWER, sha256), headers=_auth(member.token)
    )
    assert second.json() == {"data": {"viewer": {"account": {"email": member.email}}}}
    assert await _stored(state) == 1
    # 3. Later the hash alone runs it, over POST and over GET, in any worker (a fresh view
    # with nothing in memory reads the shared table).
    view.persisted = PersistedQueries(
        persisted_settings(), state.db.read, state.unit_of_work, state.now
    )
    again = await client.post(
        "/graphql", json=_persisted(None, sha256), headers=_auth(member.token)
    )
    assert again.json() == second.json()
    got = await client.get(
        "/graphql",
        params={
            "operationName": "Viewer",
            "extensions": json.dumps({"persistedQuery": {"version": 1, "sha256Hash": sha256}}),
        },
        headers={**_auth(member.token), "accept": "application/graphql-response+json"},
    )
    assert got.status_code == 200
    assert got.json() == second.json()
    assert got.headers["cache-control"] == "private, no-store"
    assert await _stored(state) == 1


async def test_a_mutation_may_be_persisted_and_runs_only_over_post(
    api: Api, client: httpx.AsyncClient, state: AppState, view: GraphQLView
) -> None:
    member = await api.sign_up()
    sha256 = digest(CREATE)
    variables = {"input": {"name": "Persisted Traders"}}
    registered = await client.post(
        "/graphql",
        json=_persisted(CREATE, sha256, variables=variables),
        headers=_auth(member.token),
    )
    assert registered.json()["data"]["organisationCreate"]["userErrors"] == []
    by_hash = await client.post(
        "/graphql",
        json=_persisted(None, sha256, variables={"input": {"name": "Hashed Traders"}}),
        headers=_auth(member.token),
    )
    assert by_hash.json()["data"]["organisationCreate"]["userErrors"] == []
    over_get = await client.get(
        "/graphql",
        params={
            "extensions": json.dumps({"persistedQuery": {"version": 1, "sha256Hash": sha256}}),
            "variables": json.dumps({"input": {"name": "Fetched Traders"}}),
        },
        headers=_auth(member.token),
    )
    assert over_get.status_code == 405
    assert over_get.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    names = await api.ok("{ viewer { organisations { nodes { name } } } }", token=member.token)
    assert sorted(n["name"] for n in names["viewer"]["organisations"]["nodes"]) == [
        "Hashed Traders", "Persisted Traders",
    ]  # fmt: skip


async def test_queries_run_over_get_and_mutations_do_not(
    api: Api, client: httpx.AsyncClient
) -> None:
    member = await api.sign_up()
    got = await client.get("/graphql", params={"query": VIEWER}, headers=_auth(member.token))
    assert got.status_code == 200
    assert got.json() == {"data": {"viewer": {"account": {"email": member.email}}}}
    assert got.headers["cache-control"] == "private, no-store"
    refused = await client.get(
        "/graphql",
        params={"query": CREATE, "variables": json.dumps({"input": {"name": "Via Get"}})},
        headers=_auth(member.token),
    )
    assert refused.status_code == 405
    assert refused.json()["errors"][0]["message"] == "Mutations are sent with POST."
    names = await api.ok("{ viewer { organisations { nodes { name } } } }", token=member.token)
    assert names["viewer"]["organisations"]["nodes"] == []
    posted = await api.raw(VIEWER, token=member.token)
    assert posted.headers["cache-control"] == "private, no-store"


async def test_a_query_that_does_not_match_its_hash_is_refused_and_not_kept(
    api: Api, client: httpx.AsyncClient, state: AppState, view: GraphQLView
) -> None:
    member = await api.sign_up()
    other = digest("{ banks { name } }")
    refused = await client.post(
        "/graphql", json=_persisted(VIEWER, other), headers=_auth(member.token)
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"
    assert await _stored(state) == 0
    # Hash-only for that hash still finds nothing: the mismatched text was never kept.
    lookup = await client.post(
        "/graphql", json=_persisted(None, other), headers=_auth(member.token)
    )
    assert lookup.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_document_refused_before_running_or_too_large_is_not_registered(
    api: Api, client: httpx.AsyncClient, state: AppState, view: GraphQLView
) -> None:
    member = await api.sign_up()
    for document in (
        "{ viewer { nosuchfield } }",
        "{ viewer {",
        "{ " + "a: __typename " * 20 + "}",
    ):
        sent = await client.post(
            "/graphql", json=_persisted(document, digest(document)), headers=_auth(member.token)
        )
        assert sent.status_code in {200, 400}
        assert sent.json()["errors"], document
    assert await _stored(state) == 0


@pytest.mark.parametrize(
    ("persisted", "code"),
    [
        ({"version": 2, "sha256Hash": "a" * 64}, "PERSISTED_QUERY_NOT_SUPPORTED"),
        ({"version": 1, "sha256Hash": "not-a-hash"}, "BAD_REQUEST"),
        ({"version": 1, "sha256Hash": "g" * 64}, "BAD_REQUEST"),
        ({"version": 1}, "BAD_REQUEST"),
        ("a" * 64, "BAD_REQUEST"),
        ({"version": True, "sha256Hash": "a" * 64}, "PERSISTED_QUERY_NOT_SUPPORTED"),
    ],
)
async def test_malformed_persisted_query_extensions_are_clear_errors(
    client: httpx.AsyncClient, state: AppState, persisted: object, code: str
) -> None:
    sent = await client.post("/graphql", json={"extensions": {"persistedQuery": persisted}})
    assert sent.status_code == 400
    assert sent.json()["errors"][0]["extensions"]["code"] == code
    assert await _stored(state) == 0


async def test_persisted_queries_can_be_turned_off(
    api: Api, client: httpx.AsyncClient, view: GraphQLView, state: AppState
) -> None:
    view.persisted = PersistedQueries(
        persisted_settings(PERSISTED_QUERIES="false"), state.db.read, state.unit_of_work, state.now
    )
    member = await api.sign_up()
    sent = await client.post(
        "/graphql", json=_persisted(None, digest(VIEWER)), headers=_auth(member.token)
    )
    assert sent.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_SUPPORTED"
    plain = await api.ok(VIEWER, token=member.token)
    assert plain["viewer"]["account"]["email"] == member.email


async def test_the_store_keeps_the_most_recently_used(state: AppState) -> None:
    base = state.now()
    async with state.unit_of_work() as uow:
        for number in range(5):
            text = f"query Q{number} {{ __typename }}"
            await repo.register(
                uow.session, digest(text), text, base.replace(microsecond=number), keep=3
            )
    async with state.unit_of_work() as uow:
        # Q0 is touched: it is now more recent than Q1 and Q2.
        first = "query Q0 { __typename }"
        await repo.touch(uow.session, digest(first), base.replace(microsecond=10))
    async with state.db.read() as session:
        kept = set((await session.scalars(select(PersistedQuery.document))).all())
    assert kept == {"query Q2 { __typename }", "query Q3 { __typename }", "query Q4 { __typename }"}
    async with state.unit_of_work() as uow:
        text = "query Q5 { __typename }"
        await repo.register(uow.session, digest(text), text, base.replace(microsecond=20), keep=3)
    async with state.db.read() as session:
        kept = set((await session.scalars(select(PersistedQuery.document))).all())
    assert kept == {"query Q3 { __typename }", "query Q4 { __typename }", "query Q5 { __typename }"}


def _apollo_manifest(path: Path, *documents: str) -> Path:
    path.write_text(
        json.dumps(
            {
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [
                    {"id": digest(text), "name": f"Op{n}", "type": "query", "body": text}
                    for n, text in enumerate(documents)
                ],
            }
        ),
        encoding="utf-8",
    )
    return path


async def test_trusted_documents_only_runs_what_the_manifest_holds(
    api: Api, client: httpx.AsyncClient, view: GraphQLView, state: AppState, tmp_path: Path
) -> None:
    member = await api.sign_up()
    manifest = _apollo_manifest(tmp_path / "manifest.json", VIEWER)
    view.persisted = PersistedQueries(
        persisted_settings(TRUSTED_DOCUMENTS_ONLY="true", TRUSTED_DOCUMENTS_MANIFEST=str(manifest)),
        state.db.read, state.unit_of_work, state.now,
    )  # fmt: skip
    expected = {"data": {"viewer": {"account": {"email": member.email}}}}
    by_hash = await client.post(
        "/graphql", json=_persisted(None, digest(VIEWER)), headers=_auth(member.token)
    )
    assert by_hash.json() == expected
    by_id = await client.post(
        "/graphql", json={"documentId": digest(VIEWER)}, headers=_auth(member.token)
    )
    assert by_id.json() == expected
    assert (await api(VIEWER, token=member.token)) == expected  # the same text, sent whole
    for document in ("{ banks { name } }", VIEWER + " "):
        refused = await api.raw(document, token=member.token)
        assert refused.status_code == 400
        assert refused.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
    # An automatic registration is no way in: the unknown hash is not found, and the query
    # sent with it is refused.
    other = "{ banks { name } }"
    assert (await client.post("/graphql", json=_persisted(None, digest(other)))).json()["errors"][
        0
    ]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert (await client.post("/graphql", json=_persisted(other, digest(other)))).status_code == 400
    unknown = await client.post("/graphql", json={"documentId": "nope"})
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
    assert await _stored(state) == 0


async def test_a_relay_manifest_names_documents_by_its_own_ids(
    api: Api, client: httpx.AsyncClient, view: GraphQLView, state: AppState, tmp_path: Path
) -> None:
    manifest = tmp_path / "relay.json"
    manifest.write_text(json.dumps({"3f1c0a": VIEWER}), encoding="utf-8")
    view.persisted = PersistedQueries(
        persisted_settings(TRUSTED_DOCUMENTS_MANIFEST=str(manifest)),
        state.db.read, state.unit_of_work, state.now,
    )  # fmt: skip
    member = await api.sign_up()
    by_id = await client.get(
        "/graphql", params={"documentId": "3f1c0a"}, headers=_auth(member.token)
    )
    assert by_id.json() == {"data": {"viewer": {"account": {"email": member.email}}}}
    both = await client.post(
        "/graphql", json={"documentId": "3f1c0a", "query": VIEWER}, headers=_auth(member.token)
    )
    assert both.status_code == 400
    # Without TRUSTED_DOCUMENTS_ONLY other documents still run.
    assert (await api.ok("{ banks { name } }", token=member.token))["banks"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "cannot read"),
        ("[]", "expected Apollo's or Relay's manifest"),
        (
            '{"format": "apollo-persisted-query-manifest", "version": 2, "operations": []}',
            "version 1",
        ),
        (
            '{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id": "x"}]}',
            "string id and body",
        ),
        ('{"a": 1}', "string id and body"),
        ("{}", "no operation"),
    ],
)
def test_a_bad_manifest_stops_the_service_with_a_clear_message(
    tmp_path: Path, content: str, message: str
) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(content, encoding="utf-8")
    settings = persisted_settings(
        TRUSTED_DOCUMENTS_ONLY="true", TRUSTED_DOCUMENTS_MANIFEST=str(manifest)
    )
    with pytest.raises(SettingsError, match=message):
        PersistedQueries(settings, _unused, _unused, _unused)


def _unused() -> Any:
    raise AssertionError


def test_trusted_documents_only_needs_a_manifest_that_exists(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="needs TRUSTED_DOCUMENTS_MANIFEST"):
        persisted_settings(TRUSTED_DOCUMENTS_ONLY="true")
    with pytest.raises(SettingsError, match="no such file"):
        persisted_settings(TRUSTED_DOCUMENTS_MANIFEST=str(tmp_path / "missing.json"))
    with pytest.raises(SettingsError, match="PERSISTED_QUERIES_MAX"):
        persisted_settings(PERSISTED_QUERIES_MAX="0")


PERSISTED_SCRIPT = REPO_ROOT / "tests" / "js" / "persisted.mjs"
NODE = shutil.which("node")


@pytest.mark.skipif(
    NODE is None or not (PERSISTED_SCRIPT.parent / "node_modules" / "@apollo").is_dir(),
    reason="node and tests/js/node_modules (`make test` installs them)",
)
async def test_apollo_client_and_urql_persist_their_queries(
    api: Api, live_server: LiveServer, view: GraphQLView, state: AppState
) -> None:
    """The real clients under Node: the first request of each sends only the hash (over GET),
    is told PERSISTED_QUERY_NOT_FOUND, sends the query with it (Apollo over POST, urql over
    GET); the second sends the hash alone over GET and gets its answer."""
    assert NODE is not None
    member = await api.sign_up()
    process = await asyncio.create_subprocess_exec(
        NODE, str(PERSISTED_SCRIPT), f"http://127.0.0.1:{live_server.port}/graphql",
        member.token, "query ApolloViewer { viewer { account { email } } }",
        "query UrqlViewer { viewer { account { email displayName } } }",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, (stdout.decode(), stderr.decode())
    report = json.loads(stdout)
    for client in ("apollo", "urql"):
        retry_method = "POST" if client == "apollo" else "GET"
        methods = [r["method"] for r in report["requests"][client]]
        assert methods == ["GET", retry_method, "GET"], report
        first, retry, later = report["requests"][client]
        assert not first["carriesQuery"] and first["codes"] == ["PERSISTED_QUERY_NOT_FOUND"]
        assert retry["carriesQuery"] and retry["codes"] == []
        assert not later["carriesQuery"] and later["codes"] == [] and later["status"] == 200
        assert [r["error"] for r in report[client]] == [None, None]
        emails = [r["data"]["viewer"]["account"]["email"] for r in report[client]]
        assert emails == [member.email, member.email]
    assert await _stored(state) == 2


BATCH_SCRIPT = REPO_ROOT / "tests" / "js" / "batch.mjs"


@pytest.mark.skipif(
    NODE is None or not (BATCH_SCRIPT.parent / "node_modules" / "@apollo").is_dir(),
    reason="node and tests/js/node_modules (`make test` installs them)",
)
async def test_apollo_clients_batch_link_sends_one_request_for_several_queries(
    api: Api, live_server: LiveServer
) -> None:
    """Apollo Client's BatchHttpLink under Node: three queries made at once go as one POST of
    a JSON array, and each gets its own answer."""
    assert NODE is not None
    member = await api.sign_up("batcher")
    process = await asyncio.create_subprocess_exec(
        NODE, str(BATCH_SCRIPT), f"http://127.0.0.1:{live_server.port}/graphql", member.token,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, (stdout.decode(), stderr.decode())
    report = json.loads(stdout)
    assert report["requests"] == [{"operations": 3, "status": 200}], report
    assert [r["error"] for r in report["results"]] == [None, None, None]
    email, name, typename = (r["data"] for r in report["results"])
    assert email["viewer"]["account"]["email"] == member.email
    assert name["viewer"]["account"]["displayName"] == "batcher"
    assert typename["__typename"] == "Query"
