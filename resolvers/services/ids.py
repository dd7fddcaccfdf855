"""Opaque global ids and cursors.

A global id is the URL-safe base64 of ``<TypeName>:<uuid hex>``; a cursor is the same of
``c:<uuid hex>``, and an event's cursor of ``e:<seq>``. Clients must treat both as opaque strings.
"""

from __future__ import annotations

import base64
import binascii
import uuid

MAX_ENCODED_LENGTH = 200


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _unb64(value: str) -> str | None:
    if not value or len(value) > MAX_ENCODED_LENGTH:
        return None
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def encode_id(type_name: str, key: uuid.UUID) -> str:
    """The global id of the object of ``type_name`` with primary key ``key``."""
    return _b64(f"{type_name}:{key.hex}")


def decode_id(value: str) -> tuple[str, uuid.UUID] | None:
    """``(type name, key)`` of a global id, or ``None`` if it is not one."""
    text = _unb64(value)
    if text is None or ":" not in text:
        return None
    type_name, _, hex_key = text.partition(":")
    if not type_name.isidentifier() or not type_name[0].isupper() or len(hex_key) != 32:
        return None
    try:
        return type_name, uuid.UUID(hex=hex_key)
    except ValueError:
        return None


def decode_typed_id(value: str, type_name: str) -> uuid.UUID | None:
    """The key of a global id of ``type_name``, or ``None`` for anything else."""
    decoded = decode_id(value)
    if decoded is None or decoded[0] != type_name:
        return None
    return decoded[1]


def encode_cursor(key: uuid.UUID) -> str:
    """The cursor of a row in a keyset connection."""
    return _b64(f"c:{key.hex}")


def decode_cursor(value: str) -> uuid.UUID | None:
    """The key a cursor points at, or ``None`` if it is not a cursor."""
    text = _unb64(value)
    if text is None or not text.startswith("c:") or len(text) != 34:
        return None
    try:
        return uuid.UUID(hex=text[2:])
    except ValueError:
        return None


def encode_event_cursor(seq: int) -> str:
    """The opaque cursor of an organisation event."""
    return base64.urlsafe_b64encode(f"e:{seq}".encode()).decode().rstrip("=")


def decode_event_cursor(value: str) -> int | None:
    """The event number of a cursor, or ``None``."""
    if len(value) > 40:
        return None
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not text.startswith("e:") or not text[2:].isdigit():
        return None
    return int(text[2:])
