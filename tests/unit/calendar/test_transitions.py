"""Real DST transitions: exact UTC instants for intervals that touch them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handoff.calendar import WorkingPattern


def _u(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# zone, local date, interval on that date, expected UTC start, expected UTC end
CASES = [
    # Europe/Amsterdam: spring forward 2026-03-29 02:00 CET -> 03:00 CEST.
    ("Europe/Amsterdam", "2026-03-29", "09:00-17:00", _u(2026, 3, 29, 7), _u(2026, 3, 29, 15)),
    ("Europe/Amsterdam", "2026-03-29", "01:00-05:00", _u(2026, 3, 29, 0), _u(2026, 3, 29, 3)),
    # a start in the gap is the clock change: the first reading at or after 02:30 is 03:00
    ("Europe/Amsterdam", "2026-03-29", "02:30-04:00", _u(2026, 3, 29, 1), _u(2026, 3, 29, 2)),
    # overnight across spring forward: 8 wall hours, 7 real hours
    ("Europe/Amsterdam", "2026-03-28", "22:00-06:00", _u(2026, 3, 28, 21), _u(2026, 3, 29, 4)),
    # Europe/Amsterdam: fall back 2026-10-25 03:00 CEST -> 02:00 CET.
    # overnight across fall back: 8 wall hours, 9 real hours
    ("Europe/Amsterdam", "2026-10-24", "22:00-06:00", _u(2026, 10, 24, 20), _u(2026, 10, 25, 5)),
    # inside the repeated hour: 02:30 takes the earlier (CEST) instant
    (
        "Europe/Amsterdam",
        "2026-10-25",
        "02:30-03:30",
        _u(2026, 10, 25, 0, 30),
        _u(2026, 10, 25, 2, 30),
    ),
    ("Europe/Amsterdam", "2026-10-25", "02:00-02:30", _u(2026, 10, 25, 0), _u(2026, 10, 25, 0, 30)),
    ("Europe/Amsterdam", "2026-10-25", "09:00-17:00", _u(2026, 10, 25, 8), _u(2026, 10, 25, 16)),
    # America/New_York: 2026-03-08 02:00 EST -> 03:00 EDT; 2026-11-01 02:00 EDT -> 01:00 EST.
    ("America/New_York", "2026-03-08", "01:00-05:00", _u(2026, 3, 8, 6), _u(2026, 3, 8, 9)),
    ("America/New_York", "2026-03-08", "02:30-06:00", _u(2026, 3, 8, 7), _u(2026, 3, 8, 10)),
    (
        "America/New_York",
        "2026-11-01",
        "01:30-02:30",
        _u(2026, 11, 1, 5, 30),
        _u(2026, 11, 1, 7, 30),
    ),
    ("America/New_York", "2026-10-31", "20:00-04:00", _u(2026, 11, 1, 0), _u(2026, 11, 1, 9)),
    # Australia/Sydney (southern hemisphere): ends 2026-04-05 03:00 AEDT -> 02:00 AEST,
    # starts 2026-10-04 02:00 AEST -> 03:00 AEDT.
    ("Australia/Sydney", "2026-04-04", "22:00-06:00", _u(2026, 4, 4, 11), _u(2026, 4, 4, 20)),
    ("Australia/Sydney", "2026-04-05", "02:30-04:00", _u(2026, 4, 4, 15, 30), _u(2026, 4, 4, 18)),
    ("Australia/Sydney", "2026-10-04", "02:30-04:00", _u(2026, 10, 3, 16), _u(2026, 10, 3, 17)),
    ("Australia/Sydney", "2026-10-03", "22:00-06:00", _u(2026, 10, 3, 12), _u(2026, 10, 3, 19)),
    # Australia/Lord_Howe: 30-minute shift. Ends 2026-04-05 02:00 (+11) -> 01:30 (+10:30),
    # starts 2026-10-04 02:00 (+10:30) -> 02:30 (+11).
    (
        "Australia/Lord_Howe",
        "2026-04-05",
        "01:00-03:00",
        _u(2026, 4, 4, 14),
        _u(2026, 4, 4, 16, 30),
    ),
    (
        "Australia/Lord_Howe",
        "2026-04-05",
        "01:45-02:00",
        _u(2026, 4, 4, 14, 45),
        _u(2026, 4, 4, 15, 30),
    ),
    (
        "Australia/Lord_Howe",
        "2026-10-04",
        "02:15-03:00",
        _u(2026, 10, 3, 15, 30),
        _u(2026, 10, 3, 16),
    ),
    ("Australia/Lord_Howe", "2026-10-05", "09:00-17:00", _u(2026, 10, 4, 22), _u(2026, 10, 5, 6)),
    # Pacific/Chatham: +13:45 -> +12:45 at 2026-04-05 03:45; +12:45 -> +13:45 at 2026-09-27 02:45.
    (
        "Pacific/Chatham",
        "2026-04-05",
        "02:00-05:00",
        _u(2026, 4, 4, 12, 15),
        _u(2026, 4, 4, 16, 15),
    ),
    (
        "Pacific/Chatham",
        "2026-04-05",
        "03:00-04:00",
        _u(2026, 4, 4, 13, 15),
        _u(2026, 4, 4, 15, 15),
    ),
    (
        "Pacific/Chatham",
        "2026-09-27",
        "03:00-05:00",
        _u(2026, 9, 26, 14),
        _u(2026, 9, 26, 15, 15),
    ),
    (
        "Pacific/Chatham",
        "2026-07-01",
        "09:00-17:00",
        _u(2026, 6, 30, 20, 15),
        _u(2026, 7, 1, 4, 15),
    ),
    # 24-hour shifts (end == start): 06:00 to 06:00 the next day, 23 or 25 real hours
    # when a transition falls inside.
    ("Europe/Amsterdam", "2026-03-28", "06:00-06:00", _u(2026, 3, 28, 5), _u(2026, 3, 29, 4)),
    ("Europe/Amsterdam", "2026-10-24", "06:00-06:00", _u(2026, 10, 24, 4), _u(2026, 10, 25, 5)),
    ("Europe/Amsterdam", "2026-06-01", "00:00-00:00", _u(2026, 5, 31, 22), _u(2026, 6, 1, 22)),
    (
        "Australia/Lord_Howe",
        "2026-04-04",
        "12:00-12:00",
        _u(2026, 4, 4, 1),
        _u(2026, 4, 5, 1, 30),
    ),
    # Asia/Kolkata: +05:30 all year.
    ("Asia/Kolkata", "2026-03-29", "09:00-17:30", _u(2026, 3, 29, 3, 30), _u(2026, 3, 29, 12)),
    (
        "Asia/Kolkata",
        "2026-10-25",
        "22:00-06:00",
        _u(2026, 10, 25, 16, 30),
        _u(2026, 10, 26, 0, 30),
    ),
]


def _on(zone: str, day: str, interval: str) -> WorkingPattern:
    return WorkingPattern.from_dict({"timezone": zone, "overrides": {day: [interval]}})


@pytest.mark.parametrize(("zone", "day", "interval", "start", "end"), CASES)
def test_interval_resolves_to_exact_utc(
    zone: str, day: str, interval: str, start: datetime, end: datetime
) -> None:
    p = _on(zone, day, interval)
    lo, hi = start - timedelta(days=3), end + timedelta(days=3)
    assert p.windows(lo, hi) == [(start, end)]
    assert p.working_time_between(lo, hi) == end - start
    assert p.next_working_instant(lo) == start
    assert p.add_working_time(lo, end - start) == end
    assert p.is_working(start)
    assert not p.is_working(end)
    assert p.is_working(end - timedelta(microseconds=1))


def test_interval_entirely_in_gap_has_no_time() -> None:
    # New York 02:15-03:00 on spring-forward day: no wall reading in [02:15, 03:00)
    # happens (the clock jumps from 02:00 to 03:00), so there is no working time at all.
    p = _on("America/New_York", "2026-03-08", "02:15-03:00")
    lo = _u(2026, 3, 7)
    assert p.windows(lo, lo + timedelta(days=3)) == []


def test_eight_hour_night_shift_on_fall_back_is_nine_real_hours() -> None:
    p = WorkingPattern.from_dict(
        {"timezone": "Europe/Amsterdam", "weekly": {"sat": ["22:00-06:00"]}}
    )
    start = _u(2026, 10, 24, 20)
    assert p.add_working_time(start, timedelta(hours=9)) == _u(2026, 10, 25, 5)
    assert p.working_time_between(start, start + timedelta(days=1)) == timedelta(hours=9)


def test_weekly_shift_the_week_after_keeps_wall_time() -> None:
    p = WorkingPattern.from_dict(
        {"timezone": "Europe/Amsterdam", "weekly": {"mon": ["09:00-17:00"]}}
    )
    # Monday before (CET, +1) and after (CEST, +2) spring forward.
    assert p.next_working_instant(_u(2026, 3, 22)) == _u(2026, 3, 23, 8)
    assert p.next_working_instant(_u(2026, 3, 29)) == _u(2026, 3, 30, 7)


def test_inputs_in_any_zone_outputs_in_utc() -> None:
    p = WorkingPattern.from_dict({"timezone": "Asia/Kolkata", "weekly": {"mon": ["09:00-17:00"]}})
    from zoneinfo import ZoneInfo

    at = datetime(2026, 3, 23, 5, 0, tzinfo=ZoneInfo("Asia/Kolkata"))  # before 09:00 IST
    nxt = p.next_working_instant(at)
    assert nxt == _u(2026, 3, 23, 3, 30)
    assert nxt.tzinfo is UTC
    at_work = datetime(2026, 3, 23, 10, 0, tzinfo=ZoneInfo("America/New_York"))
    assert p.next_working_instant(at_work).tzinfo is UTC
    assert p.local(at).tzinfo == ZoneInfo("Asia/Kolkata")


@pytest.mark.parametrize(
    ("zone", "interval", "day", "expected"),
    [
        # 02:30-03:15 on the night the clocks jump from 02:00 to 03:00: 03:00-03:15 exists
        ("Europe/Amsterdam", "02:30-03:15", (2026, 3, 29), ((1, 0), (1, 15))),
        # the whole hour that does not exist: nothing
        ("Europe/Amsterdam", "02:00-03:00", (2026, 3, 29), None),
        # a longer interval never holds less: 03:00-03:35 (it lost 25 minutes before)
        ("Europe/Amsterdam", "02:30-03:35", (2026, 3, 29), ((1, 0), (1, 35))),
        # an end in the gap is the clock change too
        ("Europe/Amsterdam", "01:00-02:30", (2026, 3, 29), ((0, 0), (1, 0))),
        # Lord Howe jumps half an hour, 02:00 -> 02:30
        ("Australia/Lord_Howe", "02:10-02:40", (2026, 10, 4), ((15, 30), (15, 40))),
    ],
)
def test_an_interval_starting_in_a_spring_forward_gap_keeps_what_exists(
    zone: str, interval: str, day: tuple[int, int, int], expected
) -> None:
    weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[datetime(*day).weekday()]
    pattern = WorkingPattern.from_dict({"timezone": zone, "weekly": {weekday: [interval]}})
    start = datetime(*day, tzinfo=UTC) - timedelta(days=1)
    found = pattern.windows(start, start + timedelta(days=2))
    if expected is None:
        assert found == []
    else:
        (sh, sm), (eh, em) = expected
        utc_day = found[0][0].date()
        assert found == [
            (
                datetime(utc_day.year, utc_day.month, utc_day.day, sh, sm, tzinfo=UTC),
                datetime(utc_day.year, utc_day.month, utc_day.day, eh, em, tzinfo=UTC),
            )
        ]
