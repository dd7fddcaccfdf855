"""One trace across the boundary, with real processes exporting over OTLP to a collector this
test runs on 127.0.0.1: a seller's push (the API's mutation, then its outbox work calling the
network service) continues in the network service (its request, then the delivery it
scheduled), comes back on the network's webhook to the API, and ends with the event sent to
the buyer's subscriber."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.conftest import Api, free_port
from tests.network_service import Deployment, Journey, eventually
from tests.trading import KAVERI_COMPONENTS, SHARMA_TRADERS
from tests.wsclient import GraphQLWebSocket

pytestmark = pytest.mark.postgres_only

EVENTS = "subscription($o: ID!) { organisationEvents(organisationId: $o) { kind } }"


@dataclass(frozen=True)
class Span:
    service: str
    trace_id: str
    span_id: str
    parent_id: str
    name: str
    attributes: dict[str, str]


@dataclass
class Collector:
    """An OTLP/HTTP trace collector: what the services exported."""

    port: int
    spans: list[Span] = field(default_factory=list)

    def trace(self, trace_id: str) -> list[Span]:
        return [s for s in self.spans if s.trace_id == trace_id]


@contextlib.asynccontextmanager
async def collecting() -> AsyncIterator[Collector]:
    collector = Collector(free_port())

    async def traces(request: Request) -> Response:
        export = ExportTraceServiceRequest()
        export.ParseFromString(await request.body())
        for resource_spans in export.resource_spans:
            service = next(
                (a.value.string_value for a in resource_spans.resource.attributes
                 if a.key == "service.name"), "",
            )  # fmt: skip
            for scope in resource_spans.scope_spans:
                for span in scope.spans:
                    collector.spans.append(
                        Span(
                            service, span.trace_id.hex(), span.span_id.hex(),
                            span.parent_span_id.hex(), span.name,
                            {a.key: a.value.string_value for a in span.attributes},
                        )
                    )  # fmt: skip
        return Response(ExportTraceServiceRequest().SerializeToString(),
                        media_type="application/x-protobuf")  # fmt: skip

    app = Starlette(routes=[Route("/v1/traces", traces, methods=["POST"])])
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=collector.port, lifespan="off", log_level="warning"
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield collector
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=5)


def _path(collector: Collector) -> list[Span] | None:
    """The path from the subscriber's span to its trace's root, once every span on it was
    exported (each process exports in batches)."""
    found = next(
        (s for s in collector.spans if s.name == "subscription event INBOX_ITEM_RECEIVED"), None
    )
    if found is None:
        return None
    by_id = {s.span_id: s for s in collector.trace(found.trace_id)}
    path = [found]
    while path[-1].parent_id:
        if path[-1].parent_id not in by_id:
            return None
        path.append(by_id[path[-1].parent_id])
    return path


async def test_one_trace_spans_api_network_webhook_and_subscriber(
    tmp_path: Path, database_url: str
) -> None:
    async with collecting() as collector:
        env = {
            "TRACING": "otlp",
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{collector.port}",
            "OTEL_BSP_SCHEDULE_DELAY": "200",
        }
        services = Deployment(free_port(), free_port(), tmp_path, database_url, workers=1,
                              extra_env=env)  # fmt: skip
        try:
            await services.start_network()
            await services.start_api()
            async with (
                httpx.AsyncClient(base_url=services.api_url, timeout=30) as http,
                httpx.AsyncClient(base_url=services.control_url, timeout=30) as control,
            ):
                await control.put(
                    "/behaviour", json={"kycReviewSeconds": 1, "documentDeliverySeconds": 0.2}
                )
                journey = Journey(Api(http), control, http)
                seller, seller_org = await journey.onboard(SHARMA_TRADERS)
                buyer, buyer_org = await journey.onboard(KAVERI_COMPONENTS)
                customer = await journey.linked_contact(
                    seller, seller_org, KAVERI_COMPONENTS, customer=True
                )
                ws = await GraphQLWebSocket.open(
                    services.api_url.replace("http", "ws") + "/graphql"
                )
                try:
                    await ws.init({"Authorization": f"Bearer {buyer.token}"})
                    await ws.subscribe(EVENTS, {"o": buyer_org})
                    await journey.push(seller, seller_org, customer, kind="INVOICE")
                    while True:
                        message = await ws.next_message(timeout=30)
                        if message["payload"]["data"]["organisationEvents"]["kind"] == "INBOX_ITEM_RECEIVED":  # fmt: skip
                            break
                finally:
                    await ws.close()

                async def exported() -> list[Span] | None:
                    return _path(collector)

                path_spans = await eventually(exported, "the whole trace exported")
        finally:
            for name in ("api", "network"):
                services.stop(name)
        path = [(s.service, s.name) for s in reversed(path_spans)]
        api, network = "bharat-connect-api", "bharat-connect-network"
        assert path == [
            (api, "POST /graphql"),  # the seller's request
            (api, "mutation anonymous"),
            (api, "resolve Mutation.documentPush"),
            (api, "outbox document.push"),  # after its commit, by the dispatcher
            (api, "POST"),  # the call to the network service, with traceparent
            (network, "POST /v1/documents"),
            (network, "network task hand_over"),  # scheduled work keeps the trace
            (network, "network task deliver"),
            (network, "POST"),  # the webhook back, with traceparent
            (api, "POST /network/webhooks"),
            (api, "subscription event INBOX_ITEM_RECEIVED"),  # to the buyer's socket
        ], path
