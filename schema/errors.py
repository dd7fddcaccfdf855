"""The ``UserError`` type every mutation payload carries."""

from __future__ import annotations

import enum

import strawberry

from resolvers.services.errors import UserError as ServiceUserError


@strawberry.enum(description="Why an input was refused. Branch on this, not on the message.")
class UserErrorCode(enum.Enum):
    """Mirrors ``resolvers.services.errors.ErrorCode`` (a test keeps them equal)."""

    INVALID = strawberry.enum_value("INVALID", description="The value is malformed or not allowed.")
    REQUIRED = strawberry.enum_value("REQUIRED", description="A value is required.")
    TOO_LONG = strawberry.enum_value("TOO_LONG", description="The value is longer than allowed.")
    NOT_FOUND = strawberry.enum_value(
        "NOT_FOUND", description="Nothing with this id or value exists that you may see."
    )
    TAKEN = strawberry.enum_value("TAKEN", description="The value is already used by someone else.")
    INVALID_EMAIL = strawberry.enum_value(
        "INVALID_EMAIL", description="Not a valid e-mail address."
    )
    WEAK_PASSWORD = strawberry.enum_value("WEAK_PASSWORD", description="The password is too weak.")
    INVALID_CREDENTIALS = strawberry.enum_value(
        "INVALID_CREDENTIALS", description="The e-mail address or password is wrong."
    )
    ALREADY_MEMBER = strawberry.enum_value(
        "ALREADY_MEMBER", description="The person is already a member of the organisation."
    )
    LAST_OWNER = strawberry.enum_value(
        "LAST_OWNER", description="The change would leave the organisation without an owner."
    )
    IDEMPOTENCY_KEY_REUSED = strawberry.enum_value(
        "IDEMPOTENCY_KEY_REUSED",
        description="The idempotency key was used before with a different input.",
    )

    STEP_OUT_OF_ORDER = strawberry.enum_value(
        "STEP_OUT_OF_ORDER", description="An earlier onboarding step must be completed first."
    )
    ALREADY_DONE = strawberry.enum_value(
        "ALREADY_DONE", description="This step is already complete."
    )
    GSTIN_NOT_HELD = strawberry.enum_value(
        "GSTIN_NOT_HELD", description="The GSTIN is not one of the organisation's GSTINs."
    )
    PAN_MISMATCH = strawberry.enum_value(
        "PAN_MISMATCH", description="The GSTIN's PAN holder type does not fit the business type."
    )
    LEGAL_NAME_MISMATCH = strawberry.enum_value(
        "LEGAL_NAME_MISMATCH",
        description="The legal name differs from the one registered with GSTN.",
    )
    GSTN_REFUSED = strawberry.enum_value(
        "GSTN_REFUSED", description="The GSTN portal refused (unknown GSTIN or wrong username)."
    )
    GSTN_API_ACCESS_DISABLED = strawberry.enum_value(
        "GSTN_API_ACCESS_DISABLED",
        description="API access is not enabled for the GSTIN on the GSTN portal: enable it there.",
    )
    GSTIN_INACTIVE = strawberry.enum_value(
        "GSTIN_INACTIVE",
        description="The GSTN portal shows the GSTIN as cancelled or suspended.",
    )
    NETWORK_UNAVAILABLE = strawberry.enum_value(
        "NETWORK_UNAVAILABLE", description="The network did not answer; nothing changed, try again."
    )
    OTP_NOT_REQUESTED = strawberry.enum_value(
        "OTP_NOT_REQUESTED", description="No OTP is waiting: request one first."
    )
    OTP_INVALID = strawberry.enum_value("OTP_INVALID", description="The OTP is wrong.")
    OTP_EXPIRED = strawberry.enum_value(
        "OTP_EXPIRED", description="The OTP expired: request a new one."
    )
    OTP_ALREADY_USED = strawberry.enum_value(
        "OTP_ALREADY_USED", description="The OTP was used already."
    )
    OTP_TOO_MANY_ATTEMPTS = strawberry.enum_value(
        "OTP_TOO_MANY_ATTEMPTS", description="Too many wrong tries: request a new OTP."
    )
    RESEND_TOO_SOON = strawberry.enum_value(
        "RESEND_TOO_SOON", description="An OTP was sent moments ago: wait before asking again."
    )
    TERMS_NOT_ACCEPTED = strawberry.enum_value(
        "TERMS_NOT_ACCEPTED", description="The terms and conditions must be accepted."
    )
    KYC_INCOMPLETE = strawberry.enum_value(
        "KYC_INCOMPLETE", description="Something KYC needs is missing (see `field`)."
    )
    SHARES_OVER_100 = strawberry.enum_value(
        "SHARES_OVER_100", description="The owners' shares would add up to more than 100 %."
    )
    UNSUPPORTED_FILE_TYPE = strawberry.enum_value(
        "UNSUPPORTED_FILE_TYPE", description="Upload a PDF, PNG or JPEG (checked by content)."
    )
    FILE_TOO_LARGE = strawberry.enum_value("FILE_TOO_LARGE", description="The file is too large.")
    B2B_ID_IMMUTABLE = strawberry.enum_value(
        "B2B_ID_IMMUTABLE",
        description="A B2B ID exists already: it can never be changed (only support deletes it).",
    )
    B2B_ID_MISMATCH = strawberry.enum_value(
        "B2B_ID_MISMATCH",
        description="The network does not (or no longer) list this B2B ID for the contact's GSTIN.",
    )
    CONTACT_NOT_LINKED = strawberry.enum_value(
        "CONTACT_NOT_LINKED", description="The contact has no B2B ID: link one first."
    )
    DUPLICATE = strawberry.enum_value("DUPLICATE", description="The same item appears twice.")
    TOO_MANY = strawberry.enum_value("TOO_MANY", description="More items than one request takes.")
    EXPIRED = strawberry.enum_value(
        "EXPIRED", description="It expired (an invitation, say): ask for a new one."
    )
    RATE_LIMITED = strawberry.enum_value(
        "RATE_LIMITED",
        description="Too many attempts in a short time: wait `retryAfterSeconds`, then try again.",
    )
    TEMPORARILY_LOCKED = strawberry.enum_value(
        "TEMPORARILY_LOCKED",
        description="Too many attempts: locked out for `retryAfterSeconds`; the attempt was not "
        "made.",
    )
    OVER_BALANCE = strawberry.enum_value(
        "OVER_BALANCE",
        description="The amount is more than what is due (payments on their way count).",
    )
    NOT_PAYABLE = strawberry.enum_value(
        "NOT_PAYABLE",
        description="The document cannot be paid (not an open bill or invoice, or void).",
    )
    KYC_NOT_APPROVED = strawberry.enum_value(
        "KYC_NOT_APPROVED", description="The organisation's KYC must be approved first."
    )
    PAYMENT_IN_FLIGHT = strawberry.enum_value(
        "PAYMENT_IN_FLIGHT",
        description="A payment is on its way for this document: wait for it to settle or fail.",
    )
    OVER_LIMIT = strawberry.enum_value(
        "OVER_LIMIT",
        description="Over a limit of the payment method (UPI: ₹1,00,000 per payment).",
    )
    PAYEE_CANNOT_COLLECT = strawberry.enum_value(
        "PAYEE_CANNOT_COLLECT",
        description="The payee cannot receive payments through the network yet (its KYC, "
        "with a verified bank account, is not approved): pay outside it and record that.",
    )
    EMAIL_NOT_VERIFIED = strawberry.enum_value(
        "EMAIL_NOT_VERIFIED",
        description="Prove your e-mail address first (accountEmailCodeSend, then "
        "accountEmailVerify).",
    )


@strawberry.type(description="An input that was refused. Nothing was changed.")
class UserError:
    """A refused input."""

    code: UserErrorCode = strawberry.field(description="A stable, machine-readable code.")
    field: list[str] | None = strawberry.field(
        description='The path of the input field at fault, e.g. ["input", "email"].'
    )
    message: str = strawberry.field(description="A message for people, in English.")
    retry_after_seconds: int | None = strawberry.field(
        default=None,
        description="For RATE_LIMITED and TEMPORARILY_LOCKED: seconds to wait before trying again.",
    )

    @classmethod
    def from_service(cls, error: ServiceUserError) -> UserError:
        """Map a service error."""
        return cls(
            code=UserErrorCode[error.code.name],
            field=list(error.field) or None,
            message=error.message,
            retry_after_seconds=error.retry_after,
        )


def user_errors(errors: list[ServiceUserError]) -> list[UserError]:
    """Map service errors."""
    return [UserError.from_service(error) for error in errors]
