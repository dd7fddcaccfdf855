"""Delivering network messages to a participant: signed HTTP POSTs to its webhook URL."""

from __future__ import annotations

import json
import logging
import time

import httpx

from contract.messages import InboundMessage
from contract.wire import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    inbound_to_json,
    signature,
)
from simulator import metrics

logger = logging.getLogger("bharat_connect.simulator.webhooks")


class WebhookRefusedError(Exception):
    """The participant answered a delivery with something other than 2xx."""

    def __init__(self, status: int) -> None:
        super().__init__(f"webhook answered HTTP {status}")
        self.status = status


class WebhookSender:
    """POSTs each message, signed, to one participant's URL. A delivery counts only when the
    participant answers 2xx; anything else raises, and the network tries again later."""

    def __init__(self, url: str, secret: str, *, timeout_seconds: float = 10.0) -> None:
        self.url = url
        self.secret = secret
        self.client = httpx.AsyncClient(timeout=timeout_seconds)

    async def __call__(self, message: InboundMessage) -> None:
        body = json.dumps(inbound_to_json(message), separators=(",", ":")).encode()
        timestamp = int(time.time())
        try:
            response = await self._post(body, timestamp, message)
        except httpx.HTTPError:
            metrics.WEBHOOKS.labels("unreachable").inc()
            raise
        if not 200 <= response.status_code < 300:
            metrics.WEBHOOKS.labels("refused").inc()
            raise WebhookRefusedError(response.status_code)
        metrics.WEBHOOKS.labels("delivered").inc()
        logger.debug("delivered %s (%s)", message.message_id, message.kind)

    async def _post(self, body: bytes, timestamp: int, message: InboundMessage) -> httpx.Response:
        return await self.client.post(
            self.url,
            content=body,
            headers={
                "content-type": "application/json",
                TIMESTAMP_HEADER: str(timestamp),
                SIGNATURE_HEADER: signature(self.secret, timestamp, body),
                "X-Message-Id": message.message_id,
            },
        )

    async def close(self) -> None:
        """Release the connections."""
        await self.client.aclose()
