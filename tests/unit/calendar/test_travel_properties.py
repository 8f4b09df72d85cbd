"""Travel periods: the engine against the brute-force reference extended with periods."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from handoff.calendar import NoWorkingTime, WorkingPattern
from handoff.calendar.timeline import CHUNK_US, _chunk_days
from handoff.calendar.wallclock import EPOCH, to_us

from .reference import ref_add, ref_date_at, ref_is_working, ref_period, ref_windows
from .strategies import durations, instants, patterns

SETTINGS = settings(max_examples=150, deadline=None)
RANGE = timedelta(days=6)


@SETTINGS
@given(patterns(travel=True), instants())
def test_windows_equal_reference(data: dict[str, Any], a: datetime) -> None:
    p = WorkingPattern.from_dict(data)
    b = a + RANGE
    wins = p.windows(a, b)
    assert wins == ref_windows(data, a, b)
    for (_, e1), (s2, _) in itertools.pairwise(wins):
        assert e1 < s2
    assert p.working_time_between(a, b) == sum((e - s for s, e in wins), timedelta(0))


@SETTINGS
@given(patterns(travel=True), instants(), st.integers(0, 40 * 60))
def test_add_working_time_matches_reference(data: dict[str, Any], a: datetime, m: int) -> None:
    p = WorkingPattern.from_dict(data)
    d = timedelta(minutes=m)
    expected = ref_add(data, a, d)
    assume(expected is not None)
    got = p.add_working_time(a, d)
    assert got == expected and got.tzinfo is UTC
    assert p.working_time_between(a, got) == d


@SETTINGS
@given(patterns(travel=True), instants())
def test_next_working_and_is_working(data: dict[str, Any], t: datetime) -> None:
    p = WorkingPattern.from_dict(data)
    assert p.is_working(t) == ref_is_working(data, t)
    try:
        n = p.next_working_instant(t)
    except NoWorkingTime:
        assert not ref_windows(data, t, t + timedelta(days=60))
        return
    wins = ref_windows(data, t, n + timedelta(microseconds=1))
    assert wins and wins[0][0] == n


@SETTINGS
@given(patterns(travel=True), instants())
def test_where_the_person_is(data: dict[str, Any], t: datetime) -> None:
    p = WorkingPattern.from_dict(data)
    d = ref_date_at(data, t)
    assert p.local_date(t) == d
    period = ref_period(data, d)
    home = ZoneInfo(data["timezone"])
    if period is None:
        assert p.travel_at(t) is None
        assert p.zone_at(t) == home and p.hours_zone_at(t) == home
    else:
        got = p.travel_at(t)
        assert got is not None and got.start.isoformat() == period["start"]
        assert p.zone_at(t) == ZoneInfo(period["timezone"])
        hours_zone = ZoneInfo(period["timezone"]) if period["hours"] == "LOCAL" else home
        assert p.hours_zone_at(t) == hours_zone
    local = p.local(t)
    # Compare through UTC: PEP 495 makes ambiguous wall times unequal across zones.
    assert local.astimezone(UTC) == t and local.tzinfo == p.zone_at(t)
    assert p.zone_on(d) == p.hours_zone_at(t)


@SETTINGS
@given(patterns(travel=True))
def test_round_trip(data: dict[str, Any]) -> None:
    p = WorkingPattern.from_dict(data)
    again = WorkingPattern.from_dict(p.to_dict())
    assert again == p and hash(again) == hash(p)
    assert again.to_dict() == p.to_dict()
    assert len(p.to_dict()["travel"]) == len(data["travel"])
    assert p != WorkingPattern.from_dict({k: v for k, v in data.items() if k != "travel"})


@SETTINGS
@given(patterns(travel=True), instants(), durations)
def test_warm_paths_equal_timeline(data: dict[str, Any], at: datetime, d: timedelta) -> None:
    p = WorkingPattern.from_dict(data)
    us = to_us(at, "at")
    try:
        expected_next = EPOCH + timedelta(microseconds=p._timeline.next_working(us))
    except NoWorkingTime:
        with pytest.raises(NoWorkingTime):
            p.next_working_instant(at)
        return
    try:
        expected_add: datetime | None = EPOCH + timedelta(
            microseconds=p._timeline.add(us, d // timedelta(microseconds=1))
        )
    except NoWorkingTime:
        expected_add = None
    for _ in range(2):  # cold, then warm
        assert p.next_working_instant(at) == expected_next
        if expected_add is None:
            with pytest.raises(NoWorkingTime):
                p.add_working_time(at, d)
        else:
            assert p.add_working_time(at, d) == expected_add


@SETTINGS
@given(patterns(travel=True), instants())
def test_exceptions_agree_with_day_rules(data: dict[str, Any], at: datetime) -> None:
    p = WorkingPattern.from_dict(data)
    first, last = _chunk_days(to_us(at, "at") // CHUNK_US)
    expected = {
        o: p._day_intervals(o)
        for o in range(first, last + 1)
        if p._day_intervals(o) != p.weekly[(o - 1) % 7]
    }
    assert p._exceptions(first, last) == expected
