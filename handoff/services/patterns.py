"""Working patterns and delivery policies from client input, with client field names.

The engine names fields like its dicts (`time_off`); clients know the input names
(`timeOff`), so errors are reported with camelCase paths under the input's field.
"""

from __future__ import annotations

from typing import Any

from handoff.calendar import DeliveryPolicy, InvalidPattern, WorkingPattern
from handoff.services.errors import Invalid

DEFAULT_WEEK = {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}


def build_pattern(data: dict[str, Any], timezone: str | None, field: str) -> WorkingPattern:
    """Validate a working pattern dict; `timezone` fills in or must match its zone."""
    data = dict(data)
    if timezone is not None:
        if data.get("timezone") not in (None, timezone):
            raise Invalid(
                f"{field}.timezone",
                f"working pattern zone {data['timezone']!r} differs from timezone {timezone!r}",
            )
        data["timezone"] = timezone
    try:
        return WorkingPattern.from_dict(data)
    except InvalidPattern as e:
        raise Invalid(join_field(field, e.field), str(e)) from None


def build_policy(data: dict[str, Any], field: str) -> DeliveryPolicy:
    """Validate a delivery policy dict."""
    try:
        return DeliveryPolicy.from_dict(data)
    except InvalidPattern as e:
        raise Invalid(join_field(field, e.field), str(e)) from None


def join_field(prefix: str, sub: str) -> str:
    """`prefix.sub` with each segment of the engine's `sub` in camelCase."""
    camel = ".".join(_camel(part) for part in sub.split(".")) if sub else ""
    return f"{prefix}.{camel}" if camel else prefix


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)
