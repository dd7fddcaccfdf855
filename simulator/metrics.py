"""The network service's own metrics (Prometheus text format at ``/metrics``): participant
calls by route and status, webhooks by outcome, and, read at each scrape, the scheduled work
waiting and the dead letters. Guarded like the control API: with ``SIMULATOR_CONTROL_TOKEN``
set, a scrape sends it as ``Authorization: Bearer <token>``."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from simulator.network import SimulatedNetwork

CALLS = Counter(
    "bcnet_participant_calls",
    "Calls participants made to the network, by route and answer status.",
    ["route", "status"],
)
WEBHOOKS = Counter(
    "bcnet_webhooks", "Webhooks sent to the hosted participant, by outcome.", ["outcome"]
)


class _World(Collector):
    def __init__(self, network: SimulatedNetwork) -> None:
        self.network = network

    def collect(self) -> Iterator[Any]:
        yield GaugeMetricFamily(
            "bcnet_scheduled_actions",
            "Work the network has scheduled (reviews, deliveries, settlements) and not done.",
            value=self.network.pending_actions,
        )
        yield GaugeMetricFamily(
            "bcnet_dead_letters",
            "Messages the network gave up delivering.",
            value=len(self.network.world.dead_letters),
        )


def endpoint(network: SimulatedNetwork, token: str) -> Any:
    """The ``/metrics`` endpoint of a network service."""
    world = _World(network)

    async def scrape(request: Request) -> Response:
        if token:
            sent = request.headers.get("authorization", "")
            if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
                return JSONResponse({"code": "UNAUTHENTICATED", "message": "Send the token."}, 401)
        REGISTRY.register(world)
        try:
            body = generate_latest(REGISTRY)
        finally:
            REGISTRY.unregister(world)
        return Response(body, headers={"content-type": CONTENT_TYPE_LATEST})

    return scrape
