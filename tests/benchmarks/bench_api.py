"""HTTP benchmark of the GraphQL API: ``createHandoff`` and ``inbox`` against a trivial baseline.

Run from the repository root: ``make bench`` (or ``.venv/bin/python tests/benchmarks/bench_api.py``).

What it does, in one run:

1. starts an embedded PostgreSQL (fsync off) in a temp dir and applies the migrations;
2. starts the API in a subprocess the way ``handoff serve`` does (``handoff.cli:asgi_app``,
   one uvicorn worker, uvloop + httptools, JSON logs with one access line per request,
   written to a file in the temp dir) on a free 127.0.0.1 port;
3. seeds one workspace over the API: people in several zones (some with unusual working
   patterns) and, for a few of them, 25 handoffs each that are then marked DELIVERED in SQL
   so their ``inbox`` has more than a page;
4. drives each scenario from this process with 50 concurrent keep-alive connections (a small
   raw asyncio HTTP/1.1 client on uvloop, so the load generator costs little CPU), first a
   warm-up, then a fixed measuring window:

   * ``baseline``: ``{ __typename }`` with the bearer token (same stack: middleware, auth,
     GraphQL parse/validate/execute, JSON);
   * ``createHandoff``: every request a new handoff (new work item) between two random people,
     with a distinct ``idempotencyKey`` and a 4 h response window;
   * ``inbox``: 20 delivered handoffs of a random seeded receiver, with sender, receiver
     and work item.

Printed: requests/s, p50/p99 latency, ratio to the baseline's requests/s, and PASS/MISS against
the targets of issue 3 (``createHandoff`` >= 40% of the baseline's requests/s, p99 < 100 ms),
plus the CPU used by the API process, PostgreSQL and the load generator (% of one core).

Exit status: 0 whatever the numbers; 1 when any request fails (non-200, GraphQL errors, an
unexpected payload), after printing the first few failures.

Options: ``--duration`` / ``--warmup`` (seconds per scenario), ``--clients``,
``--only NAME`` (repeatable), ``--profile FILE``: profile the API process with cProfile during
the measuring windows, save the stats to FILE and print the top functions.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import machine_info, print_table

HOST = "127.0.0.1"
SEED = 20261123
TARGET_RATIO = 0.40  # createHandoff requests/s >= 40% of the baseline's
TARGET_P99_MS = 100.0
INBOX_RECEIVERS = 4
INBOX_PER_RECEIVER = 25
MAX_FAILURES_SHOWN = 5

# people of the benchmark workspace: (handle, zone, weekly pattern or None = Mon-Fri 9-17)
NINE_TO_FIVE = ["09:00-17:00"]
PEOPLE: list[tuple[str, str, dict[str, list[str]] | None]] = [
    ("ana", "Europe/Amsterdam", {d: NINE_TO_FIVE for d in ("mon", "tue", "wed", "thu")}),
    ("ben", "Europe/London", None),
    ("chen", "Asia/Shanghai", None),
    ("dev", "Asia/Kolkata", {"mon": ["10:00-13:00", "14:00-19:00"], "wed": ["10:00-19:00"]}),
    ("eli", "America/New_York", None),
    ("fay", "America/Los_Angeles", None),
    ("gus", "America/Sao_Paulo", None),
    ("hana", "Asia/Tokyo", None),
    ("ivo", "Australia/Sydney", None),
    ("jo", "Pacific/Auckland", {d: ["22:00-23:59"] for d in ("sun", "mon", "tue", "wed")}),
    ("kai", "Europe/Berlin", {"sat": ["08:00-16:00"], "sun": ["08:00-16:00"]}),
    ("lea", "Africa/Nairobi", None),
]

CREATE_PERSON = """mutation($input: CreatePersonInput!) { createPerson(input: $input) {
  __typename ... on PersonPayload { person { id } } ... on ValidationError { field message } } }"""

CREATE_HANDOFF = """mutation($input: CreateHandoffInput!) { createHandoff(input: $input) {
  __typename
  ... on CreateHandoffPayload { created handoff { id status deliverAt respondBy } }
  ... on ValidationError { field message }
  ... on NotFound { message }
  ... on Conflict { message } } }"""

INBOX = """query($p: ID!) { inbox(personId: $p, first: 20) {
  edges { cursor node { id status deliverAt deliveredAt respondBy note { summary next }
    sender { id name timezone } receiver { id name timezone }
    workItem { id title status } } }
  pageInfo { hasNextPage endCursor } } }"""

BASELINE = "{ __typename }"


# --- a minimal HTTP/1.1 keep-alive client ------------------------------------------------------


class HttpError(Exception):
    pass


class Connection:
    """One keep-alive connection posting JSON to /graphql (Content-Length responses only)."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.head = (
            f"POST /graphql HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            "Accept: application/json\r\nContent-Length: "
        ).encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port)

    async def post(self, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        self.writer.write(b"%s%d\r\n\r\n%s" % (self.head, len(body), body))
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = -1
        close = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
            elif name == b"transfer-encoding":
                raise HttpError(f"unsupported transfer-encoding {value.strip()!r}")
        if length < 0:
            raise HttpError("response without Content-Length")
        data = await self.reader.readexactly(length)
        if close:
            await self.close()
        return status, data

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
        self.reader = self.writer = None


def gql_body(query: str, variables: dict[str, Any] | None = None) -> bytes:
    return json.dumps({"query": query, "variables": variables or {}}).encode()


async def gql(conn: Connection, query: str, variables: dict[str, Any] | None = None) -> Any:
    """The `data` of one request; raises on anything but a clean 200."""
    status, data = await conn.post(gql_body(query, variables))
    body = json.loads(data)
    if status != 200 or body.get("errors"):
        raise HttpError(f"HTTP {status}: {data[:500]!r}")
    return body["data"]


# --- scenarios ----------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    make_body: Callable[[random.Random], bytes]
    check: Callable[[Any], str | None]  # the response body -> an error message or None


@dataclass
class Result:
    name: str
    count: int
    elapsed: float
    latencies: list[float]
    client_cpu: float
    server_cpu: float
    pg_cpu: float
    load: float
    failures: list[str] = field(default_factory=list)
    failed: int = 0

    @property
    def rps(self) -> float:
        return self.count / self.elapsed if self.elapsed else 0.0

    def pct_ms(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def check_baseline(body: Any) -> str | None:
    return None if body.get("data") == {"__typename": "Query"} else "unexpected data"


def check_create(body: Any) -> str | None:
    result = (body.get("data") or {}).get("createHandoff") or {}
    if result.get("__typename") != "CreateHandoffPayload" or not result.get("created"):
        return f"createHandoff returned {result!r}"
    return None


def check_inbox(body: Any) -> str | None:
    edges = ((body.get("data") or {}).get("inbox") or {}).get("edges")
    if edges is None or len(edges) != 20:
        return f"inbox returned {len(edges or [])} edges, expected 20"
    return None


def make_scenarios(people: list[str], receivers: list[str]) -> list[Scenario]:
    keys = itertools.count()
    run = uuid.uuid4().hex[:8]

    def create_body(rng: random.Random) -> bytes:
        sender, receiver = rng.sample(people, 2)
        n = next(keys)
        return gql_body(
            CREATE_HANDOFF,
            {
                "input": {
                    "senderId": sender,
                    "toPersonId": receiver,
                    "newWorkItem": {"title": f"Bench item {n}"},
                    "note": {"summary": f"Handoff {n}", "next": "Review and reply"},
                    "expectResponseWithin": "PT4H",
                    "idempotencyKey": f"bench-{run}-{n}",
                }
            },
        )

    baseline = gql_body(BASELINE)
    inbox_bodies = [gql_body(INBOX, {"p": r}) for r in receivers]
    return [
        Scenario("baseline { __typename }", lambda rng: baseline, check_baseline),
        Scenario("createHandoff", create_body, check_create),
        Scenario(
            "inbox (20, with sender/receiver/workItem)", rng_choice(inbox_bodies), check_inbox
        ),
    ]


def rng_choice(options: list[bytes]) -> Callable[[random.Random], bytes]:
    return lambda rng: rng.choice(options)


# --- CPU accounting from /proc ----------------------------------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user+system CPU seconds) of a process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLK_TCK


def process_cpu(pid: int) -> float:
    stat = _proc_stat(pid)
    return stat[1] if stat else 0.0


def tree_cpu(root: int | None) -> float:
    """CPU seconds of a process and its children (PostgreSQL's backends)."""
    if root is None:
        return 0.0
    total = 0.0
    with contextlib.suppress(OSError):
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                stat = _proc_stat(int(entry))
                if stat and (int(entry) == root or stat[0] == root):
                    total += stat[1]
    return total


def postmaster_pid(data_dir: Path) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        return int((data_dir / "postmaster.pid").read_text().split()[0])
    return None


# --- the load generator ------------------------------------------------------------------------


async def run_phase(
    conns: list[Connection],
    scenario: Scenario,
    seconds: float,
    record: bool,
    rngs: list[random.Random],
) -> tuple[int, float, list[float], list[str], int]:
    """Every connection loops for `seconds`; returns (count, elapsed, latencies, failures, n)."""
    latencies: list[float] = []
    failures: list[str] = []
    failed = 0
    count = 0
    clock = time.perf_counter
    start = clock()
    deadline = start + seconds
    last = start

    async def client(conn: Connection, rng: random.Random) -> None:
        nonlocal count, failed, last
        while clock() < deadline:
            body = scenario.make_body(rng)
            t0 = clock()
            try:
                status, data = await conn.post(body)
            except (OSError, asyncio.IncompleteReadError, HttpError) as exc:
                failed += 1
                if len(failures) < MAX_FAILURES_SHOWN:
                    failures.append(f"{scenario.name}: {type(exc).__name__}: {exc}")
                await conn.close()
                continue
            t1 = clock()
            problem = None
            if status != 200:
                problem = f"HTTP {status}"
            else:
                try:
                    parsed = json.loads(data)
                except ValueError:
                    problem = "invalid JSON"
                else:
                    problem = (
                        f"GraphQL errors {parsed['errors']!r}"
                        if parsed.get("errors")
                        else scenario.check(parsed)
                    )
            if problem is not None:
                failed += 1
                if len(failures) < MAX_FAILURES_SHOWN:
                    failures.append(f"{scenario.name}: {problem}: {data[:300]!r}")
                continue
            count += 1
            last = t1
            if record:
                latencies.append(t1 - t0)

    await asyncio.gather(*(client(c, r) for c, r in zip(conns, rngs, strict=True)))
    return count, last - start, latencies, failures, failed


async def measure(
    port: int,
    token: str,
    scenario: Scenario,
    args: argparse.Namespace,
    server_pid: int,
    pg_pid: int | None,
) -> Result:
    conns = [Connection(port, token) for _ in range(args.clients)]
    await asyncio.gather(*(c.open() for c in conns))
    rngs = [random.Random(SEED + i) for i in range(args.clients)]
    try:
        _, _, _, failures, failed = await run_phase(conns, scenario, args.warmup, False, rngs)
        if args.profile:
            os.kill(server_pid, signal.SIGUSR1)
        cpu0 = (time.process_time(), process_cpu(server_pid), tree_cpu(pg_pid))
        count, elapsed, latencies, more, failed2 = await run_phase(
            conns, scenario, args.duration, True, rngs
        )
        cpu1 = (time.process_time(), process_cpu(server_pid), tree_cpu(pg_pid))
        if args.profile:
            os.kill(server_pid, signal.SIGUSR2)
    finally:
        await asyncio.gather(*(c.close() for c in conns))
    wall = max(elapsed, 1e-9)
    return Result(
        name=scenario.name,
        count=count,
        elapsed=elapsed,
        latencies=latencies,
        client_cpu=(cpu1[0] - cpu0[0]) / wall,
        server_cpu=(cpu1[1] - cpu0[1]) / wall,
        pg_cpu=(cpu1[2] - cpu0[2]) / wall,
        load=os.getloadavg()[0],
        failures=(failures + more)[:MAX_FAILURES_SHOWN],
        failed=failed + failed2,
    )


# --- set-up: database, server, data --------------------------------------------------------------


async def make_token(url: str) -> str:
    import psycopg
    from psycopg.rows import dict_row

    from handoff.clock import SystemClock
    from handoff.storage.tokens import create_token

    async with await psycopg.AsyncConnection.connect(url, row_factory=dict_row) as conn:
        token = await create_token(conn, "bench", SystemClock().now(), label="bench")
        await conn.commit()
    return token


async def seed(port: int, token: str, url: str) -> tuple[list[str], list[str]]:
    """Create the people and the delivered handoffs; return (person ids, inbox receiver ids)."""
    import psycopg

    conn = Connection(port, token)
    try:
        people = []
        for handle, zone, weekly in PEOPLE:
            person: dict[str, Any] = {"name": handle.title(), "handle": handle, "timezone": zone}
            if weekly is not None:
                person["workingPattern"] = {"weekly": weekly}
            result = (await gql(conn, CREATE_PERSON, {"input": person}))["createPerson"]
            if result["__typename"] != "PersonPayload":
                raise HttpError(f"createPerson {handle}: {result!r}")
            people.append(result["person"]["id"])
        rng = random.Random(SEED)
        receivers = people[:INBOX_RECEIVERS]
        for i, receiver in enumerate(receivers):
            for j in range(INBOX_PER_RECEIVER):
                sender = rng.choice([p for p in people if p != receiver])
                variables = {
                    "input": {
                        "senderId": sender,
                        "toPersonId": receiver,
                        "newWorkItem": {"title": f"Seed item {i}.{j}"},
                        "note": {"summary": f"Seed handoff {i}.{j}", "next": "Take it over"},
                        "expectResponseWithin": "PT8H",
                        "idempotencyKey": f"seed-{i}-{j}",
                    }
                }
                result = (await gql(conn, CREATE_HANDOFF, variables))["createHandoff"]
                if result["__typename"] != "CreateHandoffPayload":
                    raise HttpError(f"seed createHandoff: {result!r}")
    finally:
        await conn.close()
    async with await psycopg.AsyncConnection.connect(url) as db:
        # every handoff so far went to an inbox receiver; deliver them all
        await db.execute("UPDATE handoffs SET status = 'DELIVERED', delivered_at = now()")
        await db.commit()
    return people, receivers


def start_server(url: str, port: int, log_path: Path, profile: str | None) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        {
            "HANDOFF_DATABASE_URL": url,
            "HANDOFF_LOG_FORMAT": "json",
            "HANDOFF_LOG_LEVEL": "INFO",
            "BENCH_API_PORT": str(port),
        }
    )
    env.pop("HANDOFF_REDIS_URL", None)
    if profile:
        env["BENCH_API_PROFILE"] = str(Path(profile).resolve())
    log = open(log_path, "wb")  # noqa: SIM115 - the child owns it while it runs
    try:
        return subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    finally:
        log.close()


def wait_ready(proc: subprocess.Popen, port: int, log_path: Path, timeout: float = 30.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the API exited with {proc.returncode}:\n{tail(log_path)}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://{HOST}:{port}/healthz", timeout=1.0).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the API did not become healthy in {timeout}s:\n{tail(log_path)}")


def tail(path: Path, lines: int = 30) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


def stop_server(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def serve() -> None:
    """The API process: `handoff serve` with one worker, plus optional cProfile on signals."""
    import uvicorn

    profile_path = os.environ.get("BENCH_API_PROFILE")
    if profile_path:
        import cProfile

        # CPU time, not wall time: on a busy machine wall time would charge preemptions
        # to whatever function happened to run.
        profiler = cProfile.Profile(time.process_time)

        def start(signum: int, frame: Any) -> None:
            profiler.enable()

        def stop(signum: int, frame: Any) -> None:
            profiler.disable()
            profiler.dump_stats(profile_path)

        signal.signal(signal.SIGUSR1, start)
        signal.signal(signal.SIGUSR2, stop)

    uvicorn.run(
        "handoff.cli:asgi_app",
        factory=True,
        host=HOST,
        port=int(os.environ["BENCH_API_PORT"]),
        loop="uvloop",
        http="httptools",
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=5,
    )


# --- report ----------------------------------------------------------------------------------


def report(results: list[Result], args: argparse.Namespace) -> None:
    info = machine_info()
    baseline = next((r for r in results if r.name.startswith("baseline")), None)
    rows = []
    for r in results:
        ratio = f"{r.rps / baseline.rps:.0%}" if baseline and baseline.rps else "n/a"
        if r.name == "createHandoff":
            ok = baseline is not None and r.rps >= TARGET_RATIO * baseline.rps
            ok = ok and r.pct_ms(0.99) < TARGET_P99_MS
            target = "PASS" if ok else "MISS"
        else:
            target = "-"
        rows.append(
            [
                r.name,
                f"{r.rps:,.0f}",
                f"{r.pct_ms(0.50):.1f}",
                f"{r.pct_ms(0.99):.1f}",
                ratio,
                target,
                f"{r.server_cpu:.0%}",
                f"{r.pg_cpu:.0%}",
                f"{r.server_cpu * 1000 / r.rps:.2f}" if r.rps else "n/a",
                f"{r.client_cpu:.0%}",
                f"{r.load:.1f}",
            ]
        )
    print_table(
        [
            "scenario",
            "requests/s",
            "p50 ms",
            "p99 ms",
            "vs baseline",
            "target",
            "API CPU",
            "PG CPU",
            "API CPU ms/req",
            "load gen CPU",
            "loadavg 1m",
        ],
        rows,
        title=(
            f"GraphQL API over HTTP, {args.clients} concurrent clients, {args.duration:g} s each "
            f"after {args.warmup:g} s warm-up ({date.today().isoformat()}; nproc {info['nproc']}, "
            f"{info['cpu']}, Python {info['python']})"
        ),
    )
    print(
        f"\nTarget (issue 3): createHandoff >= {TARGET_RATIO:.0%} of the baseline's requests/s "
        f"and p99 < {TARGET_P99_MS:g} ms. CPU columns: % of one core during the measuring "
        "window (API = the uvicorn process; PG = postmaster and backends; load gen = this "
        "process); loadavg 1m = the machine's load average at the end of the window (above "
        f"nproc = {info['nproc']}, other processes competed for the CPUs)."
    )


def print_profile(path: str, top: int = 25) -> None:
    import pstats

    stats = pstats.Stats(path)
    stats.strip_dirs()
    for key in ("tottime", "cumulative"):
        print(f"\nAPI process, cProfile, top {top} by {key}:\n")
        stats.sort_stats(key).print_stats(top)


# --- main ------------------------------------------------------------------------------------


async def bench(args: argparse.Namespace, url: str, port: int, token: str, pids: tuple) -> int:
    server_pid, pg_pid = pids
    people, receivers = await seed(port, token, url)
    scenarios = make_scenarios(people, receivers)
    if args.only:
        scenarios = [s for s in scenarios if any(s.name.startswith(o) for o in args.only)]
    results = []
    for scenario in scenarios:
        print(f"running {scenario.name} ...", flush=True)
        results.append(await measure(port, token, scenario, args, server_pid, pg_pid))
    report(results, args)
    failures = [f for r in results for f in r.failures]
    total_failed = sum(r.failed for r in results)
    if total_failed:
        print(f"\n{total_failed} request(s) failed; the first ones:", file=sys.stderr)
        for f in failures[:MAX_FAILURES_SHOWN]:
            print(f"  {f}", file=sys.stderr)
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--duration", type=float, default=8.0, help="measuring seconds each")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds each")
    parser.add_argument("--clients", type=int, default=50, help="concurrent connections")
    parser.add_argument("--only", action="append", help="run scenarios whose name starts with this")
    parser.add_argument("--profile", help="cProfile the API while measuring; stats to this file")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return 0

    from handoff.devtools.embedded import EmbeddedPostgres, free_port, remove_tree
    from handoff.storage.migrate import migrate

    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())

    root = Path(tempfile.mkdtemp(prefix="handoff-bench-api-"))
    pg = EmbeddedPostgres(root / "pg", durable=False)
    proc: subprocess.Popen | None = None
    try:
        url = pg.start()
        migrate(url)
        token = asyncio.run(make_token(url))
        port = free_port()
        log_path = root / "api.log"
        proc = start_server(url, port, log_path, args.profile)
        wait_ready(proc, port, log_path)
        status = asyncio.run(bench(args, url, port, token, (proc.pid, postmaster_pid(root / "pg"))))
        if args.profile:
            stop_server(proc)
            if os.path.exists(args.profile):
                print_profile(args.profile)
        return status
    finally:
        stop_server(proc)
        pg.stop()
        remove_tree(root)


if __name__ == "__main__":
    sys.exit(main())
