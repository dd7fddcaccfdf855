"""Reconciliation: the network's settlement reports matched to payments."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated

import strawberry

from db.models import ReconciliationDay as DayModel
from db.models import SettlementEntry as LineModel
from resolvers import account as account_resolvers
from resolvers import payments as payment_resolvers
from resolvers import reconciliation as resolvers
from resolvers.context import Context
from resolvers.mutation import Outcome
from resolvers.services.ids import encode_id
from schema.account import Account
from schema.errors import UserError, user_errors
from schema.money import Money
from schema.payment import Payment
from schema.relay import After, Before, Connection, First, Last, Node

Info = strawberry.Info[Context, None]


@strawberry.enum(description="How a settlement line stands against your payments.")
class MatchStatus(enum.Enum):
    """Match statuses."""

    MATCHED = strawberry.enum_value("MATCHED", description="Matched to a payment, same amount.")
    PARTIAL = strawberry.enum_value(
        "PARTIAL", description="Matched to a payment of another amount (see `difference`)."
    )
    UNMATCHED = strawberry.enum_value("UNMATCHED", description="No payment of yours matches it.")
    MANUAL = strawberry.enum_value("MANUAL", description="Matched by hand (see `matchReason`).")


@strawberry.enum(description="Money in or out of your account on the network.")
class SettlementDirection(enum.Enum):
    """Directions."""

    CREDIT = strawberry.enum_value("CREDIT", description="Money in.")
    DEBIT = strawberry.enum_value("DEBIT", description="Money out.")


@strawberry.type(description="One credit or debit on the network's settlement report.")
class SettlementLine(Node):
    """A settlement line."""

    day: dt.date = strawberry.field(description="The settlement day.")
    direction: SettlementDirection = strawberry.field(description="In or out.")
    amount: Money = strawberry.field(description="The amount settled.")
    utr: str = strawberry.field(description="The bank's unique transaction reference.")
    virtual_account: str = strawberry.field(description="The virtual account it went through.")
    payment_network_id: str = strawberry.field(description="The network's payment id.")
    document_network_ids: list[str] = strawberry.field(
        description="The network ids of the documents it settles."
    )
    match_status: MatchStatus = strawberry.field(description="How it is matched.")
    difference: Money = strawberry.field(
        description="The line's amount less the payment's (zero when MATCHED or UNMATCHED)."
    )
    match_reason: str | None = strawberry.field(
        description="Why it was matched or unmatched by hand."
    )
    matched_at: dt.datetime | None = strawberry.field(description="When it was matched (UTC).")
    _model: strawberry.Private[LineModel]

    @classmethod
    def from_model(cls, m: LineModel) -> SettlementLine:
        """Map a row."""
        return cls(
            id=strawberry.ID(encode_id("SettlementLine", m.id)), day=m.day,
            direction=SettlementDirection[m.direction], amount=Money.from_paise(m.amount_paise),
            utr=m.utr, virtual_account=m.virtual_account,
            payment_network_id=m.payment_network_id,
            document_network_ids=[str(x) for x in m.document_network_ids],
            match_status=MatchStatus[m.match_status.value],
            difference=Money.from_paise(m.difference_paise), match_reason=m.match_reason,
            matched_at=m.matched_at, _model=m,
        )  # fmt: skip

    @strawberry.field(description="The payment it is matched to.")
    async def payment(self, info: Info) -> Payment | None:
        if self._model.payment_id is None:
            return None
        found = await payment_resolvers.payment_by_id(info.context, self._model.payment_id)
        return None if found is None else Payment.from_model(found)

    @strawberry.field(description="Who matched or unmatched it by hand.")
    async def matched_by(self, info: Info) -> Account | None:
        if self._model.matched_by_account_id is None:
            return None
        found = await account_resolvers.account_by_id(
            info.context, self._model.matched_by_account_id
        )
        return None if found is None else Account.from_model(found)


@strawberry.type(description="A settlement day whose report is fetched or queued.")
class ReconciliationDay:
    """A day."""

    day: dt.date = strawberry.field(description="The day.")
    fetched_at: dt.datetime | None = strawberry.field(
        description="When its report was last fetched (null: queued)."
    )
    lines: int = strawberry.field(description="How many lines its report had.")

    @classmethod
    def from_model(cls, m: DayModel) -> ReconciliationDay:
        """Map a row."""
        return cls(day=m.day, fetched_at=m.fetched_at, lines=m.lines)


@strawberry.type(description="Counts and sums over a range of settlement days.")
class ReconciliationSummary:
    """A summary."""

    matched: int = strawberry.field(description="Lines matched exactly (automatically).")
    partial: int = strawberry.field(description="Lines matched with a difference in amount.")
    manual: int = strawberry.field(description="Lines matched by hand.")
    unmatched_lines: int = strawberry.field(description="Lines no payment matches.")
    unmatched_payments: int = strawberry.field(
        description="Settled payments the fetched reports lack."
    )
    credits: Money = strawberry.field(description="Money in, per the reports.")
    debits: Money = strawberry.field(description="Money out, per the reports.")
    difference: Money = strawberry.field(description="The sum of the differences of matches.")


@strawberry.type(description="Settlement reports against your payments over a range of days.")
class Reconciliation:
    """A reconciliation view."""

    date_from: dt.date = strawberry.field(description="The first day.")
    date_to: dt.date = strawberry.field(description="The last day.")
    _view: strawberry.Private[resolvers.Window]

    @strawberry.field(description="Counts and sums.")
    async def summary(self, info: Info) -> ReconciliationSummary:
        rows = await resolvers.summary(info.context, self._view)
        unmatched = await resolvers.unmatched_payment_count(info.context, self._view)
        count = {s: sum(n for status, _, n, _, _ in rows if status == s) for s in
                 ("MATCHED", "PARTIAL", "MANUAL", "UNMATCHED")}  # fmt: skip
        return ReconciliationSummary(
            matched=count["MATCHED"], partial=count["PARTIAL"], manual=count["MANUAL"],
            unmatched_lines=count["UNMATCHED"], unmatched_payments=unmatched,
            credits=Money.from_paise(sum(p for _, d, _, p, _ in rows if d == "CREDIT")),
            debits=Money.from_paise(sum(p for _, d, _, p, _ in rows if d == "DEBIT")),
            difference=Money.from_paise(sum(x for *_, x in rows)),
        )  # fmt: skip

    @strawberry.field(description="The settlement lines, oldest first.")
    async def lines(
        self, info: Info, first: First = None, after: After = None, last: Last = None,
        before: Before = None,
    ) -> Connection[SettlementLine]:  # fmt: skip
        page = await resolvers.lines(
            info.context, self._view, first=first, after=after, last=last, before=before
        )
        return Connection.build(page, lambda x: x.id, SettlementLine.from_model)  # type: ignore[attr-defined,arg-type]

    @strawberry.field(
        description="Settled payments the fetched reports lack (UNMATCHED on the payment "
        "side; at most 100, oldest first)."
    )
    async def unmatched_payments(self, info: Info) -> list[Payment]:
        return [
            Payment.from_model(p)
            for p in await resolvers.unmatched_payments(info.context, self._view)
        ]

    @strawberry.field(description="The days of the range whose reports are fetched or queued.")
    async def days(self, info: Info) -> list[ReconciliationDay]:
        return [
            ReconciliationDay.from_model(d) for d in await resolvers.days(info.context, self._view)
        ]


@strawberry.input(description="Fetch a day's settlement report now.")
class ReconciliationFetchInput:
    """Input."""

    organisation_id: strawberry.ID = strawberry.field(description="The organisation.")
    day: dt.date = strawberry.field(description="The settlement day (up to today).")


@strawberry.input(description="Match an unmatched settlement line to a payment by hand.")
class ReconciliationMatchInput:
    """Input."""

    line_id: strawberry.ID = strawberry.field(description="The settlement line.")
    payment_id: strawberry.ID = strawberry.field(description="The payment.")
    reason: str = strawberry.field(description="Why (at most 500 characters).")


@strawberry.input(description="Undo a settlement line's match.")
class ReconciliationUnmatchInput:
    """Input."""

    line_id: strawberry.ID = strawberry.field(description="The settlement line.")
    reason: str = strawberry.field(description="Why (at most 500 characters).")


@strawberry.type(description="The result of fetching a settlement report.")
class ReconciliationFetchPayload:
    """Payload."""

    day: ReconciliationDay | None = strawberry.field(
        description="The day, queued for fetching (see `days`)."
    )
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.type(description="The result of matching or unmatching a settlement line.")
class SettlementLinePayload:
    """Payload."""

    line: SettlementLine | None = strawberry.field(description="The line, as it is now.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")

    @classmethod
    def of(cls, outcome: Outcome[LineModel]) -> SettlementLinePayload:
        """From a mutation's outcome."""
        return cls(
            line=None if outcome.value is None else SettlementLine.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )


@strawberry.type
class ReconciliationMutations:
    """Reconciliation."""

    @strawberry.mutation(
        description="Fetch a day's settlement report now and match it (reports are also "
        "fetched after every day with a settlement). Fetching twice changes nothing."
    )
    async def reconciliation_fetch(
        self,
        info: Info,
        input: Annotated[ReconciliationFetchInput, strawberry.argument(description="The input.")],
    ) -> ReconciliationFetchPayload:
        outcome = await resolvers.fetch(
            info.context, organisation_id=input.organisation_id, day=input.day
        )
        return ReconciliationFetchPayload(
            day=None if outcome.value is None else ReconciliationDay.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(description="Match an unmatched settlement line to a payment by hand.")
    async def reconciliation_match(
        self,
        info: Info,
        input: Annotated[ReconciliationMatchInput, strawberry.argument(description="The input.")],
    ) -> SettlementLinePayload:
        outcome = await resolvers.match(
            info.context, line_id=input.line_id, payment_id=input.payment_id, reason=input.reason
        )
        return SettlementLinePayload.of(outcome)

    @strawberry.mutation(description="Undo a settlement line's match; it is unmatched again.")
    async def reconciliation_unmatch(
        self,
        info: Info,
        input: Annotated[ReconciliationUnmatchInput, strawberry.argument(description="The input.")],
    ) -> SettlementLinePayload:
        outcome = await resolvers.unmatch(info.context, line_id=input.line_id, reason=input.reason)
        return SettlementLinePayload.of(outcome)
