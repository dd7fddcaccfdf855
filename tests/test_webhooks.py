"""``POST /network/webhooks``: only signed, fresh deliveries are applied, each once."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.routing import Route

from contract.documents import DocumentMessage
from contract.messages import InboundMessage
from contract.wire import (
    SANDBOX_WEBHOOK_SECRET,
    SIGNATURE_HEADER,
    SIGNATURE_TOLERANCE_SECONDS,
    TIMESTAMP_HEADER,
    inbound_to_json,
    signature,
)
from db.models import B2BId, InboundReceipt, OrganisationEvent, OutboxMessage
from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from server import webhooks
from server.settings import Settings, SettingsError
from simulator.network import SimulatedNetwork
from tests.conftest import Api
from tests.onboarding_helpers import create_b2b_id, ready_for_b2b_id, status
from tests.trading import SHARMA_TRADERS, onboard

URL = "/network/webhooks"
# Well outside the window: whole seconds and the time the request takes cannot bring it back in.
STALE = SIGNATURE_TOLERANCE_SECONDS + 30


def _message(message_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "messageId": message_id, "kind": "KYC_DECIDED", "requestId": f"KYC-{message_id}",
        "approved": True, "reason": None, "occurredAt": "2026-11-24T09:00:00+00:00", "data": {},
        **changes,
    }  # fmt: skip


def _signed(
    state: AppState, body: bytes, *, at: int | None = None, secret: str | None = None
) -> dict[str, str]:
    timestamp = int(time.time()) if at is None else at
    key = secret or state.settings.network_webhook_secret
    return {
        "content-type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(key, timestamp, body),
    }


async def _receipts(state: AppState) -> int:
    async with state.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(InboundReceipt)) or 0)


async def test_bad_or_stale_signatures_are_refused_and_logged(
    client: httpx.AsyncClient, state: AppState, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps(_message("MSG-1")).encode()
    with caplog.at_level(logging.WARNING, logger="bharat_connect.webhooks"):
        for headers in (
            {"content-type": "application/json"},
            _signed(state, body, secret="not-the-secret-" + "x" * 30),
            _signed(state, body, at=int(time.time()) - STALE),
            _signed(state, body, at=int(time.time()) + STALE),
            {**_signed(state, body), TIMESTAMP_HEADER: "soon"},
        ):
            refused = await client.post(URL, content=body, headers=headers)
            assert refused.status_code == 401
            assert refused.json()["code"] == "UNAUTHENTICATED"
        # The body changed after signing.
        tampered = await client.post(
            URL, content=body.replace(b"true", b"false"), headers=_signed(state, body)
        )
        assert tampered.status_code == 401
    assert sum("webhook refused" in r.getMessage() for r in caplog.records) == 6
    assert await _receipts(state) == 0


async def test_a_genuine_message_is_applied_once_however_often_it_comes(
    client: httpx.AsyncClient, state: AppState
) -> None:
    body = json.dumps(_message("MSG-2")).encode()
    for _ in range(3):  # a replay within the window, or the network delivering again
        taken = await client.post(URL, content=body, headers=_signed(state, body))
        assert taken.status_code == 200
        assert taken.json() == {"received": "MSG-2"}
    assert await _receipts(state) == 1


async def test_a_signed_body_that_is_not_a_message_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, state: AppState
) -> None:
    for payload in (
        b"not json",
        b"[]",
        json.dumps(_message("MSG-3", kind="SOMETHING_ELSE")).encode(),
        json.dumps(_message("MSG-4", occurredAt="2026-11-24T09:00:00")).encode(),
        json.dumps(_message("MSG-5", approved="yes")).encode(),
        json.dumps(_message("M" * 65)).encode(),
    ):
        refused = await client.post(URL, content=payload, headers=_signed(state, payload))
        assert refused.status_code == 400, payload
        assert refused.json()["code"] == "MALFORMED"
    assert await _receipts(state) == 0
    async with state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


@pytest.fixture
def over_webhooks(
    simulator: SimulatedNetwork, client: httpx.AsyncClient, state: AppState
) -> Iterator[list[int]]:
    """The in-process network delivers through the webhook route, signed, as the network
    service does; the statuses it got back are kept."""
    statuses: list[int] = []
    real = simulator._handler

    async def post(message: InboundMessage) -> None:
        body = json.dumps(inbound_to_json(message)).encode()
        answer = await client.post(URL, content=body, headers=_signed(state, body))
        statuses.append(answer.status_code)
        if answer.status_code != 200:
            raise RuntimeError(answer.status_code)

    simulator.set_inbound_handler(post)
    yield statuses
    assert real is not None
    simulator.set_inbound_handler(real)


async def test_a_decision_that_overtakes_its_submission_is_applied_once(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState,
    over_webhooks: list[int],
) -> None:  # fmt: skip
    owner = await api.sign_up("owner")
    org = await api.organisation(owner, "Sharma Traders")
    await ready_for_b2b_id(api, simulator, owner, org)
    await create_b2b_id(api, owner, org)
    async with state.db.read() as session:
        record = await session.scalar(select(B2BId))
    assert record is not None
    # The network's decision arrives before the dispatcher has recorded the submission.
    message = simulator.message(
        "B2B_ID_DECIDED", record.request_id, approved=True, reason=None,
        data={"b2bId": record.value},
    )  # fmt: skip
    await simulator.deliver(message)
    await simulator.deliver(message)  # and again
    assert over_webhooks == [200, 200]
    assert (await status(api, owner, org))["b2bId"]["status"] == "APPROVED"
    await dispatcher.run_once()  # the submission's outcome finds it decided already
    await simulator.advance(60)
    assert (await status(api, owner, org))["b2bId"]["status"] == "APPROVED"
    async with state.db.read() as session:
        kinds = (await session.scalars(select(OrganisationEvent.kind))).all()
    assert list(kinds).count("B2B_ID_APPROVED") == 1


async def test_a_document_that_cannot_be_booked_is_answered_as_a_refusal(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, over_webhooks: list[int]
) -> None:
    await onboard(api, simulator, dispatcher, SHARMA_TRADERS)
    await simulator.document_send(
        DocumentMessage(
            network_id="NET-GANGA-1", kind="INVOICE", version=1, sender_b2b_id="ganga-steel",
            receiver_b2b_id="sharma-traders", number="GS-1", document_date="2026-11-24",
            total_paise=100, content={"lines": []},
        )
    )  # fmt: skip
    await simulator.advance(5)  # delivered by webhook: taken (200), refused with a reason
    assert over_webhooks[-1] == 200
    await dispatcher.run_once()  # the refusal goes back through the network
    held = simulator.world.documents["NET-GANGA-1"]
    assert held.state == "REJECTED"
    assert held.remarks


async def test_a_payment_message_that_does_not_hold_together_is_refused_and_books_nothing(
    api: Api, client: httpx.AsyncClient, state: AppState, simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
) -> None:  # fmt: skip
    from db.models import Payment
    from tests.paying import accepted_bill, owed
    from tests.trading import node

    seller, _, _, _, invoice, _ = await accepted_bill(api, simulator, dispatcher, state)
    network_id = (await node(api, seller, invoice))["networkId"]

    def received(message_id: str, paise: int, **extra: Any) -> dict[str, Any]:
        return _message(
            message_id, kind="PAYMENT_RECEIVED", requestId=f"PAY-{message_id}",
            data={"networkId": f"PAY-{message_id}", "state": "SETTLED", "amountPaise": paise,
                  "payerB2BId": "kaveri-components", "payeeB2BId": "sharma-traders",
                  "method": "UPI", "utr": "123456789012", "settledOn": "2026-11-25",
                  "allocations": [{"documentNetworkId": network_id, "amountPaise": paise}],
                  **extra},
        )  # fmt: skip

    receipts = await _receipts(state)
    for message in (
        received("MSG-OVER", 11_800_001),  # more than the invoice's total
        received("MSG-TEXT", 100, reference="UTR\x1b[2J"),  # text no input may carry
    ):
        body = json.dumps(message).encode()
        answered = await client.post(URL, content=body, headers=_signed(state, body))
        assert answered.status_code == 422, answered.text
        assert answered.json()["code"] == "INCONSISTENT"
    async with state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Payment)) == 0
    assert await _receipts(state) == receipts  # the network may deliver again; nothing kept
    assert (await owed(api, seller, invoice))["amountPaid"] == {"amount": "0.00"}
    fine = json.dumps(received("MSG-FINE", 100)).encode()
    assert (await client.post(URL, content=fine, headers=_signed(state, fine))).status_code == 200
    assert (await owed(api, seller, invoice))["amountPaid"] == {"amount": "1.00"}


async def test_during_a_secret_rotation_either_secret_signs_and_no_other(
    state: AppState,
) -> None:
    """NETWORK_WEBHOOK_SECRET_PREVIOUS: while the network moves to the new secret, messages
    signed with the old one are still applied; a third secret is refused as before."""
    new, old = "rotated-in-" + "n" * 30, state.settings.network_webhook_secret
    rotating = Settings.from_env(
        {"NETWORK_WEBHOOK_SECRET": new, "NETWORK_WEBHOOK_SECRET_PREVIOUS": old}
    )
    assert rotating.webhook_secrets == (new, old)
    endpoint = webhooks.webhook_endpoint(state, rotating.webhook_secrets)
    app = Starlette(routes=[Route(URL, endpoint, methods=["POST"])])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as rotated:
        for number, secret in enumerate((new, old)):
            body = json.dumps(_message(f"MSG-ROT-{number}")).encode()
            taken = await rotated.post(
                URL, content=body, headers=_signed(state, body, secret=secret)
            )
            assert taken.status_code == 200, secret
        body = json.dumps(_message("MSG-ROT-X")).encode()
        stranger = _signed(state, body, secret="neither-secret-" + "z" * 30)
        assert (await rotated.post(URL, content=body, headers=stranger)).status_code == 401
    assert await _receipts(state) == 2


def test_a_previous_webhook_secret_is_checked_like_the_current_one() -> None:
    with pytest.raises(SettingsError, match="must differ"):
        Settings.from_env({"NETWORK_WEBHOOK_SECRET_PREVIOUS": SANDBOX_WEBHOOK_SECRET})
    production = {
        "ENVIRONMENT": "production", "SECRET_KEY": "k" * 40, "NETWORK_URL": "http://127.0.0.1:1",
        "NETWORK_API_KEY": "a" * 40, "NETWORK_WEBHOOK_SECRET": "w" * 40,
    }  # fmt: skip
    with pytest.raises(SettingsError, match="PREVIOUS needs 32"):
        Settings.from_env({**production, "NETWORK_WEBHOOK_SECRET_PREVIOUS": "short"})
    rotating = Settings.from_env({**production, "NETWORK_WEBHOOK_SECRET_PREVIOUS": "p" * 40})
    assert rotating.webhook_secrets == ("w" * 40, "p" * 40)
    assert Settings.from_env(production).webhook_secrets == ("w" * 40,)
