"""Types mapped lazily from their rows.

A page maps hundreds of rows, and a query asks for a few of each type's fields. A *view* of a
Strawberry type is a subclass whose instance holds the row (as ``_model``, with any other
private attributes given) and works out a field only when GraphQL reads it, from one function
of the row per field. It is still an instance of the type (interfaces' type checks hold), and
the type's own resolvers read ``self._model`` as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar, cast

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

Fields = Mapping[str, Callable[[Any], object]]


class View(Protocol[T_co]):
    """Makes the type's instance over a row."""

    def __call__(self, model: Any, **private: object) -> T_co: ...


def view_of(cls: type[T], fields: Fields) -> View[T]:
    """The view of ``cls`` whose fields come from ``fields`` (one per field of the type)."""

    def init(self: Any, model: Any, **private: object) -> None:
        self._model = model
        self.__dict__.update(private)

    def lookup(self: Any, name: str) -> object:
        field = fields.get(name)
        if field is None:
            raise AttributeError(name)
        return field(self._model)

    view = type(f"{cls.__name__}View", (cls,), {"__init__": init, "__getattr__": lookup})
    return cast(View[T], view)
