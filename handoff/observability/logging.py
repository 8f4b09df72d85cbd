"""Structured logs: JSON lines in production, readable lines in development.

Every line carries the request id and the workspace id of the request that produced
it (from contextvars, so nothing has to pass them around), and every line goes
through `redact()` first: API tokens, bearer credentials, `Authorization` headers,
webhook secrets (`whsec_...`) and passwords in URLs or conninfo strings never reach
a log sink.

    configure_logging(settings)             # once per process (API, worker, CLI)
    with bind(workspace_id=7): ...          # or call bind(...) and let the request end
    app.add_middleware(RequestContextMiddleware)
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from handoff.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

REDACTED = "[REDACTED]"
REQUEST_ID_HEADER = "x-request-id"

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "handoff_request_id", default=None
)
workspace_id_var: contextvars.ContextVar[int | str | None] = contextvars.ContextVar(
    "handoff_workspace_id", default=None
)
_VARS: dict[str, contextvars.ContextVar[Any]] = {
    "request_id": request_id_var,
    "workspace_id": workspace_id_var,
}

# --- redaction -------------------------------------------------------------------------

# Order matters: the specific shapes first, the generic key=value shape last.
_PATTERNS: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    # Authorization: Bearer abc / "authorization": "Basic abc" / (b'authorization', b'...')
    (
        re.compile(
            r"""(?ix)
            (authorization['"]?\s*[:=,]\s*(?:(?-i:b)?['"])?)   # the header name and a separator
            (?:(bearer|basic|token)\s+)?             # an optional scheme, kept
            [^\s'",;}\])]+                           # the credential
            """
        ),
        lambda m: m.group(1) + (f"{m.group(2)} " if m.group(2) else "") + REDACTED,
    ),
    # a bare bearer credential anywhere
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 " + REDACTED),
    # API tokens (handoff.storage.tokens.TOKEN_PREFIX) and webhook signing secrets
    (re.compile(r"\bhnd_[A-Za-z0-9_-]+"), "hnd_" + REDACTED),
    (re.compile(r"\bwhsec_[A-Za-z0-9+/=_-]+"), "whsec_" + REDACTED),
    # scheme://user:password@host
    # (to the last "@" before the path: "pa@ss" is a password URL parsers accept)
    (re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)[^\s/]+@"), r"\1" + REDACTED + "@"),
    # password='quoted value with spaces' (libpq conninfo)
    (
        re.compile(
            r"""(?ix)
            ((?:password|passwd|pwd|secret)\s*=\s*)
            '(?:[^'\\]|\\.)*'
            """
        ),
        r"\1'" + REDACTED + "'",
    ),
    # password=..., secret: ..., api_key=..., token=... (conninfo strings, query strings);
    # PGPASSWORD= too (no word boundary inside it)
    (
        re.compile(
            r"""(?ix)
            ((?:\b|(?<=PG))(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?token|token)
               ['"]?\s*[=:]\s*['"]?)
            (?!\[REDACTED\])[^\s'"&,;}]+
            """
        ),
        r"\1" + REDACTED,
    ),
]


# Every pattern above needs one of these words; most lines (an access line per request)
# have none, and one search is far cheaper than six substitutions.
_MAYBE_SECRET = re.compile(
    r"(?i)authorization|bearer|hnd_|whsec_|://|password|passwd|pwd|secret|api[_-]?key|token"
)


def redact(text: str) -> str:
    """`text` with every token, secret and password replaced by [REDACTED]."""
    if _MAYBE_SECRET.search(text) is None:
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(v) for v in value]
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact(str(value))


class RedactingFilter(logging.Filter):
    """Rewrites a record so its message, extras and traceback hold no secrets.

    Attached to the handlers `configure_logging` installs, so it sees every record any
    logger (ours, uvicorn's, arq's, psycopg's) propagates to the root.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the line
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD_ATTRS:
                record.__dict__[key] = _redact_value(value)
        return True


class ContextFilter(logging.Filter):
    """Adds `request_id` and `workspace_id` from the current context to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in _VARS.items():
            if getattr(record, name, None) is None:
                setattr(record, name, var.get())
        return True


_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None))) | {
    "message",
    "asctime",
    "request_id",
    "workspace_id",
    "taskName",
    "color_message",  # uvicorn's ANSI-coloured copy of the message
}

# --- formatters --------------------------------------------------------------------------


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, request_id, workspace_id, ..."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "workspace_id": getattr(record, "workspace_id", None),
        }
        for key, value in _extras(record).items():
            entry.setdefault(key, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(self.formatException(record.exc_info))
        if record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = record.stack_info
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`12:00:01.234 INFO  handoff.api [req=ab12 ws=3] message key=value`."""

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created).strftime("%H:%M:%S.%f")[:-3]
        context = []
        request_id = getattr(record, "request_id", None)
        workspace_id = getattr(record, "workspace_id", None)
        if request_id is not None:
            context.append(f"req={request_id}")
        if workspace_id is not None:
            context.append(f"ws={workspace_id}")
        line = f"{ts} {record.levelname:<5} {record.name}"
        if context:
            line += f" [{' '.join(context)}]"
        line += f" {record.getMessage()}"
        extras = " ".join(f"{k}={v}" for k, v in _extras(record).items())
        if extras:
            line += f" {extras}"
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(self.formatException(record.exc_info))
        if record.exc_text:
            line += "\n" + record.exc_text
        if record.stack_info:
            line += "\n" + record.stack_info
        return line


# --- configuration -------------------------------------------------------------------------

_HANDLER_MARK = "_handoff_handler"


class QuietTicks(logging.Filter):
    """Drop arq's start/finish lines of the every-second cron ticks in readable (dev) logs.

    They would bury everything else on a developer's terminal; production (JSON) logs
    keep them for tracing.
    """

    TICKS = ("cron:webhook_tick", "→ relay()", "← relay ●")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name != "arq.worker" or record.levelno > logging.INFO:
            return True
        message = record.getMessage()
        return not any(tick in message for tick in self.TICKS)


def make_handler(log_format: str, stream: Any = None) -> logging.Handler:
    """A stream handler with the context and redaction filters and the chosen format."""
    if log_format not in ("json", "text"):
        raise ValueError(f"log_format must be 'json' or 'text', got {log_format!r}")
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactingFilter())
    if log_format == "text":
        handler.addFilter(QuietTicks())
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    setattr(handler, _HANDLER_MARK, True)
    return handler


def configure_logging(settings: Settings, stream: Any = None) -> None:
    """Route every logger through one redacting handler on the root (idempotent)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _HANDLER_MARK, False):
            root.removeHandler(handler)
            handler.close()
    root.addHandler(make_handler(settings.log_format, stream))
    root.setLevel(settings.log_level.upper())
    # uvicorn and arq install their own handlers unless told otherwise; send their
    # records to the root instead so they get the same format and redaction.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "arq", "arq.worker"):
        lg = logging.getLogger(name)
        lg.handlers.clear()
        lg.propagate = True
    # the per-request line from RequestContextMiddleware replaces uvicorn's access log
    # (which would print query strings verbatim)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    for noisy in ("httpx", "httpcore", "psycopg.pool"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


# --- context -------------------------------------------------------------------------------


class _Binding:
    """Returned by `bind`; leaving its `with` block restores the previous values."""

    def __init__(self, tokens: list[tuple[contextvars.ContextVar[Any], contextvars.Token[Any]]]):
        self._tokens = tokens

    def reset(self) -> None:
        for var, token in reversed(self._tokens):
            var.reset(token)
        self._tokens = []

    def __enter__(self) -> _Binding:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.reset()


def bind(**values: Any) -> _Binding:
    """Set `request_id` and/or `workspace_id` for every log line in this context.

    Takes effect at once; use it as a context manager to restore the previous values.
    """
    tokens = []
    for name, value in values.items():
        var = _VARS.get(name)
        if var is None:
            raise TypeError(f"bind() got an unknown field {name!r}; known: {sorted(_VARS)}")
        tokens.append((var, var.set(value)))
    return _Binding(tokens)


def current_request_id() -> str | None:
    """The request id of the request being handled, if any."""
    return request_id_var.get()


_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
access_logger = logging.getLogger("handoff.access")


class RequestContextMiddleware:
    """ASGI middleware: a request id for every HTTP request, echoed in `X-Request-ID`.

    The id comes from the client's `X-Request-ID` header when it is a sane token, else
    a fresh one is generated. It is bound (with an empty workspace, which the auth step
    fills in with `bind(workspace_id=...)`) for everything the request logs, and one
    access line per request is logged (method, path without query string, status, ms).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = None
        for name, value in scope.get("headers", []):
            if name.lower() == b"x-request-id":
                candidate = value.decode("latin-1").strip()
                if _VALID_REQUEST_ID.match(candidate):
                    request_id = candidate
                break
        if request_id is None:
            request_id = uuid.uuid4().hex
        status = 500
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"
                ]
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        with bind(request_id=request_id, workspace_id=None):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                access_logger.info(
                    "%s %s %s",
                    scope.get("method", "?"),
                    scope.get("path", "?"),
                    status,
                    extra={"duration_ms": round((time.perf_counter() - start) * 1000, 2)},
                )
