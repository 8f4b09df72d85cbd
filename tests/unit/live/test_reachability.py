"""Reachability from the engine: the state at an instant and the transitions after it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handoff.calendar import DeliveryPolicy, WorkingPattern
from handoff.live.reachability import HORIZON, Reach, _due, reach_at
from handoff.storage.models import Person

WEEKDAYS = {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def pattern(weekly: dict[str, list[str]] | None = None, zone: str = "Europe/Amsterdam"):
    return WorkingPattern.from_dict({"timezone": zone, "weekly": weekly or WEEKDAYS})


def policy(**focus: list[str]) -> DeliveryPolicy:
    return DeliveryPolicy.from_dict({"focus_blocks": focus})


def test_inside_working_time_until_its_end_and_outside_until_the_next_start() -> None:
    # Friday 27 Nov 2026, 10:00 in Amsterdam
    assert reach_at(pattern(), policy(), utc(2026, 11, 27, 9)) == Reach(
        True, utc(2026, 11, 27, 8), utc(2026, 11, 27, 16), utc(2026, 11, 27, 16)
    )
    # Saturday: unreachable since Friday 17:00, until Monday 09:00
    assert reach_at(pattern(), policy(), utc(2026, 11, 28, 12)) == Reach(
        False, utc(2026, 11, 27, 16), utc(2026, 11, 30, 8), utc(2026, 11, 30, 8)
    )


def test_a_focus_block_is_unreachable_and_touching_windows_merge() -> None:
    focus = policy(fri=["11:00-12:00"])
    at = reach_at(pattern(), focus, utc(2026, 11, 27, 10, 30))
    assert (at.reachable, at.since, at.next_change) == (
        False,
        utc(2026, 11, 27, 10),
        utc(2026, 11, 27, 11),
    )
    split = pattern({"fri": ["09:00-12:00", "12:00-17:00"]})
    whole = reach_at(split, policy(), utc(2026, 11, 27, 9))
    assert whole.next_change == utc(2026, 11, 27, 16)  # 12:00 is no transition


def test_no_working_time_within_the_horizon_is_looked_at_again_at_its_end() -> None:
    never = WorkingPattern.from_dict({"timezone": "UTC", "weekly": {}})
    now = utc(2026, 11, 27, 9)
    found = reach_at(never, policy(), now)
    assert (found.reachable, found.since, found.next_change) == (False, None, None)
    assert found.recheck_at == now + HORIZON
    always = WorkingPattern.from_dict(
        {
            "timezone": "UTC",
            "weekly": {d: ["00:00-24:00"] for d in WEEKDAYS | {"sat": [], "sun": []}},
        }
    )
    open_ended = reach_at(always, policy(), now)
    assert open_ended.reachable and open_ended.next_change is None
    assert open_ended.recheck_at == now + HORIZON


def test_transitions_a_moved_clock_skipped_are_each_reported_at_their_instant() -> None:
    person = Person(
        id=1,
        workspace_id=1,
        name="Ana",
        handle="ana",
        email=None,
        timezone="Europe/Amsterdam",
        pattern_json={"timezone": "Europe/Amsterdam", "weekly": WEEKDAYS},
        policy_json={},
        created_at=utc(2026, 1, 1),
        updated_at=utc(2026, 1, 1),
    )
    start = reach_at(person.pattern, person.policy, utc(2026, 11, 27, 9))
    state, changes = _due(person, start, utc(2026, 12, 1, 7))  # to Tuesday 08:00
    assert [(c.reachable, c.at) for c in changes] == [
        (False, utc(2026, 11, 27, 16)),
        (True, utc(2026, 11, 30, 8)),
        (False, utc(2026, 11, 30, 16)),
    ]
    assert not state.reachable and state.next_change == utc(2026, 12, 1, 8)
    nothing_due, none = _due(person, state, utc(2026, 12, 1, 7, 30))
    assert none == [] and nothing_due == state
    assert state.recheck_at - utc(2026, 12, 1, 7) == timedelta(hours=1)
