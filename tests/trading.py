"""Two organisations hosted here, onboarded through the API, trading with each other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from resolvers.dispatcher import Dispatcher
from simulator.demo import KAVERI_KA, SHARMA_MH
from simulator.network import SimulatedNetwork
from tests.conftest import Api, Member
from tests.onboarding_helpers import (
    B2B_CREATE,
    GSTIN_ADD,
    GSTIN_OTP,
    GSTIN_VERIFY,
    SHARMA,
    START,
    verify_mobile,
)

CONTACT = """mutation($i: ContactCreateInput!) { contactCreate(input: $i) { contact { id } userErrors { code } } }"""
LINK = """mutation($i: ContactB2BIdLinkInput!) { contactB2BIdLink(input: $i) { userErrors { code } } }"""
CREATE = """mutation($i: DocumentCreateInput!) { documentCreate(input: $i) { document { id } userErrors { code field message } } }"""
PUSH = """mutation($i: DocumentPushInput!) { documentPush(input: $i) {
    document { status pushStatus networkId version } userErrors { code field message } } }"""
DOC = """query($id: ID!) { node(id: $id) { ... on Document { id kind number status pushStatus pushReason
    networkId version direction inboxStatus receivedFrom dueDate notes
    totals { taxable { amount } igst { amount } total { amount } }
    lines { description hsnSac quantity unitPrice { amount } igst { amount } total { amount } }
    contact { displayName gstin b2bId isVendor isCustomer } contactRef: contact { id } reference { id number }
    history { action detail byNetwork } } } }"""
INBOX = """query($o: ID!, $s: InboxStatus) { organisation(id: $o) {
    documents(direction: INCOMING, inboxStatus: $s) { edges { node { id kind number status
    inboxStatus version receivedFrom } } } } }"""
ACCEPT = """mutation($i: InboxAcceptInput!) { inboxAccept(input: $i) {
    document { id status inboxStatus dueDate notes } userErrors { code field message } } }"""
APPROVE = """mutation($i: InboxApproveInput!) { inboxApprove(input: $i) {
    document { id status inboxStatus } userErrors { code field message } } }"""
REJECT = """mutation($i: InboxRejectInput!) { inboxReject(input: $i) {
    rejected { networkId version number senderB2BId returnedForEdits reason }
    userErrors { code field message } } }"""
LAPTOP = {
    "description": "Laptop",
    "hsnSac": "8471",
    "quantity": "2",
    "unitPrice": "50000.00",
    "taxRate": "18",
}


@dataclass(frozen=True)
class Business:
    """A demo business that onboards here."""

    name: str
    gstin: str
    details: dict[str, str]
    gstn_mobile: str
    mobile: str
    b2b_id: str


SHARMA_TRADERS = Business(
    "Sharma Traders", SHARMA_MH, SHARMA, "9876543210", "9123456780", "sharma-traders"
)
KAVERI_COMPONENTS = Business(
    "Kaveri Components",
    KAVERI_KA,
    {
        "legalName": "Kaveri Components Private Limited",
        "gstnUsername": "kaveri.components",
        "businessType": "PRIVATE_LIMITED",
    },
    "9845012345",
    "9123456781",
    "kaveri-components",
)


async def onboard(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, business: Business
) -> tuple[Member, str]:
    """Sign up an owner, create the organisation and get its B2B ID approved."""
    owner = await api.sign_up("owner")
    org = await api.organisation(owner, business.name)
    token = owner.token
    await api.ok(GSTIN_ADD, {"i": {"organisationId": org, "gstin": business.gstin}}, token=token)
    await api.ok(START, {"i": {"organisationId": org, "authorised": True}}, token=token)
    await api.ok(
        GSTIN_OTP,
        {"i": {"organisationId": org, "gstin": business.gstin, **business.details}},
        token=token,
    )
    code = simulator.last_otp(business.gstn_mobile)
    await api.ok(GSTIN_VERIFY, {"i": {"organisationId": org, "otp": code}}, token=token)
    await verify_mobile(api, simulator, owner, org, business.mobile)
    await api.ok(
        B2B_CREATE,
        {"i": {"organisationId": org, "b2bId": business.b2b_id, "acceptTerms": True}},
        token=token,
    )
    await dispatcher.run_once()
    await simulator.advance(30)
    return owner, org


async def contact(
    api: Api, owner: Member, org: str, business: Business, *, customer: bool = True,
    link: bool = True,
) -> str:  # fmt: skip
    """A contact for ``business``, linked to its B2B ID (unless ``link`` is false)."""
    data = await api.ok(
        CONTACT,
        {
            "i": {
                "organisationId": org,
                "contact": {
                    "displayName": business.name,
                    "isCustomer": customer,
                    "isVendor": not customer,
                    "gstin": business.gstin,
                    "gstTreatment": "REGISTERED_REGULAR",
                },
            }
        },
        token=owner.token,
    )
    made: str = data["contactCreate"]["contact"]["id"]
    if not link:
        return made
    linked = await api.ok(
        LINK, {"i": {"contactId": made, "b2bId": business.b2b_id}}, token=owner.token
    )
    assert linked["contactB2BIdLink"]["userErrors"] == []
    return made


async def document(
    api: Api, owner: Member, org: str, contact_id: str, *, kind: str = "INVOICE", **extra: Any
) -> str:
    """A draft document with one laptop line."""
    data = await api.ok(
        CREATE,
        {
            "i": {
                "organisationId": org,
                "kind": kind,
                "contactId": contact_id,
                "documentDate": "2026-11-24",
                "lines": [LAPTOP],
                **extra,
            }
        },
        token=owner.token,
    )
    assert data["documentCreate"]["userErrors"] == [], data
    made: str = data["documentCreate"]["document"]["id"]
    return made


async def node(api: Api, member: Member, global_id: str) -> dict[str, Any]:
    """A document as ``member`` sees it."""
    result: dict[str, Any] = (await api.ok(DOC, {"id": global_id}, token=member.token))["node"]
    return result


async def inbox(
    api: Api, member: Member, org: str, status: str | None = None
) -> list[dict[str, Any]]:
    """The organisation's received documents."""
    data = await api.ok(INBOX, {"o": org, "s": status}, token=member.token)
    return [e["node"] for e in data["organisation"]["documents"]["edges"]]
