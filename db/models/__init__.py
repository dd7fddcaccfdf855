"""All models, imported here so the metadata is complete for alembic and tests."""

from db.models.account import AccessToken, Account, AccountKind
from db.models.api_key import ApiKey
from db.models.contact import (
    BulkItemStatus,
    BulkOperation,
    BulkOperationItem,
    BulkStatus,
    Contact,
    GstTreatment,
)
from db.models.document import (
    Direction,
    Document,
    DocumentHistory,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    InboxStatus,
    InboxTombstone,
    NumberSeries,
    PushStatus,
)
from db.models.event import OrganisationEvent
from db.models.financing import (
    BidStatus,
    FinancingBidRecord,
    FinancingHistory,
    FinancingInvoice,
    FinancingRequest,
    FinancingStatus,
)
from db.models.idempotency import IdempotencyRecord
from db.models.invitation import Invitation, InvitationStatus
from db.models.kyc import KycDocument, KycOwner, KycProfile, KycStatus
from db.models.onboarding import (
    B2BId,
    B2BIdStatus,
    Onboarding,
    OrganisationGstin,
    OtpChallenge,
    OtpPurpose,
)
from db.models.organisation import (
    AccessRequestStatus,
    Membership,
    MembershipRole,
    NetworkAccessRequest,
    Organisation,
)
from db.models.outbox import InboundReceipt, OutboxAction, OutboxMessage, OutboxStatus
from db.models.payment import (
    MatchStatus,
    Payment,
    PaymentAllocation,
    PaymentDirection,
    PaymentMethod,
    PaymentStatus,
    ReconciliationDay,
    SettlementEntry,
)
from db.models.persisted_query import PersistedQuery
from db.models.throttle import ThrottleCounter
from db.models.webhook import WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint

__all__ = [
    "AccessRequestStatus",
    "AccessToken",
    "Account",
    "AccountKind",
    "ApiKey",
    "B2BId",
    "B2BIdStatus",
    "BidStatus",
    "BulkItemStatus",
    "BulkOperation",
    "BulkOperationItem",
    "BulkStatus",
    "Contact",
    "Direction",
    "Document",
    "DocumentHistory",
    "DocumentKind",
    "DocumentLine",
    "DocumentStatus",
    "FinancingBidRecord",
    "FinancingHistory",
    "FinancingInvoice",
    "FinancingRequest",
    "FinancingStatus",
    "GstTreatment",
    "IdempotencyRecord",
    "InboundReceipt",
    "InboxStatus",
    "InboxTombstone",
    "Invitation",
    "InvitationStatus",
    "KycDocument",
    "KycOwner",
    "KycProfile",
    "KycStatus",
    "MatchStatus",
    "Membership",
    "MembershipRole",
    "NetworkAccessRequest",
    "NumberSeries",
    "Onboarding",
    "Organisation",
    "OrganisationEvent",
    "OrganisationGstin",
    "OtpChallenge",
    "OtpPurpose",
    "OutboxAction",
    "OutboxMessage",
    "OutboxStatus",
    "Payment",
    "PaymentAllocation",
    "PaymentDirection",
    "PaymentMethod",
    "PaymentStatus",
    "PersistedQuery",
    "PushStatus",
    "ReconciliationDay",
    "SettlementEntry",
    "ThrottleCounter",
    "WebhookDelivery",
    "WebhookDeliveryStatus",
    "WebhookEndpoint",
]
