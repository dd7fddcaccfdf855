"""Contacts and B2B ID association: CRUD, filters, single and bulk paths, faults, access."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from db.models import BulkOperationItem, Contact, GstTreatment
from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from resolvers.services import contacts
from resolvers.services.accounts import Viewer
from resolvers.services.contacts import ContactIn
from resolvers.services.ids import decode_typed_id, encode_id
from simulator.clock import ManualClock
from simulator.demo import GANGA_UP, NARMADA_GJ, TAPTI_DL, gstin
from simulator.faults import Fault
from simulator.network import SimulatedNetwork
from simulator.world import DirectoryEntry
from tests.conftest import Api, LiveServer, Member
from tests.onboarding_helpers import create_b2b_id, ready_for_b2b_id
from tests.wsclient import GraphQLWebSocket

CREATE = """mutation($i: ContactCreateInput!) { contactCreate(input: $i) {
    contact { id displayName gstin placeOfSupply b2bId archived } sameGstinContacts { displayName }
    userErrors { code field message } } }"""
UPDATE = """mutation($i: ContactUpdateInput!) { contactUpdate(input: $i) { contact { gstin b2bId } userErrors { code field } } }"""
ARCHIVE = """mutation($i: ContactArchiveInput!) { contactArchive(input: $i) { contact { archived } userErrors { code field } } }"""
FETCH = """mutation($i: ContactB2BIdFetchInput!) { contactB2BIdFetch(input: $i) {
    candidates { b2bId legalName } userErrors { code field message } } }"""
LINK = """mutation($i: ContactB2BIdLinkInput!) { contactB2BIdLink(input: $i) { contact { b2bId linkedAt } userErrors { code field message } } }"""
UNLINK = """mutation($i: ContactB2BIdUnlinkInput!) { contactB2BIdUnlink(input: $i) { contact { b2bId } userErrors { code field } } }"""
LINK_BULK = """mutation($i: ContactB2BIdLinkBulkInput!) { contactB2BIdLinkBulk(input: $i) {
    results { contactId linked contact { b2bId } userErrors { code field } } userErrors { code field message } } }"""
SEARCH = """mutation($i: ContactB2BIdSearchStartInput!) { contactB2BIdSearchStart(input: $i) {
    bulkOperation { id status total done failed } userErrors { code field message } } }"""
LIST = """query($id: ID!, $kind: ContactKind, $linked: Boolean, $search: String, $arch: Boolean!, $first: Int, $after: String) {
  organisation(id: $id) { contacts(kind: $kind, linked: $linked, search: $search, includeArchived: $arch, first: $first, after: $after) {
    nodes { displayName } pageInfo { hasNextPage endCursor } } } }"""
OPERATION = """query($id: ID!) { node(id: $id) { ... on BulkOperation { status total done failed
    items(first: 100) { nodes { status outcome candidates { b2bId } error contact { displayName } } } } } }"""


def _contact(name: str, gstin_value: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "displayName": name,
        "isCustomer": True,
        "gstin": gstin_value,
        "gstTreatment": "REGISTERED_REGULAR" if gstin_value else "UNREGISTERED",
        **extra,
    }


async def _approved_org(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> tuple[Member, str]:
    owner = await api.sign_up("owner")
    org = await api.organisation(owner, "Sharma Traders")
    await ready_for_b2b_id(api, simulator, owner, org)
    await create_b2b_id(api, owner, org)
    await dispatcher.run_once()
    await simulator.advance(30)
    return owner, org


async def _create(api: Api, member: Member, org: str, **kwargs: Any) -> dict[str, Any]:
    data = await api.ok(
        CREATE, {"i": {"organisationId": org, "contact": _contact(**kwargs)}}, token=member.token
    )
    result: dict[str, Any] = data["contactCreate"]
    return result


async def test_create_update_archive_and_branches(api: Api, state: AppState) -> None:
    owner = await api.sign_up()
    org = await api.organisation(owner)
    first = await _create(api, owner, org, name="Ganga Steel Kanpur", gstin_value=GANGA_UP.lower())
    assert first["contact"]["gstin"] == GANGA_UP
    assert first["contact"]["placeOfSupply"] == "09"
    assert first["sameGstinContacts"] == []
    branch = await _create(api, owner, org, name="Ganga Steel Lucknow", gstin_value=GANGA_UP)
    assert branch["sameGstinContacts"] == [{"displayName": "Ganga Steel Kanpur"}]
    refusals = [
        (_contact("Bad", "09AAECG2468P1ZA"), [("INVALID", ["input", "gstin"])]),
        (
            _contact("No GSTIN", None, gstTreatment="REGISTERED_REGULAR"),
            [("REQUIRED", ["input", "gstin"])],
        ),
        ({**_contact("Nobody"), "isCustomer": False}, [("REQUIRED", ["input", "isCustomer"])]),
        (_contact("   "), [("REQUIRED", ["input", "displayName"])]),
        (
            _contact("X", None, email="nope", phone="123", pin="012345"),
            [
                ("INVALID_EMAIL", ["input", "email"]),
                ("INVALID", ["input", "phone"]),
                ("INVALID", ["input", "pin"]),
            ],
        ),
        (
            _contact("Y", GANGA_UP, gstTreatment="CONSUMER"),
            [("INVALID", ["input", "gstTreatment"])],
        ),
    ]
    for details, expected in refusals:
        result = await api(
            CREATE, {"i": {"organisationId": org, "contact": details}}, token=owner.token
        )
        assert sorted(
            (e["code"], e["field"]) for e in result["data"]["contactCreate"]["userErrors"]
        ) == sorted(expected), details
    async with state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == 2
    contact_id = first["contact"]["id"]
    moved = await api.ok(
        UPDATE,
        {"i": {"id": contact_id, "contact": _contact("Ganga Steel", NARMADA_GJ)}},
        token=owner.token,
    )
    assert moved["contactUpdate"]["contact"]["gstin"] == NARMADA_GJ
    await api.ok(ARCHIVE, {"i": {"id": contact_id}}, token=owner.token)
    listed = await api.ok(LIST, {"id": org, "arch": False}, token=owner.token)
    assert [n["displayName"] for n in listed["organisation"]["contacts"]["nodes"]] == [
        "Ganga Steel Lucknow"
    ]
    everything = await api.ok(LIST, {"id": org, "arch": True}, token=owner.token)
    assert len(everything["organisation"]["contacts"]["nodes"]) == 2
    stranger = await api.sign_up()
    foreign = await api(
        UPDATE, {"i": {"id": contact_id, "contact": _contact("Mine now")}}, token=stranger.token
    )
    assert foreign["data"]["contactUpdate"]["userErrors"] == [
        {"code": "NOT_FOUND", "field": ["input", "id"]}
    ]
    assert (
        await api.ok(
            "query($id: ID!) { node(id: $id) { id } }", {"id": contact_id}, token=stranger.token
        )
    )["node"] is None


async def test_filters_and_pagination(api: Api) -> None:
    owner = await api.sign_up()
    org = await api.organisation(owner)
    for i in range(7):
        await api.ok(
            CREATE,
            {
                "i": {
                    "organisationId": org,
                    "contact": {
                        **_contact(f"Customer {i}", None),
                        "isVendor": i % 2 == 0,
                        "isCustomer": i % 3 != 0 or i % 2 != 0,
                        "email": f"c{i}@example.com",
                    },
                }
            },
            token=owner.token,
        )
    vendors = await api.ok(LIST, {"id": org, "kind": "VENDOR", "arch": False}, token=owner.token)
    assert [n["displayName"] for n in vendors["organisation"]["contacts"]["nodes"]] == [
        "Customer 0",
        "Customer 2",
        "Customer 4",
        "Customer 6",
    ]
    found = await api.ok(
        LIST, {"id": org, "search": "C5@EXAMPLE", "arch": False}, token=owner.token
    )
    assert [n["displayName"] for n in found["organisation"]["contacts"]["nodes"]] == ["Customer 5"]
    unlinked = await api.ok(
        LIST, {"id": org, "linked": False, "arch": False, "first": 3}, token=owner.token
    )
    page = unlinked["organisation"]["contacts"]
    assert len(page["nodes"]) == 3
    assert page["pageInfo"]["hasNextPage"] is True
    nxt = await api.ok(
        LIST,
        {
            "id": org,
            "linked": False,
            "arch": False,
            "first": 10,
            "after": page["pageInfo"]["endCursor"],
        },
        token=owner.token,
    )
    assert [n["displayName"] for n in nxt["organisation"]["contacts"]["nodes"]] == [
        f"Customer {i}" for i in range(3, 7)
    ]
    linked = await api.ok(LIST, {"id": org, "linked": True, "arch": False}, token=owner.token)
    assert linked["organisation"]["contacts"]["nodes"] == []
    percent = await api.ok(LIST, {"id": org, "search": "%", "arch": False}, token=owner.token)
    assert percent["organisation"]["contacts"]["nodes"] == []


async def test_fetch_link_unlink_and_stale_selections(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher
) -> None:
    owner, org = await _approved_org(api, simulator, dispatcher)
    contact = (await _create(api, owner, org, name="Ganga Steel", gstin_value=GANGA_UP))["contact"][
        "id"
    ]
    fetched = await api.ok(FETCH, {"i": {"contactId": contact}}, token=owner.token)
    assert [c["b2bId"] for c in fetched["contactB2BIdFetch"]["candidates"]] == [
        "ganga-steel",
        "ganga-steel-kanpur",
    ]  # the private one is never found
    wrong = await api(
        LINK, {"i": {"contactId": contact, "b2bId": "narmada-chemicals"}}, token=owner.token
    )
    assert [(e["code"], e["field"]) for e in wrong["data"]["contactB2BIdLink"]["userErrors"]] == [
        ("B2B_ID_MISMATCH", ["input", "b2bId"])
    ]
    private = await api(
        LINK, {"i": {"contactId": contact, "b2bId": "gsl.payables"}}, token=owner.token
    )
    assert private["data"]["contactB2BIdLink"]["userErrors"][0]["code"] == "B2B_ID_MISMATCH"
    del simulator.world.directory["ganga-steel"]  # the candidate vanished since it was fetched
    stale = await api(
        LINK, {"i": {"contactId": contact, "b2bId": "ganga-steel"}}, token=owner.token
    )
    assert stale["data"]["contactB2BIdLink"]["userErrors"][0]["code"] == "B2B_ID_MISMATCH"
    linked = await api.ok(
        LINK, {"i": {"contactId": contact, "b2bId": "Ganga-Steel-Kanpur"}}, token=owner.token
    )
    assert linked["contactB2BIdLink"]["contact"]["b2bId"] == "ganga-steel-kanpur"
    unlinked = await api.ok(UNLINK, {"i": {"contactId": contact}}, token=owner.token)
    assert unlinked["contactB2BIdUnlink"]["contact"]["b2bId"] is None
    simulator.faults.add("directory_search", Fault("TIMEOUT_NOT_DONE"), times=2)
    retried = await api.ok(
        FETCH, {"i": {"contactId": contact}}, token=owner.token
    )  # two timeouts, then an answer
    assert [c["b2bId"] for c in retried["contactB2BIdFetch"]["candidates"]] == [
        "ganga-steel-kanpur"
    ]
    simulator.faults.add("directory_search", Fault("TIMEOUT_NOT_DONE"), times=3)
    gave_up = await api(FETCH, {"i": {"contactId": contact}}, token=owner.token)
    assert gave_up["data"]["contactB2BIdFetch"]["userErrors"][0]["code"] == "NETWORK_UNAVAILABLE"
    simulator.faults.add("directory_search", Fault("REFUSE"))  # a look-up turned down
    turned_down = await api(FETCH, {"i": {"contactId": contact}}, token=owner.token)
    assert [(e["code"], e["field"]) for e in turned_down["data"]["contactB2BIdFetch"]["userErrors"]] == [
        ("NETWORK_UNAVAILABLE", ["input", "contactId"])
    ], turned_down  # fmt: skip
    no_gstin = (await _create(api, owner, org, name="Walk-in"))["contact"]["id"]
    nothing = await api(FETCH, {"i": {"contactId": no_gstin}}, token=owner.token)
    assert nothing["data"]["contactB2BIdFetch"]["userErrors"][0]["code"] == "REQUIRED"


async def test_access_rules(api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher) -> None:
    owner = await api.sign_up()
    org = await api.organisation(owner)
    contact = (await _create(api, owner, org, name="Ganga", gstin_value=GANGA_UP))["contact"]["id"]
    not_yet = await api(FETCH, {"i": {"contactId": contact}}, token=owner.token)
    assert not_yet["data"]["contactB2BIdFetch"]["userErrors"][0]["code"] == "STEP_OUT_OF_ORDER"
    search = await api(SEARCH, {"i": {"organisationId": org}}, token=owner.token)
    assert search["data"]["contactB2BIdSearchStart"]["userErrors"][0]["code"] == "STEP_OUT_OF_ORDER"
    owner2, org2 = await _approved_org(api, simulator, dispatcher)
    staff = await api.sign_up()
    await api.add_member(owner2, org2, staff, "STAFF")
    contact2 = (await _create(api, staff, org2, name="Ganga", gstin_value=GANGA_UP))["contact"][
        "id"
    ]  # staff manage contacts
    for query, variables in (
        (FETCH, {"contactId": contact2}),
        (LINK, {"contactId": contact2, "b2bId": "ganga-steel"}),
        (SEARCH, {"organisationId": org2}),
    ):
        result = await api(query, {"i": variables}, token=staff.token)
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_link_now_checks_each_item(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    owner, org = await _approved_org(api, simulator, dispatcher)
    ganga = (await _create(api, owner, org, name="Ganga", gstin_value=GANGA_UP))["contact"]["id"]
    tapti = (await _create(api, owner, org, name="Tapti", gstin_value=TAPTI_DL))["contact"]["id"]
    narmada = (await _create(api, owner, org, name="Narmada", gstin_value=NARMADA_GJ))["contact"][
        "id"
    ]
    result = await api.ok(
        LINK_BULK,
        {
            "i": {
                "organisationId": org,
                "links": [
                    {"contactId": ganga, "b2bId": "ganga-steel"},
                    {"contactId": tapti, "b2bId": "narmada-chemicals"},
                    {"contactId": narmada, "b2bId": "narmada-chemicals"},
                ],
            }
        },
        token=owner.token,
    )
    results = result["contactB2BIdLinkBulk"]["results"]
    assert [(r["linked"], r["contact"]["b2bId"]) for r in results] == [
        (True, "ganga-steel"),
        (False, None),
        (True, "narmada-chemicals"),
    ]
    assert results[1]["userErrors"] == [
        {"code": "B2B_ID_MISMATCH", "field": ["input", "links", "1", "b2bId"]}
    ]
    dup = await api(
        LINK_BULK,
        {"i": {"organisationId": org, "links": [{"contactId": tapti, "b2bId": "tapti-foods"}] * 2}},
        token=owner.token,
    )
    assert dup["data"]["contactB2BIdLinkBulk"]["userErrors"][0]["code"] == "DUPLICATE"
    many = [
        {"contactId": encode_id("Contact", __import__("uuid").uuid4()), "b2bId": "x"}
        for _ in range(101)
    ]
    over = await api(LINK_BULK, {"i": {"organisationId": org, "links": many}}, token=owner.token)
    assert over["data"]["contactB2BIdLinkBulk"]["userErrors"][0]["code"] == "TOO_MANY"
    async with state.db.read() as session:
        linked = await session.scalar(
            select(func.count()).select_from(Contact).where(Contact.b2b_id.is_not(None))
        )
    assert linked == 2


async def test_bulk_search_over_1000_contacts_under_faults(
    api: Api,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    state: AppState,
    clock: ManualClock,
) -> None:
    owner, org = await _approved_org(api, simulator, dispatcher)
    org_key = decode_typed_id(org, "Organisation")
    account_key = decode_typed_id(owner.account_id, "Account")
    assert org_key is not None and account_key is not None
    viewer = Viewer(account_key, None)
    gstins = [gstin(f"27AABCX{i + 1:04d}K1Z") for i in range(1000)]
    expected: dict[str, tuple[str, int]] = {}
    for i, value in enumerate(gstins):
        if i % 3 == 0:
            simulator.world.add_directory_entry(DirectoryEntry(f"c{i}-a", value, f"Company {i}"))
            expected[f"Contact {i:04d}"] = ("ONE_MATCH", 1)
        elif i % 3 == 1:
            simulator.world.add_directory_entry(DirectoryEntry(f"c{i}-a", value, f"Company {i}"))
            simulator.world.add_directory_entry(DirectoryEntry(f"c{i}-b", value, f"Company {i}"))
            expected[f"Contact {i:04d}"] = ("SEVERAL_MATCHES", 2)
        else:
            expected[f"Contact {i:04d}"] = ("NO_MATCH", 0)
        if i % 5 == 0:
            simulator.world.add_directory_entry(
                DirectoryEntry(f"c{i}-private", value, f"Company {i}", private=True)
            )
    async with state.unit_of_work() as uow:
        for i, value in enumerate(gstins):
            await contacts.create(
                uow,
                viewer,
                organisation_id=org_key,
                details=ContactIn(
                    display_name=f"Contact {i:04d}",
                    legal_name=None,
                    is_customer=True,
                    is_vendor=False,
                    gstin=value,
                    gst_treatment=GstTreatment.REGISTERED_REGULAR,
                    place_of_supply=None,
                    address_line=None,
                    city=None,
                    state_code=None,
                    pin=None,
                    email=None,
                    phone=None,
                ),
            )
    # The first 7 lookups are refused, the next 3 time out once, and the network goes down at the 500th.
    simulator.faults.add("directory_search", Fault("REFUSE", reason="RATE_LIMITED"), times=7)
    simulator.faults.add("directory_search", Fault("TIMEOUT_NOT_DONE"), times=3)
    simulator.faults.add("directory_search", Fault("OUTAGE", seconds=60), after_calls=490)
    started = await api.ok(SEARCH, {"i": {"organisationId": org}}, token=owner.token)
    operation = started["contactB2BIdSearchStart"]["bulkOperation"]
    assert (operation["status"], operation["total"]) == ("RUNNING", 1000)
    again = await api.ok(SEARCH, {"i": {"organisationId": org}}, token=owner.token)
    assert (
        again["contactB2BIdSearchStart"]["bulkOperation"]["id"] == operation["id"]
    )  # one search at a time

    await dispatcher.run_once()
    paused = (await api.ok(OPERATION, {"id": operation["id"]}, token=owner.token))["node"]
    assert paused["status"] == "RUNNING"
    assert 0 < paused["done"] + paused["failed"] < 1000
    assert dispatcher.circuit_open(clock.now())
    clock.advance(61)
    for _ in range(10):
        await dispatcher.run_once()
        clock.advance(2)
    final = (await api.ok(OPERATION, {"id": operation["id"]}, token=owner.token))["node"]
    assert (final["status"], final["total"], final["done"], final["failed"]) == (
        "COMPLETED",
        1000,
        993,
        7,
    )
    async with state.db.read() as session:
        rows = (
            await session.execute(
                select(
                    Contact.display_name, BulkOperationItem.status, BulkOperationItem.result
                ).join(Contact, Contact.id == BulkOperationItem.subject_id)
            )
        ).all()
    assert len(rows) == 1000
    for name, status, result in rows:
        index = int(name.split()[1])
        if index < 7:
            assert (status.value, result) == (
                "FAILED",
                {"error": "Refused by the network: RATE_LIMITED"},
            )
            continue
        outcome, count = expected[name]
        assert status.value == "DONE", name
        assert result["outcome"] == outcome, name
        assert len(result["candidates"]) == count, name
        assert all("private" not in c["b2bId"] for c in result["candidates"])


async def test_an_interrupted_bulk_search_is_finished_after_a_restart(
    api: Api,
    simulator: SimulatedNetwork,
    dispatcher: Dispatcher,
    state: AppState,
    clock: ManualClock,
) -> None:
    owner, org = await _approved_org(api, simulator, dispatcher)
    for i in range(150):
        await api.ok(
            CREATE,
            {
                "i": {
                    "organisationId": org,
                    "contact": _contact(f"C{i}", gstin(f"27AABCY{i + 1:04d}K1Z")),
                }
            },
            token=owner.token,
        )
    simulator.faults.add("directory_search", Fault("OUTAGE", seconds=1), after_calls=120)
    started = await api.ok(SEARCH, {"i": {"organisationId": org}}, token=owner.token)
    await dispatcher.run_once()  # one pass and a bit, then the "crash" (the outage stops it)
    # A new process: a fresh dispatcher over the same database finishes the work.
    from resolvers.dispatcher import Dispatcher as Fresh

    restarted = Fresh(state, simulator)
    simulator.faults.end_outage()
    clock.advance(31)  # the held message falls due again
    await restarted.run_once()
    final = (
        await api.ok(
            OPERATION,
            {"id": started["contactB2BIdSearchStart"]["bulkOperation"]["id"]},
            token=owner.token,
        )
    )["node"]
    assert (final["status"], final["done"], final["failed"]) == ("COMPLETED", 150, 0)


async def test_progress_streams_over_a_websocket(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, live_server: LiveServer
) -> None:
    owner, org = await _approved_org(api, simulator, dispatcher)
    for i in range(250):
        await api.ok(
            CREATE,
            {
                "i": {
                    "organisationId": org,
                    "contact": _contact(f"W{i}", gstin(f"27AABCW{i + 1:04d}K1Z")),
                }
            },
            token=owner.token,
        )
    started = await api.ok(SEARCH, {"i": {"organisationId": org}}, token=owner.token)
    operation_id = started["contactB2BIdSearchStart"]["bulkOperation"]["id"]
    ws = await GraphQLWebSocket.open(live_server.ws_url)
    assert (await ws.init({"Authorization": f"Bearer {owner.token}"}))["type"] == "connection_ack"
    await ws.subscribe(
        "subscription($id: ID!) { bulkOperationProgress(id: $id) { status done failed total } }",
        {"id": operation_id},
    )
    first = (await ws.next_message())["payload"]["data"]["bulkOperationProgress"]
    assert first == {"status": "RUNNING", "done": 0, "failed": 0, "total": 250}
    await dispatcher.run_once()
    seen = []
    while True:
        message = await ws.next_message()
        if message["type"] == "complete":
            break
        seen.append(message["payload"]["data"]["bulkOperationProgress"])
    # A message per step (two passes of 100, then the last 50), each as it was at that step.
    assert seen == [
        {"status": "RUNNING", "done": 100, "failed": 0, "total": 250},
        {"status": "RUNNING", "done": 200, "failed": 0, "total": 250},
        {"status": "COMPLETED", "done": 250, "failed": 0, "total": 250},
    ]
    stranger = await api.sign_up()
    ws2 = await GraphQLWebSocket.open(live_server.ws_url)
    await ws2.init({"Authorization": f"Bearer {stranger.token}"})
    await ws2.subscribe(
        "subscription($id: ID!) { bulkOperationProgress(id: $id) { status } }", {"id": operation_id}
    )
    refused = await ws2.next_message()
    assert refused["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await ws.close()
    await ws2.close()


async def test_a_restarted_simulator_still_lists_our_approved_b2b_ids(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, settings: Any
) -> None:
    from dataclasses import replace

    from server.app import create_app

    await _approved_org(api, simulator, dispatcher)
    fresh = create_app(replace(settings, migrate_on_start=False))
    async with fresh.router.lifespan_context(fresh):
        entry = fresh.state.simulator.world.directory["sharma-traders"]
        assert (entry.gstin, entry.legal_name, entry.state) == (
            "27AAPFS1234K1ZW",
            "Sharma Traders",
            "APPROVED",
        )
