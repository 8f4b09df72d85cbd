"""Edges of the handoff life cycle found in review: ALL-routing, rescheduling, stale handoffs,
concurrent retries. Real PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from handoff.jobs.worker import run_due
from handoff.services.availability import add_time_off, set_delivery_policy, set_working_pattern
from handoff.services.handoffs import NewHandoff, Note, create_handoff
from handoff.services.lifecycle import transition
from handoff.services.teams import create_team
from handoff.storage.db import open_pool
from handoff.storage.models import Handoff, Person
from tests.integration._delivery_helpers import (
    WEEKDAYS_9_17,
    engine,
    events_of,
    follow_ups_of,
    handoff,
    person,
    workspace,
)

AMS, NYC, SYD = "Europe/Amsterdam", "America/New_York", "Australia/Sydney"


async def test_all_routing_delivers_to_every_member_without_poisoning_the_batch(
    db_url, redis_url, clock
):
    async with engine(db_url, redis_url) as (pool, redis, settings):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            ana = await person(conn, ws, clock.now(), "Ana", NYC)
            bob = await person(conn, ws, clock.now(), "Bob", AMS)
            plain = await handoff(conn, ws, clock.now(), ana, to=bob, summary="unrelated")
            members = [await person(conn, ws, clock.now(), f"M{i}", AMS) for i in range(3)]
            team = await create_team(conn, ws, clock.now(), "All", "ALL", [m.id for m in members])
            everyone = await handoff(conn, ws, clock.now(), ana, team_id=team.id)
        await run_due(pool, redis, clock, settings)
        async with pool.connection() as conn:
            rows = await follow_ups_of(conn, everyone.id)
            assert [(r["person_id"], r["state"]) for r in rows] == [(m.id, "DONE") for m in members]
            assert [r["state"] for r in await follow_ups_of(conn, plain.id)] == ["DONE"]
            cur = await conn.execute(
                "SELECT status FROM handoffs WHERE id = ANY(%s)", ([plain.id, everyone.id],)
            )
            assert {r["status"] for r in await cur.fetchall()} == {"DELIVERED"}


async def test_an_all_member_delivery_moves_as_a_delivery_after_the_receiver_got_it(
    db_url, redis_url, clock
):
    async with engine(db_url, redis_url) as (pool, _redis, _settings):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            ana = await person(conn, ws, clock.now(), "Ana", NYC)
            ams = await person(conn, ws, clock.now(), "Ams", AMS)
            syd = await person(conn, ws, clock.now(), "Syd", SYD)
            team = await create_team(conn, ws, clock.now(), "All", "ALL", [ams.id, syd.id])
            h = await handoff(
                conn, ws, clock.now(), ana, team_id=team.id, respond_within=timedelta(hours=40)
            )
            assert h.receiver_id == ams.id
            # the receiver's delivery is done (as the worker would); Sydney's is pending
            await conn.execute(
                "UPDATE handoffs SET status = 'DELIVERED', delivered_at = %s WHERE id = %s",
                (clock.now(), h.id),
            )
            await conn.execute(
                "UPDATE follow_ups SET state = 'DONE' WHERE handoff_id = %s AND person_id = %s",
                (h.id, ams.id),
            )
        async with pool.connection() as conn, conn.transaction():
            weekly = {**WEEKDAYS_9_17, "sat": ["09:00-17:00"]}  # Sydney now works Saturdays
            await set_working_pattern(
                conn, ws, clock.now(), syd.id, {"timezone": SYD, "weekly": weekly}
            )
            rows = await follow_ups_of(conn, h.id)
        syd_row = next(r for r in rows if r["person_id"] == syd.id)
        # Saturday 09:00 in Sydney, not "after the receiver's respondBy"
        assert syd_row["due_at"] == datetime(2026, 11, 27, 22, 0, tzinfo=UTC)


async def test_a_team_escalation_is_not_held_by_the_absent_receiver(db_url, redis_url, clock):
    async with engine(db_url, redis_url) as (pool, redis, settings):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            sender = await person(conn, ws, clock.now(), "Sen", SYD)
            ams = await person(conn, ws, clock.now(), "Ams", AMS)
            nyc = await person(conn, ws, clock.now(), "Nyc", NYC)
            team = await create_team(conn, ws, clock.now(), "T", "FOLLOW_THE_SUN", [ams.id, nyc.id])
            h = await handoff(
                conn,
                ws,
                clock.now(),
                sender,
                team_id=team.id,
                respond_within=timedelta(hours=1),
                max_reminders=0,
            )
        assert h.receiver_id == ams.id
        await run_due(pool, redis, clock, settings)
        async with pool.connection() as conn:
            before = next(r for r in await follow_ups_of(conn, h.id) if r["kind"] == "ESCALATION")
        async with pool.connection() as conn, conn.transaction():
            await add_time_off(
                conn, ws, clock.now(), ams.id, date(2026, 11, 27), date(2026, 12, 11)
            )
            after = next(r for r in await follow_ups_of(conn, h.id) if r["kind"] == "ESCALATION")
        assert after["due_at"] == before["due_at"]  # the team takes it over at the deadline


async def acknowledged_item(conn, now) -> tuple[int, Person, Handoff, NewHandoff]:
    """Ana's handoff to Bob, delivered and acknowledged (its item held by Bob), and Bob's
    new handoff passing that item on to Cy, not made yet: (workspace, Bob, the first
    handoff, the new one)."""
    ws = await workspace(conn, now)
    ana = await person(conn, ws, now, "Ana", AMS)
    bob = await person(conn, ws, now, "Bob", AMS)
    cy = await person(conn, ws, now, "Cy", AMS)
    h1 = await handoff(conn, ws, now, ana, to=bob)
    # delivered, as the worker would
    await conn.execute("UPDATE handoffs SET status = 'DELIVERED' WHERE id = %s", (h1.id,))
    await transition(conn, ws, now, h1.id, "ACKNOWLEDGED")
    passing_on = NewHandoff(
        sender_id=bob.id, note=Note("yours now"), work_item_id=h1.work_item_id, to_person_id=cy.id
    )
    return ws, bob, h1, passing_on


async def test_an_old_acknowledged_handoff_does_not_pull_back_a_passed_on_item(db_url, clock):
    pool = await open_pool(db_url, 1, 4)
    try:
        async with pool.connection() as conn, conn.transaction():
            ws, bob, h1, passing_on = await acknowledged_item(conn, clock.now())
            await create_handoff(conn, ws, clock.now(), passing_on)
            cancelled = await transition(conn, ws, clock.now(), h1.id, "CANCELLED")
            assert cancelled.status == "CANCELLED"
            cur = await conn.execute(
                "SELECT status, holder_id FROM work_items WHERE id = %s", (h1.work_item_id,)
            )
            assert await cur.fetchone() == {"status": "IN_HANDOFF", "holder_id": bob.id}
            assert [e["type"] for e in await events_of(conn, h1.id)][-1] == "handoff.cancelled"
    finally:
        await pool.close()


async def test_a_retry_with_the_same_key_and_an_existing_item_gets_the_first_handoff(db_url, clock):
    pool = await open_pool(db_url, 2, 4)
    try:
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            ana = await person(conn, ws, clock.now(), "Ana", AMS)
            bob = await person(conn, ws, clock.now(), "Bob", AMS)
            cur = await conn.execute(
                "INSERT INTO work_items (workspace_id, title, status, holder_id, created_at,"
                " updated_at) VALUES (%s, 'w', 'OPEN', %s, %s, %s) RETURNING id",
                (ws, ana.id, clock.now(), clock.now()),
            )
            item_id = (await cur.fetchone())["id"]
        new = NewHandoff(
            sender_id=ana.id,
            note=Note("n"),
            work_item_id=item_id,
            to_person_id=bob.id,
            idempotency_key="retry-1",
        )
        async with pool.connection() as first, pool.connection() as second:

            async def retry() -> tuple[object, bool]:
                async with second.transaction():
                    return await create_handoff(second, ws, clock.now(), new)

            async with first.transaction():
                original, _ = await create_handoff(first, ws, clock.now(), new)
                task = asyncio.create_task(retry())
                await asyncio.sleep(0.3)
                assert not task.done()  # waiting for the work item's lock
            again, created = await task
        assert (again.id, created) == (original.id, False)
    finally:
        await pool.close()


async def test_an_irrelevant_change_does_not_reroute_a_team_handoff(db_url, clock):
    pool = await open_pool(db_url, 1, 4)
    try:
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            ana = await person(conn, ws, clock.now(), "Ana", NYC)
            b = await person(conn, ws, clock.now(), "B", AMS)
            c = await person(conn, ws, clock.now(), "C", AMS)
            team = await create_team(conn, ws, clock.now(), "T", "ROUND_ROBIN", [b.id, c.id])
            h = await handoff(conn, ws, clock.now(), ana, team_id=team.id)
            # a focus block on Sunday, which is not a working day: nothing changes
            await set_delivery_policy(
                conn, ws, clock.now(), h.receiver_id, {"focus_blocks": {"sun": ["10:00-11:00"]}}
            )
            cur = await conn.execute("SELECT receiver_id FROM handoffs WHERE id = %s", (h.id,))
            assert (await cur.fetchone())["receiver_id"] == h.receiver_id
            assert "handoff.reassigned" not in [e["type"] for e in await events_of(conn, h.id)]
            # going on leave does reroute it
            await add_time_off(
                conn, ws, clock.now(), h.receiver_id, date(2026, 11, 27), date(2026, 12, 4)
            )
            cur = await conn.execute("SELECT receiver_id FROM handoffs WHERE id = %s", (h.id,))
            assert (await cur.fetchone())["receiver_id"] != h.receiver_id
            assert [e["type"] for e in await events_of(conn, h.id)][-1] == "handoff.reassigned"
    finally:
        await pool.close()
