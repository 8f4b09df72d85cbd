"""The delivery engine's behaviour through real PostgreSQL, Redis and arq, on a manual clock."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from handoff.clock import ManualClock
from handoff.ids import encode
from handoff.jobs.followups import LOCKED_OUT_RETRIES, handle_follow_ups
from handoff.jobs.relay import relay_once
from handoff.jobs.worker import run_due
from handoff.services.availability import set_working_pattern
from handoff.services.handoffs import NewHandoff, Note, create_handoff
from handoff.services.lifecycle import transition
from handoff.services.payloads import handoff_data
from handoff.services.teams import create_team
from handoff.storage.models import Handoff, Person, Team, WorkItem
from tests.integration._delivery_helpers import (
    WEEKDAYS_9_17,
    engine,
    events_of,
    follow_ups_of,
    handoff,
    person,
    workspace,
)

AMS = "Europe/Amsterdam"
NYC = "America/New_York"
SYD = "Australia/Sydney"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


ALL_WEEKDAYS = {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri")}


async def _ana_and_bo_all_week(conn: Any, ws: int, clock: ManualClock) -> tuple[Person, Person]:
    """Two people in Amsterdam who work around the clock on weekdays."""
    ana = await person(conn, ws, clock.now(), "Ana", AMS, weekly=ALL_WEEKDAYS)
    bo = await person(conn, ws, clock.now(), "Bo", AMS, weekly=ALL_WEEKDAYS)
    return ana, bo


async def test_delivery_lands_at_deliver_at_with_one_event(db_url, redis_url, clock):
    async with engine(db_url, redis_url) as (pool, redis, settings):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            ana = await person(conn, ws, clock.now(), "Ana", AMS)
            # Friday off for Bo: the handoff lands Monday 09:00 New York.
            bo = await person(
                conn,
                ws,
                clock.now(),
                "Bo",
                NYC,
                weekly={d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu")},
            )
            h = await handoff(conn, ws, clock.now(), ana, to=bo)
        assert h.deliver_at == utc(2026, 11, 30, 14, 0)

        assert await run_due(pool, redis, clock, settings) == 0
        clock.set(h.deliver_at - timedelta(seconds=1))
        assert await run_due(pool, redis, clock, settings) == 0
        clock.set(h.deliver_at)
        assert await run_due(pool, redis, clock, settings) == 1
        assert await run_due(pool, redis, clock, settings) == 0

        async with pool.connection() as conn:
            evs = [e for e in await events_of(conn, h.id) if e["type"] != "handoff.created"]
            rows = await follow_ups_of(conn, h.id)
            cur = await conn.execute(
                "SELECT status, delivered_at FROM handoffs WHERE id = %s", (h.id,)
            )
            st = await cur.fetchone()
        assert [e["type"] for e in evs] == ["handoff.delivered"]
        assert evs[0]["person_id"] == bo.id
        assert evs[0]["payload"]["handoff"]["status"] == "DELIVERED"
        assert evs[0]["payload"]["followUp"]["explanation"] == rows[0]["explanation"]
        assert st == {"status": "DELIVERED", "delivered_at": h.deliver_at}
        assert [(r["kind"], r["state"]) for r in rows] == [("DELIVERY", "DONE")]


async def test_focus_block_holds_delivery_until_it_ends(db_url, redis_url, clock):
    # Clock: Friday 15:00 in Amsterdam, inside Cy's 15:00-16:30 focus block.
    async with engine(db_url, redis_url) as (pool, redis, settings):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            ana = await person(conn, ws, clock.now(), "Ana", NYC)
            cy = await person(
                conn, ws, clock.now(), "Cy", AMS, policy={"focus_blocks": {"fri": ["15:00-16:30"]}}
            )
            h = await handoff(conn, ws, clock.now(), ana, to=cy)
        assert h.deliver_at == utc(2026, 11, 27, 15, 30)
        assert any("focus" in line.lower() for line in h.explanation)
        clock.set(utc(2026, 11, 27, 15, 29, 59))
        assert await run_due(pool, redis, clock, settings) == 0
        clock.set(utc(2026, 11, 27, 15, 30))
        assert await run_due(pool, redis, clock, settings) == 1
        async with pool.connection() as conn:
            types = [e["type"] for e in await events_of(conn, h.id)]
        assert types == ["handoff.created", "handoff.delivered"]


async def test_digest_bundles_due_handoffs_into_one_event(db_url, redis_url, clock):
    async with engine(db_url, redis_url) as (pool, redis, settings):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            ana = await person(conn, ws, clock.now(), "Ana", NYC)
            dee = await person(
                conn, ws, clock.now(), "Dee", AMS, policy={"digest_times": ["09:30", "14:00"]}
            )
            hs = [
                await handoff(conn, ws, clock.now(), ana, to=dee, summary=f"q{i}") for i in range(3)
            ]
        # Friday 15:00 local: the 14:00 digest has passed; Monday 09:30 CET is next.
        assert {h.deliver_at for h in hs} == {utc(2026, 11, 30, 8, 30)}
        clock.set(utc(2026, 11, 30, 8, 30))
        assert await run_due(pool, redis, clock, settings) == 3
        async with pool.connection() as conn:
            evs = [e for e in await events_of(conn) if e["type"] != "handoff.created"]
            cur = await conn.execute("SELECT DISTINCT status FROM handoffs")
            statuses = [r["status"] for r in await cur.fetchall()]
        assert [e["type"] for e in evs] == ["digest.delivered"]
        digest = evs[0]
        assert digest["person_id"] == dee.id
        assert digest["payload"]["count"] == 3
        assert sorted(x["handoff"]["summary"] for x in digest["payload"]["handoffs"]) == [
            "q0",
            "q1",
            "q2",
        ]
        assert statuses == ["DELIVERED"]


async def test_pattern_change_moves_pending_follow_up_and_old_job_does_nothing(
    db_url, redis_url, clock
):
    async with engine(db_url, redis_url) as (pool, redis, settings):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            ana = await person(conn, ws, clock.now(), "Ana", NYC)
            cy = await person(
                conn, ws, clock.now(), "Cy", AMS, policy={"focus_blocks": {"fri": ["15:00-16:30"]}}
            )
            h = await handoff(conn, ws, clock.now(), ana, to=cy)
        # The relay hands it to arq 90 minutes ahead (a deferred job for version 1).
        assert await relay_once(pool, redis, clock, settings, horizon_seconds=7200) == 1
        async with pool.connection() as conn:
            (row,) = await follow_ups_of(conn, h.id)
        assert (row["state"], row["version"]) == ("ENQUEUED", 1)

        # Cy stops working on Fridays: the row moves to Monday 09:00 CET, version 2.
        async with pool.connection() as conn, conn.transaction():
            weekly = {**WEEKDAYS_9_17, "fri": []}
            await set_working_pattern(
                conn, ws, clock.now(), cy.id, {"timezone": AMS, "weekly": weekly}
            )
            (moved,) = await follow_ups_of(conn, h.id)
        assert (moved["state"], moved["version"]) == ("PENDING", 2)
        assert moved["due_at"] == utc(2026, 11, 30, 8, 0)

        # The job enqueued for version 1 fires anyway (as if its deferral ran out): no effect.
        clock.set(utc(2026, 11, 27, 15, 30))
        ctx = {"pool": pool, "clock": clock, "settings": settings, "job_try": 1}
        result = await handle_follow_ups(ctx, [[row["id"], 1]])
        assert result["handled"] == 0
        assert await run_due(pool, redis, clock, settings) == 0
        clock.set(utc(2026, 11, 30, 8, 0))
        assert await run_due(pool, redis, clock, settings) == 1
        async with pool.connection() as conn:
            evs = [e for e in await events_of(conn, h.id) if e["type"] == "handoff.delivered"]
        assert len(evs) == 1 and evs[0]["occurred_at"] == utc(2026, 11, 30, 8, 0)


async def test_acknowledgement_cancels_pending_reminder(db_url, redis_url, clock):
    async with engine(db_url, redis_url) as (pool, redis, settings):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            ana = await person(conn, ws, clock.now(), "Ana", NYC)
            eve = await person(conn, ws, clock.now(), "Eve", AMS)
            h = await handoff(conn, ws, clock.now(), ana, to=eve, respond_within=timedelta(hours=1))
        assert await run_due(pool, redis, clock, settings) == 1  # delivered now
        async with pool.connection() as conn:
            rows = await follow_ups_of(conn, h.id)
        assert [(r["kind"], r["state"]) for r in rows] == [
            ("DELIVERY", "DONE"),
            ("REMINDER", "PENDING"),
        ]
        async with pool.connection() as conn, conn.transaction():
            await transition(conn, ws, clock.now(), h.id, "ACKNOWLEDGED")
        clock.advance(timedelta(days=5))
        assert await run_due(pool, redis, clock, settings) == 0
        async with pool.connection() as conn:
            rows = await follow_ups_of(conn, h.id)
            types = [e["type"] for e in await events_of(conn, h.id)]
        assert rows[1]["state"] == "CANCELLED"
        assert "handoff.reminded" not in types


async def test_reminder_and_escalation_chain_across_weekend_and_dst(db_url, redis_url):
    # Friday 2026-10-23 16:00 CEST. Amsterdam falls back on Sunday 25 October; New York
    # only on 1 November, so that Monday the two cities are 5 hours apart, not 6.
    clock = ManualClock(utc(2026, 10, 23, 14, 0))
    async with engine(db_url, redis_url) as (pool, redis, settings):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            sam = await person(conn, ws, clock.now(), "Sam", NYC)
            fay = await person(conn, ws, clock.now(), "Fay", AMS)
            h = await handoff(
                conn,
                ws,
                clock.now(),
                sam,
                to=fay,
                respond_within=timedelta(hours=2),
                max_reminders=1,
            )
        # 1 h on Friday (16:00-17:00 CEST) + 1 h on Monday (09:00-10:00 CET = 09:00 UTC).
        assert h.deliver_at == clock.now()
        assert h.respond_by == utc(2026, 10, 26, 9, 0)
        assert await run_due(pool, redis, clock, settings) == 1

        async with pool.connection() as conn:
            rows = await follow_ups_of(conn, h.id)
        reminder = rows[1]
        assert (reminder["kind"], reminder["due_at"]) == ("REMINDER", utc(2026, 10, 26, 9, 0))
        assert reminder["explanation"][0].startswith("Reminder 1 of 1")

        clock.set(utc(2026, 10, 26, 8, 59))  # Monday 09:59 CET: not yet
        assert await run_due(pool, redis, clock, settings) == 0
        clock.set(utc(2026, 10, 26, 9, 0))
        assert await run_due(pool, redis, clock, settings) == 1

        async with pool.connection() as conn:
            rows = await follow_ups_of(conn, h.id)
            cur = await conn.execute("SELECT * FROM handoffs WHERE id = %s", (h.id,))
            hrow = await cur.fetchone()
        # The next deadline counts 2 h of Fay's working time from the reminder: 12:00 CET.
        assert hrow["reminders_sent"] == 1
        assert hrow["respond_by"] == utc(2026, 10, 26, 11, 0)
        esc = rows[2]
        # Back to Sam, in Sam's hours: Monday 09:00 EDT (still summer time) = 13:00 UTC.
        assert (esc["kind"], esc["person_id"], esc["due_at"]) == (
            "ESCALATION",
            sam.id,
            utc(2026, 10, 26, 13, 0),
        )
        clock.set(utc(2026, 10, 26, 12, 59))
        assert await run_due(pool, redis, clock, settings) == 0
        clock.set(utc(2026, 10, 26, 13, 0))
        assert await run_due(pool, redis, clock, settings) == 1
        clock.advance(timedelta(days=14))
        assert await run_due(pool, redis, clock, settings) == 0

        async with pool.connection() as conn:
            evs = await events_of(conn, h.id)
            cur = await conn.execute(
                "SELECT escalated_at, status FROM handoffs WHERE id = %s", (h.id,)
            )
            hrow = await cur.fetchone()
        assert [e["type"] for e in evs] == [
            "handoff.created",
            "handoff.delivered",
            "handoff.reminded",
            "handoff.escalated",
        ]
        assert evs[2]["payload"]["reminder"]["respondBy"] == "2026-10-26T11:00:00+00:00"
        assert evs[3]["person_id"] == sam.id
        assert evs[3]["payload"]["escalation"]["to"] == "sender"
        assert hrow == {"escalated_at": utc(2026, 10, 26, 13, 0), "status": "DELIVERED"}


async def test_team_escalation_routes_again_follow_the_sun(db_url, redis_url):
    # Saturday 1 Nov 2026 23:00 UTC... use a plain weekday: Tuesday 3 Nov 10:00 UTC.
    clock = ManualClock(utc(2026, 11, 3, 10, 0))
    async with engine(db_url, redis_url) as (pool, redis, settings):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            sam = await person(conn, ws, clock.now(), "Sam", NYC)
            gus = await person(conn, ws, clock.now(), "Gus", AMS)
            hal = await person(conn, ws, clock.now(), "Hal", SYD)
            team = await create_team(conn, ws, clock.now(), "Support", member_ids=[gus.id, hal.id])
            h = await handoff(
                conn,
                ws,
                clock.now(),
                sam,
                team_id=team.id,
                respond_within=timedelta(hours=1),
                max_reminders=0,
            )
        assert h.receiver_id == gus.id  # Amsterdam is working at 11:00 CET
        assert await run_due(pool, redis, clock, settings) == 1
        # No reminders: escalation is due at the deadline, 12:00 CET.
        clock.set(utc(2026, 11, 3, 11, 0))
        assert await run_due(pool, redis, clock, settings) == 1
        async with pool.connection() as conn:
            cur = await conn.execute("SELECT * FROM handoffs WHERE id = %s", (h.id,))
            hrow = await cur.fetchone()
            rows = await follow_ups_of(conn, h.id)
        # Routed again to Hal: Wednesday 09:00 in Sydney (AEDT, UTC+11) = Tue 22:00 UTC.
        assert hrow["receiver_id"] == hal.id and hrow["status"] == "SCHEDULED"
        assert hrow["deliver_at"] == utc(2026, 11, 3, 22, 0)
        assert rows[-1]["kind"] == "DELIVERY" and rows[-1]["person_id"] == hal.id
        clock.set(utc(2026, 11, 3, 22, 0))
        assert await run_due(pool, redis, clock, settings) == 1
        async with pool.connection() as conn:
            evs = await events_of(conn, h.id)
        assert [e["type"] for e in evs] == [
            "handoff.created",
            "handoff.delivered",
            "handoff.escalated",
            "handoff.delivered",
        ]
        assert evs[2]["payload"]["escalation"]["to"] == "team"
        assert evs[3]["person_id"] == hal.id


async def _sql_event_data(conn: Any, handoff_id: int, receiver_id: int) -> Any:
    cur = await conn.execute(
        "SELECT handoff_event_data(h, w, s, r, t) AS data FROM handoffs h "
        "JOIN work_items w ON w.id = h.work_item_id JOIN people s ON s.id = h.sender_id "
        "JOIN people r ON r.id = %s LEFT JOIN teams t ON t.id = h.team_id WHERE h.id = %s",
        (receiver_id, handoff_id),
    )
    row = await cur.fetchone()
    return row["data"]


async def _python_event_data(conn: Any, handoff_id: int, receiver_id: int) -> Any:
    async def one(sql: str, *args: Any) -> Any:
        cur = await conn.execute(sql, args)
        return await cur.fetchone()

    h = Handoff.from_row(await one("SELECT * FROM handoffs WHERE id = %s", handoff_id))
    w = WorkItem.from_row(await one("SELECT * FROM work_items WHERE id = %s", h.work_item_id))
    s = Person.from_row(await one("SELECT * FROM people WHERE id = %s", h.sender_id))
    r = Person.from_row(await one("SELECT * FROM people WHERE id = %s", receiver_id))
    t = None
    if h.team_id is not None:
        t = Team.from_row(await one("SELECT * FROM teams WHERE id = %s", h.team_id))
    # Through JSON, as the outbox stores what Python builds.
    return json.loads(json.dumps(handoff_data(h, w, s, r, t)))


async def test_sql_built_event_data_equals_handoff_data(db_url, redis_url, clock):
    """Plain deliveries build their events in SQL (migration 0003): same data as Python."""
    async with engine(db_url, redis_url) as (pool, _redis, _settings):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            ana = await person(conn, ws, clock.now(), "Ana", AMS)
            bo = await person(conn, ws, clock.now(), "Bo", NYC)
            cy = await person(conn, ws, clock.now(), "Cy", SYD)
            team = await create_team(conn, ws, clock.now(), "Süpport ✓", member_ids=[bo.id, cy.id])
            to_team, _ = await create_handoff(
                conn,
                ws,
                clock.now(),
                NewHandoff(
                    sender_id=ana.id,
                    note=Note("sum\nmary", "done 'x'", "next\t", ["q1?", 'q2 "quoted"']),
                    new_work_item_title="Title ✓",
                    to_team_id=team.id,
                    respond_within=timedelta(hours=3),
                ),
            )
            to_person = await handoff(conn, ws, clock.now(), bo, to=ana)
            for pid, name in ((ana.id, 'Ana "the sender" Ølstad'), (bo.id, "Bo \\ 李")):
                await conn.execute("UPDATE people SET name = %s WHERE id = %s", (name, pid))
            # Instants with and without microseconds (Python prints six digits or none).
            await conn.execute(
                "UPDATE handoffs SET created_at = %s, respond_by = %s, return_note = %s, "
                "status = 'DELIVERED' WHERE id = %s",
                (
                    utc(2026, 11, 27, 14, 0, 0, 500),
                    utc(2026, 11, 30, 9, 0, 1, 120000),
                    "back to you",
                    to_team.id,
                ),
            )
        async with pool.connection() as conn:
            for h, receiver in (
                (to_team, to_team.receiver_id),
                (to_team, cy.id),
                (to_person, ana.id),
            ):
                expected = await _python_event_data(conn, h.id, receiver)
                assert await _sql_event_data(conn, h.id, receiver) == expected
            assert expected["team"] is None
            # Global IDs of every length (base64 padding 0, 1 or 2) and type.
            cur = await conn.execute(
                "SELECT g, handoff_global_id('Handoff', g) AS a, handoff_global_id('WorkItem', g) AS b, "
                "handoff_global_id('Person', g) AS c, handoff_global_id('Team', g) AS d "
                "FROM unnest(%s::bigint[]) g",
                ([*range(1, 300), 10**6, 123456789, 2**62, 2**63 - 1],),
            )
            for row in await cur.fetchall():
                g = row["g"]
                assert [row["a"], row["b"], row["c"], row["d"]] == [
                    encode("Handoff", g),
                    encode("WorkItem", g),
                    encode("Person", g),
                    encode("Team", g),
                ]


async def test_a_batch_delivers_a_handoff_once_and_mixes_plain_and_bundled_rows(
    db_url, redis_url, clock
):
    """Plain deliveries go set-based, others through Python, in one batch; none twice."""
    async with engine(db_url, redis_url) as (pool, _redis, _settings):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            ana, bo = await _ana_and_bo_all_week(conn, ws, clock)
            di = await person(
                conn,
                ws,
                clock.now(),
                "Di",
                AMS,
                weekly=ALL_WEEKDAYS,
                policy={"digest_times": ["15:00"]},
            )
            plain = await handoff(
                conn, ws, clock.now(), ana, to=bo, respond_within=timedelta(hours=2)
            )
            bundled = await handoff(conn, ws, clock.now(), ana, to=di)
            # A second open DELIVERY row for the plain handoff (as a race could leave).
            await conn.execute(
                "INSERT INTO follow_ups (workspace_id, handoff_id, person_id, kind, due_at, "
                "created_at) SELECT workspace_id, handoff_id, person_id, kind, due_at, "
                "created_at FROM follow_ups WHERE handoff_id = %s",
                (plain.id,),
            )
            cur = await conn.execute(
                "SELECT id, version FROM follow_ups WHERE handoff_id = ANY(%s) ORDER BY id",
                ([plain.id, bundled.id],),
            )
            items = [(r["id"], r["version"]) for r in await cur.fetchall()]
        assert len(items) == 3
        clock.set(utc(2026, 11, 27, 15, 0))
        ctx = {"pool": pool, "clock": clock, "settings": _settings, "job_try": 1}
        result = await handle_follow_ups(ctx, [list(i) for i in items])
        assert result == {"handled": 2, "ignored": 1, "waiting": 0}
        async with pool.connection() as conn:
            evs = [e for e in await events_of(conn) if e["type"] != "handoff.created"]
            plain_rows = await follow_ups_of(conn, plain.id)
            bundled_rows = await follow_ups_of(conn, bundled.id)
        assert sorted((e["type"], e["person_id"]) for e in evs) == sorted(
            [("handoff.delivered", bo.id), ("digest.delivered", di.id)]
        )
        delivered = next(e for e in evs if e["type"] == "handoff.delivered")
        assert delivered["payload"]["handoff"]["status"] == "DELIVERED"
        assert delivered["payload"]["followUp"]["kind"] == "DELIVERY"
        # The handoff that expects an answer got its reminder scheduled.
        assert [(r["kind"], r["state"]) for r in plain_rows] == [
            ("DELIVERY", "DONE"),
            ("DELIVERY", "DONE"),
            ("REMINDER", "PENDING"),
        ]
        assert [(r["kind"], r["state"]) for r in bundled_rows] == [("DELIVERY", "DONE")]


async def test_set_based_deliveries_name_their_events_like_new_message_id(db_url, redis_url, clock):
    """Events built in SQL get ids of the `new_message_id` shape: distinct, also across
    batches, and not a hash of the row's own key alone (the statement's seed is secret)."""
    async with engine(db_url, redis_url) as (pool, _redis, settings):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            ana, bo = await _ana_and_bo_all_week(conn, ws, clock)
            hs = [await handoff(conn, ws, clock.now(), ana, to=bo) for _ in range(6)]
            cur = await conn.execute(
                "SELECT id, version FROM follow_ups WHERE handoff_id = ANY(%s) ORDER BY id",
                ([h.id for h in hs],),
            )
            items = [[r["id"], r["version"]] for r in await cur.fetchall()]
        ctx = {"pool": pool, "clock": clock, "settings": settings, "job_try": 1}
        for half in (items[:3], items[3:]):  # two statements, two seeds
            assert (await handle_follow_ups(ctx, half))["handled"] == 3
        async with pool.connection() as conn:
            cur = await conn.execute(
                "SELECT e.public_id, f.id AS f_id FROM events e JOIN follow_ups f "
                "ON f.handoff_id = e.handoff_id WHERE e.type = 'handoff.delivered'"
            )
            named = await cur.fetchall()
    ids = [r["public_id"] for r in named]
    assert len(ids) == len(set(ids)) == 6
    assert all(re.fullmatch(r"msg_[0-9a-f]{32}", i) for i in ids), ids
    for r in named:
        assert r["public_id"] != "msg_" + hashlib.md5(str(r["f_id"]).encode()).hexdigest()


async def test_a_plain_delivery_held_by_another_transaction_waits_and_is_not_lost(
    db_url, redis_url, clock
):
    """The set-based statement skips a row whose handoff another transaction holds; the
    job reports it waiting, and the next try delivers it once."""
    async with engine(db_url, redis_url) as (pool, _redis, settings):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            ana, bo = await _ana_and_bo_all_week(conn, ws, clock)
            held = await handoff(conn, ws, clock.now(), ana, to=bo)
            free = await handoff(conn, ws, clock.now(), ana, to=bo)
            cur = await conn.execute(
                "SELECT id, version FROM follow_ups WHERE handoff_id = ANY(%s) ORDER BY id",
                ([held.id, free.id],),
            )
            items = [[r["id"], r["version"]] for r in await cur.fetchall()]
        clock.set(utc(2026, 11, 27, 15, 0))
        ctx = {"pool": pool, "clock": clock, "settings": settings, "job_try": LOCKED_OUT_RETRIES}
        async with pool.connection() as other, other.transaction():
            await other.execute("SELECT 1 FROM handoffs WHERE id = %s FOR UPDATE", (held.id,))
            result = await handle_follow_ups(ctx, items)
            assert result == {"handled": 1, "ignored": 0, "waiting": 1}
        async with pool.connection() as conn:
            assert [r["state"] for r in await follow_ups_of(conn, held.id)] == ["PENDING"]
            assert [r["state"] for r in await follow_ups_of(conn, free.id)] == ["DONE"]
        assert await handle_follow_ups(ctx, items) == {"handled": 1, "ignored": 0, "waiting": 0}
        async with pool.connection() as conn:
            evs = [e for e in await events_of(conn) if e["type"] == "handoff.delivered"]
            states = {r["handoff_id"]: r["state"] for r in await follow_ups_of(conn, held.id)}
        assert sorted(e["handoff_id"] for e in evs) == sorted([held.id, free.id])
        assert states == {held.id: "DONE"}
