"""The network service is a sandbox: it is not opened to other machines without a control
token, its control API takes only sane input, and participants see only their own documents."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from simulator.clock import ManualClock
from simulator.service import create_service
from simulator.settings import SimulatorSettings

TOKEN = "t" * 40
EVERYWHERE = "0.0.0.0"  # noqa: S104 (what the settings must refuse without a token)


def test_a_bind_beyond_this_machine_needs_a_control_token() -> None:
    assert SimulatorSettings.from_env({}).loopback
    for host in ("127.0.0.2", "::1", "localhost"):
        assert SimulatorSettings.from_env({"SIMULATOR_HOST": host}).control_token == ""
    for host in (EVERYWHERE, "192.0.2.10", "::"):
        with pytest.raises(ValueError, match="SIMULATOR_CONTROL_TOKEN"):
            SimulatorSettings.from_env({"SIMULATOR_HOST": host})
    with pytest.raises(ValueError, match="at least 32"):
        SimulatorSettings.from_env(
            {"SIMULATOR_HOST": EVERYWHERE, "SIMULATOR_CONTROL_TOKEN": "short"}
        )
    opened = SimulatorSettings.from_env(
        {"SIMULATOR_HOST": EVERYWHERE, "SIMULATOR_CONTROL_TOKEN": TOKEN}
    )
    assert (opened.loopback, opened.control_token) == (False, TOKEN)
    assert opened.warnings() == [
        "SIMULATOR_API_KEY is the public sandbox key",
        "SIMULATOR_WEBHOOK_SECRET is the public sandbox secret",
    ]


@pytest.fixture
async def service(tmp_path: object) -> AsyncIterator[httpx.AsyncClient]:
    settings = SimulatorSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/network.db", control_token=TOKEN,
        webhook_url="http://127.0.0.1:9/nowhere",
    )  # fmt: skip
    app = create_service(settings, clock=ManualClock())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            yield http


async def test_the_control_api_needs_the_token_when_one_is_set(
    service: httpx.AsyncClient,
) -> None:
    assert (await service.get("/simulator/taxpayers")).status_code == 401
    wrong = {"authorization": "Bearer " + "x" * 40}
    assert (await service.get("/simulator/otp", params={"to": "9876543210"},
                              headers=wrong)).status_code == 401  # fmt: skip
    right = {"authorization": f"Bearer {TOKEN}"}
    assert (await service.get("/simulator/taxpayers", headers=right)).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b'{"settlementSeconds": NaN}',
        b'{"settlementSeconds": Infinity}',
        b'{"upiLimitPaise": 1e300}',
        b'{"settlementSeconds": -Infinity}',
        b'{"settlementSeconds": "soon"}',
        b'{"upiLimitPaise": "lots"}',
        b'{"paymentRules": [{"rate": 1e999}]}',
        b'{"biddingSeconds": [1]}',
        b'{"settlementSeconds": 5',
        b"[]",
    ],
)
async def test_the_control_api_answers_400_to_bad_numbers(
    service: httpx.AsyncClient, body: bytes
) -> None:
    headers = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
    before = (await service.get("/simulator/payment-behaviour", headers=headers)).json()
    answered = await service.put("/simulator/payment-behaviour", content=body, headers=headers)
    assert answered.status_code == 400, (body, answered.text)
    assert (await service.get("/simulator/payment-behaviour", headers=headers)).json() == before


async def test_a_document_is_shown_only_to_its_sender_and_receiver(
    service: httpx.AsyncClient,
) -> None:
    def key(name: str) -> dict[str, str]:
        return {"authorization": f"Bearer sandbox-{name}-key", "idempotency-key": "doc-1"}

    sent = await service.post(
        "/v1/documents", headers=key("ganga-steel"),
        json={"networkId": "NET-GANGA-TAPTI", "kind": "INVOICE", "version": 1,
              "senderB2BId": "ganga-steel", "receiverB2BId": "tapti-foods", "number": "GS-9",
              "documentDate": "2026-11-24", "totalPaise": 118_000, "content": {}},
    )  # fmt: skip
    assert sent.status_code == 200, sent.text
    for party in ("ganga-steel", "tapti-foods"):
        seen = await service.get("/v1/documents/NET-GANGA-TAPTI", headers=key(party))
        assert seen.json()["state"] == "DELIVERED", party
    other = await service.get("/v1/documents/NET-GANGA-TAPTI", headers=key("narmada-chemicals"))
    assert other.json()["state"] == "UNKNOWN"  # as if it were not there
