"""The payment rails: virtual accounts, settlement (or failure) after a delay, UTRs, reversals,
the card token vault, the bank list and the settlement reports (offline payment reports:
:mod:`simulator.payment_reports`).

Money is conserved: a payment is debited once (per network id) when the network takes it and
ends SETTLED, FAILED (the debit returned) or REVERSED (settled, then returned by the bank);
:meth:`Payments.payment_totals` adds it up; every movement of money is a transfer on
the network's double-entry ledger (:mod:`simulator.ledger`), and settlement reports are derived
from it. A financed invoice's payment repays its financier first: the payee is credited only
the rest.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from contract import identifiers
from contract.errors import NetworkRefusedError
from contract.payments import Bank, CardToken, PaymentOrder, PaymentState, SettlementLine
from simulator import ledger
from simulator.financing import Financing
from simulator.world import CardRecord, NetworkPayment

BANKS = (
    Bank("SBIN", "State Bank of India", "SBIN"),
    Bank("HDFC", "HDFC Bank", "HDFC"),
    Bank("ICIC", "ICICI Bank", "ICIC"),
    Bank("UTIB", "Axis Bank", "UTIB"),
    Bank("KKBK", "Kotak Mahindra Bank", "KKBK"),
    Bank("PUNB", "Punjab National Bank", "PUNB"),
    Bank("BARB", "Bank of Baroda", "BARB"),
)
# The network's partner bank, where virtual accounts are held.
PARTNER_IFSC = "BCNB0000001"
FAILURE_REASONS = (
    "INSUFFICIENT_FUNDS",
    "UPI_DECLINED",
    "CARD_DECLINED",
    "LIMIT_EXCEEDED",
    "BANK_DOWN",
    "VENDOR_ACCOUNT_INVALID",
)
CARD_NETWORKS = (("34", "AMEX"), ("37", "AMEX"), ("36", "DINERS"), ("4", "VISA"),
                 ("5", "MASTERCARD"), ("6", "RUPAY"))  # fmt: skip


def _luhn(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _fingerprint(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def payment_state(payment: NetworkPayment) -> PaymentState:
    """What the network tells about a payment."""
    return PaymentState(
        payment.network_id, payment.state,  # type: ignore[arg-type]
        payment.amount_paise, payment.virtual_account or None, payment.virtual_ifsc or None,
        payment.utr, payment.reason, payment.settled_on,
    )  # fmt: skip


class Payments(Financing):
    """The payment rails."""

    def _digits(self, count: int) -> str:
        return "".join(self.random.choices("0123456789", k=count))

    def _utr(self, method: str, payer_bank: str) -> str:
        """NEFT: bank code + 12 characters (16); UPI, card and net banking: a 12-digit RRN."""
        if method == "BANK_TRANSFER":
            return payer_bank[:4].upper().ljust(4, "X") + self._digits(12)
        return self._digits(12)

    def _participant(self, b2b_id: str, role: str) -> str:
        entry = self.world.directory.get(b2b_id.lower())
        if entry is None or entry.state != "APPROVED":
            raise NetworkRefusedError(
                f"{role}_NOT_FOUND", f"No business on the network has the {role.lower()}'s B2B ID."
            )
        return entry.b2b_id

    def _check_source(self, order: PaymentOrder) -> str:
        """The payer's bank code (for the UTR), once the source is checked."""
        source = order.source
        if order.method == "BANK_TRANSFER":
            try:
                identifiers.check_bank_account(source.get("accountNumber", ""))
                return identifiers.check_ifsc(source.get("ifsc", ""))[:4]
            except ValueError as exc:
                raise NetworkRefusedError("SOURCE_INVALID", str(exc)) from None
        if order.method == "UPI":
            try:
                identifiers.check_vpa(source.get("vpa", ""))
            except ValueError as exc:
                raise NetworkRefusedError("SOURCE_INVALID", str(exc)) from None
            return "UPIX"
        if order.method == "CARD":
            card = self.world.cards.get(source.get("cardToken", ""))
            if card is None or card.holder.lower() != order.payer_b2b_id.lower():
                raise NetworkRefusedError(
                    "CARD_TOKEN_INVALID", "The card token is unknown or not the payer's."
                )
            return "CARD"
        if order.method == "NET_BANKING":
            code = source.get("bankCode", "")
            if not any(bank.code == code for bank in BANKS):
                raise NetworkRefusedError("BANK_NOT_FOUND", "No such bank for net banking.")
            return code
        raise NetworkRefusedError("SOURCE_INVALID", "Unknown payment method.")

    def _day(self) -> str:
        return self.clock.now().date().isoformat()

    async def payment_initiate(self, order: PaymentOrder) -> PaymentState:
        """Take a payment: debit the payer into a new virtual account; settle later."""
        fault = await self.enter("payment_initiate")
        asked = _fingerprint(
            [order.payer_b2b_id.lower(), order.payee_b2b_id.lower(), order.method,
             order.amount_paise, [[a.document_network_id, a.amount_paise]
                                  for a in order.allocations]]
        )  # fmt: skip
        held = self.world.payments.get(order.network_id)
        if held is not None:
            if held.fingerprint != asked:
                raise NetworkRefusedError(
                    "PAYMENT_ID_REUSED", "This payment id was used for another payment."
                )
            self.after(fault, "payment_initiate")
            return payment_state(held)
        payer = self._participant(order.payer_b2b_id, "PAYER")
        payee = self._participant(order.payee_b2b_id, "PAYEE")
        if self._hosted(payee) and not self.can_collect(payee):
            raise NetworkRefusedError(
                "PAYEE_CANNOT_COLLECT",
                "The payee cannot receive payments through the network until its KYC (with a "
                "verified bank account) is approved.",
            )
        if order.amount_paise <= 0 or sum(a.amount_paise for a in order.allocations) != (
            order.amount_paise
        ):
            raise NetworkRefusedError(
                "AMOUNT_INVALID", "The allocations must add up to the payment's amount."
            )
        bank = self._check_source(order)
        payment = NetworkPayment(
            order.network_id, payer, payee, order.method, order.amount_paise,
            [[a.document_network_id, a.amount_paise] for a in order.allocations],
            virtual_account="BCVA" + self._digits(12), virtual_ifsc=PARTNER_IFSC,
            created_on=self._day(), fingerprint=asked, utr=None,
        )  # fmt: skip
        # The UTR is made now (from the seed) and shown once the money moves on.
        payment.next_utr = self._utr(order.method, bank)
        self.world.payments[order.network_id] = payment
        self.changed()
        self.schedule(
            self.world.behaviour.settlement_seconds, "settle", network_id=order.network_id
        )
        self.after(fault, "payment_initiate")
        return payment_state(payment)

    def _failure(self, payment: NetworkPayment) -> str | None:
        behaviour = self.world.behaviour
        if payment.method == "UPI" and payment.amount_paise > behaviour.upi_limit_paise:
            return "LIMIT_EXCEEDED"
        for rule in behaviour.payment_rules:
            if rule.get("method", "*") not in {"*", payment.method}:
                continue
            if payment.amount_paise < int(rule.get("minPaise", 0)):
                continue
            if rule.get("payer") and str(rule["payer"]).lower() != payment.payer.lower():
                continue
            if self.random.random() < float(rule.get("rate", 1.0)):
                return str(rule.get("reason", "BANK_DOWN"))
        return None

    async def _task_settle(self, network_id: str) -> None:
        """Move the money on: to the financiers of financed invoices first (what each is
        still owed), the rest to the payee; or return it to the payer, with the reason."""
        payment = self.world.payments.get(network_id)
        if payment is None or payment.state != "PENDING":
            return
        reason = self._failure(payment)
        if reason is not None:
            payment.state, payment.reason = "FAILED", reason
        else:
            payment.state, payment.settled_on = "SETTLED", self._day()
            payment.utr = payment.next_utr
            payment.routed = [
                routed
                for document_network_id, paise in payment.allocations
                if (routed := self.route_repayment(str(document_network_id), int(paise)))
            ]
            self._book(payment, reversal=False)
        self.changed()
        self._tell(payment)

    def _book(self, payment: NetworkPayment, *, reversal: bool) -> None:
        """The payment's transfers on the ledger, each a line of its party's settlement
        report. Settling: the payer's debit into clearing (``-S-D``), from clearing each
        financier's repayment (``-S-F``) and the payee's rest (``-S-C``). A reversal returns
        them: the payee's (``-R-D``) and the financiers' (``-R-F``) into clearing, and the
        whole amount back to the payer (``-R-C``)."""
        assert payment.utr is not None
        nid, clearing = payment.network_id, ledger.CLEARING
        payer, payee = ledger.participant(payment.payer), ledger.participant(payment.payee)
        rest = payment.amount_paise - payment.routed_paise
        financiers = [
            (f"{index or ''}", ledger.financier(str(financier_id)), int(paise))
            for index, (_, financier_id, paise) in enumerate(payment.routed)
        ]
        if not reversal:
            legs = [(f"{nid}-S-D", "PAYMENT", payer, clearing, payment.amount_paise),
                    *((f"{nid}-S-F{i}", "ROUTING", clearing, account, paise)
                      for i, account, paise in financiers),
                    (f"{nid}-S-C", "SETTLEMENT", clearing, payee, rest)]  # fmt: skip
        else:
            legs = [(f"{nid}-R-D", "REVERSAL", payee, clearing, rest),
                    *((f"{nid}-R-F{i}", "REVERSAL", account, clearing, paise)
                      for i, account, paise in financiers),
                    (f"{nid}-R-C", "REVERSAL", clearing, payer, payment.amount_paise)]  # fmt: skip
        documents = [str(a[0]) for a in payment.allocations]
        for transfer_id, kind, debit, credit, paise in legs:
            if paise > 0:
                self.move(
                    transfer_id, kind, debit, credit, paise, utr=payment.utr,
                    virtual_account=payment.virtual_account, reference=nid, documents=documents,
                )  # fmt: skip

    def can_collect(self, b2b_id: str) -> bool:
        """Whether a business hosted by the service may receive payments: the network's
        latest decided KYC review of its B2B ID approved it (with its bank account)."""
        decided = [
            r.state for r in self.world.reviews.view()
            if r.kind == "KYC" and r.subject.lower() == b2b_id.lower() and r.state != "PENDING"
        ]  # fmt: skip
        return bool(decided) and decided[-1] == "APPROVED"

    def _hosted(self, b2b_id: str) -> bool:
        entry = self.world.directory.get(b2b_id.lower())
        return entry is not None and entry.hosted

    def _tell(self, payment: NetworkPayment) -> None:
        """The hosted payer hears where its payment stands; a hosted payee hears of money
        received (or reversed)."""
        data = {
            "networkId": payment.network_id, "state": payment.state,
            "amountPaise": payment.amount_paise, "utr": payment.utr,
            "virtualAccount": payment.virtual_account, "virtualIfsc": payment.virtual_ifsc,
            "settledOn": payment.settled_on, "method": payment.method,
            "payerB2BId": payment.payer, "payeeB2BId": payment.payee,
            "allocations": [{"documentNetworkId": a[0], "amountPaise": a[1]}
                            for a in payment.allocations],
            # What went to financiers of financed invoices (the payee received the rest).
            "routedPaise": payment.routed_paise,
        }  # fmt: skip
        if self._hosted(payment.payer):
            self.send(
                self.message(
                    "PAYMENT_UPDATED", payment.network_id, approved=payment.state == "SETTLED",
                    reason=payment.reason, data=data,
                )
            )  # fmt: skip
        if self._hosted(payment.payee) and payment.state in {"SETTLED", "REVERSED"}:
            self.send(
                self.message(
                    "PAYMENT_RECEIVED", payment.network_id, approved=payment.state == "SETTLED",
                    reason=payment.reason, data=data,
                )
            )  # fmt: skip

    def reverse(self, network_id: str, reason: str = "RETURNED_BY_BANK") -> NetworkPayment:
        """The bank returns a settled payment (control API)."""
        payment = self.world.payments.get(network_id)
        if payment is None or payment.state != "SETTLED":
            msg = "only a settled payment can be reversed"
            raise ValueError(msg)
        payment.state, payment.reason = "REVERSED", reason
        self._book(payment, reversal=True)
        for request_id, _, paise in payment.routed:
            self.unroute_repayment(str(request_id), int(paise))
        self.changed()
        self._tell(payment)
        return payment

    async def payment_status(self, network_id: str) -> PaymentState:
        """Where a payment stands."""
        fault = await self.enter("payment_status")
        held = self.world.payments.get(network_id)
        self.after(fault, "payment_status")
        if held is None or held.method == "OFFLINE":
            return PaymentState(network_id, "UNKNOWN")
        return payment_state(held)

    # --- reports, banks, cards -------------------------------------------------------------

    def account_of(self, party: str) -> str:
        """The ledger account of a B2B ID, or of a financier by its id."""
        if party.lower() not in self.world.directory and party in self.world.financiers:
            return ledger.financier(party)
        return ledger.participant(party)

    async def settlement_report(self, b2b_id: str, day: str) -> list[SettlementLine]:
        """A participant's (or a financier's) settlement lines of ``day``: every transfer of
        that day from or to its account."""
        fault = await self.enter("settlement_report")
        account = self.account_of(b2b_id)
        lines = [
            SettlementLine(
                t.transfer_id,
                t.day,
                "DEBIT" if t.debit == account else "CREDIT",
                t.amount_paise,
                t.utr,
                t.virtual_account,
                t.payment_network_id,
                tuple(t.document_network_ids),
            )
            for t in self.world.transfers
            if t.day == day and account in {t.debit, t.credit}
        ]
        self.after(fault, "settlement_report")
        return lines

    async def banks(self) -> list[Bank]:
        """The banks offered for net banking."""
        fault = await self.enter("banks")
        self.after(fault, "banks")
        return list(BANKS)

    def tokenize_card(self, number: str, holder_b2b_id: str) -> CardRecord:
        """Put a test card in the vault: its token (the number is not kept)."""
        digits = "".join(number.split())
        if not (12 <= len(digits) <= 19 and digits.isdigit() and _luhn(digits)):
            msg = "not a card number (12 to 19 digits passing the Luhn check)"
            raise ValueError(msg)
        holder = self._participant(holder_b2b_id, "HOLDER")
        network = next((n for prefix, n in CARD_NETWORKS if digits.startswith(prefix)), "RUPAY")
        token = "tok_" + self.new_id("").lower()[:24]
        card = CardRecord(token, holder, network, digits[-4:])
        self.world.cards[token] = card
        self.changed()
        return card

    async def card_token(self, token: str) -> CardToken:
        """A card token's holder and what may be shown of the card."""
        fault = await self.enter("card_token")
        card = self.world.cards.get(token)
        if card is None:
            raise NetworkRefusedError("CARD_TOKEN_INVALID", "No such card token.")
        self.after(fault, "card_token")
        return CardToken(card.token, card.holder, card.network, card.last4)

    def payment_totals(self) -> dict[str, int]:
        """Paise by where the money ended: every debit is in exactly one of PENDING, SETTLED,
        FAILED or REVERSED (offline reports move no money)."""
        totals = {"DEBITED": 0, "PENDING": 0, "SETTLED": 0, "FAILED": 0, "REVERSED": 0}
        for payment in self.world.payments.view():
            if payment.method == "OFFLINE":
                continue
            totals["DEBITED"] += payment.amount_paise
            totals[payment.state] += payment.amount_paise
        return totals
