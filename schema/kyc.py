"""KYC ("Continue setup"): the business profile, representative, owners, bank account and
documents, submitted for the network's review."""

from __future__ import annotations

import decimal
import enum
import uuid
from datetime import datetime

import strawberry
from strawberry.file_uploads import Upload

from contract import identifiers
from db.models import KycDocument as KycDocumentModel
from db.models import KycOwner as KycOwnerModel
from db.models import KycProfile as KycProfileModel
from resolvers import kyc as resolvers
from resolvers.context import Context
from resolvers.kyc import KycView
from resolvers.services import kyc as service
from resolvers.services.ids import encode_id
from schema.errors import UserError, user_errors

Info = strawberry.Info[Context, None]


@strawberry.enum(description="Where KYC stands.")
class KycStatus(enum.Enum):
    """KYC statuses; mirrors the stored ones."""

    DRAFT = strawberry.enum_value("DRAFT", description="Being filled in.")
    SUBMITTED = strawberry.enum_value("SUBMITTED", description="With the network for review.")
    APPROVED = strawberry.enum_value("APPROVED", description="Approved: payments can flow.")
    REJECTED = strawberry.enum_value("REJECTED", description="Rejected; fix and submit again.")


@strawberry.enum(
    description=(
        "Kinds of KYC document. Which are required depends on the business type "
        "(`Kyc.requiredDocuments`); upload them with `kycDocumentUpload` or to "
        "`POST /kyc/documents`."
    )
)
class KycDocumentKind(enum.Enum):
    """Document kinds; mirrors ``resolvers.services.kyc.DOCUMENT_KINDS`` (a test checks)."""

    ADDRESS_PROOF = strawberry.enum_value(
        "ADDRESS_PROOF", description="Proof of the business address (proprietorship)."
    )
    AUTHORISATION_LETTER = strawberry.enum_value(
        "AUTHORISATION_LETTER",
        description="Letter authorising the representative (government bodies).",
    )
    BANK_PROOF = strawberry.enum_value(
        "BANK_PROOF", description="Cancelled cheque or bank statement of the account."
    )
    BOARD_RESOLUTION = strawberry.enum_value(
        "BOARD_RESOLUTION",
        description="Board resolution authorising the representative (companies).",
    )
    CERTIFICATE_OF_INCORPORATION = strawberry.enum_value(
        "CERTIFICATE_OF_INCORPORATION", description="Certificate of incorporation (companies)."
    )
    COMPANY_PAN = strawberry.enum_value("COMPANY_PAN", description="The company's PAN card.")
    FIRM_PAN = strawberry.enum_value("FIRM_PAN", description="The firm's or LLP's PAN card.")
    HUF_DEED = strawberry.enum_value("HUF_DEED", description="HUF declaration deed.")
    HUF_PAN = strawberry.enum_value("HUF_PAN", description="The HUF's PAN card.")
    LLP_AGREEMENT = strawberry.enum_value("LLP_AGREEMENT", description="LLP agreement.")
    OWNER_ID = strawberry.enum_value(
        "OWNER_ID",
        description="An owner's proof of identity (PAN card); uploaded with `ownerId`.",
    )
    PARTNERSHIP_DEED = strawberry.enum_value("PARTNERSHIP_DEED", description="Partnership deed.")
    PROPRIETOR_PAN = strawberry.enum_value(
        "PROPRIETOR_PAN", description="The proprietor's PAN card."
    )
    REGISTRATION_CERTIFICATE = strawberry.enum_value(
        "REGISTRATION_CERTIFICATE", description="Society registration certificate."
    )
    REPRESENTATIVE_ID = strawberry.enum_value(
        "REPRESENTATIVE_ID", description="The representative's identity proof (PAN card)."
    )
    SOCIETY_PAN = strawberry.enum_value("SOCIETY_PAN", description="The society's PAN card.")
    TRUST_DEED = strawberry.enum_value("TRUST_DEED", description="Trust deed.")
    TRUST_PAN = strawberry.enum_value("TRUST_PAN", description="The trust's PAN card.")


@strawberry.type(description="The registered business address.")
class KycAddress:
    """An address."""

    line: str = strawberry.field(description="Street address.")
    city: str = strawberry.field(description="City or town.")
    state_code: str = strawberry.field(description="GST state code.")
    state_name: str = strawberry.field(description="State or territory.")
    pin: str = strawberry.field(description="PIN code.")


@strawberry.type(description="The person who directs and controls the business.")
class KycRepresentative:
    """The representative."""

    name: str = strawberry.field(description="Full name.")
    pan: str = strawberry.field(description="PAN, masked.")
    full_pan: str | None = strawberry.field(description="PAN in full: shown to owners only.")
    designation: str = strawberry.field(description="Role in the business.")
    email: str = strawberry.field(description="E-mail address.")
    mobile: str = strawberry.field(description="Mobile number, masked.")


@strawberry.type(description="An uploaded KYC document (its bytes are never served back).")
class KycDocument:
    """A document."""

    id: strawberry.ID = strawberry.field(description="The document's id.")
    kind: KycDocumentKind = strawberry.field(description="What it is.")
    filename: str = strawberry.field(description="The name it was uploaded with (sanitised).")
    content_type: str = strawberry.field(description="PDF, PNG or JPEG, as sniffed from its bytes.")
    size: int = strawberry.field(description="Size in bytes.")
    uploaded_at: datetime = strawberry.field(description="When (UTC).")

    @classmethod
    def from_model(cls, model: KycDocumentModel) -> KycDocument:
        """Map a row."""
        return cls(
            id=strawberry.ID(encode_id("KycDocument", model.id)),
            kind=KycDocumentKind[model.kind],
            filename=model.filename,
            content_type=model.content_type,
            size=model.size,
            uploaded_at=model.created_at,
        )


@strawberry.type(description="An owner with 10 % or more of the business.")
class KycOwner:
    """An owner."""

    id: strawberry.ID = strawberry.field(description="Pass to `kycOwnerRemove`.")
    name: str = strawberry.field(description="Full name.")
    pan: str = strawberry.field(description="PAN, masked.")
    full_pan: str | None = strawberry.field(description="PAN in full: shown to owners only.")
    share_percent: decimal.Decimal = strawberry.field(
        description="Share of the business, in percent."
    )
    document: KycDocument | None = strawberry.field(
        description="The owner's proof of identity (OWNER_ID), once uploaded."
    )

    @classmethod
    def from_model(
        cls, model: KycOwnerModel, *, full: bool, document: KycDocumentModel | None = None
    ) -> KycOwner:
        """Map a row."""
        return cls(
            document=None if document is None else KycDocument.from_model(document),
            id=strawberry.ID(encode_id("KycOwner", model.id)),
            name=model.name,
            pan=identifiers.mask_pan(model.pan),
            full_pan=model.pan if full else None,
            share_percent=(decimal.Decimal(model.share_basis_points) / 100).quantize(
                decimal.Decimal("0.01")
            ),
        )


@strawberry.type(description="The bank account payments leave from.")
class KycBankAccount:
    """A bank account."""

    holder: str = strawberry.field(description="Account holder's name.")
    account_number: str = strawberry.field(description="Account number, masked.")
    full_account_number: str | None = strawberry.field(
        description="Account number in full: owners only."
    )
    ifsc: str = strawberry.field(description="IFSC of the branch.")


@strawberry.type(description="The organisation's KYC, as far as it goes.")
class Kyc:
    """KYC."""

    _view: strawberry.Private[KycView]

    @strawberry.field(description="Where it stands.")
    def status(self) -> KycStatus:
        profile = self._view.profile
        return KycStatus.DRAFT if profile is None else KycStatus[profile.status.name]

    @strawberry.field(description="Why the network rejected it.")
    def rejection_reason(self) -> str | None:
        return None if self._view.profile is None else self._view.profile.rejection_reason

    @strawberry.field(description="When it was submitted (UTC).")
    def submitted_at(self) -> datetime | None:
        return None if self._view.profile is None else self._view.profile.submitted_at

    @strawberry.field(description="When the network decided (UTC).")
    def decided_at(self) -> datetime | None:
        return None if self._view.profile is None else self._view.profile.decided_at

    @strawberry.field(description="The registered business address.")
    def address(self) -> KycAddress | None:
        p = self._view.profile
        if p is None or p.address_line is None:
            return None
        state = p.state_code or ""
        return KycAddress(
            line=p.address_line, city=p.city or "", state_code=state,
            state_name=identifiers.STATE_CODES.get(state, ""), pin=p.pin or "",
        )  # fmt: skip

    @strawberry.field(description="The business representative.")
    def representative(self) -> KycRepresentative | None:
        p = self._view.profile
        if p is None or p.representative_name is None or p.representative_pan is None:
            return None
        return KycRepresentative(
            name=p.representative_name, pan=identifiers.mask_pan(p.representative_pan),
            full_pan=p.representative_pan if self._view.viewer_is_owner else None,
            designation=p.representative_designation or "", email=p.representative_email or "",
            mobile=identifiers.mask_mobile(p.representative_mobile or "0000"),
        )  # fmt: skip

    @strawberry.field(
        description="Owners with 10 % or more (see `ownersRequired`), each with a document."
    )
    def owners(self) -> list[KycOwner]:
        proofs = {d.owner_id: d for d in self._view.documents if d.owner_id is not None}
        return [
            KycOwner.from_model(o, full=self._view.viewer_is_owner, document=proofs.get(o.id))
            for o in self._view.owners
        ]

    @strawberry.field(
        description="Whether this business type must list its owners of 10 % or more: "
        "businesses owned by people must; government bodies, trusts, societies and public "
        "companies may have none (any owner listed still needs a document)."
    )
    def owners_required(self) -> bool:
        return service.owners_required(self._view.business_type)

    @strawberry.field(description="The bank account payments leave from.")
    def bank_account(self) -> KycBankAccount | None:
        p = self._view.profile
        if p is None or p.bank_account_number is None:
            return None
        return KycBankAccount(
            holder=p.bank_account_holder or "",
            account_number=identifiers.mask_account(p.bank_account_number),
            full_account_number=p.bank_account_number if self._view.viewer_is_owner else None,
            ifsc=p.bank_ifsc or "",
        )

    @strawberry.field(description="Uploaded documents.")
    def documents(self) -> list[KycDocument]:
        return [KycDocument.from_model(d) for d in self._view.documents]

    @strawberry.field(description="The documents this business type needs.")
    def required_documents(self) -> list[KycDocumentKind]:
        return [KycDocumentKind[k] for k in service.required_documents(self._view.business_type)]

    @strawberry.field(description="What still keeps KYC from being submitted (empty when ready).")
    def missing(self) -> list[UserError]:
        p = self._view.profile or KycProfileModel(organisation_id=self._view.organisation_id)
        return user_errors(
            service.missing(p, self._view.owners, self._view.documents, self._view.business_type)
        )


@strawberry.input(description="The registered business address.")
class KycAddressInput:
    """Address input."""

    line: str = strawberry.field(description="Street address.")
    city: str = strawberry.field(description="City or town.")
    state_code: str = strawberry.field(description="GST state code, e.g. 27.")
    pin: str = strawberry.field(description="6-digit PIN code.")


@strawberry.input(description="The business representative.")
class KycRepresentativeInput:
    """Representative input."""

    name: str = strawberry.field(description="Full name.")
    pan: str = strawberry.field(description="Personal PAN (4th character P).")
    designation: str = strawberry.field(description="Role in the business.")
    email: str = strawberry.field(description="E-mail address.")
    mobile: str = strawberry.field(description="10-digit Indian mobile number.")


@strawberry.input(description="The bank account payments leave from.")
class KycBankAccountInput:
    """Bank account input."""

    holder: str = strawberry.field(description="Account holder's name.")
    number: str = strawberry.field(description="Account number (9-18 digits).")
    ifsc: str = strawberry.field(description="IFSC of the branch.")


@strawberry.input(description="Save KYC sections; each given section is checked whole.")
class KycProfileUpdateInput:
    """KYC update input."""

    organisation_id: strawberry.ID = strawberry.field(description="The organisation.")
    address: KycAddressInput | None = strawberry.field(default=None, description="The address.")
    representative: KycRepresentativeInput | None = strawberry.field(
        default=None, description="The representative."
    )
    bank_account: KycBankAccountInput | None = strawberry.field(
        default=None, description="The account."
    )


@strawberry.input(description="List an owner with 10 % or more (shares together at most 100 %).")
class KycOwnerAddInput:
    """Owner input."""

    organisation_id: strawberry.ID = strawberry.field(description="The organisation.")
    name: str = strawberry.field(description="Full name.")
    pan: str = strawberry.field(description="The owner's PAN.")
    share_percent: decimal.Decimal = strawberry.field(description='Share in percent, e.g. "25.50".')


@strawberry.input(description="Take an owner off the list.")
class KycOwnerRemoveInput:
    """Owner removal input."""

    owner_id: strawberry.ID = strawberry.field(description="The owner (`KycOwner.id`).")


@strawberry.input(
    description=(
        "Upload a KYC document through GraphQL: a multipart request (the GraphQL multipart "
        "request spec, as apollo-upload-client sends it)."
    )
)
class KycDocumentUploadInput:
    """Document upload input."""

    organisation_id: strawberry.ID = strawberry.field(description="The organisation.")
    kind: KycDocumentKind = strawberry.field(description="What the document is.")
    file: Upload = strawberry.field(
        description=(
            "The file: a PDF, PNG or JPEG of at most 5 MiB, sent as a part of the multipart "
            "request with its own Content-Type (the bytes are checked)."
        )
    )
    owner_id: strawberry.ID | None = strawberry.field(
        default=None, description="For an owner's proof of identity (`OWNER_ID`): the owner."
    )


@strawberry.type(description="The result of a KYC document upload.")
class KycDocumentUploadPayload:
    """Upload result."""

    document: KycDocument | None = strawberry.field(description="The document kept.")
    kyc: Kyc | None = strawberry.field(description="The KYC after the upload.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.input(description="Submit KYC for the network's review.")
class KycSubmitInput:
    """Submission input."""

    organisation_id: strawberry.ID = strawberry.field(description="The organisation.")


@strawberry.type(description="The result of a KYC change.")
class KycPayload:
    """KYC result."""

    kyc: Kyc | None = strawberry.field(description="The KYC after the change.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")


async def kyc_of(info: Info, organisation_id: uuid.UUID) -> Kyc:
    """The KYC of an organisation the viewer belongs to."""
    return Kyc(_view=await resolvers.view(info.context, organisation_id))
