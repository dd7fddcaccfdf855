"""Documents: mutation fields."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers import documents as document_resolvers
from resolvers.context import Context
from resolvers.services.errors import ErrorCode as ServiceErrorCode
from resolvers.services.errors import UserError as ServiceUserError
from schema.document import Document, DocumentCreateInput, DocumentPayload, DocumentPushInput
from schema.errors import user_errors

Info = strawberry.Info[Context, None]


@strawberry.type
class DocumentsMutations:
    """Documents."""

    @strawberry.mutation(description="Create a document in draft, with GST computed per line.")
    async def document_create(
        self,
        info: Info,
        input: Annotated[DocumentCreateInput, strawberry.argument(description="The input.")],
    ) -> DocumentPayload:
        details = input.to_service()
        if details is None:
            await info.context.require_viewer()
            refused = [
                ServiceUserError(
                    ServiceErrorCode.NOT_FOUND, ("input", "contactId"), "No such contact."
                )
            ]
            return DocumentPayload(document=None, user_errors=user_errors(refused))
        outcome = await document_resolvers.create(
            info.context, organisation_id=input.organisation_id, details=details,
            idempotency_key=input.idempotency_key,
        )  # fmt: skip
        return DocumentPayload(
            document=None if outcome.value is None else Document.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )

    @strawberry.mutation(
        description="Send a document through Bharat Connect; its status then moves on its own (see `organisationEvents`)."
    )
    async def document_push(
        self,
        info: Info,
        input: Annotated[DocumentPushInput, strawberry.argument(description="The input.")],
    ) -> DocumentPayload:
        outcome = await document_resolvers.push(info.context, document_id=input.document_id)
        return DocumentPayload(
            document=None if outcome.value is None else Document.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )
