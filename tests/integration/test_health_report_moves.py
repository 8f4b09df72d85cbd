"""The async-health report for handoffs that moved after they were sent: escalated within
their team, or handed on when their receiver left. Hand-checked: everyone works in
Amsterdam Mon-Fri 09:00-17:00 (08:00-16:00 UTC); every handoff expects an answer within
an hour."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.services.handoffs import NewHandoff, Note, create_handoff
from handoff.services.health_report import Report
from handoff.services.membership import deactivate_person
from handoff.services.teams import create_team
from handoff.states import HandoffStatus
from tests.integration._delivery_helpers import engine, person
from tests.integration.test_health_report import History, hours, utc

WEEKDAYS = {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
GROUP = ("Ana2", "Bo2", "Cy2", "Dee2", "Eve2")


@pytest.fixture
async def t(db_url: str, redis_url: str, clock: Any) -> Any:
    async with engine(db_url, redis_url) as (pool, redis, settings):
        clock.set(utc(2026, 11, 29, 12))
        t = History(pool, redis, clock, settings)
        await t.setup()
        async with pool.connection() as conn, conn.transaction():
            for n in (*GROUP, "Kim"):
                t.people[n] = await person(conn, t.ws, clock.now(), n, "Europe/Amsterdam", WEEKDAYS)
            t.team = await create_team(
                conn, t.ws, clock.now(), "Ops", member_ids=t.ids("Ana2", "Bo2")
            )
        yield t


async def _escalated_within_ops(t: Any) -> Any:
    """Monday 08:00 UTC: Out asks team Ops (Ana2, Bo2) and each of the five for an answer
    within an hour; the five others are answered at 08:10, the team's member misses 09:00
    and the team escalates it to the other one at 09:00."""
    t.at(2026, 11, 30, 8)
    async with t.pool.connection() as conn, conn.transaction():
        new = NewHandoff(
            sender_id=t.people["Out"].id,
            note=Note("team"),
            new_work_item_title="w",
            to_team_id=t.team.id,
            respond_within=hours(1),
            max_reminders=0,
        )
        escalated, _ = await create_handoff(conn, t.ws, t.clock.now(), new)
    plain = [await t.send("Out", n, window=1) for n in GROUP]
    await t.run()
    t.at(2026, 11, 30, 8, 10)
    for h in plain:
        await t.reply(h)
    t.at(2026, 11, 30, 9)
    await t.run()  # escalated within the team
    await t.run()  # lands with the other member
    return escalated


async def test_a_handoff_escalated_in_its_team_was_not_answered_in_time(t: Any) -> None:
    escalated = await _escalated_within_ops(t)
    t.at(2026, 11, 30, 9, 15)
    await t.reply(escalated)  # the second member answers at once
    report = await t.report(person_ids=t.ids(*GROUP))
    assert isinstance(report, Report) and report.row.received == 6
    # its first respondBy (09:00) was missed
    assert report.answered_in_time_share == pytest.approx(5 / 6)


async def test_an_escalation_is_no_interruption_avoided(t: Any) -> None:
    await _escalated_within_ops(t)
    report = await t.report(person_ids=t.ids(*GROUP))
    assert isinstance(report, Report)
    # all six were sent while their receivers worked and landed at once: none was held
    assert report.row.held == 0


async def test_the_answer_counted_is_the_current_receivers(t: Any) -> None:
    t.at(2026, 11, 30, 8)
    h = await t.send("Out", "Ana2", window=1)
    plain = [await t.send("Out", n, window=1) for n in ("Kim", "Bo2", "Cy2", "Dee2", "Eve2")]
    await t.run()
    t.at(2026, 11, 30, 8, 10)
    for p in plain:
        await t.reply(p)
    t.at(2026, 11, 30, 8, 30)
    await t.move(h, HandoffStatus.ACKNOWLEDGED)  # Ana2 answers in 30 minutes...
    t.at(2026, 11, 30, 9)
    async with t.pool.connection() as conn, conn.transaction():
        # ...and leaves: it lands with Kim at 09:00, due 10:00
        await deactivate_person(conn, t.ws, t.clock.now(), t.people["Ana2"].id, t.people["Kim"].id)
    await t.run()
    t.at(2026, 11, 30, 12)
    await t.move(h, HandoffStatus.COMPLETED)  # Kim answers three hours in: late
    report = await t.report(person_ids=t.ids("Kim", "Bo2", "Cy2", "Dee2", "Eve2"))
    assert isinstance(report, Report) and report.row.received == 6
    assert report.answered_in_time_share == pytest.approx(5 / 6)
