"""GraphQL over HTTP: the everyday request, served without the layers it does not use.

A POST of one JSON operation (what every client sends for queries and mutations), and a
GET with `query` or `extensions` parameters (queries only), go straight from the
middlewares to the schema: no FastAPI routing or dependency solving, no strawberry HTTP
view; the response is encoded with orjson. Authentication, rate limits, error codes and
the response's shape are the same as strawberry's view gives: both call the same context
getter and the same `HandoffSchema.execute`. Everything else (SSE subscriptions,
batches, malformed bodies, GraphiQL, WebSockets) goes on to the FastAPI app, whose
strawberry router answers it as before.

Automatic persisted queries (APQ, the convention Apollo and urql clients speak): a
request may send `extensions.persistedQuery = {version: 1, sha256Hash}` instead of the
query text, in a POST body or, for queries, as GET parameters (Apollo's
`useGETForHashedQueries`, so caches and CDNs can key on the URL). An unknown hash answers
`PERSISTED_QUERY_NOT_FOUND`; the client then sends
the text with the hash once, the server checks the hash and keeps the text. Known
documents skip parsing and validation too (both are cached per document).
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson
from graphql import GraphQLError, OperationDefinitionNode
from starlette.requests import Request
from starlette.responses import Response
from strawberry.exceptions import MissingQueryError
from strawberry.http import process_result
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from handoff.api.errors import ErrorCode
from handoff.api.extensions import RETRY_AFTER_SECONDS, cached_parse
from handoff.api.middleware import OPERATION_KEY, PAYLOAD_KEY, ASGIApp, Receive, Scope, Send
from handoff.api.middleware import operation_of as operation_name_of

# The context of a request (and the response headers it sets: rate limits), or an
# exception the app turns into a response (Unauthenticated, RateLimited).
ContextGetter = Callable[[Request, Response], Awaitable[Any]]
ErrorResponder = Callable[[Exception], Response | None]

PERSISTED_QUERIES = 1_000
# a longer text is run but not kept: 1,000 texts of 2 MB each would be 2 GB per process
MAX_PERSISTED_TEXT = 64 * 1024
# what each method may run: GET only reads (GraphQL over HTTP), so a link or a prefetch
# never changes anything
_METHODS = {
    "POST": frozenset({OperationType.QUERY, OperationType.MUTATION}),
    "GET": frozenset({OperationType.QUERY}),
}
_JSON = (b"content-type", b"application/json")


class PersistedQueries:
    """Query texts by their SHA-256 (hex), the most recently used kept, per process, with
    the workspaces that sent each: a hash answers only in a workspace that sent its text,
    so a hit tells nobody what another workspace's clients send."""

    def __init__(self, size: int = PERSISTED_QUERIES) -> None:
        self.size = size
        self._texts: OrderedDict[str, tuple[str, set[int]]] = OrderedDict()

    def get(self, sha256: str) -> str | None:
        """The text of a hash, whoever sent it (to count what it asks for before the
        caller is known); `known_to` says whether it may answer."""
        found = self._texts.get(sha256)
        if found is None:
            return None
        self._texts.move_to_end(sha256)
        return found[0]

    def known_to(self, sha256: str, workspace_id: int) -> bool:
        """Whether `workspace_id` sent the text of `sha256`."""
        found = self._texts.get(sha256)
        return found is not None and workspace_id in found[1]

    def put(self, sha256: str, text: str, workspace_id: int) -> None:
        found = self._texts.get(sha256)
        workspaces = found[1] if found is not None else set()
        if len(workspaces) >= self.size:  # a popular text: start its list again
            workspaces = set()
        workspaces.add(workspace_id)
        self._texts[sha256] = (text, workspaces)
        self._texts.move_to_end(sha256)
        while len(self._texts) > self.size:
            self._texts.popitem(last=False)


class PersistedQueryError(Exception):
    """An APQ request the server cannot answer with data (the client knows what to do):
    200 for a version it does not speak (APQ clients then send the text), 400 for a
    malformed one."""

    def __init__(self, message: str, code: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


def resolve_persisted(
    query: str | None, extensions: Mapping[str, Any] | None, store: PersistedQueries
) -> tuple[str | None, str | None]:
    """(the query text, the hash of an APQ request, or None for a plain request): a text
    is kept, and a hash answered, only once the caller is authenticated (`_answer`), so
    nobody fills the store or learns what others sent without a token. Raises
    PersistedQueryError for a malformed APQ request."""
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return query, None
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise PersistedQueryError(
            "Unsupported persisted query version (send version 1)",
            "PERSISTED_QUERY_NOT_SUPPORTED",
            200,
        )
    sha = persisted.get("sha256Hash")
    if not isinstance(sha, str) or len(sha) != 64:
        raise PersistedQueryError(
            "extensions.persistedQuery.sha256Hash must be 64 hex digits",
            ErrorCode.BAD_REQUEST.value,
        )
    sha = sha.lower()
    if query is None:
        return store.get(sha), sha
    if hashlib.sha256(query.encode()).hexdigest() != sha:
        raise PersistedQueryError("provided sha does not match query", ErrorCode.BAD_REQUEST.value)
    return query, sha


def _operation(payload: Any) -> tuple[str | None, dict[str, Any] | None, str | None, Any] | None:
    """(query, variables, operation name, extensions) of a single well-formed operation,
    or None: the strawberry view answers anything else, with its own messages."""
    if not isinstance(payload, dict):
        return None
    query, variables = payload.get("query"), payload.get("variables")
    name, extensions = payload.get("operationName"), payload.get("extensions")
    if not (
        isinstance(query, str | None)
        and isinstance(variables, dict | None)
        and isinstance(name, str | None)
        and isinstance(extensions, dict | None)
    ):
        return None
    if query is None and extensions is None:
        return None
    return query, variables, name, extensions


def _wants_sse(scope: Scope) -> bool:
    for key, value in scope.get("headers") or ():
        if key == b"accept" and b"text/event-stream" in value.lower():
            return True
    return False


class GraphQLOverHTTP:
    """ASGI middleware serving POST /graphql JSON operations (see the module docstring);
    innermost, so the request id, metrics, body checks and CORS still wrap it."""

    def __init__(
        self,
        app: ASGIApp,
        schema: Any,
        context_getter: ContextGetter,
        error_response: ErrorResponder,
        persisted: PersistedQueries | None = None,
        path: str = "/graphql",
    ) -> None:
        self.app = app
        self.schema = schema
        self.context_getter = context_getter
        self.error_response = error_response
        self.persisted = persisted or PersistedQueries()
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation = None
        method = str(scope.get("method"))
        if (
            scope["type"] == "http"
            and method in _METHODS
            and scope.get("path", "").rstrip("/") == self.path
            and not _wants_sse(scope)
        ):
            operation = _operation(scope.get(PAYLOAD_KEY))
        if operation is None:
            await self.app(scope, receive, send)
            return
        response = await self._answer(scope, method, *operation)
        await response(scope, receive, send)

    async def _answer(
        self,
        scope: Scope,
        method: str,
        query: str | None,
        variables: dict[str, Any] | None,
        name: str | None,
        extensions: dict[str, Any] | None,
    ) -> Response:
        sent, sha, problem = query, None, None
        try:
            query, sha = resolve_persisted(query, extensions, self.persisted)
        except PersistedQueryError as e:
            problem = e  # told once the caller is authenticated: no oracle without a token
        if query is not None and query is not scope[PAYLOAD_KEY].get("query"):
            # a persisted query: the rate limits and metrics see its text, as if sent
            scope[PAYLOAD_KEY] = {**scope[PAYLOAD_KEY], "query": query}
            scope[OPERATION_KEY] = operation_name_of(scope[PAYLOAD_KEY])
        sub_response = Response()
        try:
            context = await self.context_getter(Request(scope), sub_response)
        except Exception as e:
            refused = self.error_response(e)
            if refused is None:
                raise
            return refused
        if problem is not None:
            return _errors(problem.message, problem.code, problem.status)
        if name is None and query is not None and _operations(query) > 1:
            # the GraphQL spec's request error: which one was meant is the client's to say
            message = "the document has several operations: name the one to run (operationName)"
            return _errors(message, ErrorCode.BAD_REQUEST, 400)
        if sha is not None:
            workspace = context.workspace_id
            if sent is None and not self.persisted.known_to(sha, workspace):
                return _errors("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND", 200)
            if sent is not None and len(sent) <= MAX_PERSISTED_TEXT:
                self.persisted.put(sha, sent, workspace)
        try:
            result = await self.schema.execute(
                query,
                variable_values=variables,
                context_value=context,
                operation_name=name,
                allowed_operation_types=_METHODS[method],
                operation_extensions=extensions,
            )
        except MissingQueryError:
            return _errors("No GraphQL query found in the request", ErrorCode.BAD_REQUEST, 400)
        except CannotGetOperationTypeError as e:
            return _errors(e.as_http_error_reason(), ErrorCode.BAD_REQUEST, 400)
        except InvalidOperationTypeError as e:
            return _errors(e.as_http_error_reason(method), ErrorCode.BAD_REQUEST, 400)
        body = _json(process_result(result))
        out = Response(body, status_code=sub_response.status_code or 200)
        out.raw_headers = [
            (b"content-length", str(len(body)).encode()),
            _JSON,
            *[(k, v) for k, v in sub_response.raw_headers if k != b"content-length"],
        ]
        if _unavailable(result.errors):  # PostgreSQL away: the whole answer is a 503
            out.status_code = 503
            out.raw_headers.append((b"retry-after", str(RETRY_AFTER_SECONDS).encode()))
        return out


def _unavailable(errors: list[GraphQLError] | None) -> bool:
    code = ErrorCode.SERVICE_UNAVAILABLE.value
    return any((e.extensions or {}).get("code") == code for e in errors or ())


def _operations(query: str) -> int:
    """How many operations a document holds (0 when it does not parse: execution says why)."""
    try:
        document = cached_parse(query)
    except GraphQLError:
        return 0
    return sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)


def _json(value: object) -> bytes:
    """The response body; a lone surrogate (a client may send "\ud800", and a message may
    echo it) cannot be UTF-8, so such a body is written with escapes instead."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, ensure_ascii=True).encode()


def _errors(message: str, code: str, status: int) -> Response:
    body = orjson.dumps(
        {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}
    )
    return Response(body, status_code=status, media_type="application/json")
