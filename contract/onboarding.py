"""Onboarding on the network: the GSTN portal's answers, the B2B ID directory, and the
network's decisions on B2B IDs and KYC."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# What the GSTN portal's public search says of a GSTIN.
GSTIN_STATUSES = ("ACTIVE", "CANCELLED", "SUSPENDED", "UNKNOWN")


@dataclass(frozen=True)
class Taxpayer:
    """What the GSTN portal says about a GSTIN."""

    gstin: str
    legal_name: str
    trade_name: str
    state_code: str
    status: Literal["ACTIVE", "CANCELLED", "SUSPENDED"]
    contact_masked: str


@dataclass(frozen=True)
class DirectoryListing:
    """A public B2B ID in the network's directory."""

    b2b_id: str
    gstin: str
    legal_name: str


@dataclass(frozen=True)
class Decision:
    """The state of something the network reviews."""

    request_id: str
    state: Literal["PENDING", "APPROVED", "REJECTED", "UNKNOWN"]
    reason: str | None = None
