"""Expected failures of domain operations; the API turns them into union results."""

from __future__ import annotations

from handoff.ids import encode


class ServiceError(Exception):
    """An expected failure with a message for the client."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Invalid(ServiceError):
    """Bad input; `field` is the dotted path of the offending input field."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotFound(ServiceError):
    """No such object in the caller's workspace (also for other workspaces' IDs)."""

    def __init__(self, type_name: str, ident: object, message: str | None = None) -> None:
        # Row ids are shown as the global IDs clients know, never as internal numbers.
        shown = encode(type_name, ident) if isinstance(ident, int) else str(ident)
        super().__init__(message or f"{type_name} {shown} not found")
        self.type_name = type_name
        self.ident = shown


class Conflict(ServiceError):
    """The object exists but is in a state that forbids the operation."""


class Forbidden(ServiceError):
    """The caller may not do this; `field` names the argument that makes it someone
    else's business. Never a union value: the API answers it with code FORBIDDEN."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
