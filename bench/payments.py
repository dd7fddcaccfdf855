"""Paying bills, end to end on one worker against the in-process network: bills received from
an external vendor and accepted, then paid through the outbox until the network settles them.

Reports payments settled per second (one payment per bill), bills settled per second in bulk
(payments of 100 bills each), and SQL statements per payment. Used by ``bench/compare.py``;
``python -m bench.payments`` runs it alone on a scratch PostgreSQL database and merges its
metrics into ``bench/results.json``.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from dataclasses import replace
from typing import Any

import httpx
from sqlalchemy import event, func, select

from bench.load import NO_ABUSE_LIMITS, gql, merge_results, metric, scratch_database
from bench.writes import _ready
from bench.writes import gather as _gather
from contract.documents import DocumentMessage
from simulator.demo import SHARMA_MH, TAPTI_DL

PAY = """mutation($i: PaymentCreateInput!) { paymentCreate(input: $i) { payment { id } userErrors { code message } } }"""
INBOX = """query($o: ID!, $after: String) { organisation(id: $o) { documents(first: 100, after: $after,
    direction: INCOMING) { nodes { id inboxStatus } pageInfo { hasNextPage endCursor } } } }"""
ACCEPT = (
    """mutation($i: InboxAcceptInput!) { inboxAccept(input: $i) { userErrors { code message } } }"""
)


def _bill(n: int) -> DocumentMessage:
    """Tapti Foods' invoice ₹118.00 to Sharma Traders."""
    return DocumentMessage(
        network_id=f"TF-BENCH-{n}", kind="INVOICE", version=1, sender_b2b_id="tapti-foods",
        receiver_b2b_id="sharma-traders", number=f"TF-{n}", document_date="2026-11-24",
        total_paise=11_800,
        content={
            "senderName": "Tapti Foods", "senderGstin": TAPTI_DL, "sellerGstin": TAPTI_DL,
            "receiverGstin": SHARMA_MH, "dueDate": "2026-12-24", "placeOfSupply": "27",
            "supplyType": "INTER_STATE",
            "totals": {"taxable": 10_000, "cgst": 0, "sgst": 0, "utgst": 0, "igst": 1_800,
                       "rounding": 0, "total": 11_800},
            "lines": [{"description": f"Rice {n}", "hsnSac": "1006", "quantityMilli": 1000,
                       "unitPrice": 10_000, "discount": 0, "taxRateBp": 1800, "taxable": 10_000,
                       "cgst": 0, "sgst": 0, "utgst": 0, "igst": 1_800}],
        },
    )  # fmt: skip


async def _bills(client: httpx.AsyncClient, token: str, org: str) -> list[dict[str, Any]]:
    found, after = [], None
    while True:
        page = (await gql(client, INBOX, {"o": org, "after": after}, token))["organisation"]
        found.extend(page["documents"]["nodes"])
        if not page["documents"]["pageInfo"]["hasNextPage"]:
            return found
        after = page["documents"]["pageInfo"]["endCursor"]


async def _approve_kyc(state: Any, org: str) -> None:
    from db.models import KycProfile, KycStatus
    from resolvers.services.ids import decode_typed_id

    async with state.unit_of_work() as uow:
        uow.session.add(
            KycProfile(
                organisation_id=decode_typed_id(org, "Organisation"), status=KycStatus.APPROVED,
                bank_account_holder="Sharma Traders", bank_account_number="123456789012",
                bank_ifsc="HDFC0001234",
            )
        )  # fmt: skip


async def _settled(state: Any) -> int:
    from db.models import Payment, PaymentDirection, PaymentStatus

    async with state.db.read() as session:
        query = select(func.count()).where(
            Payment.direction == PaymentDirection.OUTGOING, Payment.status == PaymentStatus.SETTLED
        )
        return int(await session.scalar(query) or 0)


async def measure(database_url: str, count: int) -> tuple[float, float, float]:
    """(payments settled/s one bill each, bills settled/s in payments of 100 bills, SQL
    statements per payment one bill each)."""
    from server.app import create_app, tune_collector
    from server.settings import Settings

    settings = Settings.from_env({
        "DATABASE_URL": database_url, "SEED_DEMO": "false", "PASSWORD_HASH_PROFILE": "fast",
        "LOG_LEVEL": "WARNING", "SIMULATOR_REVIEW_SECONDS": "1", **NO_ABUSE_LIMITS,
    })  # fmt: skip
    app = create_app(replace(settings, background_tasks=True))
    tune_collector(settings)  # as the served process does
    network, state = app.state.simulator, app.state.bc
    async with app.router.lifespan_context(app):
        network.world.behaviour.settlement_seconds = 0.0
        network.world.behaviour.document_delivery_seconds = 0.0
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench",
                                     timeout=120) as client:  # fmt: skip
            token, org, _ = await _ready(client, network)
            await _approve_kyc(state, org)
            for n in range(2 * count):
                await network.document_send(_bill(n))
            while len(await _bills(client, token, org)) < 2 * count:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
            bills = [b["id"] for b in await _bills(client, token, org)]
            await _gather([gql(client, ACCEPT, {"i": {"documentId": b}}, token) for b in bills])
            while any(b["inboxStatus"] != "ACCEPTED" for b in await _bills(client, token, org)):  # noqa: ASYNC110
                await asyncio.sleep(0.1)
            statements = [0]

            def counted(*_args: Any) -> None:
                statements[0] += 1

            engine = state.db.engine.sync_engine
            event.listen(engine, "before_cursor_execute", counted)
            started = time.perf_counter()
            await _gather([
                gql(client, PAY, {"i": {"organisationId": org, "method": "BANK_TRANSFER",
                    "allocations": [{"documentId": b, "amount": "118.00"}]}}, token)
                for b in bills[:count]
            ])  # fmt: skip
            polls = 0
            while await _settled(state) < count:
                polls += 1
                await asyncio.sleep(0.05)
            one_by_one = count / (time.perf_counter() - started)
            event.remove(engine, "before_cursor_execute", counted)
            per_payment = (statements[0] - polls) / count
            started = time.perf_counter()
            groups = [bills[at : at + 100] for at in range(count, 2 * count, 100)]
            await _gather([
                gql(client, PAY, {"i": {"organisationId": org, "method": "BANK_TRANSFER",
                    "allocations": [{"documentId": b, "amount": "118.00"} for b in group]}}, token)
                for group in groups
            ])  # fmt: skip
            while await _settled(state) < count + len(groups):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            bulk = count / (time.perf_counter() - started)
    return one_by_one, bulk, per_payment


async def main() -> None:
    """Run alone on a scratch PostgreSQL database; merge into ``bench/results.json``."""
    count = int(os.environ.get("BENCH_PAYMENTS", "1000"))
    print(f"paying {count} bills one by one and {count} in bulk ...", file=sys.stderr)
    async with scratch_database() as database_url:
        rates = await measure(database_url, count)
    merge_results(metrics(*rates))


def metrics(one_by_one: float, bulk: float, per_payment: float) -> dict[str, Any]:
    """The payment metrics as ``results.json`` keeps them."""
    return {
        "payments_settled_one_by_one": metric(one_by_one, "payments/s", None),
        "bills_settled_in_bulk": metric(bulk, "bills/s", None),
        "statements_per_payment": metric(per_payment, "statements", None),
    }


if __name__ == "__main__":
    asyncio.run(main())
