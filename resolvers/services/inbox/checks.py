"""Checks on a document received through the network, before it is booked.

A received document is not trusted as sent: its tax heads and totals are recomputed from its
lines (:func:`figures_problem`), and its parties are checked (:func:`parties_problem`): it must
be addressed to a GSTIN of ours, come from a B2B ID that is not ours, and name as seller the
GSTIN the network lists for the sender (for invoices, sales orders and credit notes) or one of
ours (for purchase orders and debit notes, which buyers send). Whatever fails is answered to the
sender as a refusal with the reason (see :func:`resolvers.services.inbox.receiving.refuse`).
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping, Sequence
from typing import Any

from contract import states
from db.models import DocumentKind, DocumentLine
from resolvers.services import tax

SENT_BY_SELLER = {DocumentKind.INVOICE, DocumentKind.SALES_ORDER, DocumentKind.CREDIT_NOTE}
_HEADS = ("taxable", "cgst", "sgst", "utgst", "igst")


def _line_in(line: DocumentLine) -> tax.LineIn:
    return tax.LineIn(
        line.description,
        line.hsn_sac,
        decimal.Decimal(line.quantity_milli) / 1000,
        decimal.Decimal(line.unit_price_paise) / 100,
        decimal.Decimal(line.discount_paise) / 100,
        decimal.Decimal(line.tax_rate_bp) / 100,
    )


def figures_problem(
    lines: Sequence[DocumentLine],
    totals: Mapping[str, Any],
    *,
    supply_type: str,
    place_of_supply: str,
    seller_gstin: str | None,
    round_to_rupee: bool,
    under_lut: bool,
) -> str | None:
    """Why the document's figures do not add up, or ``None``."""
    try:
        kind = tax.SupplyType(supply_type)
    except ValueError:
        return f"Unknown supply type {supply_type!r}."
    if states.place_of_supply_problem(place_of_supply) is not None:
        return f"{place_of_supply!r} is not a place of supply."
    if seller_gstin and kind in {tax.SupplyType.INTRA_STATE, tax.SupplyType.INTER_STATE}:
        same = states.current(seller_gstin[:2]) == place_of_supply
        if same != (kind == tax.SupplyType.INTRA_STATE):
            return f"A supply from {seller_gstin[:2]} to {place_of_supply} is not {kind.value}."
    if under_lut and kind not in tax.ZERO_RATED:
        return "Only exports and SEZ supplies are zero-rated under LUT."
    entered = [_line_in(line) for line in lines]
    for index, entry in enumerate(entered):
        try:
            tax.check_line(entry)
        except tax.LineError as exc:
            return f"Line {index + 1}: {exc}"
    computed = tax.totals(
        entered, kind, place_of_supply, round_to_rupee=round_to_rupee, zero_rated=under_lut
    )
    for index, (line, expected) in enumerate(zip(lines, computed.lines, strict=True)):
        for head in _HEADS:
            stated = getattr(line, f"{head}_paise")
            if stated != getattr(expected, head):
                return (
                    f"Line {index + 1}: {head} {tax.rupees(stated)} should be "
                    f"{tax.rupees(getattr(expected, head))}."
                )
    expected_totals = {
        "taxable": computed.taxable, "cgst": computed.cgst, "sgst": computed.sgst,
        "utgst": computed.utgst, "igst": computed.igst, "rounding": computed.rounding,
        "total": computed.total,
    }  # fmt: skip
    for head, value in expected_totals.items():
        if totals.get(head) != value:
            return f"The {head} total should be {tax.rupees(value)}."
    return None


def parties_problem(
    kind: DocumentKind,
    content: Mapping[str, Any],
    *,
    sender: str,
    attested_sender_gstin: str | None,
    our_b2b_ids: set[str],
    our_gstins: set[str],
) -> str | None:
    """Why the document is not between the sender and us as it claims, or ``None``."""
    if sender.lower() in our_b2b_ids:
        return "It comes from the receiver's own B2B ID."
    receiver_gstin = content.get("receiverGstin")
    if isinstance(receiver_gstin, str) and receiver_gstin.upper() not in our_gstins:
        return f"It is addressed to GSTIN {receiver_gstin}, which the receiver does not hold."
    seller = content.get("sellerGstin")
    if not isinstance(seller, str) or not seller:
        return None
    if kind in SENT_BY_SELLER:
        if attested_sender_gstin and seller.upper() != attested_sender_gstin.upper():
            return f"The seller GSTIN {seller} is not the sender's ({attested_sender_gstin})."
    elif seller.upper() not in our_gstins:
        return f"The seller GSTIN {seller} is not the receiver's."
    return None
