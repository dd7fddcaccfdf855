"""Counting GraphQL operations for ``/metrics``: how many, how long, with which errors."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError
from strawberry.types.graphql import OperationType

from resolvers.services import metrics


def _user_error_codes(data: Any) -> list[str]:
    """The codes of the userErrors in a mutation's payloads (its root fields)."""
    codes: list[str] = []
    if isinstance(data, dict):
        for payload in data.values():
            errors = payload.get("userErrors") if isinstance(payload, dict) else None
            if isinstance(errors, list):
                codes.extend(
                    str(e.get("code")) for e in errors if isinstance(e, dict) and e.get("code")
                )
    return codes


class OperationMetrics(SchemaExtension):
    """Counts each query and mutation by name, type and outcome, with its time and the codes of
    its errors and userErrors (listed first, so it sees the errors as the client does)."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        try:
            kind = context.operation_type
        except (RuntimeError, CannotGetOperationTypeError):  # no document, or no such operation
            kind = None
        if kind == OperationType.SUBSCRIPTION:
            return
        label = "unknown" if kind is None else kind.value
        result = context.result
        errors = list(getattr(result, "errors", None) or [])
        user_codes = _user_error_codes(getattr(result, "data", None))
        for error in errors:
            code = (error.extensions or {}).get("code", "INTERNAL_SERVER_ERROR")
            metrics.ERRORS.labels(str(code)).inc()
        for code in user_codes:
            metrics.USER_ERRORS.labels(code).inc()
        outcome = "error" if errors else "user_error" if user_codes else "ok"
        name = metrics.operation_label(context.operation_name)
        metrics.REQUESTS.labels(name, label, outcome).inc()
        metrics.LATENCY.labels(label).observe(time.perf_counter() - started)
