"""Webhook deliveries per second to a local receiver that answers 200 at once, one worker.

Run from the repository root: ``make bench`` (or ``.venv/bin/python tests/benchmarks/bench_webhooks.py``).

Starts its own embedded PostgreSQL and Redis (``handoff/embedded.py``), a receiver in a
child process (a raw asyncio HTTP/1.1 server on 127.0.0.1 that answers ``200`` with no
delay and checks nothing), creates ENDPOINTS endpoints on it and records EVENTS outbox
events that every endpoint subscribes to. Then one in-process arq worker (max_jobs=10,
the production setting) runs the real jobs: ``webhook_tick`` fans the events out into
deliveries (timed separately) and enqueues one ``webhook_send`` per endpoint; the sender
jobs sign, POST and log every attempt. Throughput = deliveries SUCCEEDED / wall time of
the send phase (and of dispatch + send).

Exit status 0; the >= 500/s target of issue 5 is reported as PASS/MISS.
``--events`` / ``--endpoints`` change the sizes; ``--quick`` runs a small sample.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import machine_info, print_table  # noqa: E402

TARGET_PER_S = 500

RECEIVER = textwrap.dedent(
    """
    import asyncio, sys
    REPLY = b"HTTP/1.1 200 OK\\r\\ncontent-length: 2\\r\\n\\r\\nok"
    async def handle(reader, writer):
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                length = 0
                while (h := await reader.readline()) not in (b"\\r\\n", b""):
                    if h[:15].lower() == b"content-length:":
                        length = int(h[15:])
                await reader.readexactly(length)
                writer.write(REPLY)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
        print(server.sockets[0].getsockname()[1], flush=True)
        await server.serve_forever()
    asyncio.run(main())
    """
)


async def run(
    events: int, endpoints: int, pg_url: str, redis_url: str, port: int
) -> dict[str, float]:
    from arq.connections import RedisSettings, create_pool
    from arq.worker import Worker

    from handoff.clock import SystemClock
    from handoff.jobs import webhooks as jobs
    from handoff.settings import Settings
    from handoff.storage.db import open_pool

    settings = Settings(webhook_allow_private=True, queue_name="bench:webhooks")
    clock = SystemClock()
    pool = await open_pool(pg_url, min_size=4, max_size=20)
    redis = await create_pool(
        RedisSettings.from_dsn(redis_url), default_queue_name=settings.queue_name
    )
    try:
        async with pool.connection() as conn:
            cur = await conn.execute(
                "INSERT INTO workspaces (name, created_at) VALUES ('bench', now()) RETURNING id"
            )
            row = await cur.fetchone()
            assert row is not None
            ws = row["id"]
            for i in range(endpoints):
                await conn.execute(
                    "INSERT INTO webhook_endpoints (workspace_id, url, event_types, secret, created_at, updated_at)"
                    " VALUES (%s, %s, %s, %s, now(), now())",
                    (
                        ws,
                        f"http://127.0.0.1:{port}/hook/{i}",
                        ["handoff.created"],
                        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                    ),
                )
            await conn.execute(
                "INSERT INTO events (workspace_id, type, handoff_id, payload, occurred_at, public_id)"
                " SELECT %s, 'handoff.created', g, jsonb_build_object("
                "  'handoffId', 'SGFuZG9mZjo' || g, 'workItem', jsonb_build_object('id', 'V29yazox', 'title', 'Rotate keys'),"
                "  'sender', jsonb_build_object('id', 'UGVyc29uOjE', 'name', 'Ana'),"
                "  'receiver', jsonb_build_object('id', 'UGVyc29uOjI', 'name', 'Raj'),"
                "  'deliverAt', '2026-11-30T08:00:00Z', 'respondBy', '2026-11-30T12:00:00Z',"
                "  'explanation', jsonb_build_array('Monday 09:00 Europe/Amsterdam is her next working hour'))"
                ", now(), 'msg_' || md5(g::text) FROM generate_series(1, %s) g",
                (ws, events),
            )
            await conn.commit()

        ctx: dict = {"pool": pool, "clock": clock, "settings": settings, "redis": redis}
        await jobs.setup(ctx)
        c0 = time.process_time()
        t0 = time.perf_counter()
        stats = await jobs.webhook_tick(ctx)
        t1 = time.perf_counter()
        while True:
            worker = Worker(
                functions=jobs.FUNCTIONS,
                queue_name=settings.queue_name,
                redis_pool=redis,
                burst=True,
                handle_signals=False,
                poll_delay=0.01,
                max_jobs=10,
                ctx=ctx,
                log_results=False,
            )
            await worker.async_run()
            # a sender stops after its time budget; the cron tick re-enqueues it
            again = await jobs.webhook_tick(ctx)
            if again["endpoints"] == 0:
                break
        t2 = time.perf_counter()
        cpu = time.process_time() - c0
        await jobs.close_clients(ctx)
        async with pool.connection() as conn:
            cur = await conn.execute(
                "SELECT status, count(*) AS n FROM webhook_deliveries GROUP BY status"
            )
            counts = {r["status"]: r["n"] for r in await cur.fetchall()}
            cur = await conn.execute("SELECT count(*) AS n FROM webhook_attempts")
            attempts = (await cur.fetchone())["n"]
    finally:
        await redis.aclose()
        await pool.close()
    return {
        "deliveries": stats["deliveries"],
        "succeeded": counts.get("SUCCEEDED", 0),
        "attempts": attempts,
        "dispatch_s": t1 - t0,
        "send_s": t2 - t1,
        "cpu_s": cpu,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--endpoints", type=int, default=20)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the run to FILE")
    args = parser.parse_args()
    if args.quick:
        args.events, args.endpoints = 200, 10

    from handoff.devtools.embedded import EmbeddedPostgres, EmbeddedRedis, remove_tree
    from handoff.storage.migrate import migrate

    root = Path(tempfile.mkdtemp(prefix="handoff-bench-webhooks-"))
    pg = EmbeddedPostgres(root / "pg", durable=False)
    rd = EmbeddedRedis(root / "redis", persistent=False)
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE, text=True)
    try:
        assert receiver.stdout is not None
        port = int(receiver.stdout.readline())
        pg_url = pg.start()
        redis_url = rd.start()
        migrate(pg_url)
        coro = run(args.events, args.endpoints, pg_url, redis_url, port)
        if args.profile:
            import cProfile

            with cProfile.Profile() as prof:
                result = asyncio.run(coro)
            prof.dump_stats(args.profile)
        else:
            result = asyncio.run(coro)
    finally:
        receiver.terminate()
        receiver.wait(10)
        rd.stop()
        pg.stop()
        remove_tree(root)

    total = result["dispatch_s"] + result["send_s"]
    rate = result["succeeded"] / result["send_s"]
    overall = result["succeeded"] / total
    info = machine_info()
    print(
        f"\nWebhooks: {args.events} events x {args.endpoints} endpoints, one worker (max_jobs=10), "
        f"{info['nproc']} CPUs ({info['cpu']}), Python {info['python']}, "
        f"{datetime.now(UTC):%Y-%m-%d}"
    )
    print_table(
        ["measure", "value"],
        [
            ["deliveries created (fan-out)", f"{result['deliveries']:,}"],
            ["deliveries succeeded", f"{result['succeeded']:,}"],
            ["attempts logged", f"{result['attempts']:,}"],
            ["dispatch (fan-out) time, s", f"{result['dispatch_s']:.3f}"],
            ["send time, s", f"{result['send_s']:.3f}"],
            ["deliveries/s (send phase)", f"{rate:,.0f}"],
            ["deliveries/s (dispatch + send)", f"{overall:,.0f}"],
            [
                "worker CPU per delivery, ms",
                f"{result['cpu_s'] / max(1, result['succeeded']) * 1000:.2f}",
            ],
            ["load average at end (1 min)", f"{os.getloadavg()[0]:.1f}"],
            [f"target >= {TARGET_PER_S}/s", "PASS" if overall >= TARGET_PER_S else "MISS"],
        ],
    )
    if result["succeeded"] != result["deliveries"]:
        print("ERROR: not every delivery succeeded", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
