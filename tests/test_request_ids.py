"""Request ids: taken from X-Request-Id when it is a UUID, made up otherwise, returned in the
response header and in every error, and logged with the lines written for the request."""

from __future__ import annotations

import io
import json
import logging
import uuid

import httpx
import pytest

from resolvers.services import network_http
from server import logs
from tests.conftest import Api


@pytest.mark.parametrize(
    "sent",
    ["5f0c4a8e-4c1b-4d39-9a57-0d7d1b1c2e3f", "5F0C4A8E4C1B4D399A570D7D1B1C2E3F"],
)
async def test_a_well_formed_request_id_is_kept(client: httpx.AsyncClient, sent: str) -> None:
    response = await client.post("/graphql", json={"query": "{ viewer { account { id } } }"},
                                 headers={"x-request-id": sent})  # fmt: skip
    assert response.headers["x-request-id"] == sent.lower()
    assert response.json()["errors"][0]["extensions"]["requestId"] == sent.lower()


@pytest.mark.parametrize(
    "sent",
    ["ABCPS1234K", "9876543210", "4111111111111111", "a" * 31, "x" * 5000, "id with spaces",
     "5f0c4a8e-4c1b-4d39-9a57-0d7d1b1c2e3f; forged"],
)  # fmt: skip
async def test_anything_else_is_replaced_and_never_echoed(
    client: httpx.AsyncClient, sent: str
) -> None:
    """A PAN, a mobile or card number, or any other text a client puts there never reaches the
    logs or the response: the request gets an id of its own."""
    response = await client.post(
        "/graphql", json={"query": "{ nosuch }"}, headers={"x-request-id": sent}
    )
    given = response.headers["x-request-id"]
    assert given != sent and uuid.UUID(given)
    assert response.json()["errors"][0]["extensions"]["requestId"] == given


async def test_every_answer_carries_its_request_id(client: httpx.AsyncClient, api: Api) -> None:
    ids = set()
    for response in (
        await client.get("/livez"),
        await client.post(
            "/graphql", content=b"{not json", headers={"content-type": "application/json"}
        ),
        await client.post(
            "/graphql", content=b"x" * 100_000, headers={"content-type": "application/json"}
        ),
        await api.raw("{ __typename }"),
    ):
        ids.add(response.headers["x-request-id"])
        if response.status_code >= 400:
            assert (
                response.json()["errors"][0]["extensions"]["requestId"]
                == response.headers["x-request-id"]
            )
    assert len(ids) == 4


def test_json_lines_carry_the_request_and_the_organisation() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs._formatter("json"))
    handler.addFilter(logs.RequestContext())
    logger = logging.getLogger("tests.request_ids")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("outside any request")
        token = network_http.request_id.set("0123456789abcdef0123456789abcdef")
        org = network_http.organisation_id.set("01a2b3c4-0000-7000-8000-000000000000")
        try:
            logger.warning("while serving %s", "a request")
        finally:
            network_http.organisation_id.reset(org)
            network_http.request_id.reset(token)
    finally:
        logger.removeHandler(handler)
    outside, inside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert outside["requestId"] == "-" and "organisationId" not in outside
    assert inside["message"] == "while serving a request"
    assert inside["requestId"] == "0123456789abcdef0123456789abcdef"
    assert inside["organisationId"] == "01a2b3c4-0000-7000-8000-000000000000"
    assert {"time", "level", "logger", "pid"} <= set(inside)
