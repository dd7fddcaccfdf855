"""Custom scalars: ``Decimal`` money amounts as strings, never floats."""

from __future__ import annotations

import decimal
import re
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLInt, IntValueNode, ValueNode
from graphql.type.scalars import parse_int_literal
from strawberry.types.scalar import ScalarDefinition

_DECIMAL = re.compile(r"^-?(0|[1-9]\d{0,17})(\.\d{1,4})?$")


def serialize_decimal(value: Any) -> str:
    """A ``decimal.Decimal`` as a plain string (``"1234.50"``); floats are refused."""
    if not isinstance(value, decimal.Decimal) or not value.is_finite():
        msg = "Decimal fields serialise only finite decimal.Decimal values"
        raise TypeError(msg)
    return format(value, "f")


def parse_decimal(value: Any) -> decimal.Decimal:
    """A decimal string such as ``"1234.5"``: at most 18 integer and 4 fractional digits.

    JSON numbers are refused (they would pass through a binary float); so are exponents,
    ``NaN`` and infinities.
    """
    if not isinstance(value, str) or not _DECIMAL.match(value):
        msg = 'Decimal takes a string such as "1234.50" (up to 18 digits, 4 decimals).'
        raise ValueError(msg)
    return decimal.Decimal(value)


DecimalScalar: ScalarDefinition = strawberry.scalar(
    name="Decimal",
    description=(
        'An exact decimal number as a string, e.g. "1234.50". Never a JSON number, so no '
        "binary floating point touches money."
    ),
    serialize=serialize_decimal,
    parse_value=parse_decimal,
)

SCALAR_MAP: dict[object, ScalarDefinition] = {decimal.Decimal: DecimalScalar}


_INT_DIGITS = len(str(2**31))  # more digits than this cannot be a 32-bit Int


def _parse_int_literal(value_node: ValueNode, variables: Any = None) -> int:
    """graphql-core's Int literal parser, refusing over-long literals before ``int()`` does
    (Python's own "Exceeds the limit (4300 digits)..." text would reach the client)."""
    if isinstance(value_node, IntValueNode) and len(value_node.value.lstrip("-")) > _INT_DIGITS:
        msg = "Int cannot represent a number this large (32-bit signed integers only)."
        raise GraphQLError(msg, value_node)
    return parse_int_literal(value_node, variables)


def guard_int_literals() -> None:
    """Install :func:`_parse_int_literal` on graphql-core's ``Int`` (idempotent)."""
    guarded: Any = _parse_int_literal
    GraphQLInt.parse_literal = guarded  # type: ignore[method-assign]
    GraphQLInt.coerce_input_literal = guarded
