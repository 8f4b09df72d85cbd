"""The lines that say why a reminder or an escalation is scheduled, and the response
deadline after a reminder, name the deadline on the clock the receiver keeps then (a
visited zone while travelling), with UTC beside it, as every other explanation line does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handoff.calendar import (
    DeliveryPolicy,
    WorkingPattern,
    escalation_line,
    reminder_line,
    reminder_reason,
    response_deadline,
    schedule_handoff,
    team_escalation_line,
)

WEEKDAYS = {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
DUE = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)  # Monday 12:30 in Sydney


def _pattern(zone: str, **extra: object) -> WorkingPattern:
    return WorkingPattern.from_dict({"timezone": zone, "weekly": WEEKDAYS, **extra})


def test_a_reminder_names_the_deadline_in_the_receivers_zone_and_utc() -> None:
    assert reminder_reason(1, 2, "Liam", _pattern("Australia/Sydney"), DUE) == (
        "Reminder 1 of 2 if Liam has not acknowledged by "
        "Monday 30 Nov 12:30 Australia/Sydney (01:30 UTC)."
    )


def test_the_utc_date_is_named_when_it_is_another_day() -> None:
    due = datetime(2026, 11, 29, 22, 0, tzinfo=UTC)  # Monday 09:00 in Sydney
    line = escalation_line("Liam", _pattern("Australia/Sydney"), due, "Priya")
    assert line == (
        "No answer from Liam by Monday 30 Nov 09:00 Australia/Sydney (Sunday 29 Nov 22:00 UTC): "
        "it goes back to Priya, in Priya's working hours."
    )


def test_a_receiver_on_utc_gets_no_second_utc() -> None:
    line = team_escalation_line("Ana", _pattern("UTC"), DUE, "Support", 2)
    assert line == (
        "No answer from Ana by Monday 30 Nov 01:30 UTC after 2 reminder(s): "
        "team Support routes it again."
    )


def test_while_travelling_every_line_names_the_visited_zone() -> None:
    trip = {"start": "2026-12-01", "end": "2026-12-20", "timezone": "Asia/Tokyo", "hours": "LOCAL"}
    ana = _pattern("Europe/Amsterdam", travel=[trip])
    at = datetime(2026, 12, 7, 1, tzinfo=UTC)  # Monday 10:00 in Tokyo
    four_hours = timedelta(hours=4)
    first = schedule_handoff(ana, DeliveryPolicy(), at, four_hours, name="Ana").explanation[-1]
    due, again = response_deadline(ana, at, four_hours, name="Ana")
    assert due == datetime(2026, 12, 7, 5, tzinfo=UTC)
    tokyo = "Monday 7 Dec 14:00 Asia/Tokyo (05:00 UTC)"
    assert first.endswith(f"respond by {tokyo}.") and again == first
    assert reminder_reason(1, 1, "Ana", ana, due).endswith(f"by {tokyo}.")
    assert reminder_line(ana, at, 1, 1, "Ana") == (
        "Reminder 1 of 1 went to Ana Monday 7 Dec 10:00 Asia/Tokyo; "
        "the response clock started again."
    )
