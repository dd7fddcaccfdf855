"""Demo seeding is idempotent and its logins work."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from db.models import Account, Membership, Organisation
from resolvers.context import AppState
from server.seed import DEMO_ACCOUNTS, OWNER, seed_demo
from tests.conftest import Api


async def test_seeding_twice_and_concurrently_creates_the_demo_world_once(
    api: Api, state: AppState
) -> None:
    await seed_demo(state)
    await asyncio.gather(seed_demo(state), seed_demo(state))
    async with state.db.read() as session:
        counts = [
            await session.scalar(select(func.count()).select_from(model))
            for model in (Account, Organisation, Membership)
        ]
    assert counts == [len(DEMO_ACCOUNTS), 2, 3]
    data = await api.ok(
        """mutation($i: AccessTokenCreateInput!) { accessTokenCreate(input: $i) {
            accessToken { token } userErrors { code } } }""",
        {"i": {"email": OWNER.email, "password": OWNER.password}},
    )
    token = data["accessTokenCreate"]["accessToken"]["token"]
    mine = await api.ok("{ viewer { organisations { nodes { name viewerRole } } } }", token=token)
    assert mine["viewer"]["organisations"]["nodes"] == [
        {"name": "Sharma Traders", "viewerRole": "OWNER"}
    ]
