"""Delivery policy: focus blocks, digest times, explanations, properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handoff.calendar import (
    DeliveryPolicy,
    NoWorkingTime,
    WorkingPattern,
    next_delivery,
    schedule_handoff,
)
from handoff.calendar.errors import InvalidPattern

from .strategies import day_intervals, instants, patterns

AMS = "Europe/Amsterdam"
MON_THU = {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu")}


def _ana() -> WorkingPattern:
    return WorkingPattern.from_dict({"timezone": AMS, "weekly": MON_THU})


def test_friday_day_off_then_monday_focus_block() -> None:
    policy = DeliveryPolicy.from_dict({"focus_blocks": {"mon": ["09:00-12:00"]}})
    friday = datetime(2026, 11, 27, 14, tzinfo=UTC)  # 15:00 in Amsterdam
    times = schedule_handoff(_ana(), policy, friday, timedelta(hours=4), name="Ana")
    assert times.deliver_at == datetime(2026, 11, 30, 11, tzinfo=UTC)
    assert times.respond_by == datetime(2026, 11, 30, 15, tzinfo=UTC)
    assert times.explanation == (
        "Friday 27 Nov is Ana's day off.",
        "Ana's next working time starts Monday 30 Nov 09:00 Europe/Amsterdam.",
        "09:00–12:00 on Monday 30 Nov is Ana's focus time (never interrupted), so it waits until 12:00.",
        "Lands Monday 30 Nov 12:00 Europe/Amsterdam (11:00 UTC).",
        "Expects a response within 4h of Ana's working time: respond by Monday 30 Nov 16:00 "
        "Europe/Amsterdam (15:00 UTC).",
    )


def test_a_weekday_off_between_now_and_the_next_working_time_is_named() -> None:
    thursday_evening = datetime(2026, 11, 26, 18, tzinfo=UTC)  # 19:00 in Amsterdam
    d = next_delivery(_ana(), DeliveryPolicy(), thursday_evening, name="Ana")
    assert d.at == datetime(2026, 11, 30, 8, tzinfo=UTC)
    assert d.reasons == (
        "Thursday 26 Nov 19:00 Europe/Amsterdam is outside Ana's working hours (09:00–17:00).",
        "Friday 27 Nov is Ana's day off.",  # the weekday off is said; the weekend is not
        "Ana's next working time starts Monday 30 Nov 09:00 Europe/Amsterdam.",
        "Lands Monday 30 Nov 09:00 Europe/Amsterdam (08:00 UTC).",
    )


def _off_days(reasons: tuple[str, ...]) -> list[str]:
    return [r.split(" is ")[0] for r in reasons if r.endswith("day off.")]


def test_a_sunday_to_thursday_week_keeps_its_friday_and_saturday_silent() -> None:
    # Tel Aviv without a holiday region: two days off in a row are the weekend.
    week = {d: ["09:00-17:00"] for d in ("sun", "mon", "tue", "wed", "thu")}
    dana = WorkingPattern.from_dict({"timezone": "Asia/Jerusalem", "weekly": week})
    thursday_evening = datetime(2026, 11, 26, 17, tzinfo=UTC)  # 19:00 in Tel Aviv
    d = next_delivery(dana, DeliveryPolicy(), thursday_evening, name="Dana")
    assert d.at == datetime(2026, 11, 29, 7, tzinfo=UTC)  # Sunday 09:00
    assert _off_days(d.reasons) == []


def test_a_trail_day_is_named_by_the_weekend_of_the_holiday_region() -> None:
    # Sunday to Wednesday in Israel: Thursday is the trail day, Friday and Saturday the
    # weekend; the same week without a region reads the weekend as Saturday and Sunday.
    week = {d: ["09:00-17:00"] for d in ("sun", "mon", "tue", "wed")}
    wednesday_evening = datetime(2026, 11, 25, 17, tzinfo=UTC)
    with_region = WorkingPattern.from_dict(
        {"timezone": "Asia/Jerusalem", "weekly": week, "holidays": {"country": "IL"}}
    )
    d = next_delivery(with_region, DeliveryPolicy(), wednesday_evening, name="Dana")
    assert d.at == datetime(2026, 11, 29, 7, tzinfo=UTC)
    assert _off_days(d.reasons) == ["Thursday 26 Nov"]
    without = WorkingPattern.from_dict({"timezone": "Asia/Jerusalem", "weekly": week})
    d = next_delivery(without, DeliveryPolicy(), wednesday_evening, name="Dana")
    assert _off_days(d.reasons) == ["Thursday 26 Nov", "Friday 27 Nov"]


def test_two_days_off_apart_name_the_one_that_is_not_a_weekend_day() -> None:
    week = {d: ["09:00-17:00"] for d in ("mon", "tue", "thu", "fri", "sat")}
    pat = WorkingPattern.from_dict({"timezone": AMS, "weekly": week})
    tuesday_evening = datetime(2026, 11, 24, 18, tzinfo=UTC)
    d = next_delivery(pat, DeliveryPolicy(), tuesday_evening, name="Ana")
    assert _off_days(d.reasons) == ["Wednesday 25 Nov"]
    saturday_evening = datetime(2026, 11, 28, 18, tzinfo=UTC)
    d = next_delivery(pat, DeliveryPolicy(), saturday_evening, name="Ana")
    assert _off_days(d.reasons) == []  # Sunday


def test_focus_block_later_in_the_day_does_not_delay() -> None:
    policy = DeliveryPolicy.from_dict({"focus_blocks": {"mon": ["10:00-12:00"]}})
    d = next_delivery(_ana(), policy, datetime(2026, 11, 27, 14, tzinfo=UTC), name="Ana")
    assert d.at == datetime(2026, 11, 30, 8, tzinfo=UTC)


def test_lands_at_once_when_working() -> None:
    at = datetime(2026, 11, 30, 13, 5, tzinfo=UTC)
    d = next_delivery(_ana(), DeliveryPolicy(), at, name="Ana")
    assert d.at == at
    assert d.reasons[0] == "It is within Ana's working hours, so it lands at once."
    times = schedule_handoff(_ana(), DeliveryPolicy.from_dict({}), at, None)
    assert times.respond_by is None
    assert times.explanation[0] == "It is within the receiver's working hours, so it lands at once."


def test_outside_hours_and_holiday_reasons() -> None:
    p = WorkingPattern.from_dict(
        {"timezone": AMS, "weekly": MON_THU, "holidays": {"country": "NL"}}
    )
    # Sunday 26 April 20:00 CEST; Monday 27 April is King's Day.
    d = next_delivery(p, DeliveryPolicy(), datetime(2026, 4, 26, 18, tzinfo=UTC), name="Ana")
    assert d.at == datetime(2026, 4, 28, 7, tzinfo=UTC)
    assert "Monday 27 Apr is a public holiday for Ana (King's Day)." in d.reasons
    d2 = next_delivery(p, DeliveryPolicy(), datetime(2026, 4, 28, 16, tzinfo=UTC), name="Ana")
    assert d2.reasons[0] == (
        "Tuesday 28 Apr 18:00 Europe/Amsterdam is outside Ana's working hours (09:00–17:00)."
    )


def test_time_off_reason() -> None:
    p = WorkingPattern.from_dict(
        {
            "timezone": AMS,
            "weekly": MON_THU,
            "time_off": [{"start": "2026-11-30", "end": "2026-12-01", "reason": "hiking"}],
        }
    )
    d = next_delivery(p, DeliveryPolicy(), datetime(2026, 11, 30, 9, tzinfo=UTC), name="Ana")
    assert d.reasons[0] == "Ana is on time off on Monday 30 Nov (hiking)."
    assert "Ana is on time off on Tuesday 1 Dec (hiking)." in d.reasons
    assert d.at == datetime(2026, 12, 2, 8, tzinfo=UTC)


def test_a_private_time_off_reason_is_told_to_nobody() -> None:
    entry = {"start": "2026-11-30", "end": "2026-12-01", "reason": "surgery", "private": True}
    p = WorkingPattern.from_dict({"timezone": AMS, "weekly": MON_THU, "time_off": [entry]})
    assert p.to_dict()["time_off"] == [entry]  # kept, with its reason, for the person
    d = next_delivery(p, DeliveryPolicy(), datetime(2026, 11, 30, 9, tzinfo=UTC), name="Ana")
    assert d.reasons[0] == "Ana is on time off on Monday 30 Nov."
    assert not any("surgery" in r for r in d.reasons)
    assert d.at == datetime(2026, 12, 2, 8, tzinfo=UTC)


def test_private_must_be_true_or_false() -> None:
    entry = {"start": "2026-11-30", "end": "2026-12-01", "private": "yes"}
    with pytest.raises(InvalidPattern) as raised:
        WorkingPattern.from_dict({"timezone": AMS, "weekly": MON_THU, "time_off": [entry]})
    assert raised.value.field == "time_off.0.private"


def test_digest_times_skip_outside_working_time_and_focus() -> None:
    policy = DeliveryPolicy.from_dict(
        {"focus_blocks": {"mon": ["10:00-12:00"]}, "digest_times": ["14:00", "08:00", "11:00"]}
    )
    assert policy.digest_times == (480, 660, 840)
    d = next_delivery(_ana(), policy, datetime(2026, 11, 27, 14, tzinfo=UTC), name="Ana")
    assert d.at == datetime(2026, 11, 30, 13, tzinfo=UTC)
    assert (
        "Digest time 08:00 on Monday 30 Nov is outside Ana's working time, so it is skipped."
        in d.reasons
    )
    assert (
        "Digest time 11:00 on Monday 30 Nov falls in Ana's focus time, so it is skipped."
        in d.reasons
    )
    assert "Waits for digest time 14:00 on Monday 30 Nov." in d.reasons
    assert d.reasons[-1] == "Lands Monday 30 Nov 14:00 Europe/Amsterdam (13:00 UTC)."


def test_digest_while_working_waits_for_next_digest() -> None:
    policy = DeliveryPolicy.from_dict({"digest_times": ["09:30", "14:00"]})
    at = datetime(2026, 11, 30, 10, tzinfo=UTC)  # 11:00 local, working
    d = next_delivery(_ana(), policy, at, name="Ana")
    assert d.at == datetime(2026, 11, 30, 13, tzinfo=UTC)
    # Exactly at a digest time lands at once.
    exact = datetime(2026, 11, 30, 13, tzinfo=UTC)
    assert next_delivery(_ana(), policy, exact).at == exact


def test_digest_across_dst_change() -> None:
    # Night worker 01:00-05:00 with a 02:30 digest; on spring-forward Sunday
    # 02:30 does not exist and moves forward to 03:30 CEST (01:30 UTC).
    p = WorkingPattern.from_dict({"timezone": AMS, "weekly": {"sun": ["01:00-05:00"]}})
    policy = DeliveryPolicy.from_dict({"digest_times": ["02:30"]})
    d = next_delivery(p, policy, datetime(2026, 3, 28, 12, tzinfo=UTC))
    assert d.at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    # Fall-back Sunday: 02:30 is ambiguous and takes the earlier (CEST) instant.
    d = next_delivery(p, policy, datetime(2026, 10, 24, 12, tzinfo=UTC))
    assert d.at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_focus_block_across_dst_change() -> None:
    p = WorkingPattern.from_dict({"timezone": AMS, "weekly": {"sat": ["22:00-06:00"]}})
    policy = DeliveryPolicy.from_dict({"focus_blocks": {"sat": ["22:00-04:00"]}})
    # Fall-back night: focus 22:00 CEST -> 04:00 CET is 20:00 -> 03:00 UTC.
    d = next_delivery(p, policy, datetime(2026, 10, 24, 12, tzinfo=UTC), name="Ana")
    assert d.at == datetime(2026, 10, 25, 3, tzinfo=UTC)


def test_focus_covering_all_work_raises() -> None:
    p = WorkingPattern.from_dict({"timezone": AMS, "weekly": {"mon": ["09:00-17:00"]}})
    policy = DeliveryPolicy.from_dict({"focus_blocks": {"mon": ["08:00-18:00"]}})
    with pytest.raises(NoWorkingTime, match="focus blocks cover all of their working time"):
        next_delivery(p, policy, datetime(2026, 11, 27, tzinfo=UTC))
    digest = DeliveryPolicy.from_dict({"digest_times": ["18:00", "07:30"]})
    with pytest.raises(NoWorkingTime, match=r"none of their digest times \(07:30, 18:00\)"):
        next_delivery(p, digest, datetime(2026, 11, 27, tzinfo=UTC))


@pytest.mark.parametrize("holidays", [{}, {"holidays": {"country": "GB"}}])
def test_adding_more_working_time_than_20_years_hold_gives_up(holidays: dict) -> None:
    # a minute a week: 366 days of working time would end past the year 9999
    sparse = WorkingPattern.from_dict(
        {"timezone": "Europe/London", "weekly": {"mon": ["09:00-09:01"]}, **holidays}
    )
    monday = datetime(2026, 12, 7, tzinfo=UTC)
    with pytest.raises(NoWorkingTime, match="within 20 years"):
        sparse.add_working_time(monday, timedelta(days=366))
    with pytest.raises(NoWorkingTime, match=r"a response window of 2160h .* cannot end"):
        schedule_handoff(sparse, DeliveryPolicy(), monday, timedelta(days=90))
    # what fits in 20 years is still found: 10 years of Monday minutes
    ten_years = sparse.add_working_time(monday, timedelta(minutes=500))
    assert ten_years.year in (2036, 2037)
    assert sparse.working_time_between(monday, ten_years) == timedelta(minutes=500)


def test_policy_round_trip() -> None:
    policy = DeliveryPolicy.from_dict(
        {
            "focus_blocks": {"mon": ["10:00-12:00"], "wed": ["13:00-15:00"]},
            "digest_times": ["09:30", "14:00"],
        }
    )
    assert DeliveryPolicy.from_dict(policy.to_dict()) == policy
    assert DeliveryPolicy.from_dict({}) == DeliveryPolicy()
    assert DeliveryPolicy.from_dict(DeliveryPolicy().to_dict()) == DeliveryPolicy()


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


def _in_focus(pattern: WorkingPattern, policy: DeliveryPolicy, t: datetime) -> bool:
    focus = WorkingPattern(pattern.timezone, policy.focus_blocks)
    return focus.is_working(t)


@settings(max_examples=100, deadline=None)
@given(patterns(), policies(digests=False), instants())
def test_delivery_without_digests_is_earliest(
    pdata: dict[str, Any], qdata: dict[str, Any], at: datetime
) -> None:
    p, policy = WorkingPattern.from_dict(pdata), DeliveryPolicy.from_dict(qdata)
    try:
        d = next_delivery(p, policy, at)
    except NoWorkingTime:
        return
    assert d.at >= at and d.at.tzinfo is UTC
    assert p.is_working(d.at)
    assert not _in_focus(p, policy, d.at)
    # Nothing earlier qualifies: every working window before d.at lies inside focus time.
    focus = WorkingPattern(p.timezone, policy.focus_blocks)
    for s, e in p.windows(at, d.at):
        assert focus.working_time_between(s, e) == e - s
    assert d.reasons[-1].startswith("Lands ")


@settings(max_examples=100, deadline=None)
@given(patterns(), policies(digests=True), instants())
def test_delivery_with_digests(pdata: dict[str, Any], qdata: dict[str, Any], at: datetime) -> None:
    p, policy = WorkingPattern.from_dict(pdata), DeliveryPolicy.from_dict(qdata)
    try:
        d = next_delivery(p, policy, at)
    except NoWorkingTime:
        return
    assert d.at >= at
    assert p.is_working(d.at)
    assert not _in_focus(p, policy, d.at)
    wall = p.local(d.at).replace(tzinfo=None)
    assert wall.hour * 60 + wall.minute in policy.digest_times or any(
        # A digest time in a spring-forward gap lands shifted forward by the gap: the
        # wall clock just before it read another offset.
        p.zone.utcoffset(wall - timedelta(hours=h)) != p.zone.utcoffset(wall)
        for h in (1, 2)
    )


def test_a_missing_night_shift_says_why() -> None:
    # Republic Day (Monday 26 Jan 2026) cancels the Monday night shift that would have
    # run into Tuesday morning
    night = WorkingPattern.from_dict(
        {
            "timezone": "Asia/Kolkata",
            "weekly": {d: ["22:00-06:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
            "holidays": {"country": "IN"},
        }
    )
    tuesday_2am = datetime(2026, 1, 26, 20, 30, tzinfo=UTC)  # 02:00 IST on Tuesday 27 Jan
    lines = next_delivery(night, DeliveryPolicy(), tuesday_2am, name="Nia").reasons
    assert lines[0].startswith("Monday 26 Jan is a public holiday for Nia"), lines
    assert "Republic Day" in lines[0]
    assert "is outside Nia's working hours (22:00–06:00 into the next day)" in lines[1], lines
    # in the afternoon the night before's shift would have been over: no reason to name it
    afternoon = next_delivery(night, DeliveryPolicy(), tuesday_2am + timedelta(hours=13), "Nia")
    assert not any("Republic Day" in line for line in afternoon.reasons), afternoon.reasons


def test_digest_explanations_name_the_days_off_in_between() -> None:
    mon_thu = WorkingPattern.from_dict(
        {
            "timezone": "Europe/London",
            "weekly": MON_THU,
            "holidays": {"country": "GB", "subdivision": "ENG"},
        }
    )
    digests = DeliveryPolicy.from_dict({"digest_times": ["09:00", "16:00"]})
    thursday = datetime(2026, 8, 27, 15, 30, tzinfo=UTC)  # 16:30 in London
    lines = next_delivery(mon_thu, digests, thursday, name="Ana").reasons
    assert "Friday 28 Aug is Ana's day off." in lines
    assert any(line.startswith("Monday 31 Aug is a public holiday for Ana") for line in lines)
    assert lines[-1].startswith("Lands Tuesday 1 Sep 09:00")


def test_the_summary_of_left_out_reasons_follows_them() -> None:
    weekdays = WorkingPattern.from_dict(
        {
            "timezone": AMS,
            "weekly": {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
        }
    )
    times = ["06:00", "07:00", "08:00", "12:00", "18:00", "19:00", "20:00", "21:00", "22:00"]
    policy = DeliveryPolicy.from_dict({"digest_times": times})
    monday = datetime(2026, 11, 30, 11, 30, tzinfo=UTC)  # 12:30 in Amsterdam
    lines = next_delivery(weekdays, policy, monday, name="Ana").reasons
    summary = next(i for i, line in enumerate(lines) if "more similar reasons" in line)
    assert lines[summary + 1].startswith("Waits for digest time 12:00"), lines


def test_a_holiday_on_a_day_never_worked_is_not_a_reason() -> None:
    weekdays = WorkingPattern.from_dict(
        {
            "timezone": "America/New_York",
            "weekly": {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
            "holidays": {"country": "US"},
        }
    )
    thursday = datetime(2026, 7, 2, 21, 30, tzinfo=UTC)  # 17:30 in New York
    lines = next_delivery(weekdays, DeliveryPolicy(), thursday, name="Bo").reasons
    text = " ".join(lines)
    assert "Friday 3 Jul is a public holiday" in text  # observed on the Friday
    assert "Saturday 4 Jul" not in text, lines


def test_a_time_in_the_repeated_hour_of_a_fall_back_says_which() -> None:
    sunday = WorkingPattern.from_dict({"timezone": AMS, "weekly": {"sun": ["04:00-10:00"]}})
    first = next_delivery(sunday, DeliveryPolicy(), datetime(2026, 10, 25, 0, 30, tzinfo=UTC))
    second = next_delivery(sunday, DeliveryPolicy(), datetime(2026, 10, 25, 1, 30, tzinfo=UTC))
    assert "Sunday 25 Oct 02:30 Europe/Amsterdam (+02:00) is outside" in first.reasons[0]
    assert "Sunday 25 Oct 02:30 Europe/Amsterdam (+01:00) is outside" in second.reasons[0]
    # an hour that happens once needs no offset
    assert first.reasons[1] == (
        "The receiver's next working time starts Sunday 25 Oct 04:00 Europe/Amsterdam."
    )
