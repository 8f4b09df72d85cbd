"""Timeline segments for a UI, delivery windows, coverage gaps and pairwise overlap."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from handoff.calendar import (
    DeliveryPolicy,
    Segment,
    SegmentKind,
    WorkingPattern,
    coverage_gaps,
    delivery_windows,
    overlap,
    pairwise_overlap,
    person_segments,
)

from .reference import (
    _day_intervals,
    ref_date_at,
    ref_digest_instants,
    ref_focus_data,
    ref_is_working,
    ref_windows,
)
from .strategies import instants, patterns
from .test_travel_delivery import policies

AMS = "Europe/Amsterdam"
K = SegmentKind


def _u(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_a_week_of_ana() -> None:
    ana = WorkingPattern.from_dict(
        {
            "timezone": AMS,
            "weekly": {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu")},
            "holidays": {"country": "NL"},
            "time_off": [{"start": "2026-04-22", "end": "2026-04-22", "reason": "dentist"}],
            "travel": [{"start": "2026-04-23", "end": "2026-04-23", "timezone": "Asia/Tokyo"}],
        }
    )
    policy = DeliveryPolicy.from_dict(
        {"focus_blocks": {"tue": ["09:00-11:00"]}, "digest_times": ["10:00", "15:00"]}
    )
    # Monday 20 Apr .. Monday 27 Apr (King's Day), Amsterdam on CEST (+2).
    segments = person_segments(ana, policy, _u(2026, 4, 19, 22), _u(2026, 4, 27, 22))
    tokyo, ams = "Asia/Tokyo", AMS
    assert segments == [
        Segment(K.WORKING, _u(2026, 4, 20, 7), _u(2026, 4, 20, 15), ams),
        Segment(K.DIGEST, _u(2026, 4, 20, 8), _u(2026, 4, 20, 8), ams),
        Segment(K.DIGEST, _u(2026, 4, 20, 13), _u(2026, 4, 20, 13), ams),
        Segment(K.WORKING, _u(2026, 4, 21, 7), _u(2026, 4, 21, 15), ams),
        Segment(K.FOCUS, _u(2026, 4, 21, 7), _u(2026, 4, 21, 9), ams),
        # 10:00 on Tuesday is in focus time: no digest then.
        Segment(K.DIGEST, _u(2026, 4, 21, 13), _u(2026, 4, 21, 13), ams),
        Segment(K.TIME_OFF, _u(2026, 4, 21, 22), _u(2026, 4, 22, 15), ams, "dentist"),
        # Thursday in Tokyo begins Wednesday 15:00 UTC, which ends Wednesday early.
        Segment(K.TRAVEL, _u(2026, 4, 22, 15), _u(2026, 4, 23, 22), tokyo, "LOCAL"),
        Segment(K.WORKING, _u(2026, 4, 23, 0), _u(2026, 4, 23, 8), tokyo),
        Segment(K.DIGEST, _u(2026, 4, 23, 1), _u(2026, 4, 23, 1), tokyo),
        Segment(K.DIGEST, _u(2026, 4, 23, 6), _u(2026, 4, 23, 6), tokyo),
        Segment(K.DAY_OFF, _u(2026, 4, 23, 22), _u(2026, 4, 24, 22), ams),  # trail Friday
        Segment(K.DAY_OFF, _u(2026, 4, 24, 22), _u(2026, 4, 25, 22), ams),
        Segment(K.DAY_OFF, _u(2026, 4, 25, 22), _u(2026, 4, 26, 22), ams),
        Segment(K.HOLIDAY, _u(2026, 4, 26, 22), _u(2026, 4, 27, 22), ams, "King's Day"),
    ]
    monday = person_segments(ana, policy, _u(2026, 4, 26, 22), _u(2026, 4, 27, 22))
    assert monday == [
        Segment(K.HOLIDAY, _u(2026, 4, 26, 22), _u(2026, 4, 27, 22), ams, "King's Day")
    ]
    dw = delivery_windows(ana, policy, _u(2026, 4, 20, 22), _u(2026, 4, 21, 22))
    assert dw.windows == ((_u(2026, 4, 21, 9), _u(2026, 4, 21, 15)),)
    assert dw.digests == (_u(2026, 4, 21, 13),)
    assert dw.bundled
    assert person_segments(ana, policy, _u(2026, 4, 21), _u(2026, 4, 21)) == []
    override = WorkingPattern.from_dict({"timezone": "UTC", "overrides": {"2026-04-20": []}})
    assert person_segments(override, DeliveryPolicy(), _u(2026, 4, 20), _u(2026, 4, 21)) == [
        Segment(K.DAY_OFF, _u(2026, 4, 20), _u(2026, 4, 21), "UTC", "date override")
    ]


def _subtract(
    a: list[tuple[datetime, datetime]], b: list[tuple[datetime, datetime]]
) -> set[datetime]:
    # Brute force on a 15-minute grid plus every edge: the instants of a not in b.
    def inside(spans: list[tuple[datetime, datetime]], t: datetime) -> bool:
        return any(s <= t < e for s, e in spans)

    points = {p for s, e in a + b for p in (s, e)}
    return {t for t in points if inside(a, t) and not inside(b, t)}


@settings(max_examples=100, deadline=None)
@given(patterns(travel=True), policies(digests=True), instants(), st.booleans())
def test_segments_match_the_reference(
    pdata: dict[str, Any], qdata: dict[str, Any], a: datetime, digests: bool
) -> None:
    if not digests:
        qdata = {"focus_blocks": qdata["focus_blocks"]}
    p, policy = WorkingPattern.from_dict(pdata), DeliveryPolicy.from_dict(qdata)
    b = a + timedelta(days=4)
    segments = person_segments(p, policy, a, b)
    assert segments == sorted(segments, key=lambda s: s.start)
    by_kind: dict[SegmentKind, list[Segment]] = {k: [] for k in SegmentKind}
    for seg in segments:
        assert a <= seg.start <= seg.end <= b
        assert seg.start.tzinfo is UTC and seg.end.tzinfo is UTC
        by_kind[seg.kind].append(seg)
    work = ref_windows(pdata, a, b)
    assert [(s.start, s.end) for s in by_kind[K.WORKING]] == work
    focus = ref_windows(ref_focus_data(pdata, qdata["focus_blocks"]), a, b)
    expected_focus = sorted(
        (max(s1, s2), min(e1, e2))
        for s1, e1 in work
        for s2, e2 in focus
        if max(s1, s2) < min(e1, e2)
    )
    assert [(s.start, s.end) for s in by_kind[K.FOCUS]] == expected_focus
    expected_digests = [
        t
        for t in ref_digest_instants(pdata, qdata.get("digest_times", []), a, b)
        if ref_is_working(pdata, t) and not any(s <= t < e for s, e in focus)
    ]
    assert [s.start for s in by_kind[K.DIGEST]] == expected_digests
    assert all(s.start == s.end for s in by_kind[K.DIGEST])
    # Day spans: each is a date in force without intervals, and they do not overlap.
    days = sorted(
        by_kind[K.HOLIDAY] + by_kind[K.TIME_OFF] + by_kind[K.DAY_OFF], key=lambda s: s.start
    )
    for prev, cur in itertools.pairwise(days):
        assert prev.end <= cur.start
    for seg in days:
        d = ref_date_at(pdata, seg.start)
        assert _day_intervals(pdata, d) == []
        assert seg.zone == p.zone_on(d).key
        # no working time inside a day without work (a night shift before it ends first)
        assert not any(max(seg.start, s) < min(seg.end, e) for s, e in work), seg
    for seg in by_kind[K.TRAVEL]:
        for t in (seg.start, seg.end - timedelta(microseconds=1)):
            period = p.travel_at(t)
            assert period is not None and period.timezone == seg.zone
    dw = delivery_windows(p, policy, a, b)
    assert list(dw.digests) == expected_digests
    assert dw.bundled == bool(qdata.get("digest_times"))
    assert sum((e - s for s, e in dw.windows), timedelta(0)) == sum(
        (e - s for s, e in work), timedelta(0)
    ) - sum((e - s for s, e in expected_focus), timedelta(0))
    assert _subtract(work, expected_focus) == _subtract(list(dw.windows), [])


@settings(max_examples=100, deadline=None)
@given(st.lists(patterns(travel=True), min_size=1, max_size=4), instants())
def test_coverage_gaps_and_pairwise_overlap(datas: list[dict[str, Any]], a: datetime) -> None:
    people = [WorkingPattern.from_dict(d) for d in datas]
    b = a + timedelta(days=5)
    gaps = coverage_gaps(people, a, b)
    covered = sorted(w for p in people for w in p.windows(a, b))
    for s, e in gaps:
        assert a <= s < e <= b
        assert not any(ws < e and we > s for ws, we in covered)
    total = sum((e - s for s, e in gaps), timedelta(0))
    union = sum(
        (e - s for s, e in ref_union(covered)),
        timedelta(0),
    )
    assert total + union == b - a
    pairs = pairwise_overlap(people, a, b)
    assert set(pairs) == {(i, j) for i in range(len(people)) for j in range(i + 1, len(people))}
    for (i, j), shared in pairs.items():
        both = overlap([people[i], people[j]], a, b)
        assert shared == sum((e - s for s, e in both), timedelta(0))


def ref_union(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    out: list[tuple[datetime, datetime]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(e, out[-1][1]))
        else:
            out.append((s, e))
    return out


def test_coverage_gaps_examples() -> None:
    ams = WorkingPattern.from_dict({"timezone": AMS, "weekly": {"mon": ["09:00-17:00"]}})
    nyc = WorkingPattern.from_dict(
        {"timezone": "America/New_York", "weekly": {"mon": ["09:00-17:00"]}}
    )
    a, b = _u(2026, 11, 30), _u(2026, 12, 1)
    assert coverage_gaps([ams, nyc], a, b) == [
        (a, _u(2026, 11, 30, 8)),
        (_u(2026, 11, 30, 22), b),
    ]
    assert coverage_gaps([], a, b) == [(a, b)]
    assert pairwise_overlap([ams, nyc], a, b) == {(0, 1): timedelta(hours=2)}
    assert date(2026, 11, 30).weekday() == 0


def test_segments_are_remembered_by_value_and_an_edit_is_a_new_answer() -> None:
    """The memo behind `person_segments`: the same pattern (even rebuilt from its JSON)
    gets an equal answer, a caller changing its list changes nothing for the next one,
    and a pattern with one more day off gets its own answer."""
    data: dict[str, Any] = {"timezone": AMS, "weekly": {"mon": ["09:00-17:00"]}}
    start, end = _u(2026, 6, 1), _u(2026, 6, 15)
    first = person_segments(WorkingPattern.from_dict(data), DeliveryPolicy(), start, end)
    first.clear()
    again = person_segments(WorkingPattern.from_dict(data), DeliveryPolicy(), start, end)
    working = [s.start for s in again if s.kind == K.WORKING]
    assert working == [_u(2026, 6, 1, 7), _u(2026, 6, 8, 7)]

    away = {**data, "time_off": [{"start": "2026-06-08", "end": "2026-06-08", "reason": "move"}]}
    edited = person_segments(WorkingPattern.from_dict(away), DeliveryPolicy(), start, end)
    assert [s.start for s in edited if s.kind == K.WORKING] == [_u(2026, 6, 1, 7)]
    assert [(s.start, s.label) for s in edited if s.kind == K.TIME_OFF] == [
        (_u(2026, 6, 7, 22), "move")
    ]


def test_a_night_shift_into_a_day_off_is_working_time_not_the_day_off() -> None:
    night = WorkingPattern.from_dict(
        {"timezone": "America/New_York", "weekly": {"fri": ["20:00-02:00"]}}
    )
    saturday = person_segments(
        night,
        DeliveryPolicy(),
        datetime(2026, 12, 5, 5, tzinfo=UTC),
        datetime(2026, 12, 6, 5, tzinfo=UTC),
    )
    assert [(s.kind, s.start.hour, s.end.hour) for s in saturday] == [
        (K.WORKING, 5, 7),  # Friday's shift until 02:00 New York time
        (K.DAY_OFF, 7, 5),  # then Saturday, off
    ]
