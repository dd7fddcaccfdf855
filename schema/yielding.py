"""Execution that lets the event loop (and a deadline) in while it completes long lists.

graphql-core completes a list of plain values without awaiting anything: a query that returns
thousands of objects held the worker's event loop for its whole run, and the execution
deadline could answer the client but not stop the work. Lists longer than
:data:`YIELD_EVERY` are completed as an async iterable that yields to the loop every
:data:`YIELD_EVERY` items, so other requests (``/healthz`` among them) get their turn and a
cancelled operation stops there. Shorter lists, the usual case, take the fast path untouched.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

YIELD_EVERY = 64


async def _yielding(items: Sequence[Any]) -> AsyncIterator[Any]:
    for index, item in enumerate(items):
        if index and index % YIELD_EVERY == 0:
            await asyncio.sleep(0)
        yield item


class YieldingExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, yielding inside long lists."""

    def complete_list_value(self, return_type: Any, field_details_list: Any, info: Any,
                            path: Any, result: Any, position_context: Any) -> Any:  # fmt: skip
        if isinstance(result, list | tuple) and len(result) > YIELD_EVERY:
            result = _yielding(result)
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )
