"""Delivery engine benchmark: surge, steady-state lateness, and scale of the follow-up table.

Starts its own embedded PostgreSQL and Redis (like the test fixtures), runs the real
worker (`python -m handoff.jobs.worker`, one process, system clock) and prints a table.

    .venv/bin/python tests/benchmarks/bench_delivery.py [--quick] [--surge-only]

`--surge-only` runs the surge alone (several times with `--repeat N`) and prints each result.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
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
from arq import Worker  # noqa: E402
from arq.connections import RedisSettings, create_pool  # noqa: E402

from handoff.devtools.embedded import EmbeddedPostgres, EmbeddedRedis, remove_tree  # noqa: E402
from handoff.services.handoffs import NewHandoff, Note, create_handoff  # noqa: E402
from handoff.services.people import create_person  # noqa: E402
from handoff.storage.db import open_pool  # noqa: E402
from handoff.storage.migrate import migrate  # noqa: E402

QUICK = "--quick" in sys.argv
SURGE_ONLY = "--surge-only" in sys.argv
REPEAT = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 1
SURGE_N = 10_000
SURGE_RECEIVERS = 2_000
RATE = 200
STEADY_SECONDS = 8 if QUICK else 20
BIG = 100_000 if QUICK else 1_000_000


async def _noop(ctx: dict[str, Any]) -> None:
    return None


async def baseline_noop(redis_url: str) -> float:
    """10,000 no-op arq jobs through the same Redis, one in-process worker."""
    redis = await create_pool(RedisSettings.from_dsn(redis_url), default_queue_name="bench:noop")
    for i in range(0, SURGE_N, 500):
        await asyncio.gather(
            *(
                redis.enqueue_job("_noop", _job_id=f"noop{j}", _queue_name="bench:noop")
                for j in range(i, i + 500)
            )
        )
    worker = Worker(
        functions=[_noop],
        queue_name="bench:noop",
        redis_pool=redis,
        burst=True,
        handle_signals=False,
        poll_delay=0.05,
        max_jobs=10,
        log_results=False,
    )
    t0 = time.perf_counter()
    await worker.async_run()
    elapsed = time.perf_counter() - t0
    await redis.flushdb()
    await redis.aclose()
    return elapsed


async def _people(conn: Any, ws: int, now: datetime, n: int) -> list[int]:
    cur = await conn.execute(
        """
        INSERT INTO people (workspace_id, name, handle, timezone, working_pattern,
                            delivery_policy, created_at, updated_at)
        SELECT %(ws)s, 'R' || g, 'r' || g, 'UTC',
               '{"timezone": "UTC", "weekly": {"mon": ["00:00-24:00"], "tue": ["00:00-24:00"],
                 "wed": ["00:00-24:00"], "thu": ["00:00-24:00"], "fri": ["00:00-24:00"],
                 "sat": ["00:00-24:00"], "sun": ["00:00-24:00"]}}'::jsonb,
               '{}'::jsonb, %(now)s, %(now)s
        FROM generate_series(1, %(n)s) g RETURNING id
        """,
        {"ws": ws, "now": now, "n": n},
    )
    return [r["id"] for r in await cur.fetchall()]


async def _bulk(conn: Any, ws: int, sender: int, receivers: list[int], due: list[datetime]) -> None:
    await conn.execute(
        """
        WITH v AS (
            SELECT ord - 1 AS i, d FROM unnest(%(due)s::timestamptz[]) WITH ORDINALITY AS u(d, ord)
        ), wi AS (
            INSERT INTO work_items (workspace_id, title, status, holder_id, created_at, updated_at)
            SELECT %(ws)s, 'bench', 'IN_HANDOFF', %(sender)s, now(), now() FROM v
            RETURNING id
        ), numbered AS (
            SELECT wi.id, v.i, v.d FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM wi) wi
            JOIN v ON v.i = wi.i
        ), h AS (
            INSERT INTO handoffs (workspace_id, work_item_id, sender_id, receiver_id, summary,
                                  created_at, deliver_at, max_reminders, updated_at)
            SELECT %(ws)s, id, %(sender)s,
                   (%(receivers)s::bigint[])[1 + (i %% cardinality(%(receivers)s::bigint[]))],
                   'bench', now(), d, 1, now()
            FROM numbered RETURNING id, receiver_id, deliver_at
        )
        INSERT INTO follow_ups (workspace_id, handoff_id, person_id, kind, due_at, created_at)
        SELECT %(ws)s, id, receiver_id, 'DELIVERY', deliver_at, now() FROM h
        """,
        {"ws": ws, "sender": sender, "receivers": receivers, "due": due},
    )


def _start_worker(db_url: str, redis_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HANDOFF_DATABASE_URL": db_url,
        "HANDOFF_REDIS_URL": redis_url,
        "HANDOFF_QUEUE_NAME": "bench:delivery",
        "HANDOFF_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "handoff.jobs.worker"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _scalar(pool: Any, sql: str) -> Any:
    async with pool.connection() as conn:
        cur = await conn.execute(sql)
        row = await cur.fetchone()
        return next(iter(row.values()))


async def surge(db_url: str, redis_url: str) -> float:
    pool = await open_pool(db_url, 1, 4)
    try:
        async with pool.connection() as conn, conn.transaction():
            cur = await conn.execute(
                "INSERT INTO workspaces (name, created_at) VALUES ('surge', now()) RETURNING id"
            )
            ws = (await cur.fetchone())["id"]
            ids = await _people(conn, ws, datetime.now(UTC), SURGE_RECEIVERS + 1)
            due = datetime.now(UTC) + timedelta(seconds=8)
            await _bulk(conn, ws, ids[0], ids[1:], [due] * SURGE_N)
        proc = _start_worker(db_url, redis_url)
        try:
            while datetime.now(UTC) < due:
                await asyncio.sleep(0.005)
            while True:
                n = await _scalar(
                    pool,
                    "SELECT (SELECT count(*) FROM handoffs WHERE status = 'DELIVERED') "
                    "+ (SELECT count(*) FROM events WHERE type = 'handoff.delivered') AS n",
                )
                if n >= 2 * SURGE_N:
                    break
                await asyncio.sleep(0.01)
            elapsed = (datetime.now(UTC) - due).total_seconds()
        finally:
            proc.terminate()
            proc.wait(30)
        doubles = await _scalar(
            pool,
            "SELECT count(*) FROM (SELECT handoff_id FROM events WHERE type = 'handoff.delivered' "
            "GROUP BY handoff_id HAVING count(*) > 1) x",
        )
        assert doubles == 0, doubles
        return elapsed
    finally:
        await pool.close()


async def lateness(db_url: str, redis_url: str) -> tuple[float, float, float, int]:
    pool = await open_pool(db_url, 1, 4)
    try:
        async with pool.connection() as conn, conn.transaction():
            cur = await conn.execute(
                "INSERT INTO workspaces (name, created_at) VALUES ('steady', now()) RETURNING id"
            )
            ws = (await cur.fetchone())["id"]
            ids = await _people(conn, ws, datetime.now(UTC), 201)
        proc = _start_worker(db_url, redis_url)
        try:
            await asyncio.sleep(2)
            start = datetime.now(UTC) + timedelta(seconds=3)
            total = RATE * STEADY_SECONDS
            # Every 0.5 s, schedule the next half second's 100 rows, due 3 s ahead.
            for k in range(0, total, RATE // 2):
                due = [start + timedelta(seconds=(k + j) / RATE) for j in range(RATE // 2)]
                async with pool.connection() as conn, conn.transaction():
                    await _bulk(conn, ws, ids[0], ids[1:], due)
                wake = start + timedelta(seconds=k / RATE) - timedelta(seconds=2.5)
                await asyncio.sleep(max(0.0, (wake - datetime.now(UTC)).total_seconds()))
            while (
                await _scalar(
                    pool,
                    "SELECT count(*) AS n FROM handoffs h JOIN workspaces w ON w.id = h.workspace_id "
                    "WHERE w.name = 'steady' AND status = 'DELIVERED'",
                )
                < total
            ):
                await asyncio.sleep(0.1)
        finally:
            proc.terminate()
            proc.wait(30)
        async with pool.connection() as conn:
            cur = await conn.execute(
                "SELECT extract(epoch FROM delivered_at - deliver_at)::float8 AS late "
                "FROM handoffs h JOIN workspaces w ON w.id = h.workspace_id WHERE w.name = 'steady'"
            )
            late = sorted(r["late"] for r in await cur.fetchall())
        p50 = statistics.median(late)
        p99 = late[int(len(late) * 0.99) - 1]
        return p50, p99, late[-1], len(late)
    finally:
        await pool.close()


async def _create_cost(pool: Any, ws: int, sender: int, receiver: int, n: int = 200) -> float:
    times = []
    now = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
    for i in range(n):
        t0 = time.perf_counter()
        async with pool.connection() as conn, conn.transaction():
            await create_handoff(
                conn,
                ws,
                now,
                NewHandoff(
                    sender_id=sender,
                    note=Note(f"n{i}"),
                    new_work_item_title=f"w{i}",
                    to_person_id=receiver,
                    respond_within=timedelta(hours=4),
                ),
            )
        times.append(time.perf_counter() - t0)
    return statistics.median(times[20:]) * 1000


async def scale(db_url: str) -> tuple[float, float]:
    pool = await open_pool(db_url, 1, 4)
    try:
        now = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
        async with pool.connection() as conn, conn.transaction():
            cur = await conn.execute(
                "INSERT INTO workspaces (name, created_at) VALUES ('scale', now()) RETURNING id"
            )
            ws = (await cur.fetchone())["id"]
            a = await create_person(
                conn, ws, now, name="A", handle="a", timezone="Europe/Amsterdam"
            )
            b = await create_person(
                conn, ws, now, name="B", handle="b", timezone="America/New_York"
            )

        async def fill(total: int) -> None:
            async with pool.connection() as conn, conn.transaction():
                await _bulk(conn, ws, a.id, [b.id], [now + timedelta(days=30)])
                cur = await conn.execute("SELECT max(id) AS h FROM handoffs")
                h = (await cur.fetchone())["h"]
                have = await conn.execute("SELECT count(*) AS n FROM follow_ups")
                missing = total - (await have.fetchone())["n"]
                await conn.execute(
                    "INSERT INTO follow_ups (workspace_id, handoff_id, person_id, kind, due_at, "
                    "created_at) SELECT %(ws)s, %(h)s, %(p)s, 'DELIVERY', "
                    "%(now)s + (g %% 100000) * interval '1 minute', %(now)s "
                    "FROM generate_series(1, %(n)s) g",
                    {"ws": ws, "h": h, "p": b.id, "now": now, "n": missing},
                )
            async with pool.connection() as conn:
                await conn.execute("ANALYZE follow_ups")

        await fill(1_000)
        small = await _create_cost(pool, ws, a.id, b.id)
        await fill(BIG)
        big = await _create_cost(pool, ws, a.id, b.id)
        return small, big
    finally:
        await pool.close()


async def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="handoff-bench-"))
    pg = EmbeddedPostgres(root / "pg", durable=False)
    rd = EmbeddedRedis(root / "redis", persistent=False)
    try:
        admin = pg.start()
        redis_url = rd.start()
        base = admin.rsplit("/", 1)[0]
        import psycopg

        if SURGE_ONLY:
            results = []
            for k in range(REPEAT):
                with psycopg.connect(admin, autocommit=True) as c:
                    c.execute(f"CREATE DATABASE surge{k}")
                migrate(f"{base}/surge{k}")
                results.append(await surge(f"{base}/surge{k}", redis_url))
                print(f"surge run {k + 1}: {results[-1]:.2f} s", flush=True)
            print(
                f"surge: best {min(results):.2f} s, median {statistics.median(results):.2f} s "
                f"over {len(results)} runs"
            )
            return
        with psycopg.connect(admin, autocommit=True) as c:
            for name in ("surge", "steady", "scale"):
                c.execute(f"CREATE DATABASE {name}")
        for name in ("surge", "steady", "scale"):
            migrate(f"{base}/{name}")

        noop = await baseline_noop(redis_url)
        surge_s = await surge(f"{base}/surge", redis_url)
        p50, p99, worst, n = await lateness(f"{base}/steady", redis_url)
        small, big = await scale(f"{base}/scale")

        info = machine_info()
        print(f"\nmachine: {info['nproc']} CPUs, {info['cpu']}, Python {info['python']}")
        print_table(
            ["measure", "result", "target"],
            [
                ["baseline: 10,000 no-op arq jobs, one worker", f"{noop:.2f} s", "-"],
                [
                    f"surge: {SURGE_N:,} deliveries due at one instant, {SURGE_RECEIVERS:,} "
                    "receivers, one worker process (due -> all DELIVERED + events)",
                    f"{surge_s:.2f} s",
                    "<= 3 s",
                ],
                [
                    f"lateness at {RATE}/s for {STEADY_SECONDS} s ({n:,} rows): p50",
                    f"{p50 * 1000:.0f} ms",
                    "-",
                ],
                ["lateness p99", f"{p99 * 1000:.0f} ms", "<= 1000 ms"],
                ["lateness max", f"{worst * 1000:.0f} ms", "-"],
                [
                    "createHandoff (service, one transaction) with 1,000 open follow-ups: median",
                    f"{small:.2f} ms",
                    "-",
                ],
                [
                    f"... with {BIG:,} open follow-ups: median",
                    f"{big:.2f} ms",
                    f"<= 1.5x ({big / small:.2f}x)",
                ],
            ],
            title="Delivery engine",
            align="lrr",
        )
    finally:
        rd.stop()
        pg.stop()
        remove_tree(root)


if __name__ == "__main__":
    asyncio.run(main())
