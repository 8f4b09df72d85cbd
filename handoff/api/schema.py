"""The GraphQL schema, with limits and caches."""

from __future__ import annotations

import logging

import strawberry
from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import AddValidationRules, MaskErrors, ParserCache, ValidationCache
from strawberry.extensions.max_aliases import create_validator as alias_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator
from strawberry.schema.config import StrawberryConfig

from handoff.api.resolvers import Mutation as CoreMutation
from handoff.api.resolvers import Query as CoreQuery
from handoff.api.scalars import SCALAR_MAP
from handoff.api.types import Handoff, Person, Team, WorkItem, Workspace
from handoff.api.webhooks import WebhookMutation, WebhookQuery
from handoff.services.errors import ServiceError
from handoff.settings import Settings

log = logging.getLogger("handoff.api")


@strawberry.type
class Query(CoreQuery, WebhookQuery):
    pass


@strawberry.type
class Mutation(CoreMutation, WebhookMutation):
    pass


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


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema with depth and alias limits and parser/validation caches."""
    settings = settings or Settings()
    # The limit rules are built once: ValidationCache keys on the rule classes, so rules
    # created per request (what the limiter extensions do) would never hit the cache.
    limits: list[type[ASTValidationRule]] = [
        depth_validator(settings.max_query_depth, None, None),
        alias_validator(settings.max_aliases),
    ]
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        types=[Person, Team, WorkItem, Handoff, Workspace],
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        extensions=[
            # Factories: a fresh extension per request; the parser and validation
            # caches live at module level, so they are shared across requests.
            lambda: AddValidationRules(limits),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            lambda: MaskErrors(should_mask_error=_should_mask, error_message="Unexpected error."),
        ],
    )


schema = build_schema()
