"""Follow-ups when something else changes: an ALL team's other members, a reassignment
after an escalation, a sender's new hours under a pending escalation, and the chosen
team member's time off inside the response window."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from handoff.jobs.worker import run_due
from handoff.services.availability import add_time_off, set_delivery_policy, set_working_pattern
from handoff.services.lifecycle import reassign
from handoff.services.teams import create_team
from tests.integration._delivery_helpers import (
    WEEKDAYS_9_17,
    engine,
    events_of,
    follow_ups_of,
    handoff,
    person,
    workspace,
)

AMS, NYC = "Europe/Amsterdam", "America/New_York"


async def _until(pool, redis, clock, settings, at: datetime) -> None:
    """Move the clock to `at`, running every follow-up due on the way, in order."""
    while True:
        async with pool.connection() as conn:
            cur = await conn.execute(
                "SELECT min(due_at) AS d FROM follow_ups WHERE state IN ('PENDING', 'ENQUEUED')"
            )
            due = (await cur.fetchone())["d"]
        if due is None or due > at:
            break
        clock.set(max(due, clock.now()))
        await run_due(pool, redis, clock, settings)
    clock.set(max(at, clock.now()))


async def _row(conn, handoff_id: int) -> dict[str, Any]:
    cur = await conn.execute("SELECT * FROM handoffs WHERE id = %s", (handoff_id,))
    return await cur.fetchone()


async def _sam_asks_ana_within_an_hour(pool, clock) -> tuple[int, Any, Any]:
    """Sam (New York) hands Ana (Amsterdam) something to answer within an hour of her
    working time, with no reminder: it escalates back to Sam at once."""
    async with pool.connection() as conn, conn.transaction():
        ws = await workspace(conn, clock.now(), reminders=0)
        sam = await person(conn, ws, clock.now(), "Sam", NYC)
        ana = await person(conn, ws, clock.now(), "Ana", AMS)
        h = await handoff(
            conn, ws, clock.now(), sam, to=ana, respond_within=timedelta(hours=1), max_reminders=0
        )
    return ws, sam, h


async def test_an_all_team_handoff_is_delivered_by_its_holders_landing(
    db_url: str, redis_url: str, clock
) -> None:
    clock.set(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))  # Saturday
    async with engine(db_url, redis_url) as (pool, redis, settings):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now(), reminders=1)
            sam = await person(conn, ws, clock.now(), "Sam", NYC)
            ana = await person(conn, ws, clock.now(), "Ana", AMS)  # holds it: Monday 08:00Z
            bo = await person(conn, ws, clock.now(), "Bo", NYC)
            team = await create_team(conn, ws, clock.now(), "All", "ALL", [ana.id, bo.id])
            h = await handoff(
                conn, ws, clock.now(), sam, team_id=team.id, respond_within=timedelta(hours=2)
            )
            assert h.receiver_id == ana.id
        async with pool.connection() as conn, conn.transaction():
            # Bo now works on Sundays too: his notification lands before Ana's Monday
            sunday = {"timezone": NYC, "weekly": {**WEEKDAYS_9_17, "sun": ["09:00-17:00"]}}
            await set_working_pattern(conn, ws, clock.now(), bo.id, sunday)
        async with pool.connection() as conn:
            bos = [r for r in await follow_ups_of(conn, h.id) if r["person_id"] == bo.id]
            # his row says when it reaches him, not the holder's deadline
            assert not any("Expects a response" in line for line in bos[0]["explanation"])
        await _until(pool, redis, clock, settings, datetime(2026, 11, 29, 15, 0, tzinfo=UTC))
        async with pool.connection() as conn:
            row = await _row(conn, h.id)
            # Bo was told; the handoff is not in Ana's inbox on her Sunday
            assert row["status"] == "SCHEDULED" and row["delivered_at"] is None
        await _until(pool, redis, clock, settings, datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
        async with pool.connection() as conn:
            row = await _row(conn, h.id)
        assert row["status"] == "DELIVERED"
        assert row["delivered_at"] == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
        await _until(pool, redis, clock, settings, datetime(2026, 11, 30, 11, 0, tzinfo=UTC))
        async with pool.connection() as conn:
            events = [(e["type"], e["person_id"]) for e in await events_of(conn, h.id)]
        assert ("handoff.delivered", bo.id) in events
        assert ("handoff.delivered", ana.id) in events
        # her response clock runs: a reminder after 2 h of her working time
        assert ("handoff.reminded", ana.id) in events


async def test_a_reassigned_handoff_escalates_afresh(db_url: str, redis_url: str, clock) -> None:
    clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))  # Monday 09:00 in Amsterdam
    async with engine(db_url, redis_url) as (pool, redis, settings):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now(), reminders=0)
            sam = await person(conn, ws, clock.now(), "Sam", NYC)
            ana = await person(conn, ws, clock.now(), "Ana", AMS)
            cy = await person(conn, ws, clock.now(), "Cy", AMS)
            di = await person(conn, ws, clock.now(), "Di", NYC)
            team = await create_team(conn, ws, clock.now(), "Ops", "FOLLOW_THE_SUN", [cy.id, di.id])
            h = await handoff(
                conn,
                ws,
                clock.now(),
                sam,
                to=ana,
                respond_within=timedelta(hours=1),
                max_reminders=0,
            )
        await _until(pool, redis, clock, settings, datetime(2026, 11, 30, 14, 30, tzinfo=UTC))
        async with pool.connection() as conn, conn.transaction():
            moved = await reassign(conn, ws, clock.now(), h.id, None, team.id)
        assert moved.escalated_at is None  # counted afresh, as its reminders are
        await _until(pool, redis, clock, settings, datetime(2026, 12, 1, 20, 0, tzinfo=UTC))
        async with pool.connection() as conn:
            cur = await conn.execute(
                "SELECT payload FROM events WHERE handoff_id = %s AND type = 'handoff.escalated'"
                " ORDER BY id",
                (h.id,),
            )
            to = [r["payload"]["escalation"]["to"] for r in await cur.fetchall()]
        # back to Sam before; the team's first escalation goes to another member
        assert to[:2] == ["sender", "team"], to


async def test_a_pending_escalation_keeps_saying_why_when_the_sender_changes_hours(
    db_url: str, redis_url: str, clock
) -> None:
    clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
    async with engine(db_url, redis_url) as (pool, redis, settings):
        ws, sam, h = await _sam_asks_ana_within_an_hour(pool, clock)
        await _until(pool, redis, clock, settings, datetime(2026, 11, 30, 9, 30, tzinfo=UTC))
        async with pool.connection() as conn, conn.transaction():
            # a focus block on Wednesday changes nothing about Monday's escalation
            policy = {"focus_blocks": {"wed": ["09:00-10:00"]}, "digest_times": []}
            await set_delivery_policy(conn, ws, clock.now(), sam.id, policy)
        async with pool.connection() as conn:
            cur = await conn.execute(
                "SELECT payload FROM events WHERE type = 'person.availability_changed'"
                " ORDER BY id DESC LIMIT 1"
            )
            payload = (await cur.fetchone())["payload"]
            assert (payload["followUpsMoved"], payload["movedFollowUps"]) == (0, [])
        await _until(pool, redis, clock, settings, datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
        async with pool.connection() as conn:
            cur = await conn.execute(
                "SELECT payload FROM events WHERE handoff_id = %s AND type = 'handoff.escalated'",
                (h.id,),
            )
            reason = (await cur.fetchone())["payload"]["followUp"]["explanation"][0]
        assert reason.startswith("No answer from Ana"), reason


async def test_time_off_in_a_team_handoffs_window_recounts_its_deadline(
    db_url: str, redis_url: str, clock
) -> None:
    clock.set(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))  # Saturday
    async with engine(db_url, redis_url) as (pool, _redis, _settings):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now(), reminders=1)
            sam = await person(conn, ws, clock.now(), "Sam", NYC)
            ana = await person(conn, ws, clock.now(), "Ana", AMS)
            bo = await person(conn, ws, clock.now(), "Bo", NYC)
            team = await create_team(
                conn, ws, clock.now(), "Sun", "FOLLOW_THE_SUN", [ana.id, bo.id]
            )
            h = await handoff(
                conn, ws, clock.now(), sam, team_id=team.id, respond_within=timedelta(hours=16)
            )
        assert h.receiver_id == ana.id
        assert h.respond_by == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # two of her days
        async with pool.connection() as conn, conn.transaction():
            await add_time_off(conn, ws, clock.now(), ana.id, date(2026, 12, 1), date(2026, 12, 1))
        async with pool.connection() as conn:
            row = await _row(conn, h.id)
        # still Ana's on Monday; Tuesday off: the 16 h end on Wednesday, as for a person
        assert row["receiver_id"] == ana.id
        assert row["deliver_at"] == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
        assert row["respond_by"] == datetime(2026, 12, 2, 16, 0, tzinfo=UTC)


async def test_an_escalation_to_a_sender_who_left_is_recorded_at_once(
    db_url: str, redis_url: str, clock
) -> None:
    from handoff.services.membership import deactivate_person

    clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))  # Monday 09:00 in Amsterdam
    async with engine(db_url, redis_url) as (pool, redis, settings):
        ws, sam, h = await _sam_asks_ana_within_an_hour(pool, clock)
        async with pool.connection() as conn, conn.transaction():
            await deactivate_person(conn, ws, clock.now(), sam.id)
        await _until(pool, redis, clock, settings, datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
        async with pool.connection() as conn:
            row = await _row(conn, h.id)
            cur = await conn.execute(
                "SELECT payload, occurred_at FROM events"
                " WHERE handoff_id = %s AND type = 'handoff.escalated'",
                (h.id,),
            )
            escalated = await cur.fetchone()
        # delivered at 08:00 UTC (09:00 for Ana): her hour ran out at 09:00 UTC
        assert escalated is not None and row["escalated_at"] is not None
        assert escalated["occurred_at"] == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
        lines = escalated["payload"]["followUp"]["explanation"]
        assert lines[0].startswith("No answer from Ana")
        assert lines[1] == "Sam has left, so it goes back at once."


async def test_a_handoff_bundled_into_a_digest_says_so_in_its_history(
    db_url: str, redis_url: str, clock
) -> None:
    from handoff import ids
    from tests.integration._webhook_helpers import harness

    async with harness(db_url, redis_url, clock) as h:
        ws = await h.workspace("acme")
        async with h.pool.connection() as conn, conn.transaction():
            ana = await person(conn, ws, clock.now(), "Ana", NYC)
            policy = {"digest_times": ["09:30", "14:00"]}
            dee = await person(conn, ws, clock.now(), "Dee", AMS, policy=policy)
            made = await handoff(conn, ws, clock.now(), ana, to=dee, summary="Q4 numbers")
        clock.set(made.deliver_at)  # Monday's 09:30 digest in Amsterdam
        assert await run_due(h.pool, h.redis, clock, h.settings) == 1
        query = (
            "query($id: ID!) { node(id: $id) { ... on Handoff { history { type at summary } } } }"
        )
        found = await h.gql(ws, query, id=ids.encode("Handoff", made.id))
        lines = found["node"]["history"]
    assert [line["type"] for line in lines] == ["handoff.created", "digest.delivered"]
    assert lines[1]["summary"] == "Landed with Dee, bundled in their digest."
    assert lines[1]["at"] == "2026-11-30T08:30:00+00:00"
