"""Live updates: 1,000 WebSocket subscribers over 2 API processes while 200 events/s commit.

Run from the repository root: ``make bench`` (or ``.venv/bin/python tests/benchmarks/bench_live.py``;
``--quick`` for a short smoke run).

What it does, in one run:

1. starts an embedded PostgreSQL (fsync off) and Redis in a temp dir, applies the migrations;
2. seeds 10 workspaces of 99 people, a person token for each person and a workspace token
   for each workspace;
3. for each scenario, starts two API processes the way ``handoff serve`` does and one
   ``handoff worker``, and opens 1,000 graphql-transport-ws connections (the ``websockets``
   package, from this process), half to each API process, each running one ``events``
   subscription: 990 with person tokens (each receives the events of the handoffs its
   person sent or holds), 10 with workspace tokens (everything of their workspace);
4. measures memory: each API process's RSS after its first subscriber and after all of its
   500, the difference divided by the 499 idle subscribers added;
5. commits 200 events a second (one per transaction, ``handoff.created`` data between two
   random people of a random workspace, from 4 connections) for the measuring window; each
   event reaches 3 subscribers (its sender's, its receiver's, its workspace's), ~600
   messages a second; latency is from the moment ``COMMIT`` returned to the moment the
   client has the message, both on this process's monotonic clock.

Scenarios, same machine and run:

* ``hub dispatch`` (the default): the API processes run the dispatcher when NOTIFY says an
  event committed, so positions are given within milliseconds;
* ``worker tick only`` (``HANDOFF_LIVE_DISPATCH=false``): the baseline, positions come only
  from the worker's 1-second webhook tick;
* ``hub dispatch, no gc.freeze``: the default, but without the ``gc.freeze()`` that
  ``handoff serve`` does after building the app (what it buys: full collections in a
  process that holds 500 subscriptions skip the ~125k objects of the schema and imports).

This process freezes its own objects too once the 1,000 clients are connected, so its
collector's pauses do not count as latency.

Printed: deliveries expected/received (lost, duplicated), p50/p99/max latency, the target
(p99 <= 250 ms) PASS/MISS, memory per idle subscriber, CPU per process. Exit status 0
whatever the numbers; 1 when a delivery is lost or duplicated.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import machine_info, print_table

HOST = "127.0.0.1"
WORKSPACES = 10
PEOPLE = 99  # per workspace: 990 person subscribers + 10 workspace subscribers
PROCESSES = 2
RATE = 200.0  # events committed per second
WRITERS = 4
TARGET_P99_MS = 250.0
SEED = 20261204
SUBSCRIBE = "subscription { events { id type cursor data } }"


@dataclass
class World:
    url: str
    redis: str
    # per workspace: (workspace id, workspace token, [(person id, global id, token)])
    workspaces: list[tuple[int, str, list[tuple[int, str, str]]]]


@dataclass
class Result:
    name: str
    expected: int = 0
    received: int = 0
    lost: int = 0
    duplicated: int = 0
    latencies: list[float] = field(default_factory=list)
    committed: int = 0
    commit_seconds: float = 0.0
    seconds: float = 0.0
    rss_per_subscriber_kib: list[float] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)


# --- set-up ----------------------------------------------------------------------------------


async def seed(url: str, redis: str) -> World:
    import psycopg
    from psycopg.rows import dict_row

    from handoff.clock import SystemClock
    from handoff.ids import encode
    from handoff.services.people import create_person
    from handoff.storage import tokens, workspaces

    now = SystemClock().now()
    out = []
    async with await psycopg.AsyncConnection.connect(url, row_factory=dict_row) as conn:
        for w in range(WORKSPACES):
            ws = await workspaces.ensure(conn, f"bench-{w}", now, 1)
            _, ws_token = await tokens.insert(conn, ws.id, now, label="bench")
            people = []
            for p in range(PEOPLE):
                person = await create_person(
                    conn, ws.id, now, name=f"P{w}.{p}", handle=f"p{w}-{p}", timezone="UTC"
                )
                _, secret = await tokens.insert(conn, ws.id, now, label="app", person_id=person.id)
                people.append((person.id, encode("Person", person.id), secret))
            out.append((ws.id, ws_token, people))
        await conn.commit()
    return World(url, redis, out)


def start(
    args: list[str], env: dict[str, str], log: Path, freeze: bool = True
) -> subprocess.Popen[bytes]:
    """`handoff <args>`; with `freeze=False`, `handoff serve` without its gc.freeze()."""
    command = ["-m", "handoff.cli"] if freeze else [os.path.abspath(__file__), "--unfrozen"]
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, *command, *args], env=env, stdout=out, stderr=out)


def wait_healthy(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"API exited: {log.read_text()[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://{HOST}:{port}/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError("API did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- clients ---------------------------------------------------------------------------------


class Subscriber:
    """One WebSocket with one `events` subscription; records (bench seq, arrival)."""

    def __init__(self, url: str, token: str, arrivals: list[tuple[int, float]]) -> None:
        self.url = url
        self.token = token
        self.arrivals = arrivals
        self.conn: Any = None
        self.task: asyncio.Task[None] | None = None

    async def open(self) -> None:
        from websockets.asyncio.client import connect

        self.conn = await connect(
            self.url, subprotocols=["graphql-transport-ws"], ping_interval=None, compression=None
        )
        auth = {"authorization": f"Bearer {self.token}"}
        await self.conn.send(json.dumps({"type": "connection_init", "payload": auth}))
        ack = json.loads(await self.conn.recv())
        if ack.get("type") != "connection_ack":
            raise RuntimeError(f"no ack: {ack}")
        payload = {"query": SUBSCRIBE}
        await self.conn.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        self.task = asyncio.create_task(self.read())

    async def read(self) -> None:
        clock = time.perf_counter
        with contextlib.suppress(Exception):
            async for raw in self.conn:
                at = clock()
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "next":
                    data = message["payload"]["data"]["events"]["data"]
                    self.arrivals.append((int(data["bench"]), at))
                elif kind == "ping":
                    await self.conn.send('{"type":"pong"}')
                elif kind in ("error", "complete"):
                    raise RuntimeError(f"subscription ended: {message}")

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
        with contextlib.suppress(Exception):
            await self.conn.close()


async def subscribed(port: int) -> int:
    import httpx

    async with httpx.AsyncClient() as http:
        text = (await http.get(f"http://{HOST}:{port}/metrics")).text
    for line in text.splitlines():
        if line.startswith('handoff_live_subscriptions{field="events"}'):
            return int(float(line.split()[-1]))
    return 0


async def until_subscribed(port: int, n: int) -> None:
    deadline = time.monotonic() + 120
    while await subscribed(port) < n:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {await subscribed(port)} of {n} subscribed on :{port}")
        await asyncio.sleep(0.1)


def rss(pid: int) -> int:
    import psutil

    return int(psutil.Process(pid).memory_info().rss)


def cpu(pid: int) -> float:
    import psutil

    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


# --- load ------------------------------------------------------------------------------------


async def produce(world: World, seconds: float, commits: dict[int, float], first: int = 0) -> int:
    """Commit RATE events a second for `seconds`, one per transaction, numbered from
    `first`; records when each COMMIT returned; returns how many."""
    import psycopg
    from psycopg.rows import dict_row

    from handoff.clock import SystemClock
    from handoff.ids import encode
    from handoff.storage import events

    rng = random.Random(SEED + first)
    clock = SystemClock()
    conns = [
        await psycopg.AsyncConnection.connect(world.url, row_factory=dict_row)
        for _ in range(WRITERS)
    ]
    start = time.perf_counter()
    total = int(seconds * RATE)
    queue: asyncio.Queue[int | None] = asyncio.Queue()

    async def writer(conn: Any) -> None:
        while (seq := await queue.get()) is not None:
            ws, _, people = world.workspaces[seq % WORKSPACES]
            (s, s_id, _), (r, r_id, _) = rng.sample(people, 2)
            data = {
                "handoff": {
                    "id": encode("Handoff", 10_000_000 + seq),
                    "status": "SCHEDULED",
                    "summary": f"Bench handoff {seq}",
                    "explanation": ["bench"] * 3,
                },
                "workItem": {"id": encode("WorkItem", seq + 1), "title": "Bench", "status": "OPEN"},
                "sender": {"id": s_id, "name": f"S{s}", "handle": f"s{s}", "timezone": "UTC"},
                "receiver": {"id": r_id, "name": f"R{r}", "handle": f"r{r}", "timezone": "UTC"},
                "team": None,
                "bench": seq,
            }
            await events.record(conn, events.NewEvent(ws, "handoff.created", data), clock.now())
            await conn.commit()
            commits[seq] = time.perf_counter()

    tasks = [asyncio.create_task(writer(c)) for c in conns]
    try:
        for i in range(total):
            seq = first + i
            delay = start + i / RATE - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            queue.put_nowait(seq)
        for _ in tasks:
            queue.put_nowait(None)
        await asyncio.gather(*tasks)
    finally:
        for c in conns:
            await c.close()
    return total


async def scenario(
    name: str,
    world: World,
    root: Path,
    args: argparse.Namespace,
    dispatch: bool,
    freeze: bool = True,
) -> Result:
    from handoff.devtools.embedded import free_port

    result = Result(name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDOFF_")}
    env.update(
        HANDOFF_DATABASE_URL=world.url,
        HANDOFF_REDIS_URL=world.redis,
        HANDOFF_LOG_FORMAT="json",
        HANDOFF_LOG_LEVEL="WARNING",
        HANDOFF_LIVE_DISPATCH="true" if dispatch else "false",
        HANDOFF_RATE_LIMIT_PER_MINUTE="0",
    )
    log = root / f"{name.replace(' ', '-')}.log"
    ports = [free_port() for _ in range(PROCESSES)]
    procs = [start(["serve", "--host", HOST, "--port", str(p)], env, log, freeze) for p in ports]
    worker = start(["worker"], env, log)
    subs: list[Subscriber] = []
    arrivals: list[tuple[int, float]] = []
    try:
        for proc, port in zip(procs, ports, strict=True):
            wait_healthy(port, proc, log)
        tokens_by_proc: list[list[str]] = [[] for _ in ports]
        flat = [
            t
            for _, ws_token, people in world.workspaces
            for t in [ws_token, *(p[2] for p in people)]
        ]
        for i, token in enumerate(flat):
            tokens_by_proc[i % PROCESSES].append(token)
        # one subscriber each first (starts the hub), then the rest, 50 at a time
        base = []
        for port, tokens in zip(ports, tokens_by_proc, strict=True):
            sub = Subscriber(f"ws://{HOST}:{port}/graphql", tokens[0], arrivals)
            await sub.open()
            subs.append(sub)
        for port in ports:
            await until_subscribed(port, 1)
        await asyncio.sleep(1.0)
        base = [rss(p.pid) for p in procs]
        for port, tokens in zip(ports, tokens_by_proc, strict=True):
            rest = [Subscriber(f"ws://{HOST}:{port}/graphql", t, arrivals) for t in tokens[1:]]
            for i in range(0, len(rest), 50):
                await asyncio.gather(*(s.open() for s in rest[i : i + 50]))
            subs += rest
        for port, tokens in zip(ports, tokens_by_proc, strict=True):
            await until_subscribed(port, len(tokens))
        await asyncio.sleep(2.0)
        # this process measures: its own collector pauses would count as latency
        gc.collect()
        gc.freeze()
        for proc, before, tokens in zip(procs, base, tokens_by_proc, strict=True):
            result.rss_per_subscriber_kib.append(
                (rss(proc.pid) - before) / 1024 / (len(tokens) - 1)
            )

        await produce(world, args.warmup, {}, first=10_000_000)  # warm-up, not counted
        await asyncio.sleep(2.0)
        arrivals.clear()
        commits: dict[int, float] = {}
        cpu0 = {f"api{i}": cpu(p.pid) for i, p in enumerate(procs)} | {"worker": cpu(worker.pid)}
        t0 = time.perf_counter()
        result.committed = await produce(world, args.duration, commits)
        result.commit_seconds = time.perf_counter() - t0
        await asyncio.sleep(3.0)  # the stragglers (the baseline waits for a 1 s tick)
        result.seconds = time.perf_counter() - t0
        cpu1 = {f"api{i}": cpu(p.pid) for i, p in enumerate(procs)} | {"worker": cpu(worker.pid)}
        result.cpu = {k: (cpu1[k] - cpu0[k]) / result.seconds for k in cpu0}
        counts = Counter(seq for seq, _ in arrivals if seq in commits)
        result.expected = 3 * len(commits)  # sender, receiver, workspace
        result.received = sum(counts.values())
        result.duplicated = sum(n - 3 for n in counts.values() if n > 3)
        result.lost = sum(max(0, 3 - counts.get(seq, 0)) for seq in commits)
        result.latencies = sorted(
            (at - commits[seq]) * 1000 for seq, at in arrivals if seq in commits
        )
        if args.timeline:
            per_second: dict[int, list[float]] = {}
            for seq, at in arrivals:
                if seq in commits:
                    second = int(commits[seq] - t0)
                    per_second.setdefault(second, []).append((at - commits[seq]) * 1000)
            for second, values in sorted(per_second.items()):
                values.sort()
                print(
                    f"  {name} t={second:3d}s n={len(values):4d} p50={values[len(values) // 2]:7.1f}"
                    f" max={values[-1]:7.1f}"
                )
    finally:
        await asyncio.gather(*(s.close() for s in subs))
        for proc in [*procs, worker]:
            stop(proc)
    return result


# --- report ----------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(q * len(values)))]


def report(results: list[Result]) -> None:
    rows = []
    for r in results:
        p99 = percentile(r.latencies, 0.99)
        rows.append(
            [
                r.name,
                f"{WORKSPACES * (PEOPLE + 1):,}",
                f"{r.committed / r.commit_seconds:.0f}",
                f"{r.expected:,}",
                f"{r.received:,}",
                str(r.lost),
                str(r.duplicated),
                f"{percentile(r.latencies, 0.50):.1f}",
                f"{p99:.1f}",
                f"{r.latencies[-1] if r.latencies else float('nan'):.1f}",
                f"<= {TARGET_P99_MS:.0f} ms {'PASS' if p99 <= TARGET_P99_MS else 'MISS'}",
            ]
        )
    print_table(
        [
            "scenario",
            "subscribers",
            "events/s",
            "deliveries expected",
            "received",
            "lost",
            "dup",
            "p50 ms",
            "p99 ms",
            "max ms",
            "target p99",
        ],
        rows,
        title="Commit to client receipt (2 API processes, 1 worker, WebSocket clients)",
        align="lrrrrrrrrrl",
    )
    rows = []
    for r in results:
        rows.append(
            [
                r.name,
                " / ".join(f"{k:.1f}" for k in r.rss_per_subscriber_kib),
                " / ".join(f"{r.cpu.get(f'api{i}', 0):.0%}" for i in range(PROCESSES)),
                f"{r.cpu.get('worker', 0):.0%}",
            ]
        )
    print_table(
        ["scenario", "KiB per idle subscriber (api0 / api1)", "CPU api0 / api1", "CPU worker"],
        rows,
        title="Memory (RSS growth per idle subscriber) and CPU during the window",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--duration", type=float, default=20.0, help="measuring seconds")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds")
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--timeline", action="store_true", help="print latency per second")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (server logs)")
    parser.add_argument("--unfrozen", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.unfrozen is not None:
        # `handoff serve` as it is, except that the app's gc.freeze() does nothing
        gc.freeze = lambda: None
        from handoff.cli import main as handoff_main

        sys.argv = ["handoff", *args.unfrozen]
        handoff_main()
        return 0
    if args.quick:
        args.duration, args.warmup = 4.0, 1.0

    from handoff.devtools.embedded import EmbeddedPostgres, EmbeddedRedis, remove_tree
    from handoff.storage.migrate import migrate

    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())

    info = machine_info()
    print(f"machine: {info['nproc']} CPUs, {info['cpu']}, Python {info['python']}")
    root = Path(tempfile.mkdtemp(prefix="handoff-bench-live-"))
    pg = EmbeddedPostgres(root / "pg", durable=False)
    redis = EmbeddedRedis(root / "redis", persistent=False)
    try:
        url = pg.start()
        redis_url = redis.start()
        migrate(url)
        world = asyncio.run(seed(url, redis_url))
        results = [
            asyncio.run(scenario("hub dispatch", world, root, args, dispatch=True)),
            asyncio.run(scenario("worker tick only", world, root, args, dispatch=False)),
            asyncio.run(
                scenario("hub dispatch, no gc.freeze", world, root, args, True, freeze=False)
            ),
        ]
        report(results)
        return 1 if any(r.lost or r.duplicated for r in results) else 0
    finally:
        redis.stop()
        pg.stop()
        if args.keep:
            print(f"kept {root}")
        else:
            remove_tree(root)


if __name__ == "__main__":
    sys.exit(main())
