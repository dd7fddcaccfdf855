"""Helpers for payment tests: a bill accepted between two organisations hosted here, KYC
approved for the payer, and the GraphQL operations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from db.models import B2BId, KycProfile, KycStatus
from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from resolvers.services.ids import decode_typed_id
from simulator.network import SimulatedNetwork
from simulator.world import Review
from tests.conftest import Api, Member
from tests.trading import (
    ACCEPT,
    KAVERI_COMPONENTS,
    PUSH,
    SHARMA_TRADERS,
    contact,
    document,
    inbox,
    onboard,
)

PAYMENT_FIELDS = """id direction method status amount { amount } networkId counterpartyB2BId
    virtualAccount { accountNumber ifsc } utr failureReason offlineMode reference remarks paidOn
    settledOn source { bankAccount ifsc vpa bankCode cardNetwork cardLast4 }
    allocations { amount { amount } document { id } }"""
PAY = (
    """mutation($i: PaymentCreateInput!) { paymentCreate(input: $i) { payment { """
    + PAYMENT_FIELDS
    + """ } userErrors { code field message } } }"""
)
OFFLINE = (
    """mutation($i: PaymentRecordOfflineInput!) { paymentRecordOffline(input: $i) { payment { """
    + PAYMENT_FIELDS
    + """ } userErrors { code field message } } }"""
)
CONFIRM = """mutation($i: PaymentReceivedConfirmInput!) { paymentReceivedConfirm(input: $i) {
    payment { id status } userErrors { code field message } } }"""
DENY = """mutation($i: PaymentReceivedDenyInput!) { paymentReceivedDeny(input: $i) {
    payment { id status } userErrors { code field message } } }"""
PAYMENT = """query($id: ID!) { node(id: $id) { ... on Payment { """ + PAYMENT_FIELDS + """ } } }"""
OWED = """query($id: ID!) { node(id: $id) { ... on Document { status amountPaid { amount }
    amountDue { amount } amountInFlight { amount } payments { id status } } } }"""
PAYMENTS = (
    """query($o: ID!, $d: PaymentDirection, $s: PaymentStatus) { organisation(id: $o) {
    payments(direction: $d, status: $s) { edges { node { """
    + PAYMENT_FIELDS
    + """ } } } } }"""
)
BANK = ("123456789012", "HDFC0001234")


async def approve_kyc(state: AppState, org: str, simulator: SimulatedNetwork | None = None) -> None:
    """The organisation's KYC, approved, with its verified bank account (KYC's own path is
    tested in test_kyc); with ``simulator``, the network's KYC desk approved it too (so it may
    receive payments)."""
    key = decode_typed_id(org, "Organisation")
    async with state.unit_of_work() as uow:
        profile = await uow.session.scalar(
            select(KycProfile).where(KycProfile.organisation_id == key)
        )
        if profile is None:
            profile = KycProfile(organisation_id=key)
            uow.session.add(profile)
        profile.status = KycStatus.APPROVED
        profile.bank_account_holder = "Kaveri Components Private Limited"
        profile.bank_account_number, profile.bank_ifsc = BANK
        b2b_ids = (await uow.session.scalars(select(B2BId.value).where(
            B2BId.organisation_id == key))).all()  # fmt: skip
    if simulator is not None:
        for value in b2b_ids:
            request_id = simulator.new_id("KYC")[:24]
            simulator.world.reviews[request_id] = Review(request_id, "KYC", value, "APPROVED")


async def accepted_bill(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> tuple[Member, str, Member, str, str, str]:
    """Sharma's invoice (₹1,18,000) to Kaveri, delivered and accepted as Kaveri's bill, with
    both sides' KYC approved (here and on the network): (seller, seller org, buyer, buyer org,
    invoice, bill)."""
    seller, seller_org = await onboard(api, simulator, dispatcher, SHARMA_TRADERS)
    buyer, buyer_org = await onboard(api, simulator, dispatcher, KAVERI_COMPONENTS)
    customer = await contact(api, seller, seller_org, KAVERI_COMPONENTS)
    invoice = await document(api, seller, seller_org, customer, dueDate="2026-12-24")
    pushed = await api.ok(PUSH, {"i": {"documentId": invoice}}, token=seller.token)
    assert pushed["documentPush"]["userErrors"] == []
    await dispatcher.run_once()
    await simulator.advance(2)
    [item] = await inbox(api, buyer, buyer_org)
    accepted = await api.ok(ACCEPT, {"i": {"documentId": item["id"]}}, token=buyer.token)
    assert accepted["inboxAccept"]["userErrors"] == []
    await dispatcher.run_once()
    await simulator.advance(1)
    await approve_kyc(state, buyer_org, simulator)
    await approve_kyc(state, seller_org, simulator)
    return seller, seller_org, buyer, buyer_org, invoice, item["id"]


async def pay(
    api: Api, member: Member, org: str, allocations: list[tuple[str, str]], **extra: Any
) -> dict[str, Any]:
    """``paymentCreate`` (bank transfer unless told); returns the payload."""
    data = await api(
        PAY,
        {"i": {"organisationId": org, "method": extra.pop("method", "BANK_TRANSFER"),
               "allocations": [{"documentId": d, "amount": a} for d, a in allocations],
               **extra}},
        token=member.token,
    )  # fmt: skip
    assert "errors" not in data, data
    result: dict[str, Any] = data["data"]["paymentCreate"]
    return result


async def owed(api: Api, member: Member, document_id: str) -> dict[str, Any]:
    """A document's status and amounts as ``member`` sees them."""
    found: dict[str, Any] = (await api.ok(OWED, {"id": document_id}, token=member.token))["node"]
    return found


async def settle(simulator: SimulatedNetwork, dispatcher: Dispatcher) -> None:
    """Send what is queued and let the network settle it (and tell both sides)."""
    await dispatcher.run_once()
    await simulator.advance(simulator.world.behaviour.settlement_seconds + 1)
    await dispatcher.run_once()
