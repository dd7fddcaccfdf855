"""Concurrent requests: idempotency keys and the last-owner rule hold under races."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from db.models import Membership, MembershipRole, Organisation
from resolvers.context import AppState
from tests.conftest import Api

CREATE = """mutation($input: OrganisationCreateInput!) { organisationCreate(input: $input) {
    organisation { id } userErrors { code } } }"""
REMOVE = """mutation($input: MembershipDeleteInput!) { membershipDelete(input: $input) {
    deletedMembershipId userErrors { code } } }"""


async def test_concurrent_creates_with_one_key_create_one_organisation(
    api: Api, state: AppState
) -> None:
    owner = await api.sign_up()
    variables = {"input": {"name": "Race Ltd", "idempotencyKey": "race-1"}}
    results = await asyncio.gather(
        *(api.ok(CREATE, variables, token=owner.token) for _ in range(8))
    )
    ids = {r["organisationCreate"]["organisation"]["id"] for r in results}
    assert len(ids) == 1
    async with state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Organisation)) == 1


async def test_two_owners_removing_each_other_leave_one_owner(api: Api, state: AppState) -> None:
    first, second = await api.sign_up(), await api.sign_up()
    org = await api.organisation(first)
    second_membership = await api.add_member(first, org, second, "OWNER")
    first_membership = (
        await api.ok(
            "query($id: ID!) { organisation(id: $id) { members { nodes { id role } } } }",
            {"id": org},
            token=first.token,
        )
    )["organisation"]["members"]["nodes"][0]["id"]
    results = await asyncio.gather(
        api(REMOVE, {"input": {"id": second_membership}}, token=first.token),
        api(REMOVE, {"input": {"id": first_membership}}, token=second.token),
    )
    outcomes = sorted(
        "removed"
        if r["data"]["membershipDelete"]["deletedMembershipId"]
        else r["data"]["membershipDelete"]["userErrors"][0]["code"]
        for r in results
    )
    # Whoever goes second is refused: either no longer a member, or the last owner.
    assert outcomes[1] == "removed"
    assert outcomes[0] in {"LAST_OWNER", "NOT_FOUND"}
    async with state.db.read() as session:
        owners = await session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.role == MembershipRole.OWNER)
        )
    assert owners == 1


DOCUMENT = """mutation($i: DocumentCreateInput!) { documentCreate(input: $i) {
    document { id number } userErrors { code } } }"""


async def test_concurrent_documents_in_one_organisation_take_distinct_numbers_and_events(
    api: Api, state: AppState
) -> None:
    """Creating documents holds the organisation's row only in key-share mode, so creates run
    side by side: numbers stay one series without gaps, an idempotency key still makes one
    document, and the event log stays numbered one after another."""
    from db.models import Document, OrganisationEvent
    from resolvers.services.ids import decode_typed_id

    owner = await api.sign_up()
    org = await api.organisation(owner)
    await api.ok(
        """mutation($i: OrganisationGstinAddInput!) { organisationGstinAdd(input: $i) {
            gstin { gstin } } }""",
        {"i": {"organisationId": org, "gstin": "27AAPFS1234K1ZW"}},
        token=owner.token,
    )
    contact = (
        await api.ok(
            """mutation($i: ContactCreateInput!) { contactCreate(input: $i) { contact { id } } }""",
            {"i": {"organisationId": org, "contact": {"displayName": "Tapti Foods",
                   "isCustomer": True, "gstTreatment": "UNREGISTERED", "placeOfSupply": "27"}}},
            token=owner.token,
        )
    )["contactCreate"]["contact"]["id"]  # fmt: skip

    def made(key: str) -> dict[str, object]:
        line = {"description": "Rice", "hsnSac": "1006", "quantity": "1",
                "unitPrice": "100.00", "taxRate": "5"}  # fmt: skip
        return {"i": {"organisationId": org, "kind": "INVOICE", "contactId": contact,
                      "documentDate": "2026-11-24", "lines": [line], "idempotencyKey": key}}  # fmt: skip

    other = await api.sign_up()
    membership = await api.add_member(owner, org, other, "ADMIN")
    role = """mutation($i: MembershipUpdateInput!) { membershipUpdate(input: $i) {
        membership { role } userErrors { code } } }"""
    *results, changed = await asyncio.gather(  # raw answers: all end before any assertion
        *(api(DOCUMENT, made(f"doc-{n}"), token=owner.token) for n in range(8)),
        *(api(DOCUMENT, made("same-key"), token=owner.token) for _ in range(4)),
        # A membership change takes the row exclusively: it waits for creates, not the reverse.
        api(role, {"i": {"id": membership, "role": "STAFF"}}, token=owner.token),
    )
    assert "errors" not in changed, changed
    assert changed["data"]["membershipUpdate"]["membership"] == {"role": "STAFF"}
    assert all(r["data"]["documentCreate"]["userErrors"] == [] for r in results), results
    documents = [r["data"]["documentCreate"]["document"] for r in results]
    assert len({d["id"] for d in documents}) == 9  # eight keys, and one for the shared key
    numbers = sorted({d["number"] for d in documents})
    assert len(numbers) == 9
    assert [int(n[-4:]) for n in numbers] == list(range(1, 10))
    key = decode_typed_id(org, "Organisation")
    async with state.db.read() as session:
        assert (
            await session.scalar(
                select(func.count()).select_from(Document).where(Document.organisation_id == key)
            )
            == 9
        )
        seqs = list(
            await session.scalars(
                select(OrganisationEvent.seq)
                .where(OrganisationEvent.organisation_id == key)
                .order_by(OrganisationEvent.seq)
            )
        )
    assert seqs == list(range(1, len(seqs) + 1))
