"""The lines that say why a reminder or an escalation is scheduled name the deadline on
the receiver's clock, with UTC beside it, as every other explanation line does."""

from __future__ import annotations

from datetime import UTC, datetime

from handoff.calendar import escalation_line, reminder_reason, team_escalation_line

DUE = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)  # Monday 12:30 in Sydney


def test_a_reminder_names_the_deadline_in_the_receivers_zone_and_utc() -> None:
    assert reminder_reason(1, 2, "Liam", "Australia/Sydney", DUE) == (
        "Reminder 1 of 2 if Liam has not acknowledged by "
        "Monday 30 Nov 12:30 Australia/Sydney (01:30 UTC)."
    )


def test_the_utc_date_is_named_when_it_is_another_day() -> None:
    due = datetime(2026, 11, 29, 22, 0, tzinfo=UTC)  # Monday 09:00 in Sydney
    line = escalation_line("Liam", "Australia/Sydney", due, "Priya")
    assert line == (
        "No answer from Liam by Monday 30 Nov 09:00 Australia/Sydney (Sunday 29 Nov 22:00 UTC): "
        "it goes back to Priya, in Priya's working hours."
    )


def test_a_receiver_on_utc_gets_no_second_utc() -> None:
    line = team_escalation_line("Ana", "UTC", DUE, "Support", 2)
    assert line == (
        "No answer from Ana by Monday 30 Nov 01:30 UTC after 2 reminder(s): "
        "team Support routes it again."
    )
