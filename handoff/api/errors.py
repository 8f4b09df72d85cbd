"""How the API says what went wrong.

- Expected failures of an operation are values: every fallible field returns
  `Payload | ValidationError | NotFound | Conflict` (or a subset). Resolvers raise the
  service layer's errors; `expected_failures` turns them into these values, after
  checking every text input (no NUL byte, no lone surrogate, not absurdly long).
- Everything else is a GraphQL error with `extensions.code` from `ErrorCode`
  (`handoff.api.extensions` assigns it).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from typing import Any, ParamSpec, TypeVar

import strawberry

from handoff.services.errors import Conflict as ConflictError
from handoff.services.errors import Forbidden, Invalid, ServiceError
from handoff.services.errors import NotFound as NotFoundError

P = ParamSpec("P")
R = TypeVar("R")


@strawberry.type(
    description="The input was invalid: `field` is the dotted path of the input field "
    "(e.g. `input.workingPattern.weekly.mon.1`) and `message` says what form is expected."
)
class ValidationError:
    field: str | None = strawberry.field(
        description="Dotted path of the offending input field; null when no single field is to blame"
    )
    message: str = strawberry.field(description="What was wrong and what is expected instead")


@strawberry.type(description="No such object in this workspace (also for other workspaces' IDs).")
class NotFound:
    id: str | None = strawberry.field(description="The global ID that was looked for")
    message: str = strawberry.field(description="Which object was not found")


@strawberry.type(description="The object exists, but its state does not allow this operation.")
class Conflict:
    message: str = strawberry.field(description="Why the operation is not allowed now")


def from_service_error(
    error: ServiceError, prefix: str = ""
) -> ValidationError | NotFound | Conflict:
    """The GraphQL value for an expected failure; `prefix` goes before a field path."""
    if isinstance(error, Invalid):
        field = error.field
        if prefix and field:
            field = f"{prefix}.{field}"
        return ValidationError(field=field, message=error.message)
    if isinstance(error, NotFoundError):
        return NotFound(id=str(error.ident), message=error.message)
    if isinstance(error, ConflictError):
        return Conflict(message=error.message)
    raise TypeError(f"unexpected service error {type(error).__name__}") from error


class ErrorCode(StrEnum):
    """`extensions.code` of a GraphQL error (the README has the table)."""

    BAD_REQUEST = "BAD_REQUEST"  # the body is not UTF-8 JSON of a GraphQL request
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"  # the document is not GraphQL
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"  # not valid against the schema
    BAD_USER_INPUT = "BAD_USER_INPUT"  # an argument or variable has the wrong form
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    RATE_LIMITED = "RATE_LIMITED"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"  # PUT, PATCH or DELETE on /graphql
    CURSOR_EXPIRED = "CURSOR_EXPIRED"  # a subscription's `after` is older than its replay window
    SLOW_CONSUMER = "SLOW_CONSUMER"  # a subscription fell too far behind and was dropped
    RESULT_TOO_LARGE = "RESULT_TOO_LARGE"  # the answer holds more list items than allowed
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"  # PostgreSQL cannot be reached right now
    INTERNAL = "INTERNAL"


# Longest text any input takes; fields with their own, smaller limit say so themselves.
MAX_INPUT_TEXT = 100_000
# NUL, lone surrogates, and control characters other than tab and line breaks (an ESC in a
# name would reach terminals that print it: the CLI, a log tail)
_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Fields that are one line of someone's or something's name: no line breaks or tabs, and
# no bidirectional overrides (which make a name display as another, "‮evil" as "live")
_ONE_LINE = frozenset({"name", "handle", "email", "title", "summary", "reason"})
# A time-off reason is repeated in every explanation of every handoff to that person (an
# urgent handoff's reason, `urgent.reason`, has its own limit).
MAX_REASON = 200
_BAD_ONE_LINE = re.compile("[\t\n\r\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def camel(name: str) -> str:
    """A Python name as the schema spells it (`open_questions` -> `openQuestions`)."""
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)


def check_text(value: object, path: str) -> None:
    """Refuse NUL bytes, lone surrogates and overlong text anywhere in an input value, and
    instants without an offset.

    Walks strings, lists and strawberry input objects; `path` is the dotted GraphQL path.
    """
    _check(value, (path,))


# A path as nested pairs (parent, key), spelled out only for an error: every mutation's
# inputs are walked, and most of their fields are fine.
_Path = tuple[Any, ...]


def _parent_key(path: _Path) -> object:
    """The key of the value holding the one at `path` (None for a root argument)."""
    return path[0][-1] if len(path) == 2 else None


def _dotted(path: _Path) -> str:
    keys: list[str] = []
    while len(path) == 2:
        path, key = path
        keys.append(str(key))
    keys.append(path[0])
    return ".".join(reversed(keys))


@functools.cache
def _input_fields(kind: type) -> tuple[tuple[str, str], ...]:
    """(attribute, schema name) of an input type's fields."""
    return tuple((f.name, camel(f.name)) for f in dataclasses.fields(kind))


def _check(value: object, path: _Path) -> None:
    if isinstance(value, str):
        if len(value) > MAX_INPUT_TEXT:
            raise Invalid(
                _dotted(path), f"at most {MAX_INPUT_TEXT:,} characters, got {len(value):,}"
            )
        if path[-1] == "reason" and len(value) > MAX_REASON and _parent_key(path) != "urgent":
            raise Invalid(_dotted(path), f"at most {MAX_REASON} characters, got {len(value):,}")
        bad = _BAD_TEXT.search(value)
        if bad is None and path[-1] in _ONE_LINE:  # (parent, key), or a root argument
            bad = _BAD_ONE_LINE.search(value)
        if bad is not None:
            raise Invalid(
                _dotted(path),
                f"text must not contain {_what(bad.group())} (at character {bad.start()})",
            )
    elif isinstance(value, datetime) and value.utcoffset() is None:
        raise Invalid(
            _dotted(path),
            f"{value.isoformat()} has no UTC offset; send e.g. '2026-11-27T15:00:00+01:00'",
        )
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check(item, (path, i))
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for name, spelled in _input_fields(type(value)):
            item = getattr(value, name)
            if item is not None:
                _check(item, (path, spelled))


def _what(char: str) -> str:
    if char == "\x00":
        return "a NUL byte"
    if "\ud800" <= char <= "\udfff":
        return "a lone UTF-16 surrogate"
    if char in "\t\n\r\u2028\u2029":
        return "a line break or tab (this field is one line)"
    if "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069":
        return f"a bidirectional text control (U+{ord(char):04X})"
    return f"a control character (U+{ord(char):04X})"


def expected_failures(
    prefix: str = "",
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[Any]]]:
    """Decorate a resolver whose expected failures are union values.

    Every argument's text is checked first (`check_text`); `prefix` names the argument
    the service's field paths are relative to (`input`).
    """

    def decorate(resolver: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[Any]]:
        @functools.wraps(resolver)
        async def run(*args: P.args, **kwargs: P.kwargs) -> Any:
            try:
                for name, value in kwargs.items():
                    if name != "info":
                        check_text(value, camel(name.rstrip("_")))
            except Invalid as error:
                return from_service_error(error)
            try:
                return await resolver(*args, **kwargs)
            except Forbidden as error:
                # not a union value: the whole request is refused (code FORBIDDEN)
                if prefix and error.field:
                    error.field = f"{prefix}.{error.field}"
                raise
            except ServiceError as error:
                return from_service_error(error, prefix)

        return run

    return decorate
