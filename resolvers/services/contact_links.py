"""Linking contacts to the B2B IDs the network lists for their GSTIN: looking them up (with
retries), one contact at a time, and many at once with a result each."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from contract.errors import NetworkRefusedError, NetworkTimeoutError, NetworkUnavailableError
from contract.onboarding import DirectoryListing
from contract.port import Network
from db.models import Contact
from db.repositories import contact as repo
from db.repositories import onboarding as onboarding_repo
from db.unit_of_work import UnitOfWork
from resolvers.services.accounts import Viewer
from resolvers.services.contacts import require_network_ready, visible
from resolvers.services.errors import ErrorCode, UserError, UserInputError, network_down

MAX_LINKS = 100
LOOKUP_TRIES = 3


@dataclass(frozen=True)
class LinkResult:
    """What happened to one requested link."""

    contact_id: uuid.UUID
    contact: Contact | None
    errors: list[UserError]


async def lookup(network: Network, gstin: str, field: tuple[str, ...]) -> list[DirectoryListing]:
    """Search the directory, retrying timeouts a few times."""
    for attempt in range(LOOKUP_TRIES):
        try:
            return await network.directory_search(gstin)
        except NetworkTimeoutError:
            if attempt == LOOKUP_TRIES - 1:
                break
        except NetworkUnavailableError:
            break
        except NetworkRefusedError:
            raise network_down(field, refused=True) from None
    raise network_down(field)


async def candidates(
    uow: UnitOfWork, viewer: Viewer, network: Network, *, contact_id: uuid.UUID
) -> tuple[Contact, list[DirectoryListing]]:
    """The B2B IDs the network lists for a contact's GSTIN (all of them, to choose from)."""
    contact = await visible(uow, viewer, contact_id, ("input", "contactId"))
    await require_network_ready(uow, viewer, contact.organisation_id, ("input", "contactId"))
    if contact.gstin is None:
        raise UserInputError.one(
            ErrorCode.REQUIRED, ("input", "contactId"), "The contact has no GSTIN to search by."
        )
    return contact, await lookup(network, contact.gstin, ("input", "contactId"))


async def _link_one(
    uow: UnitOfWork,
    network: Network,
    contact: Contact,
    b2b_id: str,
    *,
    now: datetime,
    field: tuple[str, ...],
) -> Contact:
    if contact.archived_at is not None:
        raise UserInputError.one(ErrorCode.INVALID, field, "The contact is archived.")
    if contact.gstin is None:
        raise UserInputError.one(ErrorCode.REQUIRED, field, "The contact has no GSTIN.")
    wanted = b2b_id.strip().lower()
    own = await onboarding_repo.active_b2b_ids(uow.session, [contact.organisation_id])
    if wanted in {b.value.lower() for b in own}:
        raise UserInputError.one(
            ErrorCode.INVALID, field,
            "This is your organisation's own B2B ID: a contact is another business.",
        )  # fmt: skip
    listed = await lookup(network, contact.gstin, field)
    if wanted not in {entry.b2b_id for entry in listed}:
        raise UserInputError.one(
            ErrorCode.B2B_ID_MISMATCH, field,
            f"The network does not list {wanted!r} for GSTIN {contact.gstin}; fetch again.",
        )  # fmt: skip
    contact.b2b_id = wanted
    contact.linked_at = now
    contact.updated_at = now
    return contact


async def link(
    uow: UnitOfWork,
    viewer: Viewer,
    network: Network,
    *,
    contact_id: uuid.UUID,
    b2b_id: str,
    now: datetime,
) -> Contact:
    """Link one of the contact's candidate B2B IDs."""
    contact = await visible(uow, viewer, contact_id, ("input", "contactId"))
    await require_network_ready(uow, viewer, contact.organisation_id, ("input", "contactId"))
    return await _link_one(uow, network, contact, b2b_id, now=now, field=("input", "b2bId"))


async def unlink(
    uow: UnitOfWork, viewer: Viewer, *, contact_id: uuid.UUID, now: datetime
) -> Contact:
    """Forget a contact's B2B ID."""
    contact = await visible(uow, viewer, contact_id, ("input", "contactId"))
    await require_network_ready(uow, viewer, contact.organisation_id, ("input", "contactId"))
    contact.b2b_id = None
    contact.linked_at = None
    contact.updated_at = now
    return contact


async def link_questions(
    uow: UnitOfWork, viewer: Viewer, links: list[tuple[uuid.UUID, str]]
) -> list[tuple[str, tuple[str, ...]]]:
    """The directory searches a bulk link will need (one per GSTIN of the contacts named)."""
    contacts = await repo.visible_by_ids(uow.session, viewer.account_id, [c for c, _ in links])
    gstins = sorted({c.gstin for c in contacts if c.gstin is not None})
    return [("directory_search", (gstin,)) for gstin in gstins]


async def link_many(
    uow: UnitOfWork,
    viewer: Viewer,
    network: Network,
    *,
    organisation_id: uuid.UUID,
    links: list[tuple[uuid.UUID, str]],
    now: datetime,
) -> list[LinkResult]:
    """ "Link now": each link checked and applied on its own; a result per item."""
    await require_network_ready(uow, viewer, organisation_id, ("input", "organisationId"))
    if len(links) > MAX_LINKS:
        raise UserInputError.one(
            ErrorCode.TOO_MANY, ("input", "links"), f"Link at most {MAX_LINKS} contacts at once."
        )
    seen: set[uuid.UUID] = set()
    for index, (contact_id, _) in enumerate(links):
        if contact_id in seen:
            raise UserInputError.one(
                ErrorCode.DUPLICATE,
                ("input", "links", str(index), "contactId"),
                "This contact appears twice.",
            )
        seen.add(contact_id)
    results: list[LinkResult] = []
    for index, (contact_id, b2b_id) in enumerate(links):
        field = ("input", "links", str(index))
        contact = await repo.visible(uow.session, viewer.account_id, contact_id, for_update=True)
        if contact is None or contact.organisation_id != organisation_id:
            results.append(
                LinkResult(
                    contact_id,
                    None,
                    [UserError(ErrorCode.NOT_FOUND, (*field, "contactId"), "No such contact.")],
                )
            )
            continue
        try:
            async with uow.savepoint():
                await _link_one(uow, network, contact, b2b_id, now=now, field=(*field, "b2bId"))
        except UserInputError as exc:
            results.append(LinkResult(contact_id, contact, exc.errors))
            continue
        results.append(LinkResult(contact_id, contact, []))
    return results
