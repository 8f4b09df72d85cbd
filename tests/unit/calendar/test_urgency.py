"""Urgent handoffs (through focus blocks and digest waits, never outside working time)
and the receiver's working week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings

from handoff.calendar import (
    DeliveryPolicy,
    WorkingPattern,
    next_delivery,
    schedule_handoff,
    working_week,
)

from .reference import ref_date_at, ref_day_start
from .strategies import instants, patterns

AMS = "Europe/Amsterdam"
MON_THU = {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu")}
FOCUS = DeliveryPolicy.from_dict({"focus_blocks": {"mon": ["09:00-11:00"]}})


def _u(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def _ana(**extra: Any) -> WorkingPattern:
    return WorkingPattern.from_dict({"timezone": AMS, "weekly": MON_THU, **extra})


def test_urgent_lands_inside_a_focus_block() -> None:
    at = _u(2026, 11, 30, 8, 30)  # Monday 09:30 in Amsterdam, inside focus
    regular = schedule_handoff(_ana(), FOCUS, at, timedelta(hours=1), name="Ana")
    assert regular.deliver_at == _u(2026, 11, 30, 10)
    urgent = schedule_handoff(_ana(), FOCUS, at, timedelta(hours=1), name="Ana", urgent=True)
    assert urgent.deliver_at == at
    assert urgent.respond_by == _u(2026, 11, 30, 9, 30)
    assert urgent.explanation == (
        "Urgent: lands inside Ana's focus block 09:00–11:00.",
        "Lands Monday 30 Nov 09:30 Europe/Amsterdam (08:30 UTC).",
        "Expects a response within 1h of Ana's working time: respond by Monday 30 Nov 10:30 "
        "Europe/Amsterdam (09:30 UTC).",
    )


def test_urgent_never_lands_outside_working_time() -> None:
    friday = _u(2026, 11, 27, 14)  # Ana's day off
    d = next_delivery(_ana(), FOCUS, friday, name="Ana", urgent=True)
    # Monday 09:00 is the next working instant, even though it starts a focus block.
    assert d.at == _u(2026, 11, 30, 8)
    assert d.reasons == (
        "Friday 27 Nov is Ana's day off.",
        "Ana's next working time starts Monday 30 Nov 09:00 Europe/Amsterdam.",
        "Urgent: lands inside Ana's focus block 09:00–11:00.",
        "Lands Monday 30 Nov 09:00 Europe/Amsterdam (08:00 UTC).",
    )


def test_urgent_does_not_wait_for_a_digest() -> None:
    policy = DeliveryPolicy.from_dict({"digest_times": ["14:00"]})
    at = _u(2026, 11, 30, 9)  # Monday 10:00, working
    assert next_delivery(_ana(), policy, at).at == _u(2026, 11, 30, 13)
    d = next_delivery(_ana(), policy, at, name="Ana", urgent=True)
    assert d.at == at
    assert d.reasons == (
        "Urgent: lands without waiting for Ana's next digest time.",
        "Lands Monday 30 Nov 10:00 Europe/Amsterdam (09:00 UTC).",
    )
    plain = next_delivery(_ana(), DeliveryPolicy(), at, name="Ana", urgent=True)
    assert plain.reasons[0] == "It is within Ana's working hours, so it lands at once."


def test_urgent_follows_travel() -> None:
    ana = _ana(travel=[{"start": "2026-11-30", "end": "2026-12-04", "timezone": "Asia/Tokyo"}])
    # Monday 30 Nov 09:30 in Tokyo (00:30 UTC) is inside the focus block there.
    d = next_delivery(ana, FOCUS, _u(2026, 11, 30, 0, 30), name="Ana", urgent=True)
    assert d.at == _u(2026, 11, 30, 0, 30)
    assert d.reasons[0] == "Urgent: lands inside Ana's focus block 09:00–11:00."
    assert d.reasons[-1] == "Lands Monday 30 Nov 09:30 Asia/Tokyo (00:30 UTC)."


# -- the working week -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "start", "end"),
    [
        # An ordinary week: CET both ends.
        (_u(2026, 11, 27, 14), _u(2026, 11, 22, 23), _u(2026, 11, 29, 23)),
        # Monday 00:00 local itself starts the week; 23:59 Sunday is still the old one.
        (_u(2026, 11, 29, 23), _u(2026, 11, 29, 23), _u(2026, 12, 6, 23)),
        (_u(2026, 11, 29, 22, 59), _u(2026, 11, 22, 23), _u(2026, 11, 29, 23)),
        # Spring forward inside the week: 167 hours.
        (_u(2026, 3, 27, 12), _u(2026, 3, 22, 23), _u(2026, 3, 29, 22)),
        # Fall back inside the week: 169 hours.
        (_u(2026, 10, 21, 12), _u(2026, 10, 18, 22), _u(2026, 10, 25, 23)),
    ],
)
def test_working_week(at: datetime, start: datetime, end: datetime) -> None:
    assert working_week(_ana(), at) == (start, end)
    s, e = working_week(_ana(), at)
    assert s.tzinfo is UTC and e.tzinfo is UTC


def test_working_week_while_travelling() -> None:
    ana = _ana(travel=[{"start": "2026-12-07", "end": "2026-12-13", "timezone": "Asia/Tokyo"}])
    # The whole week in Tokyo: Monday 00:00 JST (Sunday 15:00 UTC) to Monday 00:00 at home.
    assert working_week(ana, _u(2026, 12, 9)) == (_u(2026, 12, 6, 15), _u(2026, 12, 13, 23))
    # The week before ends where the Tokyo week begins: weeks tile time.
    assert working_week(ana, _u(2026, 12, 6, 14))[1] == _u(2026, 12, 6, 15)


@settings(max_examples=150, deadline=None)
@given(patterns(travel=True), instants())
def test_weeks_tile_time(data: dict[str, Any], at: datetime) -> None:
    p = WorkingPattern.from_dict(data)
    start, end = working_week(p, at)
    assert start <= at < end
    assert working_week(p, end)[0] == end
    assert working_week(p, start - timedelta(microseconds=1))[1] == start
    # The week of the date in force: the dates in force just inside it share the ISO week
    # of ``at``'s date, those just outside do not.
    week = ref_date_at(data, at).isocalendar()[:2]
    assert ref_date_at(data, start).isocalendar()[:2] == week
    assert ref_date_at(data, end - timedelta(microseconds=1)).isocalendar()[:2] == week
    assert ref_date_at(data, start - timedelta(microseconds=1)).isocalendar()[:2] != week
    assert ref_date_at(data, end).isocalendar()[:2] != week
    monday = ref_date_at(data, start)
    if monday.weekday() == 0:
        assert ref_day_start(data, monday) == start
    # Seven days, give or take the gap between the zones of the two Mondays (< 27 h).
    assert abs(end - start - timedelta(days=7)) < timedelta(hours=27)
