"""Expected failures as GraphQL types: one convention for every mutation and query.

Every fallible operation returns `Payload | ValidationError | NotFound | Conflict`
(or a subset). Resolvers raise the service layer's errors; `expected_failures` turns
them into these values.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

import strawberry

from handoff.services.errors import Conflict as ConflictError
from handoff.services.errors import Invalid, ServiceError
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


def expected_failures(
    prefix: str = "",
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[Any]]]:
    """Decorate a resolver whose expected failures are union values.

    `prefix` names the argument the service's field paths are relative to (`input`).
    """

    def decorate(resolver: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[Any]]:
        @functools.wraps(resolver)
        async def run(*args: P.args, **kwargs: P.kwargs) -> Any:
            try:
                return await resolver(*args, **kwargs)
            except ServiceError as error:
                return from_service_error(error, prefix)

        return run

    return decorate
