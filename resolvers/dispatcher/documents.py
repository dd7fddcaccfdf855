"""Handlers for pushing documents and polling for their answers."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from contract.documents import DocumentMessage
from contract.errors import NetworkRefusedError
from contract.port import Network
from db.models import (
    Direction,
    Document,
    DocumentHistory,
    InboxStatus,
    InboxTombstone,
    OutboxMessage,
    PushStatus,
)
from db.repositories import document as document_repo
from db.repositories import outbox as repo
from db.unit_of_work import UnitOfWork
from resolvers.dispatcher.base import POLL_SECONDS, Reschedule, Work
from resolvers.services import inbox, pushes

logger = logging.getLogger("bharat_connect.dispatcher")


async def push_document(network: Network, work: Work) -> Reschedule | None:
    """Send a pushed document; a bulk push hears how its item ended, in the same last write."""
    item = work.message.payload.get("bulkItemId")
    await _push_document(network, work, None if item is None else uuid.UUID(str(item)))
    return None


async def _settle_item(
    uow: UnitOfWork, item: uuid.UUID | None, document_id: uuid.UUID, now: datetime
) -> None:
    if item is not None:
        document = await document_repo.locked(uow.session, document_id)
        await pushes.settle_bulk_item(uow, item, document, now)


def _document_id(work: Work) -> uuid.UUID:
    return uuid.UUID(str(work.message.payload["documentId"]))


async def _still(
    uow: UnitOfWork, document_id: uuid.UUID, status: PushStatus, version: int
) -> Document | None:
    """The document, locked, if it still stands where the handler found it."""
    document = await document_repo.locked(uow.session, document_id)
    if document is None or document.push_status != status or document.version != version:
        return None
    return document


@dataclass(frozen=True)
class _Reference:
    """The document a note is against, as the network should hold it."""

    id: uuid.UUID
    network_id: str
    version: int
    message: DocumentMessage


async def _pushed(uow: UnitOfWork, document_id: uuid.UUID, status: PushStatus) -> Document | None:
    """The document, if it stands at ``status`` with a network id (read, not locked)."""
    document = await uow.session.get(Document, document_id)
    if document is None or document.push_status != status or document.network_id is None:
        return None
    return document


async def _push_document(network: Network, work: Work, item: uuid.UUID | None) -> None:
    document_id, now = _document_id(work), work.now
    async with work.read() as uow:
        document = await _pushed(uow, document_id, PushStatus.PUSH_INITIATED)
        if document is None or document.network_id is None:
            network_id = None
        else:
            network_id, version = document.network_id, document.version
            outgoing = await pushes.message_for(uow, document)
            reference = (
                await _reference(uow, document.reference_id)
                if document.reference_id is not None
                else None
            )
    if network_id is None:  # not ours to send any more: only a bulk item to settle
        if item is not None:
            async with work.write(last=True) as uow:
                await _settle_item(uow, item, document_id, now)
        return
    if work.message.attempts > 1:
        # An earlier send timed out (or its worker died): it may have arrived. Ask first.
        held = await network.document_status(network_id)
        if held.state != "UNKNOWN" and held.version == version:
            async with work.write(last=True) as uow:
                found = await _still(uow, document_id, PushStatus.PUSH_INITIATED, version)
                if found is not None:
                    await _after_delivery(uow, found, held.state, held.remarks, now)
                await _settle_item(uow, item, document_id, now)
            return
    refused: str | None = None
    brought = False
    if outgoing is None:
        refused = "The sender or the receiver has no B2B ID any more."
    else:
        try:
            if reference is not None:
                brought = await _bring_reference(network, reference)
            await network.document_send(outgoing)
        except NetworkRefusedError as exc:
            refused = exc.message
    async with work.write(last=True) as uow:
        if brought and reference is not None:
            uow.session.add(
                DocumentHistory(
                    document_id=reference.id, action="SENT_WITH_NOTE", by_network=True, at=now,
                    detail=f"Version {reference.version} went along with a note against it.",
                )
            )  # fmt: skip
        found = await _still(uow, document_id, PushStatus.PUSH_INITIATED, version)
        if found is not None and refused is not None:
            await pushes.set_status(uow, found, PushStatus.PUSH_FAILED, now=now, reason=refused)
        elif found is not None:
            await _after_delivery(uow, found, "DELIVERED", None, now)
        await _settle_item(uow, item, document_id, now)


async def _reference(uow: UnitOfWork, reference_id: uuid.UUID) -> _Reference | None:
    """The document a note is against, if it is ours to send along."""
    referenced = await uow.session.get(Document, reference_id)
    if (
        referenced is None
        or referenced.direction != Direction.OUTGOING
        or referenced.network_id is None
    ):
        return None  # a bill's original is the vendor's own: the network has it
    outgoing = await pushes.message_for(uow, referenced)
    if outgoing is None:
        return None
    return _Reference(referenced.id, referenced.network_id, referenced.version, outgoing)


async def _bring_reference(network: Network, reference: _Reference) -> bool:
    """Send the document a note is against first, if the network lacks its latest version;
    whether it was sent."""
    held = await network.document_status(reference.network_id)
    if held.state != "UNKNOWN" and held.version >= reference.version:
        return False
    await network.document_send(reference.message)
    return True


async def poll_document(network: Network, work: Work) -> Reschedule | None:
    document_id, now = _document_id(work), work.now
    async with work.read() as uow:
        document = await _pushed(uow, document_id, PushStatus.AWAITING_RESPONSE)
        if document is None or document.network_id is None:
            return None
        network_id, version = document.network_id, document.version
    held = await network.document_status(network_id)
    if held.state in {"ACCEPTED", "REJECTED", "RETURNED"} and held.version == version:
        async with work.write(last=True) as uow:
            found = await _still(uow, document_id, PushStatus.AWAITING_RESPONSE, version)
            if found is not None:
                await pushes.answer(
                    uow, found, action=_ACTIONS[held.state], remarks=held.remarks,
                    version=held.version, now=now,
                )  # fmt: skip
        return None
    return Reschedule(now + timedelta(seconds=POLL_SECONDS))


_ACTIONS = {"ACCEPTED": "ACCEPT", "REJECTED": "REJECT", "RETURNED": "RETURN"}


async def _after_delivery(
    uow: UnitOfWork, document: Document, state: str, remarks: str | None, now: datetime
) -> None:
    """The network has the document: wait for the answer (and poll, in case it is lost)."""
    if state in _ACTIONS:
        await pushes.answer(
            uow,
            document,
            action=_ACTIONS[state],
            remarks=remarks,
            version=document.version,
            now=now,
        )
        return
    await pushes.set_status(uow, document, PushStatus.AWAITING_RESPONSE, now=now)
    await repo.add(
        uow.session, organisation_id=document.organisation_id, kind=pushes.POLL_KIND,
        payload={"documentId": str(document.id)}, due=now + timedelta(seconds=POLL_SECONDS),
    )  # fmt: skip


async def answer_received(network: Network, work: Work) -> Reschedule | None:
    """Tell the network (and so the sender) how a received document was answered."""
    tombstone_id = work.message.payload.get("tombstoneId")
    if tombstone_id is not None:
        await _answer_tombstone(network, work, uuid.UUID(str(tombstone_id)))
        return None
    document_id, now = _document_id(work), work.now
    async with work.read() as uow:
        document = await uow.session.get(Document, document_id)
        if (
            document is None
            or document.inbox_status != InboxStatus.ACCEPTANCE_IN_PROGRESS
            or document.status == inbox.PENDING_APPROVAL
            or document.network_id is None
        ):
            return None
        network_id, version = document.network_id, document.version
        answerer = await pushes.own_b2b_id(uow, document.organisation_id)
    refused: str | None = None
    if answerer is None:
        refused = "Your organisation has no B2B ID any more."
    else:
        try:
            await network.document_answer(
                network_id=network_id, version=version, answerer_b2b_id=answerer,
                action="ACCEPT", remarks=None,
            )  # fmt: skip
        except NetworkRefusedError as exc:
            refused = exc.message
    async with work.write() as uow:
        found = await document_repo.locked(uow.session, document_id)
        if (
            found is None
            or found.inbox_status != InboxStatus.ACCEPTANCE_IN_PROGRESS
            or found.version != version
        ):
            return None
        if refused is not None:
            await inbox.answer_refused(uow, found, refused, now)
        else:
            await inbox.answered(uow, found, now)
    return None


async def _answer_tombstone(network: Network, work: Work, tombstone_id: uuid.UUID) -> None:
    async with work.read() as uow:
        tombstone = await uow.session.get(InboxTombstone, tombstone_id)
        if tombstone is None or tombstone.answered_at is not None:
            return
        network_id, version = tombstone.network_id, tombstone.version
        action, reason = tombstone.action, tombstone.reason
        answerer = await pushes.own_b2b_id(uow, tombstone.organisation_id)
    try:
        if answerer is not None:
            await network.document_answer(
                network_id=network_id, version=version, answerer_b2b_id=answerer,
                action=action, remarks=reason,
            )  # fmt: skip
    except NetworkRefusedError as exc:
        logger.warning("rejection of %s refused: %s", network_id, exc.message)
    async with work.write() as uow:
        found = await uow.session.get(InboxTombstone, tombstone_id, with_for_update=True)
        if found is not None and found.answered_at is None:
            found.answered_at = work.now


GAVE_UP = "The network did not take it after repeated tries: push it again."


async def push_given_up(uow: UnitOfWork, message: OutboxMessage, now: datetime) -> None:
    """A push the dispatcher gave up on: the document shows the failure (and may be pushed
    again, under the same network id); its bulk item, if any, settles."""
    document = await document_repo.locked(
        uow.session, uuid.UUID(str(message.payload["documentId"]))
    )
    if document is not None and document.push_status == PushStatus.PUSH_INITIATED:
        await pushes.set_status(uow, document, PushStatus.PUSH_FAILED, now=now, reason=GAVE_UP)
    item = message.payload.get("bulkItemId")
    if item is not None:
        await pushes.settle_bulk_item(uow, uuid.UUID(str(item)), document, now)


async def answer_given_up(uow: UnitOfWork, message: OutboxMessage, now: datetime) -> None:
    """An answer to a received document the dispatcher gave up on: the document waits for an
    answer again (a rejection's tombstone stays, unanswered)."""
    document_id = message.payload.get("documentId")
    if document_id is None:
        return
    document = await document_repo.locked(uow.session, uuid.UUID(str(document_id)))
    if document is not None and document.inbox_status == InboxStatus.ACCEPTANCE_IN_PROGRESS:
        await inbox.answer_refused(
            uow, document, "The network did not take the answer: answer again.", now
        )
