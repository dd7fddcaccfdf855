"""The network's double-entry ledger: every movement of money is one transfer that debits one
account and credits another, for a positive number of paise, and is never changed (a reversal
is a transfer of its own). Balances are credits less debits, so the sum of all balances is
always zero. Participants' settlement reports are derived from it.

Accounts: ``participant:<b2b id>`` for every business on the network (hosted here or not),
``financier:<id>`` for the financiers, ``network:clearing`` where a payment's money sits between
the payer's debit and the payee's and financier's credits (it nets to zero once a payment is
settled), and ``network:fees`` for what the network keeps.

Money moves on the ledger when a payment settles (a payment still pending, or failed, moved
none), when a financier disburses, and when the bank returns a settled payment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

CLEARING = "network:clearing"
FEES = "network:fees"
KINDS = ("PAYMENT", "SETTLEMENT", "ROUTING", "DISBURSAL", "REVERSAL", "FEE")


def participant(b2b_id: str) -> str:
    """The account of a business on the network."""
    return f"participant:{b2b_id.lower()}"


def financier(financier_id: str) -> str:
    """The account of a financier."""
    return f"financier:{financier_id}"


@dataclass(frozen=True)
class Transfer:
    """One movement: ``amount_paise`` from ``debit`` to ``credit`` on ``day``, with what a
    settlement line shows of it (UTR, virtual account, payment or request, documents)."""

    transfer_id: str
    kind: str
    day: str
    debit: str
    credit: str
    amount_paise: int
    utr: str
    virtual_account: str
    payment_network_id: str
    document_network_ids: list[str] = field(default_factory=list)


def check(transfer: Transfer) -> Transfer:
    """A transfer the ledger can take (anything else is a bug of the network's)."""
    if transfer.kind not in KINDS:
        msg = f"unknown transfer kind {transfer.kind!r}"
        raise ValueError(msg)
    if transfer.amount_paise <= 0 or transfer.debit == transfer.credit:
        msg = "a transfer moves a positive amount between two accounts"
        raise ValueError(msg)
    return transfer


def balances(transfers: Iterable[Transfer]) -> dict[str, dict[str, int]]:
    """Each account's debits, credits and balance (credits less debits), in paise."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"debits": 0, "credits": 0})
    for t in transfers:
        totals[t.debit]["debits"] += t.amount_paise
        totals[t.credit]["credits"] += t.amount_paise
    return {
        account: {**sums, "balance": sums["credits"] - sums["debits"]}
        for account, sums in sorted(totals.items())
    }
