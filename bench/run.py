"""Measure request latency and statement counts in-process (``make bench``).

Serves the app on a scratch SQLite database (or ``BENCH_DATABASE_URL``), creates an owner with
N organisations of a few members each, then times: a small query (viewer), a page of 50
organisations with their members, and a mutation. Prints p50/p95 per operation and the SQL
statements each costs. Numbers depend on the machine: compare runs on the same one.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, text

from bench.load import NO_ABUSE_LIMITS
from server.app import create_app
from server.settings import Settings

PASSWORD = "Bench-Password-2026"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))


async def _post(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    body: dict[str, Any] = response.json()
    if "errors" in body:
        raise RuntimeError(body["errors"])
    return body["data"]  # type: ignore[no-any-return]


async def _sign_up(client: httpx.AsyncClient, email: str) -> str:
    data = await _post(
        client,
        "mutation($i: AccountSignUpInput!) { accountSignUp(input: $i) { accessToken { token } } }",
        {
            "i": {
                "email": email,
                "password": PASSWORD,
                "displayName": email.split("@", maxsplit=1)[0],
            }
        },
    )
    return str(data["accountSignUp"]["accessToken"]["token"])


async def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bc-bench-"))
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    settings = replace(
        Settings.from_env(
            {
                "PASSWORD_HASH_PROFILE": "fast",
                "SEED_DEMO": "false",
                "LOG_LEVEL": "ERROR",
                "MAX_ORGANISATIONS_PER_DAY": "1000",
                "MAX_SIGN_UPS_PER_HOUR": "1000",
                **NO_ABUSE_LIMITS,
            }
        ),
        database_url=url,
        broker="postgres" if url.startswith("postgresql") else "memory",
    )
    app = create_app(settings)
    statements = 0

    def count(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        nonlocal statements
        if not statement.startswith("BEGIN"):  # SQLite's transactions, sent as statements
            statements += 1

    event.listen(app.state.bc.db.engine.sync_engine, "before_cursor_execute", count)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            owner = await _sign_up(client, "owner@bench.example")
            staff = [await _sign_up(client, f"staff{i}@bench.example") for i in range(3)]
            # The staff's addresses count as proven (accepting an invitation needs it).
            async with app.state.bc.db.engine.begin() as connection:
                await connection.execute(
                    text("UPDATE accounts SET email_verified_at = CURRENT_TIMESTAMP")
                )
            for i in range(50):
                data = await _post(
                    client,
                    "mutation($i: OrganisationCreateInput!) { organisationCreate(input: $i) { organisation { id } } }",
                    {"i": {"name": f"Bench Org {i}"}},
                    owner,
                )
                org = data["organisationCreate"]["organisation"]["id"]
                for j in range(i % 4):
                    invited = await _post(
                        client,
                        "mutation($i: InvitationCreateInput!) { invitationCreate(input: $i) { invitation { id } } }",
                        {
                            "i": {
                                "organisationId": org,
                                "email": f"staff{j}@bench.example",
                                "role": "STAFF",
                            }
                        },
                        owner,
                    )
                    await _post(
                        client,
                        "mutation($i: InvitationDecideInput!) { invitationAccept(input: $i) { membership { id } } }",
                        {"i": {"id": invited["invitationCreate"]["invitation"]["id"]}},
                        staff[j],
                    )
            data = await _post(
                client, "{ viewer { organisations(first: 1) { nodes { id } } } }", None, owner
            )
            first_org = data["viewer"]["organisations"]["nodes"][0]["id"]
            await _post(
                client,
                "mutation($i: OrganisationGstinAddInput!) { organisationGstinAdd(input: $i) { userErrors { code } } }",
                {"i": {"organisationId": first_org, "gstin": "27AAPFU0939F1ZV"}},
                owner,
            )
            contact = await _post(
                client,
                "mutation($i: ContactCreateInput!) { contactCreate(input: $i) { contact { id } } }",
                {
                    "i": {
                        "organisationId": first_org,
                        "contact": {
                            "displayName": "Buyer",
                            "isCustomer": True,
                            "gstTreatment": "UNREGISTERED",
                            "stateCode": "29",
                        },
                    }
                },
                owner,
            )
            line = {
                "description": "Item",
                "hsnSac": "8471",
                "quantity": "2",
                "unitPrice": "999.50",
                "taxRate": "18",
            }
            document_input = {
                "i": {
                    "organisationId": first_org, "kind": "INVOICE", "documentDate": "2026-11-24",
                    "contactId": contact["contactCreate"]["contact"]["id"], "lines": [line, line, line],
                }
            }  # fmt: skip
            for _ in range(50):
                await _post(
                    client,
                    "mutation($i: DocumentCreateInput!) { documentCreate(input: $i) { document { id } } }",
                    document_input,
                    owner,
                )
            operations = {
                "viewer (small query)": ("{ viewer { account { id email } } }", None),
                "50 organisations with members": (
                    "{ viewer { organisations(first: 50) { nodes { name viewerRole members(first: 10) { nodes { role account { email } } } } } } }",
                    None,
                ),
                "50 documents with contacts and lines": (
                    "query($o: ID!) { organisation(id: $o) { documents(first: 50) { nodes { number contact { displayName } lines { taxable { amount } } totals { total { amount } } } } } }",
                    {"o": first_org},
                ),
                "documentCreate, 3 lines (mutation)": (
                    "mutation($i: DocumentCreateInput!) { documentCreate(input: $i) { document { id } } }",
                    document_input,
                ),
                "organisationCreate (mutation)": (
                    "mutation($i: OrganisationCreateInput!) { organisationCreate(input: $i) { organisation { id } } }",
                    {"i": {"name": "Timed Org"}},
                ),
            }
            print(f"database: {url.split('@')[-1]}   rounds: {ROUNDS}")
            print(f"{'operation':34} {'p50 ms':>8} {'p95 ms':>8} {'statements':>11}")
            if os.environ.get("BENCH_MEMORY"):
                tracemalloc.start()
            for name, (query, variables) in operations.items():
                timings = []
                before = statements
                for _ in range(ROUNDS):
                    start = time.perf_counter()
                    await _post(client, query, variables, owner)
                    timings.append((time.perf_counter() - start) * 1000)
                per_request = (statements - before) / ROUNDS
                timings.sort()
                p95 = timings[int(len(timings) * 0.95) - 1]
                print(f"{name:34} {statistics.median(timings):8.2f} {p95:8.2f} {per_request:11.1f}")
            _, peak = tracemalloc.get_traced_memory()
            print(f"peak traced memory during the runs: {peak / 1024 / 1024:.1f} MiB")
            await _worst_accepted_query(
                client, owner, first_org, line, contact, statements_of=lambda: statements
            )


WORST_QUERY = """query($o: ID!) { organisation(id: $o) { documents(last: 100) { nodes {
  number totals { total { amount } } lines { description quantity taxable { amount } total { amount } }
  contact { displayName sameGstinContacts(first: 20) { displayName } } } } } }"""


async def _worst_accepted_query(  # noqa: PLR0917
    client: httpx.AsyncClient,
    owner: str,
    org: str,
    line: dict[str, str],
    contact: dict[str, Any],
    statements_of: Any,
) -> None:
    """The costliest query the limit accepts: 100 documents x 200 lines, with each contact's
    branches (cost 22,100 of 25,000), over the latest 100 documents, of 200 lines each."""
    document_input = {
        "i": {
            "organisationId": org, "kind": "INVOICE", "documentDate": "2026-11-24",
            "contactId": contact["contactCreate"]["contact"]["id"], "lines": [line] * 200,
        }
    }  # fmt: skip
    for _ in range(100):
        await _post(
            client,
            "mutation($i: DocumentCreateInput!) { documentCreate(input: $i) { document { id } } }",
            document_input,
            owner,
        )
    rounds = max(3, ROUNDS // 40)
    timings, sizes = [], []
    before = statements_of()
    for _ in range(rounds):
        start = time.perf_counter()
        response = await client.post(
            "/graphql",
            json={"query": WORST_QUERY, "variables": {"o": org}},
            headers={"authorization": f"Bearer {owner}"},
        )
        timings.append((time.perf_counter() - start) * 1000)
        sizes.append(len(response.content))
        if "errors" in response.json():
            raise RuntimeError(response.json()["errors"])
    per_request = (statements_of() - before) / rounds
    print(
        f"{'worst accepted query (100x200)':34} {statistics.median(timings):8.2f} "
        f"{max(timings):8.2f} {per_request:11.1f}   response {max(sizes) / 1024 / 1024:.1f} MiB"
    )


if __name__ == "__main__":
    asyncio.run(main())
