"""What the simulated network holds for financing: the financiers, and the requests with
their bids."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Financier:
    """A financier and its appetite: which buyers and sizes it funds (``buyers`` empty: any
    buyer), its rate range in basis points, its fee, how long it takes to answer and how long
    its bids live, the share of the amount asked it offers, and whether it answers at all."""

    financier_id: str
    name: str
    min_paise: int = 100_000
    max_paise: int = 10_000_000_000
    buyers: list[str] = field(default_factory=list)
    min_rate_bp: int = 1_100
    max_rate_bp: int = 1_400
    fee_paise: int = 50_000
    answer_seconds: float = 20.0
    bid_valid_seconds: float = 3_600.0
    share: float = 1.0
    tenor_days: int = 90
    never_answers: bool = False

    def fits(self, record: FinancingRecord) -> bool:
        """Whether a request is one this financier funds."""
        if not self.min_paise <= record.amount_paise <= self.max_paise:
            return False
        return not self.buyers or all(b.lower() in self.buyers for b in record.buyers)


@dataclass
class FinancingRecord:
    """A financing request on the network (bids are JSON-ready dicts)."""

    request_id: str
    vendor: str
    # Invoice network id -> paise due when asked.
    invoices: dict[str, int]
    amount_paise: int
    tenor_days: int | None
    buyers: list[str]
    state: str = "BIDDING"
    bids: list[dict[str, Any]] = field(default_factory=list)
    accepted_bid_id: str | None = None
    disbursed_paise: int = 0
    disbursal_utr: str | None = None
    disbursed_on: str | None = None
    owed_paise: int = 0
    repaid_paise: int = 0
    reason: str | None = None
    fail_disbursal: bool = False
    # Counts changes to ``repaid_paise``, which a returned repayment lowers.
    revision: int = 0
