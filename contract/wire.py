"""The network's wire format: the JSON both sides of the HTTP boundary speak (camelCase keys),
and the webhook signature.

A webhook carries ``X-Network-Timestamp`` (Unix seconds) and ``X-Network-Signature``
(``v1=`` and the hex HMAC-SHA256, under the participant's webhook secret, of the timestamp, a
dot, and the raw body). A receiver refuses a bad signature, and a timestamp more than
:data:`SIGNATURE_TOLERANCE_SECONDS` away from its own clock (a replay).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, cast, get_args

from contract.documents import DocumentMessage, DocumentState
from contract.messages import InboundKind, InboundMessage
from contract.onboarding import Decision, DirectoryListing, Taxpayer

# The sandbox's shared credentials (the API refuses them in production).
SANDBOX_API_KEY = "sandbox-network-api-key-0000000000000000"
SANDBOX_WEBHOOK_SECRET = "sandbox-webhook-secret-00000000000000000"  # noqa: S105
TIMESTAMP_HEADER = "X-Network-Timestamp"
SIGNATURE_HEADER = "X-Network-Signature"
SIGNATURE_TOLERANCE_SECONDS = 300
INBOUND_KINDS: tuple[str, ...] = get_args(InboundKind)
_DECISION_STATES = ("PENDING", "APPROVED", "REJECTED", "UNKNOWN")
_DOCUMENT_STATES = ("DELIVERED", "ACCEPTED", "REJECTED", "RETURNED", "UNKNOWN")
_TAXPAYER_STATES = ("ACTIVE", "CANCELLED", "SUSPENDED")


class WireError(ValueError):
    """A body that is not what the wire format says."""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Network-Signature`` value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verify(
    secret: str | Sequence[str],
    timestamp: str | None,
    signed: str | None,
    body: bytes,
    now: float,
) -> str | None:
    """Why a webhook must be refused (``None``: it is genuine and fresh). During a rotation
    ``secret`` is the current and the previous secret: a signature under either is genuine."""
    if not timestamp or not signed:
        return "missing signature headers"
    try:
        sent_at = int(timestamp)
    except ValueError:
        return "malformed timestamp"
    if abs(now - sent_at) > SIGNATURE_TOLERANCE_SECONDS:
        return "timestamp outside the allowed window"
    secrets = (secret,) if isinstance(secret, str) else tuple(secret)
    given = signed.strip()
    # Every secret is tried (no early exit), so the time taken does not tell which one matched.
    matched = [hmac.compare_digest(signature(key, sent_at, body), given) for key in secrets]
    return None if any(matched) else "bad signature"


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        msg = f"{key} must be a string"
        raise WireError(msg)
    return value


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        msg = f"{key} must be a string or null"
        raise WireError(msg)
    return value


def _int(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        msg = f"{key} must be an integer"
        raise WireError(msg)
    return value


def _choice(data: Mapping[str, Any], key: str, allowed: tuple[str, ...]) -> str:
    value = _str(data, key)
    if value not in allowed:
        msg = f"{key} must be one of {', '.join(allowed)}"
        raise WireError(msg)
    return value


def _object(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        msg = f"{key} must be an object"
        raise WireError(msg)
    return value


# --- inbound messages (webhooks) ------------------------------------------------------------


def inbound_to_json(message: InboundMessage) -> dict[str, Any]:
    """An inbound message as a webhook body."""
    return {
        "messageId": message.message_id,
        "kind": message.kind,
        "requestId": message.request_id,
        "approved": message.approved,
        "reason": message.reason,
        "occurredAt": message.occurred_at.isoformat(),
        "data": dict(message.data),
    }


def inbound_from_json(data: Any) -> InboundMessage:
    """A webhook body as an inbound message (:class:`WireError` if it is not one)."""
    if not isinstance(data, dict):
        msg = "a webhook body is a JSON object"
        raise WireError(msg)
    message_id = _str(data, "messageId")
    if not 1 <= len(message_id) <= 64:
        msg = "messageId has 1 to 64 characters"
        raise WireError(msg)
    try:
        occurred_at = datetime.fromisoformat(_str(data, "occurredAt"))
    except ValueError as exc:
        msg = "occurredAt is an ISO 8601 time"
        raise WireError(msg) from exc
    if occurred_at.tzinfo is None:
        msg = "occurredAt carries its offset"
        raise WireError(msg)
    approved = data.get("approved")
    if not isinstance(approved, bool):
        msg = "approved must be true or false"
        raise WireError(msg)
    kind = cast(InboundKind, _choice(data, "kind", INBOUND_KINDS))
    return InboundMessage(
        message_id=message_id,
        kind=kind,
        request_id=_str(data, "requestId"),
        approved=approved,
        reason=_opt_str(data, "reason"),
        occurred_at=occurred_at,
        data=_object(data, "data"),
    )


# --- calls and answers ----------------------------------------------------------------------


def taxpayer_to_json(value: Taxpayer) -> dict[str, Any]:
    """A GSTN lookup's answer."""
    return {
        "gstin": value.gstin,
        "legalName": value.legal_name,
        "tradeName": value.trade_name,
        "stateCode": value.state_code,
        "status": value.status,
        "contactMasked": value.contact_masked,
    }


def taxpayer_from_json(data: Mapping[str, Any]) -> Taxpayer:
    """A GSTN lookup's answer, read."""
    status = cast(
        Literal["ACTIVE", "CANCELLED", "SUSPENDED"], _choice(data, "status", _TAXPAYER_STATES)
    )
    return Taxpayer(
        gstin=_str(data, "gstin"),
        legal_name=_str(data, "legalName"),
        trade_name=_str(data, "tradeName"),
        state_code=_str(data, "stateCode"),
        status=status,
        contact_masked=_str(data, "contactMasked"),
    )


def listing_to_json(value: DirectoryListing) -> dict[str, Any]:
    """A directory entry."""
    return {"b2bId": value.b2b_id, "gstin": value.gstin, "legalName": value.legal_name}


def listing_from_json(data: Mapping[str, Any]) -> DirectoryListing:
    """A directory entry, read."""
    return DirectoryListing(_str(data, "b2bId"), _str(data, "gstin"), _str(data, "legalName"))


def decision_to_json(value: Decision) -> dict[str, Any]:
    """Where a review stands."""
    return {"requestId": value.request_id, "state": value.state, "reason": value.reason}


def decision_from_json(data: Mapping[str, Any]) -> Decision:
    """Where a review stands, read."""
    state = cast(
        Literal["PENDING", "APPROVED", "REJECTED", "UNKNOWN"],
        _choice(data, "state", _DECISION_STATES),
    )
    return Decision(_str(data, "requestId"), state, _opt_str(data, "reason"))


def document_state_to_json(value: DocumentState) -> dict[str, Any]:
    """Where a document stands on the network."""
    return {
        "networkId": value.network_id,
        "state": value.state,
        "version": value.version,
        "remarks": value.remarks,
    }


def document_state_from_json(data: Mapping[str, Any]) -> DocumentState:
    """Where a document stands, read."""
    state = cast(
        Literal["DELIVERED", "ACCEPTED", "REJECTED", "RETURNED", "UNKNOWN"],
        _choice(data, "state", _DOCUMENT_STATES),
    )
    return DocumentState(
        _str(data, "networkId"), state, _int(data, "version"), _opt_str(data, "remarks")
    )


def document_to_json(message: DocumentMessage) -> dict[str, Any]:
    """A document to send."""
    return {
        "networkId": message.network_id,
        "kind": message.kind,
        "version": message.version,
        "senderB2BId": message.sender_b2b_id,
        "receiverB2BId": message.receiver_b2b_id,
        "number": message.number,
        "documentDate": message.document_date,
        "totalPaise": message.total_paise,
        "content": dict(message.content),
        "referenceNetworkId": message.reference_network_id,
    }


def document_from_json(data: Any) -> DocumentMessage:
    """A document to send, read (:class:`WireError` if it is not one)."""
    if not isinstance(data, dict):
        msg = "a document is a JSON object"
        raise WireError(msg)
    return DocumentMessage(
        network_id=_str(data, "networkId"),
        kind=_str(data, "kind"),
        version=_int(data, "version"),
        sender_b2b_id=_str(data, "senderB2BId"),
        receiver_b2b_id=_str(data, "receiverB2BId"),
        number=_str(data, "number"),
        document_date=_str(data, "documentDate"),
        total_paise=_int(data, "totalPaise"),
        content=_object(data, "content"),
        reference_network_id=_opt_str(data, "referenceNetworkId"),
    )


def field_str(data: Mapping[str, Any], key: str) -> str:
    """A required string field of a request body."""
    return _str(data, key)


def field_opt_str(data: Mapping[str, Any], key: str) -> str | None:
    """An optional string field of a request body."""
    return _opt_str(data, key)


def field_int(data: Mapping[str, Any], key: str) -> int:
    """A required integer field of a request body."""
    return _int(data, key)


def field_object(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    """An optional object field of a request body."""
    return _object(data, key)
