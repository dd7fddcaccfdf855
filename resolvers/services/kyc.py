"""KYC ("Continue setup", DOMAIN.md section 2 step 5), after the B2B ID is approved.

Business profile (registered address), business representative, every owner with 10 % or more
(shares never over 100 % together; required for businesses owned by people, optional for
government bodies, trusts, societies and public companies) with each owner's proof of identity,
the bank account payments leave from (IFSC checked), and documents that depend on the business
type. Submitted for review through the outbox; the
network approves or rejects later, with reasons. Editable while a draft or after a rejection.
Documents are PDF, PNG or JPEG (sniffed from their bytes, not trusted from the client), at
most 5 MiB, stored on disk under a random key, listed only to the organisation's members.
"""

from __future__ import annotations

import decimal
import functools
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import select

from db.models import (
    B2BIdStatus,
    KycDocument,
    KycOwner,
    KycProfile,
    KycStatus,
    Membership,
    Onboarding,
)
from db.repositories import event as event_repo
from db.repositories import onboarding as onboarding_repo
from db.repositories import outbox as outbox_repo
from db.unit_of_work import UnitOfWork
from resolvers.services import identifiers
from resolvers.services.accounts import Viewer, normalise_email
from resolvers.services.errors import ErrorCode, UserError, UserInputError
from resolvers.services.identifiers import BusinessType
from resolvers.services.onboarding import require_manager, require_started

KYC_SUBMITTED = "KYC_SUBMITTED"
KYC_APPROVED = "KYC_APPROVED"
KYC_REJECTED = "KYC_REJECTED"
SUBMIT_KIND = "kyc.submit"
POLL_KIND = "kyc.poll"

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
COMMON_DOCUMENTS = ("REPRESENTATIVE_ID", "BANK_PROOF")
DOCUMENTS_FOR: dict[BusinessType, tuple[str, ...]] = {
    BusinessType.PROPRIETORSHIP: ("PROPRIETOR_PAN", "ADDRESS_PROOF"),
    BusinessType.PARTNERSHIP: ("FIRM_PAN", "PARTNERSHIP_DEED"),
    BusinessType.LLP: ("FIRM_PAN", "LLP_AGREEMENT"),
    BusinessType.PRIVATE_LIMITED: (
        "COMPANY_PAN",
        "CERTIFICATE_OF_INCORPORATION",
        "BOARD_RESOLUTION",
    ),
    BusinessType.PUBLIC_LIMITED: (
        "COMPANY_PAN",
        "CERTIFICATE_OF_INCORPORATION",
        "BOARD_RESOLUTION",
    ),
    BusinessType.HUF: ("HUF_PAN", "HUF_DEED"),
    BusinessType.TRUST: ("TRUST_PAN", "TRUST_DEED"),
    BusinessType.SOCIETY: ("SOCIETY_PAN", "REGISTRATION_CERTIFICATE"),
    BusinessType.GOVERNMENT: ("AUTHORISATION_LETTER",),
}
# Each owner's own proof of identity (PAN card), uploaded with ``ownerId``.
OWNER_DOCUMENT = "OWNER_ID"
DOCUMENT_KINDS = tuple(
    sorted(
        {k for kinds in DOCUMENTS_FOR.values() for k in kinds}
        | set(COMMON_DOCUMENTS)
        | {OWNER_DOCUMENT}
    )
)
# Business types whose owners (10 % or more) must be listed, each with a document: those owned
# by people. Government bodies, trusts, societies and listed public companies may have none; if
# any are listed, they too need their document.
OWNERS_REQUIRED = frozenset(
    {
        BusinessType.PROPRIETORSHIP,
        BusinessType.PARTNERSHIP,
        BusinessType.LLP,
        BusinessType.PRIVATE_LIMITED,
        BusinessType.HUF,
    }
)


def owners_required(business_type: str | None) -> bool:
    """Whether KYC needs at least one owner of 10 % or more for this business type."""
    return business_type is None or BusinessType(business_type) in OWNERS_REQUIRED


class DocumentStorage(Protocol):
    """Where document bytes live."""

    def save(self, key: str, content: bytes) -> None:
        """Store ``content`` under ``key``."""

    def delete(self, key: str) -> None:
        """Forget ``key``."""


class DiskStorage:
    """Documents on a local folder, one file per random key."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{32}/[0-9a-f]{64}", key):
            msg = "malformed storage key"
            raise ValueError(msg)
        return self.root / key

    def save(self, key: str, content: bytes) -> None:
        """Write atomically (temporary file, then rename)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        temporary.write_bytes(content)
        temporary.replace(path)

    def delete(self, key: str) -> None:
        """Remove the file if it is there."""
        self._path(key).unlink(missing_ok=True)


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


def required_documents(business_type: str | None) -> tuple[str, ...]:
    """The document kinds KYC needs for this business type."""
    if business_type is None:
        return COMMON_DOCUMENTS
    return DOCUMENTS_FOR[BusinessType(business_type)] + COMMON_DOCUMENTS


async def _editable(
    uow: UnitOfWork, viewer: Viewer, organisation_id: uuid.UUID
) -> tuple[Onboarding, KycProfile]:
    await require_manager(uow, viewer, organisation_id, ("input", "organisationId"))
    onboarding = await require_started(uow, organisation_id)
    approved = [
        b for b in await onboarding_repo.active_b2b_ids(uow.session, [organisation_id])
        if b.status == B2BIdStatus.APPROVED
    ]  # fmt: skip
    if not approved:
        raise UserInputError.one(
            ErrorCode.STEP_OUT_OF_ORDER,
            ("input", "organisationId"),
            "KYC comes after the network approves the B2B ID.",
        )
    profile = await profile_of(uow, organisation_id, for_update=True)
    if profile is None:
        profile = KycProfile(organisation_id=organisation_id, status=KycStatus.DRAFT)
        uow.session.add(profile)
        await uow.session.flush()
    if profile.status in {KycStatus.SUBMITTED, KycStatus.APPROVED}:
        raise UserInputError.one(
            ErrorCode.ALREADY_DONE,
            ("input", "organisationId"),
            f"KYC is {profile.status.value.lower()}.",
        )
    return onboarding, profile


async def profile_of(
    uow: UnitOfWork, organisation_id: uuid.UUID, *, for_update: bool = False
) -> KycProfile | None:
    """The organisation's KYC profile, if any."""
    stmt = select(KycProfile).where(KycProfile.organisation_id == organisation_id)
    if for_update:
        stmt = stmt.with_for_update()
    return await uow.session.scalar(stmt)


def _text(value: str, field: tuple[str, ...], errors: list[UserError], limit: int = 200) -> str:
    clean = " ".join(value.split())
    if not clean:
        errors.append(UserError(ErrorCode.REQUIRED, field, "This is required."))
    elif len(clean) > limit:
        errors.append(UserError(ErrorCode.TOO_LONG, field, f"At most {limit} characters."))
    return clean


def _checked(check: object, value: str, field: tuple[str, ...], errors: list[UserError]) -> str:
    try:
        result = check(value)  # type: ignore[operator]
    except ValueError as exc:
        errors.append(UserError(ErrorCode.INVALID, field, str(exc)))
        return ""
    return str(result)


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
    _, profile = await _editable(uow, viewer, organisation_id)
    errors: list[UserError] = []
    if address is not None:
        base = ("input", "address")
        line = _text(address.line, (*base, "line"), errors, 300)
        city = _text(address.city, (*base, "city"), errors, 100)
        state = address.state_code.strip()
        if state not in identifiers.STATE_CODES:
            errors.append(
                UserError(ErrorCode.INVALID, (*base, "stateCode"), "Not a GST state code.")
            )
        pin = _checked(identifiers.check_pin, address.pin, (*base, "pin"), errors)
        if not errors:
            profile.address_line, profile.city, profile.state_code, profile.pin = (
                line,
                city,
                state,
                pin,
            )
    if representative is not None:
        base = ("input", "representative")
        name = _text(representative.name, (*base, "name"), errors)
        pan = _checked(identifiers.check_pan, representative.pan, (*base, "pan"), errors)
        if pan and pan[3] != "P":
            errors.append(
                UserError(
                    ErrorCode.INVALID, (*base, "pan"), "A person's PAN has P as its 4th character."
                )
            )
        designation = _text(representative.designation, (*base, "designation"), errors, 100)
        try:
            email = normalise_email(representative.email, (*base, "email"))[0]
        except UserInputError as exc:
            errors.extend(exc.errors)
            email = ""
        mobile = _checked(
            identifiers.check_mobile, representative.mobile, (*base, "mobile"), errors
        )
        if not errors:
            profile.representative_name, profile.representative_pan = name, pan
            profile.representative_designation, profile.representative_email = designation, email
            profile.representative_mobile = mobile
    if bank_account is not None:
        base = ("input", "bankAccount")
        holder = _text(bank_account.holder, (*base, "holder"), errors)
        number = _checked(
            identifiers.check_bank_account, bank_account.number, (*base, "number"), errors
        )
        ifsc = _checked(identifiers.check_ifsc, bank_account.ifsc, (*base, "ifsc"), errors)
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


def _basis_points(share: decimal.Decimal, field: tuple[str, ...]) -> int:
    if share != share.quantize(decimal.Decimal("0.01")) or not decimal.Decimal(10) <= share <= 100:
        raise UserInputError.one(
            ErrorCode.INVALID,
            field,
            "List owners of 10 % or more: a share from 10 to 100, two decimals at most.",
        )
    return int(share * 100)


async def add_owner(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    organisation_id: uuid.UUID,
    name: str,
    pan: str,
    share: decimal.Decimal,
) -> KycOwner:
    """Add an owner with 10 % or more; the shares together never exceed 100 %."""
    await _editable(uow, viewer, organisation_id)
    errors: list[UserError] = []
    clean_name = _text(name, ("input", "name"), errors)
    clean_pan = _checked(identifiers.check_pan, pan, ("input", "pan"), errors)
    if errors:
        raise UserInputError(errors)
    points = _basis_points(share, ("input", "sharePercent"))
    owners = await owners_of(uow, organisation_id)
    if any(o.pan == clean_pan for o in owners):
        raise UserInputError.one(
            ErrorCode.TAKEN, ("input", "pan"), "An owner with this PAN is listed already."
        )
    total = sum(o.share_basis_points for o in owners) + points
    if total > 10_000:
        raise UserInputError.one(
            ErrorCode.SHARES_OVER_100,
            ("input", "sharePercent"),
            f"The owners would hold {decimal.Decimal(total) / 100}% together; at most 100% is.",
        )
    owner = KycOwner(
        organisation_id=organisation_id, name=clean_name, pan=clean_pan, share_basis_points=points
    )
    uow.session.add(owner)
    await uow.session.flush()
    return owner


async def owners_of(uow: UnitOfWork, organisation_id: uuid.UUID) -> list[KycOwner]:
    """The listed owners, in the order added."""
    stmt = select(KycOwner).where(KycOwner.organisation_id == organisation_id).order_by(KycOwner.id)
    return list((await uow.session.scalars(stmt)).all())


async def remove_owner(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    owner_id: uuid.UUID,
    storage: DocumentStorage | None = None,
) -> KycOwner:
    """Take an owner off the list, with the owner's documents (their files go after commit)."""
    mine = select(Membership.organisation_id).where(Membership.account_id == viewer.account_id)
    owner = await uow.session.scalar(
        select(KycOwner).where(KycOwner.id == owner_id, KycOwner.organisation_id.in_(mine))
    )
    if owner is None:
        raise UserInputError.one(ErrorCode.NOT_FOUND, ("input", "ownerId"), "No such owner.")
    await _editable(uow, viewer, owner.organisation_id)
    for document in await documents_of(uow, owner.organisation_id):
        if document.owner_id == owner.id:
            await uow.session.delete(document)
            if storage is not None:
                uow.after_commit.append(functools.partial(storage.delete, document.storage_key))
    await uow.session.delete(owner)
    await uow.session.flush()
    return owner


def sniff(content: bytes) -> str | None:
    """The content type the bytes really are, among those accepted."""
    for content_type, signatures in SIGNATURES.items():
        if any(content.startswith(s) for s in signatures):
            return content_type
    return None


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
) -> KycDocument:
    """Validate and keep an uploaded document (replacing an earlier one of the same kind, and
    for an owner's document, of the same owner)."""
    await _editable(uow, viewer, organisation_id)
    if kind not in DOCUMENT_KINDS:
        raise UserInputError.one(
            ErrorCode.INVALID, ("kind",), f"kind is one of {', '.join(DOCUMENT_KINDS)}."
        )
    if (kind == OWNER_DOCUMENT) != (owner_id is not None):
        raise UserInputError.one(
            ErrorCode.INVALID, ("ownerId",),
            f"An owner's document is of kind {OWNER_DOCUMENT} and names the owner (ownerId).",
        )  # fmt: skip
    if owner_id is not None and not any(
        o.id == owner_id for o in await owners_of(uow, organisation_id)
    ):
        raise UserInputError.one(ErrorCode.NOT_FOUND, ("ownerId",), "No such owner.")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise UserInputError.one(
            ErrorCode.FILE_TOO_LARGE, ("file",), "A document has at most 5 MiB."
        )
    if not content:
        raise UserInputError.one(ErrorCode.REQUIRED, ("file",), "The file is empty.")
    actual = sniff(content)
    declared = declared_type.split(";", maxsplit=1)[0].strip().lower()
    if actual is None or declared != actual:
        raise UserInputError.one(
            ErrorCode.UNSUPPORTED_FILE_TYPE, ("file",),
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


async def documents_of(uow: UnitOfWork, organisation_id: uuid.UUID) -> list[KycDocument]:
    """The organisation's documents, in the order uploaded."""
    stmt = (
        select(KycDocument)
        .where(KycDocument.organisation_id == organisation_id)
        .order_by(KycDocument.id)
    )
    return list((await uow.session.scalars(stmt)).all())


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
    onboarding, profile = await _editable(uow, viewer, organisation_id)
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
