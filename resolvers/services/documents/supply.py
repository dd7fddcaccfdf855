"""Where a document's supply takes place and which taxes apply."""

from __future__ import annotations

from contract import states
from db.models import Contact, Document, GstTreatment
from resolvers.services import tax
from resolvers.services.documents.inputs import SALES, DocumentIn
from resolvers.services.errors import ErrorCode, UserInputError


def supply_of(
    details: DocumentIn, contact: Contact, seller: str, reference: Document | None
) -> tuple[str, tax.SupplyType]:
    """The place of supply and supply type of a document.

    Sales: the buyer's state unless given; to an overseas customer always an export (place of
    supply 96), to an SEZ unit an SEZ supply, both with IGST (or zero-rated under LUT).
    Purchases: our state unless given; from an overseas vendor an import (IGST). A note takes
    its document's."""
    field = ("input", "placeOfSupply")
    ours = states.current(seller[:2])
    theirs = states.current(contact.gstin[:2] if contact.gstin else (contact.state_code or ours))
    given = details.place_of_supply.strip() if details.place_of_supply else None
    if given is not None and (problem := states.place_of_supply_problem(given)) is not None:
        raise UserInputError.one(ErrorCode.INVALID, field, problem)
    overseas = contact.gst_treatment == GstTreatment.OVERSEAS
    if details.kind in SALES:
        if overseas and given not in {None, states.OUTSIDE_INDIA}:
            raise UserInputError.one(
                ErrorCode.INVALID, field, "A supply to an overseas customer is an export: 96."
            )
        supply_to = states.OUTSIDE_INDIA if overseas else given or states.current(
            contact.place_of_supply or theirs
        )  # fmt: skip
        seller_state = ours
    else:
        supply_to = given or ours
        seller_state = theirs
    if (problem := states.place_of_supply_problem(supply_to)) is not None:
        raise UserInputError.one(ErrorCode.INVALID, field, problem)
    kind = tax.supply_type(
        seller_state, supply_to, sez=contact.gst_treatment == GstTreatment.SEZ,
        imported=overseas and details.kind not in SALES,
    )  # fmt: skip
    if reference is not None:
        kind = tax.SupplyType(reference.supply_type)
    if details.under_lut and kind not in tax.ZERO_RATED:
        raise UserInputError.one(
            ErrorCode.INVALID, ("input", "underLut"),
            "Only exports and supplies to SEZ units are zero-rated under LUT or bond.",
        )  # fmt: skip
    return supply_to, kind
