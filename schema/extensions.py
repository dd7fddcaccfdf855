"""Schema extensions: error masking, one error for rejected documents, and a directive limit.

Errors the client may see: parse and validation errors, bad variables, and ``PublicError``s
(``UNAUTHENTICATED``, ``FORBIDDEN``, ``BAD_USER_INPUT``). Anything else raised while resolving
is replaced by "Unexpected error." with ``extensions.code = INTERNAL_SERVER_ERROR`` and the
request id; the full traceback is logged under that id.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from graphql import (
    DirectiveNode,
    GraphQLError,
    ValidationContext,
    ValidationRule,
)
from graphql import (
    ExecutionResult as GraphQLExecutionResult,
)
from strawberry.extensions import AddValidationRules, SchemaExtension
from strawberry.types.execution import ExecutionResult

from resolvers.errors import PublicError

logger = logging.getLogger("bharat_connect.errors")

MASKED_MESSAGE = "Unexpected error."
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
        rewritten.append(
            GraphQLError(
                message,
                nodes=error.nodes,
                path=error.path,
                extensions={**(error.extensions or {}), "code": _public_code(error)},
            )
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


class _DirectiveLimit(ValidationRule):
    limit = 50

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.count = 0
        self.reported = False

    def enter_directive(self, node: DirectiveNode, *_args: object) -> None:
        self.count += 1
        if self.count > self.limit and not self.reported:
            self.reported = True
            self.report_error(
                GraphQLError(f"Too many directives: at most {self.limit} are allowed.", node)
            )


class MaxDirectivesLimiter(AddValidationRules):
    """Refuse documents with more than ``limit`` directive uses (fragments included)."""

    def __init__(self, limit: int) -> None:
        rule = type("DirectiveLimit", (_DirectiveLimit,), {"limit": limit})
        super().__init__([rule])


def log_unexpected(errors: list[GraphQLError], context: Any) -> None:
    """Log every unexpected error with its traceback and the request id."""
    request_id = request_id_of(context)
    for error in errors:
        if is_unexpected(error):
            logger.error(
                "unexpected error (request %s) at %s",
                request_id,
                error.path,
                exc_info=error.original_error,
            )
