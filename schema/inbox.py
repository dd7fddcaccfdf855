"""The inbox: answering documents received through Bharat Connect."""

from __future__ import annotations

import datetime as dt

import strawberry

from db.models import InboxTombstone
from schema.document import DocumentKind
from schema.errors import UserError


@strawberry.input(
    description="Accept a received document; you may adjust its due date and notes first."
)
class InboxAcceptInput:
    """Accept input."""

    document_id: strawberry.ID = strawberry.field(description="The received document.")
    due_date: dt.date | None = strawberry.field(
        default=None, description="Your due date for it (not before its date)."
    )
    notes: str | None = strawberry.field(
        default=None, description="Your notes on it (≤ 1000 characters; empty clears them)."
    )


@strawberry.input(description="Approve a bill accepted under the bill approval flow.")
class InboxApproveInput:
    """Approve input."""

    document_id: strawberry.ID = strawberry.field(description="The bill, PENDING_APPROVAL.")


@strawberry.input(
    description="Reject a received document, or return it to the sender for edits. It is "
    "deleted for good and the sender is told why."
)
class InboxRejectInput:
    """Reject input."""

    document_id: strawberry.ID = strawberry.field(description="The received document.")
    reason: str = strawberry.field(description="Why (≤ 500 characters), told to the sender.")
    return_for_edits: bool = strawberry.field(
        default=False,
        description="Return it so the sender may edit it and send a new version, "
        "rather than reject it.",
    )


@strawberry.type(description="What is left of a rejected document.")
class RejectedDocument:
    """A rejection."""

    network_id: str = strawberry.field(description="The document's id on the network.")
    version: int = strawberry.field(description="The version rejected.")
    kind: DocumentKind = strawberry.field(description="What it was.")
    number: str = strawberry.field(description="The sender's number.")
    sender_b2b_id: str = strawberry.field(name="senderB2BId", description="Who sent it (B2B ID).")
    returned_for_edits: bool = strawberry.field(description="Whether it was returned for edits.")
    reason: str = strawberry.field(description="Why.")
    rejected_at: dt.datetime = strawberry.field(description="When (UTC).")

    @classmethod
    def from_model(cls, m: InboxTombstone) -> RejectedDocument:
        """Map a row."""
        return cls(
            network_id=m.network_id, version=m.version, kind=DocumentKind[m.kind.name],
            number=m.number, sender_b2b_id=m.sender_b2b_id,
            returned_for_edits=m.action == "RETURN", reason=m.reason, rejected_at=m.created_at,
        )  # fmt: skip


@strawberry.type(description="The result of `inboxReject`.")
class InboxRejectPayload:
    """Reject result."""

    rejected: RejectedDocument | None = strawberry.field(description="What was rejected.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")
