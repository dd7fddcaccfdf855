"""The service's metrics, in the Prometheus format (``prometheus-client``), served at ``/metrics``.

With several workers (``PROMETHEUS_MULTIPROC_DIR`` set by the CLI before the workers start)
every worker writes its samples to files in that folder and one scrape of any worker sums
them (counters and histograms add up; gauges of things a worker holds add up over the live
workers). Labels take only values from bounded sets (operation types, root fields and error
codes of the schema, outcome words, the network's call names); an operation's name is a label
only when it is a plain GraphQL name, and past :data:`MAX_OPERATION_NAMES` distinct names a
worker counts the rest as ``other``.
"""

from __future__ import annotations

import re

from prometheus_client import Counter, Gauge, Histogram

MAX_OPERATION_NAMES = 200
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_seen_names: set[str] = set()

REQUESTS = Counter(
    "bc_graphql_operations",
    "GraphQL operations run, by operation name, type and outcome (ok, user_error, error).",
    ["operation", "type", "outcome"],
)
LATENCY = Histogram(
    "bc_graphql_operation_seconds",
    "Time to run a GraphQL query or mutation, by operation type.",
    ["type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15),
)
ERRORS = Counter("bc_graphql_errors", "GraphQL errors answered, by code.", ["code"])
USER_ERRORS = Counter("bc_user_errors", "userErrors answered, by code.", ["code"])
NETWORK_CALLS = Counter(
    "bc_network_calls",
    "Calls to the network service, by call and outcome (ok, refused, timeout, unavailable).",
    ["call", "outcome"],
)
NETWORK_LATENCY = Histogram(
    "bc_network_call_seconds",
    "Time a call to the network service took, by call.",
    ["call"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
WEBHOOKS = Counter(
    "bc_network_webhooks",
    "Webhooks from the network, by outcome (applied, refused, malformed, inconsistent, "
    "unavailable, failed).",
    ["outcome"],
)
OUTGOING_WEBHOOKS = Counter(
    "bc_outgoing_webhooks",
    "Webhooks sent to organisations' endpoints, by outcome (delivered: answered 2xx; failed: "
    "any other answer, a timeout or a refused connection; refused: the address guard).",
    ["outcome"],
)
OUTGOING_WEBHOOK_LATENCY = Histogram(
    "bc_outgoing_webhook_seconds",
    "Time a webhook delivery to an organisation's endpoint took.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SUBSCRIPTIONS = Gauge(
    "bc_subscriptions_open", "Subscriptions open on this service.", multiprocess_mode="livesum"
)
EVENTS = Counter("bc_events_delivered", "Organisation events sent to subscribers.")
EVENT_LAG = Histogram(
    "bc_event_delivery_lag_seconds",
    "From an event's commit to its sending to a subscriber.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60),
)
THROTTLED = Counter(
    "bc_throttle_refusals", "Requests refused by an abuse limit, by limit.", ["limit"]
)
POOL_WAITING = Gauge(
    "bc_db_pool_waiting",
    "Requests waiting for a database connection (every one in use; PostgreSQL).",
    multiprocess_mode="livesum",
)
POOL_CHECKED_OUT = Gauge(
    "bc_db_pool_in_use",
    "Database connections in use (checked out of the pool).",
    multiprocess_mode="livesum",
)


def operation_label(name: str | None) -> str:
    """The label for an operation's name (bounded: see the module's description)."""
    if not name:
        return "anonymous"
    if not _NAME.fullmatch(name):
        return "other"
    if name not in _seen_names:
        if len(_seen_names) >= MAX_OPERATION_NAMES:
            return "other"
        _seen_names.add(name)
    return name


def call_label(method: str, path: str) -> str:
    """A network call's label: its method and the fixed words of its path (ids dropped)."""
    words = [part for part in path.strip("/").split("/") if part and part.isalpha()]
    return f"{method} /{'/'.join(words[:3])}"
