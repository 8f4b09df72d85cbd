"""Expected failures as GraphQL types: one convention for every mutation and query.

Every fallible operation returns `Payload | ValidationError | NotFound | Conflict`
(or a subset); `from_service_error` translates the service layer's exceptions.
"""

from __future__ import annotations

import strawberry

from handoff.services.errors import Conflict as ConflictError
from handoff.services.errors import Invalid, ServiceError
from handoff.services.errors import NotFound as NotFoundError


@strawberry.type(description="The input was invalid; `field` is the dotted input path.")
class ValidationError:
    field: str | None
    message: str


@strawberry.type(description="No such object in this workspace.")
class NotFound:
    id: str | None
    message: str


@strawberry.type(description="The object's state does not allow this operation.")
class Conflict:
    message: str


def from_service_error(error: ServiceError) -> ValidationError | NotFound | Conflict:
    """The GraphQL value for an expected failure."""
    if isinstance(error, Invalid):
        return ValidationError(field=error.field, message=error.message)
    if isinstance(error, NotFoundError):
        return NotFound(id=str(error.ident), message=error.message)
    if isinstance(error, ConflictError):
        return Conflict(message=error.message)
    raise TypeError(f"unexpected service error {type(error).__name__}") from error
