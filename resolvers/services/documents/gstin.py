"""A document's contact must hold an active GSTIN: its status on the GSTN portal, looked up at
most once a day per contact."""

from __future__ import annotations

import datetime as dt

from contract.errors import NetworkRefusedError, NetworkTimeoutError, NetworkUnavailableError
from contract.port import Network
from db.models import Contact
from resolvers.services.errors import ErrorCode, UserError

# How long a contact's GSTIN status, once looked up, is taken as it is.
GSTIN_STATUS_TTL = dt.timedelta(days=1)


async def gstin_problem(contact: Contact, network: Network, now: dt.datetime) -> UserError | None:
    """A document may not go to a GSTIN the GSTN portal shows as cancelled or suspended. The
    status is looked up at most once a day per contact (kept on it); if the portal does not
    answer, the last known status stands (none known: the document is not held up)."""
    if contact.gstin is None:
        return None
    stale = contact.gstin_checked_at is None or now - contact.gstin_checked_at >= GSTIN_STATUS_TTL
    if stale:
        try:
            contact.gstin_status = await network.gstn_status(contact.gstin)
            contact.gstin_checked_at = now
        except (NetworkTimeoutError, NetworkUnavailableError, NetworkRefusedError):
            pass  # the portal is down: go by what was known
    if contact.gstin_status in {"CANCELLED", "SUSPENDED"}:
        return UserError(
            ErrorCode.GSTIN_INACTIVE, ("input", "contactId"),
            f"The GSTN portal shows this contact's GSTIN {contact.gstin} as "
            f"{contact.gstin_status.lower()}: no tax document can be issued to it.",
        )  # fmt: skip
    return None
