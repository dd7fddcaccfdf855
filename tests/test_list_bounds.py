"""Every list in the schema is bounded and costed: a connection (``first``/``last`` at most
100), a list with its own ``first``/``last``/``ids`` argument, or a list with a documented cap
in ``schema.cost.LIST_BOUNDS`` that the cost analysis counts. A new uncosted list fails here."""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    get_named_type,
    is_leaf_type,
    parse,
)

from resolvers.context import AppState
from resolvers.dispatcher import Dispatcher
from schema.cost import DEFAULT_LIST_BOUND, LIST_BOUNDS, operation_cost
from schema.schema import build_schema
from simulator.network import SimulatedNetwork
from tests.conftest import Api
from tests.paying import OFFLINE, accepted_bill, owed, pay
from tests.test_payment_requests import _record


def _is_list(output: GraphQLOutputType) -> bool:
    while isinstance(output, GraphQLNonNull):
        output = output.of_type
    return isinstance(output, GraphQLList)


def _lists() -> dict[str, set[str]]:
    schema = build_schema()._schema
    found: dict[str, set[str]] = {}
    for name, kind in schema.type_map.items():
        if name.startswith("__") or not isinstance(kind, GraphQLObjectType):
            continue
        if name.endswith("Connection"):
            continue  # edges and nodes: the connection's page
        for field_name, field in kind.fields.items():
            if not _is_list(field.type) or is_leaf_type(get_named_type(field.type)):
                continue
            if field_name in {"userErrors", "missing"}:
                continue  # one per refused input
            found[f"{name}.{field_name}"] = set(field.args)
    return found


def test_every_list_of_objects_is_bounded_and_costed() -> None:
    uncosted = [
        name for name, args in _lists().items()
        if not args & {"first", "last", "ids"} and name not in LIST_BOUNDS
    ]  # fmt: skip
    assert uncosted == [], "add a cap to schema.cost.LIST_BOUNDS (and enforce it): " + ", ".join(
        uncosted
    )
    stale = sorted(set(LIST_BOUNDS) - set(_lists()) - {"Kyc.missing"})
    assert stale == []
    assert all(0 < bound <= 366 for bound in LIST_BOUNDS.values())


def test_a_documents_payments_are_costed_at_their_cap() -> None:
    schema = build_schema()._schema
    query = parse(
        "query($o: ID!) { organisation(id: $o) { documents(first: 50) { nodes { "
        "payments { id allocations { amount { amount } } } } } } }"
    )
    operation = query.definitions[0]
    # 50 documents x (100 payments x (1 + 100 allocations)): far over the limit, refused.
    cost = operation_cost(schema, operation, {}, {"o": "x"})  # type: ignore[arg-type]
    assert cost == 50 + 50 * (100 + 100 * 100)
    few = parse(
        "query($o: ID!) { organisation(id: $o) { documents(first: 5) { nodes { "
        "payments(first: 3) { id } } } } }"
    )
    assert operation_cost(schema, few.definitions[0], {}, {"o": "x"}) == 5 + 5 * 3  # type: ignore[arg-type]
    assert DEFAULT_LIST_BOUND == 100


async def test_a_document_lists_at_most_100_payments_and_small_ones_are_refused(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    seller, seller_org, buyer, buyer_org, invoice, bill = await accepted_bill(
        api, simulator, dispatcher, state
    )
    tiny = await pay(api, buyer, buyer_org, [(bill, "0.99")])
    assert [(e["code"], e["field"]) for e in tiny["userErrors"]] == [
        ("INVALID", ["input", "allocations", "0", "amount"])
    ]
    for _ in range(103):
        made = await _record(api, seller, seller_org, invoice, "1")
        assert made["userErrors"] == []
    query = """query($id: ID!) { node(id: $id) { ... on Document { all: payments { id }
        three: payments(first: 3) { id } amountPaid { amount } } } }"""
    shown = (await api.ok(query, {"id": invoice}, token=seller.token))["node"]
    assert (len(shown["all"]), len(shown["three"]), shown["amountPaid"]) == (
        100, 3, {"amount": "103.00"},
    )  # fmt: skip
    assert shown["three"] == shown["all"][:3]  # the oldest
    listed = await api.ok(
        """query($o: ID!, $d: ID!) { organisation(id: $o) { payments(documentId: $d, first: 100,
        after: null) { pageInfo { hasNextPage } } } }""",
        {"o": seller_org, "d": invoice}, token=seller.token,
    )  # fmt: skip
    assert listed["organisation"]["payments"]["pageInfo"]["hasNextPage"] is True


async def test_offline_reports_are_limited_per_vendor_a_day(
    api: Api, simulator: SimulatedNetwork, dispatcher: Dispatcher, state: AppState
) -> None:
    _seller, _seller_org, buyer, buyer_org, _invoice, bill = await accepted_bill(
        api, simulator, dispatcher, state
    )

    async def report() -> dict[str, Any]:
        data = await api(OFFLINE, {"i": {"organisationId": buyer_org, "paidOn": "2026-11-24",
                                         "mode": "CASH",
                                         "allocations": [{"documentId": bill, "amount": "1"}]}},
                         token=buyer.token)  # fmt: skip
        result: dict[str, Any] = data["data"]["paymentRecordOffline"]
        return result

    for _ in range(20):
        assert (await report())["userErrors"] == []
    [limited] = (await report())["userErrors"]
    assert (limited["code"], limited["field"]) == ("TEMPORARILY_LOCKED", ["input"])
    assert (await owed(api, buyer, bill))["amountPaid"] == {"amount": "20.00"}
    await simulator.advance(86_400)
    assert (await report())["userErrors"] == []
