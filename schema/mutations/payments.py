"""Payments: mutation fields."""

from __future__ import annotations

from typing import Annotated

import strawberry

from db.models import PaymentMethod as StoredMethod
from resolvers import payments as resolvers
from resolvers.context import Context
from resolvers.services import payments as service
from resolvers.services.payments import outside
from schema.document import Document
from schema.errors import user_errors
from schema.payment import (
    PaymentAllocationInput,
    PaymentCreateInput,
    PaymentPayload,
    PaymentReceivedConfirmInput,
    PaymentReceivedDenyInput,
    PaymentReceivedRecordInput,
    PaymentRecordOfflineInput,
    PaymentRequestSendInput,
    PaymentRequestSendPayload,
)

Info = strawberry.Info[Context, None]


def _allocations(items: list[PaymentAllocationInput]) -> list[tuple[str, object]]:
    return [(str(a.document_id), a.amount) for a in items]


@strawberry.type
class PaymentsMutations:
    """Payments."""

    @strawberry.mutation(
        description="Pay bills of one vendor through Bharat Connect (needs Bharat Connect access "
        "and approved KYC). The payment starts INITIATED; its status then moves on its own "
        "(see `organisationEvents`)."
    )
    async def payment_create(
        self,
        info: Info,
        input: Annotated[PaymentCreateInput, strawberry.argument(description="The input.")],
    ) -> PaymentPayload:
        online = service.OnlineIn(
            method=StoredMethod[input.method.name], vpa=input.vpa, bank_code=input.bank_code,
            card_token=input.card_token,
        )  # fmt: skip
        outcome = await resolvers.create(
            info.context, organisation_id=input.organisation_id,
            allocations=_allocations(input.allocations), online=online,
            idempotency_key=input.idempotency_key,
        )  # fmt: skip
        return PaymentPayload.of(outcome)

    @strawberry.mutation(
        description="Record a payment made outside the network; the bills count it as paid at "
        "once. A vendor on the network is told and confirms or denies it."
    )
    async def payment_record_offline(
        self,
        info: Info,
        input: Annotated[PaymentRecordOfflineInput, strawberry.argument(description="The input.")],
    ) -> PaymentPayload:
        details = outside.OfflineIn(
            paid_on=input.paid_on, mode=input.mode.name, reference=input.reference
        )
        outcome = await resolvers.record_outside(
            info.context, received=False, organisation_id=input.organisation_id,
            allocations=_allocations(input.allocations), details=details,
            idempotency_key=input.idempotency_key,
        )  # fmt: skip
        return PaymentPayload.of(outcome)

    @strawberry.mutation(
        description="Record a payment a customer made outside the network that it never "
        "reported: it is applied to your invoices at once (RECORDED), and nothing goes over "
        "the network. Needs Bharat Connect access."
    )
    async def payment_received_record(
        self,
        info: Info,
        input: Annotated[PaymentReceivedRecordInput, strawberry.argument(description="The input.")],
    ) -> PaymentPayload:
        details = outside.OfflineIn(
            paid_on=input.paid_on, mode=input.mode.name, reference=input.reference
        )
        outcome = await resolvers.record_outside(
            info.context, received=True, organisation_id=input.organisation_id,
            allocations=_allocations(input.allocations), details=details,
            idempotency_key=input.idempotency_key,
        )  # fmt: skip
        return PaymentPayload.of(outcome)

    @strawberry.mutation(
        description="Ask the buyer of an invoice it accepted through Bharat Connect to pay it "
        "(again, after a denied payment, or once it is overdue): the request travels over the "
        "network, and the buyer sees it on the bill and as a PAYMENT_REQUESTED event. One "
        "request per invoice a day (RATE_LIMITED)."
    )
    async def payment_request_send(
        self,
        info: Info,
        input: Annotated[PaymentRequestSendInput, strawberry.argument(description="The input.")],
    ) -> PaymentRequestSendPayload:
        outcome = await resolvers.request_payment(
            info.context, invoice_id=input.invoice_id, amount=input.amount,
            message=input.message, idempotency_key=input.idempotency_key,
        )  # fmt: skip
        return PaymentRequestSendPayload(
            invoice=None if outcome.value is None else Document.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(
        description="Confirm a payment a buyer made outside the network: it is applied to the "
        "invoices, and the buyer is told."
    )
    async def payment_received_confirm(
        self,
        info: Info,
        input: Annotated[
            PaymentReceivedConfirmInput, strawberry.argument(description="The input.")
        ],
    ) -> PaymentPayload:
        return PaymentPayload.of(await resolvers.confirm(info.context, payment_id=input.payment_id))

    @strawberry.mutation(
        description="Say a payment a buyer reported was not received: the record is deleted "
        "(returned here as it was, DENIED), and the buyer is told and may pay again."
    )
    async def payment_received_deny(
        self,
        info: Info,
        input: Annotated[PaymentReceivedDenyInput, strawberry.argument(description="The input.")],
    ) -> PaymentPayload:
        outcome = await resolvers.deny(
            info.context, payment_id=input.payment_id, remarks=input.remarks
        )
        return PaymentPayload.of(outcome)
