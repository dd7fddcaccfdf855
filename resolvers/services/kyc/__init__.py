"""KYC ("Continue setup", DOMAIN.md section 2 step 5), after the B2B ID is approved.

Business profile (registered address), business representative, every owner with 10 % or more
(shares never over 100 % together; required for businesses owned by people, optional for
government bodies, trusts, societies and public companies) with each owner's proof of identity,
the bank account payments leave from (IFSC checked), and documents that depend on the business
type. Submitted for review through the outbox; the network approves or rejects later, with
reasons. Editable while a draft or after a rejection. Documents are PDF, PNG or JPEG (sniffed
from their bytes, not trusted from the client), at most 5 MiB, stored on disk under a random
key, listed only to the organisation's members.

The package: ``common`` (the profile, when it is editable), ``owners``, ``documents`` (kinds,
storage, sniffing), and here the profile, uploads, what is missing, submission and decision.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from contract import identifiers
from db.models import (
    KycDocument,
    KycOwner,
    KycProfile,
    KycStatus,
)
from db.repositories import event as event_repo
from db.repositories import outbox as outbox_repo
from db.unit_of_work import UnitOfWork
from resolvers.services.accounts import Viewer, normalise_email
from resolvers.services.errors import ErrorCode, UserError, UserInputError
from resolvers.services.kyc.common import checked, editable, profile_of, text_field
from resolvers.services.kyc.documents import (
    COMMON_DOCUMENTS,
    DOCUMENT_KINDS,
    DOCUMENTS_FOR,
    MAX_DOCUMENT_BYTES,
    OWNER_DOCUMENT,
    DiskStorage,
    DocumentStorage,
    documents_of,
    required_documents,
    sniff,
)
from resolvers.services.kyc.owners import (
    OWNERS_REQUIRED,
    add_owner,
    owners_of,
    owners_required,
    remove_owner,
)

__all__ = [
    "COMMON_DOCUMENTS",
    "DOCUMENTS_FOR",
    "DOCUMENT_KINDS",
    "MAX_DOCUMENT_BYTES",
    "OWNERS_REQUIRED",
    "OWNER_DOCUMENT",
    "DiskStorage",
    "DocumentStorage",
    "add_owner",
    "decide",
    "documents_of",
    "missing",
    "owners_of",
    "owners_required",
    "profile_of",
    "remove_owner",
    "required_documents",
    "sniff",
    "store_document",
    "submit",
    "update_profile",
]

KYC_SUBMITTED = "KYC_SUBMITTED"
KYC_APPROVED = "KYC_APPROVED"
KYC_REJECTED = "KYC_REJECTED"
SUBMIT_KIND = "kyc.submit"
POLL_KIND = "kyc.poll"


@dataclass(frozen=True)
class AddressIn:
    """The registered business address."""

    line: str
    city: str
    state_code: str
    pin: str


@dataclass(frozen=True)
class RepresentativeIn:
    """The person who directs and controls the business."""

    name: str
    pan: str
    designation: str
    email: str
    mobile: str


@dataclass(frozen=True)
class BankAccountIn:
    """The account payments leave from."""

    holder: str
    number: str
    ifsc: str


async def update_profile(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    organisation_id: uuid.UUID,
    address: AddressIn | None,
    representative: RepresentativeIn | None,
    bank_account: BankAccountIn | None,
    now: datetime,
) -> KycProfile:
    """Save the sections given (each is validated whole)."""
    _, profile = await editable(uow, viewer, organisation_id)
    errors: list[UserError] = []
    if address is not None:
        base = ("input", "address")
        line = text_field(address.line, (*base, "line"), errors, 300)
        city = text_field(address.city, (*base, "city"), errors, 100)
        state = address.state_code.strip()
        if state not in identifiers.STATE_CODES:
            errors.append(
                UserError(ErrorCode.INVALID, (*base, "stateCode"), "Not a GST state code.")
            )
        pin = checked(identifiers.check_pin, address.pin, (*base, "pin"), errors)
        if not errors:
            profile.address_line, profile.city, profile.state_code, profile.pin = (
                line,
                city,
                state,
                pin,
            )
    if representative is not None:
        base = ("input", "representative")
        name = text_field(representative.name, (*base, "name"), errors)
        pan = checked(identifiers.check_pan, representative.pan, (*base, "pan"), errors)
        if pan and pan[3] != "P":
            errors.append(
                UserError(
                    ErrorCode.INVALID, (*base, "pan"), "A person's PAN has P as its 4th character."
                )
            )
        designation = text_field(representative.designation, (*base, "designation"), errors, 100)
        try:
            email = normalise_email(representative.email, (*base, "email"))[0]
        except UserInputError as exc:
            errors.extend(exc.errors)
            email = ""
        mobile = checked(identifiers.check_mobile, representative.mobile, (*base, "mobile"), errors)
        if not errors:
            profile.representative_name, profile.representative_pan = name, pan
            profile.representative_designation, profile.representative_email = designation, email
            profile.representative_mobile = mobile
    if bank_account is not None:
        base = ("input", "bankAccount")
        holder = text_field(bank_account.holder, (*base, "holder"), errors)
        number = checked(
            identifiers.check_bank_account, bank_account.number, (*base, "number"), errors
        )
        ifsc = checked(identifiers.check_ifsc, bank_account.ifsc, (*base, "ifsc"), errors)
        if not errors:
            profile.bank_account_holder, profile.bank_account_number, profile.bank_ifsc = (
                holder,
                number,
                ifsc,
            )
    if errors:
        raise UserInputError(errors)
    profile.updated_at = now
    return profile


async def store_document(
    uow: UnitOfWork,
    viewer: Viewer,
    storage: DocumentStorage,
    *,
    organisation_id: uuid.UUID,
    kind: str,
    filename: str,
    declared_type: str,
    content: bytes,
    owner_id: uuid.UUID | None = None,
    field_base: tuple[str, ...] = (),
) -> KycDocument:
    """Validate and keep an uploaded document (replacing an earlier one of the same kind, and
    for an owner's document, of the same owner). ``field_base`` goes before the fields that
    errors name (``("input",)`` through GraphQL; nothing for the upload endpoint's parameters)."""
    await editable(uow, viewer, organisation_id)
    if kind not in DOCUMENT_KINDS:
        raise UserInputError.one(
            ErrorCode.INVALID, (*field_base, "kind"), f"kind is one of {', '.join(DOCUMENT_KINDS)}."
        )
    if (kind == OWNER_DOCUMENT) != (owner_id is not None):
        raise UserInputError.one(
            ErrorCode.INVALID, (*field_base, "ownerId"),
            f"An owner's document is of kind {OWNER_DOCUMENT} and names the owner (ownerId).",
        )  # fmt: skip
    if owner_id is not None and not any(
        o.id == owner_id for o in await owners_of(uow, organisation_id)
    ):
        raise UserInputError.one(ErrorCode.NOT_FOUND, (*field_base, "ownerId"), "No such owner.")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise UserInputError.one(
            ErrorCode.FILE_TOO_LARGE, (*field_base, "file"), "A document has at most 5 MiB."
        )
    if not content:
        raise UserInputError.one(ErrorCode.REQUIRED, (*field_base, "file"), "The file is empty.")
    actual = sniff(content)
    declared = declared_type.split(";", maxsplit=1)[0].strip().lower()
    if actual is None or declared != actual:
        raise UserInputError.one(
            ErrorCode.UNSUPPORTED_FILE_TYPE, (*field_base, "file"),
            "Upload a PDF, PNG or JPEG, sent with its own Content-Type.",
        )  # fmt: skip
    name = re.sub(r"[^A-Za-z0-9._ -]", "_", filename.strip())[:200] or "document"
    digest = hashlib.sha256(content).hexdigest()
    key = f"{organisation_id.hex}/{secrets.token_hex(32)}"
    for earlier in await documents_of(uow, organisation_id):
        if earlier.kind == kind and earlier.owner_id == owner_id:
            await uow.session.delete(earlier)
            uow.after_commit.append(functools.partial(storage.delete, earlier.storage_key))
    document = KycDocument(
        organisation_id=organisation_id, kind=kind, filename=name, content_type=actual,
        size=len(content), sha256=digest, storage_key=key, uploaded_by_account_id=viewer.account_id,
        owner_id=owner_id,
    )  # fmt: skip
    uow.session.add(document)
    await uow.session.flush()
    storage.save(key, content)
    return document


def missing(
    profile: KycProfile,
    owners: list[KycOwner],
    documents: list[KycDocument],
    business_type: str | None,
) -> list[UserError]:
    """What still keeps KYC from being submitted."""
    gaps: list[UserError] = []

    def need(ok: object, field: tuple[str, ...], message: str) -> None:
        if not ok:
            gaps.append(UserError(ErrorCode.KYC_INCOMPLETE, field, message))

    need(profile.address_line, ("address",), "Add the registered business address.")
    need(profile.representative_name, ("representative",), "Add the business representative.")
    if owners_required(business_type):
        need(owners, ("owners",), "List every owner with 10 % or more.")
    proven = {d.owner_id for d in documents if d.kind == OWNER_DOCUMENT}
    for index, owner in enumerate(owners):
        need(
            owner.id in proven,
            ("owners", str(index), "document"),
            f"Upload {owner.name}'s proof of identity (kind OWNER_ID with ownerId).",
        )
    need(profile.bank_account_number, ("bankAccount",), "Add the bank account payments leave from.")
    have = {d.kind for d in documents}
    for kind in required_documents(business_type):
        need(kind in have, ("documents", kind), f"Upload the {kind.replace('_', ' ').lower()}.")
    return gaps


async def submit(
    uow: UnitOfWork, viewer: Viewer, *, organisation_id: uuid.UUID, now: datetime
) -> KycProfile:
    """Submit KYC for review (sent to the network after commit)."""
    onboarding, profile = await editable(uow, viewer, organisation_id)
    gaps = missing(
        profile,
        await owners_of(uow, organisation_id),
        await documents_of(uow, organisation_id),
        onboarding.business_type,
    )
    if gaps:
        raise UserInputError(gaps)
    profile.status = KycStatus.SUBMITTED
    profile.request_id = "KYC" + "".join(
        secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(32)
    )
    profile.rejection_reason = None
    profile.submitted_at = now
    profile.decided_at = None
    await outbox_repo.add(
        uow.session, organisation_id=organisation_id, kind=SUBMIT_KIND, payload={}, due=now
    )
    await event_repo.append(
        uow, organisation_id=organisation_id, kind=KYC_SUBMITTED, actor_account_id=viewer.account_id
    )
    return profile


async def decide(
    uow: UnitOfWork, profile: KycProfile, *, approved: bool, reason: str | None, now: datetime
) -> bool:
    """Apply the network's decision once; ``False`` if there was nothing to decide."""
    if profile.status != KycStatus.SUBMITTED:
        return False
    profile.status = KycStatus.APPROVED if approved else KycStatus.REJECTED
    profile.rejection_reason = None if approved else (reason or "Rejected by the network.")
    profile.decided_at = now
    await event_repo.append(
        uow, organisation_id=profile.organisation_id,
        kind=KYC_APPROVED if approved else KYC_REJECTED,
        data={} if approved else {"reason": profile.rejection_reason},
    )  # fmt: skip
    return True
