"""The async-health report, every figure checked against a week of history built with
the services and the delivery engine on a manual clock.

The group: Ana (Amsterdam, focus 09:00-10:00), Bo (New York), Cy (Amsterdam, digests at
09:30 and 14:00), Dee (Kolkata) and Eve (Sydney), all Mon-Fri 09:00-17:00. "Out" works
around the clock outside the group and sends most handoffs. The week is Monday 30 Nov to
Monday 7 Dec 2026 (UTC); all instants below are UTC.

| handoff | what happens | counts as |
| --- | --- | --- |
| H1 Out→Ana, 2h window | sent Sun 20:00, lands Mon 09:00 (after focus), acknowledged 10:00 | held; 1h answer, in time |
| H2 Out→Ana urgent | Mon 08:15 in focus: breaks through; rated urgent | urgent, in hours |
| H3 Bo→Ana urgent | Tue 08:30 in focus: breaks through; rated not urgent | urgent; sent by Bo |
| H4 Bo→Ana urgent | Wed 08:30: Bo's budget used, declined, lands 09:00 | held; declined; sent |
| H5-H7 Out→Cy | sent Mon 10:00, one digest at 13:00; H5 (2h window) replied 14:00, H6 completed Tue 09:00 | held; 1h and 4h answers |
| H8 Out→Cy | sent Tue 07:00, a digest of one at 08:30 | held |
| H9 Out→Dee, 1h window, 1 reminder | lands Mon 04:00; reminded 05:00, escalated 06:00, acknowledged 07:00 | 3h answer, late; 1 reminder, 1 escalation |
| H10 Out→Bo | due Mon 21:58, the worker runs at 22:05, after Bo's day | not in hours |
| H11 Out→Eve, 4h window | lands Wed 00:00, returned 02:00 | 2h answer, in time |
| H12 Ana→Bo, 1h window | sent Thu 12:00, lands 14:00, completed 15:30 | held; 1.5h answer, late; sent |
| H13 Ana→Out | lands Thu 12:00 | sent only |
| H14 Out→Ana | cancelled before it lands | nothing |
| H15 Out→Ana | lands Mon 7 Dec | outside the range |
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from handoff.jobs.worker import run_due
from handoff.services.errors import Invalid, NotFound
from handoff.services.handoffs import NewHandoff, Note, create_handoff
from handoff.services.health_report import GroupTooSmall, Report, async_health
from handoff.services.lifecycle import transition
from handoff.services.replies import reply_to_handoff
from handoff.services.teams import create_team
from handoff.services.urgency_policy import rate_urgency
from handoff.states import HandoffStatus, ReplyPreset
from handoff.storage.models import Handoff, Person
from tests.integration._delivery_helpers import engine, person, workspace

START = datetime(2026, 11, 30, tzinfo=UTC)
END = START + timedelta(days=7)
ALWAYS = {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
S = HandoffStatus


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def hours(h: float) -> timedelta:
    return timedelta(hours=h)


class History:
    """A workspace whose week the test plays, moving the clock and running the engine."""

    def __init__(self, pool: Any, redis: Any, clock: Any, settings: Any) -> None:
        self.pool, self.redis, self.clock, self.settings = pool, redis, clock, settings
        self.ws = 0
        self.people: dict[str, Person] = {}
        self.handoffs: dict[str, Handoff] = {}

    async def setup(self) -> None:
        now = self.clock.now()
        async with self.pool.connection() as conn, conn.transaction():
            self.ws = await workspace(conn, now)
            add = {
                "Ana": (
                    "Europe/Amsterdam",
                    None,
                    {
                        "focus_blocks": {
                            d: ["09:00-10:00"] for d in ("mon", "tue", "wed", "thu", "fri")
                        }
                    },
                ),
                "Bo": ("America/New_York", None, None),
                "Cy": ("Europe/Amsterdam", None, {"digest_times": ["09:30", "14:00"]}),
                "Dee": ("Asia/Kolkata", None, None),
                "Eve": ("Australia/Sydney", None, None),
                "Out": ("UTC", ALWAYS, None),
            }
            for name, (zone, weekly, policy) in add.items():
                self.people[name] = await person(conn, self.ws, now, name, zone, weekly, policy)

    def at(self, *args: int) -> None:
        self.clock.set(utc(*args))

    async def run(self) -> None:
        await run_due(self.pool, self.redis, self.clock, self.settings)

    async def send(
        self,
        sender: str,
        to: str,
        *,
        window: float | None = None,
        urgent: bool = False,
        reminders: int | None = None,
    ) -> Handoff:
        async with self.pool.connection() as conn, conn.transaction():
            h, _ = await create_handoff(
                conn,
                self.ws,
                self.clock.now(),
                NewHandoff(
                    sender_id=self.people[sender].id,
                    note=Note(f"{sender} to {to}"),
                    new_work_item_title="work",
                    to_person_id=self.people[to].id,
                    respond_within=None if window is None else hours(window),
                    urgent_reason="it cannot wait" if urgent else None,
                    max_reminders=reminders,
                ),
            )
        return h

    async def move(self, h: Handoff, status: HandoffStatus, note: str | None = None) -> None:
        async with self.pool.connection() as conn, conn.transaction():
            await transition(conn, self.ws, self.clock.now(), h.id, status, note)

    async def reply(self, h: Handoff) -> None:
        async with self.pool.connection() as conn, conn.transaction():
            await reply_to_handoff(conn, self.ws, self.clock.now(), h.id, ReplyPreset.OK)

    async def rate(self, h: Handoff, was_urgent: bool) -> None:
        async with self.pool.connection() as conn, conn.transaction():
            await rate_urgency(conn, self.ws, self.clock.now(), h.id, was_urgent)

    def ids(self, *names: str) -> list[int]:
        return [self.people[n].id for n in names]

    async def report(self, **kw: Any) -> Report | GroupTooSmall:
        kw.setdefault("person_ids", self.ids("Ana", "Bo", "Cy", "Dee", "Eve"))
        async with self.pool.connection() as conn:
            return await async_health(conn, self.ws, self.clock.now(), start=START, end=END, **kw)


async def play_the_week(t: History) -> dict[str, Handoff]:
    h: dict[str, Handoff] = {}
    t.at(2026, 11, 29, 20)
    h["H1"] = await t.send("Out", "Ana", window=2)
    t.at(2026, 11, 30, 4)
    h["H9"] = await t.send("Out", "Dee", window=1, reminders=1)
    await t.run()
    t.at(2026, 11, 30, 5)
    await t.run()  # reminder: the clock starts again, 06:00
    t.at(2026, 11, 30, 6)
    await t.run()  # escalation back to Out
    t.at(2026, 11, 30, 7)
    await t.move(h["H9"], S.ACKNOWLEDGED)
    t.at(2026, 11, 30, 8, 15)
    h["H2"] = await t.send("Out", "Ana", urgent=True)
    await t.run()
    t.at(2026, 11, 30, 9)
    await t.run()
    t.at(2026, 11, 30, 10)
    await t.move(h["H1"], S.ACKNOWLEDGED)
    h["H5"] = await t.send("Out", "Cy", window=2)
    h["H6"] = await t.send("Out", "Cy")
    h["H7"] = await t.send("Out", "Cy")
    t.at(2026, 11, 30, 13)
    await t.run()  # Cy's 14:00 digest: three handoffs
    t.at(2026, 11, 30, 14)
    await t.reply(h["H5"])
    await t.run()  # the reply reaches Out at once
    t.at(2026, 11, 30, 21, 58)
    h["H10"] = await t.send("Out", "Bo")
    t.at(2026, 11, 30, 22, 5)
    await t.run()  # late: Bo's day ended at 22:00
    t.at(2026, 12, 1, 7)
    h["H8"] = await t.send("Out", "Cy")
    t.at(2026, 12, 1, 8, 30)
    h["H3"] = await t.send("Bo", "Ana", urgent=True)
    await t.run()  # Cy's 09:30 digest of one, and H3
    t.at(2026, 12, 1, 9)
    await t.move(h["H6"], S.COMPLETED)
    await t.rate(h["H2"], True)
    await t.rate(h["H3"], False)
    t.at(2026, 12, 2, 0)
    h["H11"] = await t.send("Out", "Eve", window=4)
    await t.run()
    t.at(2026, 12, 2, 2)
    await t.move(h["H11"], S.RETURNED, "not mine")
    t.at(2026, 12, 2, 8, 30)
    h["H4"] = await t.send("Bo", "Ana", urgent=True)
    t.at(2026, 12, 2, 9)
    await t.run()
    t.at(2026, 12, 3, 12)
    h["H12"] = await t.send("Ana", "Bo", window=1)
    h["H13"] = await t.send("Ana", "Out")
    await t.run()
    t.at(2026, 12, 3, 14)
    await t.run()
    t.at(2026, 12, 3, 15, 30)
    await t.move(h["H12"], S.COMPLETED)
    t.at(2026, 12, 4, 7)
    h["H14"] = await t.send("Out", "Ana")
    t.at(2026, 12, 4, 7, 30)
    await t.move(h["H14"], S.CANCELLED)
    t.at(2026, 12, 6, 23, 30)
    h["H15"] = await t.send("Out", "Ana")
    t.at(2026, 12, 7, 12)
    await t.run()
    return h


@pytest.fixture
async def week(db_url, redis_url, clock):
    async with engine(db_url, redis_url) as (pool, redis, settings):
        clock.set(utc(2026, 11, 29, 12))
        t = History(pool, redis, clock, settings)
        await t.setup()
        t.handoffs = await play_the_week(t)
        yield t


async def test_the_history_is_what_the_figures_are_checked_against(week) -> None:
    h = week.handoffs
    async with week.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT id, status, deliver_at, delivered_at, reminders_sent, escalated_at IS NOT NULL"
            " AS escalated, answer_working_time FROM handoffs ORDER BY id"
        )
        rows = {r["id"]: r for r in await cur.fetchall()}
        cur = await conn.execute(
            "SELECT payload->>'count' AS n FROM events WHERE type = 'digest.delivered' ORDER BY id"
        )
        digests = [int(r["n"]) for r in await cur.fetchall()]
        cur = await conn.execute("SELECT handoff_id, outcome FROM urgent_handoffs")
        urgent = {r["handoff_id"]: r["outcome"] for r in await cur.fetchall()}

    def of(name: str) -> dict[str, Any]:
        return rows[h[name].id]

    assert of("H1")["deliver_at"] == utc(2026, 11, 30, 9)
    assert of("H2")["delivered_at"] == utc(2026, 11, 30, 8, 15)
    assert of("H4")["deliver_at"] == utc(2026, 12, 2, 9)
    assert [of(n)["delivered_at"] for n in ("H5", "H6", "H7")] == [utc(2026, 11, 30, 13)] * 3
    assert of("H8")["delivered_at"] == utc(2026, 12, 1, 8, 30)
    assert (of("H9")["reminders_sent"], of("H9")["escalated"]) == (1, True)
    assert of("H10")["delivered_at"] == utc(2026, 11, 30, 22, 5)
    assert of("H12")["deliver_at"] == utc(2026, 12, 3, 14)
    assert of("H14")["status"] == "CANCELLED" and of("H14")["delivered_at"] is None
    assert of("H15")["deliver_at"] == utc(2026, 12, 7, 9)
    assert digests == [3, 1]
    assert urgent == {
        h["H2"].id: "BROKE_THROUGH",
        h["H3"].id: "BROKE_THROUGH",
        h["H4"].id: "DECLINED",
    }
    answers = {n: of(n)["answer_working_time"] for n in ("H1", "H5", "H6", "H9", "H11", "H12")}
    assert answers == {
        "H1": hours(1),
        "H5": hours(1),
        "H6": hours(4),  # Mon 13:00-16:00 and Tue 08:00-09:00 of Cy's working time
        "H9": hours(3),
        "H11": hours(2),
        "H12": hours(1.5),
    }


async def test_every_figure_of_the_report(week) -> None:
    report = await week.report()
    assert isinstance(report, Report)
    r = report.row
    assert [p.name for p in report.people] == ["Ana", "Bo", "Cy", "Dee", "Eve"]
    assert (r.received, r.sent) == (12, 4)  # H1-H12; H3, H4, H12, H13
    assert report.delivered_in_hours_share == pytest.approx(11 / 12)  # all but H10
    assert r.held == 7  # H1, H4, H5, H6, H7, H8, H12
    assert report.interruptions_avoided_share == pytest.approx(7 / 12)
    assert (r.digests, r.bundled, report.handoffs_per_digest) == (2, 4, 2.0)
    # answers: 1h, 1h, 1.5h, 2h, 3h, 4h
    assert r.timed_answers == 6
    assert r.response_median == timedelta(hours=1, minutes=45)
    assert r.response_p90 == timedelta(hours=3, minutes=30)
    # expected an answer: H1, H5, H11 in time; H9 (reminded), H12 (completed after 15:00) late
    assert (r.answered_in_time, r.expecting_answer) == (3, 5)
    assert report.answered_in_time_share == pytest.approx(0.6)
    assert report.reminders_per_handoff == pytest.approx(1 / 12)
    assert report.escalations_per_handoff == pytest.approx(1 / 12)
    assert (r.urgent_sent, r.urgent_broke_through, r.urgent_declined) == (3, 2, 1)
    assert (r.urgent_senders, report.break_throughs_per_sender) == (2, 1.0)  # Out and Bo
    assert (r.urgent_rated, report.rated_urgent_share) == (2, 0.5)
    # Monday 00:00 to Friday 22:00 UTC somebody works (Sydney, Kolkata, Amsterdam, New York
    # hand over without a gap); Friday 22:00 to Sunday 22:00 nobody does.
    assert report.coverage_gap == hours(48)
    assert report.gap_hours_per_week == pytest.approx(48.0)
    pairs = {(o.a.name, o.b.name): o.shared for o in report.overlaps}
    assert pairs == {
        ("Ana", "Bo"): hours(10),  # 14:00-16:00 UTC, five days
        ("Ana", "Cy"): hours(40),
        ("Ana", "Dee"): hours(17.5),  # 08:00-11:30
        ("Ana", "Eve"): hours(0),
        ("Bo", "Cy"): hours(10),
        ("Bo", "Dee"): hours(0),
        ("Bo", "Eve"): hours(0),  # New York ends at 22:00 UTC as Sydney starts
        ("Cy", "Dee"): hours(17.5),
        ("Cy", "Eve"): hours(0),
        ("Dee", "Eve"): hours(12.5),  # 03:30-06:00
    }


async def _everyone(week: History) -> Any:
    """A team of the five people of the group."""
    async with week.pool.connection() as conn, conn.transaction():
        return await create_team(
            conn,
            week.ws,
            week.clock.now(),
            "Everyone",
            member_ids=week.ids("Ana", "Bo", "Cy", "Dee", "Eve"),
        )


async def test_a_team_and_a_list_with_repeats_give_the_same_report(week) -> None:
    by_list = await week.report()
    team = await _everyone(week)
    by_team = await week.report(person_ids=None, team_id=team.id)
    repeated = await week.report(person_ids=week.ids("Ana", "Bo", "Cy", "Dee", "Eve", "Ana"))
    assert isinstance(by_list, Report) and isinstance(by_team, Report)
    assert isinstance(repeated, Report)
    assert by_team.row == by_list.row == repeated.row


async def test_a_team_report_does_not_wait_for_a_member_being_changed(week) -> None:
    """A report only reads: a member's row locked by a change in progress (a pattern edit
    holds it FOR UPDATE while it reschedules) must not hold the report up, nor the report
    write row locks into the members' rows."""
    by_list = await week.report()
    team = await _everyone(week)
    async with week.pool.connection() as changing, changing.transaction():
        await changing.execute(
            "SELECT id FROM people WHERE id = %s FOR UPDATE", (week.people["Ana"].id,)
        )
        by_team = await asyncio.wait_for(week.report(person_ids=None, team_id=team.id), 5)
    assert isinstance(by_team, Report) and isinstance(by_list, Report)
    assert by_team.row == by_list.row


async def test_a_group_under_five_is_too_small(week) -> None:
    four = await week.report(person_ids=week.ids("Ana", "Bo", "Cy", "Dee"))
    assert four == GroupTooSmall(size=4, minimum=5)
    # naming someone twice does not make a group bigger
    padded = await week.report(person_ids=week.ids("Ana", "Bo", "Cy", "Dee", "Dee"))
    assert padded == GroupTooSmall(size=4, minimum=5)
    assert isinstance(await week.report(person_ids=week.ids("Ana", "Bo"), min_group=2), Report)


async def test_bad_report_requests(week) -> None:
    async def ask(**kw: Any) -> Any:
        async with week.pool.connection() as conn:
            return await async_health(conn, week.ws, week.clock.now(), **kw)

    five = week.ids("Ana", "Bo", "Cy", "Dee", "Eve")
    cases = [
        (dict(start=END, end=START, person_ids=five), "to"),
        (dict(start=START, end=START, person_ids=five), "to"),
        (dict(start=START, end=START + timedelta(days=732), person_ids=five), "to"),
        (dict(start=START, end=END), "personIds"),
        (dict(start=START, end=END, person_ids=five, team_id=1), "personIds"),
        (dict(start=START, end=END, person_ids=[]), "personIds"),
    ]
    for kw, field in cases:
        with pytest.raises(Invalid) as caught:
            await ask(**kw)
        assert caught.value.field == field, kw
    with pytest.raises(NotFound):
        await ask(start=START, end=END, person_ids=[*five[:4], 987_654])
    with pytest.raises(NotFound):
        await ask(start=START, end=END, team_id=987_654)
    # two years is fine
    assert isinstance(
        await ask(start=START, end=START + timedelta(days=731), person_ids=five), Report
    )
