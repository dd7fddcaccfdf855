"""Uploaded KYC files are readable by the service's user only, and their names stay out of the
access log."""

from __future__ import annotations

import logging
import os
import stat

import httpx
import pytest

from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from server import logs
from simulator.network import SimulatedNetwork
from tests.conftest import Api
from tests.test_kyc import PDF, _approved, _upload


async def test_kyc_files_and_folders_are_the_services_alone(
    api: Api, client: httpx.AsyncClient, simulator: SimulatedNetwork, dispatcher: Dispatcher,
    state: AppState,
) -> None:  # fmt: skip
    owner, org = await _approved(api, simulator, dispatcher)
    old = os.umask(0o022)  # a permissive umask: the modes must not depend on it
    try:
        uploaded = await _upload(client, owner.token, org, "ADDRESS_PROOF", PDF)
    finally:
        os.umask(old)
    assert uploaded.status_code == 201, uploaded.text
    root = state.settings.kyc_storage_dir
    files = [p for p in root.rglob("*") if p.is_file()]
    folders = [root, *(p for p in root.rglob("*") if p.is_dir())]
    assert files
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o600}
    assert {stat.S_IMODE(p.stat().st_mode) for p in folders} == {0o700}


def test_the_access_log_drops_query_strings(caplog: pytest.LogCaptureFixture) -> None:
    logs.configure("INFO")
    access = logging.getLogger("uvicorn.access")
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        access.info(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "POST",
            "/kyc/documents?organisationId=T3Jn&kind=PAN&filename=asha-pan-card.pdf", "1.1", 200,
        )  # fmt: skip
    [record] = [r for r in caplog.records if r.name == "uvicorn.access"]
    assert "asha-pan-card" not in record.getMessage()
    assert "/kyc/documents" in record.getMessage()
