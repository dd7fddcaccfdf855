"""Resolving any object by its global id."""

from __future__ import annotations

from db.models import Account, B2BId, Membership, NetworkAccessRequest, Organisation
from resolvers.access import request_by_id
from resolvers.account import account_by_id
from resolvers.context import Context
from resolvers.ids import decode_id
from resolvers.onboarding import b2b_id_by_id
from resolvers.organisation import by_id as organisation_by_id
from resolvers.organisation import membership_by_id

MAX_NODES = 100


async def node(
    context: Context, global_id: str
) -> Account | Organisation | Membership | B2BId | NetworkAccessRequest | None:
    """The object, if it exists and the viewer may see it; ``None`` otherwise."""
    await context.require_viewer()
    decoded = decode_id(global_id)
    if decoded is None:
        return None
    type_name, key = decoded
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
    return None
