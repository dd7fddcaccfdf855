"""The messages the network sends the participant it hosts (as signed webhooks)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

InboundKind = Literal[
    "B2B_ID_DECIDED",
    "KYC_DECIDED",
    "DOCUMENT_ANSWERED",
    "DOCUMENT_RECEIVED",
    "PAYMENT_UPDATED",
    "PAYMENT_RECEIVED",
    "PAYMENT_REPORTED",
    "PAYMENT_REPORT_ANSWERED",
    "PAYMENT_REQUESTED",
    "FINANCING_BID",
    "FINANCING_UPDATED",
]


@dataclass(frozen=True)
class InboundMessage:
    """A message the network sends us. ``message_id`` is unique: repeats are ignored."""

    message_id: str
    kind: InboundKind
    request_id: str
    approved: bool
    reason: str | None
    occurred_at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)


InboundHandler = Callable[[InboundMessage], Awaitable[None]]
