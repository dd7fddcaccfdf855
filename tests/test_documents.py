"""Documents: creation with GST, numbering per fiscal year, refusals, queries, statement counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from db.models import Document, DocumentLine
from resolvers.context import AppState
from simulator.demo import SHARMA_MH, TAPTI_DL
from tests.conftest import Api, Member, StatementCounter

GSTIN_ADD = """mutation($i: OrganisationGstinAddInput!) { organisationGstinAdd(input: $i) { userErrors { code } } }"""
CONTACT = """mutation($i: ContactCreateInput!) { contactCreate(input: $i) { contact { id } userErrors { code field } } }"""
CREATE = """mutation($i: DocumentCreateInput!) { documentCreate(input: $i) {
    document { id kind number fiscalYear supplyType placeOfSupply status pushStatus version
      contact { displayName }
      totals { taxable { amount currencyCode } cgst { amount } sgst { amount } igst { amount } rounding { amount } total { amount } }
      lines { position quantity unitPrice { amount } taxRate taxable { amount } cgst { amount } sgst { amount } igst { amount } total { amount } }
      taxBreakdown { rate taxable { amount } igst { amount } cgst { amount } }
      history { action actor { email } } }
    userErrors { code field message } } }"""
LIST = """query($id: ID!, $kind: DocumentKind, $contact: ID, $from: Date, $to: Date, $first: Int) {
  organisation(id: $id) { documents(kind: $kind, contactId: $contact, dateFrom: $from, dateTo: $to, first: $first) {
    nodes { number contact { displayName } lines { description } } pageInfo { hasNextPage } } } }"""

LAPTOP = {
    "description": "Laptop",
    "hsnSac": "8471",
    "quantity": "2",
    "unitPrice": "50000.00",
    "taxRate": "18",
}
SUPPORT = {
    "description": "Support",
    "hsnSac": "998314",
    "quantity": "1.5",
    "unitPrice": "999.99",
    "discount": "0.99",
    "taxRate": "12",
}


async def _seller(api: Api) -> tuple[Member, str, str, str]:
    owner = await api.sign_up()
    org = await api.organisation(owner, "Sharma Traders")
    await api.ok(GSTIN_ADD, {"i": {"organisationId": org, "gstin": SHARMA_MH}}, token=owner.token)
    local = await api.ok(
        CONTACT,
        {
            "i": {
                "organisationId": org,
                "contact": {
                    "displayName": "Pune Retail",
                    "isCustomer": True,
                    "gstTreatment": "UNREGISTERED",
                    "stateCode": "27",
                },
            }
        },
        token=owner.token,
    )
    delhi = await api.ok(
        CONTACT,
        {
            "i": {
                "organisationId": org,
                "contact": {
                    "displayName": "Tapti Foods",
                    "isCustomer": True,
                    "isVendor": True,
                    "gstin": TAPTI_DL,
                    "gstTreatment": "REGISTERED_REGULAR",
                },
            }
        },
        token=owner.token,
    )
    return (
        owner,
        org,
        local["contactCreate"]["contact"]["id"],
        delhi["contactCreate"]["contact"]["id"],
    )


def _doc(org: str, contact: str, **extra: Any) -> dict[str, Any]:
    return {
        "organisationId": org,
        "kind": "INVOICE",
        "contactId": contact,
        "documentDate": "2026-11-24",
        "lines": [LAPTOP],
        **extra,
    }


async def test_invoice_within_the_state_and_across(api: Api) -> None:
    owner, org, local, delhi = await _seller(api)
    intra = (
        await api.ok(
            CREATE,
            {"i": _doc(org, local, dueDate="2026-12-24", lines=[LAPTOP, SUPPORT])},
            token=owner.token,
        )
    )["documentCreate"]["document"]
    assert (
        intra["kind"],
        intra["number"],
        intra["fiscalYear"],
        intra["supplyType"],
        intra["placeOfSupply"],
    ) == ("INVOICE", "INV-00001", "2026-27", "INTRA_STATE", "27")
    assert (intra["status"], intra["pushStatus"], intra["version"]) == ("DRAFT", "NOT_PUSHED", 1)
    totals = intra["totals"]
    # Laptop: 100000.00 taxable, 9000 + 9000. Support: 1.5 x 999.99 = 1499.985 -> 1499.99 - 0.99 = 1499.00; 6 % each = 89.94.
    assert totals["taxable"] == {"amount": "101499.00", "currencyCode": "INR"}
    assert (totals["cgst"]["amount"], totals["sgst"]["amount"], totals["igst"]["amount"]) == (
        "9089.94",
        "9089.94",
        "0.00",
    )
    assert totals["total"]["amount"] == "119678.88"
    assert [line["quantity"] for line in intra["lines"]] == ["2", "1.5"]
    assert [
        (b["rate"], b["taxable"]["amount"], b["cgst"]["amount"]) for b in intra["taxBreakdown"]
    ] == [("12", "1499.00", "89.94"), ("18", "100000.00", "9000.00")]
    assert intra["history"] == [{"action": "CREATED", "actor": {"email": owner.email}}]
    inter = (
        await api.ok(
            CREATE, {"i": _doc(org, delhi, roundToRupee=True, lines=[SUPPORT])}, token=owner.token
        )
    )["documentCreate"]["document"]
    assert (inter["number"], inter["supplyType"], inter["placeOfSupply"]) == (
        "INV-00002",
        "INTER_STATE",
        "07",
    )
    assert (
        inter["totals"]["igst"]["amount"],
        inter["totals"]["total"]["amount"],
        inter["totals"]["rounding"]["amount"],
    ) == ("179.88", "1679.00", "0.12")


async def test_numbering_per_kind_and_fiscal_year(api: Api) -> None:
    owner, org, _, delhi = await _seller(api)
    numbers = []
    for date in ("2027-03-31", "2027-04-01", "2027-04-02"):
        doc = (await api.ok(CREATE, {"i": _doc(org, delhi, documentDate=date)}, token=owner.token))[
            "documentCreate"
        ]["document"]
        numbers.append((doc["number"], doc["fiscalYear"]))
    assert numbers == [("INV-00001", "2026-27"), ("INV-00001", "2027-28"), ("INV-00002", "2027-28")]
    po = (await api.ok(CREATE, {"i": _doc(org, delhi, kind="PURCHASE_ORDER")}, token=owner.token))[
        "documentCreate"
    ]["document"]
    assert po["number"] == "PO-00001"
    own = (await api.ok(CREATE, {"i": _doc(org, delhi, number="SHT/26-27/9")}, token=owner.token))[
        "documentCreate"
    ]["document"]
    assert own["number"] == "SHT/26-27/9"
    taken = await api(CREATE, {"i": _doc(org, delhi, number="SHT/26-27/9")}, token=owner.token)
    assert [(e["code"], e["field"]) for e in taken["data"]["documentCreate"]["userErrors"]] == [
        ("TAKEN", ["input", "number"])
    ]


async def test_refusals_write_nothing(api: Api, state: AppState) -> None:
    owner, org, local, delhi = await _seller(api)
    cases = [
        (
            _doc(
                org,
                delhi,
                lines=[
                    {**LAPTOP, "quantity": "-1"},
                    {**LAPTOP, "taxRate": "7"},
                    {**LAPTOP, "hsnSac": "84X1"},
                ],
            ),
            [
                ("INVALID", ["input", "lines", "0", "quantity"]),
                ("INVALID", ["input", "lines", "1", "taxRate"]),
                ("INVALID", ["input", "lines", "2", "hsnSac"]),
            ],
        ),
        (_doc(org, delhi, lines=[]), [("REQUIRED", ["input", "lines"])]),
        (_doc(org, delhi, dueDate="2026-11-01"), [("INVALID", ["input", "dueDate"])]),
        (
            _doc(org, delhi, number="-bad number that is far too long"),
            [("INVALID", ["input", "number"])],
        ),
        (_doc(org, local, kind="PURCHASE_ORDER"), [("INVALID", ["input", "contactId"])]),
        (_doc(org, delhi, kind="CREDIT_NOTE"), [("REQUIRED", ["input", "referenceId"])]),
        (_doc(org, "bm9wZQ"), [("NOT_FOUND", ["input", "contactId"])]),
        (
            _doc(org, delhi, lines=[{**LAPTOP, "unitPrice": "1.001"}]),
            [("INVALID", ["input", "lines", "0", "unitPrice"])],
        ),
    ]
    for variables, expected in cases:
        result = await api(CREATE, {"i": variables}, token=owner.token)
        assert [
            (e["code"], e["field"]) for e in result["data"]["documentCreate"]["userErrors"]
        ] == expected, variables
    float_price = await api(
        CREATE, {"i": _doc(org, delhi, lines=[{**LAPTOP, "unitPrice": 10.5}])}, token=owner.token
    )
    assert float_price["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    async with state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Document)) == 0
        assert await session.scalar(select(func.count()).select_from(DocumentLine)) == 0
    # An organisation without a GSTIN cannot invoice yet.
    other = await api.sign_up()
    bare = await api.organisation(other)
    contact = (
        await api.ok(
            CONTACT,
            {
                "i": {
                    "organisationId": bare,
                    "contact": {
                        "displayName": "X",
                        "isCustomer": True,
                        "gstTreatment": "UNREGISTERED",
                    },
                }
            },
            token=other.token,
        )
    )["contactCreate"]["contact"]["id"]
    no_gstin = await api(CREATE, {"i": _doc(bare, contact)}, token=other.token)
    assert no_gstin["data"]["documentCreate"]["userErrors"][0]["code"] == "STEP_OUT_OF_ORDER"
    # Another organisation's contact is not found.
    foreign = await api(CREATE, {"i": _doc(bare, delhi)}, token=other.token)
    assert foreign["data"]["documentCreate"]["userErrors"][0] == {
        "code": "NOT_FOUND",
        "field": ["input", "contactId"],
        "message": "No such contact.",
    }


async def test_idempotency_and_tenancy(api: Api, state: AppState) -> None:
    owner, org, _, delhi = await _seller(api)
    first = await api.ok(CREATE, {"i": _doc(org, delhi, idempotencyKey="inv-1")}, token=owner.token)
    again = await api.ok(CREATE, {"i": _doc(org, delhi, idempotencyKey="inv-1")}, token=owner.token)
    assert first["documentCreate"]["document"]["id"] == again["documentCreate"]["document"]["id"]
    changed = await api(
        CREATE, {"i": _doc(org, delhi, idempotencyKey="inv-1", notes="other")}, token=owner.token
    )
    assert changed["data"]["documentCreate"]["userErrors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    async with state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Document)) == 1
    stranger = await api.sign_up()
    node = await api.ok(
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": first["documentCreate"]["document"]["id"]},
        token=stranger.token,
    )
    assert node["node"] is None


async def test_filters(api: Api) -> None:
    owner, org, local, delhi = await _seller(api)
    await api.ok(CREATE, {"i": _doc(org, local, documentDate="2026-10-01")}, token=owner.token)
    await api.ok(CREATE, {"i": _doc(org, delhi, documentDate="2026-11-01")}, token=owner.token)
    await api.ok(
        CREATE,
        {"i": _doc(org, delhi, kind="SALES_ORDER", documentDate="2026-11-15")},
        token=owner.token,
    )
    by_contact = await api.ok(LIST, {"id": org, "contact": delhi}, token=owner.token)
    assert [n["number"] for n in by_contact["organisation"]["documents"]["nodes"]] == [
        "INV-00002",
        "SO-00001",
    ]
    invoices = await api.ok(LIST, {"id": org, "kind": "INVOICE"}, token=owner.token)
    assert len(invoices["organisation"]["documents"]["nodes"]) == 2
    november = await api.ok(
        LIST, {"id": org, "from": "2026-11-01", "to": "2026-11-10"}, token=owner.token
    )
    assert [n["number"] for n in november["organisation"]["documents"]["nodes"]] == ["INV-00002"]
    bad = await api(LIST, {"id": org, "contact": "nope"}, token=owner.token)
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_page_of_50_costs_the_statements_of_a_page_of_5(
    api: Api, statements: StatementCounter
) -> None:
    owner, org, local, delhi = await _seller(api)
    for i in range(50):
        await api.ok(
            CREATE,
            {"i": _doc(org, local if i % 2 else delhi, lines=[LAPTOP, SUPPORT])},
            token=owner.token,
        )

    async def cost(first: int) -> int:
        before = statements.count
        data = await api.ok(LIST, {"id": org, "first": first}, token=owner.token)
        assert len(data["organisation"]["documents"]["nodes"]) == first
        return statements.count - before

    assert await cost(5) == await cost(50)


async def test_amounts_over_the_maximums_are_refused_not_crashed(api: Api, state: AppState) -> None:
    owner, org, _local, delhi = await _seller(api)
    huge = "999999999999999999.99"
    cases = [
        ({**LAPTOP, "unitPrice": huge}, ["input", "lines", "0", "unitPrice"]),
        (
            {**LAPTOP, "quantity": "999999999999999999.999", "unitPrice": "1"},
            ["input", "lines", "0", "quantity"],
        ),
        (
            {**LAPTOP, "quantity": "1000000000", "unitPrice": "1000000000.00"},
            ["input", "lines", "0", "unitPrice"],
        ),
        ({**LAPTOP, "discount": huge}, ["input", "lines", "0", "discount"]),
    ]
    for line, field in cases:
        result = await api(CREATE, {"i": _doc(org, delhi, lines=[line])}, token=owner.token)
        assert "errors" not in result, result
        errors = result["data"]["documentCreate"]["userErrors"]
        assert [(e["code"], e["field"]) for e in errors] == [("INVALID", field)], line
    # Each line within its maximum, the document over its own: 200 lines of ₹90 crore.
    big_line = {**LAPTOP, "quantity": "1", "unitPrice": "900000000.00", "taxRate": "28"}
    result = await api(CREATE, {"i": _doc(org, delhi, lines=[big_line] * 200)}, token=owner.token)
    errors = result["data"]["documentCreate"]["userErrors"]
    assert [(e["code"], e["field"]) for e in errors] == [("INVALID", ["input", "lines"])]
    assert "10000000000000.00" not in errors[0]["message"]
    assert "100000000000.00" in errors[0]["message"]
    # Just inside every maximum: accepted and exact.
    top = {**LAPTOP, "quantity": "10", "unitPrice": "1000000000.00", "taxRate": "18"}
    created = await api.ok(CREATE, {"i": _doc(org, delhi, lines=[top])}, token=owner.token)
    assert created["documentCreate"]["document"]["totals"]["total"]["amount"] == "11800000000.00"
    async with state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Document)) == 1


async def test_dates_outside_the_gst_era_or_too_far_ahead_are_refused(
    api: Api, state: AppState
) -> None:
    owner, org, _local, delhi = await _seller(api)
    cases = [
        ({"documentDate": "0001-01-01"}, ["input", "documentDate"]),
        ({"documentDate": "2017-06-30"}, ["input", "documentDate"]),
        ({"documentDate": "9999-12-31"}, ["input", "documentDate"]),
        ({"dueDate": "9999-12-31"}, ["input", "dueDate"]),
    ]
    for extra, field in cases:
        result = await api(CREATE, {"i": {**_doc(org, delhi), **extra}}, token=owner.token)
        errors = result["data"]["documentCreate"]["userErrors"]
        assert [(e["code"], e["field"]) for e in errors] == [("INVALID", field)], extra
    async with state.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Document)) == 0
    await api.ok(
        CREATE, {"i": {**_doc(org, delhi), "documentDate": "2017-07-01"}}, token=owner.token
    )


async def test_round_quantities_and_rates_read_as_plain_numbers(api: Api) -> None:
    """Ten stays "10" and 40 % stays "40" (never "1E+1")."""
    owner, org, local, _ = await _seller(api)
    lines = [
        {**LAPTOP, "quantity": "10", "taxRate": "40"},
        {**LAPTOP, "quantity": "2.50", "taxRate": "18"},
        {**LAPTOP, "quantity": "100", "taxRate": "0.25"},
    ]
    made = await api.ok(
        """mutation($i: DocumentCreateInput!) { documentCreate(input: $i) { document {
            lines { quantity taxRate } } userErrors { code field message } } }""",
        {"i": _doc(org, local, lines=lines)},
        token=owner.token,
    )
    assert made["documentCreate"]["document"]["lines"] == [
        {"quantity": "10", "taxRate": "40"},
        {"quantity": "2.5", "taxRate": "18"},
        {"quantity": "100", "taxRate": "0.25"},
    ]
