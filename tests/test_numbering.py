"""Document numbers: unique per GSTIN, kind and fiscal year; automatic numbering skips numbers
taken by hand and never gets stuck."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import Document
from db.repositories import document as document_repo
from resolvers.context import AppState
from simulator.demo import SHARMA_KA, SHARMA_MH
from tests.conftest import Api
from tests.test_documents import CREATE, GSTIN_ADD, _doc, _seller

WITH_GSTIN = CREATE.replace("document { id", "document { id gstin sellerGstin")


async def _create(api: Api, token: str, doc: dict[str, Any]) -> dict[str, Any]:
    result = await api(WITH_GSTIN, {"i": doc}, token=token)
    assert "errors" not in result, result
    payload: dict[str, Any] = result["data"]["documentCreate"]
    return payload


async def test_automatic_numbers_skip_numbers_taken_by_hand(api: Api) -> None:
    owner, org, _local, delhi = await _seller(api)
    numbers = []
    for number in ("INV-00002", None, None, "INV-00004", None):
        payload = await _create(api, owner.token, _doc(org, delhi, number=number))
        assert payload["userErrors"] == []
        numbers.append(payload["document"]["number"])
    assert numbers == ["INV-00002", "INV-00001", "INV-00003", "INV-00004", "INV-00005"]
    taken = await _create(api, owner.token, _doc(org, delhi, number="INV-00003"))
    assert [(e["code"], e["field"]) for e in taken["userErrors"]] == [
        ("TAKEN", ["input", "number"])
    ]


async def test_a_clash_at_insert_takes_the_next_number_or_is_a_user_error(
    api: Api, state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, org, _local, delhi = await _seller(api)
    await _create(api, owner.token, _doc(org, delhi, number="INV-00001"))
    # As if another request took the number between our check and our insert:
    real = document_repo.number_taken
    calls: list[str] = []

    async def blind_once(*args: Any, **kwargs: Any) -> bool:
        calls.append(args[4])
        return False if len(calls) == 1 else await real(*args, **kwargs)

    monkeypatch.setattr(document_repo, "number_taken", blind_once)
    auto = await _create(api, owner.token, _doc(org, delhi))
    assert auto["userErrors"] == []
    assert auto["document"]["number"] == "INV-00002"
    calls.clear()
    manual = await _create(api, owner.token, _doc(org, delhi, number="INV-00001"))
    assert [(e["code"], e["field"]) for e in manual["userErrors"]] == [
        ("TAKEN", ["input", "number"])
    ]
    async with state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Document)) == 2


async def test_each_gstin_keeps_its_own_series(api: Api) -> None:
    owner, org, _local, delhi = await _seller(api)
    await api.ok(GSTIN_ADD, {"i": {"organisationId": org, "gstin": SHARMA_KA}}, token=owner.token)
    made = []
    for gstin in (None, SHARMA_KA, SHARMA_MH, SHARMA_KA.lower()):
        payload = await _create(api, owner.token, _doc(org, delhi, gstin=gstin))
        assert payload["userErrors"] == []
        document = payload["document"]
        assert document["gstin"] == document["sellerGstin"]
        made.append((document["number"], document["gstin"]))
    assert made == [
        ("INV-00001", SHARMA_MH),
        ("INV-00001", SHARMA_KA),
        ("INV-00002", SHARMA_MH),
        ("INV-00002", SHARMA_KA),
    ]
    # The same number by hand under each GSTIN: fine; twice under one: taken.
    assert (await _create(api, owner.token, _doc(org, delhi, gstin=SHARMA_KA, number="X-1")))[
        "userErrors"
    ] == []
    assert (await _create(api, owner.token, _doc(org, delhi, number="X-1")))["userErrors"] == []
    again = await _create(api, owner.token, _doc(org, delhi, gstin=SHARMA_KA, number="X-1"))
    assert again["userErrors"][0]["code"] == "TAKEN"


async def test_a_gstin_the_organisation_does_not_hold_is_refused(api: Api, state: AppState) -> None:
    owner, org, _local, delhi = await _seller(api)
    refused = await _create(api, owner.token, _doc(org, delhi, gstin=SHARMA_KA))
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
        ("GSTIN_NOT_HELD", ["input", "gstin"])
    ]
    async with state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Document)) == 0
