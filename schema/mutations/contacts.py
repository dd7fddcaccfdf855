"""Contacts and B2B ID association: mutation fields."""

from __future__ import annotations

from typing import Annotated

import strawberry

from db.models import Contact as ContactModel
from resolvers import contacts as contact_resolvers
from resolvers.context import Context
from resolvers.services.errors import UserError as ServiceUserError
from resolvers.services.ids import encode_id
from schema.contact import B2BIdCandidate, BulkOperation, Contact
from schema.contact_inputs import (
    BulkOperationPayload,
    ContactArchiveInput,
    ContactB2BIdFetchInput,
    ContactB2BIdFetchPayload,
    ContactB2BIdLinkBulkInput,
    ContactB2BIdLinkBulkPayload,
    ContactB2BIdLinkInput,
    ContactB2BIdSearchStartInput,
    ContactB2BIdUnlinkInput,
    ContactCreateInput,
    ContactLinkResult,
    ContactPayload,
    ContactUpdateInput,
)
from schema.errors import user_errors

Info = strawberry.Info[Context, None]


@strawberry.type
class ContactsMutations:
    """Contacts and B2B ID association."""

    @strawberry.mutation(description="Create a customer and/or vendor.")
    async def contact_create(
        self,
        info: Info,
        input: Annotated[ContactCreateInput, strawberry.argument(description="The input.")],
    ) -> ContactPayload:
        outcome = await contact_resolvers.create(
            info.context, organisation_id=input.organisation_id, details=input.contact.to_service()
        )
        return await _contact_payload(info, outcome.value, outcome.errors)

    @strawberry.mutation(description="Replace a contact's details.")
    async def contact_update(
        self,
        info: Info,
        input: Annotated[ContactUpdateInput, strawberry.argument(description="The input.")],
    ) -> ContactPayload:
        outcome = await contact_resolvers.update(
            info.context, contact_id=input.id, details=input.contact.to_service()
        )
        return await _contact_payload(info, outcome.value, outcome.errors)

    @strawberry.mutation(description="Archive (or restore) a contact; its history stays.")
    async def contact_archive(
        self,
        info: Info,
        input: Annotated[ContactArchiveInput, strawberry.argument(description="The input.")],
    ) -> ContactPayload:
        outcome = await contact_resolvers.archive(
            info.context, contact_id=input.id, archived=input.archived
        )
        return await _contact_payload(info, outcome.value, outcome.errors)

    @strawberry.mutation(
        name="contactB2BIdFetch",
        description="Fetch the B2B IDs the network lists for a contact's GSTIN (needs Bharat Connect access).",
    )
    async def contact_b2b_id_fetch(
        self,
        info: Info,
        input: Annotated[ContactB2BIdFetchInput, strawberry.argument(description="The input.")],
    ) -> ContactB2BIdFetchPayload:
        outcome = await contact_resolvers.fetch(info.context, contact_id=input.contact_id)
        if outcome.value is None:
            return ContactB2BIdFetchPayload(
                contact=None, candidates=[], user_errors=user_errors(outcome.errors)
            )
        contact, listings = outcome.value
        return ContactB2BIdFetchPayload(
            contact=Contact.from_model(contact),
            candidates=[B2BIdCandidate.from_listing(x) for x in listings[:50]],
            user_errors=[],
        )

    @strawberry.mutation(
        name="contactB2BIdLink",
        description="Link one of the B2B IDs the network lists for the contact's GSTIN.",
    )
    async def contact_b2b_id_link(
        self,
        info: Info,
        input: Annotated[ContactB2BIdLinkInput, strawberry.argument(description="The input.")],
    ) -> ContactPayload:
        outcome = await contact_resolvers.link(
            info.context, contact_id=input.contact_id, b2b_id=input.b2b_id
        )
        return await _contact_payload(info, outcome.value, outcome.errors)

    @strawberry.mutation(name="contactB2BIdUnlink", description="Forget a contact's B2B ID.")
    async def contact_b2b_id_unlink(
        self,
        info: Info,
        input: Annotated[ContactB2BIdUnlinkInput, strawberry.argument(description="The input.")],
    ) -> ContactPayload:
        outcome = await contact_resolvers.unlink(info.context, contact_id=input.contact_id)
        return await _contact_payload(info, outcome.value, outcome.errors)

    @strawberry.mutation(
        name="contactB2BIdLinkBulk",
        description="Link now: link several contacts at once (at most 100), a result each.",
    )
    async def contact_b2b_id_link_bulk(
        self,
        info: Info,
        input: Annotated[ContactB2BIdLinkBulkInput, strawberry.argument(description="The input.")],
    ) -> ContactB2BIdLinkBulkPayload:
        outcome = await contact_resolvers.link_many(
            info.context,
            organisation_id=input.organisation_id,
            links=[(x.contact_id, x.b2b_id) for x in input.links],
        )
        if outcome.value is None:
            return ContactB2BIdLinkBulkPayload(results=[], user_errors=user_errors(outcome.errors))
        return ContactB2BIdLinkBulkPayload(
            results=[
                ContactLinkResult(
                    contact_id=strawberry.ID(encode_id("Contact", r.contact_id)),
                    contact=None if r.contact is None else Contact.from_model(r.contact),
                    linked=not r.errors,
                    user_errors=user_errors(r.errors),
                )
                for r in outcome.value
            ],
            user_errors=[],
        )

    @strawberry.mutation(
        name="contactB2BIdSearchStart",
        description="Search contacts in Bharat Connect: a background bulk operation over every contact with a GSTIN and no B2B ID.",
    )
    async def contact_b2b_id_search_start(
        self,
        info: Info,
        input: Annotated[
            ContactB2BIdSearchStartInput, strawberry.argument(description="The input.")
        ],
    ) -> BulkOperationPayload:
        outcome = await contact_resolvers.start_search(
            info.context, organisation_id=input.organisation_id
        )
        return BulkOperationPayload(
            bulk_operation=None
            if outcome.value is None
            else BulkOperation.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )


async def _contact_payload(
    info: Info, contact: ContactModel | None, errors: list[ServiceUserError]
) -> ContactPayload:
    if contact is None:
        return ContactPayload(contact=None, same_gstin_contacts=[], user_errors=user_errors(errors))
    same = await contact_resolvers.same_gstin(info.context, contact, 100)
    return ContactPayload(
        contact=Contact.from_model(contact),
        same_gstin_contacts=[Contact.from_model(c) for c in same],
        user_errors=[],
    )
