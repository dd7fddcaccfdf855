"""Document numbers: one series per issuing GSTIN, kind and fiscal year (GST makes invoice
numbers unique per registration and fiscal year). Automatic numbers skip numbers given by hand;
a clash at insert is never more than a ``TAKEN`` user error."""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError

from db.models import Document
from db.repositories import document as repo
from db.repositories import onboarding as onboarding_repo
from db.unit_of_work import UnitOfWork
from resolvers.services.documents.inputs import PREFIX, DocumentIn
from resolvers.services.errors import ErrorCode, UserInputError


async def organisation_gstin(uow: UnitOfWork, organisation_id: uuid.UUID) -> str | None:
    """The organisation's GSTIN (the one verified at onboarding, else the first added)."""
    onboarding = await onboarding_repo.onboarding(uow.session, organisation_id)
    if onboarding is not None and onboarding.gstin is not None:
        return onboarding.gstin
    gstins = await onboarding_repo.gstins(uow.session, organisation_id)
    return gstins[0].gstin if gstins else None


async def issuing_gstin(
    uow: UnitOfWork, organisation_id: uuid.UUID, asked: str | None
) -> str | None:
    """The GSTIN a document is issued under: the one asked for, which the organisation must
    hold, or by default :func:`organisation_gstin`."""
    if asked is None:
        return await organisation_gstin(uow, organisation_id)
    wanted = asked.strip().upper()
    held = {g.gstin for g in await onboarding_repo.gstins(uow.session, organisation_id)}
    if wanted not in held:
        raise UserInputError.one(
            ErrorCode.GSTIN_NOT_HELD, ("input", "gstin"),
            "Issue documents under one of the organisation's GSTINs.",
        )  # fmt: skip
    return wanted


MAX_NUMBER_SKIPS = 1000


async def number_for(  # noqa: PLR0917
    uow: UnitOfWork,
    organisation_id: uuid.UUID,
    gstin: str,
    details: DocumentIn,
    year: str,
    current: Document | None,
) -> str:
    """The document's number: the one given (refused if taken in its series), the current one
    when editing within the same fiscal year, or the next free one of the series (numbers
    taken by hand are skipped, and the series moves past them)."""
    kind = details.kind.value
    number = details.number.strip() if details.number else None
    if number is None and current is not None and (current.fiscal_year, current.our_gstin) == (
        year, gstin,
    ):  # fmt: skip
        return current.number
    if number is not None:
        same = current is not None and (current.number, current.fiscal_year, current.our_gstin) == (
            number, year, gstin,
        )  # fmt: skip
        if not same and await repo.number_taken(
            uow.session, organisation_id, kind, year, number, gstin=gstin
        ):
            raise UserInputError.one(
                ErrorCode.TAKEN, ("input", "number"), f"{number} is used in {year} already."
            )
        return number
    for _ in range(MAX_NUMBER_SKIPS):
        serial = await repo.next_number(uow.session, organisation_id, gstin, kind, year)
        candidate = f"{PREFIX[details.kind]}{serial:05d}"
        if not await repo.number_taken(
            uow.session, organisation_id, kind, year, candidate, gstin=gstin
        ):
            return candidate
    raise UserInputError.one(  # pragma: no cover - a thousand numbers in a row taken by hand
        ErrorCode.TAKEN, ("input", "number"), "No free automatic number: give one by hand."
    )


async def save_new(uow: UnitOfWork, document: Document, details: DocumentIn) -> None:
    """Insert a new document; a number taken meanwhile (another request's, concurrently) is a
    ``TAKEN`` user error for a number given by hand, and the next free one otherwise."""
    for _ in range(MAX_NUMBER_SKIPS):
        try:
            async with uow.savepoint():
                uow.session.add(document)
                await uow.session.flush()
        except IntegrityError:
            if details.number is not None:
                raise UserInputError.one(
                    ErrorCode.TAKEN, ("input", "number"),
                    f"{document.number} is used in {document.fiscal_year} already.",
                ) from None  # fmt: skip
            document.number = await number_for(
                uow, document.organisation_id, document.our_gstin, details, document.fiscal_year,
                None,
            )  # fmt: skip
            continue
        return
    raise UserInputError.one(  # pragma: no cover
        ErrorCode.TAKEN, ("input", "number"), "No free automatic number: give one by hand."
    )
