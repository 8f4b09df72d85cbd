"""The shared weekly base chunks and the inlined warm paths of ``WorkingPattern``.

The warm paths answer from an already built chunk with timedelta arithmetic; they
must agree exactly with the integer timeline code they shortcut.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings

from handoff.calendar import InvalidPattern, NoWorkingTime, WorkingPattern
from handoff.calendar.timeline import CHUNK_US, _chunk_days
from handoff.calendar.wallclock import EPOCH, to_us

from .strategies import durations, instants, patterns

SETTINGS = settings(max_examples=150, deadline=None)


def _slow_next(p: WorkingPattern, at: datetime) -> datetime:
    return EPOCH + timedelta(0, 0, p._timeline.next_working(to_us(at, "at")))


def _slow_add(p: WorkingPattern, at: datetime, d: timedelta) -> datetime:
    return EPOCH + timedelta(0, 0, p._timeline.add(to_us(at, "at"), d // timedelta(0, 0, 1)))


@SETTINGS
@given(patterns(), instants(), durations)
def test_warm_paths_equal_timeline(data: dict[str, Any], at: datetime, d: timedelta) -> None:
    p = WorkingPattern.from_dict(data)
    try:
        expected_next = _slow_next(p, at)
    except NoWorkingTime:
        with pytest.raises(NoWorkingTime):
            p.next_working_instant(at)
        return
    try:
        expected_add: datetime | None = _slow_add(p, at, d)
    except NoWorkingTime:
        expected_add = None
    local = at.astimezone(ZoneInfo("Asia/Kolkata"))
    for _ in range(2):  # cold, then warm
        for value in (at, local):
            got = p.next_working_instant(value)
            assert got == expected_next and got.tzinfo is UTC
            if expected_add is None:
                with pytest.raises(NoWorkingTime):
                    p.add_working_time(value, d)
                continue
            got = p.add_working_time(value, d)
            assert got == expected_add and got.tzinfo is UTC


@SETTINGS
@given(patterns(), instants())
def test_exceptions_agree_with_day_rules(data: dict[str, Any], at: datetime) -> None:
    p = WorkingPattern.from_dict(data)
    first, last = _chunk_days(to_us(at, "at") // CHUNK_US)
    expected = {
        o: p._day_intervals(o)
        for o in range(first, last + 1)
        if p._day_intervals(o) != p.weekly[(o - 1) % 7]
    }
    assert p._exceptions(first, last) == expected


def test_patterns_of_one_shape_share_base_chunks() -> None:
    weekly = {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    a = WorkingPattern.from_dict({"timezone": "Europe/Amsterdam", "weekly": weekly})
    b = WorkingPattern.from_dict(
        {
            "timezone": "Europe/Amsterdam",
            "weekly": weekly,
            "holidays": {"country": "NL", "subdivision": None},
            "time_off": [{"start": "2026-04-20", "end": "2026-04-21"}],
        }
    )
    assert a._timeline is not b._timeline
    k = to_us(datetime(2026, 2, 10, tzinfo=UTC), "at") // CHUNK_US  # no holiday, no time off
    assert a._timeline.chunk(k) is b._timeline.chunk(k)
    # Easter 2026 is patched for b only; the rest of that chunk still comes from the base.
    t = datetime(2026, 4, 6, 10, tzinfo=UTC)  # Easter Monday, 12:00 in Amsterdam
    assert a.is_working(t) and not b.is_working(t)
    assert b.next_working_instant(t) == datetime(2026, 4, 7, 7, tzinfo=UTC)


def test_warm_paths_reject_bad_input() -> None:
    p = WorkingPattern.from_dict({"timezone": "UTC", "weekly": {"mon": ["09:00-17:00"]}})
    at = datetime(2026, 3, 2, 10, tzinfo=UTC)
    assert p.add_working_time(at, timedelta(hours=1)) == datetime(2026, 3, 2, 11, tzinfo=UTC)
    assert p.next_working_instant(at) is at  # working: ``at`` itself
    # Caller mistakes: plain ValueError / TypeError (task 3), not InvalidPattern.
    with pytest.raises(ValueError, match="naive") as e1:
        p.next_working_instant(at.replace(tzinfo=None))
    with pytest.raises(ValueError, match="naive") as e2:
        p.add_working_time(at.replace(tzinfo=None), timedelta(hours=1))
    with pytest.raises(ValueError, match="negative") as e3:
        p.add_working_time(at, timedelta(hours=-1))
    assert not any(isinstance(e.value, InvalidPattern) for e in (e1, e2, e3))
    with pytest.raises(TypeError, match="must be a timedelta"):
        p.add_working_time(at, 3600)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        p.next_working_instant(date(2026, 3, 2))  # type: ignore[arg-type]
    assert p.add_working_time(at, timedelta(0)) == at


@pytest.mark.parametrize("hours", [1, 3, 30, 24 * 14 * 3, 24 * 14 * 5])
def test_warm_add_across_chunk_edges(hours: int) -> None:
    # Every day 00:00-24:00 in UTC: working time equals elapsed time.
    p = WorkingPattern.from_dict(
        {
            "timezone": "UTC",
            "weekly": {
                d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            },
        }
    )
    edge = EPOCH + timedelta(
        0, 0, (to_us(datetime(2026, 5, 1, tzinfo=UTC), "x") // CHUNK_US + 1) * CHUNK_US
    )
    at = edge - timedelta(hours=2)
    d = timedelta(hours=hours)
    p.windows(at - timedelta(days=1), at + timedelta(days=80))  # build the chunks
    assert p.add_working_time(at, d) == at + d
    assert p.next_working_instant(edge) == edge


def test_warm_next_in_a_following_chunk() -> None:
    p = WorkingPattern.from_dict(
        {"timezone": "Europe/Amsterdam", "weekly": {"wed": ["09:00-10:00"]}}
    )
    k = to_us(datetime(2026, 6, 1, tzinfo=UTC), "x") // CHUNK_US
    last_start = p._timeline.chunk(k).starts[-1]
    at = EPOCH + timedelta(0, 0, last_start) + timedelta(hours=2)
    for _ in range(2):
        got = p.next_working_instant(at)
        assert got == _slow_next(p, at)
        assert got > EPOCH + timedelta(0, 0, (k + 1) * CHUNK_US)
        assert p.add_working_time(at, timedelta(hours=3)) == _slow_add(p, at, timedelta(hours=3))


def test_parse_caches_never_hide_errors() -> None:
    good = {"timezone": "UTC", "weekly": {"mon": ["09:00-12:00", "13:00-17:00"]}}
    assert WorkingPattern.from_dict(good) == WorkingPattern.from_dict(good)
    for field, bad in (("weekly.tue.1", ["09:00-12:00", "11:00-13:00"]), ("weekly.tue.0", ["9-5"])):
        for _ in range(2):
            with pytest.raises(InvalidPattern) as e:
                WorkingPattern.from_dict({"timezone": "UTC", "weekly": {"tue": bad}})
            assert e.value.field == field
    nl = {"timezone": "UTC", "holidays": {"country": "NL", "subdivision": None}}
    assert WorkingPattern.from_dict(nl).holidays is not None
    for _ in range(2):
        with pytest.raises(InvalidPattern, match="unknown holiday country"):
            WorkingPattern.from_dict({"timezone": "UTC", "holidays": {"country": "XX"}})
