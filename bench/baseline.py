"""B1: the smallest honest server for the benchmark's document list, to compare against.

Starlette and raw asyncpg, no ORM and no GraphQL: it answers ``POST /graphql`` for the one
operation the benchmark sends (a page of an organisation's documents with contact name, total
and lines) with the same JSON the API returns, doing the same work a real server must: the
bearer token is looked up and checked, membership is checked, and the page, contacts and lines
are read (five statements, one round trip each, on a pooled connection). ``bench/compare.py``
asserts the two answers are equal before measuring.

Run: ``BENCH_DATABASE_URL=postgresql://... uvicorn bench.baseline:app``.
"""

from __future__ import annotations

import base64
import decimal
import hashlib
import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

QUERY = """query Documents($org: ID!, $first: Int!) { organisation(id: $org) {
  documents(first: $first) { edges { node { id number status documentDate
    contact { displayName } totals { total { amount currencyCode } }
    lines { description hsnSac quantity unitPrice { amount } } } }
    pageInfo { hasNextPage endCursor } } } }"""


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _id(type_name: str, key: uuid.UUID) -> str:
    return _b64(f"{type_name}:{key.hex}")


def _key(global_id: str, type_name: str) -> uuid.UUID | None:
    try:
        text = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
        name, hex_key = text.split(":", 1)
        return uuid.UUID(hex_key) if name == type_name else None
    except (ValueError, UnicodeDecodeError):
        return None


def _money(paise: int) -> str:
    return str((decimal.Decimal(paise) / 100).quantize(decimal.Decimal("0.01")))


def _quantity(milli: int) -> str:
    value = (decimal.Decimal(milli) / 1000).normalize()
    exponent = value.as_tuple().exponent
    return str(
        value.quantize(decimal.Decimal(1)) if isinstance(exponent, int) and exponent > 0 else value
    )


_TOKEN = """SELECT t.account_id FROM access_tokens t JOIN accounts a ON a.id = t.account_id
WHERE t.token_digest = $1 AND t.revoked_at IS NULL AND t.expires_at > $2"""
_MEMBER = """SELECT 1 FROM memberships WHERE organisation_id = $1 AND account_id = $2"""
_PAGE = """SELECT id, number, status, document_date, contact_id, total_paise FROM documents
WHERE organisation_id = $1 ORDER BY id LIMIT $2"""
_CONTACTS = """SELECT id, display_name FROM contacts WHERE id = ANY($1::uuid[])"""
_LINES = """SELECT document_id, description, hsn_sac, quantity_milli, unit_price_paise
FROM document_lines WHERE document_id = ANY($1::uuid[]) ORDER BY document_id, position"""


def _error(message: str) -> Response:
    body = {"data": None, "errors": [{"message": message}]}
    return Response(json.dumps(body), media_type="application/json")


async def documents(request: Request) -> Response:
    """The one operation, answered by hand."""
    pool: asyncpg.Pool = request.app.state.pool
    body = await request.json()
    variables = body.get("variables") or {}
    token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    org = _key(str(variables.get("org", "")), "Organisation")
    first = int(variables.get("first", 20))
    if org is None or not 1 <= first <= 100:
        return _error("bad variables")
    async with pool.acquire() as connection:
        account = await connection.fetchval(
            _TOKEN, hashlib.sha256(token.encode()).hexdigest(), datetime.now(UTC)
        )
        if account is None:
            return _error("not signed in")
        if await connection.fetchval(_MEMBER, org, account) is None:
            return Response(
                json.dumps({"data": {"organisation": None}}), media_type="application/json"
            )
        rows = await connection.fetch(_PAGE, org, first + 1)
        more, rows = len(rows) > first, rows[:first]
        contacts = dict(await connection.fetch(_CONTACTS, list({r["contact_id"] for r in rows})))
        lines: dict[uuid.UUID, list[dict[str, Any]]] = {r["id"]: [] for r in rows}
        for line in await connection.fetch(_LINES, [r["id"] for r in rows]):
            lines[line["document_id"]].append(
                {
                    "description": line["description"],
                    "hsnSac": line["hsn_sac"],
                    "quantity": _quantity(line["quantity_milli"]),
                    "unitPrice": {"amount": _money(line["unit_price_paise"])},
                }
            )
    edges = [
        {
            "node": {
                "id": _id("Document", r["id"]),
                "number": r["number"],
                "status": r["status"],
                "documentDate": r["document_date"].isoformat(),
                "contact": {"displayName": contacts[r["contact_id"]]},
                "totals": {"total": {"amount": _money(r["total_paise"]), "currencyCode": "INR"}},
                "lines": lines[r["id"]],
            }
        }
        for r in rows
    ]
    end = _b64(f"c:{rows[-1]['id'].hex}") if rows else None
    data = {
        "data": {
            "organisation": {
                "documents": {
                    "edges": edges,
                    "pageInfo": {"hasNextPage": more, "endCursor": end},
                }
            }
        }
    }
    return Response(json.dumps(data), media_type="application/json")


@asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    url = os.environ["BENCH_DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
    app.state.pool = await asyncpg.create_pool(url, min_size=1, max_size=10)
    yield
    await app.state.pool.close()


app = Starlette(routes=[Route("/graphql", documents, methods=["POST"])], lifespan=_lifespan)
