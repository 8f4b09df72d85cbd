"""Errors raised by the working-time engine.

Both are ``ValueError`` subclasses so callers that only care about "bad input"
can catch one type, while the API can tell them apart. Mistakes in how the
engine is called (a naive datetime, a negative duration, a wrong type) are not
bad data and raise plain ``ValueError`` / ``TypeError`` instead.
"""

from __future__ import annotations

__all__ = ["InvalidPattern", "NoWorkingTime"]


class InvalidPattern(ValueError):
    """Pattern or policy data is malformed.

    ``field`` is the dotted path of the offending input (``"weekly.mon.1"``,
    ``"time_off.0.end"``, ``"travel.0.timezone"``) so an API can point at the
    exact field.
    """

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field

    def __reduce__(self) -> tuple[type[InvalidPattern], tuple[str, str]]:
        # Keep the field when pickled (e.g. across process pools).
        return (type(self), (str(self), self.field))


class NoWorkingTime(ValueError):
    """No working time exists within the search horizon (730 days)."""
