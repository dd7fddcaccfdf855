"""Applying messages the network sends us: once each, in their own transaction."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from contract import financing as financing_wire
from contract.messages import InboundMessage
from contract.wire import WireError
from db.models import FinancingRequest
from db.repositories import document as document_repo
from db.repositories import onboarding as onboarding_repo
from db.repositories import outbox as outbox_repo
from db.repositories.onboarding import kyc_by_request as kyc_repo_profile
from db.unit_of_work import UnitOfWork
from resolvers.services import b2b_ids, inbox, kyc, pushes
from resolvers.services.financing import applying as financing_applying
from resolvers.services.payments import applying as payments
from resolvers.services.payments import requests as payment_requests

if TYPE_CHECKING:
    from resolvers.context import AppState

logger = logging.getLogger("bharat_connect.inbound")


async def _financing(uow: UnitOfWork, message: InboundMessage, now: datetime) -> None:
    """A financing request moved on the network (the message carries its whole state)."""
    try:
        held = financing_wire.state_from_json(dict(message.data))
    except WireError as exc:
        logger.warning("dropped a malformed financing message: %s", exc)
        return
    request = await uow.session.scalar(
        select(FinancingRequest)
        .where(FinancingRequest.network_id == held.request_id)
        .with_for_update()
    )
    if request is None:
        logger.warning("financing message for an unknown request %s", held.request_id)
        return
    await financing_applying.apply_state(
        uow, request, held, now, source=f"network message {message.message_id}"
    )


async def handle(state: AppState, message: InboundMessage) -> None:
    """Apply ``message`` unless it was applied before (its id is remembered)."""
    async with state.unit_of_work() as uow:
        if not await outbox_repo.record_receipt(uow.session, message.message_id, message.kind):
            return
        if message.kind == "B2B_ID_DECIDED":
            record = await onboarding_repo.b2b_id_by_request(
                uow.session, message.request_id, for_update=True
            )
            if record is None:
                logger.warning("decision for an unknown B2B ID request %s", message.request_id)
                return
            await b2b_ids.decide_b2b_id(
                uow, record, approved=message.approved, reason=message.reason, now=state.now()
            )
            return
        if message.kind == "KYC_DECIDED":
            profile = await kyc_repo_profile(uow.session, message.request_id)
            if profile is None:
                logger.warning("decision for an unknown KYC request %s", message.request_id)
                return
            await kyc.decide(
                uow, profile, approved=message.approved, reason=message.reason, now=state.now()
            )
            return
        if message.kind == "DOCUMENT_ANSWERED":
            document = await document_repo.by_network_id(uow.session, message.request_id)
            if document is None:
                logger.warning("answer for an unknown document %s", message.request_id)
                return
            version = message.data.get("version")
            await pushes.answer(
                uow, document, action=str(message.data.get("action", "")),
                remarks=message.reason, version=version if isinstance(version, int) else -1,
                now=state.now(),
            )  # fmt: skip
            return
        if message.kind == "DOCUMENT_RECEIVED":
            try:
                async with uow.savepoint():
                    await inbox.receive(uow, message.data, state.now())
            except inbox.UnbookableDocumentError as exc:
                # Identified but not bookable: the sender hears why instead of waiting.
                logger.warning("refused document %s: %s", message.request_id, exc.reason)
                await inbox.refuse(uow, exc.received, exc.reason, state.now())
            except (inbox.MalformedMessageError, ValueError) as exc:
                logger.warning("dropped a malformed document %s: %s", message.request_id, exc)
            return
        now = state.now()
        if message.kind == "PAYMENT_UPDATED":
            await payments.payment_updated(uow, message.data, message.reason, now)
        elif message.kind == "PAYMENT_RECEIVED":
            await payments.payment_received(uow, message.data, message.reason, now)
        elif message.kind == "PAYMENT_REPORTED":
            await payments.payment_reported(uow, message.data, now)
        elif message.kind == "PAYMENT_REPORT_ANSWERED":
            await payments.report_answered(uow, message.data, message.reason, now)
        elif message.kind == "PAYMENT_REQUESTED":
            await payment_requests.requested(uow, message.data, now)
        elif message.kind in {"FINANCING_BID", "FINANCING_UPDATED"}:
            await _financing(uow, message, now)
        else:
            logger.warning("ignored inbound message of unknown kind %s", message.kind)
