"""Bad input: InvalidPattern naming the value and the field; no hangs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from handoff.calendar import (
    DeliveryPolicy,
    HolidayRegion,
    InvalidPattern,
    NoWorkingTime,
    WorkingPattern,
    overlap,
)

AMS = "Europe/Amsterdam"


def _p(**extra: Any) -> dict[str, Any]:
    return {"timezone": AMS, "weekly": {"mon": ["09:00-17:00"]}, **extra}


BAD = [
    ({"timezone": "Mars/Olympus"}, "timezone", "Mars/Olympus"),
    ({"timezone": ""}, "timezone", "''"),
    ({"timezone": 5}, "timezone", "5"),
    # files of a zoneinfo directory that are not zones: the host's own, a placeholder,
    # and the leap-second tree whose clocks run 27 s off civil time
    ({"timezone": "localtime"}, "timezone", "localtime"),
    ({"timezone": "Factory"}, "timezone", "Factory"),
    ({"timezone": "right/Europe/Amsterdam"}, "timezone", "right/Europe/Amsterdam"),
    ({"timezone": "posix/Asia/Tokyo"}, "timezone", "posix/Asia/Tokyo"),
    ({"weekly": {}}, "timezone", "timezone"),
    (_p(weekly={"mon": ["25:00-26:00"]}), "weekly.mon.0", "25:00-26:00"),
    (_p(weekly={"mon": ["9-5"]}), "weekly.mon.0", "9-5"),
    # "09:00-09:00" is a 24-hour shift (task 2), so it overlaps the next interval.
    (_p(weekly={"mon": ["09:00-09:00", "12:00-13:00"]}), "weekly.mon.1", "12:00-13:00"),
    (_p(weekly={"mon": ["24:00-09:00"]}), "weekly.mon.0", "24:00-09:00"),
    (_p(weekly={"mon": ["09:60-10:00"]}), "weekly.mon.0", "09:60-10:00"),
    (_p(weekly={"mon": ["09:00-24:30"]}), "weekly.mon.0", "09:00-24:30"),
    (_p(weekly={"mon": [900]}), "weekly.mon.0", "900"),
    (_p(weekly={"mon": "09:00-17:00"}), "weekly.mon", "09:00-17:00"),
    (_p(weekly={"tue": ["09:00-12:00", "11:00-13:00"]}), "weekly.tue.1", "11:00-13:00"),
    (_p(weekly={"tue": ["22:00-06:00", "23:00-23:30"]}), "weekly.tue.1", "23:00-23:30"),
    (_p(weekly={"tue": ["13:00-17:00", "09:00-14:00"]}), "weekly.tue.1", "09:00-14:00"),
    (_p(weekly={"funday": ["09:00-17:00"]}), "weekly.funday", "funday"),
    (_p(weekly=["mon"]), "weekly", "mon"),
    (_p(holidays={"country": "XX"}), "holidays.country", "XX"),
    (_p(holidays={"country": "NL", "subdivision": "ZZ"}), "holidays.subdivision", "ZZ"),
    (_p(holidays={"country": None}), "holidays.country", "None"),
    (_p(holidays={"country": "NL", "region": "x"}), "holidays.region", "region"),
    (_p(time_off=[{"start": "2026-12-24", "end": "2026-12-20"}]), "time_off.0.end", "2026-12-20"),
    (_p(time_off=[{"start": "2026-13-01", "end": "2026-12-20"}]), "time_off.0.start", "2026-13-01"),
    (_p(time_off=[{"start": "24-12-2026", "end": "2026-12-20"}]), "time_off.0.start", "24-12-2026"),
    (_p(time_off=[{"start": "2026-12-24"}]), "time_off.0.end", "None"),
    (
        _p(time_off=[{"start": "2026-12-24", "end": "2026-12-24", "reason": 3}]),
        "time_off.0.reason",
        "3",
    ),
    (_p(overrides={"2026-02-30": []}), "overrides.2026-02-30", "2026-02-30"),
    (_p(overrides={"2026-12-31": ["10:00-14:00", "bad"]}), "overrides.2026-12-31.1", "bad"),
    (
        _p(overrides={"2026-12-31": ["10:00-14:00", "13:00-15:00"]}),
        "overrides.2026-12-31.1",
        "13:00-15:00",
    ),
    (_p(extra_key=1), "extra_key", "extra_key"),
]


@pytest.mark.parametrize(("data", "field", "value"), BAD)
def test_bad_pattern(data: dict[str, Any], field: str, value: str) -> None:
    with pytest.raises(InvalidPattern) as info:
        WorkingPattern.from_dict(data)
    assert info.value.field == field
    assert value in str(info.value)
    assert isinstance(info.value, ValueError)


NAIVE = datetime(2026, 11, 30, 9, 0)
AWARE = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("call", "field", "error"),
    [
        (lambda p: p.is_working(NAIVE), "at", ValueError),
        (lambda p: p.next_working_instant(NAIVE), "at", ValueError),
        (lambda p: p.add_working_time(NAIVE, timedelta(hours=1)), "at", ValueError),
        (lambda p: p.local(NAIVE), "at", ValueError),
        (lambda p: p.working_time_between(NAIVE, AWARE), "start", ValueError),
        (lambda p: p.working_time_between(AWARE, NAIVE), "end", ValueError),
        (lambda p: p.windows(NAIVE, AWARE), "start", ValueError),
        (lambda p: p.windows(AWARE, NAIVE), "end", ValueError),
        (lambda p: overlap([p], AWARE, NAIVE), "end", ValueError),
        (lambda p: p.add_working_time(AWARE, timedelta(hours=-1)), "duration", ValueError),
        (lambda p: p.is_working("2026-11-30"), "at", TypeError),
    ],
)
def test_bad_arguments(call: Any, field: str, error: type[Exception]) -> None:
    # Caller mistakes raise plain ValueError / TypeError, not InvalidPattern (task 3).
    p = WorkingPattern.from_dict(_p())
    with pytest.raises(error) as info:
        call(p)
    assert type(info.value) is error
    assert str(info.value).startswith(field)
    if field in ("at", "start", "end"):
        assert "2026-11-30" in str(info.value)
        assert "aware datetime is needed" in str(info.value)


def test_overlap_of_nobody_is_an_error() -> None:
    with pytest.raises(InvalidPattern) as info:
        overlap([], AWARE, AWARE + timedelta(days=1))
    assert info.value.field == "patterns"


@pytest.mark.parametrize(
    "data",
    [
        {"timezone": AMS},
        {"timezone": AMS, "weekly": {"mon": []}},
        # Works, but everything for three years is time off.
        _p(time_off=[{"start": "2026-01-01", "end": "2029-12-31"}]),
        # Only an override in the past.
        {"timezone": AMS, "overrides": {"2020-01-01": ["09:00-17:00"]}},
    ],
)
def test_no_working_time_is_said_not_searched_for_ever(data: dict[str, Any]) -> None:
    # (how fast is bench_calendar's business; here: the search ends, with this error)
    p = WorkingPattern.from_dict(data)
    with pytest.raises(NoWorkingTime):
        p.next_working_instant(AWARE)
    with pytest.raises(NoWorkingTime):
        p.add_working_time(AWARE, timedelta(hours=1))
    assert p.add_working_time(AWARE, timedelta(0)) == AWARE
    assert p.working_time_between(AWARE, AWARE + timedelta(days=30)) == timedelta(0)


@pytest.mark.parametrize(
    ("data", "field", "value"),
    [
        ({"focus_blocks": {"mon": ["10:00-1200"]}}, "focus_blocks.mon.0", "10:00-1200"),
        ({"focus_blocks": {"xyz": []}}, "focus_blocks.xyz", "xyz"),
        (
            {"focus_blocks": {"mon": ["10:00-12:00", "11:00-13:00"]}},
            "focus_blocks.mon.1",
            "11:00-13:00",
        ),
        ({"digest_times": ["09:30", "25:00"]}, "digest_times.1", "25:00"),
        ({"digest_times": ["9:30"]}, "digest_times.0", "9:30"),
        ({"digest_times": "09:30"}, "digest_times", "09:30"),
        ({"other": 1}, "other", "other"),
    ],
)
def test_bad_policy(data: dict[str, Any], field: str, value: str) -> None:
    with pytest.raises(InvalidPattern) as info:
        DeliveryPolicy.from_dict(data)
    assert info.value.field == field
    assert value in str(info.value)


def test_overrides_as_a_list_name_their_index_and_refuse_a_date_twice() -> None:
    week = {"timezone": "UTC", "weekly": {"mon": ["09:00-17:00"]}}
    as_list = [{"date": "2026-12-01", "intervals": ["10:00-11:00"]}]
    as_map = {"2026-12-01": ["10:00-11:00"]}
    listed = WorkingPattern.from_dict({**week, "overrides": as_list})
    assert listed == WorkingPattern.from_dict({**week, "overrides": as_map})
    for overrides, field in (
        ([*as_list, {"date": "2026-12-01", "intervals": []}], "overrides.1.date"),
        ([*as_list, {"date": "2026-12-02", "intervals": ["9-5"]}], "overrides.1.intervals.0"),
        ([*as_list, {"date": "2026-12-02"}], "overrides.1"),
    ):
        with pytest.raises(InvalidPattern) as raised:
            WorkingPattern.from_dict({**week, "overrides": overrides})
        assert raised.value.field == field


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ({"country": "de", "subdivision": "by"}, ("DE", "BY")),
        ({"country": "AU", "subdivision": " nsw "}, ("AU", "NSW")),
        ({"country": "NL", "subdivision": ""}, ("NL", None)),  # empty is none, not stored ""
    ],
)
def test_holiday_regions_are_read_as_their_codes(given: dict, stored: tuple) -> None:
    region = HolidayRegion.parse(given, "holidays")
    assert region is not None and (region.country, region.subdivision) == stored
