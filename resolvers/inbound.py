"""Applying messages the network sends us: once each, in their own transaction."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from db.repositories import document as document_repo
from db.repositories import onboarding as onboarding_repo
from db.repositories import outbox as outbox_repo
from db.repositories.onboarding import kyc_by_request as kyc_repo_profile
from resolvers.services import inbox, kyc, onboarding, pushes
from resolvers.services.network import InboundMessage
from resolvers.services.payments import applying as payments

if TYPE_CHECKING:
    from resolvers.context import AppState

logger = logging.getLogger("bharat_connect.inbound")


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
            await onboarding.decide_b2b_id(
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
                async with uow.session.begin_nested():
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
        else:
            logger.warning("ignored inbound message of unknown kind %s", message.kind)
