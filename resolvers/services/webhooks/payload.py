"""What a webhook carries: an event of the organisation's log as a Standard Webhooks payload.

``{"type": <kind>, "timestamp": <when it happened>, "data": {...}}``; ``data`` holds the
organisation's id, the event's ``cursor`` (as ``organisationEvents`` gives it: pass it as
``after`` to replay from there) and what the event says, ids as the API's opaque global ids
(fetch the object with ``node(id:)`` for its current state) and amounts as decimal strings.
The body is the same on every retry, redelivery and replay of the event.
"""

from __future__ import annotations

import decimal
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from db.models import OrganisationEvent
from resolvers.services.ids import encode_event_cursor, encode_id

# Ids in event data, and the type of the object each names.
ID_TYPES = {
    "documentId": "Document",
    "paymentId": "Payment",
    "financingRequestId": "FinancingRequest",
    "bidId": "FinancingBid",
    "operationId": "BulkOperation",
    "membershipId": "Membership",
    "contactId": "Contact",
    "endpointId": "WebhookEndpoint",
    "apiKeyId": "ApiKey",
}


@dataclass(frozen=True)
class EventCopy:
    """An event as read for sending (the transaction that read it is over)."""

    organisation_id: uuid.UUID
    seq: int
    kind: str
    occurred_at: datetime
    data: dict[str, Any]
    actor_account_id: uuid.UUID | None
    # The trace of the transaction that wrote it (tracing on): its sending joins it.
    trace_context: dict[str, str] | None = None

    @classmethod
    def of(cls, event: OrganisationEvent) -> EventCopy:
        """A copy of a row."""
        return cls(
            event.organisation_id, event.seq, event.kind, event.occurred_at, dict(event.data),
            event.actor_account_id, dict(event.trace_context) if event.trace_context else None,
        )  # fmt: skip

    @property
    def message_id(self) -> str:
        """The ``webhook-id``: the event's own, stable across every sending of it."""
        return message_id(self.organisation_id, self.seq)


def message_id(organisation_id: uuid.UUID, seq: int) -> str:
    """The ``webhook-id`` of the organisation's event ``seq``."""
    return f"evt_{organisation_id.hex}_{seq}"


def _amount(paise: int) -> str:
    return str((decimal.Decimal(paise) / 100).quantize(decimal.Decimal("0.01")))


def data_of(event: EventCopy) -> dict[str, Any]:
    """The event's ``data`` as sent."""
    data: dict[str, Any] = {
        "organisationId": encode_id("Organisation", event.organisation_id),
        "cursor": encode_event_cursor(event.seq),
    }
    if event.actor_account_id is not None:
        data["actorId"] = encode_id("Account", event.actor_account_id)
    for key, value in event.data.items():
        type_name = ID_TYPES.get(key)
        if type_name is not None and isinstance(value, str):
            try:
                data[key] = encode_id(type_name, uuid.UUID(value))
            except ValueError:
                continue
        elif key.endswith("Paise") and isinstance(value, int):
            data[key.removesuffix("Paise")] = {"amount": _amount(value), "currencyCode": "INR"}
        elif key.endswith("Id") and key not in {"b2bId"}:
            continue  # internal references (the network's ids, request ids) stay inside
        else:
            data[key] = value
    return data


def body_of(event: EventCopy) -> bytes:
    """The request body for an event (compact JSON, the same bytes every time)."""
    at = event.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return orjson.dumps({"type": event.kind, "timestamp": at, "data": data_of(event)})
