"""Sending one webhook: Standard Webhooks signatures, and outbound requests that cannot be
turned against the service's own network.

A delivery is a ``POST`` of the JSON body with ``webhook-id`` (the event's id: the same on
every retry, redelivery and replay, for de-duplication), ``webhook-timestamp`` (seconds since
the epoch) and ``webhook-signature`` (``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``, one
per valid secret, separated by spaces). A 2xx answer is a success; anything else, a redirect
included (none is followed), a timeout or a refused connection is a failure.

Unless private addresses are allowed (development), the host is resolved first and every
address it resolves to must be public (not private, loopback, link-local, shared, reserved,
multicast or unspecified, nor IPv4 in IPv6 of those); the request then goes to the address
that was checked (the URL's host still names the server for TLS and ``Host``), so a DNS
answer that changes between the check and the connection cannot reach inside.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import httpx
from standardwebhooks.webhooks import Webhook

from resolvers.services import metrics

# At most this much of an answer is read (the rest is not waited for).
MAX_RESPONSE_BYTES = 64 * 1024
USER_AGENT = "BharatConnect-Webhooks/1"
MAX_URL_LENGTH = 2000

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrlError(ValueError):
    """A URL a webhook may not be sent to."""


# Special-purpose ranges (IANA's registries), refused whatever this Python's ``ipaddress``
# thinks of them: "this network", private, shared (CGNAT), loopback, link-local, IETF
# protocol assignments, documentation, 6to4 relay, benchmarking, multicast, reserved; and for
# IPv6 the unspecified and loopback addresses, NAT64, discard, IETF protocol assignments
# (Teredo included), documentation, unique-local, link-local and multicast.
SPECIAL_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
        "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
        "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/23",
        "2001:db8::/32", "fc00::/7", "fe80::/10", "ff00::/8",
    )
)  # fmt: skip


def refused_address(address: Address) -> str | None:
    """Why an address is not one to send webhooks to (``None``: it is public)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return refused_address(embedded)
    checks = (
        ("loopback", address.is_loopback),
        ("private", address.is_private),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("unspecified", address.is_unspecified),
        ("special-purpose", any(address in network for network in SPECIAL_NETWORKS)),
        ("not public", not address.is_global),
    )
    for name, hit in checks:
        if hit:
            return f"{name} address"
    return None


def check_url(url: str, *, require_https: bool, allow_private: bool) -> str:
    """Why ``url`` cannot be an endpoint (raises :class:`UnsafeUrlError`); returns it as is.
    Host names are resolved only when sending (DNS answers change)."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrlError(f"A URL has at most {MAX_URL_LENGTH} characters.")
    if any(character.isspace() for character in url):
        raise UnsafeUrlError("A URL has no spaces (percent-encode them).")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeUrlError("Not a URL.") from None
    schemes = {"https"} if require_https else {"https", "http"}
    if parts.scheme not in schemes:
        raise UnsafeUrlError("The URL must start with https://." if require_https else
                             "The URL must start with https:// or http://.")  # fmt: skip
    host = parts.hostname
    if not host:
        raise UnsafeUrlError("The URL names no host.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrlError("Put no credentials in the URL: verify the signature instead.")
    if parts.fragment:
        raise UnsafeUrlError("The URL may not have a fragment (#...).")
    if port == 0:
        raise UnsafeUrlError("The URL's port is not valid.")
    if not allow_private:
        if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
            raise UnsafeUrlError("The URL must be of a public host.")
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None and refused_address(literal) is not None:
            raise UnsafeUrlError("The URL must be of a public address.")
    return url


@dataclass(frozen=True)
class Attempt:
    """How one sending went."""

    status: int | None
    latency_ms: int
    # Why it failed (``None``: the receiver answered 2xx).
    error: str | None
    # Not sent at all: the address guard refused the URL.
    refused: bool = False

    @property
    def ok(self) -> bool:
        """Whether the receiver took it."""
        return self.error is None


def signatures(secrets: tuple[str, ...], message_id: str, at: datetime, body: bytes) -> str:
    """The ``webhook-signature`` header: one ``v1,`` signature per secret."""
    return " ".join(Webhook(secret).sign(message_id, at, body) for secret in secrets)


class WebhookSender:
    """Sends webhooks over one pooled client (per worker)."""

    def __init__(
        self, *, allow_private: bool, timeout_seconds: float = 10.0, connect_seconds: float = 5.0
    ) -> None:
        self.allow_private = allow_private
        self.timeout = httpx.Timeout(timeout_seconds, connect=connect_seconds)
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self.timeout, follow_redirects=False, trust_env=False,
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            )  # fmt: skip
        return self._client

    async def close(self) -> None:
        """Close the pooled connections."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def resolve(self, host: str, port: int) -> Address:
        """The address to connect to for ``host``: every address it resolves to checked
        (unless private ones are allowed), the first one used."""
        try:
            literal: Address | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            found = [literal]
        else:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
            found = [ipaddress.ip_address(info[4][0]) for info in infos]
        if not found:
            raise UnsafeUrlError("the host has no address")
        if not self.allow_private:
            for address in found:
                why = refused_address(address)
                if why is not None:
                    raise UnsafeUrlError(f"the host resolves to a {why}")
        return found[0]

    async def send(
        self, url: str, secrets: tuple[str, ...], message_id: str, body: bytes
    ) -> Attempt:
        """POST ``body`` to ``url``, signed; how it went (never raises for the receiver's
        faults; counted in the metrics)."""
        attempt = await self._send(url, secrets, message_id, body)
        outcome = "refused" if attempt.refused else "delivered" if attempt.ok else "failed"
        metrics.OUTGOING_WEBHOOKS.labels(outcome).inc()
        metrics.OUTGOING_WEBHOOK_LATENCY.observe(attempt.latency_ms / 1000)
        return attempt

    async def _send(
        self, url: str, secrets: tuple[str, ...], message_id: str, body: bytes
    ) -> Attempt:
        started = time.monotonic()

        def took() -> int:
            return int((time.monotonic() - started) * 1000)

        try:
            request = await self._request(url, secrets, message_id, body)
        except UnsafeUrlError as exc:
            return Attempt(None, took(), f"refused: {exc}", refused=True)
        except OSError as exc:
            return Attempt(None, took(), f"could not resolve the host ({exc.strerror})")
        try:
            response = await self._http().send(request, stream=True)
            try:
                received = 0
                async for chunk in response.aiter_raw():
                    received += len(chunk)
                    if received >= MAX_RESPONSE_BYTES:
                        break
            finally:
                await response.aclose()
        except httpx.TimeoutException:
            return Attempt(None, took(), "timed out")
        except httpx.HTTPError as exc:
            return Attempt(None, took(), f"connection failed ({type(exc).__name__})")
        status = response.status_code
        if 200 <= status < 300:
            return Attempt(status, took(), None)
        if 300 <= status < 400:
            return Attempt(status, took(), f"answered {status}: redirects are not followed")
        return Attempt(status, took(), f"answered {status}")

    async def _request(
        self, url: str, secrets: tuple[str, ...], message_id: str, body: bytes
    ) -> httpx.Request:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = await self.resolve(host, port)
        literal = f"[{address}]" if address.version == 6 else str(address)
        pinned = urlunsplit((parts.scheme, f"{literal}:{port}", parts.path or "/", parts.query, ""))
        at = datetime.now(UTC)
        headers = {
            "Host": parts.netloc.rpartition("@")[2],
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "webhook-id": message_id,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signatures(secrets, message_id, at, body),
        }
        extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
        return self._http().build_request(
            "POST", pinned, content=body, headers=headers, extensions=extensions
        )
