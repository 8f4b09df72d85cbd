"""A delegation's start and end as jobs: carried out once at their instant, never twice,
never for a version that moved on, and not at all once the delegation was ended."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from handoff.jobs.followups import handle_follow_ups
from handoff.jobs.relay import relay_once
from handoff.jobs.worker import run_due
from handoff.services.delegations import DelegateTo, end_delegation, set_delegation
from handoff.states import OpenHandoffs
from tests.integration._delivery_helpers import engine, handoff, person, workspace

AMS = "Europe/Amsterdam"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


async def _transitions(conn: Any) -> list[dict[str, Any]]:
    cur = await conn.execute(
        "SELECT id, kind, state, version, due_at FROM follow_ups "
        "WHERE delegation_id IS NOT NULL ORDER BY due_at"
    )
    return list(await cur.fetchall())


async def _events(conn: Any, type_: str) -> int:
    cur = await conn.execute("SELECT count(*) AS n FROM events WHERE type = %s", (type_,))
    row = await cur.fetchone()
    assert row is not None
    return int(row["n"])


async def test_a_start_job_run_twice_starts_once(db_url, redis_url, clock):
    clock.set(utc(2026, 11, 30, 10))
    async with engine(db_url, redis_url) as (pool, _redis, settings):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            ana = await person(conn, ws, clock.now(), "Ana", AMS)
            bo = await person(conn, ws, clock.now(), "Bo", AMS)
            sam = await person(conn, ws, clock.now(), "Sam", AMS)
            held = await handoff(conn, ws, clock.now(), sam, to=ana)
            to = DelegateTo(delegate_id=bo.id, open_handoffs=OpenHandoffs.REASSIGN)
            await set_delegation(
                conn, ws, clock.now(), ana.id, utc(2026, 12, 1, 9), utc(2026, 12, 2, 9), to
            )
        async with pool.connection() as conn:
            start, end = await _transitions(conn)
        assert (start["kind"], start["state"], end["kind"]) == (
            "DELEGATION_START",
            "PENDING",
            "DELEGATION_END",
        )
        clock.set(utc(2026, 12, 1, 9))
        ctx = {"pool": pool, "clock": clock, "settings": settings, "job_try": 1}
        first = await handle_follow_ups(ctx, [[start["id"], start["version"]]])
        again = await handle_follow_ups(ctx, [[start["id"], start["version"]]])
        assert (first["handled"], again["handled"]) == (1, 0)
        async with pool.connection() as conn:
            assert await _events(conn, "delegation.started") == 1
            assert await _events(conn, "handoff.reassigned") == 1
            cur = await conn.execute("SELECT receiver_id FROM handoffs WHERE id = %s", (held.id,))
            assert (await cur.fetchone()) == {"receiver_id": bo.id}


async def test_an_end_job_for_an_ended_delegation_does_nothing(db_url, redis_url, clock):
    clock.set(utc(2026, 11, 30, 10))
    async with engine(db_url, redis_url) as (pool, redis, settings):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            ana = await person(conn, ws, clock.now(), "Ana", AMS)
            bo = await person(conn, ws, clock.now(), "Bo", AMS)
            to = DelegateTo(delegate_id=bo.id, hand_back=True)
            await set_delegation(
                conn, ws, clock.now(), ana.id, utc(2026, 11, 30, 9), utc(2026, 12, 1, 9), to
            )
        # The relay hands the end to arq ahead of time; then it is ended by hand.
        assert await relay_once(pool, redis, clock, settings, horizon_seconds=86_400) == 1
        async with pool.connection() as conn:
            (end,) = await _transitions(conn)
        assert (end["kind"], end["state"]) == ("DELEGATION_END", "ENQUEUED")
        async with pool.connection() as conn, conn.transaction():
            await end_delegation(conn, ws, clock.now(), ana.id)
        clock.set(utc(2026, 12, 1, 9))
        ctx = {"pool": pool, "clock": clock, "settings": settings, "job_try": 1}
        result = await handle_follow_ups(ctx, [[end["id"], end["version"]]])
        assert result["handled"] == 0
        assert await run_due(pool, redis, clock, settings) == 0
        async with pool.connection() as conn:
            assert await _events(conn, "delegation.ended") == 1
            (row,) = await _transitions(conn)
        assert (row["state"], row["version"]) == ("CANCELLED", end["version"] + 1)
