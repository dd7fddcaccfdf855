"""Schema extensions: error masking, one error for rejected documents, and a directive limit.

Errors the client may see: parse and validation errors, bad variables, and ``PublicError``s
(``UNAUTHENTICATED``, ``FORBIDDEN``, ``BAD_USER_INPUT``). Anything else raised while resolving
is replaced by "Unexpected error." with ``extensions.code = INTERNAL_SERVER_ERROR`` and the
request id; the full traceback is logged under that id. A lost database connection (the server
ended it, or restarted) is no bug: the client gets ``SERVICE_UNAVAILABLE``, to try again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from graphql import (
    ExecutionResult as GraphQLExecutionResult,
)
from graphql import (
    FragmentSpreadNode,
    GraphQLError,
    Node,
    OperationDefinitionNode,
    ValidationContext,
    ValidationRule,
)
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionResult

from db.engine import lost_connection
from resolvers.errors import PublicError

logger = logging.getLogger("bharat_connect.errors")

MASKED_MESSAGE = "Unexpected error."
LOST_MESSAGE = (
    "The connection to the database was lost while this ran; try again (a mutation sent again "
    "with the same idempotencyKey is never done twice)."
)
MAX_MESSAGE_LENGTH = 300
_SUGGESTION = re.compile(r"\s*Did you mean .*$", re.DOTALL)


def is_unexpected(error: GraphQLError) -> bool:
    """Whether an error came from a bug or a failure the client should not see."""
    original = error.original_error
    # graphql-core's own errors (coercion, validation) and ours (PublicError) are public.
    if original is None or isinstance(original, GraphQLError):
        return False
    # Errors before execution (no path) come from parsing, validation or input coercion,
    # whose messages graphql-core and our scalars write for clients.
    return error.path is not None or not isinstance(original, (ValueError, TypeError))


def request_id_of(context: Any) -> str | None:
    """The request id a context carries, if any."""
    value = getattr(context, "request_id", None)
    return value if isinstance(value, str) else None


def _public_code(error: GraphQLError) -> str:
    if isinstance(error.original_error, PublicError):
        return error.original_error.code
    if error.extensions and isinstance(error.extensions.get("code"), str):
        return str(error.extensions["code"])
    if error.message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    if error.message.startswith("Variable '$"):
        return "BAD_USER_INPUT"
    if error.path is None:
        return "GRAPHQL_VALIDATION_FAILED"
    return "BAD_REQUEST"


def public_errors(errors: list[GraphQLError], request_id: str | None) -> list[GraphQLError]:
    """What the client may see of ``errors``: unexpected ones masked, every one with a code,
    and a document rejected before execution answered with its first error only.

    Idempotent, so it may run both in the schema extension and in the HTTP view.
    """
    rewritten: list[GraphQLError] = []
    for error in errors:
        if is_unexpected(error) and lost_connection(error.original_error):
            rewritten.append(
                GraphQLError(
                    LOST_MESSAGE,
                    nodes=error.nodes,
                    path=error.path,
                    extensions={"code": "SERVICE_UNAVAILABLE", "requestId": request_id},
                )
            )
            continue
        if is_unexpected(error):
            rewritten.append(
                GraphQLError(
                    MASKED_MESSAGE,
                    nodes=error.nodes,
                    path=error.path,
                    extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
                )
            )
            continue
        message = _SUGGESTION.sub("", error.message)
        if len(message) > MAX_MESSAGE_LENGTH:
            # Messages can quote the input (a 5,000-digit literal, say): never echo it whole.
            message = message[: MAX_MESSAGE_LENGTH - 1] + "…"
        extensions = {**(error.extensions or {}), "code": _public_code(error)}
        if request_id is not None:
            extensions["requestId"] = request_id
        rewritten.append(
            GraphQLError(message, nodes=error.nodes, path=error.path, extensions=extensions)
        )
    executed = any(error.path is not None for error in rewritten)
    if not executed and len(rewritten) > 1:
        # A document rejected before execution: one error is enough to fix it, and
        # answering a flood of invalid selections with a flood of errors costs us.
        first = rewritten[0]
        first.extensions = {**(first.extensions or {}), "errorCount": len(rewritten)}
        rewritten = [first]
    return rewritten


class PublicErrors(SchemaExtension):
    """Apply :func:`public_errors` to every result (WebSocket results included)."""

    def _process(self, result: object) -> None:
        if isinstance(result, (GraphQLExecutionResult, ExecutionResult)) and result.errors:
            request_id = request_id_of(self.execution_context.context)
            result.errors = public_errors(list(result.errors), request_id)

    def on_operation(self) -> Iterator[None]:
        yield
        self._process(self.execution_context.result)


def _directive_count(
    node: Node, context: ValidationContext, memo: dict[str, int], visiting: set[str]
) -> int:
    """Directive uses under ``node``, counting a fragment again at every spread of it."""
    count = len(getattr(node, "directives", None) or ())
    if isinstance(node, FragmentSpreadNode):
        name = node.name.value
        if name not in memo:
            fragment = context.get_fragment(name)
            if fragment is None or name in visiting:
                return count  # unknown or cyclic: other rules report it
            visiting.add(name)
            memo[name] = _directive_count(fragment, context, memo, visiting)
            visiting.discard(name)
        return count + memo[name]
    selection_set = getattr(node, "selection_set", None)
    if selection_set is not None:
        for selection in selection_set.selections:
            count += _directive_count(selection, context, memo, visiting)
    return count


class _DirectiveLimit(ValidationRule):
    limit = 50

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: object) -> None:
        count = _directive_count(node, self.context, {}, set())
        if count > self.limit:
            self.report_error(
                GraphQLError(
                    f"Too many directives: {count} found, at most {self.limit} are allowed "
                    "(fragments count at every spread).",
                    node,
                )
            )


def directive_rule(limit: int) -> type[ValidationRule]:
    """A rule refusing operations with more than ``limit`` directive uses, counting a
    fragment's directives at every spread of it."""
    rule: type[ValidationRule] = type("DirectiveLimit", (_DirectiveLimit,), {"limit": limit})
    return rule


class RequireOperationName(SchemaExtension):
    """A document with several operations must say which one to run (``operationName``);
    graphql-core would otherwise run the first. Listed after the validation cache, whose
    errors it keeps (errors set before validation make strawberry skip its own run)."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        # ``operation_name`` falls back to the first operation's name; what the client sent is
        # kept privately by strawberry.
        provided = getattr(context, "_provided_operation_name", None)
        if document is not None and provided is None:
            operations = sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)
            if operations > 1:
                error = GraphQLError(
                    "The document has several operations: say which to run with operationName.",
                    extensions={"code": "BAD_REQUEST"},
                )
                context.pre_execution_errors = [error, *(context.pre_execution_errors or [])]
        yield


def deadline_error(seconds: int) -> GraphQLError:
    """What a client gets when its operation ran past the execution deadline (stopped; a
    mutation's transaction is rolled back)."""
    return GraphQLError(
        f"The operation ran longer than {seconds} s and was stopped; nothing it started was "
        "kept. Ask for less (smaller pages, fewer nested lists).",
        extensions={"code": "TIMEOUT"},
    )


def log_unexpected(errors: list[GraphQLError], context: Any) -> None:
    """Log a request's unexpected errors once: the first with its traceback and the request
    id, and how many more there were (a failure shared by every field of a large page, such
    as an exhausted connection pool, is one log entry, not one per field)."""
    unexpected = [error for error in errors if is_unexpected(error)]
    lost = [error for error in unexpected if lost_connection(error.original_error)]
    if lost:
        logger.warning("request %s: the database connection was lost at %s; the client is told "
                       "to try again", request_id_of(context), lost[0].path)  # fmt: skip
    unexpected = [error for error in unexpected if error not in lost]
    if not unexpected:
        return
    first = unexpected[0]
    logger.error(
        "unexpected error (request %s) at %s%s",
        request_id_of(context),
        first.path,
        f"; {len(unexpected) - 1} more unexpected errors in this request"
        if len(unexpected) > 1
        else "",
        exc_info=first.original_error,
    )
