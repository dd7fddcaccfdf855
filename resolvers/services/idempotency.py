"""Idempotency keys for creating or sending anything.

Same key + same input returns the first result; same key + other input is a user error. Keys
are scoped per organisation (or per account for operations outside organisations) and kept
at least 24 hours.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import orjson

from db.base import utcnow
from db.repositories import idempotency as repo
from db.unit_of_work import UnitOfWork
from resolvers.services.errors import ErrorCode, UserInputError

MAX_KEY_LENGTH = 128
RETENTION_HOURS = 48


def fingerprint(payload: Mapping[str, Any]) -> str:
    """A stable digest of an operation's input."""
    data = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha256(data).hexdigest()


def check_key(key: str | None, field: Sequence[str]) -> str | None:
    """Validate a client's key; blank means none."""
    if key is None:
        return None
    key = key.strip()
    if not key:
        return None
    if len(key) > MAX_KEY_LENGTH:
        raise UserInputError.one(
            ErrorCode.TOO_LONG,
            field,
            f"An idempotency key has at most {MAX_KEY_LENGTH} characters.",
        )
    return key


async def claim(
    uow: UnitOfWork,
    *,
    scope: str,
    operation: str,
    key: str | None,
    payload: Mapping[str, Any],
    new_id: uuid.UUID,
    field: Sequence[str],
) -> uuid.UUID | None:
    """Claim ``key`` for ``new_id``. Returns the id of an earlier result to replay, or ``None``
    when the caller should go ahead and create ``new_id``."""
    if key is None:
        return None
    digest = fingerprint(payload)
    existing = await repo.claim(
        uow.session, scope=scope, operation=operation, key=key, fingerprint=digest, result_id=new_id
    )
    if existing is None:
        return None
    if existing.request_fingerprint != digest:
        raise UserInputError.one(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            field,
            "This idempotency key was already used with a different input.",
        )
    return existing.result_id


async def purge_expired(uow: UnitOfWork) -> int:
    """Forget keys older than the retention period; returns how many."""
    cutoff = utcnow() - timedelta(hours=RETENTION_HOURS)
    return await repo.purge_before(uow.session, cutoff)
