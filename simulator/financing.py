"""Invoice financing on the network: a vendor's request goes to the financiers, who bid (or
not) as their appetite says; the vendor accepts a bid, the financier disburses, and the buyer's
later payments of the invoices are routed to the financier until it is repaid.

Money is integer paise. What the financier is owed follows DOMAIN.md: interest = principal *
annual rate * tenor days / 365, rounded half up to the paisa, plus the flat fee.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from contract.errors import NetworkRefusedError
from contract.financing import FinancingBid, FinancingOrder, FinancingState, state_to_json
from simulator import ledger
from simulator.core import NetworkCore
from simulator.financing_world import FinancingRecord

OPEN = {"BIDDING", "BID_ACCEPTED", "DISBURSED"}


def owed(principal: int, rate_bp: int, tenor_days: int, fee: int) -> int:
    """What the financier is repaid: principal + simple interest (half up) + fee, in paise."""
    interest = (Decimal(principal) * rate_bp * tenor_days / (Decimal(10_000) * 365)).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return principal + int(interest) + fee


def _bid(row: dict[str, Any]) -> FinancingBid:
    return FinancingBid(
        bid_id=str(row["bidId"]), financier_id=str(row["financierId"]),
        financier_name=str(row["financierName"]), amount_paise=int(row["amountPaise"]),
        rate_bp=int(row["rateBp"]), fee_paise=int(row["feePaise"]),
        tenor_days=int(row["tenorDays"]), expires_at=str(row["expiresAt"]),
        state=str(row["state"]),
    )  # fmt: skip


def financing_state(record: FinancingRecord) -> FinancingState:
    """What the network tells about a request."""
    return FinancingState(
        request_id=record.request_id, state=record.state,
        bids=tuple(_bid(b) for b in record.bids), accepted_bid_id=record.accepted_bid_id,
        disbursed_paise=record.disbursed_paise, disbursal_utr=record.disbursal_utr,
        disbursed_on=record.disbursed_on, owed_paise=record.owed_paise,
        repaid_paise=record.repaid_paise, reason=record.reason, revision=record.revision,
    )  # fmt: skip


class Financing(NetworkCore):
    """The financiers and the requests they bid on."""

    def _record(self, request_id: str, vendor: str) -> FinancingRecord:
        record = self.world.financing.get(request_id)
        if record is None:
            raise NetworkRefusedError("REQUEST_NOT_FOUND", "The network holds no such request.")
        if record.vendor.lower() != vendor.lower():
            raise NetworkRefusedError("NOT_VENDOR", "Only the vendor acts on its request.")
        return record

    async def financing_request(self, order: FinancingOrder) -> FinancingState:
        """Take a request and pass it to the financiers (a repeat changes nothing)."""
        fault = await self.enter("financing_request")
        held = self.world.financing.get(order.request_id)
        if held is not None:
            self.after(fault, "financing_request")
            return financing_state(held)
        vendor = self.world.directory.get(order.vendor_b2b_id.lower())
        if vendor is None or vendor.state != "APPROVED":
            raise NetworkRefusedError("VENDOR_NOT_FOUND", "No business has the vendor's B2B ID.")
        buyers = set()
        for invoice in order.invoices:
            document = self.world.documents.get(invoice.document_network_id)
            if (
                document is None
                or document.kind != "INVOICE"
                or document.state != "ACCEPTED"
                or document.sender.lower() != vendor.b2b_id.lower()
            ):
                raise NetworkRefusedError(
                    "INVOICE_NOT_ACCEPTED",
                    "Only the vendor's invoices its buyers accepted can be financed.",
                )
            if any(
                r.state in OPEN and invoice.document_network_id in r.invoices
                for r in self.world.financing.view()
            ):
                raise NetworkRefusedError(
                    "ALREADY_FINANCED", "An invoice is in another open request."
                )
            buyers.add(document.receiver.lower())
        record = FinancingRecord(
            order.request_id, vendor.b2b_id,
            {i.document_network_id: i.amount_paise for i in order.invoices},
            order.amount_paise, order.tenor_days, sorted(buyers),
        )  # fmt: skip
        self.world.financing[order.request_id] = record
        self.changed()
        behaviour = self.world.behaviour
        for financier in self.world.financiers.view():
            if financier.never_answers or not financier.fits(record):
                continue
            self.schedule(
                financier.answer_seconds, "financing_bid", request_id=order.request_id,
                financier_id=financier.financier_id,
            )  # fmt: skip
        self.schedule(behaviour.bidding_seconds, "close_bidding", request_id=order.request_id)
        self.after(fault, "financing_request")
        return financing_state(record)

    async def _task_financing_bid(self, request_id: str, financier_id: str) -> None:
        record = self.world.financing.get(request_id)
        financier = self.world.financiers.get(financier_id)
        if record is None or financier is None or record.state != "BIDDING":
            return
        amount = min(record.amount_paise, financier.max_paise)
        amount = int(Decimal(amount) * Decimal(str(financier.share)))
        rate = self.random.randint(financier.min_rate_bp, financier.max_rate_bp)
        expires = self.clock.now() + timedelta(seconds=financier.bid_valid_seconds)
        bid = {
            "bidId": self.new_id("BID")[:24], "financierId": financier.financier_id,
            "financierName": financier.name, "amountPaise": amount, "rateBp": rate,
            "feePaise": financier.fee_paise,
            "tenorDays": record.tenor_days or financier.tenor_days,
            "expiresAt": expires.isoformat(), "state": "LIVE",
        }  # fmt: skip
        record.bids.append(bid)
        self.changed()
        self.schedule(financier.bid_valid_seconds, "expire_bid", request_id=request_id,
                      bid_id=bid["bidId"])  # fmt: skip
        self._tell_vendor(record, "FINANCING_BID", bid=bid)

    async def _task_expire_bid(self, request_id: str, bid_id: str) -> None:
        self.end_bid(request_id, bid_id, "EXPIRED")

    def end_bid(self, request_id: str, bid_id: str, state: str) -> FinancingRecord:
        """A live bid expires or is withdrawn (control API, or its time ran out)."""
        record = self.world.financing.get(request_id)
        bid = None if record is None else next(
            (b for b in record.bids if b["bidId"] == bid_id), None
        )  # fmt: skip
        if record is None or bid is None:
            msg = "no such bid"
            raise ValueError(msg)
        if bid["state"] == "LIVE":
            bid["state"] = state
            self.changed()
            self._tell_vendor(record, "FINANCING_BID", bid=bid)
        return record

    async def _task_close_bidding(self, request_id: str) -> None:
        record = self.world.financing.get(request_id)
        if record is None or record.state != "BIDDING":
            return
        if any(b["state"] == "LIVE" for b in record.bids):
            # Bids are still open: the vendor decides while any lives; look again later.
            self.schedule(self.world.behaviour.bidding_seconds, "close_bidding",
                          request_id=request_id)  # fmt: skip
            return
        record.state = "NO_BIDS"
        record.reason = "No financier made a bid that is still open."
        self.changed()
        self._tell_vendor(record, "FINANCING_UPDATED")

    async def financing_accept(
        self, *, request_id: str, bid_id: str, vendor_b2b_id: str
    ) -> FinancingState:
        """The vendor accepts a live bid; the financier disburses a little later."""
        fault = await self.enter("financing_accept")
        record = self._record(request_id, vendor_b2b_id)
        if record.accepted_bid_id == bid_id:
            self.after(fault, "financing_accept")
            return financing_state(record)
        if record.state != "BIDDING":
            raise NetworkRefusedError("NOT_BIDDING", "This request is not open to bids.")
        bid = next((b for b in record.bids if b["bidId"] == bid_id), None)
        if bid is None:
            raise NetworkRefusedError("BID_NOT_FOUND", "No such bid on this request.")
        if bid["state"] != "LIVE":
            raise NetworkRefusedError(f"BID_{bid['state']}", f"The bid is {bid['state'].lower()}.")
        bid["state"] = "ACCEPTED"
        for other in record.bids:
            if other["state"] == "LIVE":
                other["state"] = "DECLINED"
        record.state, record.accepted_bid_id = "BID_ACCEPTED", bid_id
        record.owed_paise = owed(bid["amountPaise"], bid["rateBp"], bid["tenorDays"],
                                 bid["feePaise"])  # fmt: skip
        self.changed()
        self.schedule(self.world.behaviour.disbursal_seconds, "disburse", request_id=request_id)
        self.after(fault, "financing_accept")
        return financing_state(record)

    async def _task_disburse(self, request_id: str) -> None:
        record = self.world.financing.get(request_id)
        if record is None or record.state != "BID_ACCEPTED":
            return
        if record.fail_disbursal:
            record.state, record.reason = "DISBURSAL_FAILED", "VENDOR_ACCOUNT_INVALID"
        else:
            bid = next(b for b in record.bids if b["bidId"] == record.accepted_bid_id)
            record.state = "DISBURSED"
            record.disbursed_paise = int(bid["amountPaise"])
            record.disbursal_utr = "BCFN" + "".join(self.random.choices("0123456789", k=12))
            record.disbursed_on = self.clock.now().date().isoformat()
            # From the financier to the vendor: both settlement reports show it.
            self.move(
                f"{request_id}-D-C", "DISBURSAL", ledger.financier(str(bid["financierId"])),
                ledger.participant(record.vendor), record.disbursed_paise,
                utr=record.disbursal_utr,
                virtual_account=str(bid["financierId"])[:20], reference=request_id,
                documents=list(record.invoices),
            )  # fmt: skip
        self.changed()
        self._tell_vendor(record, "FINANCING_UPDATED")

    async def financing_cancel(self, *, request_id: str, vendor_b2b_id: str) -> FinancingState:
        """The vendor declines every bid and withdraws the request (before accepting one)."""
        fault = await self.enter("financing_cancel")
        record = self._record(request_id, vendor_b2b_id)
        if record.state in {"CANCELLED", "NO_BIDS"}:
            self.after(fault, "financing_cancel")
            return financing_state(record)
        if record.state != "BIDDING":
            raise NetworkRefusedError("NOT_BIDDING", "A bid was accepted already.")
        record.state = "CANCELLED"
        for bid in record.bids:
            if bid["state"] == "LIVE":
                bid["state"] = "DECLINED"
        self.changed()
        self.after(fault, "financing_cancel")
        return financing_state(record)

    async def financing_status(self, request_id: str) -> FinancingState:
        """Where a request stands (``UNKNOWN`` if never taken)."""
        fault = await self.enter("financing_status")
        record = self.world.financing.get(request_id)
        self.after(fault, "financing_status")
        if record is None:
            return FinancingState(request_id=request_id, state="UNKNOWN")
        return financing_state(record)

    def route_repayment(self, document_network_id: str, paise: int) -> list[Any] | None:
        """Part of a buyer's settled payment of a financed invoice goes to the financier: what
        it is still owed, at most ``paise``. Returns [request id, financier id, paise routed],
        or None when nothing is routed."""
        for record in self.world.financing.values():
            if record.state != "DISBURSED" or document_network_id not in record.invoices:
                continue
            routed = min(paise, record.owed_paise - record.repaid_paise)
            if routed <= 0:
                return None
            record.repaid_paise += routed
            record.revision += 1
            if record.repaid_paise >= record.owed_paise:
                record.state = "SETTLED"
            self.changed()
            self._tell_vendor(record, "FINANCING_UPDATED", routedPaise=routed)
            return [record.request_id, self.financier_of(record), routed]
        return None

    def unroute_repayment(self, request_id: str, paise: int) -> None:
        """The bank returned a buyer's payment that had repaid a financier: what it repaid is
        owed again (a settled request is open again)."""
        record = self.world.financing.get(request_id)
        if record is None:
            return
        record.repaid_paise = max(record.repaid_paise - paise, 0)
        record.revision += 1
        if record.state == "SETTLED" and record.repaid_paise < record.owed_paise:
            record.state = "DISBURSED"
        self.changed()
        self._tell_vendor(record, "FINANCING_UPDATED", routedPaise=-paise)

    @staticmethod
    def financier_of(record: FinancingRecord) -> str:
        """The id of the financier whose bid the vendor accepted."""
        bid = next(b for b in record.bids if b["bidId"] == record.accepted_bid_id)
        return str(bid["financierId"])

    def _tell_vendor(self, record: FinancingRecord, kind: str, **extra: Any) -> None:
        entry = self.world.directory.get(record.vendor.lower())
        if entry is None or not entry.hosted:
            return
        data = {**state_to_json(financing_state(record)), **extra}
        self.send(
            self.message(kind, record.request_id, approved=record.state not in {
                "NO_BIDS", "DISBURSAL_FAILED", "CANCELLED"}, reason=record.reason, data=data)
        )  # fmt: skip
