"""Payments: types, inputs and mutation fields."""

from __future__ import annotations

import datetime as dt
import decimal
import enum

import strawberry

from contract import identifiers
from db.models import Payment as PaymentModel
from db.models import PaymentMethod as StoredMethod
from resolvers import account as account_resolvers
from resolvers import contacts as contact_resolvers
from resolvers import documents as document_resolvers
from resolvers import payments as resolvers
from resolvers.context import Context
from resolvers.mutation import Outcome
from resolvers.services.ids import encode_id
from schema.account import Account
from schema.contact import Contact
from schema.document import Document
from schema.errors import UserError, user_errors
from schema.money import Money
from schema.relay import Node

Info = strawberry.Info[Context, None]


@strawberry.enum(description="Whether you pay (a bill) or are paid (an invoice).")
class PaymentDirection(enum.Enum):
    """Directions."""

    OUTGOING = strawberry.enum_value("OUTGOING", description="You pay a vendor.")
    INCOMING = strawberry.enum_value("INCOMING", description="A customer pays you.")


@strawberry.enum(description="How the money moves.")
class PaymentMethod(enum.Enum):
    """Methods."""

    BANK_TRANSFER = strawberry.enum_value(
        "BANK_TRANSFER", description="From the bank account your KYC verified."
    )
    UPI = strawberry.enum_value("UPI", description="From a UPI address (VPA).")
    CARD = strawberry.enum_value("CARD", description="With a tokenised card.")
    NET_BANKING = strawberry.enum_value("NET_BANKING", description="Through a bank's net banking.")
    OFFLINE = strawberry.enum_value("OFFLINE", description="Paid outside the network.")
    FINANCING = strawberry.enum_value(
        "FINANCING", description="A financier's disbursal against your invoices."
    )


@strawberry.enum(description="How a payment through the network is made.")
class NetworkPaymentMethod(enum.Enum):
    """Online methods."""

    BANK_TRANSFER = strawberry.enum_value(
        "BANK_TRANSFER", description="From the bank account your KYC verified."
    )
    UPI = strawberry.enum_value("UPI", description="From a UPI address: give `vpa`.")
    CARD = strawberry.enum_value(
        "CARD", description="With a card token from the network's vault: give `cardToken`."
    )
    NET_BANKING = strawberry.enum_value(
        "NET_BANKING", description="Through a bank's net banking: give `bankCode` (see `banks`)."
    )


@strawberry.enum(
    description="Where a payment stands. Online: INITIATED → PENDING → SETTLED or FAILED, and "
    "SETTLED → REVERSED. Offline, paid by you: RECORDED, or AWAITING_CONFIRMATION → CONFIRMED "
    "or DENIED; received: AWAITING_CONFIRMATION → CONFIRMED."
)
class PaymentStatus(enum.Enum):
    """Statuses."""

    INITIATED = strawberry.enum_value("INITIATED", description="Queued for the network.")
    PENDING = strawberry.enum_value(
        "PENDING",
        description="Taken by the network (in its virtual account), or its outcome is not known "
        "yet: it is asked about until it is.",
    )
    SETTLED = strawberry.enum_value(
        "SETTLED", description="Paid into the vendor's verified account (see `utr`)."
    )
    FAILED = strawberry.enum_value(
        "FAILED", description="Not paid (see `failureReason`); the bills may be paid again."
    )
    REVERSED = strawberry.enum_value(
        "REVERSED", description="Settled, then returned by the bank: no longer counts as paid."
    )
    RECORDED = strawberry.enum_value(
        "RECORDED", description="Paid outside the network and recorded (the vendor is not told)."
    )
    AWAITING_CONFIRMATION = strawberry.enum_value(
        "AWAITING_CONFIRMATION",
        description="Paid outside the network; the seller is to confirm receiving it.",
    )
    CONFIRMED = strawberry.enum_value(
        "CONFIRMED", description="Paid outside the network, and the seller confirmed it."
    )
    DENIED = strawberry.enum_value(
        "DENIED",
        description="The vendor did not receive it: no longer counts as paid (pay again).",
    )


@strawberry.enum(description="How a payment outside the network was made.")
class OfflinePaymentMode(enum.Enum):
    """Offline modes."""

    CASH = strawberry.enum_value("CASH", description="Cash.")
    CHEQUE = strawberry.enum_value("CHEQUE", description="Cheque.")
    BANK_TRANSFER = strawberry.enum_value("BANK_TRANSFER", description="NEFT, RTGS or IMPS.")
    UPI = strawberry.enum_value("UPI", description="UPI, outside the network.")
    CARD = strawberry.enum_value("CARD", description="A card, outside the network.")
    OTHER = strawberry.enum_value("OTHER", description="Anything else.")


@strawberry.type(description="A collection account the network issued for one payment.")
class VirtualAccount:
    """A virtual account."""

    account_number: str = strawberry.field(description="The account number.")
    ifsc: str = strawberry.field(description="The partner bank's IFSC.")


@strawberry.type(
    description="Where your money came from, masked: never a full account or card number."
)
class PaymentSource:
    """A payment's source."""

    bank_account: str | None = strawberry.field(
        description="For bank transfers: the KYC account, masked (XXXXXXXX1234)."
    )
    ifsc: str | None = strawberry.field(description="For bank transfers: its IFSC.")
    vpa: str | None = strawberry.field(description="For UPI: the address, masked.")
    bank_code: str | None = strawberry.field(description="For net banking: the bank.")
    card_network: str | None = strawberry.field(
        description="For cards: VISA, MASTERCARD, RUPAY, AMEX or DINERS."
    )
    card_last4: str | None = strawberry.field(description="For cards: the last four digits.")


@strawberry.type(description="The part of a payment that settles one document.")
class PaymentAllocation:
    """An allocation."""

    amount: Money = strawberry.field(description="The amount.")
    _document_id: strawberry.Private[object]

    @strawberry.field(description="The bill or invoice (null if no longer visible).")
    async def document(self, info: Info) -> Document | None:
        found = await document_resolvers.document_by_id(info.context, self._document_id)  # type: ignore[arg-type]
        return None if found is None else Document.from_model(found)


@strawberry.type(description="A payment made or received, through the network or outside it.")
class Payment(Node):
    """A payment."""

    direction: PaymentDirection = strawberry.field(description="Paid by you, or to you.")
    method: PaymentMethod = strawberry.field(description="How the money moved.")
    status: PaymentStatus = strawberry.field(description="Where it stands.")
    amount: Money = strawberry.field(
        description="The amount (INR): what the payer paid and what it settles on the documents."
    )
    routed_to_financier: Money = strawberry.field(
        description="For a payment received on a financed invoice: what the network passed on "
        "to the financier (until it is repaid); zero otherwise."
    )
    amount_received: Money = strawberry.field(
        description="What reached your account: the amount less what went to a financier "
        "(the amount itself for payments you made)."
    )
    network_id: str | None = strawberry.field(
        description="Its id on the network (made once, kept for every retry)."
    )
    counterparty_b2b_id: str | None = strawberry.field(
        name="counterpartyB2BId", description="The vendor's (or payer's) B2B ID."
    )
    virtual_account: VirtualAccount | None = strawberry.field(
        description="For online payments: the account the money was paid into."
    )
    utr: str | None = strawberry.field(
        description="The bank's unique transaction reference, once settled."
    )
    failure_reason: str | None = strawberry.field(
        description="Why it failed or was reversed (INSUFFICIENT_FUNDS, UPI_DECLINED, "
        "CARD_DECLINED, LIMIT_EXCEEDED, BANK_DOWN, VENDOR_ACCOUNT_INVALID, ...)."
    )
    source: PaymentSource | None = strawberry.field(
        description="For online payments you made: where the money came from (masked)."
    )
    offline_mode: OfflinePaymentMode | None = strawberry.field(
        description="For offline payments: how it was paid."
    )
    reference: str | None = strawberry.field(
        description="For offline payments: the cheque number, bank reference, ..."
    )
    remarks: str | None = strawberry.field(description="The other side's remarks, if any.")
    paid_on: dt.date = strawberry.field(description="When it was paid (or initiated).")
    settled_on: dt.date | None = strawberry.field(description="When the network settled it.")
    created_at: dt.datetime = strawberry.field(description="When it was recorded (UTC).")
    updated_at: dt.datetime = strawberry.field(description="When it last changed (UTC).")
    _model: strawberry.Private[PaymentModel]

    @classmethod
    def from_model(cls, m: PaymentModel) -> Payment:
        """Map a row (sources masked)."""
        online = m.method != StoredMethod.OFFLINE
        source = None
        if online and m.direction.value == "OUTGOING":
            source = PaymentSource(
                bank_account=None if m.source_account_last4 is None
                else "XXXXXXXX" + m.source_account_last4,
                ifsc=m.source_ifsc, vpa=None if m.vpa is None else identifiers.mask_vpa(m.vpa),
                bank_code=m.bank_code, card_network=m.card_network, card_last4=m.card_last4,
            )  # fmt: skip
        return cls(
            id=strawberry.ID(encode_id("Payment", m.id)),
            direction=PaymentDirection[m.direction.value], method=PaymentMethod[m.method.value],
            status=PaymentStatus[m.status.value], amount=Money.from_paise(m.amount_paise),
            routed_to_financier=Money.from_paise(m.routed_paise),
            amount_received=Money.from_paise(m.amount_paise - m.routed_paise),
            network_id=m.network_id, counterparty_b2b_id=m.counterparty_b2b_id,
            virtual_account=VirtualAccount(account_number=m.virtual_account, ifsc=m.virtual_ifsc)
            if m.virtual_account and m.virtual_ifsc else None,
            utr=m.utr, failure_reason=m.failure_reason, source=source,
            offline_mode=None if m.offline_mode is None else OfflinePaymentMode[m.offline_mode],
            reference=m.reference, remarks=m.remarks, paid_on=m.paid_on, settled_on=m.settled_on,
            created_at=m.created_at, updated_at=m.updated_at, _model=m,
        )  # fmt: skip

    @strawberry.field(description="The bills or invoices it settles, and how much of each.")
    async def allocations(self, info: Info) -> list[PaymentAllocation]:
        return [
            PaymentAllocation(amount=Money.from_paise(a.amount_paise), _document_id=a.document_id)
            for a in await resolvers.allocations(info.context, self._model.id)
        ]

    @strawberry.field(description="The vendor or customer (null if unknown here).")
    async def contact(self, info: Info) -> Contact | None:
        if self._model.contact_id is None:
            return None
        found = await contact_resolvers.contact_by_id(info.context, self._model.contact_id)
        return None if found is None else Contact.from_model(found)

    @strawberry.field(description="Who made or recorded it (null for the network).")
    async def created_by(self, info: Info) -> Account | None:
        if self._model.created_by_account_id is None:
            return None
        found = await account_resolvers.account_by_id(
            info.context, self._model.created_by_account_id
        )
        return None if found is None else Account.from_model(found)


@strawberry.type(description="A bank offered for net banking.")
class Bank:
    """A bank."""

    code: str = strawberry.field(description="Its code: pass as `bankCode`.")
    name: str = strawberry.field(description="Its name.")
    ifsc_prefix: str = strawberry.field(description="The first four characters of its IFSCs.")


@strawberry.input(description="A bill and how much of it to pay.")
class PaymentAllocationInput:
    """An allocation."""

    document_id: strawberry.ID = strawberry.field(description="The bill (a received invoice).")
    amount: decimal.Decimal = strawberry.field(
        description='Rupees, at most 2 decimals ("1180.50").'
    )


@strawberry.input(description="Pay bills of one vendor through Bharat Connect.")
class PaymentCreateInput:
    """Input."""

    organisation_id: strawberry.ID = strawberry.field(description="The paying organisation.")
    allocations: list[PaymentAllocationInput] = strawberry.field(
        description="The bills (one vendor's, 1 to 100) and the amount of each; the payment's "
        "amount is their sum."
    )
    method: NetworkPaymentMethod = strawberry.field(description="How to pay.")
    vpa: str | None = strawberry.field(default=None, description="For UPI: name@handle.")
    bank_code: str | None = strawberry.field(
        default=None, description="For net banking: a bank's code (see `banks`)."
    )
    card_token: str | None = strawberry.field(
        default=None, description="For cards: a token from the network's card vault."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="Repeat with the same key to get the same payment back."
    )


@strawberry.input(description="Record a payment made outside the network.")
class PaymentRecordOfflineInput:
    """Input."""

    organisation_id: strawberry.ID = strawberry.field(description="The paying organisation.")
    allocations: list[PaymentAllocationInput] = strawberry.field(
        description="The bills (one vendor's) and the amount of each."
    )
    paid_on: dt.date = strawberry.field(description="When it was paid.")
    mode: OfflinePaymentMode = strawberry.field(description="How it was paid.")
    reference: str | None = strawberry.field(
        default=None, description="Cheque number, bank reference, ... (at most 100)."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="Repeat with the same key to get the same record back."
    )


@strawberry.input(
    description="Record a payment a customer made outside the network (and never reported) "
    "against your invoices."
)
class PaymentReceivedRecordInput:
    """Input."""

    organisation_id: strawberry.ID = strawberry.field(description="The receiving organisation.")
    allocations: list[PaymentAllocationInput] = strawberry.field(
        description="Your invoices (one customer's, 1 to 100) and the amount of each."
    )
    paid_on: dt.date = strawberry.field(description="When it was paid.")
    mode: OfflinePaymentMode = strawberry.field(description="How it was paid.")
    reference: str | None = strawberry.field(
        default=None, description="Cheque number, bank reference, ... (at most 100)."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="Repeat with the same key to get the same record back."
    )


@strawberry.input(description="Ask the buyer of one of your invoices to pay it.")
class PaymentRequestSendInput:
    """Input."""

    invoice_id: strawberry.ID = strawberry.field(
        description="Your invoice, accepted by the customer through Bharat Connect."
    )
    amount: decimal.Decimal | None = strawberry.field(
        default=None,
        description="How much to ask for (at most what is due less payments on their way); "
        "what is due when left out.",
    )
    message: str | None = strawberry.field(
        default=None, description="A note to the customer (at most 500 characters)."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="Repeat with the same key to get the same result back."
    )


@strawberry.type(description="The result of `paymentRequestSend`.")
class PaymentRequestSendPayload:
    """Payload."""

    invoice: Document | None = strawberry.field(
        description="The invoice (its history shows the request)."
    )
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")


@strawberry.input(description="Confirm receiving a payment a buyer made outside the network.")
class PaymentReceivedConfirmInput:
    """Input."""

    payment_id: strawberry.ID = strawberry.field(description="The payment received.")


@strawberry.input(description="Say a payment a buyer reported was not received.")
class PaymentReceivedDenyInput:
    """Input."""

    payment_id: strawberry.ID = strawberry.field(description="The payment received.")
    remarks: str = strawberry.field(description="Why (told to the buyer; at most 500).")


@strawberry.type(description="The result of a payment mutation.")
class PaymentPayload:
    """Payload."""

    payment: Payment | None = strawberry.field(description="The payment, if it went through.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused.")

    @classmethod
    def of(cls, outcome: Outcome[PaymentModel]) -> PaymentPayload:
        """From a mutation's outcome."""
        return cls(
            payment=None if outcome.value is None else Payment.from_model(outcome.value),
            user_errors=user_errors(outcome.errors),
        )
