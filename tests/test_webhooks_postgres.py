"""Outgoing webhooks with two API workers sharing one PostgreSQL database: every event is
delivered once, in the order of the organisation's event log, whichever worker wrote it and
whichever worker's dispatcher delivers."""

from __future__ import annotations

import asyncio

import pytest
from standardwebhooks.webhooks import Webhook

from tests.conftest import PASSWORD, free_port, served_api
from tests.conftest import post_to as _post
from tests.webhook_receiver import receiving

pytestmark = pytest.mark.postgres_only

SIGN_UP = (
    """mutation($i: AccountSignUpInput!) { accountSignUp(input: $i) { accessToken { token } } }"""
)
CREATE = """mutation($i: OrganisationCreateInput!) { organisationCreate(input: $i) { organisation { id } } }"""
RENAME = """mutation($i: OrganisationUpdateInput!) { organisationUpdate(input: $i) { userErrors { code } } }"""
ENDPOINT = """mutation($i: WebhookEndpointCreateInput!) { webhookEndpointCreate(input: $i) {
    secret userErrors { code message } } }"""


async def test_two_workers_deliver_each_event_once_in_order(database_url: str) -> None:
    # Several workers need the network as a service of its own; nothing here calls it.
    network = f"http://127.0.0.1:{free_port()}"
    async with (
        served_api(database_url, WORKERS="2", NETWORK_URL=network) as port,
        receiving() as receiver,
    ):
        signed = await _post(
            port, SIGN_UP,
            {"i": {"email": "hooks@example.com", "password": PASSWORD, "displayName": "H"}},
        )  # fmt: skip
        token = str(signed["accountSignUp"]["accessToken"]["token"])  # type: ignore[index]
        created = await _post(port, CREATE, {"i": {"name": "Hooked"}}, token)
        org = str(created["organisationCreate"]["organisation"]["id"])  # type: ignore[index]
        registered = await _post(
            port, ENDPOINT, {"i": {"organisationId": org, "url": receiver.url}}, token
        )
        secret = str(registered["webhookEndpointCreate"]["secret"])  # type: ignore[index]
        names = [f"Hooked {n}" for n in range(30)]
        # Three waves of ten concurrent renames, spread over both workers by the kernel.
        for wave in range(3):
            await asyncio.gather(
                *(
                    _post(port, RENAME, {"i": {"id": org, "name": name}}, token)
                    for name in names[wave * 10 : wave * 10 + 10]
                )
            )
        hooks = await receiver.wait_for(30, timeout=60)
        await asyncio.sleep(2)  # nothing more comes
        hooks = receiver.hooks()
    assert len(hooks) == 30
    bodies = [Webhook(secret).verify(h.body, h.headers) for h in hooks]
    seqs = [int(h.headers["webhook-id"].rsplit("_", 1)[1]) for h in hooks]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == 30
    assert sorted(b["data"]["name"] for b in bodies) == sorted(names)
