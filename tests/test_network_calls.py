"""Requests that ask the network something (the GSTN portal, the directory) never hold a
transaction open across the call; OTPs go out after the commit, and an OTP nobody received is
withdrawn."""

from __future__ import annotations

from typing import Any

import pytest

from resolvers.context import AppState
from simulator.demo import SHARMA_MH
from simulator.faults import Fault
from simulator.network import SimulatedNetwork
from tests.conftest import Api
from tests.onboarding_helpers import (
    GSTIN_OTP,
    MOBILE_OTP,
    SHARMA,
    create_b2b_id,
    start,
    verify_gstin,
    verify_mobile,
)
from tests.test_dispatcher_lease import NoTransactionNetwork
from tests.trading import KAVERI_COMPONENTS, LINK, SHARMA_TRADERS, onboard


@pytest.fixture
def watched(
    state: AppState, simulator: SimulatedNetwork, monkeypatch: pytest.MonkeyPatch
) -> NoTransactionNetwork:
    network = NoTransactionNetwork(simulator, state)
    monkeypatch.setattr(state, "network", network)
    return network


async def test_onboarding_and_linking_ask_the_network_outside_any_transaction(
    api: Api, simulator: SimulatedNetwork, dispatcher: Any, watched: NoTransactionNetwork
) -> None:
    owner = await api.sign_up("owner")
    org = await api.organisation(owner, "Sharma Traders")
    await start(api, owner, org)
    await verify_gstin(api, simulator, owner, org)
    await verify_mobile(api, simulator, owner, org)
    await create_b2b_id(api, owner, org)
    await dispatcher.run_once()
    await simulator.advance(30)
    customer = (await api.ok(
        "mutation($i: ContactCreateInput!) { contactCreate(input: $i) { contact { id } } }",
        {"i": {"organisationId": org, "contact": {"displayName": "Kaveri", "isCustomer": True,
               "gstin": KAVERI_COMPONENTS.gstin, "gstTreatment": "REGISTERED_REGULAR"}}},
        token=owner.token,
    ))["contactCreate"]["contact"]["id"]  # fmt: skip
    kaveri, _ = await onboard(api, simulator, dispatcher, KAVERI_COMPONENTS)
    assert kaveri
    await api.ok(LINK, {"i": {"contactId": customer, "b2bId": "kaveri-components"}}, token=owner.token)  # fmt: skip
    assert {"gstn_taxpayer", "gstn_send_otp", "send_sms", "b2b_id_available",
            "directory_search"} <= set(watched.calls)  # fmt: skip


async def test_an_otp_that_could_not_be_sent_is_withdrawn(
    api: Api, simulator: SimulatedNetwork
) -> None:
    owner = await api.sign_up("owner")
    org = await api.organisation(owner, "Sharma Traders")
    await start(api, owner, org)
    request = {"i": {"organisationId": org, "gstin": SHARMA_MH, **SHARMA}}
    simulator.faults.add("gstn_send_otp", Fault("TIMEOUT_NOT_DONE"))
    failed = await api(GSTIN_OTP, request, token=owner.token)
    assert failed["data"]["onboardingGstinOtpRequest"]["userErrors"] == [
        {"code": "NETWORK_UNAVAILABLE", "field": ["input", "gstin"],
         "message": "The network did not take the message; try again in a moment."},
    ]  # fmt: skip
    assert simulator.last_otp("9876543210") is None
    # No challenge (and so no resend cooldown) was left behind: asking again works at once.
    verified = await verify_gstin(api, simulator, owner, org)
    assert verified["gstinState"] == "DONE"
    simulator.faults.add("send_sms", Fault("REFUSE", "DND"))
    mobile = {"i": {"organisationId": org, "mobile": "9123456780"}}
    refused = await api(MOBILE_OTP, mobile, token=owner.token)
    assert refused["data"]["onboardingMobileOtpRequest"]["userErrors"][0]["code"] == (
        "NETWORK_UNAVAILABLE"
    )
    await api.ok(MOBILE_OTP, mobile, token=owner.token)


async def test_a_bulk_link_asks_every_gstin_up_front_and_links_them_all(
    api: Api, simulator: SimulatedNetwork, dispatcher: Any, watched: NoTransactionNetwork
) -> None:
    from simulator.demo import gstin
    from simulator.world import DirectoryEntry
    from tests.test_contacts import LINK_BULK

    owner, org = await onboard(api, simulator, dispatcher, SHARMA_TRADERS)
    links = []
    for index in range(12):
        value = gstin(f"27AABC{chr(65 + index)}{1000 + index}Q1Z")
        simulator.world.add_directory_entry(DirectoryEntry(f"firm-{index}", value, f"Firm {index}"))
        made = await api.ok(
            "mutation($i: ContactCreateInput!) { contactCreate(input: $i) { contact { id } } }",
            {"i": {"organisationId": org, "contact": {"displayName": f"Firm {index}",
                   "isVendor": True, "gstin": value, "gstTreatment": "REGISTERED_REGULAR"}}},
            token=owner.token,
        )  # fmt: skip
        links.append(
            {"contactId": made["contactCreate"]["contact"]["id"], "b2bId": f"firm-{index}"}
        )
    watched.calls.clear()
    done = await api.ok(
        LINK_BULK, {"i": {"organisationId": org, "links": links}}, token=owner.token
    )
    results = done["contactB2BIdLinkBulk"]["results"]
    assert [r["contact"]["b2bId"] for r in results] == [f"firm-{i}" for i in range(12)]
    assert watched.calls == ["directory_search"] * 12  # each asked once, outside transactions
