"""What the inbox's parts share: its constants, history entries and events."""

from __future__ import annotations

import datetime as dt
import uuid

from db.models import Document, DocumentHistory, DocumentKind, DocumentStatus
from db.repositories import event as event_repo
from db.repositories import outbox as outbox_repo
from db.unit_of_work import UnitOfWork

RECEIVED_EVENT = "INBOX_ITEM_RECEIVED"
ANSWER_KIND = "inbox.answer"
PENDING_APPROVAL = DocumentStatus.PENDING_APPROVAL
# Kinds whose sender is the seller (the receiver books them as purchases).
FROM_SELLER = {DocumentKind.INVOICE, DocumentKind.SALES_ORDER, DocumentKind.CREDIT_NOTE}
MONEY_KEYS = ("taxable", "cgst", "sgst", "utgst", "igst")


async def event(
    uow: UnitOfWork, document: Document, kind: str, actor: uuid.UUID | None, **extra: str
) -> None:
    await event_repo.append(
        uow, organisation_id=document.organisation_id, kind=kind, actor_account_id=actor,
        data={"documentId": str(document.id), "documentKind": document.kind.value, **extra},
    )  # fmt: skip


def history(
    uow: UnitOfWork, document: Document, action: str, now: dt.datetime,
    *, actor: uuid.UUID | None = None, detail: str | None = None,
) -> None:  # fmt: skip
    uow.session.add(
        DocumentHistory(
            document_id=document.id, action=action, detail=detail, actor_account_id=actor,
            by_network=actor is None, at=now,
        )
    )  # fmt: skip


async def queue_answer(
    uow: UnitOfWork, organisation_id: uuid.UUID, payload: dict[str, str], now: dt.datetime
) -> None:
    await outbox_repo.add(
        uow.session, organisation_id=organisation_id, kind=ANSWER_KIND, payload=payload, due=now
    )
