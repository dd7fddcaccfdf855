"""Turn connection arguments into a validated :class:`db.pagination.PageRequest`."""

from __future__ import annotations

import re
import uuid

from db.pagination import PageRequest
from resolvers.errors import BadUserInputError
from resolvers.services.ids import decode_cursor, decode_typed_id

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def page_request(
    first: int | None, after: str | None, last: int | None, before: str | None
) -> PageRequest:
    """Validate ``first``/``after``/``last``/``before`` (Relay cursor connections)."""
    if first is not None and last is not None:
        raise BadUserInputError("Pass either `first` or `last`, not both.")
    for name, size in (("first", first), ("last", last)):
        if size is not None and not 0 <= size <= MAX_PAGE_SIZE:
            msg = f"`{name}` must be between 0 and {MAX_PAGE_SIZE}."
            raise BadUserInputError(msg)
    after_key = before_key = None
    if after is not None:
        after_key = decode_cursor(after)
        if after_key is None:
            raise BadUserInputError("`after` is not a cursor from this connection.")
    if before is not None:
        before_key = decode_cursor(before)
        if before_key is None:
            raise BadUserInputError("`before` is not a cursor from this connection.")
    if first is None and last is None:
        first = DEFAULT_PAGE_SIZE
    return PageRequest(first=first, after=after_key, last=last, before=before_key)


def list_size(name: str, size: int) -> int:
    """A bounded list's size argument (``first`` or ``last`` of a plain list field)."""
    if not 0 <= size <= MAX_PAGE_SIZE:
        msg = f"`{name}` must be between 0 and {MAX_PAGE_SIZE}."
        raise BadUserInputError(msg)
    return size


def argument_id(value: str | None, type_name: str, argument: str) -> uuid.UUID | None:
    """The key a filter argument's global id names (``None`` when not given); a malformed id,
    or one of another type, is a ``BAD_USER_INPUT`` error naming the argument."""
    if value is None:
        return None
    key = decode_typed_id(value, type_name)
    if key is None:
        what = re.sub(r"(?<!^)(?=[A-Z][a-z])", " ", type_name).lower()
        msg = f"`{argument}` is not a {what} id."
        raise BadUserInputError(msg)
    return key
