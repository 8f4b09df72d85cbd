"""Working patterns and delivery policies from client input, with client field names.

The engine names fields like its dicts (`time_off`); clients know the input names
(`timeOff`), so errors are reported with camelCase paths under the input's field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from handoff.calendar import (
    DeliveryPolicy,
    InvalidPattern,
    NoWorkingTime,
    WorkingPattern,
    next_delivery,
)
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


def require_deliverable(
    pattern: WorkingPattern, policy: DeliveryPolicy, now: datetime, name: str, field: str
) -> None:
    """Invalid on the policy's `field` when its focus blocks or digest times leave no
    moment for a handoff to land although the person has working time: saved, it would
    turn every ordinary handoff to them away. Someone with no working time ahead at all
    (a long leave) may still set a policy."""
    why = _undeliverable(pattern, policy, now, name)
    if why is None or _undeliverable(pattern, DeliveryPolicy(), now, name) is not None:
        return  # deliverable, or the hours alone leave no working time: not the policy's doing
    digests_alone = _undeliverable(pattern, DeliveryPolicy(policy.focus_blocks), now, name) is None
    raise Invalid(
        f"{field}.{'digestTimes' if digests_alone else 'focusBlocks'}",
        f"{name} could never receive a handoff: {why}",
    )


def require_deliverable_hours(
    pattern: WorkingPattern, policy: DeliveryPolicy, now: datetime, name: str, field: str
) -> None:
    """Invalid on the pattern's `field` when new hours would leave the person's delivery
    policy no moment for a handoff to land (as `require_deliverable` refuses a policy)."""
    why = _undeliverable(pattern, policy, now, name)
    if why is None or _undeliverable(pattern, DeliveryPolicy(), now, name) is not None:
        return
    raise Invalid(
        f"{field}.weekly",
        f"{name} could never receive a handoff with these hours: {why}; change their "
        "focus blocks or digest times first",
    )


def _undeliverable(
    pattern: WorkingPattern, policy: DeliveryPolicy, now: datetime, name: str
) -> NoWorkingTime | None:
    try:
        next_delivery(pattern, policy, now, name=name)
    except NoWorkingTime as e:
        return e
    return None


def join_field(prefix: str, sub: str) -> str:
    """`prefix.sub` with each segment of the engine's `sub` in camelCase."""
    camel = ".".join(_camel(part) for part in sub.split(".")) if sub else ""
    return f"{prefix}.{camel}" if camel else prefix


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)
