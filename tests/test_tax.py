"""GST computation (DOMAIN.md section 4)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from resolvers.services import tax
from resolvers.services.tax import LineError, LineIn, SupplyType


def line(
    qty: str = "1", price: str = "100.00", discount: str = "0", rate: str = "18", hsn: str = "8471"
) -> LineIn:
    return LineIn("Laptop", hsn, Decimal(qty), Decimal(price), Decimal(discount), Decimal(rate))


def test_intra_state_splits_into_cgst_and_sgst() -> None:
    result = tax.totals([line(price="1000.00")], SupplyType.INTRA_STATE, "27", round_to_rupee=False)
    assert (result.taxable, result.cgst, result.sgst, result.utgst, result.igst) == (
        100_000,
        9_000,
        9_000,
        0,
        0,
    )
    assert result.total == 118_000


def test_union_territory_charges_utgst() -> None:
    result = tax.totals([line(price="1000.00")], SupplyType.INTRA_STATE, "04", round_to_rupee=False)
    assert (result.cgst, result.sgst, result.utgst) == (9_000, 0, 9_000)


def test_inter_state_export_and_sez_charge_igst() -> None:
    for kind in (SupplyType.INTER_STATE, SupplyType.EXPORT, SupplyType.SEZ):
        result = tax.totals([line(price="1000.00")], kind, "29", round_to_rupee=False)
        assert (result.cgst, result.sgst, result.igst) == (0, 0, 18_000)
    assert tax.supply_type("27", "96") == SupplyType.EXPORT
    assert tax.supply_type("27", "27", sez=True) == SupplyType.SEZ
    assert tax.supply_type("27", "27") == SupplyType.INTRA_STATE
    assert tax.supply_type("27", "29") == SupplyType.INTER_STATE


def test_tax_is_rounded_per_line_and_head_half_up() -> None:
    # 3 x 33.33 = 99.99; 5 % split: 2.49975 each -> 2.50 (half up) per head per line.
    lines = [line(qty="3", price="33.33", rate="5"), line(qty="3", price="33.33", rate="5")]
    result = tax.totals(lines, SupplyType.INTRA_STATE, "27", round_to_rupee=False)
    assert [(c.taxable, c.cgst, c.sgst) for c in result.lines] == [(9_999, 250, 250)] * 2
    assert (result.cgst, result.sgst, result.total) == (500, 500, 20_998)


def test_quantity_discount_and_rupee_rounding() -> None:
    result = tax.totals(
        [line(qty="2.5", price="99.99", discount="10.00", rate="12")],
        SupplyType.INTER_STATE,
        "29",
        round_to_rupee=True,
    )
    (computed,) = result.lines
    assert (computed.gross, computed.discount, computed.taxable, computed.igst) == (
        24_998,
        1_000,
        23_998,
        2_880,
    )
    assert result.total == 26_900
    assert result.rounding == 26_900 - (23_998 + 2_880)


def test_fractional_rate() -> None:
    result = tax.totals(
        [line(price="1000.00", rate="0.25")], SupplyType.INTER_STATE, "29", round_to_rupee=False
    )
    assert result.igst == 250


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (line(qty="-1"), "quantity"),
        (line(qty="0"), "quantity"),
        (line(qty="1.0001"), "quantity"),
        (line(price="-5"), "unitPrice"),
        (line(price="1.001"), "unitPrice"),
        (line(discount="200"), "discount"),
        (line(rate="7"), "taxRate"),
        (line(hsn="12345"), "hsnSac"),
        (line(hsn="123456789"), "hsnSac"),
        (line(hsn="99123"), "hsnSac"),
        (LineIn("  ", "8471", Decimal(1), Decimal(1), Decimal(0), Decimal(18)), "description"),
    ],
)
def test_bad_lines(bad: LineIn, field: str) -> None:
    with pytest.raises(LineError) as refused:
        tax.check_line(bad)
    assert refused.value.field == field


def test_good_codes() -> None:
    for code in ("8471", "847130", "84713010", "998314"):
        tax.check_line(line(hsn=code))
