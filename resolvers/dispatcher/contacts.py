"""Handler for the bulk B2B ID search over contacts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from contract.errors import NetworkRefusedError, NetworkTimeoutError, NetworkUnavailableError
from contract.onboarding import DirectoryListing
from contract.port import Network
from db.models import (
    BulkItemStatus,
    BulkOperation,
    BulkOperationItem,
    BulkStatus,
    Contact,
)
from db.repositories import contact as contact_repo
from resolvers.dispatcher.base import BACKOFF_BASE_SECONDS, Reschedule, Work
from resolvers.services import contacts

BULK_CHUNK = 100
BULK_ITEM_TRIES = 5


@dataclass(frozen=True)
class _Lookup:
    item_id: uuid.UUID
    gstin: str | None  # None: the contact was archived or lost its GSTIN meanwhile


@dataclass
class _Result:
    """What one lookup came to: listings, a refusal, or a timeout (``None`` of both)."""

    listings: list[DirectoryListing] | None = None
    refused: str | None = None


async def search_contacts(network: Network, work: Work) -> Reschedule | None:
    """One pass of "Search contacts in Bharat Connect": up to BULK_CHUNK items, each looked
    up once (outside any transaction); timeouts stay pending for the next pass, refusals fail
    their item, an outage pauses the whole operation (what was done so far is kept)."""
    operation_id = uuid.UUID(str(work.message.payload["operationId"]))
    async with work.read() as uow:
        operation = await contact_repo.operation(uow.session, operation_id)
        if operation is None or operation.status != BulkStatus.RUNNING:
            return None
        items = await contact_repo.pending_items(uow.session, operation.id, BULK_CHUNK)
        by_id = {c.id: c for c in await uow.session.scalars(
            select(Contact).where(Contact.id.in_([i.subject_id for i in items]))
        )}  # fmt: skip
        lookups = []
        for item in items:
            contact = by_id.get(item.subject_id)
            usable = contact is not None and contact.archived_at is None
            lookups.append(_Lookup(item.id, contact.gstin if usable and contact else None))
    results: dict[uuid.UUID, _Result] = {}
    try:
        for lookup in lookups:
            if lookup.gstin is None:
                continue
            try:
                results[lookup.item_id] = _Result(
                    listings=await network.directory_search(lookup.gstin)
                )
            except NetworkTimeoutError:
                results[lookup.item_id] = _Result()
            except NetworkRefusedError as exc:
                results[lookup.item_id] = _Result(refused=exc.message)
    except NetworkUnavailableError:
        await _record(work, operation_id, lookups, results, finished=False)
        raise
    return await _record(work, operation_id, lookups, results, finished=True)


async def _record(
    work: Work,
    operation_id: uuid.UUID,
    lookups: list[_Lookup],
    results: dict[uuid.UUID, _Result],
    *,
    finished: bool,
) -> Reschedule | None:
    """Write what the pass found (under the lease); what comes next."""
    now = work.now
    async with work.write() as uow:
        operation = await contact_repo.operation(uow.session, operation_id, for_update=True)
        if operation is None or operation.status != BulkStatus.RUNNING:
            return None
        items = {i.id: i for i in await uow.session.scalars(
            select(BulkOperationItem).where(
                BulkOperationItem.id.in_([lookup.item_id for lookup in lookups]),
                BulkOperationItem.status == BulkItemStatus.PENDING,
            )
        )}  # fmt: skip
        progressed = False
        for lookup in lookups:
            item = items.get(lookup.item_id)
            if item is None:
                continue
            if lookup.gstin is None:
                item.updated_at = now
                _fail(operation, item, "The contact was archived or lost its GSTIN meanwhile.")
                progressed = True
                continue
            result = results.get(lookup.item_id)
            if result is None:
                continue  # not reached before an outage
            item.updated_at = now
            if result.refused is not None:
                _fail(operation, item, result.refused)
                progressed = True
            elif result.listings is None:
                item.attempts += 1
                if item.attempts >= BULK_ITEM_TRIES:
                    _fail(
                        operation, item,
                        f"The network did not answer after {BULK_ITEM_TRIES} tries.",
                    )  # fmt: skip
                    progressed = True
            else:
                _done(operation, item, result.listings)
                progressed = True
        if not finished:
            await contacts.progress_event(uow, operation, contacts.BULK_PROGRESS)
            return None
        if await contact_repo.pending_items(uow.session, operation.id, 1):
            await contacts.progress_event(uow, operation, contacts.BULK_PROGRESS)
            delay = 0.0 if progressed else BACKOFF_BASE_SECONDS
            return Reschedule(now + timedelta(seconds=delay))
        operation.status = BulkStatus.COMPLETED
        operation.finished_at = now
        await contacts.progress_event(uow, operation, contacts.BULK_COMPLETED)
    return None


def _done(
    operation: BulkOperation, item: BulkOperationItem, listings: list[DirectoryListing]
) -> None:
    outcome = (
        "NO_MATCH" if not listings else "ONE_MATCH" if len(listings) == 1 else "SEVERAL_MATCHES"
    )
    item.status = BulkItemStatus.DONE
    item.result = {
        "outcome": outcome,
        "candidates": [{"b2bId": e.b2b_id, "legalName": e.legal_name} for e in listings],
    }
    operation.done += 1


def _fail(operation: BulkOperation, item: BulkOperationItem, error: str) -> None:
    item.status = BulkItemStatus.FAILED
    item.result = {"error": error}
    operation.failed += 1
