"""Every GST state code: its place-of-supply rule and the tax heads of an intra-state sale."""

from __future__ import annotations

import decimal

import pytest

from contract import states
from contract.identifiers import STATE_CODES
from resolvers.services import tax
from tests.conftest import Api
from tests.test_documents import CREATE, _doc, _seller

LINE = tax.LineIn(
    "Item",
    "8471",
    decimal.Decimal(1),
    decimal.Decimal(100),
    decimal.Decimal(0),
    decimal.Decimal(18),
)
UTGST = {"04", "25", "26", "31", "35", "38", "97"}


@pytest.mark.parametrize("code", sorted(STATE_CODES))
def test_each_state_code(code: str) -> None:
    problem = states.place_of_supply_problem(code)
    if code in {"25", "28"}:
        assert problem is not None
        assert states.current(code) in states.PLACES_OF_SUPPLY
        assert "no longer used" in problem
    elif code == "99":
        assert problem == "99 (Centre Jurisdiction) is not a place of supply."
    else:
        assert problem is None
        heads = tax.line_tax(LINE, tax.SupplyType.INTRA_STATE, code)
        if code in UTGST:
            assert (heads.cgst, heads.sgst, heads.utgst, heads.igst) == (900, 0, 900, 0)
        else:
            assert (heads.cgst, heads.sgst, heads.utgst, heads.igst) == (900, 900, 0, 0)
    assert (code in states.UT_WITHOUT_LEGISLATURE) == (code in UTGST)


def test_outside_india_and_unknown_codes() -> None:
    assert states.place_of_supply_problem("96") is None
    assert states.place_of_supply_problem("00") == "Not a GST state code (96 for outside India)."
    assert states.place_of_supply_problem("39") is not None


async def test_documents_refuse_25_and_99_as_place_of_supply(api: Api) -> None:
    owner, org, _local, delhi = await _seller(api)
    for code, words in (("25", "use 26"), ("99", "Centre Jurisdiction")):
        result = await api(CREATE, {"i": _doc(org, delhi, placeOfSupply=code)}, token=owner.token)
        (error,) = result["data"]["documentCreate"]["userErrors"]
        assert (error["code"], error["field"]) == ("INVALID", ["input", "placeOfSupply"])
        assert words in error["message"]
    created = await api.ok(CREATE, {"i": _doc(org, delhi, placeOfSupply="26")}, token=owner.token)
    document = created["documentCreate"]["document"]
    assert (document["placeOfSupply"], document["supplyType"]) == ("26", "INTER_STATE")
