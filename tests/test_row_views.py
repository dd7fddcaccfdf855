"""Types mapped lazily from rows answer every field of their GraphQL type."""

from __future__ import annotations

import decimal
import uuid
from types import SimpleNamespace

from strawberry.types.base import get_object_definition

from schema.document import LINE_FIELDS, TOTALS_COLUMNS, DocumentLine, DocumentTotals
from schema.money import Money


def _fields(cls: type) -> set[str]:
    return {f.python_name for f in get_object_definition(cls, strict=True).fields}


def test_every_line_and_totals_field_has_its_mapping() -> None:
    assert set(LINE_FIELDS) == _fields(DocumentLine)
    assert set(TOTALS_COLUMNS) == _fields(DocumentTotals)


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
