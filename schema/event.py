"""Organisation events: what happened, streamed by ``organisationEvents``."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from db.models import OrganisationEvent as OrganisationEventModel
from resolvers import account as account_resolvers
from resolvers import contacts as contact_resolvers
from resolvers import documents as document_resolvers
from resolvers import financing as financing_resolvers
from resolvers import organisation as resolvers
from resolvers import payments as payment_resolvers
from resolvers.context import Context
from resolvers.services.ids import encode_event_cursor
from schema.account import Account
from schema.contact import BulkOperation
from schema.document import Document, DocumentKind, DocumentStatus, InboxStatus, PushStatus
from schema.money import Money
from schema.organisation import MembershipRole, Organisation
from schema.payment import Payment, PaymentStatus

if TYPE_CHECKING:
    from schema.financing import FinancingRequest, FinancingStatus


@strawberry.enum(description="What happened in an organisation.")
class OrganisationEventKind(enum.Enum):
    """Event kinds."""

    ORGANISATION_CREATED = strawberry.enum_value(
        "ORGANISATION_CREATED", description="The organisation was created."
    )
    ORGANISATION_RENAMED = strawberry.enum_value(
        "ORGANISATION_RENAMED", description="The organisation was renamed."
    )
    MEMBER_ADDED = strawberry.enum_value("MEMBER_ADDED", description="A member was added.")
    MEMBER_REMOVED = strawberry.enum_value(
        "MEMBER_REMOVED", description="A member was removed or left."
    )
    MEMBER_ROLE_CHANGED = strawberry.enum_value(
        "MEMBER_ROLE_CHANGED", description="A member's role changed."
    )
    GSTIN_ADDED = strawberry.enum_value("GSTIN_ADDED", description="A GSTIN was added.")
    ONBOARDING_STARTED = strawberry.enum_value(
        "ONBOARDING_STARTED", description="The Bharat Connect setup was started."
    )
    GSTIN_VERIFIED = strawberry.enum_value("GSTIN_VERIFIED", description="A GSTIN was verified.")
    MOBILE_VERIFIED = strawberry.enum_value(
        "MOBILE_VERIFIED", description="The mobile number was verified."
    )
    B2B_ID_SUBMITTED = strawberry.enum_value(
        "B2B_ID_SUBMITTED", description="A B2B ID was created and submitted to the network."
    )
    B2B_ID_APPROVED = strawberry.enum_value(
        "B2B_ID_APPROVED", description="The network approved the B2B ID."
    )
    B2B_ID_REJECTED = strawberry.enum_value(
        "B2B_ID_REJECTED", description="The network rejected the B2B ID (see `reason`)."
    )
    DOCUMENT_STATUS_CHANGED = strawberry.enum_value(
        "DOCUMENT_STATUS_CHANGED",
        description="A document's push status (yours) or inbox status (received) changed "
        "(see `document`, `pushStatus`, `inboxStatus`).",
    )
    INBOX_ITEM_RECEIVED = strawberry.enum_value(
        "INBOX_ITEM_RECEIVED",
        description="A document arrived in the inbox through Bharat Connect (see `document`).",
    )
    BULK_OPERATION_PROGRESS = strawberry.enum_value(
        "BULK_OPERATION_PROGRESS",
        description="A bulk operation made progress (see `bulkOperation`).",
    )
    BULK_OPERATION_COMPLETED = strawberry.enum_value(
        "BULK_OPERATION_COMPLETED", description="A bulk operation finished."
    )
    KYC_SUBMITTED = strawberry.enum_value("KYC_SUBMITTED", description="KYC was submitted.")
    KYC_APPROVED = strawberry.enum_value("KYC_APPROVED", description="The network approved KYC.")
    KYC_REJECTED = strawberry.enum_value(
        "KYC_REJECTED", description="The network rejected KYC (see `reason`)."
    )
    NETWORK_ACCESS_GRANTED = strawberry.enum_value(
        "NETWORK_ACCESS_GRANTED", description="A member was given Bharat Connect access."
    )
    NETWORK_ACCESS_REVOKED = strawberry.enum_value(
        "NETWORK_ACCESS_REVOKED", description="A member's Bharat Connect access was revoked."
    )
    NETWORK_ACCESS_REQUESTED = strawberry.enum_value(
        "NETWORK_ACCESS_REQUESTED", description="A member asked for Bharat Connect access."
    )
    NETWORK_ACCESS_DECLINED = strawberry.enum_value(
        "NETWORK_ACCESS_DECLINED", description="A request for Bharat Connect access was declined."
    )
    PAYMENT_STATUS_CHANGED = strawberry.enum_value(
        "PAYMENT_STATUS_CHANGED",
        description="A payment was made or moved (see `payment`, `paymentStatus`, `reason`).",
    )
    FINANCING_STATUS_CHANGED = strawberry.enum_value(
        "FINANCING_STATUS_CHANGED",
        description="A financing request moved, or one of its bids expired or was withdrawn "
        "(see `financingRequest`, `financingStatus`).",
    )
    FINANCING_BID_RECEIVED = strawberry.enum_value(
        "FINANCING_BID_RECEIVED",
        description="A financier bid on a financing request (see `financingRequest`).",
    )
    PAYMENT_RECEIVED = strawberry.enum_value(
        "PAYMENT_RECEIVED",
        description="Money came in through the network, or a buyer reported paying outside it "
        "(see `payment`).",
    )
    WEBHOOK_TEST = strawberry.enum_value(
        "WEBHOOK_TEST",
        description="A member tested a webhook endpoint (delivered to that endpoint only).",
    )
    WEBHOOK_ENDPOINT_DISABLED = strawberry.enum_value(
        "WEBHOOK_ENDPOINT_DISABLED",
        description="A webhook endpoint failed for 24 hours and was disabled (see `reason`).",
    )
    PAYMENT_REQUESTED = strawberry.enum_value(
        "PAYMENT_REQUESTED",
        description="A vendor asked you to pay one of your bills (see `document`, `amount`, "
        "and `reason` for its note).",
    )


def _text(data: dict[str, object], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


@strawberry.type(description="One change in an organisation, streamed by `organisationEvents`.")
class OrganisationEvent:
    """An organisation event."""

    cursor: str = strawberry.field(
        description="Pass as `after` when resubscribing to receive what followed this event."
    )
    kind: OrganisationEventKind = strawberry.field(description="What happened.")
    occurred_at: datetime = strawberry.field(description="When it happened (UTC).")
    role: MembershipRole | None = strawberry.field(
        description="For member events: the member's role (after the change)."
    )
    previous_role: MembershipRole | None = strawberry.field(
        description="For role changes: the role before."
    )
    name: str | None = strawberry.field(description="For creation and renaming: the new name.")
    gstin: str | None = strawberry.field(description="For GSTIN events: the GSTIN.")
    b2b_id: str | None = strawberry.field(description="For B2B ID events: the B2B ID.")
    reason: str | None = strawberry.field(description="For rejections: the network's reason.")
    _model: strawberry.Private[OrganisationEventModel]

    @classmethod
    def from_model(cls, model: OrganisationEventModel) -> OrganisationEvent:
        """Map a row."""
        data = model.data
        role = data.get("role")
        previous = data.get("previousRole")
        return cls(
            cursor=encode_event_cursor(model.seq),
            kind=OrganisationEventKind[model.kind],
            occurred_at=model.occurred_at,
            role=MembershipRole[role] if isinstance(role, str) else None,
            previous_role=MembershipRole[previous] if isinstance(previous, str) else None,
            name=_text(data, "name"),
            gstin=_text(data, "gstin"),
            b2b_id=_text(data, "b2bId"),
            reason=_text(data, "reason"),
            _model=model,
        )

    @strawberry.field(description="The organisation.")
    async def organisation(self, info: strawberry.Info[Context, None]) -> Organisation | None:
        found = await resolvers.by_id(info.context, self._model.organisation_id)
        return None if found is None else Organisation.from_model(found)

    @strawberry.field(description="For document events: the document, as it is now.")
    async def document(self, info: strawberry.Info[Context, None]) -> Document | None:
        raw = self._model.data.get("documentId")
        if not isinstance(raw, str):
            return None
        found = await document_resolvers.document_by_id(info.context, uuid.UUID(raw))
        return None if found is None else Document.from_model(found)

    @strawberry.field(description="For document events: the push status it moved to.")
    def push_status(self) -> PushStatus | None:
        raw = self._model.data.get("pushStatus")
        return PushStatus[raw] if isinstance(raw, str) else None

    @strawberry.field(
        description="For document events: the business status it moved to, when payments "
        "moved it (PARTIALLY_PAID, PAID, or back)."
    )
    def document_status(self) -> DocumentStatus | None:
        raw = self._model.data.get("status")
        return DocumentStatus[raw] if isinstance(raw, str) else None

    @strawberry.field(description="For received documents: the inbox status it moved to.")
    def inbox_status(self) -> InboxStatus | None:
        raw = self._model.data.get("inboxStatus")
        return InboxStatus[raw] if isinstance(raw, str) else None

    @strawberry.field(description="For document events: the document's kind.")
    def document_kind(self) -> DocumentKind | None:
        raw = self._model.data.get("documentKind")
        return DocumentKind[raw] if isinstance(raw, str) else None

    @strawberry.field(
        description="For payment events: the payment, as it is now (null once deleted)."
    )
    async def payment(self, info: strawberry.Info[Context, None]) -> Payment | None:
        raw = self._model.data.get("paymentId")
        if not isinstance(raw, str):
            return None
        found = await payment_resolvers.payment_by_id(info.context, uuid.UUID(raw))
        return None if found is None else Payment.from_model(found)

    @strawberry.field(
        description="For financing events: the request, as it is now (null for members who "
        "may not see financing)."
    )
    async def financing_request(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[FinancingRequest, strawberry.lazy("schema.financing")] | None:
        from schema.financing import FinancingRequest

        raw = self._model.data.get("financingRequestId")
        if not isinstance(raw, str):
            return None
        found = await financing_resolvers.request_by_id(info.context, uuid.UUID(raw))
        return None if found is None else FinancingRequest.from_model(found)

    @strawberry.field(description="For financing events: the status it moved to.")
    def financing_status(
        self,
    ) -> Annotated[FinancingStatus, strawberry.lazy("schema.financing")] | None:
        from schema.financing import FinancingStatus

        raw = self._model.data.get("financingStatus")
        return FinancingStatus[raw] if isinstance(raw, str) else None

    @strawberry.field(description="For PAYMENT_REQUESTED: the amount asked for.")
    def amount(self) -> Money | None:
        raw = self._model.data.get("amountPaise")
        if self._model.kind != "PAYMENT_REQUESTED" or not isinstance(raw, int):
            return None
        return Money.from_paise(raw)

    @strawberry.field(description="For payment events: the status it moved to.")
    def payment_status(self) -> PaymentStatus | None:
        raw = self._model.data.get("paymentStatus")
        return PaymentStatus[raw] if isinstance(raw, str) else None

    @strawberry.field(description="For bulk operation events: the operation, as it is now.")
    async def bulk_operation(self, info: strawberry.Info[Context, None]) -> BulkOperation | None:
        raw = self._model.data.get("operationId")
        if not isinstance(raw, str):
            return None
        found = await contact_resolvers.operation_by_id(info.context, uuid.UUID(raw))
        return None if found is None else BulkOperation.from_model(found)

    @strawberry.field(
        description="Who made the change (null for the network or a removed account)."
    )
    async def actor(self, info: strawberry.Info[Context, None]) -> Account | None:
        if self._model.actor_account_id is None:
            return None
        found = await account_resolvers.account_by_id(info.context, self._model.actor_account_id)
        return None if found is None else Account.from_model(found)

    @strawberry.field(
        description="For member events: the member (null once they no longer share an organisation "
        "with you)."
    )
    async def account(self, info: strawberry.Info[Context, None]) -> Account | None:
        if self._model.subject_account_id is None:
            return None
        found = await account_resolvers.account_by_id(info.context, self._model.subject_account_id)
        return None if found is None else Account.from_model(found)
