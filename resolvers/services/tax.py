"""GST on document lines (DOMAIN.md section 4). Exact: integer paise, ``ROUND_HALF_UP``.

- Seller state: the seller GSTIN's first two digits. Place of supply: the buyer's state unless
  given; 96 means outside India.
- Same state: CGST + SGST at half the rate each (UTGST instead of SGST in union territories
  without a legislature). Another state, export, SEZ or import: IGST at the full rate. An
  export or SEZ supply under a letter of undertaking (LUT) or bond is zero-rated: no tax.
- Tax is computed per line and per head, each rounded to the paisa, then summed per head.
- A total may be rounded to the rupee with an explicit rounding adjustment.
- Rates are data (:data:`RATES`), not an enum.
"""

from __future__ import annotations

import decimal
import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass

from contract import states

RATES = frozenset(decimal.Decimal(r) for r in ("0", "0.25", "3", "5", "12", "18", "28", "40"))
UT_WITHOUT_LEGISLATURE = states.UT_WITHOUT_LEGISLATURE
OUTSIDE_INDIA = states.OUTSIDE_INDIA
# Documented maximums, far inside 64-bit paise and the 28-digit decimal context, so no
# accepted input can overflow either: checked before anything multiplies.
MAX_QUANTITY = decimal.Decimal("1000000000")  # 100 crore units
MAX_UNIT_PRICE = decimal.Decimal("1000000000")  # ₹100 crore
MAX_LINE_VALUE = decimal.Decimal("10000000000")  # ₹1,000 crore (quantity times unit price)
MAX_DOCUMENT_TOTAL_PAISE = 10_000_000_000_000  # ₹10,000 crore, tax included
_HUNDRED = decimal.Decimal(100)
_HSN = re.compile(r"^(?:[0-9]{4}|[0-9]{6}|[0-9]{8})$")
_SAC = re.compile(r"^99[0-9]{4}$")


class SupplyType(enum.StrEnum):
    """Which taxes apply."""

    INTRA_STATE = "INTRA_STATE"
    INTER_STATE = "INTER_STATE"
    EXPORT = "EXPORT"
    SEZ = "SEZ"
    IMPORT = "IMPORT"


# Supplies that may be zero-rated under a letter of undertaking (LUT) or bond.
ZERO_RATED = frozenset({SupplyType.EXPORT, SupplyType.SEZ})


@dataclass(frozen=True)
class LineIn:
    """A line as entered: money in rupees (exact decimals)."""

    description: str
    hsn_sac: str
    quantity: decimal.Decimal
    unit_price: decimal.Decimal
    discount: decimal.Decimal
    tax_rate: decimal.Decimal


@dataclass(frozen=True)
class LineTax:
    """A line's amounts in paise."""

    gross: int
    discount: int
    taxable: int
    cgst: int
    sgst: int
    utgst: int
    igst: int

    @property
    def total(self) -> int:
        """Taxable value plus every tax."""
        return self.taxable + self.cgst + self.sgst + self.utgst + self.igst


@dataclass(frozen=True)
class Totals:
    """A document's amounts in paise."""

    lines: list[LineTax]
    taxable: int
    cgst: int
    sgst: int
    utgst: int
    igst: int
    rounding: int
    total: int


class LineError(ValueError):
    """A line is invalid; ``field`` names the line's field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def plain(value: decimal.Decimal) -> decimal.Decimal:
    """``value`` without trailing zeros and never in exponent form (10 stays "10", not "1E+1")."""
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    return (
        normal.quantize(decimal.Decimal(1))
        if isinstance(exponent, int) and exponent > 0
        else normal
    )


def paise(amount: decimal.Decimal) -> int:
    """Rupees to whole paise, half up."""
    return int((amount * 100).quantize(decimal.Decimal(1), rounding=decimal.ROUND_HALF_UP))


def _share(taxable: int, rate: decimal.Decimal) -> int:
    """``taxable * rate %`` in paise, half up."""
    return int(
        (decimal.Decimal(taxable) * rate / _HUNDRED).quantize(
            decimal.Decimal(1), rounding=decimal.ROUND_HALF_UP
        )
    )


def supply_type(
    seller_state: str, place_of_supply: str, *, sez: bool = False, imported: bool = False
) -> SupplyType:
    """The supply type from the two states (whether the buyer is an SEZ unit, whether the
    goods or services come from outside India)."""
    if imported:
        return SupplyType.IMPORT
    if place_of_supply == OUTSIDE_INDIA:
        return SupplyType.EXPORT
    if sez:
        return SupplyType.SEZ
    return SupplyType.INTRA_STATE if seller_state == place_of_supply else SupplyType.INTER_STATE


def check_line(line: LineIn) -> None:
    """Refuse a malformed line (``LineError`` names the field)."""
    if not line.description.strip():
        raise LineError("description", "Describe the goods or service.")
    if len(line.description) > 300:
        raise LineError("description", "At most 300 characters.")
    code = line.hsn_sac.strip()
    if not (_HSN.match(code) or _SAC.match(code)):
        raise LineError(
            "hsnSac", "An HSN code has 4, 6 or 8 digits; a SAC has 6 digits starting 99."
        )
    if line.quantity <= 0:
        raise LineError("quantity", "The quantity must be more than 0.")
    if line.quantity > MAX_QUANTITY:
        raise LineError("quantity", f"The quantity can be at most {MAX_QUANTITY}.")
    if line.quantity != line.quantity.quantize(decimal.Decimal("0.001")):
        raise LineError("quantity", "At most 3 decimals.")
    if line.unit_price < 0:
        raise LineError("unitPrice", "A price cannot be negative.")
    if line.unit_price > MAX_UNIT_PRICE:
        raise LineError("unitPrice", f"A unit price can be at most {MAX_UNIT_PRICE:.2f}.")
    if line.unit_price != line.unit_price.quantize(decimal.Decimal("0.01")):
        raise LineError("unitPrice", "At most 2 decimals.")
    if line.quantity * line.unit_price > MAX_LINE_VALUE:
        raise LineError(
            "unitPrice",
            f"A line's value (quantity times unit price) can be at most {MAX_LINE_VALUE}.",
        )
    if line.discount < 0 or line.discount != line.discount.quantize(decimal.Decimal("0.01")):
        raise LineError("discount", "A discount is a non-negative amount with at most 2 decimals.")
    if line.discount > line.quantity * line.unit_price:
        raise LineError("discount", "The discount exceeds the line's value.")
    if line.tax_rate not in RATES:
        raise LineError(
            "taxRate", "Use a GST rate: " + ", ".join(str(r) for r in sorted(RATES)) + " %."
        )


def line_tax(
    line: LineIn, kind: SupplyType, place_of_supply: str, *, zero_rated: bool = False
) -> LineTax:
    """A line's taxable value and taxes, each rounded to the paisa (none when zero-rated)."""
    gross = paise(line.quantity * line.unit_price)
    discount = paise(line.discount)
    taxable = gross - discount
    if zero_rated:
        return LineTax(gross, discount, taxable, 0, 0, 0, 0)
    if kind == SupplyType.INTRA_STATE:
        half = line.tax_rate / 2
        central = _share(taxable, half)
        state = _share(taxable, half)
        if place_of_supply in UT_WITHOUT_LEGISLATURE:
            return LineTax(gross, discount, taxable, central, 0, state, 0)
        return LineTax(gross, discount, taxable, central, state, 0, 0)
    return LineTax(gross, discount, taxable, 0, 0, 0, _share(taxable, line.tax_rate))


def totals(
    lines: Sequence[LineIn],
    kind: SupplyType,
    place_of_supply: str,
    *,
    round_to_rupee: bool,
    zero_rated: bool = False,
) -> Totals:
    """Every line's amounts and the document's totals."""
    computed = [line_tax(line, kind, place_of_supply, zero_rated=zero_rated) for line in lines]
    taxable = sum(c.taxable for c in computed)
    heads = {h: sum(getattr(c, h) for c in computed) for h in ("cgst", "sgst", "utgst", "igst")}
    exact = taxable + sum(heads.values())
    rounded = exact
    if round_to_rupee:
        rounded = (
            int(
                (decimal.Decimal(exact) / 100).quantize(
                    decimal.Decimal(1), rounding=decimal.ROUND_HALF_UP
                )
            )
            * 100
        )
    return Totals(
        computed,
        taxable,
        heads["cgst"],
        heads["sgst"],
        heads["utgst"],
        heads["igst"],
        rounded - exact,
        rounded,
    )


def rupees(amount_paise: int) -> str:
    """Paise as a rupee string: ``118000`` → ``"1180.00"``."""
    return f"{decimal.Decimal(amount_paise) / 100:.2f}"
