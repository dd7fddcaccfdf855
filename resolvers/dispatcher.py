"""The outbox dispatcher: carries out queued network work after commit.

Each message is claimed and handled in its own transaction (on PostgreSQL with
``FOR UPDATE SKIP LOCKED``, so several workers share the outbox without doing anything twice).
A timeout is retried with exponential backoff (handlers ask for status before repeating, and
repeat with the same request id); an outage opens a circuit for a while so the network is not
hammered; only a refusal fails a message. Started with the app; tests drive
:meth:`Dispatcher.run_once` with a manual clock instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from db.models import (
    B2BId,
    B2BIdStatus,
    BulkItemStatus,
    BulkOperation,
    BulkOperationItem,
    BulkStatus,
    Contact,
    Document,
    KycProfile,
    KycStatus,
    OutboxMessage,
    OutboxStatus,
    PushStatus,
)
from db.repositories import contact as contact_repo
from db.repositories import document as document_repo
from db.repositories import onboarding as onboarding_repo
from db.repositories import outbox as repo
from db.unit_of_work import UnitOfWork
from resolvers.services import contacts, kyc, onboarding, pushes
from resolvers.services.network import (
    Network,
    NetworkRefusedError,
    NetworkTimeoutError,
    NetworkUnavailableError,
)

if TYPE_CHECKING:
    from resolvers.context import AppState

logger = logging.getLogger("bharat_connect.dispatcher")

BACKOFF_BASE_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 300.0
CIRCUIT_SECONDS = 30.0
POLL_SECONDS = 60.0
MAX_ATTEMPTS = 12
BULK_CHUNK = 100
BULK_ITEM_TRIES = 5


@dataclass(frozen=True)
class Reschedule:
    """A handler's answer: not finished, look again at ``at``."""

    at: datetime


Handler = Callable[[UnitOfWork, OutboxMessage, datetime], Awaitable[Reschedule | None]]


class Dispatcher:
    """Claims due outbox messages and runs their handlers."""

    def __init__(self, state: AppState, network: Network) -> None:
        self.state = state
        self.network = network
        self.circuit_open_until: datetime | None = None
        self._kick = asyncio.Event()
        self.handlers: dict[str, Handler] = {
            onboarding.REGISTER_KIND: self._register_b2b_id,
            onboarding.POLL_KIND: self._poll_b2b_id,
            kyc.SUBMIT_KIND: self._submit_kyc,
            kyc.POLL_KIND: self._poll_kyc,
            contacts.SEARCH_OUTBOX_KIND: self._search_contacts,
            pushes.PUSH_KIND: self._push_document,
            pushes.POLL_KIND: self._poll_document,
        }

    def kick(self) -> None:
        """Look for work now (called after commits that queued some)."""
        self._kick.set()

    def circuit_open(self, now: datetime) -> bool:
        """Whether calls are held back after an outage."""
        return self.circuit_open_until is not None and now < self.circuit_open_until

    async def run_once(self) -> int:
        """Handle every due message; returns how many were handled."""
        handled = 0
        while True:
            now = self.state.now()
            if self.circuit_open(now):
                return handled
            outcome = await self._one(now)
            if outcome is None:
                return handled
            handled += 1

    async def _one(self, now: datetime) -> bool | None:
        async with self.state.unit_of_work() as uow:
            message = await repo.claim_next(uow.session, now)
            if message is None:
                return None
            handler = self.handlers.get(message.kind)
            if handler is None:
                message.status = OutboxStatus.FAILED
                message.last_error = f"no handler for {message.kind}"
                return True
            message.attempts += 1
            try:
                result = await handler(uow, message, now)
            except NetworkTimeoutError:
                if message.attempts >= MAX_ATTEMPTS:
                    message.status = OutboxStatus.FAILED
                    message.last_error = "gave up after repeated timeouts"
                    return True
                delay = min(BACKOFF_BASE_SECONDS * 2 ** (message.attempts - 1), BACKOFF_MAX_SECONDS)
                message.next_attempt_at = now + timedelta(seconds=delay)
                message.last_error = "timeout"
                return True
            except NetworkUnavailableError:
                self.circuit_open_until = now + timedelta(seconds=CIRCUIT_SECONDS)
                message.attempts -= 1  # an outage is nobody's attempt
                message.next_attempt_at = self.circuit_open_until
                message.last_error = "network unavailable"
                logger.warning("network unavailable: holding outbox for %ss", CIRCUIT_SECONDS)
                return True
            if isinstance(result, Reschedule):
                message.next_attempt_at = result.at
                message.attempts = 0
            else:
                message.status = OutboxStatus.DONE
                message.completed_at = now
            return True

    async def run(self, idle_seconds: float = 1.0) -> None:
        """Serve: handle work as it falls due (until cancelled)."""
        while True:
            try:
                await self.run_once()
            except Exception:  # keep serving; the message stays pending
                logger.exception("dispatcher pass failed")
            self._kick.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), timeout=idle_seconds)

    # --- handlers ------------------------------------------------------------------------

    async def _register_b2b_id(
        self, uow: UnitOfWork, message: OutboxMessage, now: datetime
    ) -> Reschedule | None:
        record = await _b2b_id(uow, message)
        if record is None or record.status != B2BIdStatus.SUBMITTING:
            return None
        if message.attempts > 1:
            # An earlier try timed out: it may have reached the network. Ask before repeating.
            decision = await self.network.b2b_id_status(record.request_id)
            if decision.state != "UNKNOWN":
                await _after_registration(uow, record, decision.state, decision.reason, now)
                return None
        if await self._send_registration(uow, record, now):
            await _after_registration(uow, record, "PENDING", None, now)
        return None

    async def _send_registration(self, uow: UnitOfWork, record: B2BId, now: datetime) -> bool:
        """Submit the B2B ID (same request id every time); a refusal rejects it."""
        try:
            await self.network.b2b_id_register(
                request_id=record.request_id, b2b_id=record.value, gstin=record.gstin,
                legal_name=await _legal_name(uow, record), private=record.private,
            )  # fmt: skip
        except NetworkRefusedError as exc:
            await onboarding.decide_b2b_id(uow, record, approved=False, reason=exc.message, now=now)
            return False
        return True

    async def _poll_b2b_id(
        self, uow: UnitOfWork, message: OutboxMessage, now: datetime
    ) -> Reschedule | None:
        record = await _b2b_id(uow, message)
        if record is None or record.status != B2BIdStatus.PENDING_APPROVAL:
            return None
        decision = await self.network.b2b_id_status(record.request_id)
        if decision.state in {"APPROVED", "REJECTED"}:
            await onboarding.decide_b2b_id(
                uow, record, approved=decision.state == "APPROVED", reason=decision.reason, now=now
            )
            return None
        if decision.state == "UNKNOWN" and not await self._send_registration(uow, record, now):
            # The network had lost it (or never kept it) and refused it when sent again.
            return None
        return Reschedule(now + timedelta(seconds=POLL_SECONDS))

    async def _submit_kyc(
        self, uow: UnitOfWork, message: OutboxMessage, now: datetime
    ) -> Reschedule | None:
        profile = await _kyc_profile(uow, message)
        if profile is None or profile.status != KycStatus.SUBMITTED or profile.request_id is None:
            return None
        if message.attempts > 1:
            decision = await self.network.kyc_status(profile.request_id)
            if decision.state != "UNKNOWN":
                await _after_kyc_submission(uow, profile, decision.state, decision.reason, now)
                return None
        b2b_ids = await onboarding_repo.active_b2b_ids(uow.session, [profile.organisation_id])
        documents = await kyc.documents_of(uow, profile.organisation_id)
        try:
            await self.network.kyc_submit(
                request_id=profile.request_id,
                b2b_id=b2b_ids[0].value if b2b_ids else "",
                summary={
                    "owners": len(await kyc.owners_of(uow, profile.organisation_id)),
                    "documents": sorted(d.kind for d in documents),
                    "ifsc": profile.bank_ifsc,
                },
            )
        except NetworkRefusedError as exc:
            await kyc.decide(uow, profile, approved=False, reason=exc.message, now=now)
            return None
        await _after_kyc_submission(uow, profile, "PENDING", None, now)
        return None

    async def _poll_kyc(
        self, uow: UnitOfWork, message: OutboxMessage, now: datetime
    ) -> Reschedule | None:
        profile = await _kyc_profile(uow, message)
        if profile is None or profile.status != KycStatus.SUBMITTED or profile.request_id is None:
            return None
        decision = await self.network.kyc_status(profile.request_id)
        if decision.state in {"APPROVED", "REJECTED"}:
            await kyc.decide(
                uow, profile, approved=decision.state == "APPROVED", reason=decision.reason, now=now
            )
            return None
        if decision.state == "UNKNOWN":
            # Lost upstream: the next submission attempt sends it again (same request id).
            await repo.add(
                uow.session, organisation_id=profile.organisation_id, kind=kyc.SUBMIT_KIND,
                payload={}, due=now,
            )  # fmt: skip
            return None
        return Reschedule(now + timedelta(seconds=POLL_SECONDS))

    async def _search_contacts(
        self, uow: UnitOfWork, message: OutboxMessage, now: datetime
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
                    listings = await self.network.directory_search(contact.gstin)
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
                    "candidates": [
                        {"b2bId": e.b2b_id, "legalName": e.legal_name} for e in listings
                    ],
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

    async def _push_document(
        self, uow: UnitOfWork, message: OutboxMessage, now: datetime
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
            held = await self.network.document_status(document.network_id)
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
            await self.network.document_send(outgoing)
        except NetworkRefusedError as exc:
            await pushes.set_status(
                uow, document, PushStatus.PUSH_FAILED, now=now, reason=exc.message
            )
            return None
        await _after_delivery(uow, document, "DELIVERED", None, now)
        return None

    async def _poll_document(
        self, uow: UnitOfWork, message: OutboxMessage, now: datetime
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
        held = await self.network.document_status(document.network_id)
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


def _fail(operation: BulkOperation, item: BulkOperationItem, error: str) -> None:
    item.status = BulkItemStatus.FAILED
    item.result = {"error": error}
    operation.failed += 1


async def _kyc_profile(uow: UnitOfWork, message: OutboxMessage) -> KycProfile | None:
    if message.organisation_id is None:
        return None
    return await kyc.profile_of(uow, message.organisation_id, for_update=True)


async def _after_kyc_submission(
    uow: UnitOfWork, profile: KycProfile, state: str, reason: str | None, now: datetime
) -> None:
    if state in {"APPROVED", "REJECTED"}:
        await kyc.decide(uow, profile, approved=state == "APPROVED", reason=reason, now=now)
        return
    await repo.add(
        uow.session, organisation_id=profile.organisation_id, kind=kyc.POLL_KIND,
        payload={}, due=now + timedelta(seconds=POLL_SECONDS),
    )  # fmt: skip


async def _b2b_id(uow: UnitOfWork, message: OutboxMessage) -> B2BId | None:
    records = (
        await onboarding_repo.latest_b2b_ids(uow.session, [message.organisation_id])
        if message.organisation_id
        else []
    )
    wanted = str(message.payload.get("b2bIdId"))
    return next((r for r in records if str(r.id) == wanted), None)


async def _legal_name(uow: UnitOfWork, record: B2BId) -> str:
    found = await onboarding_repo.onboarding(uow.session, record.organisation_id)
    return found.legal_name or "" if found is not None else ""


async def _after_registration(
    uow: UnitOfWork, record: B2BId, state: str, reason: str | None, now: datetime
) -> None:
    """The network has the registration: wait for its decision (and poll, in case the decision
    message is lost)."""
    if state in {"APPROVED", "REJECTED"}:
        await onboarding.decide_b2b_id(
            uow, record, approved=state == "APPROVED", reason=reason, now=now
        )
        return
    record.status = B2BIdStatus.PENDING_APPROVAL
    await repo.add(
        uow.session, organisation_id=record.organisation_id, kind=onboarding.POLL_KIND,
        payload={"b2bIdId": str(record.id)}, due=now + timedelta(seconds=POLL_SECONDS),
    )  # fmt: skip
