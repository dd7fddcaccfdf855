"""The simulator's control API."""

from __future__ import annotations

from typing import Any

import httpx

from simulator.demo import gstin
from simulator.network import SimulatedNetwork
from tests.onboarding_helpers import GSTIN_ADD, GSTIN_OTP, GSTIN_VERIFY, START


async def test_taxpayers_and_directory(
    control: httpx.AsyncClient, simulator: SimulatedNetwork
) -> None:
    new_gstin = gstin("33AACCM4321T1Z")
    body = {
        "gstin": new_gstin,
        "legalName": "Madurai Mills",
        "username": "mmills",
        "mobile": "+91 9443012345",
        "email": "a@mm.example",
    }
    created = await control.post("/simulator/taxpayers", json=body)
    assert created.status_code == 201
    assert simulator.world.taxpayers[new_gstin].mobile == "9443012345"
    bad = await control.post("/simulator/taxpayers", json={**body, "gstin": "33AACCM4321T1ZZ"})
    assert bad.status_code == 400
    assert "check character" in bad.json()["error"]
    missing = await control.post("/simulator/taxpayers", json={"gstin": new_gstin})
    assert missing.json() == {"error": "missing field legalName"}
    entry = await control.post(
        "/simulator/directory",
        json={"b2bId": "Madurai-Mills", "gstin": new_gstin, "legalName": "Madurai Mills"},
    )
    assert entry.status_code == 201
    assert simulator.world.directory["madurai-mills"].gstin == new_gstin
    dup = await control.post(
        "/simulator/directory",
        json={"b2bId": "madurai-mills", "gstin": new_gstin, "legalName": "X"},
    )
    assert dup.status_code == 409
    listed = (await control.get("/simulator/directory")).json()
    assert any(e["b2bId"] == "ganga-steel" for e in listed)


async def test_messages_and_otp(control: httpx.AsyncClient, simulator: SimulatedNetwork) -> None:
    assert (await control.get("/simulator/otp", params={"to": "9000000000"})).status_code == 404
    await simulator.send_sms("9000000000", "123456 is your OTP")
    assert (await control.get("/simulator/otp", params={"to": "9000000000"})).json() == {
        "to": "9000000000",
        "otp": "123456",
    }
    messages = (await control.get("/simulator/messages", params={"to": "9000000000"})).json()
    assert [m["text"] for m in messages] == ["123456 is your OTP"]


async def test_behaviour_faults_outage_and_advance(
    control: httpx.AsyncClient, simulator: SimulatedNetwork
) -> None:
    put = await control.put(
        "/simulator/behaviour", json={"b2bReviewSeconds": 5, "rejectB2bIds": {"Foo-Bar": "no"}}
    )
    assert put.json()["b2bReviewSeconds"] == 5
    assert simulator.world.behaviour.reject_b2b_ids == {"foo-bar": "no"}
    answers = await control.put(
        "/simulator/behaviour", json={"documentAnswers": {"Tapti-Foods": ["RETURN", "wrong rate"]}}
    )
    assert answers.json()["documentAnswers"] == {"tapti-foods": ["RETURN", "wrong rate"]}
    bad_answer = await control.put(
        "/simulator/behaviour", json={"documentAnswers": {"tapti-foods": ["MAYBE"]}}
    )
    assert bad_answer.status_code == 400
    refused = await control.put("/simulator/behaviour", json={"kycDecision": "MAYBE"})
    assert refused.status_code == 400
    assert simulator.world.behaviour.kyc_decision == "APPROVE"
    fault = await control.post(
        "/simulator/faults",
        json={"operation": "send_sms", "kind": "REFUSE", "reason": "DND", "times": 2},
    )
    assert fault.json() == {"send_sms": [{"kind": "REFUSE", "reason": "DND", "seconds": 0.0}] * 2}
    for body in (
        {"operation": "nope", "kind": "REFUSE"},
        {"operation": "send_sms", "kind": "EXPLODE"},
        {"operation": "send_sms", "kind": "REFUSE", "times": 0},
    ):
        assert (await control.post("/simulator/faults", json=body)).status_code == 400
    assert (await control.delete("/simulator/faults")).json() == {"cleared": True}
    assert simulator.faults.pending() == {}
    outage = await control.post("/simulator/outage", json={"seconds": 60})
    assert outage.json()["outage"] is True
    assert simulator.faults.in_outage(simulator.clock.now())
    await control.delete("/simulator/outage")
    assert not simulator.faults.in_outage(simulator.clock.now())
    assert (await control.post("/simulator/advance", json={"seconds": -1})).status_code == 400
    assert (await control.post("/simulator/advance", json={"seconds": 1})).json() == {
        "ran": 0,
        "pending": 0,
    }
    assert (await control.post("/simulator/faults", content=b"not json")).status_code == 400


async def test_documents_and_delivery_time(
    control: httpx.AsyncClient, simulator: SimulatedNetwork
) -> None:
    from contract.documents import DocumentMessage

    put = await control.put("/simulator/behaviour", json={"documentDeliverySeconds": 3})
    assert put.json()["documentDeliverySeconds"] == 3
    assert (await control.get("/simulator/documents")).json() == []
    await simulator.document_send(
        DocumentMessage(
            network_id="INV1", kind="INVOICE", version=1, sender_b2b_id="ganga-steel",
            receiver_b2b_id="tapti-foods", number="G-1", document_date="2026-11-24",
            total_paise=100,
        )
    )  # fmt: skip
    assert (await control.get("/simulator/documents")).json() == [
        {
            "networkId": "INV1", "version": 1, "kind": "INVOICE", "number": "G-1",
            "sender": "ganga-steel", "receiver": "tapti-foods", "state": "DELIVERED",
            "remarks": None, "documentDate": "2026-11-24", "totalPaise": 100,
        }
    ]  # fmt: skip


async def test_a_new_taxpayer_onboards_from_scratch(
    control: httpx.AsyncClient, api: Any, simulator: SimulatedNetwork
) -> None:
    """The README's path for a business not in the demo world: complete a GSTIN with its check
    character, teach the GSTN portal the taxpayer, add the GSTIN, verify it by OTP."""
    bad = await control.get("/simulator/gstin", params={"first14": "27AAMFM4321Q1"})
    assert bad.status_code == 400
    made = (await control.get("/simulator/gstin", params={"first14": "27AAMFM4321Q1Z"})).json()
    assert made == {"gstin": "27AAMFM4321Q1ZR", "stateCode": "27", "pan": "AAMFM4321Q"}
    taught = await control.post(
        "/simulator/taxpayers",
        json={"gstin": made["gstin"], "legalName": "Mehta Fabrics", "username": "mehta.fabrics",
              "mobile": "9822012345", "email": "gst@mehta-fabrics.example"},
    )  # fmt: skip
    assert taught.status_code == 201
    owner = await api.sign_up("owner")
    org = await api.organisation(owner, "Mehta Fabrics")
    await api.ok(
        GSTIN_ADD, {"i": {"organisationId": org, "gstin": made["gstin"]}}, token=owner.token
    )
    await api.ok(START, {"i": {"organisationId": org, "authorised": True}}, token=owner.token)
    details = {"legalName": "Mehta Fabrics", "gstnUsername": "mehta.fabrics"}
    # The PAN's 4th letter (F) says firm: a partnership or LLP, not a company.
    wrong = await api(
        GSTIN_OTP,
        {"i": {"organisationId": org, "gstin": made["gstin"], **details,
               "businessType": "PRIVATE_LIMITED"}},
        token=owner.token,
    )  # fmt: skip
    assert wrong["data"]["onboardingGstinOtpRequest"]["userErrors"][0]["code"] == "PAN_MISMATCH"
    await api.ok(
        GSTIN_OTP,
        {"i": {"organisationId": org, "gstin": made["gstin"], **details,
               "businessType": "PARTNERSHIP"}},
        token=owner.token,
    )  # fmt: skip
    otp = (await control.get("/simulator/otp", params={"to": "9822012345"})).json()["otp"]
    verified = await api.ok(GSTIN_VERIFY, {"i": {"organisationId": org, "otp": otp}}, token=owner.token)  # fmt: skip
    assert verified["onboardingGstinVerify"]["onboarding"]["nextStep"] == "VERIFY_MOBILE"
