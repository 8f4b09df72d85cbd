"""Webhook throughput, and our HTTP client against httpx and aiohttp, in one run.

Run from the repository root: ``make bench`` (or ``.venv/bin/python tests/benchmarks/bench_webhooks.py``).

1. **Clients side by side** (one process, a local asyncio server answering ``200 ok``,
   3,000 keep-alive POSTs of a ~1 KB body each after 300 to warm up; CPU of client and
   server together, as measured for issue 17): httpx, aiohttp, and our client.
2. **Deliveries per second** over ENDPOINTS endpoints x EVENTS events, each pipeline in a
   child process of its own (its own embedded PostgreSQL and Redis, its own receiver
   child answering ``200`` at once): one in-process arq worker (max_jobs=10, the
   production setting) runs the real jobs; ``webhook_tick`` fans the events out
   (timed separately) and starts one sender per endpoint; the senders sign, POST and log
   every attempt. Pipelines:
   - **before**: the code of ``--before`` (default: the commit before issue 17's work),
     exported with ``git archive`` into a temp folder (skipped when the commit is absent);
   - **after, aiohttp** (the product's client, ``handoff/webhooks/http.py``) and
     **after, our client** (the former HTTP/1.1 client of our own, kept in
     ``_own_client.py``): this tree, the same safety rules.
   Throughput = deliveries SUCCEEDED / wall time of the send phase (and of dispatch + send).

Exit status 0; the >= 2,000/s target of issue 17 is reported as PASS/MISS.
``--events`` / ``--endpoints`` change the sizes; ``--quick`` runs a small sample.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import time
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
# a pipeline child measuring other code (the "before" commit) imports it first
CODE_ROOT = sys.argv[sys.argv.index("--code-root") + 1] if "--code-root" in sys.argv else ""
sys.path.insert(0, CODE_ROOT or str(ROOT))

from _common import machine_info, print_table  # noqa: E402

TARGET_PER_S = 2000
# The last commit before issue 17 (leases, sequences, endpoint health).
BEFORE_REF = "67c16af"

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


# -- 1. clients side by side --------------------------------------------------------------


async def _client_round(kind: str, n: int, warmup: int) -> dict[str, float]:
    """`n` keep-alive POSTs through one client to an in-process server; CPU per request."""
    reply = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                del line
                length = 0
                while (h := await reader.readline()) not in (b"\r\n", b""):
                    if h[:15].lower() == b"content-length:":
                        length = int(h[15:])
                await reader.readexactly(length)
                writer.write(reply)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}/hook"
    body = json.dumps({"type": "handoff.created", "data": {"x": "y" * 900}}).encode()
    headers = {
        "content-type": "application/json",
        "webhook-id": "msg_2b8a",
        "webhook-timestamp": "1795795200",
        "webhook-signature": "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
    }
    post: Any
    if kind == "httpx":
        import httpx

        client: Any = httpx.AsyncClient(trust_env=False, follow_redirects=False)

        async def post() -> None:
            r = await client.post(url, content=body, headers=headers)
            assert r.status_code == 200

        close = client.aclose
    else:
        if kind == "aiohttp":
            from handoff.webhooks.http import WebhookClient

            client = WebhookClient(allow_private=True)
        else:
            from _own_client import WebhookClient as OwnClient

            client = OwnClient(allow_private=True)

        async def post() -> None:
            async with asyncio.timeout(10):
                r = await client.post(url, body, headers)
            assert r.status_code == 200

        close = client.aclose
    try:
        for _ in range(warmup):
            await post()
        c0, t0 = time.process_time(), time.perf_counter()
        for _ in range(n):
            await post()
        cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    finally:
        await close()
        server.close()
    return {"cpu_ms": cpu / n * 1000, "per_s": n / wall}


def clients_side_by_side(n: int) -> list[list[str]]:
    import aiohttp
    import httpx

    versions = {"httpx": httpx.__version__, "aiohttp": aiohttp.__version__, "ours": "-"}
    rows = []
    for kind in ("httpx", "aiohttp", "ours"):
        result = asyncio.run(_client_round(kind, n, max(50, n // 10)))
        rows.append(
            [
                f"{kind} {versions[kind]}".strip(" -"),
                f"{result['cpu_ms']:.3f}",
                f"{result['per_s']:,.0f}",
            ]
        )
    return rows


# -- 2. the delivery pipeline (one child process per variant) -------------------------------


async def _pipeline(
    events: int, endpoints: int, pg_url: str, redis_url: str, port: int, client: str
) -> dict[str, float]:
    from arq.connections import RedisSettings, create_pool
    from arq.worker import Worker

    from handoff.clock import SystemClock
    from handoff.jobs import webhooks as jobs
    from handoff.settings import Settings
    from handoff.storage.db import open_pool

    settings = Settings(webhook_allow_private=True, queue_name="bench:webhooks")
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

        ctx: dict[str, Any] = {
            "pool": pool,
            "clock": SystemClock(),
            "settings": settings,
            "redis": redis,
        }
        if client == "ours" and not CODE_ROOT:
            from _own_client import factory

            ctx["webhook_client"] = factory

        async def open_count() -> int:
            async with pool.connection() as conn:
                cur = await conn.execute(
                    "SELECT count(*) AS n FROM webhook_deliveries WHERE status <> 'SUCCEEDED'"
                )
                found = await cur.fetchone()
                return int(found["n"])

        c0 = time.process_time()
        t0 = time.perf_counter()
        stats = await jobs.webhook_tick(ctx)
        t1 = time.perf_counter()
        # Before the senders got a queue of their own (aae65d7), `webhook_send` ran on the
        # main queue among the worker's functions; `--before` may name such a commit.
        senders = getattr(jobs, "SENDER_FUNCTIONS", None)
        queue = jobs.sender_queue(settings) if senders else settings.queue_name
        while True:
            worker = Worker(
                functions=senders or jobs.FUNCTIONS,
                queue_name=queue,
                redis_pool=redis,
                burst=True,
                handle_signals=False,
                poll_delay=0.01,
                max_jobs=10,
                ctx=ctx,
                log_results=False,
            )
            await worker.async_run()
            if await open_count() == 0:
                break
            # a sender stops after its time budget; the tick starts another
            await jobs.webhook_tick(ctx)
        t2 = time.perf_counter()
        cpu = time.process_time() - c0
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


def pipeline_child(events: int, endpoints: int, client: str) -> dict[str, float]:
    """One pipeline with its own embedded servers and receiver (runs in a child process)."""
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
        return asyncio.run(_pipeline(events, endpoints, pg_url, redis_url, port, client))
    finally:
        receiver.terminate()
        receiver.wait(10)
        rd.stop()
        pg.stop()
        remove_tree(root)


def _export(ref: str) -> Path | None:
    """`handoff/` and `schema/` of commit `ref` in a temp folder (None when absent)."""
    try:
        data = subprocess.run(
            ["git", "archive", "--format=tar", ref, "handoff", "schema"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        ).stdout
    except (subprocess.CalledProcessError, FileNotFoundError):
        return None
    target = Path(tempfile.mkdtemp(prefix="handoff-before-"))
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(target, filter="data")
    return target


def run_child(events: int, endpoints: int, client: str, code_root: Path | None) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", client, "--events", str(events)]
    cmd += ["--endpoints", str(endpoints)]
    if code_root is not None:
        cmd += ["--code-root", str(code_root)]
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--endpoints", type=int, default=20)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--before", default=BEFORE_REF, help="git ref measured as 'before'")
    parser.add_argument("--no-before", action="store_true")
    parser.add_argument("--requests", type=int, default=3000, help="POSTs per client")
    parser.add_argument("--child", choices=["ours", "aiohttp"], help=argparse.SUPPRESS)
    parser.add_argument("--code-root", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.events, args.endpoints, args.requests = 200, 10, 500
    if args.child:
        result = pipeline_child(args.events, args.endpoints, args.child)
        print(json.dumps(result))
        return 0

    info = machine_info()
    started = datetime.now(UTC)
    load0 = os.getloadavg()[0]
    client_rows = clients_side_by_side(args.requests)

    before_root = None if args.no_before else _export(args.before)
    variants: list[tuple[str, str, Path | None]] = []
    if before_root is not None:
        variants.append((f"before ({args.before}), our client", "ours", before_root))
    variants += [("after, our client", "ours", None), ("after, aiohttp (product)", "aiohttp", None)]
    results = []
    try:
        for name, client, code_root in variants:
            results.append((name, run_child(args.events, args.endpoints, client, code_root)))
    finally:
        if before_root is not None:
            shutil.rmtree(before_root, ignore_errors=True)

    print(
        f"\nWebhooks, {started:%Y-%m-%d %H:%M} UTC: {info['nproc']} CPUs ({info['cpu']}),"
        f" Python {info['python']}; load average {load0:.1f} at the start,"
        f" {os.getloadavg()[0]:.1f} at the end"
    )
    print_table(
        ["client", "CPU ms per POST (client + server)", "POSTs/s (sequential)"],
        client_rows,
        title=f"Clients side by side: {args.requests:,} keep-alive POSTs each, one process",
    )
    rows = []
    failed = False
    for name, r in results:
        total = r["dispatch_s"] + r["send_s"]
        rate = r["succeeded"] / r["send_s"]
        overall = r["succeeded"] / total
        failed |= r["succeeded"] != r["deliveries"]
        rows.append(
            [
                name,
                f"{r['deliveries']:,}",
                f"{r['succeeded']:,}",
                f"{r['dispatch_s']:.3f}",
                f"{r['send_s']:.3f}",
                f"{rate:,.0f}",
                f"{overall:,.0f}",
                f"{r['cpu_s'] / max(1, r['succeeded']) * 1000:.2f}",
                "PASS" if overall >= TARGET_PER_S else "MISS",
            ]
        )
    print_table(
        [
            "pipeline",
            "deliveries",
            "succeeded",
            "dispatch s",
            "send s",
            "per s (send)",
            "per s (dispatch + send)",
            "worker CPU ms per delivery",
            f">= {TARGET_PER_S:,}/s",
        ],
        rows,
        title=f"Deliveries: {args.events:,} events x {args.endpoints} endpoints, one worker (max_jobs=10)",
        align="lrrrrrrrl",
    )
    if failed:
        print("ERROR: not every delivery succeeded", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
