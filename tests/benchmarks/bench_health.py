"""Async-health report benchmark: a workspace with 100,000 handoffs over a year.

Starts its own embedded PostgreSQL (like the test fixtures), loads a year of history for a
team of 12 people in 6 zones (focus blocks, digests, answers, reminders, escalations,
urgent handoffs with ratings, digest events, and the outbox events around them), then
times `handoff.services.health_report.async_health` for the whole year against a plain
`count(*)` over the same rows (`storage.health.count_received`) in the same run, and
prints a table.

    .venv/bin/python tests/benchmarks/bench_health.py [--quick] [--verbose]

`--verbose` prints every timed run. The data is synthetic: instants are spread over the
year without regard to anyone's hours, so the figures it prints are not a team's.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from _common import machine_info, print_table  # noqa: E402

from handoff.devtools.embedded import EmbeddedPostgres, remove_tree  # noqa: E402
from handoff.services.health_report import Report, _spans, async_health  # noqa: E402
from handoff.services.people import create_person  # noqa: E402
from handoff.storage import health  # noqa: E402
from handoff.storage.db import open_pool  # noqa: E402
from handoff.storage.migrate import migrate  # noqa: E402

QUICK = "--quick" in sys.argv
N = 100_000
RUNS = 3 if QUICK else 7
START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2027, 1, 1, tzinfo=UTC)
TARGET_MS = 500.0
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
TEAM = [
    ("Ana", "Europe/Amsterdam", {"focus_blocks": {d: ["09:00-11:00"] for d in WEEKDAYS}}),
    ("Bo", "America/New_York", {}),
    ("Cy", "Europe/Amsterdam", {"digest_times": ["09:30", "14:00"]}),
    ("Dee", "Asia/Kolkata", {}),
    ("Eve", "Australia/Sydney", {"focus_blocks": {"mon": ["13:00-17:00"]}}),
    ("Fay", "America/Los_Angeles", {}),
    ("Gus", "Europe/London", {"digest_times": ["10:00"]}),
    ("Hal", "Asia/Tokyo", {}),
    ("Ivy", "America/New_York", {"focus_blocks": {d: ["14:00-16:00"] for d in WEEKDAYS}}),
    ("Jon", "Asia/Kolkata", {}),
    ("Kai", "Australia/Sydney", {}),
    ("Liv", "Europe/Amsterdam", {}),
]
OUTSIDERS = 8

# One statement loads the year: handoffs spread over it (90 % to the team), with
# delivery lateness, holds, answers and their working time, reminders, escalations; a
# work item each; three outbox events each; ~2 % urgent with half of them rated; and the
# team's digests. Random but seeded (setseed), so every run loads the same rows.
LOAD = """
SELECT setseed(0.42);
WITH g AS (
    SELECT i,
           %(start)s::timestamptz + (i::float8 / %(n)s) * (%(end)s::timestamptz - %(start)s::timestamptz)
               AS created_at,
           random() AS r1, random() AS r2, random() AS r3, random() AS r4
    FROM generate_series(1, %(n)s) AS i
), h0 AS (
    SELECT i, created_at, r1, r2, r3, r4,
           CASE WHEN r1 < 0.9 THEN (%(team)s::bigint[])[1 + (i %% cardinality(%(team)s::bigint[]))]
                ELSE (%(others)s::bigint[])[1 + (i %% cardinality(%(others)s::bigint[]))] END
               AS receiver_id,
           CASE WHEN r2 < 0.5 THEN (%(team)s::bigint[])[1 + ((i * 7 + 3) %% cardinality(%(team)s::bigint[]))]
                ELSE (%(others)s::bigint[])[1 + ((i * 5) %% cardinality(%(others)s::bigint[]))] END
               AS sender_id,
           created_at + CASE WHEN r3 < 0.45 THEN (r3 * 40) * interval '1 hour'
                             ELSE interval '0' END AS deliver_at
    FROM g
), wi AS (
    INSERT INTO work_items (workspace_id, title, status, holder_id, created_at, updated_at)
    SELECT %(ws)s, 'bench ' || i, 'OPEN', receiver_id, created_at, created_at FROM h0
    RETURNING id
), wn AS (
    SELECT id, row_number() OVER (ORDER BY id) AS i FROM wi
), h AS (
    INSERT INTO handoffs (workspace_id, work_item_id, sender_id, receiver_id, summary,
                          respond_within, status, created_at, deliver_at, respond_by, explanation,
                          max_reminders, reminders_sent, escalated_at, delivered_at,
                          acknowledged_at, completed_at, updated_at, answered_at,
                          answer_working_time)
    SELECT %(ws)s, wn.id, h0.sender_id,
           CASE WHEN h0.sender_id = h0.receiver_id THEN (%(others)s::bigint[])[1] ELSE h0.receiver_id END,
           'bench',
           CASE WHEN h0.r4 < 0.6 THEN interval '4 hours' END,
           CASE WHEN h0.r4 < 0.5 THEN 'COMPLETED' WHEN h0.r4 < 0.7 THEN 'ACKNOWLEDGED'
                ELSE 'DELIVERED' END,
           h0.created_at, h0.deliver_at,
           CASE WHEN h0.r4 < 0.6 THEN h0.deliver_at + interval '4 hours' END,
           '[]'::jsonb, 1,
           CASE WHEN h0.r4 BETWEEN 0.55 AND 0.6 THEN 1 ELSE 0 END,
           CASE WHEN h0.r4 BETWEEN 0.58 AND 0.6 THEN h0.deliver_at + interval '9 hours' END,
           h0.deliver_at + (h0.r2 * 2) * interval '1 second',
           CASE WHEN h0.r4 < 0.7 THEN h0.deliver_at + (h0.r1 * 6) * interval '1 hour' END,
           CASE WHEN h0.r4 < 0.5 THEN h0.deliver_at + (h0.r1 * 9) * interval '1 hour' END,
           h0.deliver_at,
           CASE WHEN h0.r4 < 0.7 THEN h0.deliver_at + (h0.r1 * 6) * interval '1 hour' END,
           CASE WHEN h0.r4 < 0.7 THEN (h0.r1 * 5) * interval '1 hour' END
    FROM h0 JOIN wn ON wn.i = h0.i
    RETURNING id, sender_id, receiver_id, created_at, deliver_at
), ev AS (
    INSERT INTO events (workspace_id, type, handoff_id, person_id, payload, occurred_at,
                        public_id, dispatched_at)
    SELECT %(ws)s, t.type, h.id, h.receiver_id, '{}'::jsonb, h.deliver_at,
           'msg_bench_' || h.id || '_' || t.n, h.deliver_at
    FROM h, (VALUES (1, 'handoff.created'), (2, 'handoff.delivered'),
                    (3, 'handoff.acknowledged')) AS t(n, type)
), urgent AS (
    INSERT INTO urgent_handoffs (workspace_id, handoff_id, person_id, sender_id, reason,
                                 outcome, declined_because, explanation, lands_at, created_at,
                                 delivered_at, rated_at, was_urgent)
    SELECT %(ws)s, h.id, h.receiver_id, h.sender_id, 'bench',
           CASE WHEN h.id %% 3 = 0 THEN 'DECLINED' ELSE 'BROKE_THROUGH' END,
           CASE WHEN h.id %% 3 = 0 THEN 'BUDGET_USED' END,
           'bench', h.deliver_at, h.created_at,
           CASE WHEN h.id %% 3 <> 0 THEN h.deliver_at END,
           CASE WHEN h.id %% 2 = 0 THEN h.deliver_at + interval '1 day' END,
           CASE WHEN h.id %% 2 = 0 THEN h.id %% 4 = 0 END
    FROM h WHERE h.id %% 50 = 0
)
INSERT INTO events (workspace_id, type, person_id, payload, occurred_at, public_id, dispatched_at)
SELECT %(ws)s, 'digest.delivered', p, jsonb_build_object('count', 1 + (d %% 5)),
       %(start)s::timestamptz + d * interval '1 day' + interval '9 hours',
       'msg_digest_' || p || '_' || d, %(start)s::timestamptz
FROM unnest(%(digest_people)s::bigint[]) AS p, generate_series(0, 364) AS d;
"""


async def load(pool: Any) -> tuple[int, list[int]]:
    now = START - timedelta(days=1)
    async with pool.connection() as conn, conn.transaction():
        cur = await conn.execute(
            "INSERT INTO workspaces (name, created_at) VALUES ('bench', %s) RETURNING id", (now,)
        )
        ws = (await cur.fetchone())["id"]
        team, digest_people = [], []
        for name, zone, policy in TEAM:
            p = await create_person(
                conn,
                ws,
                now,
                name=name,
                handle=name.lower(),
                timezone=zone,
                delivery_policy=policy,
            )
            team.append(p.id)
            if policy.get("digest_times"):
                digest_people.append(p.id)
        others = []
        for k in range(OUTSIDERS):
            p = await create_person(conn, ws, now, name=f"O{k}", handle=f"o{k}", timezone="UTC")
            others.append(p.id)
        params = {
            "ws": ws,
            "n": N,
            "start": START,
            "end": END,
            "team": team,
            "others": others,
            "digest_people": digest_people,
        }
        for statement in LOAD.split(";\n"):
            if statement.strip():
                await conn.execute(statement, params)  # type: ignore[arg-type]
    async with pool.connection() as conn:
        await conn.set_autocommit(True)
        await conn.execute("VACUUM ANALYZE")
    return ws, team


def _ms(seconds: list[float]) -> float:
    return statistics.median(seconds) * 1000


async def timed(fn: Any, runs: int) -> tuple[float, Any]:
    result = await fn()  # warm: plans cached, patterns parsed
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = await fn()
        times.append(time.perf_counter() - t0)
    if "--verbose" in sys.argv:
        print(fn.__name__, [round(t * 1000, 1) for t in times])
    return _ms(times), result


async def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="handoff-bench-health-"))
    pg = EmbeddedPostgres(root / "pg", durable=False)
    try:
        admin = pg.start()
        base = admin.rsplit("/", 1)[0]
        import psycopg

        with psycopg.connect(admin, autocommit=True) as c:
            c.execute("CREATE DATABASE health")
        migrate(f"{base}/health")
        pool = await open_pool(f"{base}/health", 1, 4)
        t0 = time.perf_counter()
        ws, team = await load(pool)
        loaded = time.perf_counter() - t0
        now = END + timedelta(days=1)

        async def count() -> int:
            async with pool.connection() as conn:
                return await health.count_received(conn, ws, team, START, END)

        async def report() -> Any:
            async with pool.connection() as conn:
                return await async_health(conn, ws, now, start=START, end=END, person_ids=team)

        people = None
        async with pool.connection() as conn:
            from handoff.storage import people as people_store

            people = await people_store.by_ids(conn, ws, team)
        spans = _spans(people, START, END + timedelta(days=7))

        async def statement() -> Any:
            async with pool.connection() as conn:
                return await health.report(conn, ws, team, START, END, spans, now)

        count_ms, rows = await timed(count, RUNS)
        report_ms, found = await timed(report, RUNS)
        sql_ms, _ = await timed(statement, RUNS)
        t1 = time.perf_counter()
        for _ in range(RUNS):
            _spans(people, START, END + timedelta(days=7))
        spans_ms = (time.perf_counter() - t1) / RUNS * 1000
        assert isinstance(found, Report)
        assert found.row.received == rows, (found.row.received, rows)
        async with pool.connection() as conn:
            cur = await conn.execute(
                "SELECT count(*) AS n FROM handoffs WHERE workspace_id = %s", (ws,)
            )
            total = (await cur.fetchone())["n"]
        await pool.close()

        info = machine_info()
        print(f"\nmachine: {info['nproc']} CPUs, {info['cpu']}, Python {info['python']}")
        print(
            f"workspace: {total:,} handoffs over 2026, {len(team)} team members in 6 zones "
            f"(the report's rows: {rows:,}), loaded in {loaded:.1f} s; median of {RUNS} warm runs"
        )
        print_table(
            ["measure", "median ms", "vs count(*)", "target"],
            [
                ["count(*) over the same rows (baseline)", f"{count_ms:.1f}", "1.0x", "-"],
                [
                    "asyncHealth for the year (service: windows, SQL, coverage, overlaps)",
                    f"{report_ms:.1f}",
                    f"{report_ms / count_ms:.1f}x",
                    f"<= {TARGET_MS:.0f} ms {'PASS' if report_ms <= TARGET_MS else 'MISS'}",
                ],
                ["... its SQL statement alone", f"{sql_ms:.1f}", f"{sql_ms / count_ms:.1f}x", "-"],
                [
                    f"... its working and delivery windows ({len(spans.people):,} spans)",
                    f"{spans_ms:.1f}",
                    "-",
                    "-",
                ],
            ],
            title="Async-health report",
            align="lrrl",
        )
        print(
            f"figures: received {found.row.received:,}, sent {found.row.sent:,}, in hours "
            f"{found.delivered_in_hours_share:.3f}, median answer {found.row.response_median}, "
            f"digests {found.row.digests:,}, break-throughs {found.row.urgent_broke_through:,}"
        )
    finally:
        pg.stop()
        remove_tree(root)


if __name__ == "__main__":
    asyncio.run(main())
