"""Documents: mutation fields."""

from __future__ import annotations

from typing import Annotated

import strawberry

from db.models import DocumentKind as StoredKind
from resolvers import documents as document_resolvers
from resolvers.context import Context
from resolvers.services.errors import ErrorCode as ServiceErrorCode
from resolvers.services.errors import UserError as ServiceUserError
from schema.contact import BulkOperation
from schema.contact_inputs import BulkOperationPayload
from schema.document_inputs import (
    DocumentCreateInput,
    DocumentPayload,
    DocumentPushBulkInput,
    DocumentPushInput,
    DocumentUpdateInput,
    DocumentVoidInput,
)
from schema.errors import user_errors

Info = strawberry.Info[Context, None]


async def _no_such_contact(info: Info) -> DocumentPayload:
    """The answer when ``contactId`` is not a contact's id at all."""
    await info.context.require_viewer()
    refused = [
        ServiceUserError(ServiceErrorCode.NOT_FOUND, ("input", "contactId"), "No such contact.")
    ]
    return DocumentPayload(document=None, user_errors=user_errors(refused))


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
            return await _no_such_contact(info)
        outcome = await document_resolvers.create(
            info.context, organisation_id=input.organisation_id, details=details,
            idempotency_key=input.idempotency_key,
        )  # fmt: skip
        return DocumentPayload.of(outcome)

    @strawberry.mutation(
        description="Edit one of your documents (a draft, a refused push, or a rejected or "
        "returned document, which becomes a new version)."
    )
    async def document_update(
        self,
        info: Info,
        input: Annotated[DocumentUpdateInput, strawberry.argument(description="The input.")],
    ) -> DocumentPayload:
        # The kind is the document's own; the service puts it back.
        details = input.details(StoredKind.INVOICE)
        if details is None:
            return await _no_such_contact(info)
        outcome = await document_resolvers.update(
            info.context, document_id=input.document_id, details=details
        )
        return DocumentPayload.of(outcome)

    @strawberry.mutation(
        description="Void a document (a draft, a refused push, or a rejected or returned one); "
        "accepted documents are corrected with credit or debit notes instead."
    )
    async def document_void(
        self,
        info: Info,
        input: Annotated[DocumentVoidInput, strawberry.argument(description="The input.")],
    ) -> DocumentPayload:
        outcome = await document_resolvers.void(
            info.context, document_id=input.document_id, reason=input.reason
        )
        return DocumentPayload.of(outcome)

    @strawberry.mutation(
        description="Push several documents through Bharat Connect as a background bulk "
        "operation, with a result per document (refused ones fail at once with the reason)."
    )
    async def document_push_bulk(
        self,
        info: Info,
        input: Annotated[DocumentPushBulkInput, strawberry.argument(description="The input.")],
    ) -> BulkOperationPayload:
        outcome = await document_resolvers.push_many(
            info.context, organisation_id=input.organisation_id,
            document_ids=[str(x) for x in input.document_ids],
        )  # fmt: skip
        return BulkOperationPayload(
            bulk_operation=None
            if outcome.value is None
            else BulkOperation.from_model(outcome.value),
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
        return DocumentPayload.of(outcome)
