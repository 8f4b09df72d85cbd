"""The hub against a real PostgreSQL: NOTIFY at commit, dispatch by the API process,
reading by outbox position (a late commit with a lower id is not skipped), replay then
live without a gap or a duplicate under load, slow consumers, a lost LISTEN connection."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from handoff.clock import ManualClock
from handoff.live.events import LiveEvent
from handoff.live.hub import Hub, HubClosed, SlowConsumer
from handoff.live.streams import Streams
from handoff.services.rights import Actor
from handoff.storage import events as event_store
from handoff.storage.db import open_pool


@contextlib.asynccontextmanager
async def hub_on(db_url: str, clock: ManualClock, **kw: Any) -> AsyncIterator[Hub]:
    pool = await open_pool(db_url, 1, 8)
    hub = Hub(pool, db_url, clock, **kw)
    try:
        yield hub
    finally:
        await hub.stop()
        await pool.close()


async def _workspace(pool: AsyncConnectionPool, name: str = "acme") -> int:
    async with pool.connection() as conn:
        cur = await conn.execute(
            "INSERT INTO workspaces (name, created_at) VALUES (%s, now()) RETURNING id", (name,)
        )
        row = await cur.fetchone()
        assert row is not None
        return int(row["id"])


async def _record(pool: AsyncConnectionPool, ws: int, *numbers: int) -> None:
    async with pool.connection() as conn:
        await event_store.record_many(
            conn,
            [event_store.NewEvent(ws, "handoff.created", {"n": n}) for n in numbers],
            await _now(conn),
        )


async def _now(conn: Any) -> Any:
    cur = await conn.execute("SELECT now() AS t")
    row = await cur.fetchone()
    return row["t"]


def _all(event: LiveEvent) -> bool:
    return True


async def test_an_insert_notifies_at_commit_and_a_dispatch_with_the_new_position(
    db_url: str, clock: ManualClock
) -> None:
    async with hub_on(db_url, clock, dispatch=False) as hub:
        ws = await _workspace(hub.pool)
        listener = await psycopg.AsyncConnection.connect(db_url, autocommit=True)
        async with listener:
            await listener.execute("LISTEN handoff_events")
            await listener.execute("LISTEN handoff_outbox")
            async with await psycopg.AsyncConnection.connect(
                db_url, row_factory=dict_row
            ) as writer:
                await event_store.record_many(
                    writer,
                    [event_store.NewEvent(ws, "handoff.created", {"n": n}) for n in range(3)],
                    clock.now(),
                )
                await event_store.record(writer, event_store.NewEvent(ws, "ping", {}), clock.now())
                assert await _notes(listener, 0.3) == []  # nothing before the commit
                await writer.commit()
            # one notification for the transaction, however many statements and rows
            assert await _notes(listener, 0.5) == [("handoff_events", "")]
            assert await hub.dispatch_now() == 4
            assert await _notes(listener, 0.5) == [("handoff_outbox", "4")]
            assert await hub.dispatch_now() == 0  # idempotent: nothing left, nothing sent
            assert await _notes(listener, 0.3) == []


async def _notes(conn: psycopg.AsyncConnection[Any], within: float) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(within):
            async for note in conn.notifies():
                found.append((note.channel, note.payload))
    return found


async def test_events_reach_a_subscriber_in_outbox_order_even_when_a_lower_id_commits_late(
    db_url: str, clock: ManualClock
) -> None:
    async with hub_on(db_url, clock) as hub:
        ws = await _workspace(hub.pool)
        sub = await hub.subscribe(ws, _all)
        late = await psycopg.AsyncConnection.connect(db_url, row_factory=dict_row)
        async with late:
            await event_store.record(
                late, event_store.NewEvent(ws, "handoff.created", {"n": "late"}), clock.now()
            )
            await _record(hub.pool, ws, 1, 2)
            first = [await asyncio.wait_for(sub.get(), 5) for _ in range(2)]
            assert [e.data["n"] for e in first] == [1, 2]
            await late.commit()
        third = await asyncio.wait_for(sub.get(), 5)
        assert third.data["n"] == "late"  # a lower id, a later position: not skipped
        assert [e.position for e in [*first, third]] == sorted(e.position for e in [*first, third])
        assert hub.position == third.position


async def test_replay_then_live_has_no_gap_and_no_duplicate_while_events_keep_coming(
    db_url: str, clock: ManualClock
) -> None:
    async with hub_on(db_url, clock) as hub:
        ws = await _workspace(hub.pool)
        other = await _workspace(hub.pool, "globex")
        streams = Streams(hub, hub.pool, clock)
        await _record(hub.pool, ws, *range(20))
        await hub.start()
        await hub.dispatch_now()
        stop = asyncio.Event()

        async def writer() -> None:
            n = 1000
            while not stop.is_set():
                await _record(hub.pool, ws, n, n + 1)
                await _record(hub.pool, other, n)
                n += 2
                await asyncio.sleep(0.002)

        task = asyncio.create_task(writer())
        try:
            await asyncio.sleep(0.2)
            async with hub.pool.connection() as conn:
                cur = await conn.execute(
                    "SELECT position FROM events WHERE workspace_id = %s ORDER BY position"
                    " OFFSET 9 LIMIT 1",
                    (ws,),
                )
                row = await cur.fetchone()
                assert row is not None
                after = int(row["position"])
            got: list[int] = []
            stream = streams.events(Actor(ws), None, after)
            async for event in stream:
                got.append(event.position)
                assert event.workspace_id == ws
                if len(got) == 300:
                    break
            await stream.aclose()
        finally:
            stop.set()
            await task
        async with hub.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT position FROM events WHERE workspace_id = %s AND position > %s"
                " ORDER BY position LIMIT 300",
                (ws, after),
            )
            expected = [int(r["position"]) for r in await cur.fetchall()]
        assert got == expected  # every one of the workspace's events after `after`, once, in order
        assert hub.subscribers == 0


async def test_a_slow_subscriber_is_dropped_and_told_so(db_url: str, clock: ManualClock) -> None:
    async with hub_on(db_url, clock, queue_size=5) as hub:
        ws = await _workspace(hub.pool)
        dropped: list[bool] = []
        slow = await hub.subscribe(ws, _all, on_drop=lambda: dropped.append(True))
        keeping_up = await hub.subscribe(ws, _all)
        await _record(hub.pool, ws, *range(4))
        got = [await asyncio.wait_for(keeping_up.get(), 5) for _ in range(4)]
        assert [e.data["n"] for e in got] == [0, 1, 2, 3]
        await _record(hub.pool, ws, *range(4, 8))  # the slow one now has 8 waiting
        got = [await asyncio.wait_for(keeping_up.get(), 5) for _ in range(4)]
        assert dropped == [True]
        with pytest.raises(SlowConsumer):
            await slow.get()
        assert hub.subscribers == 1


async def test_a_lost_listen_connection_is_opened_again_and_nothing_is_missed(
    db_url: str, clock: ManualClock
) -> None:
    async with hub_on(db_url, clock, poll_seconds=60) as hub:
        ws = await _workspace(hub.pool)
        sub = await hub.subscribe(ws, _all)
        assert hub.leading
        async with hub.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS n"
                " FROM pg_stat_activity WHERE application_name = 'handoff live hub'"
            )
            row = await cur.fetchone()
            assert row is not None and row["n"] == 1
        await _record(hub.pool, ws, 1, 2, 3)  # possibly while nobody listens
        got = [await asyncio.wait_for(sub.get(), 10) for _ in range(3)]
        assert [e.data["n"] for e in got] == [1, 2, 3]
        await _record(hub.pool, ws, 4)
        assert (await asyncio.wait_for(sub.get(), 5)).data["n"] == 4


async def test_one_hub_per_database_dispatches_and_another_takes_over_when_it_goes(
    db_url: str, clock: ManualClock
) -> None:
    async with (
        hub_on(db_url, clock, poll_seconds=0.2) as first,
        hub_on(db_url, clock, poll_seconds=0.2) as second,
    ):
        ws = await _workspace(first.pool)
        subs = [await first.subscribe(ws, _all), await second.subscribe(ws, _all)]
        assert [first.leading, second.leading] == [True, False]
        await _record(first.pool, ws, 1)
        for sub in subs:
            assert (await asyncio.wait_for(sub.get(), 5)).data["n"] == 1
        await first.stop()  # its LISTEN session ends, and the lock with it
        for _ in range(100):
            if second.leading:
                break
            await asyncio.sleep(0.05)
        assert second.leading
        await _record(second.pool, ws, 2)
        assert (await asyncio.wait_for(subs[1].get(), 5)).data["n"] == 2


async def test_stopping_does_not_wait_for_ever_on_a_loop_that_ignores_cancelling(
    db_url: str, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    never = asyncio.Event()

    async def stubborn() -> None:
        while not never.is_set():
            with contextlib.suppress(asyncio.CancelledError):
                await never.wait()

    async with hub_on(db_url, clock, stop_seconds=0.3) as hub:
        ws = await _workspace(hub.pool)
        sub = await hub.subscribe(ws, _all)
        stuck = asyncio.create_task(stubborn(), name="stubborn-loop")
        hub._tasks.append(stuck)
        await asyncio.wait_for(hub.stop(), 5)  # the stuck loop does not hold it up
        assert hub._tasks == []
        with pytest.raises(HubClosed):
            await sub.get()
        assert "stubborn-loop did not stop in time" in caplog.text
        never.set()
        await asyncio.wait_for(stuck, 5)
