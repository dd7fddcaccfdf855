"""Settings read from the environment, with documented defaults.

Every setting is listed in the README. ``ENVIRONMENT=production`` turns the explorer,
introspection and demo seeding off unless they are asked for explicitly.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from contract.wire import SANDBOX_API_KEY, SANDBOX_WEBHOOK_SECRET

Environment = Literal["development", "production"]
BrokerKind = Literal["memory", "postgres"]

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/bharat-connect.db"
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-change-me"  # noqa: S105


class SettingsError(ValueError):
    """A setting has a value the service cannot run with."""


def _bool(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    msg = f"{name} must be a boolean (true/false), got {raw!r}"
    raise SettingsError(msg)


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        msg = f"{name} must be an integer, got {raw!r}"
        raise SettingsError(msg) from None
    if value < minimum:
        msg = f"{name} must be at least {minimum}, got {value}"
        raise SettingsError(msg)
    return value


def _network(env: Mapping[str, str], *, dev: bool, workers: int) -> tuple[str, str, str]:
    """``NETWORK_URL``, ``NETWORK_API_KEY`` and ``NETWORK_WEBHOOK_SECRET``, checked."""
    url = env.get("NETWORK_URL", "").strip().rstrip("/")
    api_key = env.get("NETWORK_API_KEY", "").strip() or SANDBOX_API_KEY
    secret = env.get("NETWORK_WEBHOOK_SECRET", "").strip() or SANDBOX_WEBHOOK_SECRET
    if not dev and (not url or api_key == SANDBOX_API_KEY or secret == SANDBOX_WEBHOOK_SECRET):
        msg = "production needs NETWORK_URL, NETWORK_API_KEY and NETWORK_WEBHOOK_SECRET"
        raise SettingsError(msg)
    if not dev and (len(api_key) < 32 or len(secret) < 32):
        msg = "production: NETWORK_API_KEY and NETWORK_WEBHOOK_SECRET need 32+ characters"
        raise SettingsError(msg)
    if url and not url.startswith(("http://", "https://")):
        msg = f"NETWORK_URL must be an http(s) URL, got {url!r}"
        raise SettingsError(msg)
    if workers > 1 and not url:
        msg = "WORKERS > 1 needs the network service (NETWORK_URL; `make run` starts it)"
        raise SettingsError(msg)
    return url, api_key, secret


def _previous_webhook_secret(env: Mapping[str, str], *, dev: bool, current: str) -> str:
    """``NETWORK_WEBHOOK_SECRET_PREVIOUS``: the secret being rotated out (empty: none)."""
    previous = env.get("NETWORK_WEBHOOK_SECRET_PREVIOUS", "").strip()
    if previous and previous == current:
        msg = "NETWORK_WEBHOOK_SECRET_PREVIOUS must differ from NETWORK_WEBHOOK_SECRET"
        raise SettingsError(msg)
    if previous and not dev and len(previous) < 32:
        msg = "production: NETWORK_WEBHOOK_SECRET_PREVIOUS needs 32+ characters"
        raise SettingsError(msg)
    return previous


# Request headers a browser may send cross-origin by default: ours, and the ones common
# GraphQL clients add (Apollo's client awareness, W3C trace context, request ids).
DEFAULT_CORS_HEADERS = (
    "authorization",
    "content-type",
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
    "x-apollo-operation-name",
    "traceparent",
    "tracestate",
    "x-request-id",
)
_HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")


def _headers(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    if name not in env:
        return default
    names = tuple(part.lower() for part in _list(env, name))
    for header in names:
        if header == "*" or not _HEADER_NAME.fullmatch(header):
            msg = f"{name} must list header names (no wildcard), got {header!r}"
            raise SettingsError(msg)
    return names


def _trusted_documents(env: Mapping[str, str]) -> dict[str, Any]:
    """``TRUSTED_DOCUMENTS_ONLY`` and the ``TRUSTED_DOCUMENTS_MANIFEST`` it needs."""
    only = _bool(env, "TRUSTED_DOCUMENTS_ONLY", default=False)
    raw = env.get("TRUSTED_DOCUMENTS_MANIFEST", "").strip()
    manifest = Path(raw) if raw else None
    if only and manifest is None:
        msg = "TRUSTED_DOCUMENTS_ONLY needs TRUSTED_DOCUMENTS_MANIFEST (a manifest's path)"
        raise SettingsError(msg)
    if manifest is not None and not manifest.is_file():
        msg = f"TRUSTED_DOCUMENTS_MANIFEST: no such file {raw!r}"
        raise SettingsError(msg)
    return {"trusted_documents_only": only, "trusted_documents_manifest": manifest}


def _metrics_token(env: Mapping[str, str]) -> str | None:
    token = env.get("METRICS_TOKEN", "").strip() or None
    if token is not None and len(token) < 32:
        msg = "METRICS_TOKEN needs 32+ characters"
        raise SettingsError(msg)
    return token


def _tracing(env: Mapping[str, str]) -> bool:
    value = env.get("TRACING", "").strip().lower() or "none"
    if value not in {"none", "otlp"}:
        msg = f"TRACING must be none or otlp, got {value!r}"
        raise SettingsError(msg)
    return value == "otlp"


def _log_format(env: Mapping[str, str], *, dev: bool) -> Literal["text", "json"]:
    raw = env.get("LOG_FORMAT", "").strip().lower() or ("text" if dev else "json")
    if raw not in {"text", "json"}:
        msg = f"LOG_FORMAT must be text or json, got {raw!r}"
        raise SettingsError(msg)
    return "json" if raw == "json" else "text"


def _list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    raw = env.get(name, "")
    return tuple(part.strip() for part in raw.split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    """The service's configuration. Build it with :meth:`from_env`."""

    environment: Environment = "development"
    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    graphiql: bool = True
    introspection: bool = True
    seed_demo: bool = True
    migrate_on_start: bool = True
    broker: BrokerKind = "memory"
    cors_allowed_origins: tuple[str, ...] = ()
    cors_allowed_headers: tuple[str, ...] = DEFAULT_CORS_HEADERS
    ws_allowed_origins: tuple[str, ...] = ()
    token_ttl_hours: int = 24 * 30
    max_body_bytes: int = 64 * 1024
    body_timeout_seconds: int = 10
    keep_alive_timeout_seconds: int = 5
    # On SIGTERM: how long /readyz answers 503 while the worker still serves, before it stops.
    shutdown_drain_seconds: int = 0
    # Proxies whose X-Forwarded-For is trusted for the client's address (empty: none).
    forwarded_allow_ips: str = ""
    max_depth: int = 10
    max_aliases: int = 15
    max_tokens: int = 2000
    max_directives: int = 50
    max_query_cost: int = 25_000
    max_organisations_per_day: int = 20
    max_sign_ups_per_hour: int = 20
    request_timeout_seconds: int = 15
    max_subscriptions_per_connection: int = 20
    # What one account may have running at once in one worker: queries and mutations over one
    # socket, operations over HTTP and every socket together, open sockets; and the query cost
    # it may spend a minute (each worker keeps its own count: resolvers.flight).
    max_operations_per_socket: int = 4
    max_operations_per_account: int = 16
    max_sockets_per_account: int = 50
    cost_budget_per_minute: int = 500_000
    connection_init_timeout_seconds: int = 10
    password_hash_profile: Literal["strong", "fast"] = "strong"  # noqa: S105
    log_level: str = "INFO"
    # One JSON object a line (production's default), or plain text (development's).
    log_format: Literal["text", "json"] = "text"
    # Who may read /metrics (a bearer token); production serves /metrics only with one.
    metrics_token: str | None = None
    secret_key: str = DEVELOPMENT_SECRET_KEY
    # The network service (empty: the simulated network runs inside this process, for tests).
    network_url: str = ""
    network_api_key: str = SANDBOX_API_KEY
    network_webhook_secret: str = SANDBOX_WEBHOOK_SECRET
    # The secret being rotated out: webhooks signed with it are accepted too (empty: none).
    network_webhook_secret_previous: str = ""
    network_timeout_seconds: int = 10
    # Outgoing webhooks: whether endpoints may be private, loopback or link-local addresses
    # (development's default; production refuses them, after DNS resolution too), whether they
    # must be https, and how long one delivery may take.
    webhook_allow_private: bool = True
    webhook_require_https: bool = False
    webhook_timeout_seconds: int = 10
    # OpenTelemetry traces exported over OTLP (the OTEL_* variables say where): TRACING=otlp.
    tracing: bool = False
    # How long a claimed outbox message is its worker's before others may take it over.
    outbox_lease_seconds: int = 120
    # The served process's garbage collector: collections of the youngest generation after
    # this many new container objects (0: the interpreter's default, and nothing frozen).
    gc_gen0_threshold: int = 50_000
    simulator_seed: int = 1
    simulator_review_seconds: int = 20
    kyc_storage_dir: Path = field(default_factory=lambda: Path("var") / "kyc-documents")
    # Automatic persisted queries (clients register a document under its hash, then send the
    # hash alone), and how many registered documents all workers keep together.
    persisted_queries: bool = True
    # Operations one batched request (a JSON array) may hold; 0 refuses batches.
    max_batch_operations: int = 10
    persisted_queries_max: int = 10_000
    # Accept only the operations of a persisted-document manifest (Apollo's or Relay's JSON).
    trusted_documents_only: bool = False
    trusted_documents_manifest: Path | None = None
    # Run the outbox dispatcher and the simulator's clock in the background (tests drive both).
    background_tasks: bool = True
    graphiql_assets_dir: Path = field(
        default_factory=lambda: Path(__file__).resolve().parent / "graphiql" / "node_modules"
    )

    @property
    def webhook_secrets(self) -> tuple[str, ...]:
        """The secrets a network webhook may be signed with: the current one first."""
        previous = self.network_webhook_secret_previous
        return (
            (self.network_webhook_secret, previous) if previous else (self.network_webhook_secret,)
        )

    @property
    def is_postgres(self) -> bool:
        """Whether the database is PostgreSQL."""
        return self.database_url.startswith("postgresql")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read settings from ``env`` (the process environment by default)."""
        env = os.environ if env is None else env
        environment = env.get("ENVIRONMENT", "development").strip().lower()
        if environment not in {"development", "production"}:
            msg = f"ENVIRONMENT must be development or production, got {environment!r}"
            raise SettingsError(msg)
        dev = environment == "development"
        database_url = env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
        if database_url.startswith("postgresql://") or database_url.startswith("postgres://"):
            database_url = "postgresql+asyncpg://" + database_url.split("://", 1)[1]
        if database_url.startswith("sqlite://") and "+aiosqlite" not in database_url:
            database_url = database_url.replace("sqlite://", "sqlite+aiosqlite://", 1)
        is_pg = database_url.startswith("postgresql")
        broker = env.get("BROKER", "").strip().lower() or ("postgres" if is_pg else "memory")
        if broker not in {"memory", "postgres"}:
            msg = f"BROKER must be memory or postgres, got {broker!r}"
            raise SettingsError(msg)
        if broker == "postgres" and not is_pg:
            msg = "BROKER=postgres needs a PostgreSQL DATABASE_URL"
            raise SettingsError(msg)
        workers = _int(env, "WORKERS", 1, minimum=1)
        if workers > 1 and broker == "memory":
            msg = "WORKERS > 1 needs PostgreSQL (DATABASE_URL) so events reach every worker"
            raise SettingsError(msg)
        profile = env.get("PASSWORD_HASH_PROFILE", "strong").strip().lower()
        if profile not in {"strong", "fast"}:
            msg = f"PASSWORD_HASH_PROFILE must be strong or fast, got {profile!r}"
            raise SettingsError(msg)
        if profile == "fast" and not dev:
            msg = "PASSWORD_HASH_PROFILE=fast is for tests only and refused in production"
            raise SettingsError(msg)
        secret_key = env.get("SECRET_KEY", "").strip() or DEVELOPMENT_SECRET_KEY
        if not dev and secret_key == DEVELOPMENT_SECRET_KEY:
            msg = "SECRET_KEY must be set in production (at least 32 random characters)"
            raise SettingsError(msg)
        if len(secret_key) < 32:
            msg = "SECRET_KEY must have at least 32 characters"
            raise SettingsError(msg)
        network_url, network_api_key, webhook_secret = _network(env, dev=dev, workers=workers)
        cors = _list(env, "CORS_ALLOWED_ORIGINS")
        ws_origins = _list(env, "WS_ALLOWED_ORIGINS") if "WS_ALLOWED_ORIGINS" in env else cors
        return cls(
            environment="development" if dev else "production",
            database_url=database_url,
            host=env.get("HOST", "127.0.0.1").strip() or "127.0.0.1",
            port=_int(env, "PORT", 8000, minimum=0),
            workers=workers,
            graphiql=_bool(env, "GRAPHIQL", default=dev),
            introspection=_bool(env, "INTROSPECTION", default=dev),
            seed_demo=_bool(env, "SEED_DEMO", default=dev),
            migrate_on_start=_bool(env, "MIGRATE_ON_START", default=True),
            broker="postgres" if broker == "postgres" else "memory",
            cors_allowed_origins=cors,
            cors_allowed_headers=_headers(env, "CORS_ALLOWED_HEADERS", DEFAULT_CORS_HEADERS),
            ws_allowed_origins=ws_origins,
            token_ttl_hours=_int(env, "TOKEN_TTL_HOURS", 24 * 30, minimum=1),
            max_body_bytes=_int(env, "MAX_BODY_BYTES", 64 * 1024, minimum=1024),
            body_timeout_seconds=_int(env, "BODY_TIMEOUT_SECONDS", 10, minimum=1),
            keep_alive_timeout_seconds=_int(env, "KEEP_ALIVE_TIMEOUT_SECONDS", 5, minimum=1),
            shutdown_drain_seconds=_int(env, "SHUTDOWN_DRAIN_SECONDS", 0 if dev else 5),
            forwarded_allow_ips=env.get("FORWARDED_ALLOW_IPS", "").strip(),
            max_depth=_int(env, "MAX_DEPTH", 10, minimum=1),
            max_aliases=_int(env, "MAX_ALIASES", 15, minimum=0),
            max_tokens=_int(env, "MAX_TOKENS", 2000, minimum=10),
            max_directives=_int(env, "MAX_DIRECTIVES", 50, minimum=0),
            max_query_cost=_int(env, "MAX_QUERY_COST", 25_000, minimum=100),
            max_organisations_per_day=_int(env, "MAX_ORGANISATIONS_PER_DAY", 20, minimum=1),
            max_sign_ups_per_hour=_int(env, "MAX_SIGN_UPS_PER_HOUR", 20, minimum=1),
            request_timeout_seconds=_int(env, "REQUEST_TIMEOUT_SECONDS", 15, minimum=1),
            max_subscriptions_per_connection=_int(
                env, "MAX_SUBSCRIPTIONS_PER_CONNECTION", 20, minimum=1
            ),
            max_operations_per_socket=_int(env, "MAX_OPERATIONS_PER_SOCKET", 4, minimum=1),
            max_operations_per_account=_int(env, "MAX_OPERATIONS_PER_ACCOUNT", 16, minimum=1),
            max_sockets_per_account=_int(env, "MAX_SOCKETS_PER_ACCOUNT", 50, minimum=1),
            cost_budget_per_minute=_int(env, "COST_BUDGET_PER_MINUTE", 500_000, minimum=100),
            connection_init_timeout_seconds=_int(env, "CONNECTION_INIT_TIMEOUT_SECONDS", 10, 1),
            password_hash_profile="fast" if profile == "fast" else "strong",
            log_level=env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO",
            log_format=_log_format(env, dev=dev),
            metrics_token=_metrics_token(env),
            secret_key=secret_key,
            network_url=network_url,
            network_api_key=network_api_key,
            network_webhook_secret=webhook_secret,
            network_webhook_secret_previous=_previous_webhook_secret(
                env, dev=dev, current=webhook_secret
            ),
            network_timeout_seconds=_int(env, "NETWORK_TIMEOUT_SECONDS", 10, minimum=1),
            webhook_allow_private=_bool(env, "WEBHOOK_ALLOW_PRIVATE", default=dev),
            webhook_require_https=_bool(env, "WEBHOOK_REQUIRE_HTTPS", default=not dev),
            webhook_timeout_seconds=_int(env, "WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1),
            tracing=_tracing(env),
            outbox_lease_seconds=_int(env, "OUTBOX_LEASE_SECONDS", 120, minimum=1),
            gc_gen0_threshold=_int(env, "GC_GEN0_THRESHOLD", 50_000, minimum=0),
            simulator_seed=_int(env, "SIMULATOR_SEED", 1),
            simulator_review_seconds=_int(env, "SIMULATOR_REVIEW_SECONDS", 20),
            kyc_storage_dir=Path(env.get("KYC_STORAGE_DIR", "").strip() or "var/kyc-documents"),
            persisted_queries=_bool(env, "PERSISTED_QUERIES", default=True),
            max_batch_operations=_int(env, "MAX_BATCH_OPERATIONS", 10, minimum=0),
            persisted_queries_max=_int(env, "PERSISTED_QUERIES_MAX", 10_000, minimum=1),
            **_trusted_documents(env),
        )
