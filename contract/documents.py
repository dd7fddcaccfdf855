"""Documents the network carries: what is sent, and where one stands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class DocumentMessage:
    """A document sent over the network. ``network_id`` is stable across retries; the network
    refuses a message whose version is older than the one it holds, and a repeat of the same
    ``(network_id, version)`` is a no-op. ``content`` carries the whole document (parties,
    dates, lines and totals in paise) for a receiver that books it; a note names the document
    it is against in ``reference_network_id``."""

    network_id: str
    kind: str
    version: int
    sender_b2b_id: str
    receiver_b2b_id: str
    number: str
    document_date: str
    total_paise: int
    content: Mapping[str, Any] = field(default_factory=dict)
    reference_network_id: str | None = None


@dataclass(frozen=True)
class DocumentState:
    """What the network holds for a document."""

    network_id: str
    state: Literal["DELIVERED", "ACCEPTED", "REJECTED", "RETURNED", "UNKNOWN"]
    version: int = 0
    remarks: str | None = None
