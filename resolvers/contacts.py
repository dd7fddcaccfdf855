"""Resolvers for contacts, B2B ID association and bulk operations."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from contract.onboarding import DirectoryListing
from db.models import BulkOperation, BulkOperationItem, BulkStatus, Contact
from db.pagination import Page
from db.repositories import contact as repo
from db.repositories import event as event_repo
from db.rows import ContactRow
from resolvers import mutation, network_calls
from resolvers import organisation as organisation_resolvers
from resolvers.context import Context
from resolvers.errors import ForbiddenError
from resolvers.mutation import Outcome
from resolvers.pagination import list_size, page_request
from resolvers.services import contact_links, contacts
from resolvers.services.contact_links import LinkResult
from resolvers.services.contacts import ContactIn
from resolvers.services.errors import ErrorCode, UserError
from resolvers.services.ids import decode_typed_id, encode_event_cursor, encode_id

CONTACT = ("input", "contactId")
ORG = ("input", "organisationId")


async def create(context: Context, *, organisation_id: str, details: ContactIn) -> Outcome[Contact]:
    """Create a contact."""
    return await mutation.run_on(
        context, organisation_id, "Organisation", ORG,
        lambda uow, viewer, key: contacts.create(uow, viewer, organisation_id=key, details=details),
    )  # fmt: skip


async def update(context: Context, *, contact_id: str, details: ContactIn) -> Outcome[Contact]:
    """Replace a contact's details."""
    app = context.app
    return await mutation.run_on(
        context, contact_id, "Contact", ("input", "id"),
        lambda uow, viewer, key: contacts.update(
            uow, viewer, contact_id=key, details=details, now=app.now()
        ),
    )  # fmt: skip


async def archive(context: Context, *, contact_id: str, archived: bool) -> Outcome[Contact]:
    """Archive or restore a contact."""
    app = context.app
    return await mutation.run_on(
        context, contact_id, "Contact", ("input", "id"),
        lambda uow, viewer, key: contacts.set_archived(
            uow, viewer, contact_id=key, archived=archived, now=app.now()
        ),
    )  # fmt: skip


async def fetch(
    context: Context, *, contact_id: str
) -> Outcome[tuple[Contact, list[DirectoryListing]]]:
    """The network's B2B IDs for a contact's GSTIN."""
    return await network_calls.run_on(
        context, contact_id, "Contact", CONTACT,
        lambda uow, viewer, key, network: contact_links.candidates(
            uow, viewer, network, contact_id=key
        ),
    )  # fmt: skip


async def link(context: Context, *, contact_id: str, b2b_id: str) -> Outcome[Contact]:
    """Link a B2B ID to a contact."""
    app = context.app
    return await network_calls.run_on(
        context, contact_id, "Contact", CONTACT,
        lambda uow, viewer, key, network: contact_links.link(
            uow, viewer, network, contact_id=key, b2b_id=b2b_id, now=app.now()
        ),
        unavailable_field=("input", "b2bId"),
    )  # fmt: skip


async def unlink(context: Context, *, contact_id: str) -> Outcome[Contact]:
    """Forget a contact's B2B ID."""
    app = context.app
    return await mutation.run_on(
        context, contact_id, "Contact", CONTACT,
        lambda uow, viewer, key: contact_links.unlink(uow, viewer, contact_id=key, now=app.now()),
    )  # fmt: skip


async def link_many(
    context: Context, *, organisation_id: str, links: list[tuple[str, str]]
) -> Outcome[list[LinkResult]]:
    """Link now: several contacts at once, a result each."""
    decoded: list[tuple[uuid.UUID, str]] = []
    for index, (contact_id, b2b_id) in enumerate(links):
        contact_key = decode_typed_id(contact_id, "Contact")
        if contact_key is None:
            await context.require_viewer()
            return mutation.refuse(
                UserError(
                    ErrorCode.NOT_FOUND,
                    ("input", "links", str(index), "contactId"),
                    "No such contact.",
                )
            )
        decoded.append((contact_key, b2b_id))
    app = context.app
    return await network_calls.run_on(
        context, organisation_id, "Organisation", ORG,
        lambda uow, viewer, key, network: contact_links.link_many(
            uow, viewer, network, organisation_id=key, links=decoded, now=app.now()
        ),
        unavailable_field=("input", "links"),
        # Every contact's directory search asked up front, at once: one pass.
        questions=lambda uow, viewer, _key: contact_links.link_questions(uow, viewer, decoded),
        tries=contact_links.LOOKUP_TRIES,
    )  # fmt: skip


async def start_search(context: Context, *, organisation_id: str) -> Outcome[BulkOperation]:
    """Start searching the network for every unlinked contact's B2B ID."""
    app = context.app
    return await mutation.run_on(
        context, organisation_id, "Organisation", ORG,
        lambda uow, viewer, key: contacts.start_search(
            uow, viewer, organisation_id=key, now=app.now()
        ),
    )  # fmt: skip


async def page(
    context: Context,
    organisation_id: uuid.UUID,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    kind: str | None,
    linked: bool | None,
    search: str | None,
    include_archived: bool,
) -> Page[Contact]:
    """One page of contacts."""
    viewer = await context.require_viewer()
    request = page_request(first, after, last, before)
    async with context.app.db.read() as session:
        return await repo.page(
            session, viewer.account_id, organisation_id, request, kind=kind, linked=linked,
            search=search, include_archived=include_archived,
        )  # fmt: skip


async def contact_by_id(context: Context, contact_id: uuid.UUID) -> ContactRow | None:
    """A contact the viewer may see."""
    viewer = await context.require_viewer()
    return await context.loaders(viewer).contact_by_id.load(contact_id)


async def same_gstin(context: Context, contact: ContactRow, first: int) -> list[Contact]:
    """At most ``first`` other live contacts with the contact's GSTIN (batched across a page
    of contacts)."""
    viewer = await context.require_viewer()
    first = list_size("first", first)
    if contact.gstin is None or first == 0:
        return []
    loader = context.loaders(viewer).contacts_by_gstin(first + 1)
    holders = await loader.load((contact.organisation_id, contact.gstin))
    return [c for c in holders if c.id != contact.id][:first]


async def operation_by_id(context: Context, operation_id: uuid.UUID) -> BulkOperation | None:
    """A bulk operation the viewer may see."""
    viewer = await context.require_viewer()
    async with context.app.db.read() as session:
        return await repo.visible_operation(session, viewer.account_id, operation_id)


async def items(
    context: Context,
    operation: BulkOperation,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    outcome: str | None,
) -> Page[BulkOperationItem]:
    """One page of an operation's per-item results."""
    await context.require_viewer()
    request = page_request(first, after, last, before)
    async with context.app.db.read() as session:
        return await repo.items_page(session, operation.id, request, outcome)


async def progress(context: Context, operation_id: str) -> AsyncIterator[BulkOperation]:
    """The operation now, then as it was at each of its steps, until it finishes.

    The event cursor is taken before the operation is read, so an event committed in between is
    replayed rather than missed; each step is reported with the counts its event recorded, so a
    slow client still sees every step, in order.
    """
    await context.require_viewer()
    key = decode_typed_id(operation_id, "BulkOperation")
    found = None if key is None else await operation_by_id(context, key)
    if found is None:
        raise ForbiddenError("No such bulk operation, or it is not yours.")
    async with context.app.db.read() as session:
        cursor = await event_repo.last_seq(session, found.organisation_id)
    found = await operation_by_id(context, found.id)
    if found is None:  # pragma: no cover - deleted with its organisation meanwhile
        return
    yield found
    if found.status != BulkStatus.RUNNING:
        return
    org_id = encode_id("Organisation", found.organisation_id)
    after = encode_event_cursor(cursor)
    async for event in organisation_resolvers.events(context, org_id, after):
        if event.data.get("operationId") != str(found.id):
            continue
        finished = event.kind == contacts.BULK_COMPLETED
        current = await operation_by_id(context, found.id) if finished else None
        yield BulkOperation(
            id=found.id, organisation_id=found.organisation_id, kind=found.kind,
            status=BulkStatus.COMPLETED if finished else BulkStatus.RUNNING,
            total=int(event.data.get("total", found.total)), done=int(event.data.get("done", 0)),
            failed=int(event.data.get("failed", 0)), error=None, created_at=found.created_at,
            finished_at=None if current is None else current.finished_at,
        )  # fmt: skip
        if finished:
            return
