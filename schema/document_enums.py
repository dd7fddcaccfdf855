"""The enums of documents: kinds, push, business and inbox statuses, directions, supply types."""

from __future__ import annotations

import enum

import strawberry


@strawberry.enum(description="Kinds of document.")
class DocumentKind(enum.Enum):
    """Document kinds; mirrors the stored ones."""

    INVOICE = strawberry.enum_value("INVOICE", description="A tax invoice to a customer.")
    SALES_ORDER = strawberry.enum_value("SALES_ORDER", description="A sales order to a customer.")
    PURCHASE_ORDER = strawberry.enum_value(
        "PURCHASE_ORDER", description="A purchase order to a vendor."
    )
    CREDIT_NOTE = strawberry.enum_value(
        "CREDIT_NOTE", description="A credit note to a customer (against an accepted invoice)."
    )
    DEBIT_NOTE = strawberry.enum_value(
        "DEBIT_NOTE", description="A debit note to a vendor (against an accepted bill)."
    )


@strawberry.enum(description="A document's journey through Bharat Connect.")
class PushStatus(enum.Enum):
    """Push statuses; mirrors the stored ones."""

    NOT_PUSHED = strawberry.enum_value("NOT_PUSHED", description="Not sent through the network.")
    PUSH_INITIATED = strawberry.enum_value("PUSH_INITIATED", description="Being sent.")
    AWAITING_RESPONSE = strawberry.enum_value(
        "AWAITING_RESPONSE", description="Delivered; the recipient has not answered."
    )
    ACCEPTED = strawberry.enum_value("ACCEPTED", description="The recipient accepted it.")
    REJECTED = strawberry.enum_value(
        "REJECTED", description="The recipient rejected or returned it."
    )
    PUSH_FAILED = strawberry.enum_value(
        "PUSH_FAILED", description="The network refused it; it may be pushed again."
    )


@strawberry.enum(
    description="A document's business status, separate from its push status. Your invoices "
    "and notes: DRAFT, SENT, PARTIALLY_PAID, PAID, OVERDUE, VOID; your orders: DRAFT, OPEN, "
    "CLOSED, VOID; received documents: RECEIVED, PENDING_APPROVAL, OPEN (bills then "
    "PARTIALLY_PAID, PAID, OVERDUE), VOID."
)
class DocumentStatus(enum.Enum):
    """Business statuses; mirrors the stored ones."""

    DRAFT = strawberry.enum_value(
        "DRAFT",
        description="Yours, not delivered: never pushed, refused by the network (see "
        "pushStatus PUSH_FAILED), or rejected or returned by the recipient (pushStatus REJECTED: "
        "edit it into a new version).",
    )
    SENT = strawberry.enum_value(
        "SENT", description="Your invoice or note, on its way to or accepted by the recipient."
    )
    OPEN = strawberry.enum_value(
        "OPEN",
        description="Your order on its way or accepted; or a received document you accepted.",
    )
    CLOSED = strawberry.enum_value("CLOSED", description="An order fulfilled.")
    PARTIALLY_PAID = strawberry.enum_value(
        "PARTIALLY_PAID", description="Part of the amount is paid."
    )
    PAID = strawberry.enum_value("PAID", description="Paid in full.")
    OVERDUE = strawberry.enum_value(
        "OVERDUE", description="Past its due date with an amount outstanding."
    )
    VOID = strawberry.enum_value("VOID", description="Voided: kept for the record, inactive.")
    RECEIVED = strawberry.enum_value(
        "RECEIVED", description="Received through Bharat Connect, not answered yet."
    )
    PENDING_APPROVAL = strawberry.enum_value(
        "PENDING_APPROVAL", description="Accepted, waiting for an owner's or admin's approval."
    )


@strawberry.enum(description="Whether a document is yours or came to you through Bharat Connect.")
class DocumentDirection(enum.Enum):
    """Directions; mirrors the stored ones."""

    OUTGOING = strawberry.enum_value("OUTGOING", description="Yours: created here.")
    INCOMING = strawberry.enum_value(
        "INCOMING",
        description="Received through Bharat Connect (a received invoice is a bill).",
    )


@strawberry.enum(description="Where a received document stands (the inbox).")
class InboxStatus(enum.Enum):
    """Inbox statuses; mirrors the stored ones, plus REJECTED for events."""

    RECEIVED = strawberry.enum_value("RECEIVED", description="Received; not answered yet.")
    ACCEPTANCE_IN_PROGRESS = strawberry.enum_value(
        "ACCEPTANCE_IN_PROGRESS",
        description="Accepted here; waiting for approval (status PENDING_APPROVAL) or for the "
        "network to take the answer.",
    )
    ACCEPTED = strawberry.enum_value(
        "ACCEPTED",
        description="Accepted, and the sender was told (a received invoice is now a bill).",
    )
    REJECTED = strawberry.enum_value(
        "REJECTED",
        description="Rejected or returned: the document was deleted (seen only in events).",
    )


@strawberry.enum(description="Which taxes apply.")
class SupplyType(enum.Enum):
    """Supply types."""

    INTRA_STATE = strawberry.enum_value(
        "INTRA_STATE", description="Within a state: CGST + SGST (or UTGST)."
    )
    INTER_STATE = strawberry.enum_value("INTER_STATE", description="Across states: IGST.")
    EXPORT = strawberry.enum_value(
        "EXPORT", description="Outside India (place of supply 96): IGST, or none under LUT."
    )
    SEZ = strawberry.enum_value(
        "SEZ", description="To a special economic zone unit: IGST, or none under LUT."
    )
    IMPORT = strawberry.enum_value("IMPORT", description="From outside India: IGST.")
