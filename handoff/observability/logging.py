"""Structured logs: JSON lines in production, readable lines in development.

Every line carries the request id and the workspace id of the request that produced
it (from contextvars, so nothing has to pass them around), and every line goes
through `redact()` first: API tokens, bearer credentials, `Authorization` headers,
webhook secrets (`whsec_...`) and passwords in URLs or conninfo strings never reach
a log sink.

    configure_logging(settings)             # once per process (API, worker, CLI)
    with bind(workspace_id=7): ...          # or call bind(...) and let the request end

Redaction lives in `handoff.observability.redaction`; the middleware that binds a request
id per HTTP request in `handoff.api.middleware`.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

import orjson

from handoff.observability.redaction import STANDARD_ATTRS, RedactingFilter, redact

if TYPE_CHECKING:
    from handoff.settings import Settings

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


class ContextFilter(logging.Filter):
    """Adds `request_id` and `workspace_id` from the current context to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in _VARS.items():
            if getattr(record, name, None) is None:
                setattr(record, name, var.get())
        return True


# --- formatters --------------------------------------------------------------------------


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in STANDARD_ATTRS}


_ORJSON = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS
)


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
        try:
            # orjson: the access line is written for every request (~4 % of a small one
            # with the standard library's encoder); same text, datetimes through str()
            return orjson.dumps(entry, default=str, option=_ORJSON).decode()
        except TypeError:  # e.g. an int beyond 64 bits
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
    """Drop arq's start/finish lines of the every-second cron ticks and relay passes.

    Two lines a second per worker, most of them saying nothing happened: they would bury
    everything else on a terminal and fill some 170,000 lines a day of an idle worker's
    production log. A tick that fails still logs (a warning); `HANDOFF_LOG_LEVEL=debug`
    keeps them all, for tracing.
    """

    TICKS = ("cron:webhook_tick", "→ relay()", "← relay ●")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name != "arq.worker" or record.levelno > logging.INFO:
            return True
        message = record.getMessage()
        return not any(tick in message for tick in self.TICKS)


class NoQueryStrings(logging.Filter):
    """uvicorn logs each WebSocket handshake with its path *and query string* whatever its
    access log says; the query string (an SSE/WebSocket URL may carry an access token, an
    email) is cut, as our own access line does. At DEBUG, WebSocket frames are not
    logged at all."""

    def filter(self, record: logging.LogRecord) -> bool:
        # the websockets library's frame lines (through uvicorn's logger at DEBUG):
        # "< TEXT '{...connection_init... token...}'", "> TEXT '{...event...}'" shorten
        # frames in the middle, so a token slips past the redaction
        if (
            record.levelno == logging.DEBUG
            and record.name == "uvicorn.error"
            and str(record.msg)[:2] in ("< ", "> ")
        ):
            return False
        if record.name == "uvicorn.error" and "WebSocket %s" in str(record.msg) and record.args:
            args = tuple(record.args) if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(
                a.split("?", 1)[0] if isinstance(a, str) and a.startswith("/") else a for a in args
            )
        return True


def make_handler(log_format: str, stream: Any = None, ticks: bool = False) -> logging.Handler:
    """A stream handler with the context and redaction filters and the chosen format;
    `ticks`: keep the cron ticks' lines (`QuietTicks`)."""
    if log_format not in ("json", "text"):
        raise ValueError(f"log_format must be 'json' or 'text', got {log_format!r}")
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.addFilter(ContextFilter())
    handler.addFilter(NoQueryStrings())
    handler.addFilter(RedactingFilter())
    if not ticks:
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
    level = settings.log_level.upper()
    root.addHandler(make_handler(settings.log_format, stream, ticks=level == "DEBUG"))
    root.setLevel(level)
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
