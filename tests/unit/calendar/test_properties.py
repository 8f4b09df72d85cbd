"""Property tests of the engine against the brute-force reference."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from handoff.calendar import NoWorkingTime, WorkingPattern, overlap, recount_deadline

from .reference import ref_add, ref_is_working, ref_windows
from .strategies import instants, patterns

SETTINGS = settings(max_examples=150, deadline=None)
RANGE = timedelta(days=6)


@SETTINGS
@given(patterns(), instants())
def test_windows_equal_reference_and_are_well_formed(data: dict[str, Any], a: datetime) -> None:
    p = WorkingPattern.from_dict(data)
    b = a + RANGE
    wins = p.windows(a, b)
    assert wins == ref_windows(data, a, b)
    for s, e in wins:
        assert a <= s < e <= b
        assert s.tzinfo is UTC and e.tzinfo is UTC
    for (_, e1), (s2, _) in itertools.pairwise(wins):
        assert e1 < s2  # sorted, disjoint and not touching
    assert p.working_time_between(a, b) == sum((e - s for s, e in wins), timedelta(0))


@SETTINGS
@given(patterns(), instants(), st.integers(0, 40 * 60).map(lambda m: timedelta(minutes=m)))
def test_add_working_time_matches_reference(
    data: dict[str, Any], a: datetime, d: timedelta
) -> None:
    p = WorkingPattern.from_dict(data)
    expected = ref_add(data, a, d)
    assume(expected is not None)
    got = p.add_working_time(a, d)
    assert got == expected
    assert got.tzinfo is UTC
    assert p.working_time_between(a, got) == d


@SETTINGS
@given(patterns(), instants(), st.integers(0, 10**11).map(lambda us: timedelta(microseconds=us)))
def test_add_then_between_round_trips(data: dict[str, Any], a: datetime, d: timedelta) -> None:
    p = WorkingPattern.from_dict(data)
    try:
        t = p.add_working_time(a, d)
    except NoWorkingTime:
        return
    assert t >= a
    assert p.working_time_between(a, t) == d
    if d > timedelta(0):
        # Earliest: one microsecond earlier is not enough.
        assert p.working_time_between(a, t - timedelta(microseconds=1)) < d


@SETTINGS
@given(patterns(), instants())
def test_next_working_instant(data: dict[str, Any], t: datetime) -> None:
    p = WorkingPattern.from_dict(data)
    try:
        n = p.next_working_instant(t)
    except NoWorkingTime:
        assert not any(p.windows(t, t + timedelta(days=60)))
        return
    assert n >= t
    assert p.is_working(n)
    assert ref_is_working(data, n)
    assert p.working_time_between(t, n) == timedelta(0)
    if p.is_working(t):
        assert n == t
    wins = ref_windows(data, t, n + timedelta(microseconds=1))
    assert wins and wins[0][0] == n


@SETTINGS
@given(patterns(), instants())
def test_is_working_matches_reference(data: dict[str, Any], t: datetime) -> None:
    assert WorkingPattern.from_dict(data).is_working(t) == ref_is_working(data, t)


@SETTINGS
@given(patterns(), patterns(), instants())
def test_overlap(d1: dict[str, Any], d2: dict[str, Any], a: datetime) -> None:
    p1, p2 = WorkingPattern.from_dict(d1), WorkingPattern.from_dict(d2)
    b = a + RANGE
    assert overlap([p1], a, b) == p1.windows(a, b)
    both = overlap([p1, p2], a, b)
    # Brute-force intersection of the two reference window lists.
    expected = []
    for s1, e1 in ref_windows(d1, a, b):
        for s2, e2 in ref_windows(d2, a, b):
            s, e = max(s1, s2), min(e1, e2)
            if s < e:
                expected.append((s, e))
    assert both == sorted(expected)
    assert overlap([p1, p2], a, b) == overlap([p2, p1], a, b)


@SETTINGS
@given(patterns())
def test_round_trip(data: dict[str, Any]) -> None:
    p = WorkingPattern.from_dict(data)
    again = WorkingPattern.from_dict(p.to_dict())
    assert again == p
    assert hash(again) == hash(p)
    assert again.to_dict() == p.to_dict()


@SETTINGS
@given(
    patterns(),
    instants(),
    st.integers(1, 40 * 60).map(lambda m: timedelta(minutes=m)),
    st.floats(0, 1),
)
def test_a_deadline_recounted_under_the_same_hours_stays_put(
    data: dict[str, Any], start: datetime, within: timedelta, part: float
) -> None:
    p = WorkingPattern.from_dict(data)
    try:
        due = p.add_working_time(start, within)
    except NoWorkingTime:
        return
    now = start + (due - start) * part
    moved, line = recount_deadline(p, p, now, due, within, name="Ana")
    assert moved == due
    assert line.startswith("Expects a response within") and "Ana" in line
