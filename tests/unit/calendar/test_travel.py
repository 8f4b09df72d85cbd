"""Travel periods: the changeover rule, exact instants, holidays, modes and validation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from handoff.calendar import (
    HolidayRegion,
    InvalidPattern,
    TravelPeriod,
    WorkingPattern,
)

AMS = "Europe/Amsterdam"
TOKYO = "Asia/Tokyo"
LA = "America/Los_Angeles"
ANA_WEEK = {d: ["09:00-17:00", "19:00-21:00"] for d in ("mon", "tue", "wed", "thu", "fri")}


def _u(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def _trip(zone: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
    return {"start": start, "end": end, "timezone": zone, **extra}


def _ana(*travel: dict[str, Any], weekly: dict[str, list[str]] = ANA_WEEK) -> WorkingPattern:
    return WorkingPattern.from_dict({"timezone": AMS, "weekly": weekly, "travel": list(travel)})


def _day(p: WorkingPattern, y: int, m: int, d: int) -> list[tuple[datetime, datetime]]:
    start = _u(y, m, d)
    return p.windows(start, start + timedelta(days=1))


# -- the worked example --------------------------------------------------------


def test_ana_in_tokyo_local_hours() -> None:
    ana = _ana(_trip(TOKYO, "2026-12-07", "2026-12-11", hours="LOCAL"))
    # Monday 7 Dec: 09:00-17:00 and 19:00-21:00 Tokyo time.
    assert _day(ana, 2026, 12, 7) == [
        (_u(2026, 12, 7, 0), _u(2026, 12, 7, 8)),
        (_u(2026, 12, 7, 10), _u(2026, 12, 7, 12)),
    ]
    assert _day(ana, 2026, 12, 11) == [
        (s + timedelta(days=4), e + timedelta(days=4)) for s, e in _day(ana, 2026, 12, 7)
    ]
    # Saturday 12 Dec she is home again: nothing at the weekend, Monday 14 in Amsterdam.
    sat = _u(2026, 12, 12, 12)
    assert ana.travel_at(sat) is None
    assert ana.zone_at(sat) == ZoneInfo(AMS)
    assert ana.local(sat).tzinfo == ZoneInfo(AMS)
    assert ana.next_working_instant(sat) == _u(2026, 12, 14, 8)
    # In force from Tokyo's midnight starting Monday (Sunday 15:00 UTC).
    assert ana.travel_at(_u(2026, 12, 6, 14, 59)) is None
    period = ana.travel_at(_u(2026, 12, 6, 15))
    assert period is not None and period.timezone == TOKYO
    assert ana.local(_u(2026, 12, 6, 15)).isoformat() == "2026-12-07T00:00:00+09:00"
    assert ana.local_date(_u(2026, 12, 6, 15)) == date(2026, 12, 7)
    # A week's working time is still 5 x 10 h.
    week = ana.working_time_between(_u(2026, 12, 6), _u(2026, 12, 13))
    assert week == timedelta(hours=50)
    assert ana.next_working_instant(_u(2026, 12, 5)) == _u(2026, 12, 7, 0)
    assert ana.add_working_time(_u(2026, 12, 7, 7), timedelta(hours=2)) == _u(2026, 12, 7, 11)


def test_ana_in_tokyo_home_hours() -> None:
    ana = _ana(_trip(TOKYO, "2026-12-07", "2026-12-11", hours="HOME"))
    # Amsterdam hours while in Tokyo: 09:00 CET is 08:00 UTC (17:00 in Tokyo).
    assert _day(ana, 2026, 12, 7) == [
        (_u(2026, 12, 7, 8), _u(2026, 12, 7, 16)),
        (_u(2026, 12, 7, 18), _u(2026, 12, 7, 20)),
    ]
    at = _u(2026, 12, 7, 8)
    assert ana.zone_at(at) == ZoneInfo(TOKYO)  # where she is
    assert ana.hours_zone_at(at) == ZoneInfo(AMS)  # whose clock her hours follow
    assert ana.local(at).isoformat() == "2026-12-07T17:00:00+09:00"
    # With HOME hours the dates are read in the home zone.
    assert ana.travel_at(_u(2026, 12, 6, 22, 59)) is None
    assert ana.travel_at(_u(2026, 12, 6, 23)) is not None
    assert ana.travel_at(_u(2026, 12, 11, 22, 59)) is not None
    assert ana.travel_at(_u(2026, 12, 11, 23)) is None


# -- changeovers -------------------------------------------------------------------


def test_westward_trip_overlap_at_the_changeover_counts_once() -> None:
    # Los Angeles with local hours Mon 7 - Thu 10 Dec; home on Friday 11.
    weekly = {d: ["07:00-15:00", "18:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    p = _ana(_trip(LA, "2026-12-07", "2026-12-10"), weekly=weekly)
    # LA Thursday 18:00-24:00 PST is Fri 02:00-08:00 UTC; Amsterdam Friday 07:00-15:00 CET
    # is Fri 06:00-14:00 UTC. The two hours both cover count once.
    fri = _u(2026, 12, 11)
    assert p.windows(fri, fri + timedelta(hours=15)) == [
        (_u(2026, 12, 11, 2), _u(2026, 12, 11, 14))
    ]
    assert p.working_time_between(fri, fri + timedelta(hours=15)) == timedelta(hours=12)
    assert p.add_working_time(_u(2026, 12, 11, 5), timedelta(hours=4)) == _u(2026, 12, 11, 9)
    # Outbound (westward): Amsterdam's Sunday ends 23:00 UTC, LA's Monday begins 08:00 UTC;
    # until then Sunday (home) is the date in force.
    assert p.local_date(_u(2026, 12, 7, 7, 59)) == date(2026, 12, 6)
    assert p.zone_at(_u(2026, 12, 7, 7, 59)) == ZoneInfo(AMS)
    assert p.zone_at(_u(2026, 12, 7, 8)) == ZoneInfo(LA)
    assert p.next_working_instant(_u(2026, 12, 6)) == _u(2026, 12, 7, 15)  # 07:00 PST
    # Inbound: LA's Thursday stays in force until Amsterdam's Friday begins (Thu 23:00 UTC).
    assert p.zone_at(_u(2026, 12, 11, 7)) == ZoneInfo(AMS)
    assert p.local_date(_u(2026, 12, 11, 7)) == date(2026, 12, 11)


def test_eastward_trip_shortens_the_day() -> None:
    # Sunday night shift at home, then Tokyo from Monday: the first Tokyo day begins
    # Sunday 15:00 UTC, so Monday 09:00 JST (00:00 UTC) falls inside the Sunday shift.
    weekly = {"sun": ["20:00-04:00"], "mon": ["09:00-17:00"]}
    p = _ana(_trip(TOKYO, "2026-12-07", "2026-12-08"), weekly=weekly)
    sun = _u(2026, 12, 6)
    assert p.windows(sun, sun + timedelta(days=2)) == [(_u(2026, 12, 6, 19), _u(2026, 12, 7, 8))]
    assert p.working_time_between(sun, sun + timedelta(days=2)) == timedelta(hours=13)
    # The shift belongs to Sunday (home) although Monday in Tokyo is the date in force.
    assert p.is_working(_u(2026, 12, 7, 2))
    assert p.local_date(_u(2026, 12, 7, 2)) == date(2026, 12, 7)
    assert p.day_source(date(2026, 12, 6)).travel is None
    src = p.day_source(date(2026, 12, 7))
    assert src.travel is not None and src.travel.timezone == TOKYO


def test_overnight_shifts_across_the_changeover() -> None:
    night = {d: ["22:00-06:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    la = _ana(_trip(LA, "2026-12-07", "2026-12-09"), weekly=night)
    lo, hi = _u(2026, 12, 6, 12), _u(2026, 12, 11, 6)
    assert la.windows(lo, hi) == [
        (_u(2026, 12, 6, 21), _u(2026, 12, 7, 5)),  # Sunday, Amsterdam
        (_u(2026, 12, 8, 6), _u(2026, 12, 8, 14)),  # Monday 22:00 PST ...
        (_u(2026, 12, 9, 6), _u(2026, 12, 9, 14)),
        (_u(2026, 12, 10, 6), _u(2026, 12, 10, 14)),  # ... Wednesday
        (_u(2026, 12, 10, 21), _u(2026, 12, 11, 5)),  # Thursday, Amsterdam again
    ]
    tokyo = _ana(_trip(TOKYO, "2026-12-07", "2026-12-09"), weekly=night)
    assert tokyo.windows(lo, hi) == [
        (_u(2026, 12, 6, 21), _u(2026, 12, 7, 5)),  # Sunday, Amsterdam
        (_u(2026, 12, 7, 13), _u(2026, 12, 7, 21)),  # Monday 22:00 JST ...
        (_u(2026, 12, 8, 13), _u(2026, 12, 8, 21)),
        (_u(2026, 12, 9, 13), _u(2026, 12, 9, 21)),  # ... Wednesday
        (_u(2026, 12, 10, 21), _u(2026, 12, 11, 5)),
    ]


def test_back_to_back_periods_and_zones_more_than_a_day_apart() -> None:
    # Kiritimati (+14) right after Etc/GMT+12 (-12): the +14 Saturday begins before the
    # -12 Friday does, so that Friday is never the date in force, but its hours count.
    weekly = {d: ["09:00-17:00"] for d in ("thu", "fri", "sat")}
    p = _ana(
        _trip("Etc/GMT+12", "2026-12-10", "2026-12-11"),
        _trip("Pacific/Kiritimati", "2026-12-12", "2026-12-12"),
        weekly=weekly,
    )
    # Thursday (-12) runs to Fri 05:00 UTC; Saturday 09:00 +14 is Fri 19:00 UTC and
    # Friday 09:00-17:00 -12 (Fri 21:00 - Sat 05:00 UTC) overlaps it: one window.
    assert p.windows(_u(2026, 12, 11), _u(2026, 12, 13)) == [
        (_u(2026, 12, 11), _u(2026, 12, 11, 5)),
        (_u(2026, 12, 11, 19), _u(2026, 12, 12, 5)),
    ]
    assert p.local_date(_u(2026, 12, 11, 11)) == date(2026, 12, 12)  # Kiritimati midnight 10:00Z
    assert p.local_date(_u(2026, 12, 11, 9, 59)) == date(2026, 12, 10)


# -- DST in both zones --------------------------------------------------------------

# home zone, visited zone, hours, date (also the override's), interval, UTC start, UTC end
DST_CASES = [
    # New York springs forward on 8 Mar; Amsterdam is still on CET.
    (
        AMS,
        "America/New_York",
        "LOCAL",
        "2026-03-08",
        "01:00-05:00",
        _u(2026, 3, 8, 6),
        _u(2026, 3, 8, 9),
    ),
    # The same date with HOME hours: Amsterdam's clock, no transition there.
    (
        AMS,
        "America/New_York",
        "HOME",
        "2026-03-08",
        "01:00-05:00",
        _u(2026, 3, 8, 0),
        _u(2026, 3, 8, 4),
    ),
    # Amsterdam springs forward on 29 Mar while its New York resident visits.
    (
        "America/New_York",
        AMS,
        "LOCAL",
        "2026-03-29",
        "01:00-05:00",
        _u(2026, 3, 29, 0),
        _u(2026, 3, 29, 3),
    ),
    (
        "America/New_York",
        AMS,
        "LOCAL",
        "2026-03-29",
        "02:30-04:00",
        _u(2026, 3, 29, 1),
        _u(2026, 3, 29, 2),
    ),
    # Sydney falls back on 5 Apr: a night shift there is 9 real hours.
    (
        AMS,
        "Australia/Sydney",
        "LOCAL",
        "2026-04-04",
        "22:00-06:00",
        _u(2026, 4, 4, 11),
        _u(2026, 4, 4, 20),
    ),
    # Amsterdam falls back on 25 Oct; the visitor from Sydney works its ambiguous hour.
    (
        "Australia/Sydney",
        AMS,
        "LOCAL",
        "2026-10-24",
        "22:00-06:00",
        _u(2026, 10, 24, 20),
        _u(2026, 10, 25, 5),
    ),
    (
        "Australia/Sydney",
        AMS,
        "LOCAL",
        "2026-10-25",
        "02:30-03:30",
        _u(2026, 10, 25, 0, 30),
        _u(2026, 10, 25, 2, 30),
    ),
    # Both zones change in the same week: Sydney home hours, visiting Amsterdam on 4 Apr.
    (
        "Australia/Sydney",
        AMS,
        "HOME",
        "2026-04-04",
        "22:00-06:00",
        _u(2026, 4, 4, 11),
        _u(2026, 4, 4, 20),
    ),
    # Lord Howe's 30-minute fall back inside a visit.
    (
        AMS,
        "Australia/Lord_Howe",
        "LOCAL",
        "2026-04-05",
        "01:00-03:00",
        _u(2026, 4, 4, 14),
        _u(2026, 4, 4, 16, 30),
    ),
    # A period that starts on New York's fall-back day.
    (
        AMS,
        "America/New_York",
        "LOCAL",
        "2026-11-01",
        "01:30-02:30",
        _u(2026, 11, 1, 5, 30),
        _u(2026, 11, 1, 7, 30),
    ),
    # 24-hour shift across Amsterdam's spring forward, visiting from Tokyo.
    (TOKYO, AMS, "LOCAL", "2026-03-28", "06:00-06:00", _u(2026, 3, 28, 5), _u(2026, 3, 29, 4)),
]


@pytest.mark.parametrize(("home", "visited", "hours", "day", "interval", "start", "end"), DST_CASES)
def test_travel_across_dst(
    home: str, visited: str, hours: str, day: str, interval: str, start: datetime, end: datetime
) -> None:
    d = date.fromisoformat(day)
    p = WorkingPattern.from_dict(
        {
            "timezone": home,
            "overrides": {day: [interval]},
            "travel": [
                _trip(
                    visited,
                    (d - timedelta(days=2)).isoformat(),
                    (d + timedelta(days=2)).isoformat(),
                    hours=hours,
                )
            ],
        }
    )
    lo, hi = start - timedelta(days=3), end + timedelta(days=3)
    assert p.windows(lo, hi) == [(start, end)]
    assert p.working_time_between(lo, hi) == end - start
    assert p.next_working_instant(lo) == start
    assert p.add_working_time(lo, end - start) == end
    assert p.is_working(start) and not p.is_working(end)
    assert p.zone_on(d) == ZoneInfo(visited if hours == "LOCAL" else home)


# -- holidays ---------------------------------------------------------------------


def _with_holidays(*travel: dict[str, Any]) -> WorkingPattern:
    return WorkingPattern.from_dict(
        {
            "timezone": AMS,
            "weekly": {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
            "holidays": {"country": "NL"},
            "travel": list(travel),
        }
    )


def test_period_starting_on_a_home_holiday() -> None:
    # King's Day (Mon 27 Apr 2026) is the first day in Tokyo; home holidays still apply.
    p = _with_holidays(_trip(TOKYO, "2026-04-27", "2026-05-01"))
    src = p.day_source(date(2026, 4, 27))
    assert (src.kind, src.label) == ("holiday", "King's Day")
    assert src.travel is not None and src.travel.timezone == TOKYO
    assert p.next_working_instant(_u(2026, 4, 26, 12)) == _u(2026, 4, 28, 0)  # Tue 09:00 JST


def test_visited_holidays_replace_home_ones() -> None:
    jp = {"holidays": "VISITED", "visited_region": {"country": "JP"}}
    p = _with_holidays(_trip(TOKYO, "2026-04-27", "2026-05-01", **jp))
    # King's Day is a working day in Japan; Showa Day (Wed 29 Apr) is not.
    assert p.day_source(date(2026, 4, 27)).kind == "weekly"
    assert p.next_working_instant(_u(2026, 4, 26, 12)) == _u(2026, 4, 27, 0)
    showa = p.day_source(date(2026, 4, 29))
    assert (showa.kind, showa.label) == ("holiday", "Showa Day")
    assert not p.is_working(_u(2026, 4, 29, 3))
    # A period that starts on a visited holiday: Labour Thanksgiving Day, Mon 23 Nov 2026.
    q = _with_holidays(_trip(TOKYO, "2026-11-23", "2026-11-27", **jp))
    assert q.day_source(date(2026, 11, 23)).kind == "holiday"
    assert q.next_working_instant(_u(2026, 11, 22, 12)) == _u(2026, 11, 24, 0)
    # Home holidays apply again once home; HOME-holiday periods keep them throughout.
    assert q.day_source(date(2026, 12, 25)).label == "Christmas Day"


def test_visited_holidays_with_home_hours() -> None:
    p = _with_holidays(
        _trip(
            TOKYO,
            "2026-04-27",
            "2026-05-01",
            hours="HOME",
            holidays="VISITED",
            visited_region={"country": "JP"},
        )
    )
    # Amsterdam hours, Japanese holidays: King's Day works 09:00 CEST (07:00 UTC).
    assert p.next_working_instant(_u(2026, 4, 26, 12)) == _u(2026, 4, 27, 7)
    assert not p.is_working(_u(2026, 4, 29, 8))  # Showa Day


def test_time_off_and_overrides_are_read_in_the_zone_of_the_date() -> None:
    p = WorkingPattern.from_dict(
        {
            "timezone": AMS,
            "weekly": ANA_WEEK,
            "time_off": [{"start": "2026-12-08", "end": "2026-12-08", "reason": "onsen"}],
            "overrides": {"2026-12-09": ["10:00-12:00"]},
            "travel": [_trip(TOKYO, "2026-12-07", "2026-12-11")],
        }
    )
    assert _day(p, 2026, 12, 8) == []
    assert p.day_source(date(2026, 12, 8)).label == "onsen"
    assert _day(p, 2026, 12, 9) == [(_u(2026, 12, 9, 1), _u(2026, 12, 9, 3))]


# -- validation -------------------------------------------------------------------


def _bad(*travel: Any) -> dict[str, Any]:
    return {"timezone": AMS, "weekly": ANA_WEEK, "travel": list(travel)}


BAD = [
    (_bad(_trip(TOKYO, "2026-12-11", "2026-12-07")), "travel.0.end", "2026-12-07"),
    (_bad(_trip("Mars/Olympus", "2026-12-07", "2026-12-11")), "travel.0.timezone", "Mars/Olympus"),
    (_bad({"start": "2026-12-07", "end": "2026-12-11"}), "travel.0.timezone", "None"),
    (
        _bad(_trip(TOKYO, "2026-12-07", "2026-12-11", visited_region={"country": "XX"})),
        "travel.0.visited_region.country",
        "XX",
    ),
    (
        _bad(
            _trip(
                TOKYO,
                "2026-12-07",
                "2026-12-11",
                holidays="VISITED",
                visited_region={"country": "US", "subdivision": "ZZ"},
            )
        ),
        "travel.0.visited_region.subdivision",
        "ZZ",
    ),
    (_bad(_trip(TOKYO, "2026-01-01", "2027-01-02")), "travel.0.end", "367 days"),
    (
        _bad(_trip(TOKYO, "2026-12-01", "2026-12-07"), _trip(LA, "2026-12-07", "2026-12-11")),
        "travel.1.start",
        "2026-12-07..2026-12-11",
    ),
    (
        # Reported on the later-starting period, whatever the input order.
        _bad(_trip(LA, "2026-12-09", "2026-12-20"), _trip(TOKYO, "2026-12-01", "2026-12-10")),
        "travel.0.start",
        "2026-12-09..2026-12-20",
    ),
    (
        _bad(_trip(TOKYO, "2026-12-07", "2026-12-11", holidays="VISITED")),
        "travel.0.visited_region",
        "VISITED",
    ),
    (_bad(_trip(TOKYO, "2026-12-07", "2026-12-11", hours="local")), "travel.0.hours", "local"),
    (_bad(_trip(TOKYO, "2026-12-07", "2026-12-11", holidays="BOTH")), "travel.0.holidays", "BOTH"),
    (_bad(_trip(TOKYO, "2026-12-07", "2026-12-11", city="Tokyo")), "travel.0.city", "city"),
    (_bad(_trip(TOKYO, "2026-12-7", "2026-12-11")), "travel.0.start", "2026-12-7"),
    (_bad(_trip(TOKYO, "2026-12-07", "2026-02-30")), "travel.0.end", "2026-02-30"),
    (_bad("2026-12-07"), "travel.0", "2026-12-07"),
    ({"timezone": AMS, "travel": {"start": "2026-12-07"}}, "travel", "start"),
    ({"timezone": AMS, "travel": "Tokyo"}, "travel", "Tokyo"),
]


@pytest.mark.parametrize(("data", "field", "value"), BAD)
def test_bad_travel(data: dict[str, Any], field: str, value: str) -> None:
    with pytest.raises(InvalidPattern) as info:
        WorkingPattern.from_dict(data)
    assert info.value.field == field
    assert value in str(info.value)


def test_good_travel_edges() -> None:
    # Back to back is fine; 366 days is the longest; absent or empty travel is no travel.
    p = WorkingPattern.from_dict(
        _bad(
            _trip(TOKYO, "2026-12-01", "2026-12-06"),
            _trip(LA, "2026-12-07", "2026-12-11"),
            _trip(TOKYO, "2027-01-01", "2028-01-01"),
        )
    )
    assert [t.timezone for t in p.travel] == [TOKYO, LA, TOKYO]
    plain = WorkingPattern.from_dict({"timezone": AMS, "weekly": ANA_WEEK})
    assert WorkingPattern.from_dict({"timezone": AMS, "weekly": ANA_WEEK, "travel": []}) == plain
    assert "travel" not in plain.to_dict()
    assert plain.travel == ()


def test_travel_period_values() -> None:
    t = TravelPeriod(date(2026, 12, 7), date(2026, 12, 11), TOKYO)
    assert (t.hours, t.holidays, t.visited_region) == ("LOCAL", "HOME", None)
    assert t.zone == ZoneInfo(TOKYO) and t.covers(date(2026, 12, 11))
    assert t.to_dict() == {
        "start": "2026-12-07",
        "end": "2026-12-11",
        "timezone": TOKYO,
        "hours": "LOCAL",
        "holidays": "HOME",
        "visited_region": None,
    }
    with pytest.raises(InvalidPattern) as info:
        TravelPeriod(date(2026, 12, 7), date(2026, 12, 11), TOKYO, holidays="VISITED")
    assert info.value.field == "travel.visited_region"
    jp = TravelPeriod(
        date(2026, 12, 12), date(2026, 12, 13), TOKYO, "HOME", "VISITED", HolidayRegion("JP")
    )
    with pytest.raises(InvalidPattern) as info:
        WorkingPattern(AMS, travel=(jp, TravelPeriod(date(2026, 12, 13), date(2026, 12, 14), LA)))
    assert info.value.field == "travel.1.start"
    assert WorkingPattern(AMS, travel=(jp,)).travel == (jp,)
