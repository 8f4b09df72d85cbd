"""Delivery while travelling: focus blocks and digests follow the zone in force; explanations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from handoff.calendar import (
    DeliveryPolicy,
    NoWorkingTime,
    WorkingPattern,
    next_delivery,
    schedule_handoff,
)

from .reference import (
    ref_digest_instants,
    ref_focus_data,
    ref_is_working,
    ref_windows,
)
from .strategies import day_intervals, instants, patterns

AMS = "Europe/Amsterdam"
TOKYO = "Asia/Tokyo"
ANA_WEEK = {d: ["09:00-17:00", "19:00-21:00"] for d in ("mon", "tue", "wed", "thu", "fri")}


def _u(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def _ana(hours: str = "LOCAL", **extra: Any) -> WorkingPattern:
    trip = {"start": "2026-12-07", "end": "2026-12-11", "timezone": TOKYO, "hours": hours, **extra}
    return WorkingPattern.from_dict({"timezone": AMS, "weekly": ANA_WEEK, "travel": [trip]})


def test_explanation_names_the_period_before_it_starts() -> None:
    d = next_delivery(_ana(), DeliveryPolicy(), _u(2026, 12, 6, 12), name="Ana")
    assert d.at == _u(2026, 12, 7, 0)
    assert d.reasons == (
        "Sunday 6 Dec is Ana's day off.",
        "Ana's next working time starts Monday 7 Dec 09:00 Asia/Tokyo.",
        "Ana is in Asia/Tokyo from Monday 7 Dec until Friday 11 Dec.",
        "Lands Monday 7 Dec 09:00 Asia/Tokyo (00:00 UTC).",
    )


def test_explanation_while_away() -> None:
    # Sunday 16:00 UTC is already Monday 01:00 in Tokyo.
    times = schedule_handoff(
        _ana(), DeliveryPolicy(), _u(2026, 12, 6, 16), timedelta(hours=9), name="Ana"
    )
    assert times.deliver_at == _u(2026, 12, 7, 0)
    assert times.respond_by == _u(2026, 12, 7, 11)
    assert times.explanation == (
        "Monday 7 Dec 01:00 Asia/Tokyo is outside Ana's working hours (09:00–17:00, 19:00–21:00).",
        "Ana's next working time starts Monday 7 Dec 09:00 Asia/Tokyo.",
        "Ana is in Asia/Tokyo until Friday 11 Dec.",
        "Lands Monday 7 Dec 09:00 Asia/Tokyo (00:00 UTC).",
        "Expects a response within 9h of Ana's working time: respond by Monday 7 Dec 20:00 "
        "Asia/Tokyo (11:00 UTC).",
    )


def test_explanation_when_home_again_and_with_home_hours() -> None:
    # Friday 11 Dec 13:00 UTC (22:00 in Tokyo): next working time is Monday in Amsterdam.
    d = next_delivery(_ana(), DeliveryPolicy(), _u(2026, 12, 11, 13), name="Ana")
    assert d.at == _u(2026, 12, 14, 8)
    assert d.reasons[-2:] == (
        "Ana is in Asia/Tokyo until Friday 11 Dec and back in Europe/Amsterdam from Saturday 12 Dec.",
        "Lands Monday 14 Dec 09:00 Europe/Amsterdam (08:00 UTC).",
    )
    home = next_delivery(
        _ana("HOME", holidays="VISITED", visited_region={"country": "JP"}),
        DeliveryPolicy(),
        _u(2026, 12, 7, 1),
        name="Ana",
    )
    assert home.at == _u(2026, 12, 7, 8)
    assert home.reasons[-2:] == (
        "Ana is in Asia/Tokyo until Friday 11 Dec, keeping Europe/Amsterdam hours, "
        "with the public holidays of JP.",
        "Lands Monday 7 Dec 09:00 Europe/Amsterdam (08:00 UTC).",
    )


def test_visited_holiday_is_named_with_its_region() -> None:
    p = WorkingPattern.from_dict(
        {
            "timezone": AMS,
            "weekly": ANA_WEEK,
            "holidays": {"country": "NL"},
            "travel": [
                {
                    "start": "2026-11-23",
                    "end": "2026-11-27",
                    "timezone": TOKYO,
                    "holidays": "VISITED",
                    "visited_region": {"country": "JP"},
                }
            ],
        }
    )
    d = next_delivery(p, DeliveryPolicy(), _u(2026, 11, 23, 1), name="Ana")
    assert d.at == _u(2026, 11, 24, 0)
    assert d.reasons[0] == (
        "Monday 23 Nov is a public holiday for Ana in JP (Labor Thanksgiving Day)."
    )


def test_focus_blocks_and_digests_follow_local_hours() -> None:
    focus = DeliveryPolicy.from_dict({"focus_blocks": {"mon": ["09:00-11:00"]}})
    sunday = _u(2026, 12, 6, 12)
    # LOCAL: focus is 09:00-11:00 in Tokyo (00:00-02:00 UTC).
    d = next_delivery(_ana(), focus, sunday, name="Ana")
    assert d.at == _u(2026, 12, 7, 2)
    assert (
        "09:00–11:00 on Monday 7 Dec is Ana's focus time (never interrupted), so it waits "
        "until 11:00." in d.reasons
    )
    # HOME: focus is 09:00-11:00 in Amsterdam (08:00-10:00 UTC).
    assert next_delivery(_ana("HOME"), focus, sunday).at == _u(2026, 12, 7, 10)
    digest = DeliveryPolicy.from_dict({"digest_times": ["14:00"]})
    d = next_delivery(_ana(), digest, sunday, name="Ana")
    assert d.at == _u(2026, 12, 7, 5)
    assert "Waits for digest time 14:00 on Monday 7 Dec." in d.reasons
    assert next_delivery(_ana("HOME"), digest, sunday).at == _u(2026, 12, 7, 13)


def test_digests_across_an_eastward_changeover_come_in_time_order() -> None:
    # A 20:00 digest on Sunday at home (19:00 UTC) comes after Monday's 01:00 digest in
    # Tokyo (Sun 16:00 UTC); both dates are worked around the clock here.
    p = WorkingPattern.from_dict(
        {
            "timezone": AMS,
            "weekly": {"sun": ["00:00-24:00"], "mon": ["00:00-24:00"]},
            "travel": [{"start": "2026-12-07", "end": "2026-12-07", "timezone": TOKYO}],
        }
    )
    policy = DeliveryPolicy.from_dict({"digest_times": ["01:00", "20:00"]})
    assert next_delivery(p, policy, _u(2026, 12, 6, 15)).at == _u(2026, 12, 6, 16)
    assert next_delivery(p, policy, _u(2026, 12, 6, 16, 1)).at == _u(2026, 12, 6, 19)
    assert next_delivery(p, policy, _u(2026, 12, 6, 19, 1)).at == _u(2026, 12, 7, 11)


# -- properties against the reference ------------------------------------------------


@st.composite
def policies(draw: st.DrawFn, digests: bool) -> dict[str, Any]:
    days = draw(
        st.lists(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), unique=True)
    )
    data: dict[str, Any] = {"focus_blocks": {d: draw(day_intervals()) for d in days}}
    if digests:
        times = draw(st.lists(st.integers(0, 95).map(lambda q: q * 15), min_size=1, max_size=3))
        data["digest_times"] = [f"{m // 60:02d}:{m % 60:02d}" for m in times]
    return data


def _in(windows: list[tuple[datetime, datetime]], t: datetime) -> bool:
    return any(s <= t < e for s, e in windows)


@settings(max_examples=100, deadline=None)
@given(patterns(travel=True), policies(digests=False), instants())
def test_delivery_is_the_first_working_instant_outside_focus(
    pdata: dict[str, Any], qdata: dict[str, Any], at: datetime
) -> None:
    p, policy = WorkingPattern.from_dict(pdata), DeliveryPolicy.from_dict(qdata)
    try:
        d = next_delivery(p, policy, at)
    except NoWorkingTime:
        return
    focus = ref_windows(ref_focus_data(pdata, qdata["focus_blocks"]), at, d.at + timedelta(days=1))
    assert ref_is_working(pdata, d.at) and not _in(focus, d.at)
    # Nothing earlier qualifies: every working window before d.at is covered by focus.
    for s, e in ref_windows(pdata, at, d.at):
        covered = sum(
            (min(e, fe) - max(s, fs) for fs, fe in focus if fs < e and fe > s), timedelta(0)
        )
        assert covered == e - s
    urgent = next_delivery(p, policy, at, urgent=True)
    assert urgent.at == p.next_working_instant(at) <= d.at


@settings(max_examples=100, deadline=None)
@given(patterns(travel=True), policies(digests=True), instants())
def test_delivery_with_digests_is_the_first_qualifying_digest(
    pdata: dict[str, Any], qdata: dict[str, Any], at: datetime
) -> None:
    p, policy = WorkingPattern.from_dict(pdata), DeliveryPolicy.from_dict(qdata)
    horizon = at + timedelta(days=20)
    focus = ref_windows(ref_focus_data(pdata, qdata["focus_blocks"]), at, horizon)
    expected = next(
        (
            t
            for t in ref_digest_instants(pdata, qdata["digest_times"], at, horizon)
            if ref_is_working(pdata, t) and not _in(focus, t)
        ),
        None,
    )
    try:
        d = next_delivery(p, policy, at)
    except NoWorkingTime:
        assert expected is None
        return
    if expected is not None:
        assert d.at == expected
    else:
        assert d.at >= horizon
