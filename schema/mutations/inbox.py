"""The inbox: mutation fields."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers import documents as document_resolvers
from resolvers.context import Context
from schema.document_inputs import DocumentPayload
from schema.errors import user_errors
from schema.inbox import (
    InboxAcceptInput,
    InboxApproveInput,
    InboxRejectInput,
    InboxRejectPayload,
    RejectedDocument,
)

Info = strawberry.Info[Context, None]


@strawberry.type
class InboxMutations:
    """The inbox."""

    @strawberry.mutation(
        description="Accept a received document (a bill, order or note). The sender is told "
        "through the network; under the bill approval flow a bill waits for approval first."
    )
    async def inbox_accept(
        self,
        info: Info,
        input: Annotated[InboxAcceptInput, strawberry.argument(description="The input.")],
    ) -> DocumentPayload:
        outcome = await document_resolvers.accept(
            info.context, document_id=input.document_id, due_date=input.due_date,
            notes=input.notes,
        )  # fmt: skip
        return DocumentPayload.of(outcome)

    @strawberry.mutation(description="Approve an accepted bill (owners and admins).")
    async def inbox_approve(
        self,
        info: Info,
        input: Annotated[InboxApproveInput, strawberry.argument(description="The input.")],
    ) -> DocumentPayload:
        outcome = await document_resolvers.approve(info.context, document_id=input.document_id)
        return DocumentPayload.of(outcome)

    @strawberry.mutation(
        description="Reject or return a received document (also a bill waiting for approval)."
    )
    async def inbox_reject(
        self,
        info: Info,
        input: Annotated[InboxRejectInput, strawberry.argument(description="The input.")],
    ) -> InboxRejectPayload:
        outcome = await document_resolvers.reject(
            info.context, document_id=input.document_id, reason=input.reason,
            return_for_edits=input.return_for_edits,
        )  # fmt: skip
        return InboxRejectPayload(
            rejected=None if outcome.value is None else RejectedDocument.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )
