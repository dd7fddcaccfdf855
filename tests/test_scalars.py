"""Money and ids: exact decimals, opaque ids and cursors."""

from __future__ import annotations

import decimal
import uuid

import pytest

from db.base import new_id
from resolvers.services import ids
from schema.money import Money, to_paise
from schema.scalars import parse_decimal, serialize_decimal


def test_decimal_parses_strings_only() -> None:
    assert parse_decimal("1234.50") == decimal.Decimal("1234.50")
    assert parse_decimal("-0.0001") == decimal.Decimal("-0.0001")
    for bad in (1.5, 10, "1e3", "NaN", "Infinity", "01.5", "1.23456", "", " 1", "1" * 19):
        with pytest.raises(ValueError, match="Decimal takes a string"):
            parse_decimal(bad)


def test_decimal_serialises_exactly_and_refuses_floats() -> None:
    assert serialize_decimal(decimal.Decimal("1180.00")) == "1180.00"
    assert serialize_decimal(decimal.Decimal("1E+3")) == "1000"
    with pytest.raises(TypeError):
        serialize_decimal(0.1)
    with pytest.raises(TypeError):
        serialize_decimal(decimal.Decimal("NaN"))


def test_money_from_paise_and_back() -> None:
    money = Money.from_paise(118_050)
    assert money.amount == decimal.Decimal("1180.50")
    assert str(money.amount) == "1180.50"
    assert to_paise(decimal.Decimal("0.005")) == 1
    assert to_paise(decimal.Decimal("-0.005")) == -1
    assert to_paise(decimal.Decimal("12.344")) == 1234


def test_ids_round_trip_and_reject_garbage() -> None:
    key = new_id()
    encoded = ids.encode_id("Organisation", key)
    assert "Organisation" not in encoded
    assert ids.decode_id(encoded) == ("Organisation", key)
    assert ids.decode_typed_id(encoded, "Account") is None
    for bad in ("", "%%%", "x" * 300, ids.encode_cursor(key)):
        assert ids.decode_id(bad) is None
    assert ids.decode_cursor(ids.encode_cursor(key)) == key
    assert ids.decode_cursor(encoded) is None


def test_new_ids_are_version_7_and_time_ordered() -> None:
    keys = [new_id() for _ in range(200)]
    assert all(k.version == 7 for k in keys)
    assert all(k.variant == uuid.RFC_4122 for k in keys)
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
