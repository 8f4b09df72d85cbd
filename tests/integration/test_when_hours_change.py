"""What a change of someone's hours does to handoffs already under way.

A delivered handoff's deadline: the response clock only runs while the receiver works, so
working time they lose (time off, a new pattern, travel) moves the deadline, and the
reminder or escalation waiting for it moves along. (A team's handoff keeps its deadline, so
the team takes it over from an absent member: test_lifecycle_edges.) A team handoff routed
again never goes back to a member it was escalated away from."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from handoff.services.availability import add_time_off, remove_time_off, set_working_pattern
from handoff.services.follow_ups import handle_batch
from handoff.services.handoffs import NewHandoff, Note, create_handoff
from handoff.services.people import create_person
from handoff.services.teams import create_team
from handoff.storage import people
from handoff.storage.workspaces import ensure as ensure_workspace

MONDAY_0900_AMS = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
SIXTEEN_HOURS = timedelta(hours=16)


async def _fire_due(conn: AsyncConnection[Any], now: datetime) -> None:
    cur = await conn.execute(
        "SELECT id, version FROM follow_ups WHERE state IN ('PENDING', 'ENQUEUED') "
        "AND due_at <= %s ORDER BY due_at, id",
        (now,),
    )
    due = [(r["id"], r["version"]) for r in await cur.fetchall()]
    assert due, "something was due"
    await handle_batch(conn, due, now)


async def _open(conn: AsyncConnection[Any]) -> list[dict[str, Any]]:
    cur = await conn.execute(
        "SELECT kind, person_id, due_at, explanation FROM follow_ups "
        "WHERE state IN ('PENDING', 'ENQUEUED') ORDER BY id"
    )
    return list(await cur.fetchall())


async def _handoff(conn: AsyncConnection[Any]) -> dict[str, Any]:
    cur = await conn.execute("SELECT respond_by, explanation FROM handoffs")
    row = await cur.fetchone()
    assert row is not None
    return dict(row)


async def _delivered(conn: AsyncConnection[Any], reminders: int = 1):
    """Sam (Amsterdam) hands Ana (Amsterdam, Mon-Fri 09-17) work at Monday 09:00 with 16 h
    of her working time to answer; it is delivered at once."""
    ws = (await ensure_workspace(conn, "acme", MONDAY_0900_AMS, reminders)).id
    ana = await create_person(
        conn, ws, MONDAY_0900_AMS, name="Ana", handle="ana", timezone="Europe/Amsterdam"
    )
    sam = await create_person(
        conn, ws, MONDAY_0900_AMS, name="Sam", handle="sam", timezone="Europe/Amsterdam"
    )
    handoff, _ = await create_handoff(
        conn,
        ws,
        MONDAY_0900_AMS,
        NewHandoff(
            sender_id=sam.id,
            new_work_item_title="Release notes",
            note=Note(summary="over to you"),
            respond_within=SIXTEEN_HOURS,
            to_person_id=ana.id,
        ),
    )
    assert handoff.receiver_id == ana.id
    assert handoff.deliver_at == MONDAY_0900_AMS
    assert handoff.respond_by == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # Tue 17:00
    await _fire_due(conn, MONDAY_0900_AMS)
    return ws, ana.id, sam.id


async def test_time_off_after_delivery_moves_the_deadline_and_the_reminder(db_url: str) -> None:
    async with await AsyncConnection.connect(db_url, row_factory=dict_row) as conn:
        ws, ana, _ = await _delivered(conn)
        [reminder] = await _open(conn)
        assert reminder["due_at"] == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)  # Wed 09:00

        # Monday noon: Ana is off Tuesday to Friday. 3 h of the 16 are used; 13 are left:
        # 5 on Monday afternoon and 8 on Monday 7 December.
        noon = MONDAY_0900_AMS + timedelta(hours=3)
        await add_time_off(conn, ws, noon, ana, date(2026, 12, 1), date(2026, 12, 4), "sick")

        handoff = await _handoff(conn)
        assert handoff["respond_by"] == datetime(2026, 12, 7, 16, 0, tzinfo=UTC)
        assert "respond by Monday 7 Dec 17:00" in handoff["explanation"][-1]
        person = await people.get(conn, ws, ana)
        assert person is not None
        assert (
            person.pattern.working_time_between(MONDAY_0900_AMS, handoff["respond_by"])
            == SIXTEEN_HOURS
        )
        [reminder] = await _open(conn)
        assert reminder["kind"] == "REMINDER"
        assert reminder["due_at"] == datetime(2026, 12, 8, 8, 0, tzinfo=UTC)  # Tue 09:00
        assert "by Monday 7 Dec 17:00 Europe/Amsterdam (16:00 UTC)" in reminder["explanation"][0]
        cur = await conn.execute(
            "SELECT payload FROM events WHERE type = 'person.availability_changed'"
        )
        payload = (await cur.fetchone())["payload"]
        assert payload["followUpsMoved"] == 1
        [moved] = payload["movedFollowUps"]
        assert moved["kind"] == "REMINDER" and moved["to"] == reminder["due_at"].isoformat()

        # Back to work after all (Monday 13:00): the clock that was left runs on the old
        # hours again, so the deadline is Tuesday 17:00 once more.
        await remove_time_off(
            conn, ws, noon + timedelta(hours=1), ana, date(2026, 12, 1), date(2026, 12, 4)
        )
        assert (await _handoff(conn))["respond_by"] == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
        [reminder] = await _open(conn)
        assert reminder["due_at"] == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


async def test_a_passed_deadline_and_more_hours_leave_nothing_to_move(db_url: str) -> None:
    async with await AsyncConnection.connect(db_url, row_factory=dict_row) as conn:
        ws, ana, _ = await _delivered(conn)
        before = await _open(conn)
        # Wednesday 08:30 UTC: the deadline (Tuesday 17:00) has passed; longer hours from
        # now on change nothing about it.
        later = datetime(2026, 12, 2, 7, 30, tzinfo=UTC)
        every_day = {d: ["08:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
        await set_working_pattern(conn, ws, later, ana, {"weekly": every_day})
        assert (await _handoff(conn))["respond_by"] == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
        [reminder] = await _open(conn)
        # the reminder waits for the next delivery instant after the deadline, new hours
        assert reminder["due_at"] == datetime(2026, 12, 2, 7, 30, tzinfo=UTC)
        assert before[0]["due_at"] == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


async def test_the_escalation_back_to_the_sender_moves_with_the_deadline(db_url: str) -> None:
    async with await AsyncConnection.connect(db_url, row_factory=dict_row) as conn:
        ws, ana, sam = await _delivered(conn, reminders=0)
        [escalation] = await _open(conn)
        assert (escalation["kind"], escalation["person_id"]) == ("ESCALATION", sam)
        # a new pattern from Monday noon: only Mondays and Thursdays
        noon = MONDAY_0900_AMS + timedelta(hours=3)
        await set_working_pattern(
            conn, ws, noon, ana, {"weekly": {"mon": ["09:00-17:00"], "thu": ["09:00-17:00"]}}
        )
        # 13 h left at noon: 5 on Monday, 8 on Thursday 3 December -> 17:00 Amsterdam
        due = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)
        assert (await _handoff(conn))["respond_by"] == due
        [escalation] = await _open(conn)
        assert (escalation["kind"], escalation["person_id"]) == ("ESCALATION", sam)
        assert escalation["due_at"] == datetime(2026, 12, 4, 8, 0, tzinfo=UTC)  # Sam's Fri 09:00
        assert escalation["explanation"][0] == (
            "No answer from Ana by Thursday 3 Dec 17:00 Europe/Amsterdam (16:00 UTC): "
            "it goes back to Sam, in Sam's working hours."
        )


async def test_a_team_reroute_never_hands_it_back_to_who_it_was_escalated_from(
    db_url: str,
) -> None:
    async with await AsyncConnection.connect(db_url, row_factory=dict_row) as conn:
        ws = (await ensure_workspace(conn, "acme", MONDAY_0900_AMS)).id
        m1, m2, m3, sam = [
            await create_person(conn, ws, MONDAY_0900_AMS, name=n, handle=n.lower(), timezone=z)
            for n, z in (
                ("M1", "Europe/Amsterdam"),
                ("M2", "America/New_York"),
                ("M3", "Asia/Tokyo"),
                ("Sam", "Europe/Amsterdam"),
            )
        ]
        team = await create_team(conn, ws, MONDAY_0900_AMS, "Ops", member_ids=[m1.id, m2.id, m3.id])
        made, _ = await create_handoff(
            conn,
            ws,
            MONDAY_0900_AMS,
            NewHandoff(
                sender_id=sam.id,
                to_team_id=team.id,
                new_work_item_title="x",
                note=Note(summary="s"),
                respond_within=timedelta(hours=1),
                max_reminders=0,
            ),
        )
        assert made.receiver_id == m1.id
        await _fire_due(conn, MONDAY_0900_AMS)  # delivered to M1
        await _fire_due(conn, MONDAY_0900_AMS + timedelta(hours=1))  # no answer: escalated
        cur = await conn.execute("SELECT receiver_id FROM handoffs")
        assert (await cur.fetchone())["receiver_id"] == m2.id
        # M2 goes on leave before it lands: the team routes it again, to M3, not back to M1
        await add_time_off(
            conn,
            ws,
            MONDAY_0900_AMS + timedelta(hours=1, minutes=5),
            m2.id,
            date(2026, 11, 30),
            date(2026, 12, 4),
        )
        cur = await conn.execute("SELECT receiver_id, deliver_at FROM handoffs")
        row = await cur.fetchone()
        assert row["receiver_id"] == m3.id
        assert row["deliver_at"] == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # Tue 09:00 Tokyo
