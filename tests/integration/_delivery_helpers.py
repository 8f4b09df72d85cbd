"""Helpers for the delivery-engine tests: a workspace, people, bulk follow-ups, counts."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from arq.connections import ArqRedis, RedisSettings, create_pool
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool
from pydantic import SecretStr

from handoff.services.handoffs import NewHandoff, Note, create_handoff
from handoff.services.people import create_person
from handoff.settings import Settings
from handoff.storage.db import open_pool
from handoff.storage.models import Handoff, Person

_names = itertools.count()

WEEKDAYS_9_17 = {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}


def settings_for(db_url: str, redis_url: str, **over: Any) -> Settings:
    return Settings(
        database_url=SecretStr(db_url),
        redis_url=SecretStr(redis_url),
        queue_name=f"test:queue:{next(_names)}",
        **over,
    )


@asynccontextmanager
async def engine(
    db_url: str, redis_url: str, **over: Any
) -> AsyncIterator[tuple[AsyncConnectionPool, ArqRedis, Settings]]:
    """A pool, an arq Redis connection and settings for one test."""
    settings = settings_for(db_url, redis_url, **over)
    pool = await open_pool(db_url, 1, 12)
    redis = await create_pool(
        RedisSettings.from_dsn(redis_url), default_queue_name=settings.queue_name
    )
    try:
        yield pool, redis, settings
    finally:
        await redis.aclose()
        await pool.close()


async def workspace(conn: AsyncConnection[Any], now: datetime, reminders: int = 1) -> int:
    cur = await conn.execute(
        "INSERT INTO workspaces (name, reminders_before_escalation, created_at) "
        "VALUES (%s, %s, %s) RETURNING id",
        (f"ws{next(_names)}", reminders, now),
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row["id"])


async def person(
    conn: AsyncConnection[Any],
    ws: int,
    now: datetime,
    name: str,
    timezone: str,
    weekly: dict[str, list[str]] | None = None,
    policy: dict[str, Any] | None = None,
) -> Person:
    return await create_person(
        conn,
        ws,
        now,
        name=name,
        handle=f"{name.lower()}{next(_names)}",
        timezone=timezone,
        working_pattern={"timezone": timezone, "weekly": weekly or WEEKDAYS_9_17},
        delivery_policy=policy or {},
    )


async def handoff(
    conn: AsyncConnection[Any],
    ws: int,
    now: datetime,
    sender: Person,
    *,
    to: Person | None = None,
    team_id: int | None = None,
    respond_within: timedelta | None = None,
    max_reminders: int | None = None,
    summary: str = "please take over",
) -> Handoff:
    h, created = await create_handoff(
        conn,
        ws,
        now,
        NewHandoff(
            sender_id=sender.id,
            note=Note(summary),
            new_work_item_title=summary,
            to_person_id=to.id if to else None,
            to_team_id=team_id,
            respond_within=respond_within,
            max_reminders=max_reminders,
        ),
    )
    assert created
    return h


async def bulk_deliveries(
    conn: AsyncConnection[Any],
    ws: int,
    sender_id: int,
    receiver_ids: list[int],
    n: int,
    due_at: datetime,
    now: datetime,
    *,
    spread: timedelta = timedelta(0),
) -> None:
    """`n` scheduled handoffs (round-robin over receivers) with their DELIVERY rows.

    Row i is due at `due_at + i * spread`. Set-based SQL: thousands in well under a second.
    """
    await conn.execute(
        """
        WITH wi AS (
            INSERT INTO work_items (workspace_id, title, status, holder_id, created_at, updated_at)
            SELECT %(ws)s, 'bulk ' || g, 'IN_HANDOFF', %(sender)s, %(now)s, %(now)s
            FROM generate_series(1, %(n)s) g
            RETURNING id
        ), numbered AS (
            SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM wi
        ), h AS (
            INSERT INTO handoffs (workspace_id, work_item_id, sender_id, receiver_id, summary,
                                  created_at, deliver_at, max_reminders, updated_at)
            SELECT %(ws)s, numbered.id, %(sender)s,
                   (%(receivers)s::bigint[])[1 + (numbered.i %% cardinality(%(receivers)s::bigint[]))],
                   'bulk', %(now)s, %(due)s + numbered.i * %(spread)s, 1, %(now)s
            FROM numbered
            RETURNING id, receiver_id, deliver_at
        )
        INSERT INTO follow_ups (workspace_id, handoff_id, person_id, kind, due_at, created_at)
        SELECT %(ws)s, h.id, h.receiver_id, 'DELIVERY', h.deliver_at, %(now)s FROM h
        """,
        {
            "ws": ws,
            "sender": sender_id,
            "receivers": receiver_ids,
            "n": n,
            "due": due_at,
            "now": now,
            "spread": spread,
        },
    )


async def scalar(conn: AsyncConnection[Any], sql: str, *args: Any) -> Any:
    cur = await conn.execute(sql, args)
    row = await cur.fetchone()
    assert row is not None
    return next(iter(row.values()))


async def delivery_counts(pool: AsyncConnectionPool) -> dict[str, int]:
    """Handoffs delivered, delivery events, the most events of one handoff, open rows."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            """
            SELECT
              (SELECT count(*) FROM handoffs WHERE status = 'DELIVERED') AS delivered,
              (SELECT count(*) FROM events WHERE type = 'handoff.delivered') AS events,
              (SELECT coalesce(max(c), 0) FROM (
                  SELECT count(*) AS c FROM events WHERE type = 'handoff.delivered'
                  GROUP BY handoff_id) x) AS max_per_handoff,
              (SELECT count(*) FROM follow_ups WHERE state IN ('PENDING', 'ENQUEUED')) AS open,
              (SELECT count(*) FROM follow_ups WHERE state = 'DONE') AS done
            """
        )
        row = await cur.fetchone()
        assert row is not None
        return {k: int(v) for k, v in row.items()}


async def events_of(
    conn: AsyncConnection[Any], handoff_id: int | None = None
) -> list[dict[str, Any]]:
    cur = await conn.execute(
        "SELECT type, handoff_id, person_id, payload, occurred_at FROM events "
        "WHERE (%(h)s::bigint IS NULL OR handoff_id = %(h)s) ORDER BY id",
        {"h": handoff_id},
    )
    return list(await cur.fetchall())


async def follow_ups_of(conn: AsyncConnection[Any], handoff_id: int) -> list[dict[str, Any]]:
    cur = await conn.execute(
        "SELECT * FROM follow_ups WHERE handoff_id = %s ORDER BY id", (handoff_id,)
    )
    return list(await cur.fetchall())
