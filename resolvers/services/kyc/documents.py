"""KYC documents: which kinds a business type needs, where their bytes live (a folder, one
file per random key), and what they really are (sniffed from their bytes)."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path
from typing import Protocol

from sqlalchemy import select

from contract.identifiers import BusinessType
from db.models import KycDocument
from db.unit_of_work import UnitOfWork

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


class DocumentStorage(Protocol):
    """Where document bytes live."""

    def save(self, key: str, content: bytes) -> None:
        """Store ``content`` under ``key``."""

    def delete(self, key: str) -> None:
        """Forget ``key``."""


class DiskStorage:
    """Documents on a local folder, one file per random key, readable by the service's user
    only (files 0600, folders 0700, whatever the umask)."""

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
        for folder in (self.root, path.parent):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            folder.chmod(0o700)
        temporary = path.with_suffix(".part")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
        temporary.replace(path)

    def delete(self, key: str) -> None:
        """Remove the file if it is there."""
        self._path(key).unlink(missing_ok=True)


def required_documents(business_type: str | None) -> tuple[str, ...]:
    """The document kinds KYC needs for this business type."""
    if business_type is None:
        return COMMON_DOCUMENTS
    return DOCUMENTS_FOR[BusinessType(business_type)] + COMMON_DOCUMENTS


def sniff(content: bytes) -> str | None:
    """The content type the bytes really are, among those accepted."""
    for content_type, signatures in SIGNATURES.items():
        if any(content.startswith(s) for s in signatures):
            return content_type
    return None


async def documents_of(uow: UnitOfWork, organisation_id: uuid.UUID) -> list[KycDocument]:
    """The organisation's documents, in the order uploaded."""
    stmt = (
        select(KycDocument)
        .where(KycDocument.organisation_id == organisation_id)
        .order_by(KycDocument.id)
    )
    return list((await uow.session.scalars(stmt)).all())
