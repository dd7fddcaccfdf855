"""One guard for every text argument of the schema (inputs and filters alike).

:func:`guard_text_arguments` puts :class:`TextArguments` on every field that takes arguments,
so a field added later is covered without remembering to be. Before the resolver runs, every
string in the arguments (through input objects and lists) is checked against
:mod:`resolvers.services.text`: a forbidden character or a string over the length cap is
refused before anything is read or written.

- On a mutation, the refusal is the payload's ``userErrors`` entry (``INVALID`` or
  ``TOO_LONG``) with the path of the input field, e.g. ``["input", "lines", "0", "notes"]``.
- On any other field, it is a top-level ``BAD_USER_INPUT`` error naming the argument.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types.base import (
    StrawberryList,
    StrawberryOptional,
    get_object_definition,
    has_object_definition,
)
from strawberry.types.field import StrawberryField
from strawberry.types.unset import UnsetType

from resolvers.errors import BadUserInputError
from resolvers.services.text import MAX_FILTER_LENGTH, MAX_INPUT_LENGTH, forbidden_character
from schema.errors import UserError, UserErrorCode


@dataclasses.dataclass(frozen=True)
class TextProblem:
    """A refused string: where, and why."""

    path: tuple[str, ...]
    code: UserErrorCode
    message: str


def _strings(
    value: object, path: tuple[str, ...], name: Callable[[Any], str]
) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, str(index)), name)
    elif has_object_definition(value):
        definition = get_object_definition(value, strict=True)
        for field in definition.fields:
            yield from _strings(getattr(value, field.python_name, None), (*path, name(field)), name)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, str(key)), name)


def find_problem(
    arguments: dict[str, Any], names: dict[str, str], name: Callable[[Any], str], limit: int
) -> TextProblem | None:
    """The first refused string among ``arguments`` (python name -> value)."""
    for python_name, value in arguments.items():
        if isinstance(value, (UnsetType, enum.Enum)) or value is None:
            continue
        for path, text in _strings(value, (names.get(python_name, python_name),), name):
            if len(text) > limit:
                return TextProblem(path, UserErrorCode.TOO_LONG, f"At most {limit} characters.")
            bad = forbidden_character(text)
            if bad is not None:
                return TextProblem(
                    path,
                    UserErrorCode.INVALID,
                    f"Contains a control, bidirectional or zero-width character ({bad}).",
                )
    return None


def _refused_payload(return_type: Any, problem: TextProblem) -> Any:
    """The mutation's payload with only ``userErrors`` set, or ``None`` if it cannot be made."""
    origin = return_type.of_type if isinstance(return_type, StrawberryOptional) else return_type
    if not has_object_definition(origin):
        return None
    error = UserError(code=problem.code, field=list(problem.path), message=problem.message)
    values: dict[str, Any] = {}
    for field in get_object_definition(origin, strict=True).fields:
        if field.base_resolver is not None:
            continue
        if field.python_name == "user_errors":
            values[field.python_name] = [error]
        elif isinstance(field.type, StrawberryOptional):
            values[field.python_name] = None
        elif isinstance(field.type, StrawberryList):
            values[field.python_name] = []
        elif field.type is int:
            values[field.python_name] = 0
        else:
            return None
    return origin(**values) if "user_errors" in values else None


class TextArguments(FieldExtension):
    """Checks every string argument of one field before its resolver runs."""

    def __init__(self, *, mutation_root: bool) -> None:
        self.mutation_root = mutation_root
        self.limit = MAX_INPUT_LENGTH if mutation_root else MAX_FILTER_LENGTH
        self.names: dict[str, str] = {}
        self.return_type: Any = None
        self.field: StrawberryField | None = None

    def apply(self, field: StrawberryField) -> None:
        self.return_type = field.type
        self.field = field

    def _refusal(self, info: strawberry.Info, kwargs: dict[str, Any]) -> tuple[bool, Any]:
        converter = info.schema.config.name_converter
        if not self.names and self.field is not None:
            self.names = {
                a.python_name: converter.get_graphql_name(a) for a in self.field.arguments
            }
        problem = find_problem(kwargs, self.names, converter.get_graphql_name, self.limit)
        if problem is None:
            return False, None
        if self.mutation_root:
            payload = _refused_payload(self.return_type, problem)
            if payload is not None:
                return True, payload
        where = ".".join(problem.path)
        raise BadUserInputError(f"Argument {where}: {problem.message}")

    def resolve(
        self, next_: Callable[..., Any], source: Any, info: strawberry.Info, **kwargs: Any
    ) -> Any:
        refused, payload = self._refusal(info, kwargs)
        return payload if refused else next_(source, info, **kwargs)

    async def resolve_async(
        self,
        next_: Callable[..., Awaitable[Any]],
        source: Any,
        info: strawberry.Info,
        **kwargs: Any,
    ) -> Any:
        refused, payload = self._refusal(info, kwargs)
        return payload if refused else await next_(source, info, **kwargs)


def guard_text_arguments(schema: strawberry.Schema, mutation_type: type) -> None:
    """Put :class:`TextArguments` on every field with arguments of every object type of
    ``schema`` (subscriptions excepted: their arguments are ids, kinds and cursors).

    Field extensions are applied when a schema is converted, so this runs on a first build
    and the schema that serves is built after it. Idempotent."""
    mutation_fields = {id(f) for f in get_object_definition(mutation_type, strict=True).fields}
    for definition in schema.schema_converter.type_map.values():
        type_definition = getattr(definition, "definition", None)
        if type_definition is None or not hasattr(type_definition, "fields"):
            continue
        if getattr(type_definition, "is_input", False) or type_definition.name == "Subscription":
            continue
        for field in type_definition.fields:
            if not field.arguments:
                continue
            if any(isinstance(e, TextArguments) for e in field.extensions):
                continue
            field.extensions.append(TextArguments(mutation_root=id(field) in mutation_fields))
