"""A break-through on its way when something moves it: new hours move its budget week with
it; a new route (a team routing it again, a reassignment) makes it ordinary and gives the
budget back."""

from __future__ import annotations

from datetime import date
from typing import Any

from handoff.jobs.worker import run_due
from handoff.services.availability import add_time_off
from handoff.services.teams import create_team
from tests.integration._delivery_helpers import engine, events_of, person, workspace
from tests.integration.test_urgency import (
    AMS,
    FOCUS_MORNINGS,
    MON_THU,
    NYC,
    outcome,
    send,
    urgency_rows,
    utc,
)


async def test_a_break_through_moved_to_another_week_uses_that_weeks_budget(
    db_url: str, redis_url: str, clock: Any
) -> None:
    async with engine(db_url, redis_url) as (pool, redis, settings):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            bo = await person(conn, ws, clock.now(), "Bo", NYC)
            ana = await person(conn, ws, clock.now(), "Ana", AMS, MON_THU, FOCUS_MORNINGS)
            # Friday 27 Nov, Ana's day off: it breaks through on Monday 30 Nov 09:00
            first = await send(conn, ws, clock.now(), bo, to=ana)
        assert first.deliver_at == utc(2026, 11, 30, 8)
        async with pool.connection() as conn, conn.transaction():
            # Ana takes that week off: it breaks through on Monday 7 Dec instead
            await add_time_off(conn, ws, clock.now(), ana.id, date(2026, 11, 30), date(2026, 12, 4))
        async with pool.connection() as conn:
            [row] = await urgency_rows(conn, first.id)
        assert row["lands_at"] == utc(2026, 12, 7, 8)
        clock.set(utc(2026, 12, 7, 8))
        await run_due(pool, redis, clock, settings)
        clock.set(utc(2026, 12, 7, 8, 30))  # inside her focus block, the same week
        async with pool.connection() as conn, conn.transaction():
            second = await send(conn, ws, clock.now(), bo, to=ana)
        async with pool.connection() as conn:
            # Bo's one break-through of that week went to the first
            assert await outcome(conn, second) == ("DECLINED", "BUDGET_USED")


async def _ops_reroutes_ordinary(pool: Any, clock: Any) -> tuple[int, Any, Any, Any]:
    """An urgent handoff to team Ops breaks through to Ana on Monday 30 Nov 09:00; she then
    takes Monday off and the team routes it again, as an ordinary handoff: to Ana on
    Tuesday 11:00, after her focus block."""
    async with pool.connection() as conn, conn.transaction():
        ws = await workspace(conn, clock.now())
        bo = await person(conn, ws, clock.now(), "Bo", NYC)
        ana = await person(conn, ws, clock.now(), "Ana", AMS, MON_THU, FOCUS_MORNINGS)
        cy = await person(conn, ws, clock.now(), "Cy", AMS, {"wed": ["09:00-17:00"]})
        team = await create_team(conn, ws, clock.now(), "Ops", member_ids=[ana.id, cy.id])
        first = await send(conn, ws, clock.now(), bo, team_id=team.id)
    assert (first.receiver_id, first.deliver_at) == (ana.id, utc(2026, 11, 30, 8))
    async with pool.connection() as conn, conn.transaction():
        await add_time_off(conn, ws, clock.now(), ana.id, date(2026, 11, 30), date(2026, 11, 30))
        cur = await conn.execute("SELECT deliver_at FROM handoffs WHERE id = %s", (first.id,))
        assert (await cur.fetchone())["deliver_at"] == utc(2026, 12, 1, 10)
    return ws, bo, ana, first


async def test_a_team_routing_it_again_gives_the_break_through_back(
    db_url: str, redis_url: str, clock: Any
) -> None:
    async with engine(db_url, redis_url) as (pool, redis, settings):
        ws, bo, ana, first = await _ops_reroutes_ordinary(pool, clock)
        async with pool.connection() as conn, conn.transaction():
            # Tuesday 09:30 in Amsterdam, Ana in focus: nothing broke through to her this week
            second = await send(conn, ws, utc(2026, 12, 1, 8, 30), bo, to=ana)
        async with pool.connection() as conn:
            assert await outcome(conn, second) == ("BROKE_THROUGH", None)
        clock.set(utc(2026, 12, 1, 10))
        await run_due(pool, redis, clock, settings)
        async with pool.connection() as conn:
            types = [e["type"] for e in await events_of(conn, first.id)]
        # it landed as the ordinary handoff it became
        assert "handoff.delivered" in types and "handoff.urgent_delivered" not in types
