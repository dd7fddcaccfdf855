"""What one request may cost: a node limit computed before execution, bounded lists, batched
per-row lookups, an execution deadline, and one log entry for one failure."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

import pytest
from graphql import GraphQLError

from resolvers import documents as document_resolvers
from resolvers.context import AppState, Context
from schema.extensions import log_unexpected
from simulator.demo import GANGA_UP
from tests.conftest import Api, StatementCounter, without_request_id
from tests.test_contacts import _create
from tests.test_documents import CREATE, LAPTOP, _doc, _seller

WORST = """query($id: ID!) { organisation(id: $id) {
  %s
} }"""
DOCS_WITH_LINES = """d%d: documents(first: 100) { nodes { number lines { description total { amount } }
  contact { displayName sameGstinContacts(first: 100) { displayName } } } }"""
CONTACTS = """query($id: ID!, $n: Int) { organisation(id: $id) { contacts(first: $n) {
  nodes { displayName sameGstinContacts { displayName } } } } }"""


async def test_the_worst_probe_query_is_refused_before_anything_runs(
    api: Api, statements: StatementCounter
) -> None:
    owner = await api.sign_up()
    org = await api.organisation(owner)
    query = WORST % "\n".join(DOCS_WITH_LINES % i for i in range(15))
    statements.count = 0
    body = await api(query, {"id": org}, token=owner.token)
    (error,) = body["errors"]
    assert body.get("data") is None
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    # 15 x (100 documents + 100 x 200 lines + 100 x 100 branches)
    assert error["extensions"]["cost"] == 15 * (100 + 100 * 200 + 100 * 100)
    assert error["extensions"]["maxCost"] == 25_000
    assert statements.count == 0  # refused before authentication or any read


async def test_a_page_of_fifty_documents_with_lines_is_accepted(api: Api) -> None:
    owner, org, _local, delhi = await _seller(api)
    await api.ok(CREATE, {"i": _doc(org, delhi, lines=[LAPTOP])}, token=owner.token)
    query = WORST % "documents(first: 50) { nodes { number lines { description } } }"
    data = await api.ok(query, {"id": org}, token=owner.token)
    assert len(data["organisation"]["documents"]["nodes"]) == 1


async def test_cost_follows_variables_fragments_and_aliases(api: Api) -> None:
    owner = await api.sign_up()
    org = await api.organisation(owner)
    fragment = "fragment F on Document { lines { description } history(last: 100) { action } }"
    query = (
        "query($id: ID!, $n: Int) { organisation(id: $id) { "
        "a: documents(first: $n) { nodes { ...F } } b: documents(first: $n) { nodes { ...F } } } } "
        + fragment
    )
    fine = await api(query, {"id": org, "n": 30}, token=owner.token)
    assert "errors" not in fine  # 2 x (30 + 30 x 300) = 18,060
    refused = await api(query, {"id": org, "n": 50}, token=owner.token)
    assert refused["errors"][0]["extensions"]["cost"] == 2 * (50 + 50 * 300)


async def test_bounded_lists_refuse_oversized_pages(api: Api) -> None:
    owner = await api.sign_up()
    org = await api.organisation(owner)
    query = WORST % "contacts { nodes { sameGstinContacts(first: 101) { id } } }"
    body = await api(query, {"id": org}, token=owner.token)
    assert "errors" not in body  # no contacts: nothing resolved the list
    await _create(api, owner, org, name="Ganga Steel Kanpur", gstin_value=GANGA_UP)
    body = await api(query, {"id": org}, token=owner.token)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_same_gstin_contacts_are_batched(api: Api, statements: StatementCounter) -> None:
    owner = await api.sign_up()
    org = await api.organisation(owner)
    for i in range(6):
        await _create(api, owner, org, name=f"Ganga Steel {i}", gstin_value=GANGA_UP)
    counts = []
    for size in (2, 6):
        statements.count = 0
        data = await api.ok(CONTACTS, {"id": org, "n": size}, token=owner.token)
        nodes = data["organisation"]["contacts"]["nodes"]
        assert len(nodes) == size
        assert all(len(n["sameGstinContacts"]) == 5 for n in nodes)
        counts.append(statements.count)
    assert counts[0] == counts[1]


async def test_the_execution_deadline_stops_a_slow_request(
    api: Api, state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, org, _local, delhi = await _seller(api)
    await api.ok(CREATE, {"i": _doc(org, delhi)}, token=owner.token)

    async def slow(context: Context, document_id: Any, last: int) -> list[Any]:
        await asyncio.sleep(30)
        return []

    monkeypatch.setattr(document_resolvers, "history", slow)
    monkeypatch.setattr(state, "settings", replace(state.settings, request_timeout_seconds=1))
    body = await api(
        WORST % "documents { nodes { history { action } } }", {"id": org}, token=owner.token
    )
    (error,) = body["errors"]
    assert without_request_id(error["extensions"]) == {"code": "TIMEOUT"}
    assert body.get("data") is None


def test_one_failure_is_logged_once_per_request(caplog: pytest.LogCaptureFixture) -> None:
    class Ctx:
        request_id = "r1"

    errors = [
        GraphQLError("x", path=["documents", i, "history"], original_error=RuntimeError("pool"))
        for i in range(5)
    ]
    with caplog.at_level(logging.ERROR, logger="bharat_connect.errors"):
        log_unexpected(errors, Ctx())
    (record,) = caplog.records
    assert "4 more unexpected errors" in record.getMessage()
    assert "r1" in record.getMessage()
    assert record.exc_info is not None


async def test_variable_defaults_count_too(api: Api) -> None:
    owner = await api.sign_up()
    org = await api.organisation(owner)
    query = """query($id: ID!, $n: Int = 100) { organisation(id: $id) {
        a: documents(first: $n) { nodes { lines { description } } }
        b: documents(first: $n) { nodes { lines { description } } } } }"""
    body = await api(query, {"id": org}, token=owner.token)
    assert body["errors"][0]["extensions"]["cost"] == 2 * (100 + 100 * 200)
