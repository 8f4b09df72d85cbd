"""Secrets out of logs: tokens, bearer credentials, `Authorization` headers, webhook
secrets and passwords in URLs or conninfo strings become [REDACTED].

`RedactingFilter` sits on every handler `configure_logging` installs, so it rewrites
records from any logger (ours, uvicorn's, arq's, psycopg's) before they are written.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

REDACTED = "[REDACTED]"

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
    # (to the last "@": "pa@ss" and "pa/ss" are passwords libpq and redis-py accept)
    (re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)\S+@"), r"\1" + REDACTED + "@"),
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
            if key not in STANDARD_ATTRS:
                record.__dict__[key] = _redact_value(value)
        return True


STANDARD_ATTRS = frozenset(vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None))) | {
    "message",
    "asctime",
    "request_id",
    "workspace_id",
    "taskName",
    "color_message",  # uvicorn's ANSI-coloured copy of the message
}
