"""The root types: Query, Mutation and Subscription."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import Annotated, Any

import strawberry

from resolvers import account as account_resolvers
from resolvers import contacts as contact_resolvers
from resolvers import organisation as organisation_resolvers
from resolvers import payments as payment_resolvers
from resolvers.context import Context
from resolvers.errors import BadUserInputError
from resolvers.node import MAX_NODES
from resolvers.node import node as resolve_node
from resolvers.pagination import argument_id
from schema.account import (
    Account,
    Viewer,
)
from schema.contact import (
    BulkOperation,
    Contact,
)
from schema.document import Document, DocumentKind
from schema.event import OrganisationEvent, OrganisationEventKind
from schema.financing import FinancingBid, FinancingMutations, FinancingRequest
from schema.invitation import Invitation
from schema.mutations.access import AccessMutations
from schema.mutations.accounts import AccountsMutations
from schema.mutations.api_keys import ApiKeysMutations
from schema.mutations.contacts import ContactsMutations
from schema.mutations.documents import DocumentsMutations
from schema.mutations.inbox import InboxMutations
from schema.mutations.invitations import InvitationsMutations
from schema.mutations.kyc import KycMutations
from schema.mutations.onboarding import OnboardingMutations
from schema.mutations.organisations import OrganisationsMutations
from schema.mutations.payments import PaymentsMutations
from schema.mutations.webhooks import WebhooksMutations
from schema.onboarding import (
    B2BId,
)
from schema.organisation import (
    Membership,
    NetworkAccessRequest,
    Organisation,
)
from schema.payment import Bank, Payment
from schema.reconciliation import ReconciliationMutations, SettlementLine
from schema.relay import Node
from schema.stuck_work import StuckWorkMutations

Info = strawberry.Info[Context, None]


# How each type's row becomes its node (the type names are those of the global ids).
_NODES: dict[str, Callable[[Any], Node]] = {
    "B2BId": B2BId.from_model,
    "Contact": Contact.from_model,
    "Document": Document.from_model,
    "BulkOperation": BulkOperation.from_model,
    "NetworkAccessRequest": NetworkAccessRequest.from_model,
    "Organisation": Organisation.from_model,
    "Account": Account.from_model,
    "Membership": Membership.from_model,
    "Invitation": Invitation.from_model,
    "Payment": Payment.from_model,
    "SettlementLine": SettlementLine.from_model,
    "FinancingRequest": FinancingRequest.from_model,
    "FinancingBid": FinancingBid.from_model,
}


def _to_node(found: tuple[str, object] | None) -> Node | None:
    if found is None:
        return None
    type_name, row = found
    mapper = _NODES.get(type_name)
    return None if mapper is None else mapper(row)


@strawberry.type(description="Read the service. Every field needs an access token.")
class Query:
    """Queries."""

    @strawberry.field(
        description="Any object by its global id; null if it does not exist or is not yours."
    )
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")],
    ) -> Node | None:
        return _to_node(await resolve_node(info.context, id))

    @strawberry.field(
        description="Objects by global id, in the order asked (at most 100); null where not found."
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global ids.")],
    ) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            msg = f"Ask for at most {MAX_NODES} ids at once."
            raise BadUserInputError(msg)
        return [_to_node(await resolve_node(info.context, i)) for i in ids]

    @strawberry.field(description="The signed-in account and its organisations.")
    async def viewer(self, info: Info) -> Viewer:
        account = await account_resolvers.viewer_account(info.context)
        return Viewer(account=Account.from_model(account))

    @strawberry.field(description="One of your organisations by id; null if it is not yours.")
    async def organisation(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The organisation's id.")],
    ) -> Organisation | None:
        found = await organisation_resolvers.by_global_id(info.context, id)
        return None if found is None else Organisation.from_model(found)

    @strawberry.field(description="The banks the network offers for net banking (at most 100).")
    async def banks(self, info: Info) -> list[Bank]:
        return [
            Bank(code=b.code, name=b.name, ifsc_prefix=b.ifsc_prefix)
            for b in (await payment_resolvers.banks(info.context))[:100]
        ]


@strawberry.type(description="Change the service. Each field runs in its own transaction.")
class Mutation(
    AccountsMutations,
    OrganisationsMutations,
    InvitationsMutations,
    AccessMutations,
    OnboardingMutations,
    KycMutations,
    ContactsMutations,
    DocumentsMutations,
    InboxMutations,
    PaymentsMutations,
    ReconciliationMutations,
    FinancingMutations,
    ApiKeysMutations,
    WebhooksMutations,
    StuckWorkMutations,
):
    """Mutations (fields come from one mixin per domain in ``schema.mutations``)."""


@strawberry.type(description="Live updates over WebSocket (graphql-transport-ws protocol).")
class Subscription:
    """Subscriptions."""

    @strawberry.subscription(
        description="A bulk operation's progress: its state now, then after every step, until it finishes."
    )
    async def bulk_operation_progress(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The bulk operation.")],
    ) -> AsyncGenerator[BulkOperation, None]:
        async for operation in contact_resolvers.progress(info.context, id):
            yield BulkOperation.from_model(operation)

    @strawberry.subscription(
        description=(
            "Changes in one of your organisations as they happen. Pass the last `cursor` you saw "
            "as `after` to first receive everything you missed. Ends if you leave the "
            "organisation or your token is revoked."
        )
    )
    async def organisation_events(
        self,
        info: Info,
        organisation_id: Annotated[
            strawberry.ID, strawberry.argument(description="The organisation.")
        ],
        after: Annotated[
            str | None, strawberry.argument(description="Resume after this event cursor.")
        ] = None,
        kinds: Annotated[
            list[OrganisationEventKind] | None,
            strawberry.argument(description="Only these kinds (all when omitted)."),
        ] = None,
        document_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only events of this document."),
        ] = None,
        document_kinds: Annotated[
            list[DocumentKind] | None,
            strawberry.argument(description="Only events of documents of these kinds."),
        ] = None,
        payment_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only events of this payment."),
        ] = None,
        financing_request_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only events of this financing request."),
        ] = None,
    ) -> AsyncGenerator[OrganisationEvent, None]:
        wanted = None if kinds is None else {k.name for k in kinds}
        of_kinds = None if document_kinds is None else {k.name for k in document_kinds}
        # Only the events whose data names these objects.
        named = {
            "documentId": argument_id(document_id, "Document", "documentId"),
            "paymentId": argument_id(payment_id, "Payment", "paymentId"),
            "financingRequestId": argument_id(
                financing_request_id, "FinancingRequest", "financingRequestId"
            ),
        }
        match = {key: str(value) for key, value in named.items() if value is not None}
        async for event in organisation_resolvers.events(info.context, organisation_id, after):
            if wanted is not None and event.kind not in wanted:
                continue
            if of_kinds is not None and event.data.get("documentKind") not in of_kinds:
                continue
            if any(event.data.get(key) != value for key, value in match.items()):
                continue
            yield OrganisationEvent.from_model(event)
