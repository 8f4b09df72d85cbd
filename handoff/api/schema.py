"""The GraphQL schema, with limits and caches."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from functools import lru_cache

import strawberry
from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, parse
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import validate_document

from handoff.api.resolvers import Mutation, Query
from handoff.api.scalars import SCALAR_MAP
from handoff.api.types import Handoff, Person, Team, WorkItem, Workspace
from handoff.services.errors import ServiceError
from handoff.settings import Settings

log = logging.getLogger("handoff.api")


def _should_mask(error: GraphQLError) -> bool:
    # Errors from resolvers are unexpected (expected ones are union values): log them
    # with their traceback and return a message without internals. Query-language errors
    # (syntax, validation, limits) have no original error and say what was wrong.
    original = error.original_error
    if original is None or isinstance(original, GraphQLError | ServiceError):
        # ServiceError reaches here only from list fields (bad `first`, cursor or
        # filter ID), which have no union result: its message is meant for the client.
        return False
    log.error("unexpected error in %s", ".".join(map(str, error.path or [])), exc_info=original)
    return True


PARSE_CACHE_SIZE = 256
VALIDATION_CACHE_SIZE = 256


@lru_cache(maxsize=PARSE_CACHE_SIZE)
def _parse(query: str, **options: object) -> DocumentNode:
    return parse(query, **options)  # type: ignore[arg-type]


_Rules = tuple[type[ASTValidationRule], ...]
# (schema, document, rules) -> (document, errors), keyed by the identity of the schema and of
# the document the parse cache returned (the entry holds the document, so its id stays unique
# while the entry exists): no hashing of the whole syntax tree on every request, which is
# what strawberry's ValidationCache does.
_validated: dict[tuple[int, int, _Rules], tuple[DocumentNode, list[GraphQLError]]] = {}


def _validate(schema: GraphQLSchema, document: DocumentNode, rules: _Rules) -> list[GraphQLError]:
    key = (id(schema), id(document), rules)
    found = _validated.get(key)
    if found is not None and found[0] is document:
        return found[1]
    errors = validate_document(schema, document, rules)
    if len(_validated) >= VALIDATION_CACHE_SIZE:
        _validated.clear()
    _validated[key] = (document, errors)
    return errors


class ParseAndValidate(SchemaExtension):
    """Parser cache, the limit rules and a validation cache in one extension.

    Does what AddValidationRules + ParserCache + ValidationCache did, with one set of hooks
    per request instead of three and a validation cache keyed by document identity.
    """

    def __init__(self, rules: _Rules) -> None:
        self.rules = rules

    def on_parse(self) -> Iterator[None]:
        ctx = self.execution_context
        ctx.graphql_document = _parse(ctx.query, **ctx.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        assert ctx.graphql_document is not None
        ctx.pre_execution_errors = _validate(
            ctx.schema._schema, ctx.graphql_document, ctx.validation_rules + self.rules
        )
        yield


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema with depth and alias limits and parser/validation caches."""
    settings = settings or Settings()
    # The limit rules are built once: ValidationCache keys on the rule classes, so rules
    # created per request (what the limiter extensions do) would never hit the cache.
    limits: _Rules = (
        depth_validator(settings.max_query_depth, None, None),
        alias_validator(settings.max_aliases),
    )
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        types=[Person, Team, WorkItem, Handoff, Workspace],
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        extensions=[
            # Factories: a fresh extension per request; the parser and validation
            # caches live at module level, so they are shared across requests.
            lambda: ParseAndValidate(limits),
            lambda: MaskErrors(should_mask_error=_should_mask, error_message="Unexpected error."),
        ],
    )


schema = build_schema()
