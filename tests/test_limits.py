"""Request limits: depth, aliases, tokens, directives, body size, GET, suggestions, bad bodies."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from resolvers.context import AppState
from server.settings import DEFAULT_CORS_HEADERS, Settings, SettingsError
from tests.conftest import Api, without_request_id

PREFIX = "query { viewer { account { id } } }"


def _only_error(body: dict[str, Any]) -> dict[str, Any]:
    errors = body["errors"]
    assert isinstance(errors, list)
    assert len(errors) == 1, errors
    error = errors[0]
    assert isinstance(error, dict)
    return error


async def test_depth_limit(api: Api) -> None:
    member = await api.sign_up()
    nest = "organisation { members { nodes { organisation { members { nodes { id } } } } } }"
    ok = "query { viewer { organisations { nodes { members { nodes { account { id } } } } } } }"
    await api.ok(ok, token=member.token)
    too_deep = "query { viewer { organisations { nodes { members { nodes { " + nest + " } } } } } }"
    body = await api(too_deep, token=member.token)
    error = _only_error(body)
    assert "exceeds maximum operation depth of 10" in str(error["message"])
    assert without_request_id(error["extensions"]) == {"code": "GRAPHQL_VALIDATION_FAILED"}
    assert body.get("data") is None


async def test_alias_limit_counts_through_fragments(api: Api) -> None:
    member = await api.sign_up()
    fifteen = " ".join(f"a{i}: __typename" for i in range(15))
    await api.ok("query { " + fifteen + " }", token=member.token)
    sixteen = "query { " + fifteen + " a15: __typename }"
    assert "16 aliases found" in str(_only_error(await api(sixteen, token=member.token))["message"])
    fragment = "fragment F on Query { " + " ".join(f"f{i}: __typename" for i in range(8)) + " }"
    twice = "query { ...F ...G } " + fragment + " fragment G on Query { ...F }"
    error = _only_error(await api(twice, token=member.token))
    assert "aliases found" in str(error["message"])


async def test_token_limit(api: Api) -> None:
    member = await api.sign_up()
    many = "query { " + " ".join(["__typename"] * 2100) + " }"
    error = _only_error(await api(many, token=member.token))
    assert without_request_id(error["extensions"]) == {"code": "GRAPHQL_PARSE_FAILED"}
    assert "more than 2000 tokens" in str(error["message"])


async def test_directive_limit(api: Api) -> None:
    member = await api.sign_up()
    fine = "query { " + " ".join(["... @include(if: true) { __typename }"] * 50) + " }"
    await api.ok(fine, token=member.token)
    too_many = "query { " + " ".join(["... @include(if: true) { __typename }"] * 51) + " }"
    error = _only_error(await api(too_many, token=member.token))
    assert "Too many directives" in str(error["message"])


async def test_unknown_directives_collapse_to_one_error(api: Api) -> None:
    member = await api.sign_up()
    query = "query { __typename " + " ".join(f"@d{i}" for i in range(10)) + " }"
    error = _only_error(await api(query, token=member.token))
    assert without_request_id(error["extensions"]) == {
        "code": "GRAPHQL_VALIDATION_FAILED",
        "errorCount": 10,
    }


async def test_no_field_suggestions(api: Api) -> None:
    member = await api.sign_up()
    error = _only_error(await api("query { viewr { account { id } } }", token=member.token))
    assert error["message"] == "Cannot query field 'viewr' on type 'Query'."
    error = _only_error(await api('query { organisation(idd: "x") { id } }', token=member.token))
    assert "Did you mean" not in str(error["message"])


async def test_fragment_cycles_are_refused_not_crashed(api: Api) -> None:
    member = await api.sign_up()
    query = "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }"
    response = await api.raw(query, token=member.token)
    assert response.status_code == 200
    error = _only_error(response.json())
    assert without_request_id(error["extensions"]) == {"code": "GRAPHQL_VALIDATION_FAILED"}


async def test_body_size_limit(client: httpx.AsyncClient) -> None:
    big = '{"query": "{ __typename }' + " " * (64 * 1024) + '"}'
    response = await client.post(
        "/graphql", content=big, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(70):
            yield b" " * 1024

    streamed = await client.post(
        "/graphql",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert streamed.status_code == 413


async def test_comment_padding_is_not_a_way_around_the_limit(client: httpx.AsyncClient) -> None:
    query = "{ __typename } #" + "x" * (70 * 1024)
    response = await client.post("/graphql", json={"query": query})
    assert response.status_code == 413


async def test_malformed_bodies_get_json_errors(client: httpx.AsyncClient) -> None:
    cases = [
        ("{not json", "application/json"),
        ("query=%7B__typename%7D", "application/x-www-form-urlencoded"),
        ("{ __typename }", "text/plain"),
        ('"just a string"', "application/json"),
        ('{"query": 42}', "application/json"),
        ('{"query": "{ __typename }", "variables": "nope"}', "application/json"),
        ("", "application/json"),
    ]
    for content, content_type in cases:
        response = await client.post(
            "/graphql", content=content, headers={"content-type": content_type}
        )
        assert 400 <= response.status_code < 500, (content, response.status_code, response.text)
        body = response.json()
        assert body["errors"][0]["extensions"]["code"] in {"BAD_REQUEST", "UNSUPPORTED_MEDIA_TYPE"}


async def test_variables_of_the_wrong_type(api: Api) -> None:
    member = await api.sign_up()
    query = "query($id: ID!) { organisation(id: $id) { id } }"
    error = _only_error(await api(query, {"id": {"nested": True}}, token=member.token))
    assert without_request_id(error["extensions"]) == {"code": "BAD_USER_INPUT"}
    error = _only_error(await api(query, {}, token=member.token))
    assert without_request_id(error["extensions"]) == {"code": "BAD_USER_INPUT"}


async def test_cors_allows_only_configured_origins(client: httpx.AsyncClient) -> None:
    preflight = {
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type",
    }
    allowed = await client.options(
        "/graphql", headers={"origin": "http://allowed.example", **preflight}
    )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "http://allowed.example"
    denied = await client.options(
        "/graphql", headers={"origin": "http://evil.example", **preflight}
    )
    assert denied.status_code == 400
    assert "access-control-allow-origin" not in denied.headers


@pytest.mark.parametrize("header", DEFAULT_CORS_HEADERS)
async def test_cors_allows_each_common_client_header(
    client: httpx.AsyncClient, header: str
) -> None:
    """Apollo's client awareness, W3C trace context and request ids pass a preflight."""
    allowed = await client.options(
        "/graphql",
        headers={
            "origin": "http://allowed.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": f"content-type,{header.title()}",
        },
    )
    assert allowed.status_code == 200, allowed.text
    assert header in allowed.headers["access-control-allow-headers"].lower()


async def test_cors_refuses_a_header_not_allowed(client: httpx.AsyncClient) -> None:
    refused = await client.options(
        "/graphql",
        headers={
            "origin": "http://allowed.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type,x-not-configured",
        },
    )
    assert refused.status_code == 400
    assert "Disallowed CORS headers" in refused.text


def test_cors_headers_are_configurable() -> None:
    assert Settings.from_env({}).cors_allowed_headers == DEFAULT_CORS_HEADERS
    chosen = Settings.from_env({"CORS_ALLOWED_HEADERS": "Authorization, Content-Type, X-Tenant"})
    assert chosen.cors_allowed_headers == ("authorization", "content-type", "x-tenant")
    for bad in ("*", "authorization, bad header", "x\u0000y"):
        with pytest.raises(SettingsError, match="CORS_ALLOWED_HEADERS"):
            Settings.from_env({"CORS_ALLOWED_HEADERS": bad})


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_subscription_over_http_is_a_clean_error(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    member = await api.sign_up()
    query = 'subscription { organisationEvents(organisationId: "x") { kind } }'
    with caplog.at_level(logging.ERROR):
        response = await api.raw(query, token=member.token)
    assert response.status_code == 400
    error = _only_error(response.json())
    assert without_request_id(error["extensions"]) == {"code": "BAD_REQUEST"}
    assert "WebSocket" in str(error["message"])
    assert caplog.records == []


async def test_directive_limit_counts_through_fragment_spreads(api: Api) -> None:
    member = await api.sign_up()
    fragment = "fragment F on Query { " + " ".join(["__typename @include(if: true)"] * 10) + " }"
    five = "query { " + " ".join(["...F"] * 5) + " } " + fragment
    await api.ok(five, token=member.token)
    six = "query { " + " ".join(["...F"] * 6) + " } " + fragment
    error = _only_error(await api(six, token=member.token))
    assert "Too many directives" in str(error["message"])


async def test_huge_integer_arguments_do_not_echo_internals(api: Api) -> None:
    member = await api.sign_up()
    digits = "9" * 5000
    query = "query { viewer { organisations(first: " + digits + ") { nodes { id } } } }"
    error = _only_error(await api(query, token=member.token))
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "limit" not in str(error["message"]).lower()
    assert "digits" not in str(error["message"]).lower()
    assert len(str(error["message"])) <= 300
    # As a variable, the JSON number itself is refused.
    response = await api.raw(
        "query($n: Int) { viewer { organisations(first: $n) { nodes { id } } } }",
        {"n": int(digits[:4000])},
        token=member.token,
    )
    error = _only_error(response.json())
    assert error["extensions"]["code"] in {"BAD_REQUEST", "BAD_USER_INPUT"}
    assert "digits" not in str(error["message"])


async def test_several_operations_need_an_operation_name(api: Api) -> None:
    member = await api.sign_up()
    two = "query A { __typename } mutation B { accessTokenRevoke { revokedCount } }"
    response = await api.raw(two, token=member.token)
    error = _only_error(response.json())
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "operationName" in str(error["message"])
    # Nothing ran: the token still works.
    await api.ok("query { viewer { account { id } } }", token=member.token)
    named = await api.client.post(
        "/graphql",
        json={"query": two, "operationName": "A"},
        headers={"authorization": f"Bearer {member.token}"},
    )
    assert named.json() == {"data": {"__typename": "Query"}}


async def test_authorization_needs_the_bearer_scheme(api: Api) -> None:
    member = await api.sign_up()
    query = "query { viewer { account { id } } }"
    for header in (member.token, f"Token {member.token}", f"Basic {member.token}"):
        response = await api.raw(query, headers={"authorization": header})
        error = _only_error(response.json())
        assert error["extensions"]["code"] == "UNAUTHENTICATED", header
    await api.ok(query, token=member.token)
    response = await api.raw(query, headers={"authorization": f"bearer {member.token}"})
    assert "errors" not in response.json()


async def test_explorer_page_headers(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_a_trickled_body_is_timed_out() -> None:
    from server.limits import BodySizeLimit

    calls: list[str] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        calls.append("app")

    limit = BodySizeLimit(inner, max_bytes=1024, body_timeout_seconds=0.2)
    sent: list[Message] = []

    async def receive() -> Message:
        await asyncio.sleep(0.15)
        return {"type": "http.request", "body": b" ", "more_body": True}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {"type": "http", "path": "/graphql", "headers": [], "method": "POST"}
    await limit(scope, receive, send)
    assert calls == []
    assert sent[0]["status"] == 408
    assert b"REQUEST_TIMEOUT" in sent[1]["body"]


async def test_identical_queries_hit_the_validation_cache(api: Api) -> None:
    from strawberry.extensions.validation_cache import _get_validate_cache

    member = await api.sign_up()
    cache: Any = _get_validate_cache(256)
    query = "query { viewer { account { id email } } }"
    await api.ok(query, token=member.token)
    before = cache.cache_info().hits
    for _ in range(5):
        await api.ok(query, token=member.token)
    assert cache.cache_info().hits - before == 5


async def test_a_batch_runs_each_operation_on_its_own_within_the_cap(
    api: Api, client: httpx.AsyncClient, state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A JSON array of operations (Apollo's BatchHttpLink) answers an array in the same order;
    each operation has its own viewer and limits; the size is capped by MAX_BATCH_OPERATIONS."""
    member = await api.sign_up()
    viewer = "{ viewer { account { email } } }"
    create = (
        "mutation($input: OrganisationCreateInput!) { organisationCreate(input: $input) "
        "{ organisation { name } userErrors { code } } }"
    )
    batch = [
        {"query": viewer},
        {"query": create, "variables": {"input": {"name": "Batched Traders"}}},
        {"query": "{ viewer { nosuch } }"},
    ]
    answered = await client.post(
        "/graphql", json=batch, headers={"authorization": f"Bearer {member.token}"}
    )
    assert answered.status_code == 200
    first, second, third = answered.json()
    assert first == {"data": {"viewer": {"account": {"email": member.email}}}}
    assert second["data"]["organisationCreate"]["organisation"] == {"name": "Batched Traders"}
    assert third["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert answered.headers["cache-control"] == "private, no-store"
    # Signed out, each operation is refused on its own.
    signed_out = (await client.post("/graphql", json=batch[:2])).json()
    assert [answer["errors"][0]["extensions"]["code"] for answer in signed_out] == [
        "UNAUTHENTICATED", "UNAUTHENTICATED",
    ]  # fmt: skip
    names = "{ viewer { organisations { nodes { name } } } }"

    async def organisations() -> list[str]:
        found = await api.ok(names, token=member.token)
        return [node["name"] for node in found["viewer"]["organisations"]["nodes"]]

    assert await organisations() == ["Batched Traders"]  # made once

    def refused(response: httpx.Response, words: str) -> None:
        assert response.status_code == 400, response.text
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "BAD_REQUEST" and words in error["message"]

    as_member = {"authorization": f"Bearer {member.token}"}
    over = [batch[1]] + [{"query": viewer}] * 10
    refused(await client.post("/graphql", json=over, headers=as_member), "MAX_BATCH_OPERATIONS")
    refused(await client.post("/graphql", json=[]), "at least one")
    refused(await client.post("/graphql", json=[{"query": viewer}, "x"]), "JSON object")
    monkeypatch.setattr(
        state, "settings", dataclasses.replace(state.settings, max_batch_operations=0)
    )
    refused(
        await client.post("/graphql", json=batch[1:2], headers=as_member),
        "MAX_BATCH_OPERATIONS is 0",
    )
    assert await organisations() == ["Batched Traders"]  # a refused batch runs nothing
