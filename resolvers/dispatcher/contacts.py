"""Handler for the bulk B2B ID search over contacts."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from db.models import (
    BulkItemStatus,
    BulkOperation,
    BulkOperationItem,
    BulkStatus,
    Contact,
    OutboxMessage,
)
from db.repositories import contact as contact_repo
from db.unit_of_work import UnitOfWork
from resolvers.dispatcher.base import BACKOFF_BASE_SECONDS, Reschedule
from resolvers.services import contacts
from resolvers.services.network import (
    Network,
    NetworkRefusedError,
    NetworkTimeoutError,
    NetworkUnavailableError,
)

BULK_CHUNK = 100
BULK_ITEM_TRIES = 5


async def search_contacts(
    network: Network, uow: UnitOfWork, message: OutboxMessage, now: datetime
) -> Reschedule | None:
    """One pass of "Search contacts in Bharat Connect": up to BULK_CHUNK items, each looked
    up once; timeouts stay pending for the next pass, refusals fail their item, an outage
    pauses the whole operation (what was done so far is kept)."""
    operation = await contact_repo.operation(
        uow.session, uuid.UUID(str(message.payload["operationId"])), for_update=True
    )
    if operation is None or operation.status != BulkStatus.RUNNING:
        return None
    items = await contact_repo.pending_items(uow.session, operation.id, BULK_CHUNK)
    by_id = {c.id: c for c in await uow.session.scalars(
        select(Contact).where(Contact.id.in_([i.subject_id for i in items]))
    )}  # fmt: skip
    progressed = False
    try:
        for item in items:
            contact = by_id.get(item.subject_id)
            item.updated_at = now
            if contact is None or contact.gstin is None or contact.archived_at is not None:
                _fail(operation, item, "The contact was archived or lost its GSTIN meanwhile.")
                progressed = True
                continue
            try:
                listings = await network.directory_search(contact.gstin)
            except NetworkTimeoutError:
                item.attempts += 1
                if item.attempts >= BULK_ITEM_TRIES:
                    _fail(
                        operation,
                        item,
                        f"The network did not answer after {BULK_ITEM_TRIES} tries.",
                    )
                    progressed = True
                continue
            except NetworkRefusedError as exc:
                _fail(operation, item, exc.message)
                progressed = True
                continue
            outcome = (
                "NO_MATCH"
                if not listings
                else "ONE_MATCH"
                if len(listings) == 1
                else "SEVERAL_MATCHES"
            )
            item.status = BulkItemStatus.DONE
            item.result = {
                "outcome": outcome,
                "candidates": [{"b2bId": e.b2b_id, "legalName": e.legal_name} for e in listings],
            }
            operation.done += 1
            progressed = True
    except NetworkUnavailableError:
        await contacts.progress_event(uow, operation, contacts.BULK_PROGRESS)
        raise
    if await contact_repo.pending_items(uow.session, operation.id, 1):
        await contacts.progress_event(uow, operation, contacts.BULK_PROGRESS)
        delay = 0.0 if progressed else BACKOFF_BASE_SECONDS
        return Reschedule(now + timedelta(seconds=delay))
    operation.status = BulkStatus.COMPLETED
    operation.finished_at = now
    await contacts.progress_event(uow, operation, contacts.BULK_COMPLETED)
    return None


def _fail(operation: BulkOperation, item: BulkOperationItem, error: str) -> None:
    item.status = BulkItemStatus.FAILED
    item.result = {"error": error}
    operation.failed += 1
