"""``POST /network/webhooks``: where the network delivers its messages.

Each delivery is verified (HMAC-SHA256 under ``NETWORK_WEBHOOK_SECRET``, or during a rotation
``NETWORK_WEBHOOK_SECRET_PREVIOUS``, over the timestamp and the raw body, the timestamp within
five minutes of our clock) before anything is read;
a bad one is answered 401 and logged, never processed. A genuine message is recorded by id and
applied in one transaction, and answered 2xx only after that commits; a message seen before is
a 2xx no-op. A body that is signed but not a message is answered 400, a message whose data does
not hold together (a payment allocating more than a document's total, text with control
characters) 422 with nothing booked (the network retries, then dead-letters either); a failure
of ours is a 500 without details, and the network delivers again.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from contract.wire import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WireError,
    inbound_from_json,
    verify,
)
from db.engine import lost_connection
from resolvers import inbound
from resolvers.services import metrics, network_http
from resolvers.services.errors import MessageRefusedError

if TYPE_CHECKING:
    from resolvers.context import AppState

logger = logging.getLogger("bharat_connect.webhooks")

WEBHOOK_PATH = "/network/webhooks"
MAX_WEBHOOK_BYTES = 1024 * 1024


def webhook_endpoint(
    state: AppState, secrets: tuple[str, ...]
) -> Callable[[Request], Awaitable[Response]]:
    """The route's endpoint, bound to the app's state and the webhook secrets (the current
    one, and during a rotation the previous one)."""

    async def receive(request: Request) -> Response:
        body = await request.body()
        refused = verify(
            secrets,
            request.headers.get(TIMESTAMP_HEADER),
            request.headers.get(SIGNATURE_HEADER),
            body,
            time.time(),
        )
        if refused is not None:
            logger.warning("webhook refused: %s (message %s)", refused,
                           request.headers.get("x-message-id", "-")[:64])  # fmt: skip
            metrics.WEBHOOKS.labels("refused").inc()
            return JSONResponse({"code": "UNAUTHENTICATED", "message": "Bad signature."}, 401)
        try:
            message = inbound_from_json(json.loads(body))
        except (ValueError, WireError) as exc:
            logger.warning("webhook with a malformed message refused: %s", exc)
            metrics.WEBHOOKS.labels("malformed").inc()
            return JSONResponse({"code": "MALFORMED", "message": str(exc)[:200]}, 400)
        token = network_http.request_id.set(message.message_id)
        try:
            await inbound.handle(state, message)
        except MessageRefusedError as exc:  # nothing of it was booked
            logger.warning("webhook %s (%s) refused: %s", message.message_id, message.kind, exc)
            metrics.WEBHOOKS.labels("inconsistent").inc()
            return JSONResponse({"code": "INCONSISTENT", "message": str(exc)[:200]}, 422)
        except Exception as exc:
            if lost_connection(exc):  # the network sends it again
                logger.warning("webhook %s (%s): the database connection was lost; try again",
                               message.message_id, message.kind)  # fmt: skip
                metrics.WEBHOOKS.labels("unavailable").inc()
                return JSONResponse({"code": "UNAVAILABLE", "message": "Try again later."}, 503)
            logger.exception("webhook %s (%s) failed", message.message_id, message.kind)
            metrics.WEBHOOKS.labels("failed").inc()
            return JSONResponse({"code": "INTERNAL", "message": "Try again later."}, 500)
        finally:
            network_http.request_id.reset(token)
        metrics.WEBHOOKS.labels("applied").inc()
        return JSONResponse({"received": message.message_id})

    return receive
