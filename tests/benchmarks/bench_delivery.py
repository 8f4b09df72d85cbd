"""Delivery engine benchmark: surge, steady-state lateness, and scale of the follow-up table.

Starts its own embedded PostgreSQL and Redis (like the test fixtures), runs the real
worker (`python -m handoff.jobs.worker`, one process, system clock) and prints a table.

    .venv/bin/python tests/benchmarks/bench_delivery.py [--quick] [--surge-only]

`--surge-only` runs the no-op arq baseline and the surge (several times with `--repeat N`) and
prints each pair, their ratio against the target (the surge >= 12x faster than the 10,000
no-op jobs of the same run) and where the surge's time went: when the batch jobs started and
how long each ran (arq's job results), the CPU of the worker, PostgreSQL, the benchmark's
watching backend and Redis from the due instant to the end, and the SQL per statement
(pg_stat_statements; `--no-stats` leaves it out).
"""

from __future__ import annotations

import argparse
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

import psycopg  # noqa: E402
from _common import machine_info, print_table, restart_with_statement_stats  # noqa: E402
from arq import Worker  # noqa: E402
from arq.connections import RedisSettings, create_pool  # noqa: E402
from psycopg.rows import dict_row  # noqa: E402

from handoff.devtools.embedded import EmbeddedPostgres, EmbeddedRedis, remove_tree  # noqa: E402
from handoff.services.handoffs import NewHandoff, Note, create_handoff  # noqa: E402
from handoff.services.people import create_person  # noqa: E402
from handoff.storage.db import open_pool  # noqa: E402
from handoff.storage.migrate import migrate  # noqa: E402


def _options() -> argparse.Namespace:
    # argparse, not membership tests on sys.argv: -h shows this, and a misspelt option is
    # refused instead of running the whole benchmark (minutes) without it
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="shorter steady state, 100,000 rows")
    parser.add_argument(
        "--surge-only", action="store_true", help="only the no-op arq baseline and the surge"
    )
    parser.add_argument("--repeat", type=int, default=1, help="--surge-only: this many pairs")
    parser.add_argument(
        "--no-stats", action="store_true", help="no pg_stat_statements for the surge"
    )
    return parser.parse_args()


_OPTIONS = _options()
QUICK = _OPTIONS.quick
SURGE_ONLY = _OPTIONS.surge_only
STATS = not _OPTIONS.no_stats
REPEAT = _OPTIONS.repeat
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


TARGET_RATIO = 12.0
_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_s(pid: int, children: bool = False) -> float:
    """CPU seconds (user + system) of a process, with its reaped children when asked."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / _TICK


def _pg_cpu_s(postmaster: int) -> dict[int, float]:
    """CPU seconds of the PostgreSQL server by pid: the postmaster (with, through its child
    times, the backends that have exited) and its live children."""
    cpu = {postmaster: _cpu_s(postmaster, children=True)}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == postmaster:
            cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / _TICK
    return cpu


async def _pg_roles(conn: Any) -> dict[int, str]:
    """What each PostgreSQL process is: its backend type, or the client's last statement."""
    cur = await conn.execute(
        "SELECT pid, backend_type, state, "
        "regexp_replace(left(query, 40), '\\s+', ' ', 'g') AS query FROM pg_stat_activity"
    )
    return {
        r["pid"]: r["backend_type"]
        if r["backend_type"] != "client backend"
        else f"client: {r['query']}"
        for r in await cur.fetchall()
    }


class Env:
    """Pids and URLs of the benchmark's own servers."""

    def __init__(self, pg: EmbeddedPostgres, rd: EmbeddedRedis) -> None:
        self.pg = pg
        self.rd = rd

    @property
    def postmaster(self) -> int:
        return int((self.pg.data_dir / "postmaster.pid").read_text().split()[0])

    @property
    def redis_pid(self) -> int:
        proc = self.rd._proc
        return proc.pid if proc is not None else 0


async def _wait_delivered(conn: Any, deadline: float) -> list[float]:
    """Wait until 10,000 `handoff.delivered` events exist.

    A handoff becomes DELIVERED in the statement that writes its event, so counting the
    events alone sees the same commits at half the cost of also counting handoffs (this
    backend's CPU is the surge's too); the checks after the run count both. The events table notifies `handoff_events` once per committing transaction that inserts
    events (migration 0009), so the two counts run once per batch commit instead of every
    10 ms; a notification that never comes is covered by counting again every 0.25 s.
    Returns the instants (perf_counter) at which a count saw new deliveries.
    """
    seen: list[float] = []
    last = -1
    while True:
        cur = await conn.execute(
            "SELECT count(*) AS e FROM events WHERE type = 'handoff.delivered'"
        )
        n = (await cur.fetchone())["e"]
        if n != last:
            seen.append(time.perf_counter())
            last = n
        if n >= SURGE_N:
            return seen
        if time.perf_counter() > deadline:
            raise TimeoutError(f"only {n} of {SURGE_N} delivered")
        # Every notification that is already waiting is answered by one count.
        async for _ in conn.notifies(timeout=0.25, stop_after=1):
            pass


async def _stat_statements(pool: Any) -> list[dict[str, Any]]:
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT calls, total_exec_time AS ms, rows, "
            "regexp_replace(left(query, 70), '\\s+', ' ', 'g') AS query "
            "FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database "
            "WHERE datname = current_database()) AND query NOT LIKE '%%pg_stat_statements%%' "
            "ORDER BY total_exec_time DESC"
        )
        return list(await cur.fetchall())


async def surge(db_url: str, redis_url: str, env: Env | None = None) -> dict[str, Any]:
    """10,000 deliveries due at one instant; the elapsed time and where it went."""
    pool = await open_pool(db_url, 1, 4)
    out: dict[str, Any] = {}
    try:
        async with pool.connection() as conn, conn.transaction():
            cur = await conn.execute(
                "INSERT INTO workspaces (name, created_at) VALUES ('surge', now()) RETURNING id"
            )
            ws = (await cur.fetchone())["id"]
            ids = await _people(conn, ws, datetime.now(UTC), SURGE_RECEIVERS + 1)
            due = datetime.now(UTC) + timedelta(seconds=8)
            await _bulk(conn, ws, ids[0], ids[1:], [due] * SURGE_N)
        stats = env is not None and STATS
        proc = _start_worker(db_url, redis_url)
        try:
            async with await psycopg.AsyncConnection.connect(
                db_url, autocommit=True, row_factory=dict_row
            ) as watch:
                await watch.execute("LISTEN handoff_events")
                cur = await watch.execute("SELECT pg_backend_pid() AS pid")
                watch_pid = (await cur.fetchone())["pid"]
                if stats:
                    await watch.execute("SELECT pg_stat_statements_reset()")
                while datetime.now(UTC) < due - timedelta(milliseconds=20):
                    await asyncio.sleep(0.005)
                if env is not None:
                    pg0 = _pg_cpu_s(env.postmaster)
                    cpu0 = (_cpu_s(proc.pid), sum(pg0.values()), _cpu_s(env.redis_pid))
                bench0 = time.process_time()
                while datetime.now(UTC) < due:
                    await asyncio.sleep(0.001)
                t_due = time.perf_counter() - (datetime.now(UTC) - due).total_seconds()
                seen = await _wait_delivered(watch, time.perf_counter() + 120)
                elapsed = (datetime.now(UTC) - due).total_seconds()
                if env is not None:
                    pg1 = _pg_cpu_s(env.postmaster)
                    cpu1 = (_cpu_s(proc.pid), sum(pg1.values()), _cpu_s(env.redis_pid))
                    out["cpu"] = {
                        k: b - a
                        for k, a, b in zip(("worker", "postgres", "redis"), cpu0, cpu1, strict=True)
                    }
                    out["cpu"]["benchmark"] = time.process_time() - bench0
                    roles = await _pg_roles(watch)
                    roles[env.postmaster] = "postmaster + exited backends"
                    roles[watch_pid] = "benchmark's watching backend"
                    by_role: dict[str, float] = {}
                    for pid, v in pg1.items():
                        role = roles.get(pid, "other")
                        by_role[role] = by_role.get(role, 0.0) + v - pg0.get(pid, 0.0)
                    out["pg_cpu"] = sorted(by_role.items(), key=lambda kv: -kv[1])
        finally:
            proc.terminate()
            proc.wait(30)
        # The checks: every handoff DELIVERED once, with exactly one event.
        async with pool.connection() as conn:
            cur = await conn.execute(
                "SELECT (SELECT count(*) FROM handoffs WHERE status = 'DELIVERED') AS delivered, "
                "(SELECT count(*) FROM events WHERE type = 'handoff.delivered') AS events, "
                "(SELECT count(DISTINCT handoff_id) FROM events "
                " WHERE type = 'handoff.delivered') AS distinct_events, "
                "(SELECT count(*) FROM follow_ups WHERE state <> 'DONE') AS open, "
                "(SELECT min(delivered_at) FROM handoffs) AS first_at, "
                "(SELECT max(delivered_at) FROM handoffs) AS last_at"
            )
            check = await cur.fetchone()
        assert check["delivered"] == SURGE_N, check
        assert check["events"] == SURGE_N, check
        assert check["distinct_events"] == SURGE_N, check
        assert check["open"] == 0, check
        out["elapsed"] = elapsed
        out["first_delivered_at"] = (check["first_at"] - due).total_seconds()
        out["last_delivered_at"] = (check["last_at"] - due).total_seconds()
        # seen[0] is the count at the due instant (nothing delivered yet)
        out["first_seen"] = seen[1] - t_due if len(seen) > 1 else None
        redis = await create_pool(RedisSettings.from_dsn(redis_url))
        try:
            jobs = [
                r for r in await redis.all_job_results() if r.job_id and r.job_id.startswith("fu:")
            ]
            await redis.flushdb()
        finally:
            await redis.aclose()
        if jobs:
            starts = sorted((r.start_time - due).total_seconds() for r in jobs)
            ends = sorted((r.finish_time - due).total_seconds() for r in jobs)
            walls = sorted((r.finish_time - r.start_time).total_seconds() for r in jobs)
            out["jobs"] = len(jobs)
            out["job_start"] = (starts[0], statistics.median(starts), starts[-1])
            out["job_end"] = (ends[0], ends[-1])
            out["job_wall"] = (walls[0], statistics.median(walls), walls[-1])
            out["tries"] = max(r.job_try or 1 for r in jobs)
        if stats:
            out["statements"] = await _stat_statements(pool)
        return out
    finally:
        await pool.close()


def _report(res: dict[str, Any]) -> None:
    """Where the surge's time went (seconds after the due instant unless said otherwise)."""
    s = res
    if "jobs" in s:
        a, m, b = s["job_start"]
        print(
            f"  batches: {s['jobs']} jobs (max try {s['tries']}); started at {a:.3f} / "
            f"{m:.3f} / {b:.3f} s (first / median / last); finished {s['job_end'][0]:.3f} .. "
            f"{s['job_end'][1]:.3f} s; wall per batch {s['job_wall'][0] * 1000:.0f} / "
            f"{s['job_wall'][1] * 1000:.0f} / {s['job_wall'][2] * 1000:.0f} ms (min/median/max)"
        )
    first_seen = s["first_seen"]
    print(
        f"  delivered_at (the jobs' clock): first {s['first_delivered_at']:.3f} s, last "
        f"{s['last_delivered_at']:.3f} s; first commit seen "
        f"{'-' if first_seen is None else f'{first_seen:.3f} s'}; all seen {s['elapsed']:.3f} s"
    )
    if "cpu" in s:
        c = s["cpu"]
        print(
            "  CPU from the due instant to the end: "
            + ", ".join(f"{k} {v:.2f} s" for k, v in c.items())
            + f" (2 CPUs x {s['elapsed']:.2f} s = {2 * s['elapsed']:.2f} CPU-s available)"
        )
        print(
            "  PostgreSQL CPU by process: "
            + "; ".join(f"{role} {v:.2f} s" for role, v in s["pg_cpu"] if v >= 0.005)
        )
    if s.get("statements"):
        jobs = s.get("jobs") or 1
        total = sum(r["ms"] for r in s["statements"])
        print(
            f"  SQL (pg_stat_statements, whole run): {total:.0f} ms = {total / jobs:.1f} ms per batch"
        )
        for r in s["statements"][:8]:
            print(f"    {r['ms']:8.1f} ms {r['calls']:5d} calls {r['rows']:7d} rows  {r['query']}")


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


def _ratio_line(noop: float, surge_s: float) -> str:
    ratio = noop / surge_s
    verdict = "PASS" if ratio >= TARGET_RATIO else "MISS"
    return f"{ratio:.1f}x the no-op baseline (target >= {TARGET_RATIO:.0f}x: {verdict})"


async def _new_db(admin: str, base: str, name: str) -> str:
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name}")
    migrate(f"{base}/{name}")
    if STATS:
        with psycopg.connect(f"{base}/{name}", autocommit=True) as c:
            c.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    return f"{base}/{name}"


async def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="handoff-bench-"))
    pg = EmbeddedPostgres(root / "pg", durable=False)
    rd = EmbeddedRedis(root / "redis", persistent=False)
    env = Env(pg, rd)
    try:
        admin = pg.start()
        if STATS:  # per-statement SQL times of the surge (pg_stat_statements)
            admin = restart_with_statement_stats(pg, admin, utility=False, planning=False)
        redis_url = rd.start()
        base = admin.rsplit("/", 1)[0]

        if SURGE_ONLY:
            # Each run measures the no-op baseline and then the surge, one after the other.
            ratios, surges, noops = [], [], []
            for k in range(REPEAT):
                db = await _new_db(admin, base, f"surge{k}")
                noops.append(await baseline_noop(redis_url))
                res = await surge(db, redis_url, env)
                surges.append(res["elapsed"])
                ratios.append(noops[-1] / surges[-1])
                print(
                    f"run {k + 1}: no-op arq baseline {noops[-1]:.2f} s, surge "
                    f"{surges[-1]:.2f} s: {_ratio_line(noops[-1], surges[-1])}",
                    flush=True,
                )
                _report(res)
            print(
                f"surge: best {min(surges):.2f} s, median {statistics.median(surges):.2f} s; "
                f"ratio best {max(ratios):.1f}x, median {statistics.median(ratios):.1f}x "
                f"over {len(surges)} runs (target >= {TARGET_RATIO:.0f}x: "
                f"{'PASS' if statistics.median(ratios) >= TARGET_RATIO else 'MISS'} on the median)"
            )
            return
        for name in ("steady", "scale"):
            with psycopg.connect(admin, autocommit=True) as c:
                c.execute(f"CREATE DATABASE {name}")
            migrate(f"{base}/{name}")
        surge_db = await _new_db(admin, base, "surge")

        noop = await baseline_noop(redis_url)
        res = await surge(surge_db, redis_url, env)
        surge_s = res["elapsed"]
        print(f"surge {surge_s:.2f} s, no-op baseline {noop:.2f} s: {_ratio_line(noop, surge_s)}")
        _report(res)
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
                    "surge vs the no-op baseline of this run (baseline / surge)",
                    f"{noop / surge_s:.1f}x",
                    f">= {TARGET_RATIO:.0f}x {'PASS' if noop / surge_s >= TARGET_RATIO else 'MISS'}",
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
