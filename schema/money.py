"""Money: an exact amount with its currency."""

from __future__ import annotations

import decimal
import enum
import functools

import strawberry

PAISE_PER_RUPEE = 100


@strawberry.enum(description="ISO 4217 currency codes the network settles in.")
class CurrencyCode(enum.Enum):
    """Currencies."""

    INR = strawberry.enum_value("INR", description="Indian rupee.")


@strawberry.type(description="An exact amount of money. Stored as integer paise.")
class Money:
    """An amount and its currency."""

    amount: decimal.Decimal = strawberry.field(
        description='The amount in the currency\'s major unit, as a decimal string ("1180.00").'
    )
    currency_code: CurrencyCode = strawberry.field(description="The currency.")

    @classmethod
    def from_paise(cls, paise: int) -> Money:
        """Money from integer paise (exact, two decimals). Amounts repeat (zero taxes, the same
        prices): the objects, never changed once made, are shared."""
        return _money(paise)


@functools.lru_cache(maxsize=8192)
def _money(paise: int) -> Money:
    amount = (decimal.Decimal(paise) / PAISE_PER_RUPEE).quantize(decimal.Decimal("0.01"))
    return Money(amount=amount, currency_code=CurrencyCode.INR)


def to_paise(amount: decimal.Decimal) -> int:
    """Round a rupee amount half-up to whole paise."""
    paise = (amount * PAISE_PER_RUPEE).quantize(decimal.Decimal(1), rounding=decimal.ROUND_HALF_UP)
    return int(paise)
