"""Query cost: how many objects an operation may return, computed before it runs.

The cost of an operation is the number of list items it can produce: every connection
counts its page size (``first``/``last``, 20 by default, at most 100), every other list of
objects its
own bound (its ``first``/``last`` argument, or the maximum in :data:`LIST_BOUNDS`, or
:data:`DEFAULT_LIST_BOUND`), each multiplied by the sizes of the lists it is nested in.
Fragments count at every spread; aliases count as often as they appear. A page of 50
documents with their lines costs 50 + 50 x 200 = 10,050.

An operation over ``MAX_QUERY_COST`` (default 25,000) is refused before anything is read,
with ``extensions.code = QUERY_TOO_COMPLEX`` and the computed ``cost`` and ``maxCost``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from resolvers.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from resolvers.services.documents import MAX_LINES

# Every list of objects that is not a connection, with the most items it ever holds (what the
# cost analysis counts, each enforced where the list is made or read; a test keeps this
# complete). A list with a ``first``/``last`` argument counts that instead.
LIST_BOUNDS = {
    "Document.lines": MAX_LINES,  # refused over 200 when made
    "Document.taxBreakdown": 8,  # one per GST rate
    "Document.payments": 100,  # read at most 100 per document (``first``)
    "Document.history": 100,  # ``last``, at most 100
    "Payment.allocations": 100,  # MAX_ALLOCATIONS, made or received
    "FinancingRequest.invoices": 50,  # MAX_INVOICES
    "FinancingRequest.bids": 100,  # MAX_BIDS on the wire
    "FinancingRequest.history": 200,  # read at most 200
    "Kyc.owners": 10,  # 10 % or more each, 100 % together
    "Kyc.documents": 30,  # one per owner and per required kind, replaced on upload
    "Kyc.missing": 30,
    "Organisation.gstins": 50,  # at most 50 shown
    "Organisation.invitations": 100,  # read at most 100
    "Organisation.networkAccessRequests": 100,  # at most 100 shown
    "Organisation.apiKeys": 100,  # the newest 100 shown
    "Organisation.webhookEndpoints": 20,  # an organisation has at most 20
    "Organisation.stuckWork": 100,  # at most 100 shown
    "StuckMessage.actions": 50,  # the last 50
    "Viewer.invitations": 100,  # read at most 100
    "Onboarding.b2bIds": 20,  # at most 20 shown
    "Reconciliation.unmatchedPayments": 100,  # read at most 100
    "Reconciliation.days": 366,  # MAX_RANGE_DAYS
    "Query.banks": 100,  # at most 100 shown
    "Query.nodes": 100,  # ``ids``, at most 100
    "Contact.sameGstinContacts": 100,  # ``first``, at most 100
    "ContactPayload.sameGstinContacts": 100,
    "ContactB2BIdFetchPayload.candidates": 50,  # at most 50 shown
    "BulkOperationItem.candidates": 50,
    "ContactB2BIdLinkBulkPayload.results": 100,  # at most 100 links asked at once
}
DEFAULT_LIST_BOUND = MAX_PAGE_SIZE
CODE = "QUERY_TOO_COMPLEX"


def _literal(value: IntValueNode) -> int:
    """An Int literal's value (an absurdly long one counts as the largest page)."""
    return int(value.value) if len(value.value) <= 11 else MAX_PAGE_SIZE


def _int_argument(node: FieldNode, name: str, variables: Mapping[str, Any]) -> int | None:
    for argument in node.arguments or ():
        if argument.name.value != name:
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            return _literal(value)
        if isinstance(value, VariableNode):
            given = variables.get(value.name.value)
            return given if isinstance(given, int) and not isinstance(given, bool) else None
    return None


def _list_length(node: FieldNode, name: str, variables: Mapping[str, Any]) -> int | None:
    for argument in node.arguments or ():
        if argument.name.value != name:
            continue
        value = argument.value
        if isinstance(value, ListValueNode):
            return len(value.values)
        if isinstance(value, VariableNode):
            given = variables.get(value.name.value)
            return len(given) if isinstance(given, list) else None
    return None


def _is_list(output: GraphQLOutputType) -> bool:
    while isinstance(output, GraphQLNonNull):
        output = output.of_type
    return isinstance(output, GraphQLList)


def _size(
    parent: GraphQLNamedType,
    node: FieldNode,
    output: GraphQLOutputType,
    variables: Mapping[str, Any],
) -> int:
    """How many items one resolution of this field can give (1 for a single value)."""
    named = get_named_type(output)
    is_connection = named.name.endswith("Connection")
    if not is_connection and not _is_list(output):
        return 1
    if parent.name.endswith("Connection"):
        return 1  # a connection's nodes/edges: counted by the connection itself
    for name in ("first", "last"):
        given = _int_argument(node, name, variables)
        if given is not None:
            return max(0, min(given, MAX_PAGE_SIZE))
    ids = _list_length(node, "ids", variables)
    if ids is not None:
        return min(ids, MAX_PAGE_SIZE)
    if is_connection:
        return DEFAULT_PAGE_SIZE
    field_def = getattr(parent, "fields", {}).get(node.name.value)
    declared = getattr(field_def, "args", {}) if field_def is not None else {}
    for name in ("first", "last"):
        argument = declared.get(name)
        if argument is not None and isinstance(argument.default_value, int):
            return argument.default_value
    return LIST_BOUNDS.get(f"{parent.name}.{node.name.value}", DEFAULT_LIST_BOUND)


class _Costing:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def selections(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType, visiting: frozenset[str]
    ) -> Iterator[tuple[FieldNode, GraphQLNamedType]]:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection, parent
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                yield from self.selections(selection.selection_set, inner or parent, visiting)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in visiting:
                    continue
                inner = self.schema.get_type(fragment.type_condition.name.value) or parent
                yield from self.selections(fragment.selection_set, inner, visiting | {name})

    def cost(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType, multiplier: int
    ) -> int:
        total = 0
        for node, owner in self.selections(selection_set, parent, frozenset()):
            field = getattr(owner, "fields", {}).get(node.name.value)
            if field is None or node.selection_set is None:
                # __typename, a field of a union member chosen by a fragment, or a leaf (a
                # list of scalars or enums is part of its parent's value).
                continue
            size = _size(owner, node, field.type, self.variables)
            inner = multiplier * size
            listed = size != 1 or _is_list(field.type)
            if listed and not owner.name.endswith("Connection"):
                total += inner
            total += self.cost(node.selection_set, get_named_type(field.type), inner)
        return total


def operation_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
) -> int:
    """The cost of ``operation`` with these variables (and the defaults it declares)."""
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    given = dict(variables)
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        default = definition.default_value
        if given.get(name) is None and isinstance(default, IntValueNode):
            given[name] = _literal(default)
    return _Costing(schema, fragments, given).cost(operation.selection_set, root, 1)


def _charge(context: Any, cost: int) -> GraphQLError | None:
    """Spend ``cost`` of the account's budget for the minute (per worker), or the refusal."""
    key = getattr(context, "flight_key", None)
    app = getattr(context, "app", None)
    flight = getattr(app, "flight", None)
    if key is None or flight is None:
        return None
    refused: GraphQLError | None = flight.charge(key, max(cost, 1))
    return refused


class QueryCostLimiter(SchemaExtension):
    """Refuse operations whose :func:`operation_cost` exceeds ``max_cost``."""

    def __init__(self, max_cost: int) -> None:
        self.max_cost = max_cost

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.result is None:
            wanted = context.operation_name
            operations = [
                d
                for d in document.definitions
                if isinstance(d, OperationDefinitionNode)
                and (wanted is None or (d.name is not None and d.name.value == wanted))
            ]
            fragments = {
                d.name.value: d
                for d in document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            if operations:
                cost = operation_cost(
                    context.schema._schema, operations[0], fragments, context.variables or {}
                )
                if cost > self.max_cost:
                    error = GraphQLError(
                        f"The query could return {cost} items; at most {self.max_cost} are "
                        "allowed. Ask for smaller pages (first/last) or fewer nested lists.",
                        extensions={"code": CODE, "cost": cost, "maxCost": self.max_cost},
                    )
                    context.result = ExecutionResult(data=None, errors=[error])
                elif (refused := _charge(context.context, cost)) is not None:
                    context.result = ExecutionResult(data=None, errors=[refused])
        yield
