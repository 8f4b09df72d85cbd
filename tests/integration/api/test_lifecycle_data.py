"""The life cycle as data, driven by the real delivery engine on the manual clock: the
explanation names the current respondBy after a reminder, reminders are listed with
their instants, escalation says when, to whom, from whom and why, and history lists
what happened in order."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from handoff.jobs.worker import run_due
from tests.integration._delivery_helpers import engine
from tests.integration.api._helpers import (
    AMS,
    SYDNEY,
    WEEKDAYS,
    create_handoff,
    create_person,
    create_team,
)

LIFE = """
query($id: ID!) {
  node(id: $id) {
    ... on Handoff {
      status deliverAt respondBy explanation remindersSent maxReminders escalated escalatedAt
      receiver { name }
      reminders { kind state dueAt explanation person { name } }
      escalation { at to reason person { name } from { name } }
      history { type at summary }
    }
  }
}"""


def utc(day: int, hour: int) -> datetime:
    return (
        datetime(2026, 11, day, hour, tzinfo=UTC)
        if day > 7
        else datetime(2026, 12, day, hour, tzinfo=UTC)
    )


async def life(gql: Any, handoff: dict) -> dict[str, Any]:
    return (await gql(LIFE, {"id": handoff["id"]}))["node"]


async def test_reminders_rewrite_the_explanation_and_escalation_goes_to_the_sender(
    gql, db_url, redis_url, clock
) -> None:
    ana = await create_person(gql, "Ana", AMS, WEEKDAYS)
    bo = await create_person(gql, "Bo", AMS, WEEKDAYS)
    # Friday 15:00 in Amsterdam: lands now; 4h of Bo's time = 2h Friday + 2h Monday.
    handoff = await create_handoff(gql, ana, bo, expectResponseWithin="PT4H", maxReminders=2)
    first_deadline = "respond by Monday 30 Nov 11:00 Europe/Amsterdam (10:00 UTC)."
    assert handoff["respondBy"] == "2026-11-30T10:00:00+00:00"
    assert handoff["explanation"][-1].endswith(first_deadline)
    async with engine(db_url, redis_url) as (pool, redis, settings):
        assert await run_due(pool, redis, clock, settings) == 1
        delivered = await life(gql, handoff)
        assert delivered["status"] == "DELIVERED"
        assert delivered["remindersSent"] == 0
        assert [(r["state"], r["dueAt"]) for r in delivered["reminders"]] == [
            ("PENDING", "2026-11-30T10:00:00+00:00")
        ]

        clock.set(utc(30, 10))  # Monday 11:00 in Amsterdam: the first reminder
        assert await run_due(pool, redis, clock, settings) == 1
        reminded = await life(gql, handoff)
        assert reminded["remindersSent"] == 1
        assert reminded["respondBy"] == "2026-11-30T14:00:00+00:00"
        assert reminded["explanation"][-2:] == [
            "Reminder 1 of 2 went to Bo Monday 30 Nov 11:00 Europe/Amsterdam; "
            "the response clock started again.",
            "Expects a response within 4h of Bo's working time: "
            "respond by Monday 30 Nov 15:00 Europe/Amsterdam (14:00 UTC).",
        ]
        assert not any(first_deadline in line for line in reminded["explanation"])
        assert reminded["explanation"][:-2] == handoff["explanation"][:-1]
        # The sent reminder and the next one, scheduled at the new deadline.
        assert [(r["state"], r["dueAt"], r["person"]["name"]) for r in reminded["reminders"]] == [
            ("DONE", "2026-11-30T10:00:00+00:00", "Bo"),
            ("PENDING", "2026-11-30T14:00:00+00:00", "Bo"),
        ]
        assert reminded["escalated"] is False and reminded["escalation"] is None

        clock.set(utc(30, 14))  # the second and last reminder: 2h Monday + 2h Tuesday
        assert await run_due(pool, redis, clock, settings) == 1
        last = await life(gql, handoff)
        assert last["remindersSent"] == 2
        assert last["respondBy"] == "2026-12-01T10:00:00+00:00"
        assert last["explanation"][-2].startswith("Reminder 2 of 2 went to Bo Monday 30 Nov 15:00")
        assert (
            last["explanation"][-1].endswith("(10:00 UTC).")
            and "Tuesday 1 Dec" in last["explanation"][-1]
        )
        assert sum("respond by" in line for line in last["explanation"]) == 1
        assert [r["state"] for r in last["reminders"]] == ["DONE", "DONE"]

        clock.set(utc(1, 10))  # Tuesday: no answer, back to Ana in her hours
        assert await run_due(pool, redis, clock, settings) == 1
    escalated = await life(gql, handoff)
    assert escalated["escalated"] is True
    assert escalated["escalatedAt"] == "2026-12-01T10:00:00+00:00"
    escalation = escalated["escalation"]
    assert escalation["at"] == "2026-12-01T10:00:00+00:00"
    assert escalation["to"] == "SENDER"
    assert (escalation["person"]["name"], escalation["from"]["name"]) == ("Ana", "Bo")
    assert escalation["reason"] and "No answer from Bo" in escalation["reason"][0]
    assert "back to Ana" in escalation["reason"][0]
    history = escalated["history"]
    assert [h["type"] for h in history] == [
        "handoff.created",
        "handoff.delivered",
        "handoff.reminded",
        "handoff.reminded",
        "handoff.escalated",
    ]
    assert [h["at"] for h in history] == [
        "2026-11-27T14:00:00+00:00",
        "2026-11-27T14:00:00+00:00",
        "2026-11-30T10:00:00+00:00",
        "2026-11-30T14:00:00+00:00",
        "2026-12-01T10:00:00+00:00",
    ]
    assert history[0]["summary"] == "Ana handed it to Bo."
    assert history[2]["summary"].startswith("Reminder 1 of 2 to Bo")
    assert history[2]["summary"].endswith(
        "; respond by Monday 30 Nov 15:00 Europe/Amsterdam (14:00 UTC)."
    )
    assert history[4]["summary"] == "Escalated back to the sender: Ana has it now."


async def test_a_team_handoff_escalates_to_another_member_as_data(
    gql, db_url, redis_url, clock
) -> None:
    ana = await create_person(gql, "Ana", AMS, WEEKDAYS)
    bo = await create_person(gql, "Bo", AMS, WEEKDAYS)
    cy = await create_person(gql, "Cy", SYDNEY, WEEKDAYS)
    team = await create_team(gql, "Desk", [bo, cy])
    handoff = await create_handoff(gql, ana, team=team, expectResponseWithin="PT4H", maxReminders=0)
    assert handoff["receiver"]["name"] == "Bo"  # reachable now; Cy only on Monday
    async with engine(db_url, redis_url) as (pool, redis, settings):
        await run_due(pool, redis, clock, settings)
        clock.set(utc(30, 10))  # Bo's deadline passes without an answer
        assert await run_due(pool, redis, clock, settings) == 1
    moved = await life(gql, handoff)
    assert moved["escalated"] is True
    assert moved["receiver"]["name"] == "Cy"
    assert moved["status"] == "SCHEDULED"
    # Cy's next working hour: Tuesday 09:00 in Sydney = Monday 22:00 UTC; 4h later.
    assert moved["deliverAt"] == "2026-11-30T22:00:00+00:00"
    assert moved["respondBy"] == "2026-12-01T02:00:00+00:00"
    escalation = moved["escalation"]
    assert escalation["at"] == "2026-11-30T10:00:00+00:00"
    assert escalation["to"] == "TEAM_MEMBER"
    assert (escalation["person"]["name"], escalation["from"]["name"]) == ("Cy", "Bo")
    assert "No answer from Bo" in escalation["reason"][0] and "Desk" in escalation["reason"][0]
    assert moved["reminders"] == []
    assert [h["type"] for h in moved["history"]][-1] == "handoff.escalated"
    assert moved["history"][-1]["summary"] == "Escalated within the team: Cy has it now."
    # The explanation describes the handoff as it is now: Cy's delivery and deadline.
    text = " ".join(moved["explanation"])
    assert "Cy" in text
    assert moved["explanation"][0] == (
        "Escalated: Bo did not answer; team Desk follows the sun and Cy is reachable soonest."
    )
    assert moved["explanation"][-2] == (
        "Lands Tuesday 1 Dec 09:00 Australia/Sydney (Monday 30 Nov 22:00 UTC)."
    )
    assert "respond by Tuesday 1 Dec 13:00 Australia/Sydney (02:00 UTC)." in text
    assert "(10:00 UTC)" not in text  # Bo's old deadline
