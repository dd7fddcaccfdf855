"""KYC: mutation fields."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry

from resolvers import kyc as kyc_resolvers
from resolvers.context import Context
from resolvers.kyc import UploadedFile
from resolvers.services.errors import ErrorCode
from resolvers.services.errors import UserError as ServiceUserError
from resolvers.services.kyc import MAX_DOCUMENT_BYTES, AddressIn, BankAccountIn, RepresentativeIn
from schema.errors import user_errors
from schema.kyc import (
    KycDocument,
    KycDocumentUploadInput,
    KycDocumentUploadPayload,
    KycOwnerAddInput,
    KycOwnerRemoveInput,
    KycPayload,
    KycProfileUpdateInput,
    KycSubmitInput,
    kyc_of,
)

Info = strawberry.Info[Context, None]


@strawberry.type
class KycMutations:
    """KYC."""

    @strawberry.mutation(description="Save KYC sections (address, representative, bank account).")
    async def kyc_profile_update(
        self,
        info: Info,
        input: Annotated[KycProfileUpdateInput, strawberry.argument(description="The input.")],
    ) -> KycPayload:
        address = input.address
        rep = input.representative
        bank = input.bank_account
        outcome = await kyc_resolvers.update_profile(
            info.context,
            organisation_id=input.organisation_id,
            address=None
            if address is None
            else AddressIn(address.line, address.city, address.state_code, address.pin),
            representative=None
            if rep is None
            else RepresentativeIn(rep.name, rep.pan, rep.designation, rep.email, rep.mobile),
            bank_account=None
            if bank is None
            else BankAccountIn(bank.holder, bank.number, bank.ifsc),
        )
        return await _kyc_payload(
            info, outcome.value.organisation_id if outcome.value else None, outcome.errors
        )

    @strawberry.mutation(
        description="List an owner with 10 % or more (shares together at most 100 %)."
    )
    async def kyc_owner_add(
        self,
        info: Info,
        input: Annotated[KycOwnerAddInput, strawberry.argument(description="The input.")],
    ) -> KycPayload:
        outcome = await kyc_resolvers.add_owner(
            info.context, organisation_id=input.organisation_id, name=input.name, pan=input.pan,
            share=input.share_percent,
        )  # fmt: skip
        return await _kyc_payload(
            info, outcome.value.organisation_id if outcome.value else None, outcome.errors
        )

    @strawberry.mutation(description="Take an owner off the KYC list.")
    async def kyc_owner_remove(
        self,
        info: Info,
        input: Annotated[KycOwnerRemoveInput, strawberry.argument(description="The input.")],
    ) -> KycPayload:
        outcome = await kyc_resolvers.remove_owner(info.context, owner_id=input.owner_id)
        return await _kyc_payload(
            info, outcome.value.organisation_id if outcome.value else None, outcome.errors
        )

    @strawberry.mutation(
        description=(
            "Upload a KYC document (replacing an earlier one of its kind, or of its owner): "
            "send a multipart request per the GraphQL multipart request spec."
        )
    )
    async def kyc_document_upload(
        self,
        info: Info,
        input: Annotated[KycDocumentUploadInput, strawberry.argument(description="The input.")],
    ) -> KycDocumentUploadPayload:
        file = await _uploaded(input.file)
        if isinstance(file, ServiceUserError):
            return KycDocumentUploadPayload(
                document=None, kyc=None, user_errors=user_errors([file])
            )
        outcome = await kyc_resolvers.upload_document(
            info.context, organisation_id=input.organisation_id, kind=input.kind.name,
            owner_id=input.owner_id, file=file,
        )  # fmt: skip
        if outcome.value is None:
            return KycDocumentUploadPayload(
                document=None, kyc=None, user_errors=user_errors(outcome.errors)
            )
        info.context.fresh_loaders()
        return KycDocumentUploadPayload(
            document=KycDocument.from_model(outcome.value),
            kyc=await kyc_of(info, outcome.value.organisation_id),
            user_errors=[],
        )

    @strawberry.mutation(
        description="Submit KYC for the network's review (after the B2B ID is approved)."
    )
    async def kyc_submit(
        self,
        info: Info,
        input: Annotated[KycSubmitInput, strawberry.argument(description="The input.")],
    ) -> KycPayload:
        outcome = await kyc_resolvers.submit(info.context, organisation_id=input.organisation_id)
        return await _kyc_payload(
            info, outcome.value.organisation_id if outcome.value else None, outcome.errors
        )


async def _uploaded(file: object) -> UploadedFile | ServiceUserError:
    """The bytes of an uploaded part (at most one byte past the limit is read), or why there is
    none: a value sent in the JSON variables instead of a file part."""
    read = getattr(file, "read", None)
    if read is None or not callable(read):
        return ServiceUserError(
            ErrorCode.REQUIRED, ("input", "file"),
            "Send the file as a part of a multipart request (the GraphQL multipart request spec).",
        )  # fmt: skip
    content = await read(MAX_DOCUMENT_BYTES + 1)
    name = getattr(file, "filename", None)
    declared = getattr(file, "content_type", None)
    return UploadedFile(
        content=content if isinstance(content, bytes) else b"",
        filename=name if isinstance(name, str) else "document",
        content_type=declared if isinstance(declared, str) else "",
    )


async def _kyc_payload(
    info: Info, organisation_id: uuid.UUID | None, errors: list[ServiceUserError]
) -> KycPayload:
    if organisation_id is None:
        return KycPayload(kyc=None, user_errors=user_errors(errors))
    info.context.fresh_loaders()
    return KycPayload(kyc=await kyc_of(info, organisation_id), user_errors=[])
