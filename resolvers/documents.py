"""Resolvers for documents."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from db.models import (
    BulkOperation,
    Document,
    DocumentHistory,
    InboxTombstone,
)
from db.pagination import Page
from db.repositories import document as repo
from db.rows import ContactRow, DocumentRow, LineRow
from resolvers import mutation, network_calls
from resolvers.context import Context
from resolvers.mutation import Outcome
from resolvers.pagination import argument_id, list_size, page_request
from resolvers.services import documents, inbox, pushes
from resolvers.services.documents import DocumentIn, voiding
from resolvers.services.ids import decode_typed_id


async def create(
    context: Context, *, organisation_id: str, details: DocumentIn, idempotency_key: str | None
) -> Outcome[Document]:
    """Create a document."""
    return await network_calls.run_on(
        context, organisation_id, "Organisation", ("input", "organisationId"),
        lambda uow, viewer, key, network: documents.create(
            uow, viewer, organisation_id=key, details=details, idempotency_key=idempotency_key,
            now=context.app.now(), network=network,
        ),
        unavailable_field=("input", "contactId"),
    )  # fmt: skip


async def page(
    context: Context,
    organisation_id: uuid.UUID,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    where: repo.DocumentFilter,
    contact_id: str | None,
) -> Page[DocumentRow]:
    """One page of documents (``contact_id`` is a global id, checked here)."""
    viewer = await context.require_viewer()
    request = page_request(first, after, last, before)
    if contact_id is not None:
        where = dataclasses.replace(
            where, contact_id=argument_id(contact_id, "Contact", "contactId")
        )
    async with context.app.db.read() as session:
        return await repo.page(session, viewer.account_id, organisation_id, request, where)


@dataclass(frozen=True)
class Prefetched:
    """What a page of documents will be asked for, loaded for the whole page at once (each
    ``None`` when the query does not ask for it)."""

    contacts: dict[uuid.UUID, ContactRow | None] | None
    lines: dict[uuid.UUID, list[LineRow]] | None


async def prefetch(
    context: Context, documents: Sequence[DocumentRow], *, contacts: bool, lines: bool
) -> Prefetched:
    """Load the page's contacts and lines together (one batch each, as the fields would)."""
    if not documents or not (contacts or lines):
        return Prefetched(None, None)
    viewer = await context.require_viewer()
    loaders = context.loaders(viewer)
    contact_ids = list({d.contact_id for d in documents}) if contacts else []
    document_ids = [d.id for d in documents] if lines else []
    found_contacts, found_lines = await asyncio.gather(
        loaders.contact_by_id.load_many(contact_ids),
        loaders.lines_by_document_id.load_many(document_ids),
    )
    return Prefetched(
        dict(zip(contact_ids, found_contacts, strict=True)) if contacts else None,
        dict(zip(document_ids, found_lines, strict=True)) if lines else None,
    )


async def document_by_id(context: Context, document_id: uuid.UUID) -> Document | None:
    """A document the viewer may see."""
    viewer = await context.require_viewer()
    return await context.loaders(viewer).document_by_id.load(document_id)


async def lines(context: Context, document_id: uuid.UUID) -> list[LineRow]:
    """A document's lines (batched across documents)."""
    viewer = await context.require_viewer()
    return await context.loaders(viewer).lines_by_document_id.load(document_id)


async def history(context: Context, document_id: uuid.UUID, last: int) -> list[DocumentHistory]:
    """The latest ``last`` entries of a document's history, oldest first (batched across
    documents)."""
    viewer = await context.require_viewer()
    last = list_size("last", last)
    entries = await context.loaders(viewer).history_by_document_id.load(document_id)
    return entries[len(entries) - last :] if last else []


async def push(context: Context, *, document_id: str) -> Outcome[Document]:
    """Push a document."""
    app = context.app
    return await mutation.run_on(
        context, document_id, "Document", ("input", "documentId"),
        lambda uow, viewer, key: pushes.push(uow, viewer, document_id=key, now=app.now()),
    )  # fmt: skip


async def accept(
    context: Context, *, document_id: str, due_date: dt.date | None, notes: str | None
) -> Outcome[Document]:
    """Accept a received document."""
    app = context.app
    return await mutation.run_on(
        context, document_id, "Document", ("input", "documentId"),
        lambda uow, viewer, key: inbox.accept(
            uow, viewer, document_id=key, due_date=due_date, notes=notes, now=app.now()
        ),
    )  # fmt: skip


async def approve(context: Context, *, document_id: str) -> Outcome[Document]:
    """Approve an accepted bill."""
    app = context.app
    return await mutation.run_on(
        context, document_id, "Document", ("input", "documentId"),
        lambda uow, viewer, key: inbox.approve(uow, viewer, document_id=key, now=app.now()),
    )  # fmt: skip


async def reject(
    context: Context, *, document_id: str, reason: str, return_for_edits: bool
) -> Outcome[InboxTombstone]:
    """Reject or return a received document."""
    app = context.app
    return await mutation.run_on(
        context, document_id, "Document", ("input", "documentId"),
        lambda uow, viewer, key: inbox.reject(
            uow, viewer, document_id=key, reason=reason, return_for_edits=return_for_edits,
            now=app.now(),
        ),
    )  # fmt: skip


async def update(context: Context, *, document_id: str, details: DocumentIn) -> Outcome[Document]:
    """Edit a document."""
    app = context.app
    return await network_calls.run_on(
        context, document_id, "Document", ("input", "documentId"),
        lambda uow, viewer, key, network: documents.update(
            uow, viewer, document_id=key, details=details, now=app.now(), network=network
        ),
        unavailable_field=("input", "contactId"),
    )  # fmt: skip


async def push_many(
    context: Context, *, organisation_id: str, document_ids: list[str]
) -> Outcome[BulkOperation]:
    """Push several documents as a bulk operation."""
    app = context.app
    # An id that is not a document's names no document: that item fails with NOT_FOUND.
    keys = [decode_typed_id(x, "Document") or uuid.UUID(int=i) for i, x in enumerate(document_ids)]
    return await mutation.run_on(
        context, organisation_id, "Organisation", ("input", "organisationId"),
        lambda uow, viewer, key: pushes.push_many(
            uow, viewer, organisation_id=key, document_ids=keys, now=app.now()
        ),
    )  # fmt: skip


async def void(context: Context, *, document_id: str, reason: str) -> Outcome[Document]:
    """Void a document."""
    app = context.app
    return await mutation.run_on(
        context, document_id, "Document", ("input", "documentId"),
        lambda uow, viewer, key: voiding.void(
            uow, viewer, document_id=key, reason=reason, now=app.now()
        ),
    )  # fmt: skip
