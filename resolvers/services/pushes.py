"""Pushing documents through Bharat Connect (DOMAIN.md section 5, sender side).

``NOT_PUSHED → PUSH_INITIATED → AWAITING_RESPONSE → ACCEPTED | REJECTED``, and
``PUSH_INITIATED → PUSH_FAILED`` on a refusal (it may be pushed again). A push needs Bharat
Connect access, the organisation's approved B2B ID and a contact with a linked B2B ID. The
network id is made at the first push and kept, so retries and re-pushes never mint a new one;
a document in flight or delivered is never sent again. A return shows as REJECTED with the
reason ``RETURNED: <remarks>``.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from contract.documents import DocumentMessage
from db.base import new_id
from db.models import (
    B2BId,
    B2BIdStatus,
    BulkItemStatus,
    BulkOperation,
    BulkOperationItem,
    BulkStatus,
    Contact,
    Direction,
    Document,
    DocumentHistory,
    DocumentKind,
    DocumentStatus,
    Organisation,
    PushStatus,
)
from db.repositories import contact as contact_repo
from db.repositories import document as repo
from db.repositories import event as event_repo
from db.repositories import onboarding as onboarding_repo
from db.repositories import outbox as outbox_repo
from db.rows import ContactRow
from db.unit_of_work import UnitOfWork
from resolvers.services import contacts, documents
from resolvers.services.accounts import Viewer
from resolvers.services.errors import ErrorCode, UserInputError

NETWORK_PREFIX = {
    DocumentKind.INVOICE: "INV",
    DocumentKind.SALES_ORDER: "SO",
    DocumentKind.PURCHASE_ORDER: "PO",
    DocumentKind.CREDIT_NOTE: "CN",
    DocumentKind.DEBIT_NOTE: "DN",
}
PUSH_KIND = "document.push"
POLL_KIND = "document.poll"
STATUS_CHANGED = "DOCUMENT_STATUS_CHANGED"
IN_FLIGHT_OR_DELIVERED = {
    PushStatus.PUSH_INITIATED,
    PushStatus.AWAITING_RESPONSE,
    PushStatus.ACCEPTED,
}


def network_id(kind: DocumentKind) -> str:
    """A new network id: the kind's prefix and 32 random letters and digits."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return NETWORK_PREFIX[kind] + "".join(secrets.choice(alphabet) for _ in range(32))


DELIVERING = {PushStatus.PUSH_INITIATED, PushStatus.AWAITING_RESPONSE, PushStatus.ACCEPTED}
ORDERS = {DocumentKind.SALES_ORDER, DocumentKind.PURCHASE_ORDER}
PAID_STATUSES = {DocumentStatus.PAID, DocumentStatus.PARTIALLY_PAID}


def business_status(document: Document) -> str:
    """Our document's business status from its push status: SENT (invoices, notes) or OPEN
    (orders) while on its way or accepted; DRAFT when not delivered (never pushed, refused by
    the network, or rejected or returned by the receiver); a void or closed one stays so."""
    if document.status in {DocumentStatus.VOID, DocumentStatus.CLOSED}:
        return document.status
    if document.paid_paise > 0 and document.status in PAID_STATUSES:
        return document.status
    if document.push_status not in DELIVERING:
        return DocumentStatus.DRAFT
    return DocumentStatus.OPEN if document.kind in ORDERS else DocumentStatus.SENT


async def set_status(
    uow: UnitOfWork,
    document: Document,
    status: PushStatus,
    *,
    now: datetime,
    reason: str | None = None,
    actor: uuid.UUID | None = None,
) -> None:
    """Move the push status (and the business status with it), with a history entry and an
    event."""
    document.push_status = status
    document.push_reason = reason
    document.status = business_status(document)
    document.updated_at = now
    uow.session.add(
        DocumentHistory(
            document_id=document.id, action=status.value, detail=reason, actor_account_id=actor,
            by_network=actor is None, at=now,
        )
    )  # fmt: skip
    await event_repo.append(
        uow, organisation_id=document.organisation_id, kind=STATUS_CHANGED, actor_account_id=actor,
        data={"documentId": str(document.id), "documentKind": document.kind.value,
              "pushStatus": status.value, **({"reason": reason} if reason else {})},
    )  # fmt: skip


async def push(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    document_id: uuid.UUID,
    now: datetime,
    field: tuple[str, ...] = ("input", "documentId"),
) -> Document:
    """Queue a document for the network (sent after commit)."""
    document = await repo.visible(uow.session, viewer.account_id, document_id, for_update=True)
    if document is None:
        raise UserInputError.one(ErrorCode.NOT_FOUND, field, "No such document.")
    ours = await contacts.require_network_ready(uow, viewer, document.organisation_id, field)
    contact = await contact_repo.visible(uow.session, viewer.account_id, document.contact_id)
    refusal = _refusal(document, contact, ours)
    if refusal is not None:
        raise UserInputError.one(refusal[0], field, refusal[1])
    await _queue(uow, document, now=now, actor=viewer.account_id)
    return document


def _refusal(
    document: Document, contact: ContactRow | None, ours: Sequence[B2BId]
) -> tuple[ErrorCode, str] | None:
    """Why ``document`` cannot be pushed (``ours``: the organisation's B2B IDs), or None."""
    if document.direction != Direction.OUTGOING:
        return ErrorCode.INVALID, "Received documents are answered, not pushed."
    if document.status == DocumentStatus.VOID:
        return ErrorCode.ALREADY_DONE, "This document is void."
    if document.push_status in IN_FLIGHT_OR_DELIVERED:
        return ErrorCode.ALREADY_DONE, "This document is on its way or delivered already."
    if document.push_status == PushStatus.REJECTED:
        return (
            ErrorCode.ALREADY_DONE,
            "The recipient rejected this version; a new version is needed.",
        )
    if contact is None or contact.b2b_id is None:
        return ErrorCode.CONTACT_NOT_LINKED, "The contact has no B2B ID: link one first."
    if document.our_gstin and approved_among(ours, document.our_gstin) is None:
        return (
            ErrorCode.STEP_OUT_OF_ORDER,
            f"No approved B2B ID for GSTIN {document.our_gstin}, which this document is issued "
            "under: create one first.",
        )
    return None


async def _queue(
    uow: UnitOfWork,
    document: Document,
    *,
    now: datetime,
    actor: uuid.UUID,
    bulk_item_id: uuid.UUID | None = None,
) -> None:
    document.network_id = document.network_id or network_id(document.kind)
    await set_status(uow, document, PushStatus.PUSH_INITIATED, now=now, actor=actor)
    await outbox_repo.add(
        uow.session, organisation_id=document.organisation_id, kind=PUSH_KIND,
        payload={"documentId": str(document.id),
                 **({"bulkItemId": str(bulk_item_id)} if bulk_item_id else {})},
        due=now, flush=False,
    )  # fmt: skip


BULK_KIND = "DOCUMENT_PUSH"
MAX_BULK = 200


async def push_many(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    organisation_id: uuid.UUID,
    document_ids: list[uuid.UUID],
    now: datetime,
) -> BulkOperation:
    """Push several documents as one background operation with a result per document: each is
    checked on its own; those refused fail at once with the reason, the others are queued and
    finish as the network takes them (or refuses them). Set-based: the documents (locked, in id
    order), their contacts and the organisation's B2B IDs are read once for all of them."""
    field = ("input", "documentIds")
    ours = await contacts.require_network_ready(
        uow, viewer, organisation_id, ("input", "organisationId")
    )
    if not document_ids:
        raise UserInputError.one(ErrorCode.REQUIRED, field, "Choose at least one document.")
    if len(document_ids) > MAX_BULK:
        raise UserInputError.one(ErrorCode.TOO_MANY, field, f"At most {MAX_BULK} at a time.")
    if len(set(document_ids)) != len(document_ids):
        raise UserInputError.one(ErrorCode.INVALID, field, "A document is listed twice.")
    operation = BulkOperation(
        id=new_id(), organisation_id=organisation_id, kind=BULK_KIND, status=BulkStatus.RUNNING,
        total=len(document_ids), created_by_account_id=viewer.account_id, created_at=now,
    )  # fmt: skip
    uow.session.add(operation)
    found = await repo.visible_by_ids(
        uow.session, viewer.account_id, document_ids, organisation_id=organisation_id,
        for_update=True,
    )  # fmt: skip
    documents = {d.id: d for d in found}
    linked = await contact_repo.visible_by_ids(
        uow.session, viewer.account_id, list({d.contact_id for d in found})
    )
    contacts_by_id = {c.id: c for c in linked}
    for document_id in document_ids:
        item = BulkOperationItem(
            id=new_id(), operation_id=operation.id, subject_id=document_id,
            status=BulkItemStatus.PENDING, updated_at=now,
        )  # fmt: skip
        uow.session.add(item)
        document = documents.get(document_id)
        refusal = (
            (ErrorCode.NOT_FOUND, "No such document.")
            if document is None
            else _refusal(document, contacts_by_id.get(document.contact_id), ours)
        )
        if refusal is None:
            if document is not None:  # found, as there is no refusal
                await _queue(uow, document, now=now, actor=viewer.account_id, bulk_item_id=item.id)
            continue
        item.status = BulkItemStatus.FAILED
        item.result = {"code": refusal[0].value, "error": refusal[1]}
        operation.failed += 1
    await _maybe_finish(uow, operation, now)
    return operation


async def _maybe_finish(uow: UnitOfWork, operation: BulkOperation, now: datetime) -> None:
    finished = operation.done + operation.failed >= operation.total
    if finished:
        operation.status = BulkStatus.COMPLETED
        operation.finished_at = now
    kind = contacts.BULK_COMPLETED if finished else contacts.BULK_PROGRESS
    await contacts.progress_event(uow, operation, kind)


async def settle_bulk_item(
    uow: UnitOfWork, item_id: uuid.UUID, document: Document | None, now: datetime
) -> None:
    """A bulk push item is done once its document left PUSH_INITIATED."""
    if document is not None and document.push_status == PushStatus.PUSH_INITIATED:
        return
    item = await uow.session.get(BulkOperationItem, item_id, with_for_update=True)
    if item is None or item.status != BulkItemStatus.PENDING:
        return
    operation = await uow.session.get(BulkOperation, item.operation_id, with_for_update=True)
    if operation is None:
        return
    item.updated_at = now
    if document is None or document.push_status == PushStatus.PUSH_FAILED:
        item.status = BulkItemStatus.FAILED
        reason = "The document is gone." if document is None else document.push_reason
        item.result = {"code": "PUSH_FAILED", "error": reason}
        operation.failed += 1
    else:
        item.status = BulkItemStatus.DONE
        item.result = {"pushStatus": document.push_status.value}
        operation.done += 1
    await _maybe_finish(uow, operation, now)


async def own_b2b_id(
    uow: UnitOfWork, organisation_id: uuid.UUID, gstin: str | None = None
) -> str | None:
    """The organisation's approved B2B ID (for ``gstin``: one registered for that GSTIN)."""
    return approved_among(
        await onboarding_repo.active_b2b_ids(uow.session, [organisation_id]), gstin
    )


def approved_among(ids: Sequence[B2BId], gstin: str | None = None) -> str | None:
    """The first approved B2B ID of ``ids`` (for ``gstin``: one registered for that GSTIN)."""
    return next(
        (
            b.value
            for b in ids
            if b.status == B2BIdStatus.APPROVED and (gstin is None or b.gstin == gstin)
        ),
        None,
    )


async def _content(uow: UnitOfWork, document: Document, contact: Contact) -> dict[str, Any]:
    """The whole document as the network carries it (money in paise)."""
    organisation = await uow.session.get(Organisation, document.organisation_id)
    lines = await repo.lines_of(uow.session, document.id)
    ours = document.our_gstin or await documents.organisation_gstin(uow, document.organisation_id)
    return {
        "senderName": organisation.name if organisation else "", "senderGstin": ours,
        "receiverGstin": contact.gstin, "sellerGstin": document.seller_gstin,
        "dueDate": document.due_date.isoformat() if document.due_date else None,
        "placeOfSupply": document.place_of_supply, "supplyType": document.supply_type,
        "roundToRupee": document.round_to_rupee, "underLut": document.under_lut,
        "notes": document.notes,
        "totals": {
            "taxable": document.taxable_paise, "cgst": document.cgst_paise,
            "sgst": document.sgst_paise, "utgst": document.utgst_paise,
            "igst": document.igst_paise, "rounding": document.rounding_paise,
            "total": document.total_paise,
        },
        "lines": [
            {
                "description": x.description, "hsnSac": x.hsn_sac,
                "quantityMilli": x.quantity_milli, "unitPrice": x.unit_price_paise,
                "discount": x.discount_paise,
                "taxRateBp": x.tax_rate_bp, "taxable": x.taxable_paise, "cgst": x.cgst_paise,
                "sgst": x.sgst_paise, "utgst": x.utgst_paise, "igst": x.igst_paise,
            }
            for x in lines
        ],
    }  # fmt: skip


async def message_for(uow: UnitOfWork, document: Document) -> DocumentMessage | None:
    """The network message for a document (``None`` if sender or receiver has no B2B ID)."""
    sender = await own_b2b_id(uow, document.organisation_id, document.our_gstin or None)
    contact = await uow.session.get(Contact, document.contact_id)
    if sender is None or contact is None or contact.b2b_id is None or document.network_id is None:
        return None
    reference = None
    if document.reference_id is not None:
        referenced = await uow.session.get(Document, document.reference_id)
        reference = None if referenced is None else referenced.network_id
    return DocumentMessage(
        network_id=document.network_id, kind=document.kind.value, version=document.version,
        sender_b2b_id=sender, receiver_b2b_id=contact.b2b_id, number=document.number,
        document_date=document.document_date.isoformat(), total_paise=document.total_paise,
        content=await _content(uow, document, contact), reference_network_id=reference,
    )  # fmt: skip


async def answer(
    uow: UnitOfWork,
    document: Document,
    *,
    action: str,
    remarks: str | None,
    version: int,
    now: datetime,
) -> bool:
    """Apply the receiver's answer once (stale versions and repeats are ignored). An answer
    that overtakes the network's word that it delivered the document records the delivery
    first: every transition is recorded and emitted, in order."""
    if version != document.version or document.push_status not in {
        PushStatus.PUSH_INITIATED,
        PushStatus.AWAITING_RESPONSE,
    }:
        return False
    if document.push_status == PushStatus.PUSH_INITIATED:
        await set_status(uow, document, PushStatus.AWAITING_RESPONSE, now=now)
    if action == "ACCEPT":
        from resolvers.services.payments import ledger

        await set_status(uow, document, PushStatus.ACCEPTED, now=now, reason=remarks)
        await ledger.note_counted(uow, document, now)
    elif action == "RETURN":
        await set_status(
            uow, document, PushStatus.REJECTED, now=now, reason=f"RETURNED: {remarks or ''}".strip()
        )
    else:
        await set_status(uow, document, PushStatus.REJECTED, now=now, reason=remarks or "Rejected.")
    return True
