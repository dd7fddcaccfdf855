"""Documents to a contact whose GSTIN the GSTN portal shows as cancelled or suspended are
refused (GSTIN_INACTIVE); the status is looked up at most once a day per contact."""

from __future__ import annotations

from sqlalchemy import func, select

from db.models import Document
from resolvers.context import AppState
from simulator.demo import TAPTI_DL
from simulator.network import SimulatedNetwork
from tests.conftest import Api
from tests.test_documents import CREATE, LAPTOP, _seller

DAY = 86_400


def _invoice(org: str, contact: str) -> dict[str, object]:
    return {"organisationId": org, "kind": "INVOICE", "contactId": contact,
            "documentDate": "2026-11-24", "lines": [LAPTOP]}  # fmt: skip


async def _documents(state: AppState) -> int:
    async with state.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(Document)) or 0)


async def test_a_document_to_a_cancelled_gstin_is_refused(
    api: Api, simulator: SimulatedNetwork, state: AppState
) -> None:
    owner, org, _local, delhi = await _seller(api)
    first = await api.ok(CREATE, {"i": _invoice(org, delhi)}, token=owner.token)
    assert first["documentCreate"]["userErrors"] == []
    # The portal cancels Tapti Foods' registration (the control API changes a taxpayer).
    simulator.world.taxpayers[TAPTI_DL].status = "CANCELLED"
    # Looked up at most once a day: the same day the last status stands.
    same_day = await api.ok(CREATE, {"i": _invoice(org, delhi)}, token=owner.token)
    assert same_day["documentCreate"]["userErrors"] == []
    await simulator.advance(DAY)
    before = await _documents(state)
    refused = await api(CREATE, {"i": _invoice(org, delhi)}, token=owner.token)
    [error] = refused["data"]["documentCreate"]["userErrors"]
    assert (error["code"], error["field"]) == ("GSTIN_INACTIVE", ["input", "contactId"])
    assert "cancelled" in error["message"]
    assert await _documents(state) == before  # nothing was created
    # Reinstated (and suspended is refused too), the next day's look-up lets it through.
    simulator.world.taxpayers[TAPTI_DL].status = "SUSPENDED"
    await simulator.advance(DAY)
    suspended = await api(CREATE, {"i": _invoice(org, delhi)}, token=owner.token)
    assert suspended["data"]["documentCreate"]["userErrors"][0]["code"] == "GSTIN_INACTIVE"
    simulator.world.taxpayers[TAPTI_DL].status = "ACTIVE"
    await simulator.advance(DAY)
    again = await api.ok(CREATE, {"i": _invoice(org, delhi)}, token=owner.token)
    assert again["documentCreate"]["userErrors"] == []


async def test_the_portal_down_does_not_hold_a_document_up(
    api: Api, simulator: SimulatedNetwork
) -> None:
    from simulator.faults import Fault

    owner, org, _local, delhi = await _seller(api)
    simulator.faults.add("gstn_status", Fault("TIMEOUT_NOT_DONE"))
    made = await api.ok(CREATE, {"i": _invoice(org, delhi)}, token=owner.token)
    assert made["documentCreate"]["userErrors"] == []
