"""`handoff dev` end to end, and the demo workspace it seeds.

The end-to-end test runs the real command in a subprocess with a temporary data dir
and no HANDOFF_DATABASE_URL / HANDOFF_REDIS_URL, so it starts embedded servers, then
stops it with SIGINT (and the second time SIGTERM) and checks nothing is left running
and that the data, the ports and the demo token survive a restart.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import time as wall_time
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import psutil
import psycopg
from psycopg.rows import dict_row

from handoff.clock import ManualClock
from handoff.embedded import free_port
from handoff.seed import DEMO_WORKSPACE, HANDOFFS, PEOPLE, seed_demo

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

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self._out.close()


def _names(procs: list[psutil.Process]) -> list[str]:
    out = []
    for p in procs:
        try:
            out.append(" ".join(p.cmdline()))  # whole: a long checkout path hid "serve"
        except psutil.Error:
            out.append(f"pid {p.pid}")
    return out


def test_handoff_dev_runs_everything_stops_cleanly_and_keeps_data(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    port = free_port()
    pg_port, redis_port = free_port(), free_port()

    first = DevRun(data_dir, port, "--pg-port", str(pg_port), "--redis-port", str(redis_port))
    try:
        token = first.wait_ready()
        data = first.query(token)
        tree = first.process_tree(data_dir)
    except BaseException:
        first.kill()
        raise
    assert data["viewer"] == {"name": DEMO_WORKSPACE}
    people = data["people"]["nodes"]  # type: ignore[index]
    handoffs = data["handoffs"]["nodes"]  # type: ignore[index]
    assert {p["timezone"] for p in people} == {
        "Europe/Amsterdam",
        "America/New_York",
        "Asia/Kolkata",
        "Australia/Sydney",
    }
    assert len(handoffs) == len(HANDOFFS) + 1
    assert all(h["explanation"] for h in handoffs)
    output = first.output
    assert "GraphiQL: http://localhost:" in output
    assert "applying migration 0001_init" in output
    # API, worker and Redis are children; PostgreSQL runs detached with its own workers
    commands = " ".join(_names(tree))
    assert "serve" in commands and "worker" in commands and "redis-server" in commands
    assert len(tree) >= 5

    # Ctrl-C in a terminal: SIGINT to the foreground process group (Redis is in it)
    assert first.stop(signal.SIGINT, group=True) == 0, first.output
    _gone, alive = psutil.wait_procs(tree, timeout=15)
    assert not alive, f"still running after SIGINT: {_names(alive)}"
    assert not (data_dir / "postgres" / "postmaster.pid").exists()
    assert "stopped." in first.output
    assert "Traceback" not in first.output, first.output

    # Second run: remembered ports, same data, same token, nothing seeded twice.
    second = DevRun(data_dir, port)
    try:
        assert second.wait_ready() == token
        again = second.query(token)
        tree = second.process_tree(data_dir)
    except BaseException:
        second.kill()
        raise
    assert f"127.0.0.1:{pg_port}" in second.output
    assert f"127.0.0.1:{redis_port}" in second.output
    assert "migrations: up to date" in second.output
    assert "already seeded" in second.output
    assert len(again["people"]["nodes"]) == len(PEOPLE)  # type: ignore[index]
    assert len(again["handoffs"]["nodes"]) == len(HANDOFFS) + 1  # type: ignore[index]

    assert second.stop(signal.SIGTERM) == 0, second.output
    _gone, alive = psutil.wait_procs(tree, timeout=15)
    assert not alive, f"still running after SIGTERM: {_names(alive)}"
    assert "Traceback" not in second.output, second.output


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


# --- the demo workspace ----------------------------------------------------------------------


async def test_demo_seed_lands_every_handoff_in_the_receivers_morning(
    db_url: str, clock: ManualClock
) -> None:
    conn = await psycopg.AsyncConnection.connect(db_url, row_factory=dict_row)
    async with conn:
        async with conn.transaction():
            summary = await seed_demo(conn, clock.now())
        assert "4 people" in summary
        async with conn.transaction():
            assert "already seeded" in await seed_demo(conn, clock.now())
        cur = await conn.execute(
            """
            SELECT h.deliver_at, h.created_at, h.team_id, h.explanation,
                   r.timezone, r.handle AS receiver, s.handle AS sender
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
    assert len(rows) == len(HANDOFFS) + 1
    for row in rows[: len(HANDOFFS)]:
        local = row["deliver_at"].astimezone(ZoneInfo(row["timezone"]))
        assert wall_time(8) <= local.time() < wall_time(12), (row["receiver"], local)
        assert row["created_at"] < row["deliver_at"]
    by_receiver = {row["receiver"]: row for row in rows[: len(HANDOFFS)]}
    # Ana works Monday to Thursday: Maya's Thursday-evening handoff waits for Monday,
    # and then for the end of Ana's focus block
    ana = by_receiver["ana"]["deliver_at"].astimezone(ZoneInfo("Europe/Amsterdam"))
    assert (ana.strftime("%A"), ana.time()) == ("Monday", wall_time(11))
    assert any("focus" in line for line in by_receiver["ana"]["explanation"])
    # Maya bundles: hers lands at a digest time
    maya = by_receiver["maya"]["deliver_at"].astimezone(ZoneInfo("America/New_York"))
    assert maya.time() in (wall_time(9, 30), wall_time(14))
    assert rows[-1]["team_id"] is not None
