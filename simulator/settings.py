"""The network service's configuration, from the environment."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass

from contract.wire import SANDBOX_API_KEY, SANDBOX_WEBHOOK_SECRET

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/simulator.db"
MIN_TOKEN_LENGTH = 32


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback name or address (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class SimulatorSettings:
    """How the network service runs.

    - ``SIMULATOR_HOST`` / ``SIMULATOR_PORT``: where it listens (127.0.0.1:8001).
    - ``SIMULATOR_DATABASE_URL``: its own database (a SQLite file under ``var/`` by default).
    - ``SIMULATOR_API_KEY``: the key the API participant authenticates with (its
      ``NETWORK_API_KEY``).
    - ``SIMULATOR_WEBHOOK_URL`` / ``SIMULATOR_WEBHOOK_SECRET``: where that participant takes
      messages, and the secret they are signed with (its ``NETWORK_WEBHOOK_SECRET``).
    - ``SIMULATOR_SEED``: the seed of ids and timings; ``SIMULATOR_REVIEW_SECONDS``: how long a
      B2B ID review takes in a fresh world.
    - ``TRACING``: ``otlp`` records spans and exports them as the ``OTEL_*`` variables say
      (continuing the API's ``traceparent``; the network's webhooks carry it back).
    - ``SIMULATOR_CONTROL_TOKEN``: when set, the control API (``/simulator``, which hands out
      OTPs and everyone's documents) answers only ``Authorization: Bearer <token>``. Binding
      to anything but a loopback address is refused without one (at least 32 characters).
    """

    host: str = "127.0.0.1"
    port: int = 8001
    database_url: str = DEFAULT_DATABASE_URL
    api_key: str = SANDBOX_API_KEY
    webhook_url: str = "http://127.0.0.1:8000/network/webhooks"
    webhook_secret: str = SANDBOX_WEBHOOK_SECRET
    seed: int = 1
    review_seconds: float = 20.0
    log_level: str = "INFO"
    control_token: str = ""
    tracing: bool = False

    @property
    def loopback(self) -> bool:
        """Whether it listens on this machine only."""
        return is_loopback(self.host)

    def warnings(self) -> list[str]:
        """What an operator should hear at start-up (the sandbox's public key and secret)."""
        found = []
        if self.api_key == SANDBOX_API_KEY:
            found.append("SIMULATOR_API_KEY is the public sandbox key")
        if self.webhook_secret == SANDBOX_WEBHOOK_SECRET:
            found.append("SIMULATOR_WEBHOOK_SECRET is the public sandbox secret")
        return found

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SimulatorSettings:
        """Read the settings from ``env`` (the process environment by default)."""
        env = os.environ if env is None else env

        def get(name: str, default: str) -> str:
            return env.get(name, "").strip() or default

        try:
            port = int(get("SIMULATOR_PORT", "8001"))
            seed = int(get("SIMULATOR_SEED", "1"))
            review = float(get("SIMULATOR_REVIEW_SECONDS", "20"))
        except ValueError as exc:
            msg = f"SIMULATOR_PORT, SIMULATOR_SEED and SIMULATOR_REVIEW_SECONDS are numbers: {exc}"
            raise ValueError(msg) from exc
        host = get("SIMULATOR_HOST", "127.0.0.1")
        token = get("SIMULATOR_CONTROL_TOKEN", "")
        tracing = get("TRACING", "none").lower()
        if tracing not in {"none", "otlp"}:
            msg = f"TRACING must be none or otlp, got {tracing!r}"
            raise ValueError(msg)
        if token and len(token) < MIN_TOKEN_LENGTH:
            msg = f"SIMULATOR_CONTROL_TOKEN has at least {MIN_TOKEN_LENGTH} characters"
            raise ValueError(msg)
        if not is_loopback(host) and not token:
            msg = (
                f"SIMULATOR_HOST={host} is reachable from other machines: set "
                "SIMULATOR_CONTROL_TOKEN so the control API is not open to them"
            )
            raise ValueError(msg)
        return cls(
            host=host,
            control_token=token,
            port=port,
            database_url=get("SIMULATOR_DATABASE_URL", DEFAULT_DATABASE_URL),
            api_key=get("SIMULATOR_API_KEY", SANDBOX_API_KEY),
            webhook_url=get("SIMULATOR_WEBHOOK_URL", "http://127.0.0.1:8000/network/webhooks"),
            webhook_secret=get("SIMULATOR_WEBHOOK_SECRET", SANDBOX_WEBHOOK_SECRET),
            seed=seed,
            review_seconds=review,
            log_level=get("LOG_LEVEL", "INFO").upper(),
            tracing=tracing == "otlp",
        )
