"""Relay building blocks: the ``Node`` interface, ``PageInfo`` and keyset connections."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from strawberry.types.nodes import SelectedField, Selection

from db.pagination import Page
from resolvers.services.ids import encode_cursor


@strawberry.interface(description="An object with a globally unique, opaque id.")
class Node:
    """Implemented by every major object; fetch any of them with ``node(id:)``."""

    id: strawberry.ID = strawberry.field(description="The object's opaque global id.")


@strawberry.type(description="Where a page sits in its connection.")
class PageInfo:
    """Relay page info."""

    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(description="More items precede this page.")
    start_cursor: str | None = strawberry.field(description="The cursor of the first item.")
    end_cursor: str | None = strawberry.field(description="The cursor of the last item.")


NodeT = TypeVar("NodeT")

# The arguments of every connection field.
First = Annotated[int | None, strawberry.argument(description="Items from the start (≤ 100).")]
After = Annotated[str | None, strawberry.argument(description="Start after this cursor.")]
Last = Annotated[int | None, strawberry.argument(description="Items from the end (≤ 100).")]
Before = Annotated[str | None, strawberry.argument(description="End before this cursor.")]


@strawberry.type(description="An item in a connection, with its cursor.")
class Edge(Generic[NodeT]):
    """A connection edge."""

    cursor: str = strawberry.field(description="Pass as `after` or `before` to page from here.")
    node: NodeT = strawberry.field(description="The item.")


@strawberry.type(
    description=(
        "A page of items in a stable order, with keyset cursors (`first`/`after` forward, "
        "`last`/`before` backward; at most 100 a page, 20 by default)."
    )
)
class Connection(Generic[NodeT]):
    """A Relay connection."""

    edges: list[Edge[NodeT]] = strawberry.field(description="The items with their cursors.")
    nodes: list[NodeT] = strawberry.field(description="The items, without cursors.")
    page_info: PageInfo = strawberry.field(description="Where this page sits.")

    @classmethod
    def build(
        cls,
        page: Page[object],
        key: Callable[[object], uuid.UUID],
        convert: Callable[[object], NodeT],
    ) -> Connection[NodeT]:
        """A connection from a repository page."""
        items: Sequence[object] = page.items
        cursors = [encode_cursor(key(item)) for item in items]
        nodes = [convert(item) for item in items]
        return cls(
            edges=[Edge(cursor=c, node=n) for c, n in zip(cursors, nodes, strict=True)],
            nodes=nodes,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=cursors[0] if cursors else None,
                end_cursor=cursors[-1] if cursors else None,
            ),
        )


def node_fields(info: strawberry.Info[Any, Any]) -> set[str]:
    """The names of the fields asked of the nodes of the connection being resolved (through
    ``edges { node }`` and ``nodes``, fragments included): what is worth loading for the whole
    page at once."""

    def flat(selections: Sequence[Selection]) -> list[SelectedField]:
        found: list[SelectedField] = []
        for selection in selections:
            if isinstance(selection, SelectedField):
                found.append(selection)
            else:
                found.extend(flat(selection.selections))
        return found

    names: set[str] = set()
    for connection in info.selected_fields:
        for part in flat(connection.selections):
            if part.name == "nodes":
                names.update(f.name for f in flat(part.selections))
            elif part.name == "edges":
                for edge in flat(part.selections):
                    if edge.name == "node":
                        names.update(f.name for f in flat(edge.selections))
    return names
