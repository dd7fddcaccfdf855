"""KYC through the API: the whole path, refusals, uploads, masking and the network's review."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from db.models import KycDocument, KycOwner
from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from resolvers.services.ids import decode_typed_id
from server.settings import Settings
from simulator.network import SimulatedNetwork
from tests.conftest import Api, Member
from tests.onboarding_helpers import create_b2b_id, ready_for_b2b_id

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
KYC = """query($id: ID!) { organisation(id: $id) { onboarding { nextStep kycState kyc {
    status rejectionReason address { line city stateName pin }
    representative { name pan fullPan mobile } owners { id name pan fullPan sharePercent }
    bankAccount { holder accountNumber fullAccountNumber ifsc }
    documents { kind filename contentType size } requiredDocuments missing { code field } } } } }"""
UPDATE = """mutation($i: KycProfileUpdateInput!) { kycProfileUpdate(input: $i) {
    kyc { status } userErrors { code field message } } }"""
OWNER = """mutation($i: KycOwnerAddInput!) { kycOwnerAdd(input: $i) {
    kyc { owners { id sharePercent } } userErrors { code field message } } }"""
REMOVE = """mutation($i: KycOwnerRemoveInput!) { kycOwnerRemove(input: $i) { kyc { owners { id } } userErrors { code field } } }"""
SUBMIT = """mutation($i: KycSubmitInput!) { kycSubmit(input: $i) { kyc { status } userErrors { code field message } } }"""

ADDRESS = {"line": "12 MG Road", "city": "Pune", "stateCode": "27", "pin": "411001"}
REPRESENTATIVE = {
    "name": "Asha Sharma",
    "pan": "ABCPS1234K",
    "designation": "Partner",
    "email": "asha@sharma-traders.example",
    "mobile": "9123456780",
}
BANK = {"holder": "Sharma Traders", "number": "123456789012", "ifsc": "HDFC0001234"}


async def _approved(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> tuple[Member, str]:
    owner = await api.sign_up("owner")
    org = await api.organisation(owner, "Sharma Traders")
    await ready_for_b2b_id(api, simulator, owner, org)
    await create_b2b_id(api, owner, org)
    await dispatcher.run_once()
    await simulator.advance(30)
    return owner, org


async def _upload(
    client: httpx.AsyncClient,
    token: str | None,
    org: str,
    kind: str,
    content: bytes,
    content_type: str = "application/pdf",
    owner: str | None = None,
) -> httpx.Response:
    headers = {"content-type": content_type}
    if token:
        headers["authorization"] = f"Bearer {token}"
    params = {"organisationId": org, "kind": kind, "filename": f"{kind.lower()}.pdf"}
    if owner is not None:
        params["ownerId"] = owner
    return await client.post(
        "/kyc/documents",
        params=params,
        content=content,
        headers=headers,
    )


async def _kyc(api: Api, member: Member, org: str) -> dict[str, Any]:
    data = await api.ok(KYC, {"id": org}, token=member.token)
    result: dict[str, Any] = data["organisation"]["onboarding"]
    return result


async def _complete(api: Api, client: httpx.AsyncClient, owner: Member, org: str) -> None:
    await api.ok(
        UPDATE,
        {
            "i": {
                "organisationId": org,
                "address": ADDRESS,
                "representative": REPRESENTATIVE,
                "bankAccount": BANK,
            }
        },
        token=owner.token,
    )
    await api.ok(
        OWNER,
        {
            "i": {
                "organisationId": org,
                "name": "Asha Sharma",
                "pan": "ABCPS1234K",
                "sharePercent": "60",
            }
        },
        token=owner.token,
    )
    await api.ok(
        OWNER,
        {
            "i": {
                "organisationId": org,
                "name": "Vikram Sharma",
                "pan": "ABCPS5678L",
                "sharePercent": "40.00",
            }
        },
        token=owner.token,
    )
    for kind in ("FIRM_PAN", "PARTNERSHIP_DEED", "REPRESENTATIVE_ID", "BANK_PROOF"):
        assert (await _upload(client, owner.token, org, kind, PDF)).status_code == 201
    for listed in (await _kyc(api, owner, org))["kyc"]["owners"]:
        uploaded = await _upload(client, owner.token, org, "OWNER_ID", PDF, owner=listed["id"])
        assert uploaded.status_code == 201, uploaded.text


async def test_the_whole_kyc(
    api: Api,
    client: httpx.AsyncClient,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    settings: Settings,
) -> None:
    owner, org = await _approved(api, simulator, dispatcher)
    before = await _kyc(api, owner, org)
    assert before["nextStep"] == "COMPLETE_KYC"
    assert before["kyc"]["requiredDocuments"] == [
        "FIRM_PAN",
        "PARTNERSHIP_DEED",
        "REPRESENTATIVE_ID",
        "BANK_PROOF",
    ]
    assert [m["field"] for m in before["kyc"]["missing"]][:4] == [
        ["address"],
        ["representative"],
        ["owners"],
        ["bankAccount"],
    ]
    await _complete(api, client, owner, org)
    ready = await _kyc(api, owner, org)
    kyc = ready["kyc"]
    assert kyc["missing"] == []
    assert kyc["address"] == {
        "line": "12 MG Road",
        "city": "Pune",
        "stateName": "Maharashtra",
        "pin": "411001",
    }
    assert kyc["representative"] == {
        "name": "Asha Sharma",
        "pan": "ABCPXXXX4K",
        "fullPan": "ABCPS1234K",
        "mobile": "******6780",
    }
    assert kyc["bankAccount"] == {
        "holder": "Sharma Traders",
        "accountNumber": "XXXXXXXX9012",
        "fullAccountNumber": "123456789012",
        "ifsc": "HDFC0001234",
    }
    assert [o["sharePercent"] for o in kyc["owners"]] == ["60.00", "40.00"]
    assert sorted(d["kind"] for d in kyc["documents"]) == [
        "BANK_PROOF",
        "FIRM_PAN",
        "OWNER_ID",
        "OWNER_ID",
        "PARTNERSHIP_DEED",
        "REPRESENTATIVE_ID",
    ]
    key = decode_typed_id(org, "Organisation")
    assert key is not None
    stored = [p for p in (Path(settings.kyc_storage_dir) / key.hex).iterdir() if p.is_file()]
    assert len(stored) == 6
    assert all("pdf" not in p.name for p in stored)  # stored under random keys, not names

    submitted = await api.ok(SUBMIT, {"i": {"organisationId": org}}, token=owner.token)
    assert submitted["kycSubmit"]["kyc"]["status"] == "SUBMITTED"
    assert (await _kyc(api, owner, org))["nextStep"] == "AWAIT_KYC_APPROVAL"
    late_edit = await api(
        UPDATE, {"i": {"organisationId": org, "address": ADDRESS}}, token=owner.token
    )
    assert late_edit["data"]["kycProfileUpdate"]["userErrors"][0]["code"] == "ALREADY_DONE"
    await dispatcher.run_once()
    await simulator.advance(80)
    done = await _kyc(api, owner, org)
    assert (done["kyc"]["status"], done["kycState"], done["nextStep"]) == (
        "APPROVED",
        "DONE",
        "DONE",
    )


async def test_kyc_rejected_then_fixed_and_resubmitted(
    api: Api, client: httpx.AsyncClient, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> None:
    owner, org = await _approved(api, simulator, dispatcher)
    await _complete(api, client, owner, org)
    simulator.world.behaviour.kyc_decision = "REJECT"
    await api.ok(SUBMIT, {"i": {"organisationId": org}}, token=owner.token)
    await dispatcher.run_once()
    await simulator.advance(80)
    rejected = await _kyc(api, owner, org)
    assert rejected["kyc"]["status"] == "REJECTED"
    assert "account holder" in rejected["kyc"]["rejectionReason"]
    assert rejected["nextStep"] == "COMPLETE_KYC"
    await api.ok(
        UPDATE,
        {
            "i": {
                "organisationId": org,
                "bankAccount": {**BANK, "holder": "Sharma Traders (Partnership)"},
            }
        },
        token=owner.token,
    )
    simulator.world.behaviour.kyc_decision = "APPROVE"
    await api.ok(SUBMIT, {"i": {"organisationId": org}}, token=owner.token)
    await dispatcher.run_once()
    await simulator.advance(80)
    assert (await _kyc(api, owner, org))["kyc"]["status"] == "APPROVED"


async def test_kyc_refusals_change_nothing(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    early = await api.sign_up()
    early_org = await api.organisation(early)
    await ready_for_b2b_id(api, simulator, early, early_org)
    too_soon = await api(
        UPDATE, {"i": {"organisationId": early_org, "address": ADDRESS}}, token=early.token
    )
    assert too_soon["data"]["kycProfileUpdate"]["userErrors"][0]["code"] == "STEP_OUT_OF_ORDER"

    owner, org = await _approved(api, simulator, dispatcher)
    bad = await api(
        UPDATE,
        {
            "i": {
                "organisationId": org,
                "address": {**ADDRESS, "pin": "011001", "stateCode": "40"},
                "representative": {
                    **REPRESENTATIVE,
                    "pan": "AAPFU0939F",
                    "email": "nope",
                    "mobile": "12345",
                },
                "bankAccount": {**BANK, "ifsc": "HDFC1001234", "number": "12ab"},
            }
        },
        token=owner.token,
    )
    fields = sorted(tuple(e["field"]) for e in bad["data"]["kycProfileUpdate"]["userErrors"])
    assert fields == sorted(
        [
            ("input", "address", "stateCode"),
            ("input", "address", "pin"),
            ("input", "representative", "pan"),
            ("input", "representative", "email"),
            ("input", "representative", "mobile"),
            ("input", "bankAccount", "number"),
            ("input", "bankAccount", "ifsc"),
        ]
    )
    assert (await _kyc(api, owner, org))["kyc"]["address"] is None

    await api.ok(
        OWNER,
        {"i": {"organisationId": org, "name": "Asha", "pan": "ABCPS1234K", "sharePercent": "75"}},
        token=owner.token,
    )
    over = await api(
        OWNER,
        {
            "i": {
                "organisationId": org,
                "name": "Vikram",
                "pan": "ABCPS5678L",
                "sharePercent": "25.01",
            }
        },
        token=owner.token,
    )
    assert [(e["code"], e["field"]) for e in over["data"]["kycOwnerAdd"]["userErrors"]] == [
        ("SHARES_OVER_100", ["input", "sharePercent"])
    ]
    small = await api(
        OWNER,
        {"i": {"organisationId": org, "name": "Tiny", "pan": "ABCPS9999M", "sharePercent": "9.99"}},
        token=owner.token,
    )
    assert small["data"]["kycOwnerAdd"]["userErrors"][0]["code"] == "INVALID"
    float_like = await api(
        OWNER,
        {"i": {"organisationId": org, "name": "F", "pan": "ABCPS9999M", "sharePercent": 20}},
        token=owner.token,
    )
    assert float_like["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    async with state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(KycOwner)) == 1
    incomplete = await api(SUBMIT, {"i": {"organisationId": org}}, token=owner.token)
    codes = {e["code"] for e in incomplete["data"]["kycSubmit"]["userErrors"]}
    assert codes == {"KYC_INCOMPLETE"}
    assert (await _kyc(api, owner, org))["kyc"]["status"] == "DRAFT"
    owner_id = (await _kyc(api, owner, org))["kyc"]["owners"][0]["id"]
    stranger = await api.sign_up()
    foreign = await api(REMOVE, {"i": {"ownerId": owner_id}}, token=stranger.token)
    assert foreign["data"]["kycOwnerRemove"]["userErrors"][0]["code"] == "NOT_FOUND"
    removed = await api.ok(REMOVE, {"i": {"ownerId": owner_id}}, token=owner.token)
    assert removed["kycOwnerRemove"]["kyc"]["owners"] == []


async def test_uploads_are_checked_and_private(
    api: Api,
    client: httpx.AsyncClient,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    state: AppState,
) -> None:
    owner, org = await _approved(api, simulator, dispatcher)
    staff, stranger = await api.sign_up(), await api.sign_up()
    await api.add_member(owner, org, staff, "STAFF")
    assert (await _upload(client, None, org, "FIRM_PAN", PDF)).status_code == 401
    assert (await _upload(client, "bct_bogus", org, "FIRM_PAN", PDF)).status_code == 401
    assert (await _upload(client, stranger.token, org, "FIRM_PAN", PDF)).status_code == 404
    assert (await _upload(client, staff.token, org, "FIRM_PAN", PDF)).status_code == 403
    text = await _upload(client, owner.token, org, "FIRM_PAN", b"just some text", "application/pdf")
    assert text.status_code == 415
    assert text.json()["userErrors"][0]["code"] == "UNSUPPORTED_FILE_TYPE"
    assert (
        await _upload(client, owner.token, org, "FIRM_PAN", PNG, "application/pdf")
    ).status_code == 415
    assert (await _upload(client, owner.token, org, "PASSPORT_PHOTO", PDF)).status_code == 400
    big = await _upload(client, owner.token, org, "FIRM_PAN", PDF + b"0" * (5 * 1024 * 1024))
    assert big.status_code == 413
    assert (
        await _upload(client, owner.token, org, "FIRM_PAN", b"", "application/pdf")
    ).status_code in {400, 415}
    async with state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(KycDocument)) == 0
    ok = await _upload(client, owner.token, org, "BANK_PROOF", PNG, "image/png")
    assert ok.status_code == 201
    assert ok.json()["document"]["contentType"] == "image/png"
    replaced = await _upload(client, owner.token, org, "BANK_PROOF", PDF)
    assert replaced.status_code == 201
    kinds = [
        (d["kind"], d["contentType"]) for d in (await _kyc(api, owner, org))["kyc"]["documents"]
    ]
    assert kinds == [("BANK_PROOF", "application/pdf")]
    # Staff see the KYC (masked), strangers nothing.
    staff_view = await _kyc(api, staff, org)
    assert staff_view["kyc"]["documents"] == [
        {
            "kind": "BANK_PROOF",
            "filename": "bank_proof.pdf",
            "contentType": "application/pdf",
            "size": len(PDF),
        }
    ]
    foreign = await api.ok(KYC, {"id": org}, token=stranger.token)
    assert foreign["organisation"] is None


async def test_full_numbers_only_for_owners(
    api: Api, client: httpx.AsyncClient, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> None:
    owner, org = await _approved(api, simulator, dispatcher)
    admin = await api.sign_up()
    await api.add_member(owner, org, admin, "ADMIN")
    await api.ok(
        UPDATE,
        {"i": {"organisationId": org, "representative": REPRESENTATIVE, "bankAccount": BANK}},
        token=owner.token,
    )
    seen = (await _kyc(api, admin, org))["kyc"]
    assert seen["representative"]["pan"] == "ABCPXXXX4K"
    assert seen["representative"]["fullPan"] is None
    assert seen["bankAccount"]["fullAccountNumber"] is None


@pytest.mark.parametrize(
    ("business_type", "needs_owners"),
    [
        ("PROPRIETORSHIP", True), ("PARTNERSHIP", True), ("LLP", True),
        ("PRIVATE_LIMITED", True), ("HUF", True), ("PUBLIC_LIMITED", False),
        ("TRUST", False), ("SOCIETY", False), ("GOVERNMENT", False),
    ],
)  # fmt: skip
def test_owners_are_required_per_business_type(business_type: str, needs_owners: bool) -> None:
    from db.models import KycProfile
    from resolvers.services import kyc as kyc_service

    profile = KycProfile(address_line="x", representative_name="y", bank_account_number="1")
    gaps = kyc_service.missing(profile, [], [], business_type)
    assert (("owners",) in [g.field for g in gaps]) is needs_owners
    # Any owner listed needs a proof of identity, whatever the type.
    owner = KycOwner(id=uuid.uuid4(), name="A", pan="ABCPS1234K", share_basis_points=5000)
    gaps = kyc_service.missing(profile, [owner], [], business_type)
    assert ("owners", "0", "document") in [g.field for g in gaps]


async def test_owner_documents_belong_to_an_owner_and_go_with_them(
    api: Api,
    client: httpx.AsyncClient,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    settings: Settings,
) -> None:
    owner, org = await _approved(api, simulator, dispatcher)
    await _complete(api, client, owner, org)
    kyc = (await _kyc(api, owner, org))["kyc"]
    first, second = kyc["owners"]
    without = await _upload(client, owner.token, org, "OWNER_ID", PDF)
    assert without.status_code == 400
    assert without.json()["userErrors"][0]["field"] == ["ownerId"]
    stray = await _upload(client, owner.token, org, "FIRM_PAN", PDF, owner=first["id"])
    assert stray.status_code == 400
    unknown = await _upload(client, owner.token, org, "OWNER_ID", PDF, owner="S3ljT3duZXI6MQ")
    assert unknown.status_code == 404
    # Removing an owner removes their document and its file.
    await api.ok(REMOVE, {"i": {"ownerId": second["id"]}}, token=owner.token)
    after = (await _kyc(api, owner, org))["kyc"]
    assert [d["kind"] for d in after["documents"]].count("OWNER_ID") == 1
    key = decode_typed_id(org, "Organisation")
    assert key is not None
    stored = [p for p in (Path(settings.kyc_storage_dir) / key.hex).iterdir() if p.is_file()]
    assert len(stored) == 5
