"""The GraphQL schema, with limits, caches and error codes."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from graphql import DocumentNode, GraphQLError, OperationDefinitionNode, OperationType
from strawberry.extensions.max_aliases import create_validator as alias_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.utils.aio import aclosing

from handoff.api.cost import cost_validator
from handoff.api.errors import ErrorCode
from handoff.api.executor import FastExecutor
from handoff.api.extensions import ParseAndValidate, cached_parse, coded, log_errors
from handoff.api.lean_resolvers import streamline
from handoff.api.resolvers import Mutation, Query
from handoff.api.resolvers.subscriptions import Subscription
from handoff.api.scalars import SCALAR_MAP
from handoff.api.types import Handoff, Person, Team, WorkItem, Workspace
from handoff.settings import Settings


class HandoffSchema(strawberry.Schema):
    """strawberry's Schema: every error leaves with `extensions.code` and is logged once,
    at the level its cause deserves."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        log_errors(errors)

    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        document = _document(args, kwargs)
        if document is not None and _operation(document, kwargs) is OperationType.SUBSCRIPTION:
            return ExecutionResult(data=None, errors=[_LIVE_ONLY])
        result = await super().execute(*args, **kwargs)
        if result.errors:
            document = _document(args, kwargs)
            result.errors = [coded(e, document) for e in result.errors]
        return result

    async def stream(self, *args: Any, **kwargs: Any) -> Any:
        """Subscriptions (over WebSocket and SSE), their errors coded as `execute`'s are.
        These transports carry subscriptions only: queries and mutations go over HTTP,
        where rate limits and metrics count them."""
        query = args[0] if args else kwargs.get("query")
        try:
            document = cached_parse(query) if isinstance(query, str) else None
        except GraphQLError as error:
            # strawberry's stream lets a parser extension's syntax error escape
            log_errors([error])
            return _refused(coded(error))
        if document is not None:
            found = _operations(document, kwargs)
            if len(found) != 1:
                return _refused(_which_operation(found, kwargs.get("operation_name")))
            if found[0].operation is not OperationType.SUBSCRIPTION:
                return _refused(_HTTP_ONLY)
        results = await super().stream(*args, **kwargs)
        return _coded_stream(results, document)


async def _coded_stream(
    results: AsyncGenerator[Any, None], document: DocumentNode | None
) -> AsyncGenerator[Any, None]:
    async with aclosing(results):
        async for result in results:
            if isinstance(result, ExecutionResult) and result.errors:
                result.errors = [coded(e, document) for e in result.errors]
            yield result


_LIVE_ONLY = GraphQLError(
    "subscriptions run over a WebSocket (graphql-transport-ws) or SSE "
    "(send `Accept: text/event-stream`)",
    extensions={"code": ErrorCode.BAD_REQUEST.value},
)
_HTTP_ONLY = GraphQLError(
    "WebSocket and SSE carry subscriptions only; send queries and mutations to POST /graphql",
    extensions={"code": ErrorCode.BAD_REQUEST.value},
)


async def _refused(error: GraphQLError) -> AsyncGenerator[Any, None]:
    yield PreExecutionError(data=None, errors=[error])


def _operations(document: DocumentNode, kwargs: dict[str, Any]) -> list[OperationDefinitionNode]:
    """The operations a request's operationName (or its absence) picks."""
    name = kwargs.get("operation_name")
    return [
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
        and (not name or (d.name is not None and d.name.value == name))
    ]


def _operation(document: DocumentNode, kwargs: dict[str, Any]) -> OperationType | None:
    """The type of the operation a request runs (None when it cannot be told)."""
    found = _operations(document, kwargs)
    return found[0].operation if len(found) == 1 else None


def _which_operation(found: list[OperationDefinitionNode], name: str | None) -> GraphQLError:
    """A subscription request whose operation cannot be told (as HTTP answers it)."""
    message = (
        f"the document has no operation named {name!r}"
        if name
        else "the document has no operation"
        if not found
        else "the document has several operations: name the one to run in operationName"
    )
    return GraphQLError(message, extensions={"code": ErrorCode.BAD_REQUEST.value})


def _document(args: tuple[Any, ...], kwargs: dict[str, Any]) -> DocumentNode | None:
    """The parsed request (from the parse cache), to locate an error's argument."""
    query = args[0] if args else kwargs.get("query")
    if not isinstance(query, str):
        return None
    try:
        return cached_parse(query)
    except GraphQLError:
        return None


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema with depth, alias and cost limits, parser/validation caches and error
    codes."""
    settings = settings or Settings()
    # The limit rules are built once: the validation cache keys on the rule classes, so
    # rules created per request (what the limiter extensions do) would never hit it.
    limits: Any = (
        depth_validator(settings.max_query_depth, None, None),
        alias_validator(settings.max_aliases),
        cost_validator(
            settings.max_query_cost, min(50, settings.max_page_size), settings.max_page_size
        ),
    )
    built = HandoffSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Person, Team, WorkItem, Handoff, Workspace],
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        execution_context_class=FastExecutor,
        extensions=[
            # Factories: a fresh extension per request; the parser and validation
            # caches live at module level, so they are shared across requests.
            lambda: ParseAndValidate(limits),
        ],
    )
    streamline(built)
    return built


schema = build_schema()
