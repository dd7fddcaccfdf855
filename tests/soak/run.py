"""One soak from start to summary: databases and processes up, the businesses onboarded and
linked, the seeded workload run by several clients with checks every few seconds, the network
settled, every invariant checked, everything stopped and dropped."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from resolvers.services.ids import decode_event_cursor, decode_typed_id
from simulator.demo import GANGA_UP
from tests.conftest import Api
from tests.network_service import Deployment, Journey
from tests.soak import checks
from tests.soak.checks import ApiView, NetworkView, Violation
from tests.soak.client import GraphQL, Network, Tally
from tests.soak.cluster import Cluster
from tests.soak.workload import (
    AWAITING,
    CONFIRM,
    CONTACT,
    DENY,
    GANGA,
    LINK,
    Party,
    Workload,
    business,
)
from tests.wsclient import GraphQLWebSocket

CHECK_EVERY = 10.0  # seconds between checks while the workload runs
# Settling gives up when what is in flight has not got less for this long.
SETTLE_STALL_SECONDS = 300.0
MEMORY_LIMIT_KIB = 768 * 1024
EVENTS = "subscription($o: ID!, $a: String) { organisationEvents(organisationId: $o, after: $a) { cursor kind } }"  # fmt: skip


@dataclass
class Settings:
    """What one soak runs (see :mod:`tests.soak`)."""

    seed: int
    seconds: float = 60.0
    orgs: int = 24
    workers: int = 2
    clients: int = 4
    # At most how long the network and the API may take to finish what is in flight.
    settle_seconds: float = 3600.0


@dataclass
class Watcher:
    """A member's app following one organisation's events: it disconnects at seeded moments
    and resumes from the last cursor it saw; the events must come gap-free, once each."""

    ws_url: str
    party: Party
    chance: random.Random
    seqs: list[int] = field(default_factory=list)
    resumes: int = 0
    problems: list[Violation] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    timeline: list[str] = field(default_factory=list)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self._session(stop, self.chance.uniform(1, 8))
            except Exception as exc:  # noqa: BLE001 - a killed worker drops the connection
                self.errors[f"{type(exc).__name__}: {str(exc)[:120]}"] += 1
            self.resumes += 1
            await asyncio.sleep(0.2)

    async def probe(self) -> str:
        """What a new subscription from the last event seen gets in a few seconds: tells a
        stale reader from a lost event."""
        probe = Watcher(self.ws_url, self.party, random.Random(0), list(self.seqs))
        stop = asyncio.Event()
        try:
            await asyncio.wait_for(probe._session(stop, 5), timeout=10)
        except Exception as exc:  # noqa: BLE001 - reported
            return f"{type(exc).__name__}: {exc}"
        return f"{probe.seqs[-1] if probe.seqs else None} {[p.detail for p in probe.problems]}"

    async def _session(self, stop: asyncio.Event, seconds: float) -> None:
        began = time.monotonic()
        self.timeline.append(f"open@{began:.1f}")
        ws = await GraphQLWebSocket.open(self.ws_url)
        try:
            assert (await ws.init({"Authorization": f"Bearer {self.party.owner.token}"}))["type"] == "connection_ack"  # fmt: skip
            after = None
            if self.seqs:
                from resolvers.services.ids import encode_event_cursor

                after = encode_event_cursor(self.seqs[-1])
            await ws.subscribe(EVENTS, {"o": self.party.org, "a": after})
            self.timeline.append(f"sub{self.seqs[-1] if self.seqs else '-'}@{time.monotonic():.1f}")
            until = time.monotonic() + seconds
            while not stop.is_set() and time.monotonic() < until:
                try:
                    message = await ws.next_message(timeout=max(0.1, until - time.monotonic()))
                except TimeoutError:
                    break
                if message.get("type") != "next":
                    self.problems.append(Violation("events-in-order", f"{self.party.b2b_id}: {message}"))  # fmt: skip
                    return
                if message["payload"].get("data") is None:  # an error in the stream: resume
                    codes = [e.get("extensions", {}).get("code") for e in message["payload"].get("errors", [])]  # fmt: skip
                    self.errors[f"stream error {codes}"] += 1
                    return
                seq = decode_event_cursor(message["payload"]["data"]["organisationEvents"]["cursor"])  # fmt: skip
                assert seq is not None
                if self.seqs and seq != self.seqs[-1] + 1:
                    self.problems.append(Violation(
                        "events-in-order", f"{self.party.b2b_id}: event {seq} after {self.seqs[-1]}",
                        (self.party.org,)))  # fmt: skip
                self.seqs.append(seq)
        finally:
            closing = time.monotonic()
            with contextlib.suppress(Exception):
                await ws.close()
            self.timeline.append(
                f"got{len(self.seqs)} closed@{closing:.1f}+{time.monotonic() - closing:.1f}"
            )


@dataclass
class Soak:
    """A soak's state while it runs."""

    settings: Settings
    cluster: Cluster
    tally: Tally = field(default_factory=Tally)
    checks_run: int = 0
    violations: list[Violation] = field(default_factory=list)
    memory: list[dict[int, int]] = field(default_factory=list)
    harness_errors: list[str] = field(default_factory=list)
    phase_seconds: dict[str, float] = field(default_factory=dict)
    passed_ops: int = 0  # operations done when the last check passed

    async def onboard(self, services: Deployment, network: Network) -> list[Party]:
        """The businesses: on the GSTN portal, signed up here, onboarded (each from an
        address of its own, as a load balancer in front of the API forwards it); one in eight
        has its KYC rejected."""
        settings = self.settings
        chance = random.Random(settings.seed)
        made = [business(settings.seed, i) for i in range(settings.orgs)]
        for b in made:
            answer = await network.post("/taxpayers", {
                "gstin": b.gstin, "legalName": b.details["legalName"], "tradeName": b.name,
                "username": b.details["gstnUsername"], "mobile": b.gstn_mobile,
                "email": f"{b.details['gstnUsername']}@example.com"})  # fmt: skip
            assert answer.status_code == 201, answer.text
        failing = {i for i in range(settings.orgs) if chance.random() < 0.125}

        async def one(index: int, expect: str) -> Party:
            address = f"127.0.{index // 250}.{index % 250 + 1}"
            async with httpx.AsyncClient(base_url=services.api_url, timeout=60,
                                         headers={"x-forwarded-for": address}) as http, \
                    httpx.AsyncClient(base_url=services.control_url, timeout=60) as control:  # fmt: skip
                owner, org = await Journey(Api(http), control, http).onboard(made[index], expect)
            return Party(made[index], owner, org, expect == "APPROVED")

        parties: list[Party] = []
        for decision, wanted in (("REJECT", failing), ("APPROVE", set(range(settings.orgs)) - failing)):  # fmt: skip
            await network.post("/behaviour", {"kycDecision": decision}, method="PUT")
            order = sorted(wanted)
            for start in range(0, len(order), 8):
                parties += await asyncio.gather(*(
                    one(i, "APPROVED" if decision == "APPROVE" else "REJECTED")
                    for i in order[start:start + 8]))  # fmt: skip
        parties.sort(key=lambda p: p.b2b_id)
        return parties

    async def link(self, graphql: GraphQL, network: Network, parties: list[Party]) -> None:
        """Each business keeps a few others (and Ganga Steel) as contacts, linked by B2B ID,
        and a card in the network's vault."""
        chance = random.Random(self.settings.seed + 1)
        for party in parties:
            others = [p for p in parties if p is not party]
            partners = [(p.business.name, p.business.gstin, p.b2b_id)
                        for p in chance.sample(others, min(4, len(others)))]  # fmt: skip
            partners.append(("Ganga Steel", GANGA_UP, GANGA))
            for name, gstin, b2b_id in partners:
                made = await graphql(CONTACT, {"i": {"organisationId": party.org, "contact": {
                    "displayName": name, "isCustomer": True, "isVendor": True, "gstin": gstin,
                    "gstTreatment": "REGISTERED_REGULAR"}}}, token=party.owner.token)  # fmt: skip
                contact = made["contactCreate"]["contact"]["id"]
                linked = await graphql(LINK, {"i": {"contactId": contact, "b2bId": b2b_id}},
                                       token=party.owner.token)  # fmt: skip
                assert linked["contactB2BIdLink"]["userErrors"] == [], linked
                party.contacts[b2b_id] = contact
            card = await network.post("/cards", {"number": "4111111111111111", "b2bId": party.b2b_id})  # fmt: skip
            party.card = card.json()["token"]

    async def check_running(self, network: Network, watchers: list[Watcher]) -> list[Violation]:
        self.checks_run += 1
        self.memory.append(self.cluster.memory())
        found = checks.ledger_balances(await NetworkView.read(network))
        found += checks.answers(self.tally.bad)
        for watcher in watchers:
            found += watcher.problems
        return found

    async def answer_reports(self, graphql: GraphQL, parties: list[Party]) -> None:
        """Each payee answers the offline payments reported to it (seeded: confirmed or
        denied), so that both sides of every trade may be compared."""
        chance = random.Random(self.settings.seed + 3)
        for party in parties:
            data = await graphql(AWAITING, {"o": party.org}, token=party.owner.token, retries=5)
            for node in data["organisation"]["payments"]["nodes"]:
                if chance.random() < 0.7:
                    await graphql(CONFIRM, {"i": {"paymentId": node["id"]}},
                                  token=party.owner.token, retries=5)  # fmt: skip
                else:
                    await graphql(DENY, {"i": {"paymentId": node["id"], "remarks": "Not received"}},
                                  token=party.owner.token, retries=5)  # fmt: skip

    async def settle(
        self, network: Network, session_maker: Any, budget_seconds: float = 3600.0
    ) -> None:
        """Faults off; let the network and the API finish everything in flight: until nothing
        moves three looks in a row, or nothing got less for :data:`SETTLE_STALL_SECONDS`, or
        ``budget_seconds`` have passed (a large run's outbox can take long to drain)."""
        await network.call("DELETE", "/simulator/faults")
        await network.call("DELETE", "/simulator/outage")
        await network.post("/payment-behaviour", {"paymentRules": []}, method="PUT")
        quiet = 0
        started = reported = progressed = time.monotonic()
        fewest: int | None = None
        while time.monotonic() - started < budget_seconds:
            await network.post("/advance", {"seconds": 3600})
            async with session_maker() as session:
                view = await ApiView.read(session)
            pending = await network.get("/payments")
            moving = (
                view.outbox_pending
                + sum(1 for p in pending if p["state"] == "PENDING")
                + sum(1 for d in view.documents if d.in_flight_paise)
            )
            quiet = quiet + 1 if moving == 0 else 0
            if quiet >= 3:
                return
            now = time.monotonic()
            if fewest is None or moving < fewest:
                fewest, progressed = moving, now
            elif now - progressed > SETTLE_STALL_SECONDS:
                print(f"soak: settling stalled at {moving} in flight", flush=True)  # noqa: T201
                return
            if now - reported >= 60:
                reported = now
                print(f"soak: settling, {moving} in flight", flush=True)  # noqa: T201
            # Large backlogs drain for a while before another (costly) look.
            await asyncio.sleep(1 if moving < 100 else 10)

    async def final(self, network: Network, session_maker: Any, parties: list[Party],
                    watchers: list[Watcher]) -> list[Violation]:  # fmt: skip
        self.checks_run += 1
        view = NetworkView.read
        net = await view(network)
        async with session_maker() as session:
            api = await ApiView.read(session)
        hosted = {}
        for party in parties:
            key = decode_typed_id(party.org, "Organisation")
            assert key is not None
            hosted[party.b2b_id] = key
        found = checks.ledger_balances(net) + checks.settled(api, net, hosted)
        found += checks.answers(self.tally.bad)
        # Every watched organisation's stream reached its last event, gap-free.
        for watcher in watchers:
            key = hosted[watcher.party.b2b_id]
            last = api.last_seq.get(key, 0)
            for _ in range(100):
                if watcher.seqs and watcher.seqs[-1] >= last:
                    break
                await asyncio.sleep(0.2)
            found += watcher.problems
            if watcher.seqs and watcher.seqs[-1] != last:
                fresh = await watcher.probe()
                found.append(Violation("events-complete", f"{watcher.party.b2b_id}: the stream "
                                       f"stopped at {watcher.seqs[-1]}, the database has {last}; "
                                       f"a new subscription from there got to {fresh}; now "
                                       f"{time.monotonic():.1f}, sessions {watcher.timeline[-12:]}",
                                       (watcher.party.org,)))  # fmt: skip
        found += checks.logs(self.cluster.logs(), [p.owner.token for p in parties])
        found += checks.memory(self.memory, MEMORY_LIMIT_KIB)
        return found


def _trace(workload: Workload, violations: list[Violation], passed: int) -> list[str]:
    """Where to start looking: the first operation on the objects the violations name (or,
    when they name none, the first after the last check that passed), then every operation
    on those objects (or the operations since that check)."""
    objects = {o for v in violations for o in v.objects}
    touched = [op for op in workload.ops if objects & set(op.objects)]
    window = touched or workload.ops[passed:] or workload.ops[-30:]
    first = f"first: {window[0].line()}" if window else "first: (no operation)"
    return [first, *(op.line() for op in window[:80])]


async def run(settings: Settings, workdir: Path) -> dict[str, Any]:  # noqa: PLR0915
    """One soak; returns its summary (``violations`` empty when every invariant held)."""
    print(f"soak: SOAK_SEED={settings.seed} SOAK_SECONDS={settings.seconds:g} "  # noqa: T201
          f"SOAK_ORGS={settings.orgs} SOAK_WORKERS={settings.workers}", flush=True)  # fmt: skip
    cluster = Cluster(workdir, settings.seed, settings.workers)
    soak = Soak(settings, cluster)
    started = time.monotonic()
    workload: Workload | None = None
    watchers: list[Watcher] = []
    await cluster.start()
    services = cluster.services
    engine = create_async_engine(cluster.url("api"))
    session_maker = async_sessionmaker(engine, expire_on_commit=False)
    network = Network(f"http://127.0.0.1:{services.network_port}")
    graphql = GraphQL(services.api_url, soak.tally)
    try:
        await network.post("/behaviour", {
            "kycReviewSeconds": 1, "b2bReviewSeconds": 1, "documentDeliverySeconds": 0.2,
            "documentAnswerSeconds": 2, "timeoutHoldSeconds": 1}, method="PUT")  # fmt: skip
        await network.post("/payment-behaviour", {
            "settlementSeconds": 2, "biddingSeconds": 15, "disbursalSeconds": 2,
            "offlineAnswerSeconds": 3,
            "paymentRules": [{"method": "*", "reason": "INSUFFICIENT_FUNDS", "rate": 0.05}],
        }, method="PUT")  # fmt: skip
        parties = await soak.onboard(services, network)
        await soak.link(graphql, network, parties)
        soak.phase_seconds["setup"] = round(time.monotonic() - started, 1)
        rejected = sum(not p.kyc_approved for p in parties)
        print(f"soak: {len(parties)} businesses onboarded ({rejected} with KYC rejected) and "  # noqa: T201
              f"linked in {soak.phase_seconds['setup']:.0f}s; the workload starts", flush=True)  # fmt: skip
        workload = Workload(
            settings.seed, parties, graphql, network, cluster.kill_api_worker,
            cluster.kill_network, cluster.drop_api_connections,
        )  # fmt: skip
        stop = asyncio.Event()
        ws_url = services.api_url.replace("http://", "ws://") + "/graphql"
        watched = random.Random(settings.seed + 2).sample(parties, min(6, len(parties)))
        watchers = [Watcher(ws_url, p, random.Random(settings.seed * 7919 + i))
                    for i, p in enumerate(watched)]  # fmt: skip
        watching = [asyncio.create_task(w.run(stop)) for w in watchers]
        deadline = time.monotonic() + settings.seconds

        async def client(index: int) -> None:
            chance = random.Random(settings.seed * 1_000_003 + index)
            number = 0
            while time.monotonic() < deadline and not soak.violations:
                number += 1
                try:
                    await workload.step(index, chance, number)
                except Exception:  # noqa: BLE001 - reported, the soak carries on
                    soak.harness_errors.append(traceback.format_exc(limit=3)[-800:])

        clients = [asyncio.create_task(client(i)) for i in range(settings.clients)]
        reported = time.monotonic()
        while not all(c.done() for c in clients):
            await asyncio.sleep(min(CHECK_EVERY, max(0.1, deadline - time.monotonic())))
            checked = len(workload.ops)
            soak.violations += await soak.check_running(network, watchers)
            if soak.violations:
                break
            soak.passed_ops = checked
            if time.monotonic() - reported >= 60:
                reported = time.monotonic()
                print(f"soak: +{reported - started:.0f}s {len(workload.ops)} operations, "  # noqa: T201
                      f"{soak.checks_run} checks passed, kills {cluster.kills}", flush=True)  # fmt: skip
        await asyncio.gather(*clients)
        soak.phase_seconds["workload"] = round(time.monotonic() - started - soak.phase_seconds["setup"], 1)  # fmt: skip
        if not soak.violations:
            settling = time.monotonic()
            await soak.settle(network, session_maker, settings.settle_seconds)
            await soak.answer_reports(graphql, parties)
            await soak.settle(network, session_maker, settings.settle_seconds)
            soak.phase_seconds["settle"] = round(time.monotonic() - settling, 1)
            soak.violations += await soak.final(network, session_maker, parties, watchers)
        stop.set()
        await asyncio.gather(*watching, return_exceptions=True)
    finally:
        await graphql.close()
        await network.close()
        await engine.dispose()
        logs = cluster.logs()
        keep = bool(soak.violations) and os.environ.get("SOAK_KEEP", "") == "1"
        await cluster.stop(keep=keep)
        if keep:
            print(f"soak: kept the databases {cluster.url('api')} and {cluster.url('net')}")  # noqa: T201
    summary = {
        "seed": settings.seed, "seconds": settings.seconds, "orgs": settings.orgs,
        "workers": settings.workers, "clients": settings.clients,
        "elapsedSeconds": round(time.monotonic() - started, 1), "phases": soak.phase_seconds,
        "operations": len(workload.ops) if workload else 0,
        "byKind": dict(sorted((workload.counts if workload else {}).items())),
        "faults": dict(sorted((workload.faults if workload else {}).items())),
        "kills": cluster.kills, "invariantChecks": soak.checks_run,
        "requests": soak.tally.requests, "transportErrors": soak.tally.transport_errors,
        "userErrors": dict(soak.tally.user_errors.most_common(12)),
        "topLevelErrors": dict(soak.tally.top_errors),
        "userErrorExamples": dict(sorted(soak.tally.examples.items())[:40]),
        "subscriptionResumes": sum(w.resumes for w in watchers),
        "subscriptionErrors": dict(sum((w.errors for w in watchers), Counter()).most_common(8)),
        "maxWorkerKiB": max((k for s in soak.memory for k in s.values()), default=0),
        "harnessErrors": soak.harness_errors[:5],
        "violations": [v.line() for v in soak.violations],
    }  # fmt: skip
    if soak.violations and workload is not None:
        summary["trace"] = _trace(workload, soak.violations, soak.passed_ops)
    if workload is not None:  # for comparing a replay: client, kind, actor, outcome
        (workdir / "operations.tsv").write_text("".join(
            f"{op.client}\t{op.kind}\t{op.actor}\t{op.outcome}\n" for op in workload.ops))  # fmt: skip
    if soak.violations or soak.harness_errors:
        (workdir / "processes.log").write_text("\n".join(f"== {k}\n{v}" for k, v in logs.items()))
    return summary
