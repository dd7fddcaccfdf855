"""Handlers for pushing documents and polling for their answers."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

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
from resolvers.dispatcher.base import POLL_SECONDS, Reschedule
from resolvers.services import inbox, pushes
from resolvers.services.network import (
    Network,
    NetworkRefusedError,
)

logger = logging.getLogger("bharat_connect.dispatcher")


async def push_document(
    network: Network, uow: UnitOfWork, message: OutboxMessage, now: datetime
) -> Reschedule | None:
    """Send a pushed document; a bulk push hears how its item ended."""
    outcome = await _push_document(network, uow, message, now)
    item = message.payload.get("bulkItemId")
    if item is not None:
        document = await document_repo.locked(
            uow.session, uuid.UUID(str(message.payload["documentId"]))
        )
        await pushes.settle_bulk_item(uow, uuid.UUID(str(item)), document, now)
    return outcome


async def _push_document(
    network: Network, uow: UnitOfWork, message: OutboxMessage, now: datetime
) -> Reschedule | None:
    document = await document_repo.locked(
        uow.session, uuid.UUID(str(message.payload["documentId"]))
    )
    if (
        document is None
        or document.push_status != PushStatus.PUSH_INITIATED
        or document.network_id is None
    ):
        return None
    if message.attempts > 1:
        # An earlier send timed out: it may have arrived. Ask before sending again.
        held = await network.document_status(document.network_id)
        if held.state != "UNKNOWN" and held.version == document.version:
            await _after_delivery(uow, document, held.state, held.remarks, now)
            return None
    outgoing = await pushes.message_for(uow, document)
    if outgoing is None:
        await pushes.set_status(
            uow, document, PushStatus.PUSH_FAILED, now=now,
            reason="The sender or the receiver has no B2B ID any more.",
        )  # fmt: skip
        return None
    try:
        if document.reference_id is not None:
            await _bring_reference(network, uow, document.reference_id, now)
        await network.document_send(outgoing)
    except NetworkRefusedError as exc:
        await pushes.set_status(uow, document, PushStatus.PUSH_FAILED, now=now, reason=exc.message)
        return None
    await _after_delivery(uow, document, "DELIVERED", None, now)
    return None


async def _bring_reference(
    network: Network, uow: UnitOfWork, reference_id: uuid.UUID, now: datetime
) -> None:
    """Send the document a note is against first, if the network lacks its latest version."""
    referenced = await uow.session.get(Document, reference_id)
    if (
        referenced is None
        or referenced.direction != Direction.OUTGOING
        or referenced.network_id is None
    ):
        return  # a bill's original is the vendor's own: the network has it
    held = await network.document_status(referenced.network_id)
    if held.state != "UNKNOWN" and held.version >= referenced.version:
        return
    outgoing = await pushes.message_for(uow, referenced)
    if outgoing is None:
        return
    await network.document_send(outgoing)
    uow.session.add(
        DocumentHistory(
            document_id=referenced.id, action="SENT_WITH_NOTE", by_network=True, at=now,
            detail=f"Version {referenced.version} went along with a note against it.",
        )
    )  # fmt: skip


async def poll_document(
    network: Network, uow: UnitOfWork, message: OutboxMessage, now: datetime
) -> Reschedule | None:
    document = await document_repo.locked(
        uow.session, uuid.UUID(str(message.payload["documentId"]))
    )
    if (
        document is None
        or document.push_status != PushStatus.AWAITING_RESPONSE
        or document.network_id is None
    ):
        return None
    held = await network.document_status(document.network_id)
    if held.state in {"ACCEPTED", "REJECTED", "RETURNED"} and held.version == document.version:
        await pushes.answer(
            uow, document, action=_ACTIONS[held.state], remarks=held.remarks,
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


async def answer_received(
    network: Network, uow: UnitOfWork, message: OutboxMessage, now: datetime
) -> Reschedule | None:
    """Tell the network (and so the sender) how a received document was answered."""
    tombstone_id = message.payload.get("tombstoneId")
    if tombstone_id is not None:
        tombstone = await uow.session.get(
            InboxTombstone, uuid.UUID(str(tombstone_id)), with_for_update=True
        )
        if tombstone is None or tombstone.answered_at is not None:
            return None
        answerer = await pushes.own_b2b_id(uow, tombstone.organisation_id)
        try:
            if answerer is not None:
                await network.document_answer(
                    network_id=tombstone.network_id, version=tombstone.version,
                    answerer_b2b_id=answerer, action=tombstone.action, remarks=tombstone.reason,
                )  # fmt: skip
        except NetworkRefusedError as exc:
            logger.warning("rejection of %s refused: %s", tombstone.network_id, exc.message)
        tombstone.answered_at = now
        return None
    document = await document_repo.locked(
        uow.session, uuid.UUID(str(message.payload["documentId"]))
    )
    if (
        document is None
        or document.inbox_status != InboxStatus.ACCEPTANCE_IN_PROGRESS
        or document.status == inbox.PENDING_APPROVAL
        or document.network_id is None
    ):
        return None
    answerer = await pushes.own_b2b_id(uow, document.organisation_id)
    if answerer is None:
        await inbox.answer_refused(uow, document, "Your organisation has no B2B ID any more.", now)
        return None
    try:
        await network.document_answer(
            network_id=document.network_id, version=document.version, answerer_b2b_id=answerer,
            action="ACCEPT", remarks=None,
        )  # fmt: skip
    except NetworkRefusedError as exc:
        await inbox.answer_refused(uow, document, exc.message, now)
        return None
    await inbox.answered(uow, document, now)
    return None


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
