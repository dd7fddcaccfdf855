"""The HTTP adapter of the network port: how answers and failures of the network service map
onto the port's errors, and what every call carries."""

from __future__ import annotations

import json

import httpx
import pytest

from contract.errors import NetworkRefusedError, NetworkTimeoutError, NetworkUnavailableError
from resolvers.services import network_http
from resolvers.services.network_http import HttpNetwork

KEY = "k" * 40


def _network(handler: httpx.MockTransport) -> HttpNetwork:
    return HttpNetwork("http://network.test", KEY, timeout_seconds=1, transport=handler)


async def test_every_call_is_authenticated_and_carries_the_request_id() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    network = _network(httpx.MockTransport(answer))
    token = network_http.request_id.set("req-123")
    try:
        await network.kyc_submit(request_id="K1", b2b_id="x", summary={"owners": 1})
        await network.send_sms("9000000000", "hi")
    finally:
        network_http.request_id.reset(token)
    kyc, sms = seen
    assert kyc.url.path == "/v1/kyc"
    assert kyc.headers["authorization"] == f"Bearer {KEY}"
    assert kyc.headers["x-request-id"] == "req-123"
    assert kyc.headers["idempotency-key"] == "kyc:K1"
    assert json.loads(kyc.content) == {"requestId": "K1", "b2bId": "x", "summary": {"owners": 1}}
    assert sms.headers["idempotency-key"]  # a fresh key for a call without a request id
    await network.close()


@pytest.mark.parametrize(
    ("response", "error", "reason"),
    [
        (httpx.Response(422, json={"code": "B2B_ID_TAKEN", "message": "Taken."}),
         NetworkRefusedError, "B2B_ID_TAKEN"),
        (httpx.Response(409, json={"code": "VERSION_CONFLICT", "message": "Newer."}),
         NetworkRefusedError, "VERSION_CONFLICT"),
        (httpx.Response(503, json={"code": "UNAVAILABLE", "message": "Down."}),
         NetworkUnavailableError, None),
        (httpx.Response(504, json={"code": "TIMEOUT", "message": "Slow."}),
         NetworkTimeoutError, None),
        (httpx.Response(401, json={"code": "UNAUTHENTICATED", "message": "Key?"}),
         NetworkUnavailableError, None),
        (httpx.Response(500, text="boom"), NetworkUnavailableError, None),
        (httpx.Response(200, json={"nonsense": True}), NetworkUnavailableError, None),
    ],
)  # fmt: skip
async def test_answers_map_onto_the_port_s_errors(
    response: httpx.Response, error: type[Exception], reason: str | None
) -> None:
    network = _network(httpx.MockTransport(lambda _request: response))
    with pytest.raises(error) as raised:
        await network.b2b_id_status("R1")
    if reason is not None:
        assert isinstance(raised.value, NetworkRefusedError)
        assert raised.value.reason == reason
    await network.close()


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (httpx.ReadTimeout("slow"), NetworkTimeoutError),
        (httpx.ConnectTimeout("slow"), NetworkTimeoutError),
        (httpx.ConnectError("refused"), NetworkUnavailableError),
    ],
)
async def test_transport_failures_map_onto_the_port_s_errors(
    failure: Exception, error: type[Exception]
) -> None:
    def fail(_request: httpx.Request) -> httpx.Response:
        raise failure

    network = _network(httpx.MockTransport(fail))
    with pytest.raises(error):
        await network.document_status("N1")
    await network.close()
