"""Payments made outside the network: the payer reports one, the payee (hosted here, or an
external business after a while) answers that it received it or not, and the payer is told.
Nothing is debited: a report moves REPORTED → RECEIVED | DENIED."""

from __future__ import annotations

from contract.errors import NetworkRefusedError
from contract.payments import OfflineReport, PaymentRequest
from simulator.payments import Payments
from simulator.world import NetworkPayment


class PaymentReports(Payments):
    """Offline payment reports."""

    async def payment_report_offline(self, report: OfflineReport) -> None:
        """Carry an offline payment's report to the payee."""
        fault = await self.enter("payment_report_offline")
        if report.network_id in self.world.payments:
            self.after(fault, "payment_report_offline")
            return
        payer = self._participant(report.payer_b2b_id, "PAYER")
        payee = self._participant(report.payee_b2b_id, "PAYEE")
        payment = NetworkPayment(
            report.network_id, payer, payee, "OFFLINE", report.amount_paise,
            [[a.document_network_id, a.amount_paise] for a in report.allocations],
            state="REPORTED", created_on=self._day(), paid_on=report.paid_on, mode=report.mode,
            reference=report.reference,
        )  # fmt: skip
        self.world.payments[report.network_id] = payment
        self.changed()
        if self._hosted(payee):
            self.schedule(0, "hand_over_report", network_id=report.network_id)
        else:
            self.schedule(
                self.world.behaviour.offline_answer_seconds, "answer_report",
                network_id=report.network_id,
                received=self.world.behaviour.offline_answer == "RECEIVED",
            )  # fmt: skip
        self.after(fault, "payment_report_offline")

    async def _task_hand_over_report(self, network_id: str) -> None:
        payment = self.world.payments[network_id]
        self.send(
            self.message(
                "PAYMENT_REPORTED", network_id, approved=True, reason=None,
                data={
                    "networkId": network_id, "payerB2BId": payment.payer,
                    "payeeB2BId": payment.payee, "amountPaise": payment.amount_paise,
                    "paidOn": payment.paid_on, "mode": payment.mode,
                    "reference": payment.reference,
                    "allocations": [{"documentNetworkId": a[0], "amountPaise": a[1]}
                                    for a in payment.allocations],
                },
            )
        )  # fmt: skip

    async def _task_answer_report(
        self, network_id: str, received: bool, remarks: str | None = None
    ) -> None:
        payment = self.world.payments.get(network_id)
        if payment is None or payment.state != "REPORTED":
            return
        self._answered(payment, received, remarks)

    def _answered(self, payment: NetworkPayment, received: bool, remarks: str | None) -> None:
        """The payee answered a report: the payer hears it."""
        payment.state = "RECEIVED" if received else "DENIED"
        payment.remarks = remarks
        self.changed()
        if self._hosted(payment.payer):
            self.send(
                self.message(
                    "PAYMENT_REPORT_ANSWERED", payment.network_id, approved=received,
                    reason=remarks, data={"networkId": payment.network_id, "received": received},
                )
            )  # fmt: skip

    async def payment_request(self, request: PaymentRequest) -> None:
        """A seller asks its customer to pay an invoice; a hosted customer hears it."""
        fault = await self.enter("payment_request")
        if request.request_id in self.world.payment_requests:
            self.after(fault, "payment_request")
            return
        document = self.world.documents.get(request.document_network_id)
        if (
            document is None
            or document.kind != "INVOICE"
            or document.sender.lower() != request.requester_b2b_id.lower()
            or document.receiver.lower() != request.payer_b2b_id.lower()
        ):
            raise NetworkRefusedError(
                "INVOICE_NOT_FOUND", "The network holds no such invoice of yours to this payer."
            )
        if document.state != "ACCEPTED":
            raise NetworkRefusedError(
                "INVOICE_NOT_ACCEPTED", "Only an invoice the buyer accepted can be asked for."
            )
        if request.amount_paise <= 0:
            raise NetworkRefusedError("AMOUNT_INVALID", "Ask for a positive amount.")
        self.world.payment_requests.add(request.request_id)
        self.changed()
        if self._hosted(document.receiver):
            self.send(
                self.message(
                    "PAYMENT_REQUESTED", request.request_id, approved=True, reason=None,
                    data={
                        "requestId": request.request_id, "documentNetworkId": document.network_id,
                        "requesterB2BId": document.sender, "payerB2BId": document.receiver,
                        "amountPaise": request.amount_paise, "message": request.message,
                    },
                )
            )  # fmt: skip
        self.after(fault, "payment_request")

    async def payment_answer_offline(
        self, *, network_id: str, answerer_b2b_id: str, received: bool, remarks: str | None
    ) -> None:
        """The payee answers an offline payment report; the payer is told."""
        fault = await self.enter("payment_answer_offline")
        payment = self.world.payments.get(network_id)
        if payment is None or payment.method != "OFFLINE":
            raise NetworkRefusedError("PAYMENT_NOT_FOUND", "The network holds no such report.")
        if payment.payee.lower() != answerer_b2b_id.lower():
            raise NetworkRefusedError("NOT_PAYEE", "Only the payee answers a payment report.")
        answer = "RECEIVED" if received else "DENIED"
        if payment.state != "REPORTED":
            if payment.state == answer:
                self.after(fault, "payment_answer_offline")
                return
            raise NetworkRefusedError("ALREADY_ANSWERED", "This report was answered already.")
        self._answered(payment, received, remarks)
        self.after(fault, "payment_answer_offline")
