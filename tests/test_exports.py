"""Exports, imports and SEZ supplies: IGST at the full rate, or zero-rated under LUT/bond."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api, Member
from tests.test_documents import CONTACT, CREATE, LAPTOP, _seller

DOC = CREATE.replace("supplyType placeOfSupply", "supplyType placeOfSupply underLut")


async def _contact(api: Api, owner: Member, org: str, **contact: Any) -> str:
    data = await api.ok(
        CONTACT, {"i": {"organisationId": org, "contact": contact}}, token=owner.token
    )
    made: str = data["contactCreate"]["contact"]["id"]
    return made


async def _create(api: Api, owner: Member, org: str, contact: str, **extra: Any) -> dict[str, Any]:
    result = await api(
        DOC,
        {"i": {"organisationId": org, "kind": "INVOICE", "contactId": contact,
               "documentDate": "2026-11-24", "lines": [LAPTOP], **extra}},
        token=owner.token,
    )  # fmt: skip
    assert "errors" not in result, result
    payload: dict[str, Any] = result["data"]["documentCreate"]
    return payload


def _taxes(document: dict[str, Any]) -> tuple[str, str, str, str]:
    totals = document["totals"]
    return (
        document["supplyType"],
        totals["cgst"]["amount"],
        totals["sgst"]["amount"],
        totals["igst"]["amount"],
    )


async def test_an_export_charges_igst_or_is_zero_rated_under_lut(api: Api) -> None:
    owner, org, _local, _delhi = await _seller(api)
    overseas = await _contact(
        api, owner, org, displayName="Acme GmbH", isCustomer=True, isVendor=True,
        gstTreatment="OVERSEAS",
    )  # fmt: skip
    exported = (await _create(api, owner, org, overseas))["document"]
    assert exported["placeOfSupply"] == "96"
    assert _taxes(exported) == ("EXPORT", "0.00", "0.00", "18000.00")
    assert exported["underLut"] is False
    lut = (await _create(api, owner, org, overseas, underLut=True))["document"]
    assert _taxes(lut) == ("EXPORT", "0.00", "0.00", "0.00")
    assert (lut["underLut"], lut["totals"]["total"]["amount"]) == (True, "100000.00")
    refused = await _create(api, owner, org, overseas, placeOfSupply="27")
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
        ("INVALID", ["input", "placeOfSupply"])
    ]


async def test_an_import_is_inter_state(api: Api) -> None:
    owner, org, _local, _delhi = await _seller(api)
    overseas = await _contact(
        api, owner, org, displayName="Acme GmbH", isVendor=True, gstTreatment="OVERSEAS"
    )
    order = (await _create(api, owner, org, overseas, kind="PURCHASE_ORDER"))["document"]
    assert order["placeOfSupply"] == "27"
    assert _taxes(order) == ("IMPORT", "0.00", "0.00", "18000.00")


async def test_an_sez_unit_in_the_same_state_pays_igst_unless_under_lut(api: Api) -> None:
    owner, org, local, _delhi = await _seller(api)
    sez = await _contact(
        api, owner, org, displayName="Pune SEZ Unit", isCustomer=True,
        gstin="27AAPFU0939F1ZV", gstTreatment="SEZ",
    )  # fmt: skip
    supplied = (await _create(api, owner, org, sez))["document"]
    assert _taxes(supplied) == ("SEZ", "0.00", "0.00", "18000.00")
    lut = (await _create(api, owner, org, sez, underLut=True))["document"]
    assert _taxes(lut) == ("SEZ", "0.00", "0.00", "0.00")
    domestic = await _create(api, owner, org, local, underLut=True)
    assert [(e["code"], e["field"]) for e in domestic["userErrors"]] == [
        ("INVALID", ["input", "underLut"])
    ]
