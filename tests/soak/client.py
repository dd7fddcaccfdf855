"""The soak's clients: GraphQL over HTTP as an app sends it, and the network's control and
participant APIs, each counting what came back so that the checks can say whether a client
ever saw a 5xx or an internal error."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

# What a client may see while a worker or the network service is being killed under it: the
# connection goes, and the call's outcome is unknown (the idempotency key makes a retry safe).
TRANSPORT = (httpx.TransportError,)


class Unknown(Exception):  # noqa: N818 - an outcome, not an error of ours
    """A call whose answer never came (the process serving it died): it may or may not have
    happened."""


@dataclass
class Tally:
    """What the clients saw, for the summary and the checks."""

    requests: int = 0
    transport_errors: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    user_errors: Counter[str] = field(default_factory=Counter)
    top_errors: Counter[str] = field(default_factory=Counter)
    # One message for each operation and code, for the summary.
    examples: dict[str, str] = field(default_factory=dict)
    # Every answer a client must never see: (what was asked, what came back).
    bad: list[tuple[str, str]] = field(default_factory=list)


class GraphQL:
    """Posts GraphQL operations; an answer that is a 5xx or an internal error is recorded as a
    violation (never raised: the workload carries on and the checks report it)."""

    def __init__(self, base_url: str, tally: Tally) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, timeout=60)
        self.tally = tally

    async def close(self) -> None:
        await self.http.aclose()

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str,
        retries: int = 0,
    ) -> dict[str, Any]:  # fmt: skip
        """The ``data`` of an answer (top-level errors recorded, and raised as ``Unknown`` for
        the caller to carry on); retries a lost connection ``retries`` times (only for calls
        that are safe to repeat)."""
        for attempt in range(retries + 1):
            try:
                return await self._once(query, variables, token)
            except Unknown:
                if attempt == retries:
                    raise
                await asyncio.sleep(0.5 * (attempt + 1))
        raise AssertionError  # pragma: no cover

    async def _once(self, query: str, variables: dict[str, Any] | None, token: str) -> dict[str, Any]:  # fmt: skip
        self.tally.requests += 1
        try:
            response = await self.http.post(
                "/graphql", json={"query": query, "variables": variables or {}},
                headers={"authorization": f"Bearer {token}"},
            )  # fmt: skip
        except TRANSPORT as exc:
            self.tally.transport_errors += 1
            raise Unknown(type(exc).__name__) from exc
        self.tally.statuses[response.status_code] += 1
        operation = query.split("{", 1)[0].strip() + " " + query.split("{", 2)[1].split("(", maxsplit=1)[0].strip()  # fmt: skip
        if response.status_code >= 500:
            self.tally.bad.append(
                (operation, f"HTTP {response.status_code}: {response.text[:300]}")
            )
            raise Unknown(str(response.status_code))
        body = response.json()
        for error in body.get("errors") or []:
            code = str((error.get("extensions") or {}).get("code", "NO_CODE"))
            self.tally.top_errors[code] += 1
            self.tally.examples.setdefault(f"{operation} {code}", str(error.get("message"))[:160])
            if code in {"INTERNAL_SERVER_ERROR", "NO_CODE"}:
                self.tally.bad.append((operation, str(error)[:300]))
        if body.get("errors"):
            raise Unknown("errors: " + ",".join(sorted({
                str((e.get("extensions") or {}).get("code")) for e in body["errors"]})))  # fmt: skip
        data: dict[str, Any] = body.get("data") or {}
        for value in data.values():
            if isinstance(value, dict):
                for error in value.get("userErrors") or []:
                    self.tally.user_errors[str(error.get("code"))] += 1
                    self.tally.examples.setdefault(
                        f"{operation} {error.get('code')}", str(error.get("message"))[:160]
                    )
        return data


class Network:
    """The network service's control API (and its participant API, as an external business),
    waiting through a restart of the service."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, timeout=60)

    async def close(self) -> None:
        await self.http.aclose()

    async def call(
        self, method: str, path: str, *, json: Any = None, params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None, tries: int = 100,
    ) -> httpx.Response:  # fmt: skip
        for attempt in range(tries):
            try:
                return await self.http.request(method, path, json=json, params=params,
                                               headers=headers)  # fmt: skip
            except TRANSPORT:
                if attempt == tries - 1:
                    raise
                await asyncio.sleep(0.2)
        raise AssertionError  # pragma: no cover

    async def get(self, path: str, **params: str) -> Any:
        answer = await self.call("GET", f"/simulator{path}", params=params)
        answer.raise_for_status()
        return answer.json()

    async def post(self, path: str, body: Any, method: str = "POST") -> httpx.Response:
        return await self.call(method, f"/simulator{path}", json=body)
