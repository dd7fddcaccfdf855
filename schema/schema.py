"""Build the schema, with the safety and speed extensions chosen by settings."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import strawberry
from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.config import StrawberryConfig
from strawberry.types.execution import ExecutionContext

from schema.cost import QueryCostLimiter
from schema.extensions import (
    PublicErrors,
    RequireOperationName,
    directive_rule,
    log_unexpected,
)
from schema.metrics import OperationMetrics
from schema.money import Money
from schema.root import Mutation, Query, Subscription
from schema.scalars import SCALAR_MAP, guard_int_literals
from schema.scopes import ApiKeyScopes
from schema.text_guard import guard_text_arguments
from schema.tracing import GraphQLTracing
from schema.yielding import YieldingExecutionContext
from server.settings import Settings

SDL_PATH = Path(__file__).resolve().parent / "schema.graphql"


class Schema(strawberry.Schema):
    """Logs only unexpected errors (with traceback and request id); the rest are the client's."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        log_unexpected(errors, None if execution_context is None else execution_context.context)


def build_schema(settings: Settings | None = None) -> Schema:
    """The schema; ``settings`` decide limits and whether introspection is on."""
    settings = settings or Settings()
    guard_int_literals()
    # Factories: a fresh extension per operation (the parser and validation caches live at
    # module level, so they are still shared).
    extensions: list[Any] = [
        OperationMetrics,
        partial(ParserCache, maxsize=256),
        partial(ValidationCache, maxsize=256),
        partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
        # The shape rules are built once: the validation cache keys on their classes, and a
        # class made per request (as strawberry's limiter extensions do) never hits it.
        partial(AddValidationRules, _shape_rules(settings)),
        RequireOperationName,
        # The cost first: an operation too costly is refused before any statement runs.
        partial(QueryCostLimiter, settings.max_query_cost),
        ApiKeyScopes,
        PublicErrors,
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    if settings.tracing:  # first, so that its span holds the others' work
        extensions.insert(0, GraphQLTracing)
    config: Any = StrawberryConfig(disable_field_suggestions=True, scalar_map=SCALAR_MAP)
    _guard_text(config)
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Money],
        extensions=extensions,
        config=config,
        execution_context_class=YieldingExecutionContext,
    )


_SHAPE_RULES: dict[tuple[int, int, int], list[type[ASTValidationRule]]] = {}


def _shape_rules(settings: Settings) -> list[type[ASTValidationRule]]:
    """Depth, alias and directive rules for these limits, made once per process."""
    key = (settings.max_depth, settings.max_aliases, settings.max_directives)
    if key not in _SHAPE_RULES:
        _SHAPE_RULES[key] = [
            depth_rule(settings.max_depth, None),
            alias_rule(settings.max_aliases),
            directive_rule(settings.max_directives),
        ]
    return _SHAPE_RULES[key]


_text_guarded = False


def _guard_text(config: Any) -> None:
    """Field extensions take effect when a schema is converted: guard every text argument
    on a first build (once per process), so that the schema we serve carries the guard."""
    global _text_guarded
    if not _text_guarded:
        plain = strawberry.Schema(
            query=Query, mutation=Mutation, subscription=Subscription, types=[Money], config=config
        )
        guard_text_arguments(plain, Mutation)
        _text_guarded = True


def sdl() -> str:
    """The schema in SDL, as committed in ``schema/schema.graphql``."""
    return build_schema().as_str() + "\n"
