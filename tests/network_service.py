"""Running the network service and the API as real processes, and driving a whole journey
through them over HTTP, for the several-process tests."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests.conftest import REPO_ROOT, Api, Member, free_port, wait_healthy
from tests.onboarding_helpers import (
    B2B_CREATE,
    GSTIN_ADD,
    GSTIN_OTP,
    GSTIN_VERIFY,
    MOBILE_OTP,
    MOBILE_VERIFY,
    START,
    STATUS,
)
from tests.trading import (
    ACCEPT,
    CONTACT,
    CREATE,
    DOC,
    INBOX,
    LAPTOP,
    LINK,
    PUSH,
    Business,
)

T = TypeVar("T")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
KYC_STATE = """query($id: ID!) { organisation(id: $id) { onboarding { kycState kyc { status
    requiredDocuments owners { id } missing { code field } } } } }"""
KYC_UPDATE = """mutation($i: KycProfileUpdateInput!) { kycProfileUpdate(input: $i) {
    kyc { status } userErrors { code field message } } }"""
KYC_OWNER = """mutation($i: KycOwnerAddInput!) { kycOwnerAdd(input: $i) {
    kyc { owners { id } } userErrors { code field message } } }"""
KYC_SUBMIT = """mutation($i: KycSubmitInput!) { kycSubmit(input: $i) {
    kyc { status } userErrors { code field message } } }"""


@dataclass
class Deployment:
    """The network service and the API, as processes on loopback ports."""

    api_port: int
    network_port: int
    workdir: Path
    database_url: str
    workers: int = 2
    network_db: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def control_url(self) -> str:
        return f"http://127.0.0.1:{self.network_port}/simulator"

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "NETWORK_URL": f"http://127.0.0.1:{self.network_port}",
            "PORT": str(self.api_port),
            "WORKERS": str(self.workers),
            "PASSWORD_HASH_PROFILE": "fast",
            "SEED_DEMO": "false",
            "MAX_ORGANISATIONS_PER_DAY": "100",
            "MAX_SIGN_UPS_PER_HOUR": "1000",
            "KYC_STORAGE_DIR": str(self.workdir / "kyc"),
            # A worker killed mid-call leaves its message to the others after this.
            "OUTBOX_LEASE_SECONDS": "3",
            "SIMULATOR_PORT": str(self.network_port),
            "SIMULATOR_DATABASE_URL": self.network_db
            or f"sqlite+aiosqlite:///{self.workdir / 'network.db'}",
            "SIMULATOR_WEBHOOK_URL": f"http://127.0.0.1:{self.api_port}/network/webhooks",
            "SIMULATOR_REVIEW_SECONDS": "1",
            "LOG_LEVEL": "INFO",
            **self.extra_env,
        }

    def _start(self, name: str, args: list[str]) -> None:
        with (self.workdir / f"{name}.log").open("ab") as log:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", *args], cwd=REPO_ROOT, env=self._env(), stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip

    async def start_network(self) -> None:
        self._start("network", ["simulator", "serve"])
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                try:
                    if (await client.get(self.control_url[: -len("/simulator")] + "/healthz")).is_success:  # fmt: skip
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        msg = "the network service did not start"
        raise RuntimeError(msg)

    async def start_api(self) -> None:
        self._start("api", ["server.cli", "serve"])
        await wait_healthy(self.api_port)

    def stop(self, name: str, *, kill: bool = False) -> None:
        """Stop a process (SIGTERM, or SIGKILL when ``kill``), and then any worker of it that
        outlived it (a supervisor killed before its workers leaves them running)."""
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        workers = children(process.pid)
        process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def kill_api_workers(self) -> None:
        """SIGKILL every API worker process (whatever they were doing), then stop their
        supervisor."""
        for pid in children(self.processes["api"].pid):
            os.kill(pid, signal.SIGKILL)
        self.stop("api")

    def log(self, name: str) -> str:
        return (self.workdir / f"{name}.log").read_text(errors="replace")


def children(pid: int) -> list[int]:
    """The processes ``pid`` started (an API supervisor's workers)."""
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return [int(p) for p in found.stdout.split()]


async def deployment(workdir: Path, database_url: str, workers: int = 2) -> Deployment:
    """Both services started (the network first: the API calls it)."""
    running = Deployment(free_port(), free_port(), workdir, database_url, workers)
    try:
        await running.start_network()
        await running.start_api()
    except BaseException:
        for name in ("api", "network"):
            running.stop(name)
        raise
    return running


async def eventually(probe: Callable[[], Awaitable[T | None]], what: str, tries: int = 300) -> T:
    """Ask until ``probe`` answers (work flows through other processes meanwhile)."""
    for _ in range(tries):
        found = await probe()
        if found is not None:
            return found
        await asyncio.sleep(0.1)
    msg = f"never happened: {what}"
    raise AssertionError(msg)


class Journey:
    """Drives businesses through the product as a new user would."""

    def __init__(self, api: Api, control: httpx.AsyncClient, http: httpx.AsyncClient) -> None:
        self.api = api
        self.control = control
        self.http = http

    async def otp(self, to: str) -> str:
        async def probe() -> str | None:
            found = await self.control.get("/otp", params={"to": to})
            return str(found.json()["otp"]) if found.status_code == 200 else None

        return await eventually(probe, f"an OTP to {to}")

    async def onboard(self, business: Business, kyc: str = "APPROVED") -> tuple[Member, str]:
        """GSTIN OTP, mobile OTP, a B2B ID approved, KYC decided (as ``kyc`` expects)."""
        api = self.api
        owner = await api.sign_up("owner")
        org = await api.organisation(owner, business.name)
        token = owner.token
        await api.ok(GSTIN_ADD, {"i": {"organisationId": org, "gstin": business.gstin}}, token=token)  # fmt: skip
        await api.ok(START, {"i": {"organisationId": org, "authorised": True}}, token=token)
        await api.ok(
            GSTIN_OTP, {"i": {"organisationId": org, "gstin": business.gstin, **business.details}},
            token=token,
        )  # fmt: skip
        code = await self.otp(business.gstn_mobile)
        await api.ok(GSTIN_VERIFY, {"i": {"organisationId": org, "otp": code}}, token=token)
        await api.ok(MOBILE_OTP, {"i": {"organisationId": org, "mobile": business.mobile}}, token=token)  # fmt: skip
        code = await self.otp(business.mobile)
        await api.ok(MOBILE_VERIFY, {"i": {"organisationId": org, "otp": code}}, token=token)
        await api.ok(
            B2B_CREATE, {"i": {"organisationId": org, "b2bId": business.b2b_id, "acceptTerms": True}},
            token=token,
        )  # fmt: skip

        async def approved() -> bool | None:
            data = await api.ok(STATUS, {"id": org}, token=token)
            b2b_id = data["organisation"]["onboarding"]["b2bId"]
            return True if b2b_id and b2b_id["status"] == "APPROVED" else None

        await eventually(approved, f"{business.b2b_id} approved")
        await self.kyc(owner, org, business, kyc)
        return owner, org

    async def kyc(
        self, owner: Member, org: str, business: Business, expect: str = "APPROVED"
    ) -> None:
        api, token = self.api, owner.token
        await api.ok(
            KYC_UPDATE,
            {"i": {
                "organisationId": org,
                "address": {"line": "12 MG Road", "city": "Pune", "stateCode": business.gstin[:2], "pin": "411001"},
                "representative": {
                    "name": "Asha Rao", "pan": "ABCPS1234K", "designation": "Director",
                    "email": "asha@example.com", "mobile": business.mobile,
                },
                "bankAccount": {"holder": business.details["legalName"], "number": "123456789012", "ifsc": "HDFC0001234"},
            }},
            token=token,
        )  # fmt: skip
        await api.ok(
            KYC_OWNER,
            {"i": {"organisationId": org, "name": "Asha Rao", "pan": "ABCPS1234K", "sharePercent": "100"}},
            token=token,
        )  # fmt: skip
        state = (await api.ok(KYC_STATE, {"id": org}, token=token))["organisation"]["onboarding"]
        for kind in state["kyc"]["requiredDocuments"]:
            if kind != "OWNER_ID":
                await self.upload(token, org, kind)
        for listed in state["kyc"]["owners"]:
            await self.upload(token, org, "OWNER_ID", listed["id"])
        await api.ok(KYC_SUBMIT, {"i": {"organisationId": org}}, token=token)

        async def decided() -> bool | None:
            data = await api.ok(KYC_STATE, {"id": org}, token=token)
            return True if data["organisation"]["onboarding"]["kyc"]["status"] == expect else None  # fmt: skip

        await eventually(decided, f"KYC {expect}")

    async def upload(self, token: str, org: str, kind: str, owner: str | None = None) -> None:
        params = {"organisationId": org, "kind": kind, "filename": f"{kind.lower()}.pdf"}
        if owner is not None:
            params["ownerId"] = owner
        sent = await self.http.post(
            "/kyc/documents", params=params, content=PDF,
            headers={"content-type": "application/pdf", "authorization": f"Bearer {token}"},
        )  # fmt: skip
        assert sent.status_code == 201, sent.text

    async def linked_contact(
        self, owner: Member, org: str, other: Business, *, customer: bool
    ) -> str:
        data = await self.api.ok(
            CONTACT,
            {"i": {"organisationId": org, "contact": {
                "displayName": other.name, "isCustomer": customer, "isVendor": not customer,
                "gstin": other.gstin, "gstTreatment": "REGISTERED_REGULAR",
            }}},
            token=owner.token,
        )  # fmt: skip
        made: str = data["contactCreate"]["contact"]["id"]
        await self.api.ok(LINK, {"i": {"contactId": made, "b2bId": other.b2b_id}}, token=owner.token)  # fmt: skip
        return made

    async def push(self, owner: Member, org: str, contact: str, **extra: Any) -> str:
        data = await self.api.ok(
            CREATE,
            {"i": {"organisationId": org, "contactId": contact, "documentDate": "2026-11-24",
                   "lines": [LAPTOP], **extra}},
            token=owner.token,
        )  # fmt: skip
        made: str = data["documentCreate"]["document"]["id"]
        await self.api.ok(PUSH, {"i": {"documentId": made}}, token=owner.token)
        return made

    async def document(self, member: Member, global_id: str) -> dict[str, Any]:
        found: dict[str, Any] = (await self.api.ok(DOC, {"id": global_id}, token=member.token))["node"]  # fmt: skip
        return found

    async def push_status(self, member: Member, global_id: str, wanted: str) -> dict[str, Any]:
        async def probe() -> dict[str, Any] | None:
            found = await self.document(member, global_id)
            return found if found["pushStatus"] == wanted else None

        return await eventually(probe, f"push status {wanted}")

    async def received(self, member: Member, org: str, number: str) -> dict[str, Any]:
        async def probe() -> dict[str, Any] | None:
            data = await self.api.ok(INBOX, {"o": org, "s": None}, token=member.token)
            edges = data["organisation"]["documents"]["edges"]
            return next((e["node"] for e in edges if e["node"]["number"] == number), None)

        return await eventually(probe, f"{number} received")

    async def accept(self, member: Member, item: str) -> None:
        await self.api.ok(ACCEPT, {"i": {"documentId": item}}, token=member.token)
