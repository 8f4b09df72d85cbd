"""Focus blocks that run over whole days, or around the clock: delivery and its
explanation stay bounded and name the days."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handoff.calendar import DeliveryPolicy, NoWorkingTime, WorkingPattern, next_delivery

AMS = "Europe/Amsterdam"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
MONDAY_11 = datetime(2026, 12, 7, 10, tzinfo=UTC)  # 11:00 in Amsterdam


def _pattern(days: tuple[str, ...] = WEEKDAYS) -> WorkingPattern:
    return WorkingPattern.from_dict({"timezone": AMS, "weekly": {d: ["09:00-17:00"] for d in days}})


def _focus(days: tuple[str, ...]) -> DeliveryPolicy:
    return DeliveryPolicy.from_dict({"focus_blocks": {d: ["00:00-24:00"] for d in days}})


def test_focus_around_the_clock_lets_only_urgent_through_and_says_so() -> None:
    always = _focus((*WEEKDAYS, "sat", "sun"))
    urgent = next_delivery(_pattern(), always, MONDAY_11, name="Ana", urgent=True)
    assert urgent.at == MONDAY_11
    assert urgent.reasons[0] == "Urgent: lands although Ana's focus blocks cover every hour."
    with pytest.raises(NoWorkingTime, match="730 days"):
        next_delivery(_pattern(), always, MONDAY_11, name="Ana")


def test_a_focus_block_over_days_is_named_with_its_days() -> None:
    weekdays = _focus(WEEKDAYS)
    urgent = next_delivery(_pattern(), weekdays, MONDAY_11, name="Ana", urgent=True)
    assert urgent.reasons[0] == (
        "Urgent: lands inside Ana's focus block Monday 7 Dec 00:00 – Saturday 12 Dec 00:00."
    )
    # working on Saturdays too: a regular handoff waits for the week's focus to end
    regular = next_delivery(_pattern((*WEEKDAYS, "sat")), weekdays, MONDAY_11, name="Ana")
    assert regular.at == datetime(2026, 12, 12, 8, tzinfo=UTC)  # Saturday 09:00
    assert (
        "Monday 7 Dec 00:00 – Saturday 12 Dec 00:00 is Ana's focus time (never interrupted), "
        "so it waits until Saturday 12 Dec 00:00." in regular.reasons
    )
