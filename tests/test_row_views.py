"""Types mapped lazily from rows answer every field of their GraphQL type."""

from __future__ import annotations

import decimal
import uuid
from types import SimpleNamespace

import pytest
from strawberry.types.base import get_object_definition

from schema.contact import CONTACT_FIELDS, Contact
from schema.document import (
    DOCUMENT_FIELDS,
    LINE_FIELDS,
    TOTALS_COLUMNS,
    Document,
    DocumentLine,
    DocumentTotals,
)
from schema.money import Money
from schema.relay import Node


def _fields(cls: type) -> set[str]:
    """The type's GraphQL fields without a resolver of their own (private ones left out)."""
    definition = get_object_definition(cls, strict=True)
    return {
        f.python_name
        for f in definition.fields
        if f.base_resolver is None and not f.python_name.startswith("_")
    }


def test_every_field_without_a_resolver_has_its_mapping() -> None:
    assert set(LINE_FIELDS) == _fields(DocumentLine)
    assert set(TOTALS_COLUMNS) == _fields(DocumentTotals)
    assert set(CONTACT_FIELDS) == _fields(Contact)
    assert set(DOCUMENT_FIELDS) == _fields(Document)


def test_a_view_is_its_type_and_keeps_its_row() -> None:
    row = SimpleNamespace(id=uuid.UUID(int=7), display_name="Tapti Foods", archived_at=None)
    contact = Contact.from_model(row)
    assert isinstance(contact, Contact) and isinstance(contact, Node)
    assert contact._model is row
    assert (contact.display_name, contact.archived) == ("Tapti Foods", False)
    with pytest.raises(AttributeError):
        _ = contact.no_such_field  # type: ignore[attr-defined]


def test_a_line_read_from_its_row() -> None:
    row = SimpleNamespace(
        document_id=uuid.uuid4(), position=2, description="Rice", hsn_sac="1006",
        quantity_milli=1500, unit_price_paise=10_050, discount_paise=0, tax_rate_bp=500,
        taxable_paise=15_075, cgst_paise=377, sgst_paise=377, utgst_paise=0, igst_paise=0,
    )  # fmt: skip
    line = DocumentLine.from_model(row)
    assert isinstance(line, DocumentLine)
    assert (line.position, line.description, line.hsn_sac) == (2, "Rice", "1006")
    assert line.quantity == decimal.Decimal("1.5")
    assert line.tax_rate == decimal.Decimal(5)
    assert line.unit_price == Money.from_paise(10_050)
    assert line.total == Money.from_paise(15_829)
    assert str(line.total.amount) == "158.29"
    totals = DocumentTotals.from_model(
        SimpleNamespace(**{column: n * 100 for n, column in enumerate(TOTALS_COLUMNS.values())})
    )
    assert [getattr(totals, name).amount for name in TOTALS_COLUMNS] == [
        decimal.Decimal(n).quantize(decimal.Decimal("0.01")) for n in range(7)
    ]
