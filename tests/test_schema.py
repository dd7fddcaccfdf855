"""The committed SDL, descriptions everywhere, and enums that mirror the services."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
)

from contract import identifiers
from db.models import B2BIdStatus as StoredB2BIdStatus
from db.models import BidStatus as StoredBidStatus
from db.models import DocumentKind as StoredDocumentKind
from db.models import FinancingStatus as StoredFinancingStatus
from db.models import KycStatus as StoredKycStatus
from db.models import MembershipRole as StoredRole
from db.models import PaymentMethod as StoredPaymentMethod
from db.models import PaymentStatus as StoredPaymentStatus
from db.models import PushStatus as StoredPushStatus
from resolvers.services import (
    access,
    b2b_ids,
    contacts,
    financing,
    inbox,
    kyc,
    onboarding,
    organisations,
    payments,
    pushes,
    tax,
    webhooks,
)
from resolvers.services.errors import ErrorCode
from resolvers.services.payments import events as payment_events
from resolvers.services.payments import requests as payment_requests
from schema.document import DocumentKind, PushStatus, SupplyType
from schema.errors import UserErrorCode
from schema.event import OrganisationEventKind
from schema.financing import FinancingBidStatus, FinancingStatus
from schema.kyc import KycDocumentKind, KycStatus
from schema.onboarding import B2BIdStatus, BusinessType
from schema.organisation import MembershipRole
from schema.payment import OfflinePaymentMode, PaymentMethod, PaymentStatus
from schema.schema import SDL_PATH, build_schema, sdl


def test_committed_sdl_is_current() -> None:
    assert SDL_PATH.read_text(encoding="utf-8") == sdl(), (
        "schema/schema.graphql is stale: run `make schema` and commit the diff"
    )


def test_every_type_field_argument_and_enum_value_is_described() -> None:
    schema = build_schema()._schema
    missing: list[str] = []
    for name, gql_type in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        if not gql_type.description:
            missing.append(name)
        if isinstance(gql_type, (GraphQLObjectType, GraphQLInterfaceType)):
            for field_name, field in gql_type.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                missing.extend(
                    f"{name}.{field_name}({arg})"
                    for arg, a in field.args.items()
                    if not a.description
                )
        elif isinstance(gql_type, GraphQLInputObjectType):
            missing.extend(f"{name}.{f}" for f, v in gql_type.fields.items() if not v.description)
        elif isinstance(gql_type, GraphQLEnumType):
            missing.extend(
                f"{name}.{v}" for v, value in gql_type.values.items() if not value.description
            )
        elif isinstance(gql_type, GraphQLScalarType):
            pass
    assert missing == []


def test_schema_enums_mirror_the_service_enums() -> None:
    assert [c.name for c in UserErrorCode] == [c.name for c in ErrorCode]
    assert [r.name for r in MembershipRole] == [r.name for r in StoredRole]
    assert [s.name for s in B2BIdStatus] == [s.name for s in StoredB2BIdStatus]
    assert [t.name for t in BusinessType] == [t.name for t in identifiers.BusinessType]
    assert tuple(k.name for k in KycDocumentKind) == kyc.DOCUMENT_KINDS
    assert [k.name for k in DocumentKind] == [k.name for k in StoredDocumentKind]
    assert [p.name for p in PushStatus] == [p.name for p in StoredPushStatus]
    assert [t.name for t in SupplyType] == [t.name for t in tax.SupplyType]
    assert [s.name for s in KycStatus] == [s.name for s in StoredKycStatus]
    kinds = {
        pushes.STATUS_CHANGED,
        inbox.RECEIVED_EVENT,
        contacts.BULK_PROGRESS,
        contacts.BULK_COMPLETED,
        kyc.KYC_SUBMITTED,
        kyc.KYC_APPROVED,
        kyc.KYC_REJECTED,
        access.ACCESS_GRANTED,
        access.ACCESS_REVOKED,
        access.ACCESS_REQUESTED,
        access.ACCESS_DECLINED,
        onboarding.GSTIN_ADDED,
        onboarding.ONBOARDING_STARTED,
        onboarding.GSTIN_VERIFIED,
        onboarding.MOBILE_VERIFIED,
        b2b_ids.B2B_ID_SUBMITTED,
        b2b_ids.B2B_ID_APPROVED,
        b2b_ids.B2B_ID_REJECTED,
        organisations.MEMBER_ADDED,
        organisations.MEMBER_REMOVED,
        organisations.MEMBER_ROLE_CHANGED,
        organisations.ORGANISATION_CREATED,
        organisations.ORGANISATION_RENAMED,
        payment_events.STATUS_CHANGED,
        payment_events.RECEIVED,
        payment_requests.REQUESTED,
        financing.STATUS_CHANGED,
        financing.BID_RECEIVED,
        webhooks.TEST_KIND,
        webhooks.DISABLED_KIND,
    }
    assert {k.name for k in OrganisationEventKind} == kinds
    assert [s.name for s in PaymentStatus] == [s.name for s in StoredPaymentStatus]
    assert [m.name for m in PaymentMethod] == [m.name for m in StoredPaymentMethod]
    assert tuple(m.name for m in OfflinePaymentMode) == payments.OFFLINE_MODES
    assert [s.name for s in FinancingStatus if s.name != "OVERDUE"] == [
        s.name for s in StoredFinancingStatus
    ]
    assert [s.name for s in FinancingBidStatus] == [s.name for s in StoredBidStatus]


def test_introspection_can_be_switched_off() -> None:
    from server.settings import Settings

    schema = build_schema(Settings(introspection=False))
    result = schema.execute_sync("{ __schema { queryType { name } } }")
    assert result.errors
    assert result.data is None
