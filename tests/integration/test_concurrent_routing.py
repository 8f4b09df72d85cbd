"""Routing a handoff while someone it depends on changes at the same moment.

Each test holds the first change's transaction open, starts the second in another
connection, waits until it is blocked on a row lock of the first (or has finished), then
commits the first: the interleaving that lost handoffs to someone away, or stranded them
with someone who left, before routing locked everyone it reads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from psycopg import AsyncConnection
from psycopg.rows import dict_row

from handoff.api.context import Context
from handoff.clock import ManualClock
from handoff.services.availability import add_time_off
from handoff.services.delegations import DelegateTo, set_delegation
from handoff.services.errors import Conflict
from handoff.services.follow_ups import handle_batch
from handoff.services.handoffs import NewHandoff, Note, create_handoff
from handoff.services.lifecycle import reassign
from handoff.services.membership import deactivate_person
from handoff.services.people import create_person
from handoff.services.teams import create_team
from handoff.settings import Settings
from handoff.states import OpenHandoffs, Routing
from handoff.storage.db import open_pool
from handoff.storage.models import Person
from handoff.storage.workspaces import ensure as ensure_workspace

# Wednesday 2 Dec 2026, 11:00 in Amsterdam; everyone works around the clock, so routing
# alone decides who gets a handoff and when
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
ALWAYS = {"weekly": {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}

Step = Callable[[AsyncConnection[Any]], Awaitable[Any]]


async def _connect(db_url: str) -> AsyncConnection[Any]:
    return await AsyncConnection.connect(db_url, row_factory=dict_row)


async def _in_transaction(conn: AsyncConnection[Any], step: Step) -> Any:
    try:
        async with conn.transaction():
            return await step(conn)
    except Exception as exc:  # the test looks at it
        return exc


async def _first_then_second(db_url: str, first: Step, second: Step) -> tuple[Any, Any]:
    """Run `first` and keep its transaction open; run `second` until it waits for one of
    first's locks (or is done); commit `first`; both results (an exception as a value)."""
    async with (
        await _connect(db_url) as a,
        await _connect(db_url) as b,
        await AsyncConnection.connect(db_url, autocommit=True) as watch,
    ):
        async with a.transaction():
            got = await first(a)
            pid = b.info.backend_pid
            task = asyncio.create_task(_in_transaction(b, second))
            async with asyncio.timeout(10):
                while not task.done():
                    cur = await watch.execute(
                        "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)
                    )
                    row = await cur.fetchone()
                    if row is not None and row[0] == "Lock":
                        break
                    await asyncio.sleep(0.005)
        return got, await task


async def _people(db_url: str, *names: str) -> tuple[int, dict[str, Person]]:
    async with await _connect(db_url) as conn, conn.transaction():
        ws = (await ensure_workspace(conn, "acme", NOW)).id
        people = {
            name: await create_person(
                conn,
                ws,
                NOW,
                name=name,
                handle=name.lower(),
                timezone="Europe/Amsterdam",
                working_pattern=ALWAYS,
            )
            for name in names
        }
    return ws, people


def _new(sender: Person, *, to: Person | None = None, team: int | None = None) -> NewHandoff:
    return NewHandoff(
        sender_id=sender.id,
        to_person_id=None if to is None else to.id,
        to_team_id=team,
        new_work_item_title="Q4 numbers",
        note=Note(summary="please take over"),
    )


async def _one(db_url: str, sql: str, *args: Any) -> dict[str, Any]:
    async with await _connect(db_url) as conn:
        cur = await conn.execute(sql, args)  # type: ignore[arg-type]
        row = await cur.fetchone()
        assert row is not None
        return row


async def _delegate(db_url: str, ws: int, person: Person, to: Person, **how: Any) -> Any:
    async with await _connect(db_url) as conn, conn.transaction():
        start = how.pop("start", NOW - timedelta(minutes=5))
        return await set_delegation(
            conn, ws, NOW, person.id, start, NOW + timedelta(days=3), DelegateTo(to.id, **how)
        )


async def test_a_delegation_set_meanwhile_takes_the_new_handoff(db_url: str) -> None:
    ws, p = await _people(db_url, "Ana", "Bo", "Sam")
    to_bo = DelegateTo(p["Bo"].id, open_handoffs=OpenHandoffs.REASSIGN)
    span = (NOW - timedelta(minutes=5), NOW + timedelta(days=3))
    _, made = await _first_then_second(
        db_url,
        lambda c: set_delegation(c, ws, NOW, p["Ana"].id, *span, to_bo),
        lambda c: create_handoff(c, ws, NOW, _new(p["Sam"], to=p["Ana"])),
    )
    handoff, created = made
    # the prefetch waited for Ana's row; its snapshot did not show the delegation
    assert created and handoff.receiver_id == p["Bo"].id
    assert handoff.addressed_to_id == p["Ana"].id


@pytest.mark.parametrize("routing", list(Routing))
async def test_a_team_member_leaving_meanwhile_gets_nothing(db_url: str, routing: Routing) -> None:
    ws, p = await _people(db_url, "Bo", "Max", "Hal", "Sam")
    async with await _connect(db_url) as conn, conn.transaction():
        team = await create_team(conn, ws, NOW, "Ops", routing, [p["Bo"].id, p["Max"].id])
    _, made = await _first_then_second(
        db_url,
        lambda c: deactivate_person(c, ws, NOW, p["Bo"].id, p["Hal"].id),
        lambda c: create_handoff(c, ws, NOW, _new(p["Sam"], team=team.id)),
    )
    handoff, _ = made
    assert handoff.receiver_id == p["Max"].id
    for_bo = await _one(
        db_url, "SELECT count(*) AS n FROM follow_ups WHERE person_id = %s", p["Bo"].id
    )
    assert for_bo["n"] == 0


async def test_a_delegate_leaving_meanwhile_leaves_it_with_the_addressee(db_url: str) -> None:
    ws, p = await _people(db_url, "Ana", "Bo", "Hal", "Sam")
    await _delegate(db_url, ws, p["Ana"], p["Bo"])
    _, made = await _first_then_second(
        db_url,
        lambda c: deactivate_person(c, ws, NOW, p["Bo"].id, p["Hal"].id),
        lambda c: create_handoff(c, ws, NOW, _new(p["Sam"], to=p["Ana"])),
    )
    handoff, _ = made
    # leaving ended Ana's delegation to Bo: it stays with Ana, never with someone who left
    assert handoff.receiver_id == p["Ana"].id


async def test_reassigning_to_someone_leaving_meanwhile_is_a_conflict(db_url: str) -> None:
    ws, p = await _people(db_url, "Ana", "Xia", "Hal", "Sam")
    async with await _connect(db_url) as conn, conn.transaction():
        handoff, _ = await create_handoff(conn, ws, NOW, _new(p["Sam"], to=p["Ana"]))
    _, moved = await _first_then_second(
        db_url,
        lambda c: deactivate_person(c, ws, NOW, p["Xia"].id, p["Hal"].id),
        lambda c: reassign(c, ws, NOW, handoff.id, p["Xia"].id, None),
    )
    assert isinstance(moved, Conflict), moved
    assert "Xia was deactivated" in str(moved)
    row = await _one(db_url, "SELECT receiver_id FROM handoffs WHERE id = %s", handoff.id)
    assert row["receiver_id"] == p["Ana"].id


async def test_a_delegates_time_off_added_meanwhile_holds_the_delivery(db_url: str) -> None:
    ws, p = await _people(db_url, "Ana", "Bo", "Sam")
    await _delegate(db_url, ws, p["Ana"], p["Bo"])
    days = (date(2026, 12, 2), date(2026, 12, 4))
    _, made = await _first_then_second(
        db_url,
        lambda c: add_time_off(c, ws, NOW, p["Bo"].id, *days),
        lambda c: create_handoff(c, ws, NOW, _new(p["Sam"], to=p["Ana"])),
    )
    handoff, _ = made
    assert handoff.receiver_id == p["Bo"].id
    # Bo is off until the end of Friday 4 Dec in Amsterdam (23:00 UTC)
    assert handoff.deliver_at == datetime(2026, 12, 4, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize("job_first", [True, False], ids=["start-job-first", "handoff-first"])
async def test_a_handoff_sent_just_before_a_delegation_starts_moves(
    db_url: str, job_first: bool
) -> None:
    ws, p = await _people(db_url, "Ana", "Bo", "Sam")
    start = NOW + timedelta(seconds=1)
    made = await _delegate(
        db_url, ws, p["Ana"], p["Bo"], open_handoffs=OpenHandoffs.REASSIGN, start=start
    )
    job = await _one(
        db_url,
        "SELECT id, version FROM follow_ups WHERE delegation_id = %s AND kind = 'DELEGATION_START'",
        made.delegation.id,
    )

    def run_job(c: AsyncConnection[Any]) -> Awaitable[Any]:
        return handle_batch(c, [(job["id"], job["version"])], start)

    def send(c: AsyncConnection[Any]) -> Awaitable[Any]:
        # sent 5 ms before the start, on a clock a little behind the worker's
        return create_handoff(c, ws, start - timedelta(milliseconds=5), _new(p["Sam"], to=p["Ana"]))

    first, second = (run_job, send) if job_first else (send, run_job)
    results = await _first_then_second(db_url, first, second)
    assert not any(isinstance(r, Exception) for r in results), results
    handoff = (results[1] if job_first else results[0])[0]
    row = await _one(db_url, "SELECT receiver_id FROM handoffs WHERE id = %s", handoff.id)
    assert row["receiver_id"] == p["Bo"].id


async def test_a_change_broken_off_to_end_a_deadlock_runs_again(db_url: str) -> None:
    ws, p = await _people(db_url, "Ana", "Bo")
    pool = await open_pool(db_url, 2, 4)
    try:
        context = Context(pool=pool, workspace_id=ws, clock=ManualClock(NOW), settings=Settings())
        attempts: list[str] = []
        both_hold_one = asyncio.Barrier(2)

        def crossing(mine: int, theirs: int, name: str) -> Callable[..., Awaitable[str]]:
            async def lock_both(
                conn: AsyncConnection[Any], ws: int, now: datetime, **_: Any
            ) -> str:
                attempts.append(name)
                await conn.execute("SELECT 1 FROM people WHERE id = %s FOR UPDATE", (mine,))
                if attempts.count(name) == 1:
                    await both_hold_one.wait()
                await conn.execute("SELECT 1 FROM people WHERE id = %s FOR UPDATE", (theirs,))
                return name

            return lock_both

        ana, bo = p["Ana"].id, p["Bo"].id
        done = await asyncio.gather(
            context.change(crossing(ana, bo, "one")),
            context.change(crossing(bo, ana, "two")),
        )
        assert done == ["one", "two"]
        # PostgreSQL broke the deadlock by aborting one of them, which ran again
        assert sorted(attempts) in (["one", "one", "two"], ["one", "two", "two"])
    finally:
        await pool.close()


async def test_a_round_robin_team_advances_once_when_the_sender_delegates_meanwhile(
    db_url: str,
) -> None:
    ws, p = await _people(db_url, "Bo", "Max", "Hal", "Sam")
    async with await _connect(db_url) as conn, conn.transaction():
        team = await create_team(
            conn, ws, NOW, "Ops", Routing.ROUND_ROBIN, [p["Bo"].id, p["Max"].id]
        )
    _, made = await _first_then_second(
        db_url,
        lambda c: set_delegation(
            c, ws, NOW, p["Sam"].id, NOW, NOW + timedelta(days=3), DelegateTo(p["Hal"].id)
        ),
        lambda c: create_handoff(c, ws, NOW, _new(p["Sam"], team=team.id)),
    )
    handoff, created = made
    # the sender's own delegation changes nothing about who receives it: one handoff, one
    # step of the team's turn (it went to the first member, and the next one is Max)
    assert created and handoff.receiver_id == p["Bo"].id
    row = await _one(db_url, "SELECT rr_counter FROM teams WHERE id = %s", team.id)
    assert row["rr_counter"] == 1
