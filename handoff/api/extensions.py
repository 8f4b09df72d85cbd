"""What every GraphQL request goes through besides its resolvers.

- `ParseAndValidate`: a parse cache, the depth and alias limits, a validation cache.
- `coded`: the error as the client sees it, with `extensions.code` (`ErrorCode`); an
  unexpected error's message is replaced by one naming the request id, so no internals
  leak. `handoff.api.schema.HandoffSchema` applies it to every result.
- `classify` + `log_errors`: one log line per error, client mistakes at INFO without a
  traceback, unexpected errors at ERROR with theirs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from functools import lru_cache

import psycopg
from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    Node,
    parse,
)
from graphql.language import (
    BREAK,
    ArgumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    ObjectFieldNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValueNode,
    Visitor,
    print_ast,
    visit,
)
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from handoff.api.errors import ErrorCode
from handoff.api.identity_memo import IdentityMemo
from handoff.observability.logging import current_request_id
from handoff.services.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError

log = logging.getLogger("handoff.api")

PARSE_CACHE_SIZE = 256
VALIDATION_CACHE_SIZE = 256
# Far above any real operation (the web app's largest is a few hundred tokens); a document
# of hundreds of thousands of tokens would hold the event loop for seconds in validation.
MAX_TOKENS = 20_000


# What a request gets while PostgreSQL cannot be reached (psycopg_pool's PoolTimeout is an
# OperationalError too): no server address or libpq text, which say nothing a client can use
UNAVAILABLE_MESSAGE = "the database cannot be reached right now; retry in a few seconds"
RETRY_AFTER_SECONDS = 5


def unavailable(error: BaseException | None) -> bool:
    """Whether an error says PostgreSQL cannot be reached, or gave no connection in time:
    a connection that failed or broke (no SQLSTATE, class 08), a server shutting down or
    starting (57P01-57P03), the pool's timeout. Not a query's own failure (a deadlock, a
    statement timeout), though psycopg makes those OperationalErrors too."""
    if not isinstance(error, psycopg.OperationalError):
        return False
    state = error.sqlstate
    return state is None or state.startswith("08") or state in ("57P01", "57P02", "57P03")


class ApiError(Exception):
    """A request the API refuses as a whole, with its code (e.g. FORBIDDEN)."""

    code: ErrorCode = ErrorCode.BAD_USER_INPUT

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@lru_cache(maxsize=PARSE_CACHE_SIZE)
def cached_parse(query: str, **options: object) -> DocumentNode:
    """A parsed document, shared between requests with the same text."""
    return parse(query, **{"max_tokens": MAX_TOKENS, **options})  # type: ignore[arg-type]


_Rules = tuple[type[ASTValidationRule], ...]
# Validation results by the identity of the schema and of the document the parse cache
# returned: no hashing of the whole syntax tree on every request, which is what
# strawberry's ValidationCache does.
_validated: IdentityMemo[list[GraphQLError]] = IdentityMemo(VALIDATION_CACHE_SIZE)


def _validate(schema: GraphQLSchema, document: DocumentNode, rules: _Rules) -> list[GraphQLError]:
    return _validated((schema, document), rules, lambda: validate_document(schema, document, rules))


class ParseAndValidate(SchemaExtension):
    """Parser cache, the limit rules and a validation cache in one extension.

    Does what AddValidationRules + ParserCache + ValidationCache did, with one set of hooks
    per request instead of three and a validation cache keyed by document identity.
    """

    def __init__(self, rules: _Rules) -> None:
        self.rules = rules

    def on_parse(self) -> Iterator[None]:
        ctx = self.execution_context
        ctx.graphql_document = cached_parse(ctx.query, **ctx.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        assert ctx.graphql_document is not None
        ctx.pre_execution_errors = _validate(
            ctx.schema._schema, ctx.graphql_document, ctx.validation_rules + self.rules
        )
        yield


def mutation_fields(payload: object) -> int:
    """How many mutations a request body's selected operation makes: its top-level fields
    (aliases included) when it is a mutation, else 0. The parse is cached and shared with
    the execution that follows."""
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return 0
    try:
        document = cached_parse(payload["query"])
    except GraphQLError:
        return 0
    name = payload.get("operationName")
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            not name or (definition.name is not None and definition.name.value == name)
        ):
            if definition.operation != OperationType.MUTATION:
                return 0
            fragments = {
                d.name.value: d
                for d in document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            return max(1, _fields(definition.selection_set, fragments, set()))
    return 0


def _fields(
    selections: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], seen: set[str]
) -> int:
    """The fields of a selection set, those inside its fragments included (each mutation
    counts, however it is written; @skip and @include are not looked at: the count errs
    on the side of charging)."""
    count = 0
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            count += 1
        elif isinstance(selection, InlineFragmentNode):
            count += _fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:  # (a cycle is refused later)
                count += _fields(fragments[name].selection_set, fragments, seen | {name})
    return count


# -- error codes ------------------------------------------------------------------------

_BAD_INPUT = re.compile(
    # a variable's value (not the document's use of it, which fails validation)
    r"^(Variable '\$\w+' (?:got invalid value|has invalid value|of required type"
    r"|of non-null type)|Expected value of type|Argument '\w+' of (required|non-null) type"
    r"|Field '\w+' of required type|Int cannot represent|Float cannot represent"
    r"|String cannot represent|Boolean cannot represent|ID cannot represent|Enum '\w+' cannot)"
)
# A value inside a variable: graphql-core 3.2 says "got invalid value {...} at 'i.note'",
# 3.3 says "has invalid value at .note"; either way the field is `i.note` (list indexes
# dotted too: `i.note.openQuestions.0`).
_VARIABLE_PATH = re.compile(
    r"^Variable '\$(\w+)' (?:has invalid value at |got invalid value .*? at '\1)"
    r"((?:\.\w+|\[\d+\])+)"
)
_VARIABLE = re.compile(r"^Variable '\$(\w+)'")


def _original(error: GraphQLError) -> BaseException | None:
    original = error.original_error
    while isinstance(original, GraphQLError) and original.original_error is not None:
        original = original.original_error
    return original


def classify(error: GraphQLError) -> ErrorCode:
    """The code of an error the executor (or a resolver) produced."""
    original = _original(error)
    if isinstance(original, ApiError):
        return original.code
    if unavailable(original):
        return ErrorCode.SERVICE_UNAVAILABLE
    if isinstance(original, MissingQueryError):  # an SSE request without a query
        return ErrorCode.BAD_REQUEST
    if isinstance(original, Forbidden):
        return ErrorCode.FORBIDDEN
    if isinstance(original, Invalid):
        return ErrorCode.BAD_USER_INPUT
    if isinstance(original, NotFound):
        return ErrorCode.NOT_FOUND
    if isinstance(original, Conflict):
        return ErrorCode.CONFLICT
    if error.message.startswith("Syntax Error"):
        return ErrorCode.GRAPHQL_PARSE_FAILED
    if _BAD_INPUT.match(error.message):
        # a scalar's own parser (Duration, DateTime) refusing a value is a client mistake
        return ErrorCode.BAD_USER_INPUT
    if original is None or isinstance(original, GraphQLError):
        return ErrorCode.GRAPHQL_VALIDATION_FAILED
    return ErrorCode.INTERNAL


class _PathOf(Visitor):
    """Finds the dotted argument path of a value node in a document; with `found` (the
    printed literal an error complains about), of the field inside it holding that value."""

    def __init__(self, target: Node, found: str | None) -> None:
        super().__init__()
        self.target = target
        self.found = found
        self.inside = False
        self.path: str | None = None

    def enter(
        self, node: Node, key: object, parent: object, path: object, ancestors: list[object]
    ) -> None:
        if node is self.target:
            self.inside = True
            self.path = _names([*ancestors, parent, node])
        elif (
            self.inside
            and self.found is not None
            and isinstance(node, ObjectFieldNode)
            and print_ast(node.value) == self.found
        ):
            self.path = _names([*ancestors, parent, node])
            self.found = None  # the first such field is the one

    def leave(
        self, node: Node, key: object, parent: object, path: object, ancestors: list[object]
    ) -> object:
        # nothing after the target can name it: stop there (a document may hold thousands
        # of nodes and a request up to a hundred errors)
        return BREAK if node is self.target else None


def _names(nodes: list[object]) -> str | None:
    names = [n.name.value for n in nodes if isinstance(n, ArgumentNode | ObjectFieldNode)]
    return ".".join(names) or None


_FOUND = re.compile(r"; found: (.+)\.$", re.DOTALL)


def _field_of(error: GraphQLError, document: DocumentNode | None) -> str | None:
    original = _original(error)
    if isinstance(original, Invalid | ApiError | Forbidden):
        return original.field
    found = _VARIABLE_PATH.match(error.message)
    if found:
        return found.group(1) + re.sub(r"\[(\d+)\]", r".\1", found.group(2))
    found = _VARIABLE.match(error.message)
    if found:
        return found.group(1)
    # only an argument or a value inside one has an argument path to look for
    if (
        document is not None
        and error.nodes
        and isinstance(error.nodes[0], ArgumentNode | ValueNode)
    ):
        found = _FOUND.search(error.message)
        finder = _PathOf(error.nodes[0], found.group(1) if found else None)
        visit(document, finder)
        return finder.path
    return None


def coded(error: GraphQLError, document: DocumentNode | None = None) -> GraphQLError:
    """The error as the client sees it: with `extensions.code` (and `field` when known);
    an unexpected one without its internal message."""
    code = classify(error)
    extensions = dict(error.extensions or {})
    extensions["code"] = code.value
    message = error.message
    if code is ErrorCode.INTERNAL:
        request_id = current_request_id()
        extensions["requestId"] = request_id
        message = f"Internal error; quote request id {request_id} when you report it."
    elif code is ErrorCode.SERVICE_UNAVAILABLE:
        message = UNAVAILABLE_MESSAGE
    else:
        original = _original(error)
        if isinstance(original, ServiceError | ApiError):
            message = original.message
        field = _field_of(error, document)
        if field:
            extensions["field"] = field
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


def log_errors(errors: list[GraphQLError]) -> None:
    """One line per error: a client's mistake at INFO, an unexpected error at ERROR."""
    for error in errors:
        code = classify(error)
        where = ".".join(map(str, error.path or [])) or "request"
        if code is ErrorCode.INTERNAL:
            log.error("unexpected error in %s", where, exc_info=_original(error))
        elif code is ErrorCode.SERVICE_UNAVAILABLE:  # the pool logs its own reconnects
            log.warning("PostgreSQL unavailable in %s: %s", where, error.message)
        else:
            log.info("client error %s in %s: %s", code.value, where, error.message)
