"""Invoice financing: types, inputs and mutation fields."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from typing import Annotated

import strawberry

from db.models import FinancingBidRecord as BidModel
from db.models import FinancingRequest as RequestModel
from resolvers import account as account_resolvers
from resolvers import documents as document_resolvers
from resolvers import financing as resolvers
from resolvers.context import Context
from resolvers.mutation import Outcome
from resolvers.services import financing as service
from resolvers.services.ids import encode_id
from schema.account import Account
from schema.document import Document
from schema.errors import UserError, user_errors
from schema.money import Money
from schema.relay import Node

Info = strawberry.Info[Context, None]


@strawberry.enum(
    description="Where a financing request stands: REQUESTED → BIDDING → BID_ACCEPTED → "
    "DISBURSED → SETTLED, or NO_BIDS, CANCELLED, DISBURSAL_FAILED; OVERDUE: disbursed and past "
    "the repayment date with money still owed."
)
class FinancingStatus(enum.Enum):
    """Statuses."""

    REQUESTED = strawberry.enum_value("REQUESTED", description="Queued for the network.")
    BIDDING = strawberry.enum_value("BIDDING", description="With the financiers; bids arrive.")
    BID_ACCEPTED = strawberry.enum_value(
        "BID_ACCEPTED", description="You accepted a bid; the financier is to disburse."
    )
    DISBURSED = strawberry.enum_value(
        "DISBURSED",
        description="Funds paid to your verified account; the buyer's payments go "
        "to the financier until it is repaid.",
    )
    SETTLED = strawberry.enum_value("SETTLED", description="The financier is repaid in full.")
    NO_BIDS = strawberry.enum_value(
        "NO_BIDS", description="The bidding window closed without a live bid."
    )
    CANCELLED = strawberry.enum_value("CANCELLED", description="Withdrawn before a bid was taken.")
    DISBURSAL_FAILED = strawberry.enum_value(
        "DISBURSAL_FAILED", description="The financier could not disburse (see `reason`)."
    )
    OVERDUE = strawberry.enum_value(
        "OVERDUE", description="Disbursed, and the repayment date passed with money still owed."
    )


@strawberry.enum(description="Where a bid stands.")
class FinancingBidStatus(enum.Enum):
    """Bid statuses."""

    LIVE = strawberry.enum_value("LIVE", description="Open: it may be accepted until it expires.")
    EXPIRED = strawberry.enum_value("EXPIRED", description="Its time ran out.")
    WITHDRAWN = strawberry.enum_value("WITHDRAWN", description="The financier withdrew it.")
    ACCEPTED = strawberry.enum_value("ACCEPTED", description="You accepted it.")
    DECLINED = strawberry.enum_value("DECLINED", description="Another bid was taken, or none.")


@strawberry.type(description="A financier's offer on a financing request.")
class FinancingBid(Node):
    """A bid."""

    financier_name: str = strawberry.field(description="The financier.")
    amount: Money = strawberry.field(description="What it offers to disburse (the principal).")
    annual_rate: decimal.Decimal = strawberry.field(
        description='The annual interest rate in percent ("12.50").'
    )
    fee: Money = strawberry.field(description="Its flat fee.")
    tenor_days: int = strawberry.field(description="Days until repayment is due.")
    interest: Money = strawberry.field(
        description="principal * annual rate * tenor days / 365, rounded half up to the paisa."
    )
    repayment: Money = strawberry.field(
        description="What the financier is repaid: principal + interest + fee."
    )
    expires_at: dt.datetime = strawberry.field(description="Until when it may be accepted (UTC).")
    status: FinancingBidStatus = strawberry.field(description="Where it stands.")
    received_at: dt.datetime = strawberry.field(description="When it arrived (UTC).")

    @classmethod
    def from_model(cls, m: BidModel) -> FinancingBid:
        """Map a row."""
        return cls(
            id=strawberry.ID(encode_id("FinancingBid", m.id)), financier_name=m.financier_name,
            amount=Money.from_paise(m.amount_paise),
            annual_rate=(decimal.Decimal(m.rate_bp) / 100).quantize(decimal.Decimal("0.01")),
            fee=Money.from_paise(m.fee_paise), tenor_days=m.tenor_days,
            interest=Money.from_paise(service.interest(m.amount_paise, m.rate_bp, m.tenor_days)),
            repayment=Money.from_paise(service.repayment(m)), expires_at=m.expires_at,
            status=FinancingBidStatus[m.status.value], received_at=m.received_at,
        )  # fmt: skip


@strawberry.type(description="An invoice in a financing request.")
class FinancedInvoice:
    """A financed invoice."""

    amount_due: Money = strawberry.field(description="What was due on it when asked.")
    _document_id: strawberry.Private[object]

    @strawberry.field(description="The invoice.")
    async def invoice(self, info: Info) -> Document | None:
        found = await document_resolvers.document_by_id(info.context, self._document_id)  # type: ignore[arg-type]
        return None if found is None else Document.from_model(found)


@strawberry.type(description="Something that happened to a financing request.")
class FinancingHistoryEntry:
    """A history entry."""

    action: str = strawberry.field(description="What happened (REQUESTED, BID_RECEIVED, ...).")
    detail: str | None = strawberry.field(description="More about it.")
    by_network: bool = strawberry.field(description="Whether a network message did it.")
    at: dt.datetime = strawberry.field(description="When (UTC).")
    _actor: strawberry.Private[object]

    @strawberry.field(description="Who did it (null for the network).")
    async def actor(self, info: Info) -> Account | None:
        if self._actor is None:
            return None
        found = await account_resolvers.account_by_id(info.context, self._actor)  # type: ignore[arg-type]
        return None if found is None else Account.from_model(found)


@strawberry.type(description="A request for funds against accepted invoices.")
class FinancingRequest(Node):
    """A financing request."""

    amount: Money = strawberry.field(description="The amount asked.")
    tenor_days: int | None = strawberry.field(description="The tenor asked, if any.")
    network_id: str = strawberry.field(description="Its id on the network.")
    disbursed: Money = strawberry.field(description="What the financier disbursed.")
    disbursal_utr: str | None = strawberry.field(description="The disbursal's UTR.")
    disbursed_on: dt.date | None = strawberry.field(description="When it was disbursed.")
    repayment_due_on: dt.date | None = strawberry.field(description="When repayment is due.")
    owed: Money = strawberry.field(
        description="What the financier is to be repaid (principal + interest + fee)."
    )
    repaid: Money = strawberry.field(
        description="What the buyer's payments have routed to the financier so far."
    )
    reason: str | None = strawberry.field(description="Why it ended without funds, if it did.")
    created_at: dt.datetime = strawberry.field(description="When it was made (UTC).")
    updated_at: dt.datetime = strawberry.field(description="When it last changed (UTC).")
    _model: strawberry.Private[RequestModel]

    @classmethod
    def from_model(cls, m: RequestModel) -> FinancingRequest:
        """Map a row."""
        return cls(
            id=strawberry.ID(encode_id("FinancingRequest", m.id)),
            amount=Money.from_paise(m.amount_paise), tenor_days=m.tenor_days,
            network_id=m.network_id, disbursed=Money.from_paise(m.disbursed_paise),
            disbursal_utr=m.disbursal_utr, disbursed_on=m.disbursed_on,
            repayment_due_on=m.repayment_due_on, owed=Money.from_paise(m.owed_paise),
            repaid=Money.from_paise(m.repaid_paise), reason=m.reason, created_at=m.created_at,
            updated_at=m.updated_at, _model=m,
        )  # fmt: skip

    @strawberry.field(description="Where it stands (OVERDUE is derived from the clock).")
    def status(self, info: Info) -> FinancingStatus:
        return FinancingStatus[service.shown_status(self._model, info.context.app.now().date())]

    @strawberry.field(description="The invoices it is against.")
    async def invoices(self, info: Info) -> list[FinancedInvoice]:
        return [
            FinancedInvoice(
                amount_due=Money.from_paise(i.amount_due_paise), _document_id=i.document_id
            )
            for i in await resolvers.invoices(info.context, self._model.id)
        ]

    @strawberry.field(description="The financiers' bids, oldest first.")
    async def bids(self, info: Info) -> list[FinancingBid]:
        return [
            FinancingBid.from_model(b) for b in await resolvers.bids(info.context, self._model.id)
        ]

    @strawberry.field(description="The bid you accepted.")
    async def accepted_bid(self, info: Info) -> FinancingBid | None:
        accepted = self._model.accepted_bid_id
        if accepted is None:
            return None
        found = [b for b in await resolvers.bids(info.context, self._model.id) if b.id == accepted]
        return FinancingBid.from_model(found[0]) if found else None

    @strawberry.field(description="What happened to it, oldest first (at most 200 entries).")
    async def history(self, info: Info) -> list[FinancingHistoryEntry]:
        return [
            FinancingHistoryEntry(
                action=h.action,
                detail=h.detail,
                by_network=h.by_network,
                at=h.at,
                _actor=h.actor_account_id,
            )
            for h in await resolvers.history(info.context, self._model.id)
        ]


@strawberry.input(description="Ask for funds against invoices your buyers accepted.")
class FinancingRequestCreateInput:
    """Input."""

    organisation_id: strawberry.ID = strawberry.field(description="The vendor organisation.")
    invoice_ids: list[strawberry.ID] = strawberry.field(
        description="The invoices (accepted on the network, money still due; 1 to 50)."
    )
    amount: decimal.Decimal = strawberry.field(
        description="The amount asked, at most what is due on the invoices."
    )
    tenor_days: int | None = strawberry.field(
        default=None, description="Days until repayment (1 to 365); financiers choose if omitted."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="Repeat with the same key to get the same request back."
    )


@strawberry.input(description="Accept a live bid.")
class FinancingBidAcceptInput:
    """Input."""

    bid_id: strawberry.ID = strawberry.field(description="The bid.")


@strawberry.input(description="Decline every bid and withdraw a request.")
class FinancingRequestCancelInput:
    """Input."""

    request_id: strawberry.ID = strawberry.field(description="The request.")
    reason: str | None = strawberry.field(default=None, description="Why (at most 500).")


@strawberry.type(description="The result of a financing mutation.")
class FinancingRequestPayload:
    """Payload."""

    request: FinancingRequest | None = strawberry.field(description="The request, as it is now.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")

    @classmethod
    def of(cls, outcome: Outcome[RequestModel]) -> FinancingRequestPayload:
        """From a mutation's outcome."""
        return cls(
            request=None if outcome.value is None else FinancingRequest.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )


@strawberry.type
class FinancingMutations:
    """Financing."""

    @strawberry.mutation(
        description="Ask financiers for funds against invoices your buyers accepted (owners, "
        "admins, or members with Bharat Connect access; KYC approved). Bids arrive as "
        "FINANCING_BID_RECEIVED events."
    )
    async def financing_request_create(
        self,
        info: Info,
        input: Annotated[
            FinancingRequestCreateInput, strawberry.argument(description="The input.")
        ],
    ) -> FinancingRequestPayload:
        outcome = await resolvers.create(
            info.context, organisation_id=input.organisation_id,
            invoice_ids=[str(i) for i in input.invoice_ids], amount=input.amount,
            tenor_days=input.tenor_days, idempotency_key=input.idempotency_key,
        )  # fmt: skip
        return FinancingRequestPayload.of(outcome)

    @strawberry.mutation(
        description="Accept a live bid: the others are declined and the financier disburses "
        "to your verified bank account."
    )
    async def financing_bid_accept(
        self,
        info: Info,
        input: Annotated[FinancingBidAcceptInput, strawberry.argument(description="The input.")],
    ) -> FinancingRequestPayload:
        return FinancingRequestPayload.of(await resolvers.accept(info.context, bid_id=input.bid_id))

    @strawberry.mutation(description="Decline every bid and withdraw the request.")
    async def financing_request_cancel(
        self,
        info: Info,
        input: Annotated[
            FinancingRequestCancelInput, strawberry.argument(description="The input.")
        ],
    ) -> FinancingRequestPayload:
        outcome = await resolvers.cancel(
            info.context, request_id=input.request_id, reason=input.reason
        )
        return FinancingRequestPayload.of(outcome)
