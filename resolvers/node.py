"""Resolving any object by its global id."""

from __future__ import annotations

import uuid

from resolvers import financing
from resolvers.access import request_by_id
from resolvers.account import account_by_id
from resolvers.contacts import contact_by_id, operation_by_id
from resolvers.context import Context
from resolvers.documents import document_by_id
from resolvers.invitations import by_id as invitation_by_id
from resolvers.onboarding import b2b_id_by_id
from resolvers.organisation import by_id as organisation_by_id
from resolvers.organisation import membership_by_id
from resolvers.payments import payment_by_id
from resolvers.reconciliation import settlement_line_by_id
from resolvers.services.ids import decode_id

MAX_NODES = 100


async def node(context: Context, global_id: str) -> tuple[str, object] | None:
    """The object's type name and the object (its row), if it exists and the viewer may see
    it; ``None`` otherwise."""
    await context.require_viewer()
    decoded = decode_id(global_id)
    if decoded is None:
        return None
    found = await _load(context, *decoded)
    return None if found is None else (decoded[0], found)


async def _load(context: Context, type_name: str, key: uuid.UUID) -> object:
    if type_name == "Organisation":
        return await organisation_by_id(context, key)
    if type_name == "Account":
        return await account_by_id(context, key)
    if type_name == "Membership":
        return await membership_by_id(context, key)
    if type_name == "B2BId":
        return await b2b_id_by_id(context, key)
    if type_name == "NetworkAccessRequest":
        return await request_by_id(context, key)
    if type_name == "Contact":
        return await contact_by_id(context, key)
    if type_name == "BulkOperation":
        return await operation_by_id(context, key)
    if type_name == "Document":
        return await document_by_id(context, key)
    if type_name == "Invitation":
        return await invitation_by_id(context, key)
    if type_name == "Payment":
        return await payment_by_id(context, key)
    if type_name == "SettlementLine":
        return await settlement_line_by_id(context, key)
    if type_name == "FinancingRequest":
        return await financing.request_by_id(context, key)
    if type_name == "FinancingBid":
        return await financing.bid_by_id(context, key)
    return None
