"""Helpers for tests that run real worker processes (no tests here).

Workers are `python -m handoff.cli worker` subprocesses with the product's default
settings, except what points them at the test's PostgreSQL, Redis and queue and lets
webhooks reach receivers on 127.0.0.1. Their stderr goes to a file the test can read.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from psycopg_pool import AsyncConnectionPool

from handoff.storage import events as event_store
from handoff.storage import webhooks as webhook_store

REPO = Path(__file__).resolve().parents[2]
SECRET = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="


class Workers:
    """Worker processes of one test; every one is killed at the end."""

    def __init__(self, tmp: Path, db_url: str, redis_url: str, queue: str, **env: str) -> None:
        self.tmp = tmp
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("HANDOFF_")}
        self.env.update(
            HANDOFF_DATABASE_URL=db_url,
            HANDOFF_REDIS_URL=redis_url,
            HANDOFF_QUEUE_NAME=queue,
            HANDOFF_WEBHOOK_ALLOW_PRIVATE="true",
            HANDOFF_LOG_FORMAT="json",
            HANDOFF_LOG_LEVEL="INFO",
            **env,
        )
        self.procs: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []

    def start(self, **env: str) -> subprocess.Popen[bytes]:
        log = self.tmp / f"worker-{len(self.procs)}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "handoff.cli", "worker"],
                cwd=REPO,
                env={**self.env, **env},
                stdout=subprocess.DEVNULL,
                stderr=out,
            )
        self.procs.append(proc)
        self.logs.append(log)
        return proc

    def output(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.logs)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(25)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(10)


def kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL: no shutdown code runs, connections drop with the process."""
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)


async def wait_for(
    check: Callable[[], Awaitable[bool]] | Callable[[], bool],
    limit: float,
    what: str,
    every: float = 0.02,
) -> float:
    """Poll until `check()` holds; returns the monotonic instant it did."""
    deadline = time.monotonic() + limit
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return time.monotonic()
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {limit} s")
        await asyncio.sleep(every)


async def workspace_with_endpoints(
    pool: AsyncConnectionPool,
    urls: list[str],
    now: Any,
    types: list[str] | None = None,
    ws: int | None = None,
) -> tuple[int, list[int]]:
    """A workspace (or `ws`) with one endpoint per URL, subscribed to `types`."""
    async with pool.connection() as conn:
        if ws is None:
            cur = await conn.execute(
                "INSERT INTO workspaces (name, created_at) VALUES ('recovery', %s) RETURNING id",
                (now,),
            )
            row = await cur.fetchone()
            assert row is not None
            ws = int(row["id"])
        ids = []
        for url in urls:
            endpoint = await webhook_store.insert_endpoint(
                conn,
                ws,
                url=url,
                description="",
                event_types=types or ["handoff.created", "handoff.delivered"],
                secret=SECRET,
                now=now,
            )
            ids.append(endpoint.id)
    return ws, ids


async def record_events(
    pool: AsyncConnectionPool, ws: int, n: int, now: Any, type_: str = "handoff.created"
) -> None:
    """`n` outbox events, one transaction."""
    async with pool.connection() as conn:
        await event_store.record_many(
            conn, [event_store.NewEvent(ws, type_, {"n": i}) for i in range(n)], now
        )


async def positions(pool: AsyncConnectionPool) -> dict[str, tuple[int, str]]:
    """webhook-id -> (outbox position, event type) of every dispatched event."""
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT public_id, position, type FROM events WHERE position IS NOT NULL"
        )
        return {r["public_id"]: (int(r["position"]), r["type"]) for r in await cur.fetchall()}


async def open_deliveries(pool: AsyncConnectionPool) -> int:
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT count(*) AS n FROM webhook_deliveries WHERE status <> 'SUCCEEDED'"
        )
        row = await cur.fetchone()
        assert row is not None
        return int(row["n"])


async def undispatched(pool: AsyncConnectionPool) -> int:
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT count(*) AS n FROM events WHERE dispatched_at IS NULL")
        row = await cur.fetchone()
        assert row is not None
        return int(row["n"])
