"""Payments: mutation fields."""

from __future__ import annotations

from typing import Annotated

import strawberry

from db.models import PaymentMethod as StoredMethod
from resolvers import payments as resolvers
from resolvers.context import Context
from resolvers.services import payments as service
from schema.payment import (
    PaymentAllocationInput,
    PaymentCreateInput,
    PaymentPayload,
    PaymentReceivedConfirmInput,
    PaymentReceivedDenyInput,
    PaymentRecordOfflineInput,
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
        details = service.OfflineIn(
            paid_on=input.paid_on, mode=input.mode.name, reference=input.reference
        )
        outcome = await resolvers.record_offline(
            info.context, organisation_id=input.organisation_id,
            allocations=_allocations(input.allocations), details=details,
            idempotency_key=input.idempotency_key,
        )  # fmt: skip
        return PaymentPayload.of(outcome)

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
