"""Quick replies through the services and the delivery engine, on a manual clock: a reply
acknowledges the handoff and stops its reminders, reaches the sender in the sender's
working hours, survives what happens to the handoff next, and bad replies store nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from handoff.jobs.worker import run_due
from handoff.services.availability import set_working_pattern
from handoff.services.errors import Conflict, Invalid, NotFound
from handoff.services.lifecycle import transition
from handoff.services.membership import deactivate_person
from handoff.services.replies import reply_to_handoff
from handoff.states import HandoffStatus, ReplyPreset
from tests.integration._delivery_helpers import (
    engine,
    events_of,
    follow_ups_of,
    handoff,
    person,
    workspace,
)

AMS = "Europe/Amsterdam"
NYC = "America/New_York"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def row_counts(conn: Any) -> dict[str, int]:
    cur = await conn.execute(
        "SELECT (SELECT count(*) FROM handoff_replies) AS replies,"
        " (SELECT count(*) FROM follow_ups) AS follow_ups,"
        " (SELECT count(*) FROM events) AS events,"
        " (SELECT count(*) FROM handoffs WHERE status = 'ACKNOWLEDGED') AS acknowledged"
    )
    row = await cur.fetchone()
    assert row is not None
    return dict(row)


async def test_a_reply_acknowledges_stops_reminders_and_reaches_the_sender_in_their_hours(
    db_url, redis_url, clock
):
    # Monday 30 Nov 09:00 UTC: 10:00 for Ana in Amsterdam, 04:00 for Bo in New York.
    clock.set(utc(2026, 11, 30, 9))
    async with engine(db_url, redis_url) as (pool, redis, settings):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            bo = await person(conn, ws, clock.now(), "Bo", NYC)
            ana = await person(conn, ws, clock.now(), "Ana", AMS)
            h = await handoff(conn, ws, clock.now(), bo, to=ana, respond_within=timedelta(hours=4))
        assert await run_due(pool, redis, clock, settings) == 1  # lands at once

        clock.set(utc(2026, 11, 30, 9, 30))
        async with pool.connection() as conn, conn.transaction():
            answered, reply = await reply_to_handoff(
                conn, ws, clock.now(), h.id, ReplyPreset.WILL_DO, "  on it after lunch  "
            )
        assert answered.status == HandoffStatus.ACKNOWLEDGED
        assert answered.acknowledged_at == clock.now()
        assert (reply.preset, reply.text, reply.person_id) == (
            "WILL_DO",
            "on it after lunch",
            ana.id,
        )
        # Bo starts at 09:00 in New York: 14:00 UTC
        assert reply.deliver_at == utc(2026, 11, 30, 14)
        async with pool.connection() as conn:
            rows = {r["kind"]: r for r in await follow_ups_of(conn, h.id)}
            cur = await conn.execute(
                "SELECT answered_at, answer_working_time FROM handoffs WHERE id = %s", (h.id,)
            )
            facts = await cur.fetchone()
        assert rows["REMINDER"]["state"] == "CANCELLED"
        assert rows["REPLY"]["state"] == "PENDING"
        assert rows["REPLY"]["person_id"] == bo.id
        assert rows["REPLY"]["due_at"] == utc(2026, 11, 30, 14)
        assert rows["REPLY"]["explanation"][0] == (
            "Ana replied 'Will do': it reaches Bo in Bo's working hours."
        )
        # the reply is the answer: 30 minutes of Ana's working time after it landed
        assert facts == {"answered_at": clock.now(), "answer_working_time": timedelta(minutes=30)}

        # Completing it before Bo starts does not cancel the reply on its way.
        clock.set(utc(2026, 11, 30, 10))
        async with pool.connection() as conn, conn.transaction():
            await transition(conn, ws, clock.now(), h.id, HandoffStatus.COMPLETED)
        async with pool.connection() as conn:
            rows = {r["kind"]: r for r in await follow_ups_of(conn, h.id)}
            cur = await conn.execute("SELECT answered_at FROM handoffs WHERE id = %s", (h.id,))
            assert (await cur.fetchone())["answered_at"] == utc(2026, 11, 30, 9, 30)  # the first
        assert rows["REPLY"]["state"] == "PENDING"

        clock.set(utc(2026, 11, 30, 13, 59, 59))
        assert await run_due(pool, redis, clock, settings) == 0
        clock.set(utc(2026, 11, 30, 14))
        assert await run_due(pool, redis, clock, settings) == 1
        # long past the old deadline: nothing more fires
        clock.set(utc(2026, 12, 2, 14))
        assert await run_due(pool, redis, clock, settings) == 0
        async with pool.connection() as conn:
            events = await events_of(conn, h.id)
            cur = await conn.execute("SELECT delivered_at FROM handoff_replies")
            delivered = [r["delivered_at"] for r in await cur.fetchall()]
        assert [e["type"] for e in events] == [
            "handoff.created",
            "handoff.delivered",
            "handoff.acknowledged",
            "handoff.completed",
            "handoff.replied",
        ]
        replied = events[-1]
        assert replied["person_id"] == bo.id
        assert replied["occurred_at"] == utc(2026, 11, 30, 14)
        assert replied["payload"]["reply"] == {
            "preset": "WILL_DO",
            "text": "on it after lunch",
            "by": {
                "id": replied["payload"]["receiver"]["id"],
                "name": "Ana",
                "handle": ana.handle,
                "timezone": AMS,
            },
            "repliedAt": "2026-11-30T09:30:00+00:00",
        }
        assert replied["payload"]["handoff"]["status"] == "COMPLETED"
        assert replied["payload"]["followUp"]["kind"] == "REPLY"
        assert delivered == [utc(2026, 11, 30, 14)]


async def test_a_second_reply_to_an_acknowledged_handoff(db_url, redis_url, clock):
    clock.set(utc(2026, 11, 30, 15))  # 10:00 in New York, 16:00 in Amsterdam
    async with engine(db_url, redis_url) as (pool, redis, settings):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            bo = await person(conn, ws, clock.now(), "Bo", NYC)
            ana = await person(conn, ws, clock.now(), "Ana", AMS)
            h = await handoff(conn, ws, clock.now(), bo, to=ana)
        await run_due(pool, redis, clock, settings)
        async with pool.connection() as conn, conn.transaction():
            await reply_to_handoff(
                conn, ws, clock.now(), h.id, ReplyPreset.NEED_INFO, "which repo?"
            )
            _, second = await reply_to_handoff(conn, ws, clock.now(), h.id, ReplyPreset.OK)
        assert second.text == ""
        assert second.deliver_at == clock.now()  # Bo is working: it goes at once
        await run_due(pool, redis, clock, settings)
        async with pool.connection() as conn:
            types = [e["type"] for e in await events_of(conn, h.id)]
        assert types == [
            "handoff.created",
            "handoff.delivered",
            "handoff.acknowledged",
            "handoff.replied",
            "handoff.replied",
        ]


async def test_a_reply_moves_with_the_sender_s_hours(db_url, redis_url, clock):
    clock.set(utc(2026, 11, 30, 9))
    async with engine(db_url, redis_url) as (pool, redis, settings):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            bo = await person(conn, ws, clock.now(), "Bo", NYC)
            ana = await person(conn, ws, clock.now(), "Ana", AMS)
            h = await handoff(conn, ws, clock.now(), bo, to=ana, respond_within=timedelta(days=2))
        await run_due(pool, redis, clock, settings)
        async with pool.connection() as conn, conn.transaction():
            await reply_to_handoff(conn, ws, clock.now(), h.id, ReplyPreset.OK)
            # Bo starts at noon from now on: the reply waits for noon, not for the deadline
            weekly = {d: ["12:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
            await set_working_pattern(conn, ws, clock.now(), bo.id, {"weekly": weekly})
        async with pool.connection() as conn:
            [reply] = [r for r in await follow_ups_of(conn, h.id) if r["kind"] == "REPLY"]
        assert reply["due_at"] == utc(2026, 11, 30, 17)
        assert reply["explanation"][0] == "Ana replied 'OK': it reaches Bo in Bo's working hours."
        assert reply["explanation"][-1] == "Lands Monday 30 Nov 12:00 America/New_York (17:00 UTC)."


async def test_a_reply_to_someone_who_left_is_recorded_at_once(db_url, redis_url, clock):
    clock.set(utc(2026, 11, 30, 9))  # 04:00 in New York: Bo would be asleep
    async with engine(db_url, redis_url) as (pool, redis, settings):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            bo = await person(conn, ws, clock.now(), "Bo", NYC)
            ana = await person(conn, ws, clock.now(), "Ana", AMS)
            h = await handoff(conn, ws, clock.now(), bo, to=ana)
        await run_due(pool, redis, clock, settings)
        async with pool.connection() as conn, conn.transaction():
            await deactivate_person(conn, ws, clock.now(), bo.id)
            _, reply = await reply_to_handoff(conn, ws, clock.now(), h.id, ReplyPreset.OK)
        # not at 09:00 New York for someone who is gone: it goes back now, and says why
        assert reply.deliver_at == clock.now()
        async with pool.connection() as conn:
            [row] = [r for r in await follow_ups_of(conn, h.id) if r["kind"] == "REPLY"]
        assert row["explanation"][1:] == ["Bo has left, so it goes back at once."]


async def test_bad_replies_store_nothing(db_url, redis_url, clock):
    clock.set(utc(2026, 11, 30, 9))
    async with engine(db_url, redis_url) as (pool, redis, settings):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            other = await workspace(conn, clock.now())
            bo = await person(conn, ws, clock.now(), "Bo", NYC)
            ana = await person(conn, ws, clock.now(), "Ana", AMS)
            delivered = await handoff(conn, ws, clock.now(), bo, to=ana)
        await run_due(pool, redis, clock, settings)
        async with pool.connection() as conn, conn.transaction():
            # lands Monday 14:00 UTC (09:00 in New York): not delivered yet
            scheduled = await handoff(conn, ws, clock.now(), ana, to=bo)
            done = await handoff(conn, ws, clock.now(), bo, to=ana, summary="done")
        await run_due(pool, redis, clock, settings)
        async with pool.connection() as conn, conn.transaction():
            await transition(conn, ws, clock.now(), done.id, HandoffStatus.COMPLETED)
        async with pool.connection() as conn:
            before = await row_counts(conn)

        async def reply(ws_id: int, handoff_id: int, text: str | None = None) -> Any:
            async with pool.connection() as conn, conn.transaction():
                return await reply_to_handoff(
                    conn, ws_id, clock.now(), handoff_id, ReplyPreset.OK, text
                )

        with pytest.raises(Invalid) as caught:
            await reply(ws, delivered.id, "x" * 1_001)
        assert caught.value.field == "text"
        with pytest.raises(Conflict, match="cannot reply to a SCHEDULED handoff"):
            await reply(ws, scheduled.id)
        with pytest.raises(Conflict, match="cannot reply to a COMPLETED handoff"):
            await reply(ws, done.id)
        with pytest.raises(NotFound):
            await reply(ws, 987_654)
        with pytest.raises(NotFound):
            await reply(other, delivered.id)  # another workspace's handoff
        async with pool.connection() as conn:
            assert await row_counts(conn) == before
