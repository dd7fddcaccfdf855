"""Organisations, memberships and organisation events."""

from __future__ import annotations

import enum
from datetime import date as datetime_date
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from db.models import Membership as MembershipModel
from db.models import MembershipRole as MembershipRoleModel
from db.models import NetworkAccessRequest as AccessRequestModel
from db.models import Organisation as OrganisationModel
from db.repositories.document import DocumentFilter
from db.repositories.payment import PaymentFilter

if TYPE_CHECKING:
    from schema.financing import FinancingRequest, FinancingStatus
    from schema.invitation import Invitation
    from schema.reconciliation import Reconciliation
from resolvers import access as access_resolvers
from resolvers import account as account_resolvers
from resolvers import api_keys as api_key_resolvers
from resolvers import contacts as contact_resolvers
from resolvers import documents as document_resolvers
from resolvers import financing as financing_resolvers
from resolvers import invitations as invitation_resolvers
from resolvers import onboarding as onboarding_resolvers
from resolvers import organisation as resolvers
from resolvers import payments as payment_resolvers
from resolvers import reconciliation as reconciliation_resolvers
from resolvers.context import Context
from resolvers.services import access as access_service
from resolvers.services.ids import encode_id
from schema.account import Account
from schema.api_keys import ApiKey
from schema.contact import Contact, ContactKind
from schema.document import (
    Document,
    DocumentDirection,
    DocumentKind,
    DocumentStatus,
    InboxStatus,
)
from schema.onboarding import Onboarding, OrganisationGstin, onboarding_of
from schema.organisation_webhooks import OrganisationWebhooks
from schema.payment import Payment, PaymentDirection, PaymentStatus
from schema.relay import After, Before, Connection, First, Last, Node, node_fields
from schema.stuck_work import OrganisationStuckWork


@strawberry.enum(description="What a member may do in an organisation.")
class MembershipRole(enum.Enum):
    """Roles; mirrors ``db.models.MembershipRole``."""

    OWNER = strawberry.enum_value(
        "OWNER", description="Everything, including managing owners and admins."
    )
    ADMIN = strawberry.enum_value(
        "ADMIN", description="Manages the organisation and its staff members."
    )
    STAFF = strawberry.enum_value("STAFF", description="Works in the organisation.")

    @classmethod
    def from_model(cls, role: MembershipRoleModel) -> MembershipRole:
        """Map a stored role."""
        return cls[role.name]

    def to_model(self) -> MembershipRoleModel:
        """The stored role."""
        return MembershipRoleModel[self.name]


@strawberry.type(description="A business using the service. Only its members can see it.")
class Organisation(Node, OrganisationStuckWork, OrganisationWebhooks):
    """An organisation."""

    name: str = strawberry.field(description="The organisation's name.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    bill_approval_required: bool = strawberry.field(
        description="Whether accepted bills need an owner's or admin's approval."
    )
    default_payment_terms_days: int = strawberry.field(
        description="Days from a document's date to its due date when neither the document nor "
        "its contact says (30 unless set)."
    )
    _model: strawberry.Private[OrganisationModel]

    @classmethod
    def from_model(cls, model: OrganisationModel) -> Organisation:
        """Map a row."""
        return cls(
            id=strawberry.ID(encode_id("Organisation", model.id)),
            name=model.name,
            created_at=model.created_at,
            bill_approval_required=model.bill_approval_required,
            default_payment_terms_days=model.default_payment_terms_days,
            _model=model,
        )

    @strawberry.field(description="The viewer's role in this organisation.")
    async def viewer_role(self, info: strawberry.Info[Context, None]) -> MembershipRole:
        role = await resolvers.viewer_role(info.context, self._model.id)
        if role is None:  # pragma: no cover - visible organisations have the viewer's membership
            msg = "viewer is not a member"
            raise LookupError(msg)
        return MembershipRole.from_model(role)

    @strawberry.field(description="Customers and vendors, oldest first, filtered.")
    async def contacts(
        self,
        info: strawberry.Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        kind: Annotated[
            ContactKind | None, strawberry.argument(description="Only customers or only vendors.")
        ] = None,
        linked: Annotated[
            bool | None,
            strawberry.argument(
                description="Only contacts with (true) or without (false) a B2B ID."
            ),
        ] = None,
        search: Annotated[
            str | None,
            strawberry.argument(description="Text in the name, legal name, GSTIN or e-mail."),
        ] = None,
        include_archived: Annotated[
            bool, strawberry.argument(description="Include archived contacts.")
        ] = False,
    ) -> Connection[Contact]:
        page = await contact_resolvers.page(
            info.context, self._model.id, first=first, after=after, last=last, before=before,
            kind=None if kind is None else kind.name, linked=linked, search=search,
            include_archived=include_archived,
        )  # fmt: skip
        return Connection.build(page, lambda c: c.id, Contact.from_model)  # type: ignore[attr-defined,arg-type]

    @strawberry.field(description="Invoices, orders and notes, oldest first, filtered.")
    async def documents(
        self,
        info: strawberry.Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        kind: Annotated[
            DocumentKind | None, strawberry.argument(description="Only this kind.")
        ] = None,
        status: Annotated[
            DocumentStatus | None, strawberry.argument(description="Only this business status.")
        ] = None,
        contact_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this contact's.")
        ] = None,
        date_from: Annotated[
            datetime_date | None, strawberry.argument(description="Dated on or after.")
        ] = None,
        date_to: Annotated[
            datetime_date | None, strawberry.argument(description="Dated on or before.")
        ] = None,
        direction: Annotated[
            DocumentDirection | None,
            strawberry.argument(description="Only ours (OUTGOING) or received ones (INCOMING)."),
        ] = None,
        inbox_status: Annotated[
            InboxStatus | None,
            strawberry.argument(description="Only received documents in this inbox status."),
        ] = None,
    ) -> Connection[Document]:
        where = DocumentFilter(
            kind=None if kind is None else kind.name, status=None if status is None else status.name, date_from=date_from,
            date_to=date_to, direction=None if direction is None else direction.name,
            inbox_status=None if inbox_status is None else inbox_status.name,
            today=info.context.app.now().date(),
        )  # fmt: skip
        page = await document_resolvers.page(
            info.context, self._model.id, first=first, after=after, last=last, before=before,
            where=where, contact_id=contact_id,
        )  # fmt: skip
        asked = node_fields(info)
        prefetched = await document_resolvers.prefetch(
            info.context, page.items, contacts="contact" in asked, lines="lines" in asked
        )
        return Connection.build(
            page,  # type: ignore[arg-type]
            lambda d: d.id,  # type: ignore[attr-defined]
            lambda d: Document.from_model(d, prefetched),  # type: ignore[arg-type]
        )

    @strawberry.field(description="Payments made and received, oldest first, filtered.")
    async def payments(
        self,
        info: strawberry.Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        direction: Annotated[
            PaymentDirection | None,
            strawberry.argument(description="Only paid by you, or only to you."),
        ] = None,
        status: Annotated[
            PaymentStatus | None, strawberry.argument(description="Only this status.")
        ] = None,
        contact_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this contact's.")
        ] = None,
        document_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only those settling this.")
        ] = None,
        date_from: Annotated[
            datetime_date | None, strawberry.argument(description="Paid on or after.")
        ] = None,
        date_to: Annotated[
            datetime_date | None, strawberry.argument(description="Paid on or before.")
        ] = None,
    ) -> Connection[Payment]:
        where = PaymentFilter(
            direction=None if direction is None else direction.name,
            status=None if status is None else status.name, date_from=date_from, date_to=date_to,
        )  # fmt: skip
        page = await payment_resolvers.page(
            info.context, self._model.id, first=first, after=after, last=last, before=before,
            where=where, contact_id=contact_id, document_id=document_id,
        )  # fmt: skip
        return Connection.build(page, lambda p: p.id, Payment.from_model)  # type: ignore[attr-defined,arg-type]

    @strawberry.field(
        description="The network's settlement reports over a range of days (at most 366) "
        "matched to payments."
    )
    def reconciliation(
        self,
        date_from: Annotated[datetime_date, strawberry.argument(description="The first day.")],
        date_to: Annotated[datetime_date, strawberry.argument(description="The last day.")],
    ) -> Annotated[Reconciliation, strawberry.lazy("schema.reconciliation")]:
        from schema.reconciliation import Reconciliation

        view = reconciliation_resolvers.window(self._model.id, date_from, date_to)
        return Reconciliation(date_from=date_from, date_to=date_to, _view=view)

    @strawberry.field(
        description="Financing requests, oldest first (empty for members who may not see "
        "financing: owners, admins and members with Bharat Connect access may)."
    )
    async def financing_requests(
        self,
        info: strawberry.Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        status: Annotated[
            Annotated[FinancingStatus, strawberry.lazy("schema.financing")] | None,
            strawberry.argument(description="Only this status (OVERDUE as shown: derived)."),
        ] = None,
    ) -> Connection[Annotated[FinancingRequest, strawberry.lazy("schema.financing")]]:
        from schema.financing import FinancingRequest

        page = await financing_resolvers.page(
            info.context, self._model.id, first=first, after=after, last=last, before=before,
            status=None if status is None else status.name,
        )  # fmt: skip
        return Connection.build(page, lambda r: r.id, FinancingRequest.from_model)  # type: ignore[attr-defined,arg-type]

    @strawberry.field(description="The GST registrations the organisation holds (at most 50).")
    async def gstins(self, info: strawberry.Info[Context, None]) -> list[OrganisationGstin]:
        return [
            OrganisationGstin.from_model(g)
            for g in (await onboarding_resolvers.gstins(info.context, self._model.id))[:50]
        ]

    @strawberry.field(description="The Bharat Connect setup: each step and what comes next.")
    async def onboarding(self, info: strawberry.Info[Context, None]) -> Onboarding:
        return await onboarding_of(info, self._model.id)

    @strawberry.field(
        description="Pending invitations, newest first (at most 100; owners and admins only: "
        "empty for staff)."
    )
    async def invitations(
        self, info: strawberry.Info[Context, None]
    ) -> list[Annotated[Invitation, strawberry.lazy("schema.invitation")]]:
        from schema.invitation import Invitation

        found = await invitation_resolvers.of_organisation(info.context, self._model.id)
        return [Invitation.from_model(i) for i in found]

    @strawberry.field(
        description="Requests for Bharat Connect access, newest first (staff see their own; at "
        "most 100)."
    )
    async def network_access_requests(
        self, info: strawberry.Info[Context, None]
    ) -> list[NetworkAccessRequest]:
        found = await access_resolvers.requests_of(info.context, self._model.id)
        return [NetworkAccessRequest.from_model(r) for r in found[:100]]

    @strawberry.field(description="Its API keys, newest first (owners see them; others none).")
    async def api_keys(self, info: strawberry.Info[Context, None]) -> list[ApiKey]:
        found = await api_key_resolvers.of_organisation(info.context, self._model.id)
        return [ApiKey.from_model(key) for key in found]

    @strawberry.field(description="The organisation's members, in the order they joined.")
    async def members(
        self,
        info: strawberry.Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Membership]:
        page = await resolvers.members(
            info.context, self._model.id, first=first, after=after, last=last, before=before
        )
        return Connection.build(page, lambda m: m.id, Membership.from_model)  # type: ignore[attr-defined,arg-type]


@strawberry.type(description="An account's role in an organisation.")
class Membership(Node):
    """A membership."""

    role: MembershipRole = strawberry.field(description="The member's role.")
    created_at: datetime = strawberry.field(description="When the member joined (UTC).")
    _model: strawberry.Private[MembershipModel]

    @classmethod
    def from_model(cls, model: MembershipModel) -> Membership:
        """Map a row."""
        return cls(
            id=strawberry.ID(encode_id("Membership", model.id)),
            role=MembershipRole.from_model(model.role),
            created_at=model.created_at,
            _model=model,
        )

    @strawberry.field(description="Whether the member may use Bharat Connect (owners always may).")
    def network_access(self) -> bool:
        return access_service.has_network_access(self._model)

    @strawberry.field(description="The member.")
    async def account(self, info: strawberry.Info[Context, None]) -> Account | None:
        found = await account_resolvers.account_by_id(info.context, self._model.account_id)
        return None if found is None else Account.from_model(found)

    @strawberry.field(description="The organisation.")
    async def organisation(self, info: strawberry.Info[Context, None]) -> Organisation | None:
        found = await resolvers.by_id(info.context, self._model.organisation_id)
        return None if found is None else Organisation.from_model(found)


@strawberry.enum(description="Where a request for Bharat Connect access stands.")
class AccessRequestStatus(enum.Enum):
    """Request statuses; mirrors the stored ones."""

    PENDING = strawberry.enum_value("PENDING", description="Waiting for an owner or admin.")
    APPROVED = strawberry.enum_value("APPROVED", description="Access was granted.")
    DECLINED = strawberry.enum_value("DECLINED", description="Access was declined.")


@strawberry.type(description="A member's request to use Bharat Connect in an organisation.")
class NetworkAccessRequest(Node):
    """An access request."""

    status: AccessRequestStatus = strawberry.field(description="Where it stands.")
    note: str | None = strawberry.field(description="What the member wrote.")
    created_at: datetime = strawberry.field(description="When it was made (UTC).")
    decided_at: datetime | None = strawberry.field(description="When it was decided (UTC).")
    _model: strawberry.Private[AccessRequestModel]

    @classmethod
    def from_model(cls, model: AccessRequestModel) -> NetworkAccessRequest:
        """Map a row."""
        return cls(
            id=strawberry.ID(encode_id("NetworkAccessRequest", model.id)),
            status=AccessRequestStatus[model.status.name],
            note=model.note,
            created_at=model.created_at,
            decided_at=model.decided_at,
            _model=model,
        )

    @strawberry.field(description="Who asked.")
    async def account(self, info: strawberry.Info[Context, None]) -> Account | None:
        found = await account_resolvers.account_by_id(info.context, self._model.account_id)
        return None if found is None else Account.from_model(found)

    @strawberry.field(description="Who decided.")
    async def decided_by(self, info: strawberry.Info[Context, None]) -> Account | None:
        if self._model.decided_by_account_id is None:
            return None
        found = await account_resolvers.account_by_id(
            info.context, self._model.decided_by_account_id
        )
        return None if found is None else Account.from_model(found)
