"""The number of SQL statements for a page does not grow with the page size."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, Member, StatementCounter

ORGS = """query($n: Int!) { viewer { account { email } organisations(first: $n) {
    nodes { name viewerRole members(first: 10) { nodes { role account { email } } } } } } }"""
MEMBERS = """query($id: ID!, $n: Int!) { organisation(id: $id) { name
    members(first: $n) { nodes { role account { displayName } organisation { name } } } } }"""


async def _count(
    api: Api, statements: StatementCounter, query: str, variables: dict[str, object], member: Member
) -> int:
    before = statements.count
    await api.ok(query, variables, token=member.token)
    return statements.count - before


async def test_organisations_with_members_cost_the_same_for_5_or_50(
    api: Api, statements: StatementCounter
) -> None:
    owner = await api.sign_up()
    staff = [await api.sign_up(f"s{i}") for i in range(3)]
    for i in range(50):
        org = await api.organisation(owner, f"Org {i}")
        for member in staff[: i % 4]:
            await api.add_member(owner, org, member, "STAFF")
    small = await _count(api, statements, ORGS, {"n": 5}, owner)
    large = await _count(api, statements, ORGS, {"n": 50}, owner)
    assert small == large
    assert large <= 6


async def test_members_page_cost_does_not_grow(api: Api, statements: StatementCounter) -> None:
    owner = await api.sign_up()
    org = await api.organisation(owner)
    for i in range(49):
        await api.add_member(owner, org, await api.sign_up(f"m{i}"), "STAFF")
    small = await _count(api, statements, MEMBERS, {"id": org, "n": 5}, owner)
    large = await _count(api, statements, MEMBERS, {"id": org, "n": 50}, owner)
    assert small == large


@pytest.mark.postgres_only
async def test_a_read_makes_one_round_trip_per_statement(
    api: Api, statements: StatementCounter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No ping on checkout, no BEGIN/ROLLBACK around reads: the database hears the SELECTs."""
    import asyncpg.transaction

    owner = await api.sign_up()
    for i in range(5):
        await api.organisation(owner, f"Org {i}")
    trips: list[str] = []
    real_start = asyncpg.transaction.Transaction.start
    real_rollback = asyncpg.transaction.Transaction.rollback

    async def start(self: Any) -> None:
        trips.append("BEGIN")
        await real_start(self)

    async def rollback(self: Any) -> None:
        trips.append("ROLLBACK")
        await real_rollback(self)

    monkeypatch.setattr(asyncpg.transaction.Transaction, "start", start)
    monkeypatch.setattr(asyncpg.transaction.Transaction, "rollback", rollback)
    statements.count = 0
    await api.ok(ORGS, {"n": 5}, token=owner.token)
    assert trips == []
    assert statements.count <= 6
