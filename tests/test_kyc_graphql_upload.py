"""KYC documents through GraphQL: ``kycDocumentUpload`` with a multipart request (the GraphQL
multipart request spec), with the same checks and access rules as ``POST /kyc/documents``, and
through the client web and mobile apps use (apollo-upload-client under Node)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import shutil
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from db.models import KycDocument
from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from simulator.network import SimulatedNetwork
from tests.conftest import REPO_ROOT, Api, LiveServer
from tests.test_kyc import OWNER, PDF, PNG, _approved

UPLOAD = """mutation Upload($input: KycDocumentUploadInput!) { kycDocumentUpload(input: $input) {
    document { id kind filename contentType size } kyc { documents { kind contentType } }
    userErrors { code field message } } }"""
SCRIPT = REPO_ROOT / "tests" / "js" / "upload.mjs"
NODE = shutil.which("node")


async def _upload(
    client: httpx.AsyncClient,
    token: str | None,
    org: str,
    kind: str,
    content: bytes,
    content_type: str = "application/pdf",
    owner_id: str | None = None,
) -> httpx.Response:
    """A multipart request as the spec lays it out: operations, map, then the file part."""
    variables: dict[str, Any] = {"input": {"organisationId": org, "kind": kind, "file": None}}
    if owner_id is not None:
        variables["input"]["ownerId"] = owner_id
    headers = {} if token is None else {"authorization": f"Bearer {token}"}
    return await client.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": UPLOAD, "variables": variables}),
            "map": json.dumps({"0": ["variables.input.file"]}),
        },
        files={"0": (f"{kind.lower()}.pdf", content, content_type)},
        headers=headers,
    )


def _payload(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["kycDocumentUpload"]
    return payload


async def _documents(state: AppState) -> int:
    async with state.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(KycDocument)) or 0)


async def test_a_document_uploaded_through_graphql_is_kept_like_one_sent_to_the_endpoint(
    api: Api,
    client: httpx.AsyncClient,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    state: AppState,
) -> None:
    owner, org = await _approved(api, simulator, dispatcher)
    first = _payload(await _upload(client, owner.token, org, "BANK_PROOF", PNG, "image/png"))
    assert first["userErrors"] == []
    assert first["document"]["contentType"] == "image/png"
    assert first["document"]["size"] == len(PNG)
    assert first["document"]["filename"] == "bank_proof.pdf"
    replaced = _payload(await _upload(client, owner.token, org, "BANK_PROOF", PDF))
    assert replaced["kyc"]["documents"] == [
        {"kind": "BANK_PROOF", "contentType": "application/pdf"}
    ]
    assert await _documents(state) == 1
    async with state.db.read() as session:
        kept = (await session.scalars(select(KycDocument))).one()
    assert kept.sha256 == hashlib.sha256(PDF).hexdigest()
    assert kept.size == len(PDF)


async def test_uploads_through_graphql_are_checked_and_change_nothing_when_refused(
    api: Api,
    client: httpx.AsyncClient,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    state: AppState,
) -> None:
    owner, org = await _approved(api, simulator, dispatcher)
    staff, stranger = await api.sign_up(), await api.sign_up()
    await api.add_member(owner, org, staff, "STAFF")
    signed_out = (await _upload(client, None, org, "FIRM_PAN", PDF)).json()
    assert signed_out["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    forbidden = (await _upload(client, staff.token, org, "FIRM_PAN", PDF)).json()
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    def refused(response: httpx.Response) -> tuple[str, list[str]]:
        errors = _payload(response)["userErrors"]
        assert len(errors) == 1, errors
        return errors[0]["code"], errors[0]["field"]

    file_field = ["input", "file"]
    assert refused(await _upload(client, stranger.token, org, "FIRM_PAN", PDF)) == (
        "NOT_FOUND", ["input", "organisationId"],
    )  # fmt: skip
    for content, declared in ((b"just some text", "application/pdf"), (PNG, "application/pdf"),
                              (PDF, "text/plain"), (b"", "application/pdf")):  # fmt: skip
        code, field = refused(
            await _upload(client, owner.token, org, "FIRM_PAN", content, declared)
        )
        assert code in {"UNSUPPORTED_FILE_TYPE", "REQUIRED"} and field == file_field
    # Just over 5 MiB: the body is within the request limit, the document is not.
    over = PDF + b"0" * (5 * 1024 * 1024)
    assert refused(await _upload(client, owner.token, org, "FIRM_PAN", over)) == (
        "FILE_TOO_LARGE", file_field,
    )  # fmt: skip
    # Far over: refused before the body is parsed.
    huge = await _upload(client, owner.token, org, "FIRM_PAN", PDF + b"0" * (6 * 1024 * 1024))
    assert huge.status_code == 413
    assert refused(await _upload(client, owner.token, org, "OWNER_ID", PDF)) == (
        "INVALID", ["input", "ownerId"],
    )  # fmt: skip
    assert refused(await _upload(client, owner.token, org, "FIRM_PAN", PDF, owner_id="bogus")) == (
        "NOT_FOUND", ["input", "ownerId"],
    )  # fmt: skip
    # A value in the JSON variables instead of a file part.
    as_text = await api.raw(
        UPLOAD,
        {"input": {"organisationId": org, "kind": "FIRM_PAN", "file": "JVBERi0xLjQK"}},
        token=owner.token,
    )
    assert refused(as_text) == ("REQUIRED", file_field)
    assert await _documents(state) == 0
    # Only multipart bodies on /graphql get the upload limit: JSON keeps the small one.
    assert (
        await client.post(
            "/graphql",
            content=json.dumps({"query": "{ __typename }", "pad": "x" * 100_000}),
            headers={"content-type": "application/json"},
        )
    ).status_code == 413


async def test_an_owners_document_names_its_owner(
    api: Api,
    client: httpx.AsyncClient,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
) -> None:
    owner, org = await _approved(api, simulator, dispatcher)
    added = await api.ok(
        OWNER,
        {"i": {"organisationId": org, "name": "Ravi Sharma", "pan": "ABCPS1234K",
               "sharePercent": "40"}},
        token=owner.token,
    )  # fmt: skip
    owner_id = added["kycOwnerAdd"]["kyc"]["owners"][0]["id"]
    kept = _payload(await _upload(client, owner.token, org, "OWNER_ID", PDF, owner_id=owner_id))
    assert kept["userErrors"] == [] and kept["document"]["kind"] == "OWNER_ID"


@pytest.mark.skipif(
    NODE is None or not (SCRIPT.parent / "node_modules" / "apollo-upload-client").is_dir(),
    reason="node and tests/js/node_modules (`make test` installs them)",
)
async def test_apollo_upload_client_uploads_a_document(
    api: Api,
    live_server: LiveServer,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    state: AppState,
) -> None:
    owner, org = await _approved(api, simulator, dispatcher)
    assert NODE is not None
    process = await asyncio.create_subprocess_exec(
        NODE, str(SCRIPT), f"http://127.0.0.1:{live_server.port}/graphql", owner.token, org,
        "FIRM_PAN", base64.b64encode(PDF).decode(), "application/pdf", "firm pan.pdf",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, (stdout.decode(), stderr.decode())
    result = json.loads(stdout)
    assert result["error"] is None, result
    payload = result["data"]["kycDocumentUpload"]
    assert payload["userErrors"] == []
    assert payload["document"]["filename"] == "firm pan.pdf"
    assert payload["document"]["contentType"] == "application/pdf"
    assert payload["document"]["size"] == len(PDF)
    assert await _documents(state) == 1
