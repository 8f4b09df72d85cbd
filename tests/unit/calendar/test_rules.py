"""Holidays, time off, overrides, their precedence, and the pattern's value semantics."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from handoff.calendar import DaySource, WallInterval, WorkingPattern

AMS = "Europe/Amsterdam"
WEEKDAYS_9_17 = {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}


def _pattern(**extra: object) -> WorkingPattern:
    return WorkingPattern.from_dict(
        {"timezone": AMS, "weekly": WEEKDAYS_9_17, "holidays": {"country": "NL"}, **extra}
    )


def test_kings_day_is_a_holiday() -> None:
    p = _pattern()
    # Monday 27 April 2026 is King's Day: next working time is Tuesday 09:00 CEST.
    assert p.next_working_instant(datetime(2026, 4, 27, 6, tzinfo=UTC)) == datetime(
        2026, 4, 28, 7, tzinfo=UTC
    )
    src = p.day_source(date(2026, 4, 27))
    assert src == DaySource("holiday", "King's Day", ())


def test_christmas() -> None:
    p = _pattern()
    # Friday 25 and Saturday 26 Dec 2026; Thursday 24 works.
    assert p.is_working(datetime(2026, 12, 24, 10, tzinfo=UTC))
    assert not p.is_working(datetime(2026, 12, 25, 10, tzinfo=UTC))
    assert p.day_source(date(2026, 12, 25)).label == "Christmas Day"
    assert p.next_working_instant(datetime(2026, 12, 24, 17, tzinfo=UTC)) == datetime(
        2026, 12, 28, 8, tzinfo=UTC
    )


def test_time_off_inclusive_with_reason() -> None:
    p = _pattern(time_off=[{"start": "2026-06-01", "end": "2026-06-05", "reason": "trail week"}])
    assert p.day_source(date(2026, 6, 1)) == DaySource("time_off", "trail week", ())
    assert p.day_source(date(2026, 6, 5)).kind == "time_off"
    assert p.day_source(date(2026, 6, 8)).kind == "weekly"
    assert p.next_working_instant(datetime(2026, 6, 1, tzinfo=UTC)) == datetime(
        2026, 6, 8, 7, tzinfo=UTC
    )


def test_override_replaces_and_day_off() -> None:
    p = _pattern(overrides={"2026-06-02": ["10:00-14:00"], "2026-06-03": []})
    assert p.day_source(date(2026, 6, 2)) == DaySource("override", None, (WallInterval(600, 840),))
    start = datetime(2026, 6, 2, tzinfo=UTC)
    assert p.windows(start, start + timedelta(days=2)) == [
        (datetime(2026, 6, 2, 8, tzinfo=UTC), datetime(2026, 6, 2, 12, tzinfo=UTC))
    ]


def test_precedence_time_off_over_override_over_holiday_over_weekly() -> None:
    p = _pattern(
        overrides={"2026-04-27": ["10:00-12:00"], "2026-12-24": ["10:00-12:00"]},
        time_off=[{"start": "2026-12-24", "end": "2027-01-01"}],
    )
    # Override beats King's Day.
    assert p.day_source(date(2026, 4, 27)).kind == "override"
    assert p.is_working(datetime(2026, 4, 27, 8, 30, tzinfo=UTC))
    # Time off beats the override.
    assert p.day_source(date(2026, 12, 24)).kind == "time_off"
    assert not p.is_working(datetime(2026, 12, 24, 9, tzinfo=UTC))
    # Holiday beats weekly.
    assert p.day_source(date(2026, 5, 14)).kind == "holiday"  # Ascension Day
    assert p.day_source(date(2026, 5, 13)).kind == "weekly"


def test_interval_belongs_to_its_start_date() -> None:
    # Night shift starting on a holiday eve: the part after midnight belongs
    # to the eve, so it is worked even though the next day is a holiday.
    p = WorkingPattern.from_dict(
        {"timezone": AMS, "weekly": {"sun": ["22:00-06:00"]}, "holidays": {"country": "NL"}}
    )
    # Sunday 26 April 22:00 CEST -> Monday 27 (King's Day) 06:00 CEST.
    assert p.is_working(datetime(2026, 4, 27, 2, tzinfo=UTC))
    # A time-off day removes the whole night shift that starts on it.
    q = WorkingPattern.from_dict(
        {
            "timezone": AMS,
            "weekly": {"sun": ["22:00-06:00"]},
            "time_off": [{"start": "2026-04-26", "end": "2026-04-26"}],
        }
    )
    assert not q.is_working(datetime(2026, 4, 27, 2, tzinfo=UTC))


def test_example_from_the_contract_round_trips_and_is_json() -> None:
    data = {
        "timezone": AMS,
        "weekly": {
            "mon": ["09:00-12:00", "13:00-17:30"],
            "tue": ["09:00-17:00"],
            "wed": ["22:00-06:00"],
            "thu": ["09:00-17:00"],
            "fri": [],
        },
        "holidays": {"country": "NL", "subdivision": None},
        "time_off": [{"start": "2026-12-24", "end": "2027-01-01"}],
        "overrides": {"2026-12-31": ["10:00-14:00"]},
    }
    p = WorkingPattern.from_dict(data)
    d = p.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert WorkingPattern.from_dict(d) == p
    assert p.timezone == AMS
    assert p.zone == ZoneInfo(AMS)


def test_equal_content_is_equal_and_shares_cache() -> None:
    a = WorkingPattern.from_dict(
        {"timezone": AMS, "weekly": {"mon": ["13:00-17:00", "09:00-12:00"]}}
    )
    b = WorkingPattern.from_dict(
        {"timezone": AMS, "weekly": {"mon": ["09:00-12:00", "13:00-17:00"], "tue": []}}
    )
    assert a == b and hash(a) == hash(b)
    assert len({a, b}) == 1
    assert a._timeline is b._timeline
    c = WorkingPattern.from_dict({"timezone": AMS, "weekly": {"mon": ["09:00-12:00"]}})
    assert a != c


def test_midnight_end_canonical_forms() -> None:
    a = WorkingPattern.from_dict({"timezone": AMS, "weekly": {"mon": ["18:00-24:00"]}})
    b = WorkingPattern.from_dict({"timezone": AMS, "weekly": {"mon": ["18:00-00:00"]}})
    assert a == b
    assert a.to_dict()["weekly"]["mon"] == ["18:00-24:00"]
    full = WorkingPattern.from_dict({"timezone": "UTC", "weekly": {"mon": ["00:00-24:00"]}})
    monday = datetime(2026, 11, 30, tzinfo=UTC)
    assert full.windows(monday, monday + timedelta(days=2)) == [
        (monday, monday + timedelta(days=1))
    ]


def test_touching_intervals_merge_across_days() -> None:
    p = WorkingPattern.from_dict(
        {
            "timezone": "UTC",
            "weekly": {"mon": ["20:00-02:00"], "tue": ["02:00-04:00", "09:00-10:00"]},
        }
    )
    monday = datetime(2026, 11, 30, tzinfo=UTC)
    assert p.windows(monday, monday + timedelta(days=2)) == [
        (monday + timedelta(hours=20), monday + timedelta(hours=28)),
        (monday + timedelta(hours=33), monday + timedelta(hours=34)),
    ]


def test_local_and_zero_duration() -> None:
    p = _pattern()
    at = datetime(2026, 11, 28, 12, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert p.local(at).tzinfo == ZoneInfo(AMS)
    assert p.local(at) == at
    same = p.add_working_time(at, timedelta(0))
    assert same == at and same.tzinfo is UTC
    assert p.working_time_between(at, at - timedelta(hours=1)) == timedelta(0)
    assert p.windows(at, at) == []


def test_long_durations_cross_many_chunks() -> None:
    p = _pattern()
    at = datetime(2026, 1, 5, 8, tzinfo=UTC)  # Monday 09:00 CET
    end = p.add_working_time(at, timedelta(hours=8 * 200))
    assert p.working_time_between(at, end) == timedelta(hours=8 * 200)
    assert sum((e - s for s, e in p.windows(at, end)), timedelta(0)) == timedelta(hours=1600)


def test_end_equal_to_start_is_a_24_hour_shift() -> None:
    p = WorkingPattern.from_dict({"timezone": "UTC", "weekly": {"mon": ["06:00-06:00"]}})
    assert p.weekly[0] == (WallInterval(360, 1800),)
    assert p.to_dict()["weekly"]["mon"] == ["06:00-06:00"]
    assert WorkingPattern.from_dict(p.to_dict()) == p
    monday = datetime(2026, 11, 30, tzinfo=UTC)
    assert p.windows(monday, monday + timedelta(days=7)) == [
        (monday + timedelta(hours=6), monday + timedelta(hours=30))
    ]
    # 00:00-00:00 is the whole day, the same as 00:00-24:00.
    a = WorkingPattern.from_dict({"timezone": AMS, "weekly": {"tue": ["00:00-00:00"]}})
    b = WorkingPattern.from_dict({"timezone": AMS, "weekly": {"tue": ["00:00-24:00"]}})
    assert a == b


def test_24_hour_shifts_back_to_back_merge() -> None:
    p = WorkingPattern.from_dict(
        {"timezone": AMS, "weekly": {"mon": ["08:00-08:00"], "tue": ["08:00-08:00"]}}
    )
    monday = datetime(2026, 11, 30, tzinfo=UTC)
    assert p.windows(monday, monday + timedelta(days=7)) == [
        (monday + timedelta(hours=7), monday + timedelta(hours=55))
    ]
    assert p.add_working_time(monday, timedelta(hours=48)) == monday + timedelta(hours=55)


def test_a_utc_persons_explanation_names_the_time_once() -> None:
    from datetime import UTC, datetime, timedelta

    from handoff.calendar import DeliveryPolicy, WorkingPattern, schedule_handoff

    pattern = WorkingPattern.from_dict(
        {"timezone": "UTC", "weekly": {"mon": ["09:00-17:00"], "tue": ["09:00-17:00"]}}
    )
    times = schedule_handoff(
        pattern,
        DeliveryPolicy.from_dict({}),
        datetime(2026, 11, 30, 21, 42, tzinfo=UTC),
        timedelta(hours=2),
        name="Uma",
    )
    assert times.explanation[-2] == "Lands Tuesday 1 Dec 09:00 UTC."
    assert times.explanation[-1] == (
        "Expects a response within 2h of Uma's working time: respond by Tuesday 1 Dec 11:00 UTC."
    )
