"""Outgoing webhooks: endpoints receive the organisation's events signed (Standard Webhooks,
verified here with the reference library), in the order of the event log, at least once with
the event's id; a failure holds the line with backoff and, after 24 hours, disables the
endpoint and tells the organisation; redelivery, replay, tests, secret rotation; redirects
are not followed; and the SSRF guard refuses every private range, also after DNS."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from db.models import OutboxMessage, OutboxStatus
from db.repositories import event as event_repo
from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from resolvers.services.ids import decode_typed_id
from resolvers.services.webhooks.sending import (
    UnsafeUrlError,
    WebhookSender,
    check_url,
    refused_address,
)
from simulator.clock import ManualClock
from tests.conftest import REPO_ROOT, Api, Member, free_port
from tests.test_walkthrough import steps
from tests.webhook_receiver import receiving

CREATE = """mutation($input: WebhookEndpointCreateInput!) { webhookEndpointCreate(input: $input) {
    webhookEndpoint { id url eventKinds enabled cursor } secret userErrors { code field message } } }"""
UPDATE = """mutation($input: WebhookEndpointUpdateInput!) { webhookEndpointUpdate(input: $input) {
    webhookEndpoint { id enabled disabledReason } userErrors { code field message } } }"""
ROTATE = """mutation($input: WebhookEndpointSecretRotateInput!) {
    webhookEndpointSecretRotate(input: $input) { secret userErrors { code field message } } }"""
TEST = """mutation($input: WebhookEndpointInput!) { webhookEndpointTest(input: $input) {
    webhookEndpoint { id } userErrors { code field message } } }"""
REPLAY = """mutation($input: WebhookEndpointReplayInput!) { webhookEndpointReplay(input: $input) {
    webhookEndpoint { cursor } userErrors { code field message } } }"""
REDELIVER = """mutation($input: WebhookDeliveryRedeliverInput!) {
    webhookDeliveryRedeliver(input: $input) { webhookDelivery { id status }
    userErrors { code field message } } }"""
DELETE = """mutation($input: WebhookEndpointInput!) { webhookEndpointDelete(input: $input) {
    deletedWebhookEndpointId userErrors { code field message } } }"""
ENDPOINTS = """query($id: ID!) { organisation(id: $id) { webhookEndpoints { id enabled
    disabledReason failingSince cursor deliveries(last: 50) { nodes { id webhookId eventKind
    eventCursor status attempts responseStatus latencyMs error nextAttemptAt deliveredAt } } } } }"""
RENAME = """mutation($input: OrganisationUpdateInput!) { organisationUpdate(input: $input) {
    organisation { name } userErrors { code } } }"""


async def _endpoint(
    api: Api, owner: Member, org: str, url: str, kinds: list[str] | None = None
) -> tuple[str, str]:
    data = await api.ok(
        CREATE, {"input": {"organisationId": org, "url": url, "eventKinds": kinds or [],
                           "description": "ERP"}},
        token=owner.token,
    )  # fmt: skip
    created = data["webhookEndpointCreate"]
    return created["webhookEndpoint"]["id"], created["secret"]


async def _rename(api: Api, owner: Member, org: str, name: str) -> None:
    await api.ok(RENAME, {"input": {"id": org, "name": name}}, token=owner.token)


async def _endpoints(api: Api, owner: Member, org: str) -> list[dict[str, Any]]:
    data = await api.ok(ENDPOINTS, {"id": org}, token=owner.token)
    found: list[dict[str, Any]] = data["organisation"]["webhookEndpoints"]
    return found


def _verified(secret: str, received: Any) -> Any:
    """The body, verified as a receiver would (the reference library)."""
    return Webhook(secret).verify(received.body, received.headers)


async def test_an_endpoint_receives_the_events_signed_in_order_once_each(
    api: Api, dispatcher: Dispatcher
) -> None:
    owner = await api.sign_up("owner")
    org = await api.organisation(owner)
    async with receiving() as receiver:
        endpoint_id, secret = await _endpoint(api, owner, org, receiver.url)
        assert secret.startswith("whsec_")
        delivered = _sent("delivered")
        for name in ("One", "Two", "Three"):
            await _rename(api, owner, org, name)
        await dispatcher.run_once()
        hooks = receiver.hooks()
        assert len(hooks) == 3
        assert _sent("delivered") == delivered + 3
        bodies = [_verified(secret, hook) for hook in hooks]
        assert [b["type"] for b in bodies] == ["ORGANISATION_RENAMED"] * 3
        assert [b["data"]["name"] for b in bodies] == ["One", "Two", "Three"]
        assert {b["data"]["organisationId"] for b in bodies} == {org}
        ids = [hook.headers["webhook-id"] for hook in hooks]
        assert len(set(ids)) == 3
        assert [int(i.rsplit("_", 1)[1]) for i in ids] == sorted(
            int(i.rsplit("_", 1)[1]) for i in ids
        )
        assert all(h.headers["content-type"] == "application/json" for h in hooks)
        # Nothing more is sent: each event once.
        await dispatcher.run_once()
        assert len(receiver.hooks()) == 3
    [shown] = await _endpoints(api, owner, org)
    assert shown["id"] == endpoint_id
    log = shown["deliveries"]["nodes"]
    assert [d["status"] for d in log] == ["SUCCEEDED"] * 3
    assert [d["webhookId"] for d in log] == ids
    assert all(d["attempts"] == 1 and d["responseStatus"] == 200 for d in log)
    assert all(d["latencyMs"] is not None and d["deliveredAt"] for d in log)
    assert shown["cursor"] == bodies[-1]["data"]["cursor"]


async def test_a_tampered_body_or_another_secret_does_not_verify(
    api: Api, dispatcher: Dispatcher
) -> None:
    owner = await api.sign_up("owner")
    org = await api.organisation(owner)
    async with receiving() as receiver:
        _, secret = await _endpoint(api, owner, org, receiver.url)
        await _rename(api, owner, org, "Signed")
        await dispatcher.run_once()
        [hook] = receiver.hooks()
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(hook.body.replace(b"Signed", b"Forged"), hook.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(hook.body, hook.headers)


async def test_kinds_filter_what_an_endpoint_receives_and_a_test_reaches_only_its_endpoint(
    api: Api, dispatcher: Dispatcher
) -> None:
    owner = await api.sign_up("owner")
    org = await api.organisation(owner)
    async with receiving() as receiver, receiving() as other:
        members_only, secret = await _endpoint(api, owner, org, receiver.url, ["MEMBER_ADDED"])
        await _endpoint(api, owner, org, other.url)
        await _rename(api, owner, org, "Not for the first")
        await api.ok(TEST, {"input": {"webhookEndpointId": members_only}}, token=owner.token)
        await dispatcher.run_once()
        [test] = receiver.hooks()
        body = _verified(secret, test)
        assert body["type"] == "WEBHOOK_TEST"
        assert body["data"]["endpointId"] == members_only
        assert [h.json["type"] for h in other.hooks()] == ["ORGANISATION_RENAMED"]
    [first, _] = await _endpoints(api, owner, org)
    # The rename was passed over: the first endpoint's cursor is past it.
    assert first["cursor"] == body["data"]["cursor"]


async def test_a_failing_endpoint_holds_the_line_with_backoff_then_catches_up_in_order(
    api: Api, dispatcher: Dispatcher, clock: ManualClock
) -> None:
    owner = await api.sign_up("owner")
    org = await api.organisation(owner)
    async with receiving() as receiver:
        _, secret = await _endpoint(api, owner, org, receiver.url)
        receiver.statuses = [500, 503]
        await _rename(api, owner, org, "First")
        await _rename(api, owner, org, "Second")
        await dispatcher.run_once()
        assert [h.json["data"]["name"] for h in receiver.hooks()] == ["First"]
        [shown] = await _endpoints(api, owner, org)
        [failing] = shown["deliveries"]["nodes"]
        assert failing["status"] == "PENDING"
        assert failing["responseStatus"] == 500
        assert failing["error"] == "answered 500"
        assert shown["failingSince"] is not None
        # A new event does not cut the backoff short.
        await _rename(api, owner, org, "Third")
        await dispatcher.run_once()
        assert len(receiver.hooks()) == 1
        clock.advance(5)
        await dispatcher.run_once()  # 503 this time: the next wait is longer
        assert len(receiver.hooks()) == 2
        clock.advance(5)
        await dispatcher.run_once()
        assert len(receiver.hooks()) == 2
        clock.advance(10)
        await dispatcher.run_once()
        names = [_verified(secret, h)["data"]["name"] for h in receiver.hooks()]
        assert names == ["First", "First", "First", "Second", "Third"]
        assert len({h.headers["webhook-id"] for h in receiver.hooks()[:3]}) == 1
    [shown] = await _endpoints(api, owner, org)
    assert shown["failingSince"] is None
    assert [d["attempts"] for d in shown["deliveries"]["nodes"]] == [3, 1, 1]


async def test_an_endpoint_failing_for_24_hours_is_disabled_and_the_organisation_told(
    api: Api, dispatcher: Dispatcher, clock: ManualClock, state: AppState
) -> None:
    owner = await api.sign_up("owner")
    org = await api.organisation(owner)
    async with receiving() as receiver:
        endpoint_id, _ = await _endpoint(api, owner, org, receiver.url, ["ORGANISATION_RENAMED"])
        receiver.default = 500
        await _rename(api, owner, org, "Never taken")
        await dispatcher.run_once()
        attempts = 1
        for _ in range(100):
            clock.advance(3600)
            await dispatcher.run_once()
            attempts += 1
            [shown] = await _endpoints(api, owner, org)
            if not shown["enabled"]:
                break
        assert not shown["enabled"]
        assert "disabled after 24 hours" in shown["disabledReason"]
        assert 24 <= attempts <= 30
        [delivery] = shown["deliveries"]["nodes"]
        assert delivery["status"] == "FAILED"
        # The organisation is told, in its event log.
        key = decode_typed_id(org, "Organisation")
        assert key is not None
        async with state.db.read() as session:
            events = await event_repo.after(session, key, 0, 100)
        disabled = [e for e in events if e.kind == "WEBHOOK_ENDPOINT_DISABLED"]
        assert len(disabled) == 1
        assert "disabled after 24 hours" in disabled[0].data["reason"]
        # Nothing more is tried while disabled ...
        sent = len(receiver.hooks())
        await _rename(api, owner, org, "Still down")
        clock.advance(7200)
        await dispatcher.run_once()
        assert len(receiver.hooks()) == sent
        # ... and enabling it again delivers from where it stopped, in order.
        receiver.default = 200
        data = await api.ok(
            UPDATE, {"input": {"webhookEndpointId": endpoint_id, "enabled": True}},
            token=owner.token,
        )  # fmt: skip
        assert data["webhookEndpointUpdate"]["webhookEndpoint"]["enabled"] is True
        await dispatcher.run_once()
        names = [h.json["data"]["name"] for h in receiver.hooks()[sent:]]
        assert names == ["Never taken", "Still down"]


async def test_redelivery_and_replay_send_again_with_the_same_ids(
    api: Api, dispatcher: Dispatcher
) -> None:
    owner = await api.sign_up("owner")
    org = await api.organisation(owner)
    async with receiving() as receiver:
        endpoint_id, secret = await _endpoint(api, owner, org, receiver.url)
        for name in ("A", "B", "C"):
            await _rename(api, owner, org, name)
        await dispatcher.run_once()
        first = receiver.hooks()
        [shown] = await _endpoints(api, owner, org)
        log = shown["deliveries"]["nodes"]
        data = await api.ok(
            REDELIVER, {"input": {"webhookDeliveryId": log[1]["id"]}}, token=owner.token
        )
        assert data["webhookDeliveryRedeliver"]["webhookDelivery"]["status"] == "PENDING"
        again = await api(REDELIVER, {"input": {"webhookDeliveryId": log[1]["id"]}},
                          token=owner.token)  # fmt: skip
        assert again["data"]["webhookDeliveryRedeliver"]["userErrors"][0]["code"] == "ALREADY_DONE"
        await dispatcher.run_once()
        redelivered = receiver.hooks()[3]
        assert redelivered.headers["webhook-id"] == first[1].headers["webhook-id"]
        assert _verified(secret, redelivered) == first[1].json
        # Replay after the first event: B and C again, in order.
        await api.ok(
            REPLAY, {"input": {"webhookEndpointId": endpoint_id,
                               "after": log[0]["eventCursor"]}},
            token=owner.token,
        )  # fmt: skip
        await dispatcher.run_once()
        replayed = receiver.hooks()[4:]
        assert [h.headers["webhook-id"] for h in replayed] == [
            first[1].headers["webhook-id"],
            first[2].headers["webhook-id"],
        ]
        bad = await api(REPLAY, {"input": {"webhookEndpointId": endpoint_id, "after": "nope"}},
                        token=owner.token)  # fmt: skip
        assert bad["data"]["webhookEndpointReplay"]["userErrors"] == [
            {"code": "INVALID", "field": ["input", "after"], "message": "Not an event cursor."}
        ]


async def test_during_a_rotation_deliveries_verify_with_either_secret(
    api: Api, dispatcher: Dispatcher, clock: ManualClock
) -> None:
    owner = await api.sign_up("owner")
    org = await api.organisation(owner)
    async with receiving() as receiver:
        endpoint_id, old = await _endpoint(api, owner, org, receiver.url)
        data = await api.ok(
            ROTATE, {"input": {"webhookEndpointId": endpoint_id, "graceHours": 1}},
            token=owner.token,
        )  # fmt: skip
        new = data["webhookEndpointSecretRotate"]["secret"]
        assert new != old
        await _rename(api, owner, org, "Both")
        await dispatcher.run_once()
        [both] = receiver.hooks()
        assert len(both.headers["webhook-signature"].split(" ")) == 2
        _verified(old, both)
        _verified(new, both)
        clock.advance(3601)
        await _rename(api, owner, org, "New only")
        await dispatcher.run_once()
        later = receiver.hooks()[1]
        _verified(new, later)
        with pytest.raises(WebhookVerificationError):
            _verified(old, later)


async def test_a_redirect_is_not_followed(api: Api, dispatcher: Dispatcher) -> None:
    owner = await api.sign_up("owner")
    org = await api.organisation(owner)
    async with receiving() as receiver:
        await _endpoint(api, owner, org, receiver.url.replace("/hook", "/redirect"))
        await _rename(api, owner, org, "Moved")
        await dispatcher.run_once()
        assert [r.path for r in receiver.received] == ["/redirect"]
    [shown] = await _endpoints(api, owner, org)
    [delivery] = shown["deliveries"]["nodes"]
    assert delivery["responseStatus"] == 302
    assert "redirects are not followed" in delivery["error"]


PRIVATE = [
    "10.0.0.1", "10.255.255.254", "172.16.0.1", "172.31.255.1", "192.168.1.1", "127.0.0.1",
    "127.8.9.10", "169.254.169.254", "100.64.0.1", str(ipaddress.IPv4Address(0)), "224.0.0.1", "240.0.0.1",
    "255.255.255.255", "192.0.0.8", "198.18.0.1", "::1", "::", "fc00::1", "fd12:3456::1",
    "fe80::1", "ff02::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
    "2002:a00:1::", "64:ff9b::a00:1",
]  # fmt: skip


@pytest.mark.parametrize("address", PRIVATE)
def test_the_guard_refuses_every_private_address(address: str) -> None:
    assert refused_address(ipaddress.ip_address(address)) is not None
    literal = f"[{address}]" if ":" in address else address
    with pytest.raises(UnsafeUrlError):
        check_url(f"https://{literal}/hook", require_https=True, allow_private=False)


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111"])
def test_the_guard_lets_public_addresses_through(address: str) -> None:
    assert refused_address(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "url",
    ["http://example.com/hook", "ftp://example.com/", "https://user:pw@example.com/",
     "https://localhost/hook", "https://printer.local/", "https://example.com/#x",
     "https:///nohost", "https://example.com/a b", "https://" + "a" * 2000 + ".com/", "not a url"],
)  # fmt: skip
def test_production_refuses_urls_that_are_not_public_https(url: str) -> None:
    with pytest.raises(UnsafeUrlError):
        check_url(url, require_https=True, allow_private=False)


def _sent(outcome: str) -> float:
    return REGISTRY.get_sample_value("bc_outgoing_webhooks_total", {"outcome": outcome}) or 0.0


async def test_the_guard_checks_what_a_name_resolves_to_and_sends_nothing() -> None:
    refused, failed = _sent("refused"), _sent("failed")
    sender = WebhookSender(allow_private=False)
    async with receiving() as receiver:
        attempt = await sender.send(
            f"http://localhost:{receiver.port}/hook", ("whsec_" + "A" * 43 + "=",), "evt_1", b"{}"
        )
        assert not attempt.ok
        assert attempt.error is not None and "resolves to a loopback address" in attempt.error
        assert receiver.received == []
        assert _sent("refused") == refused + 1
        assert _sent("failed") == failed  # a refusal is not a receiver's failure
    await sender.close()


async def test_a_slow_or_talkative_receiver_is_cut_short() -> None:
    sender = WebhookSender(allow_private=True, timeout_seconds=0.5, connect_seconds=0.5)
    async with receiving() as receiver:
        receiver.answer_bytes = 5_000_000
        attempt = await sender.send(receiver.url, ("whsec_" + "A" * 43 + "=",), "evt_1", b"{}")
        assert attempt.ok  # the answer's first 64 KiB are read, the rest is not waited for
    refusing = await sender.send("http://127.0.0.1:1/hook", ("whsec_" + "A" * 43 + "=",),
                                 "evt_2", b"{}")  # fmt: skip
    assert not refusing.ok
    assert refusing.error is not None and refusing.error.startswith("connection failed")
    await sender.close()


async def test_only_owners_and_admins_manage_endpoints_and_bad_input_changes_nothing(
    api: Api, dispatcher: Dispatcher, state: AppState
) -> None:
    owner = await api.sign_up("owner")
    staff = await api.sign_up("staff")
    org = await api.organisation(owner)
    await api.add_member(owner, org, staff, "STAFF")
    refused = await api(CREATE, {"input": {"organisationId": org, "url": "http://127.0.0.1:9/h"}},
                        token=staff.token)  # fmt: skip
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    for url, field in (("ftp://127.0.0.1/", "url"), ("http://u:p@127.0.0.1/", "url")):
        bad = await api(CREATE, {"input": {"organisationId": org, "url": url}}, token=owner.token)
        assert bad["data"]["webhookEndpointCreate"]["userErrors"][0]["field"] == ["input", field]
    test_kind = await api(
        CREATE, {"input": {"organisationId": org, "url": "http://127.0.0.1:9/h",
                           "eventKinds": ["WEBHOOK_TEST"]}}, token=owner.token,
    )  # fmt: skip
    assert test_kind["data"]["webhookEndpointCreate"]["userErrors"][0]["code"] == "INVALID"
    assert await _endpoints(api, owner, org) == []
    endpoint_id, _ = await _endpoint(api, owner, org, "http://127.0.0.1:9/h")
    # Staff see none; the owner sees it; a staff member cannot delete it.
    data = await api.ok(ENDPOINTS, {"id": org}, token=staff.token)
    assert data["organisation"]["webhookEndpoints"] == []
    denied = await api(DELETE, {"input": {"webhookEndpointId": endpoint_id}}, token=staff.token)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    gone = await api.ok(DELETE, {"input": {"webhookEndpointId": endpoint_id}}, token=owner.token)
    assert gone["webhookEndpointDelete"]["deletedWebhookEndpointId"] == endpoint_id
    assert await _endpoints(api, owner, org) == []
    async with state.db.read() as session:  # its idle delivery run ended with it
        pending = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.kind == "webhook.deliver",
                OutboxMessage.status == OutboxStatus.PENDING,
            )
        )
    assert pending == 0
    again = await api(DELETE, {"input": {"webhookEndpointId": endpoint_id}}, token=owner.token)
    assert again["data"]["webhookEndpointDelete"]["userErrors"][0]["code"] == "NOT_FOUND"
    await _rename(api, owner, org, "Nobody listens")
    await dispatcher.run_once()


async def test_an_api_key_with_the_admin_scope_registers_its_own_endpoint(
    api: Api, dispatcher: Dispatcher
) -> None:
    owner = await api.sign_up("owner")
    org = await api.organisation(owner)
    keys = await api.ok(
        """mutation($input: ApiKeyCreateInput!) { apiKeyCreate(input: $input) { secret } }""",
        {"input": {"organisationId": org, "name": "ERP", "scopes": ["READ", "ADMIN"]}},
        token=owner.token,
    )
    reader = await api.ok(
        """mutation($input: ApiKeyCreateInput!) { apiKeyCreate(input: $input) { secret } }""",
        {"input": {"organisationId": org, "name": "Reader", "scopes": ["READ"]}},
        token=owner.token,
    )
    async with receiving() as receiver:
        refused = await api(CREATE, {"input": {"organisationId": org, "url": receiver.url}},
                            token=reader["apiKeyCreate"]["secret"])  # fmt: skip
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        member = Member("key", keys["apiKeyCreate"]["secret"], "")
        _, secret = await _endpoint(api, member, org, receiver.url)
        await _rename(api, owner, org, "Seen by the ERP")
        await dispatcher.run_once()
        [hook] = receiver.hooks()
        assert _verified(secret, hook)["data"]["name"] == "Seen by the ERP"


@pytest.mark.skipif(
    shutil.which("node") is None or not (REPO_ROOT / "tests/js/node_modules").is_dir(),
    reason="node and tests/js/node_modules (`make test` installs them)",
)
async def test_the_documented_javascript_receiver_verifies_deliveries(
    api: Api, dispatcher: Dispatcher, tmp_path: Path
) -> None:
    page = (REPO_ROOT / "docs" / "integrators.md").read_text(encoding="utf-8")
    [code] = [s.text for s in steps(page) if s.kind == "file" and s.name == "receiver.mjs"]
    # Beside tests/js/node_modules, where the page's `npm install standardwebhooks` put it.
    script = REPO_ROOT / "tests" / "js" / f".receiver-{uuid.uuid4().hex}.mjs"
    script.write_text(code, encoding="utf-8")
    owner = await api.sign_up("owner")
    org = await api.organisation(owner)
    port = free_port()
    _, secret = await _endpoint(api, owner, org, f"http://127.0.0.1:{port}/webhooks")
    events = tmp_path / "events.jsonl"
    env = {**os.environ, "PORT": str(port), "WEBHOOK_SECRET": secret, "EVENTS_FILE": str(events)}
    process = await asyncio.create_subprocess_exec(
        "node", str(script), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(100):
                with contextlib.suppress(httpx.TransportError):
                    forged = await http.post(
                        f"http://127.0.0.1:{port}/webhooks", content=b"{}",
                        headers={"webhook-id": "evt_x", "webhook-timestamp": "1",
                                 "webhook-signature": "v1,AAAA"},
                    )  # fmt: skip
                    break
                await asyncio.sleep(0.1)
            assert forged.status_code == 400
        await _rename(api, owner, org, "Heard in JavaScript")
        await api.ok(RENAME, {"input": {"id": org, "name": "Heard twice"}}, token=owner.token)
        await dispatcher.run_once()
        [shown] = await _endpoints(api, owner, org)
        assert [d["responseStatus"] for d in shown["deliveries"]["nodes"]] == [204, 204]
        lines = [json.loads(line) for line in events.read_text().splitlines()]
        assert [e["data"]["name"] for e in lines] == ["Heard in JavaScript", "Heard twice"]
    finally:
        process.terminate()
        await process.wait()
        script.unlink()
