"""`handoff dev`: the whole product on one machine with one command.

1. With no HANDOFF_DATABASE_URL / HANDOFF_REDIS_URL: start an embedded PostgreSQL
   (durable) and an embedded Redis (AOF) with their data under the data dir
   (`./.handoff/`), on ports remembered in `<data dir>/ports.json`.
2. Apply migrations, seed the demo workspace (first run only), make a demo token.
3. Start the API (`handoff serve`) and one worker (`handoff worker`) as children.
4. Print the GraphiQL URL, the demo token and a first query; wait.
5. On Ctrl-C (SIGINT) or SIGTERM: SIGTERM the children, wait for them (bounded),
   stop Redis and PostgreSQL, exit 0. The data stays for the next run.

The demo token is kept in `<data dir>/demo-token` (mode 0600) so every run prints the
same one. That is a local development convenience only: production tokens are shown
once and stored hashed (`handoff token create`).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from handoff.settings import Settings

DEFAULT_PG_PORT = 54329
DEFAULT_REDIS_PORT = 63799
READY_TIMEOUT_SECONDS = 90.0
CHILD_STOP_TIMEOUT_SECONDS = 30.0
FIRST_QUERY = """{
  viewer { name }
  handoffs(first: 10) {
    edges { node {
      workItem { title }
      note { summary }
      sender { name timezone }
      receiver { name timezone }
      status
      deliverAt
      respondBy
      explanation
    } }
  }
}"""


@dataclass
class DevOptions:
    port: int | None = None
    data_dir: Path | None = None
    pg_port: int = 0
    redis_port: int = 0
    seed: bool = True


def say(message: str = "") -> None:
    """Progress for the person at the terminal (stdout; not a log line)."""
    print(message, flush=True)


class Stop(Exception):
    """SIGINT/SIGTERM arrived while starting up."""


class _Signals:
    """Turns SIGINT/SIGTERM into a flag the main loop polls (and an Event to wait on)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.received: int | None = None
        self._previous: dict[int, Any] = {}

    def install(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._handle)

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        # no printing here: a handler that writes to stdout can interrupt another write
        if self.received is None:
            self.received = signum
        self.event.set()

    def check(self) -> None:
        if self.event.is_set():
            raise Stop


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _choose_port(requested: int, remembered: int | None, default: int) -> int:
    from handoff.embedded import free_port

    for candidate in (requested, remembered, default):
        if candidate and _port_free(candidate):
            return candidate
        if candidate and candidate == requested:
            raise RuntimeError(f"port {requested} is already in use")
    return free_port()


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)


@contextlib.contextmanager
def _exclusive(data_dir: Path) -> Iterator[None]:
    """One `handoff dev` per data dir at a time."""
    import fcntl

    lock = (data_dir / "dev.lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise RuntimeError(
            f"another `handoff dev` is already running with {data_dir}; stop it first"
        ) from None
    try:
        yield
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


# --- leftovers of a run that was killed (SIGKILL leaves children behind) ------------------


def _process_matches(pid: int, started: float | None, marker: str) -> bool:
    try:
        import psutil
    except ImportError:  # optional: without it leftovers are not cleaned up
        return False
    try:
        proc = psutil.Process(pid)
        if started is not None and abs(proc.create_time() - started) > 1:
            return False
        return marker in " ".join(proc.cmdline())
    except (psutil.Error, OSError):
        return False


def _create_time(pid: int) -> float | None:
    try:
        import psutil

        return float(psutil.Process(pid).create_time())
    except Exception:
        return None


def _stop_leftovers(pids_file: Path) -> None:
    for name, entry in _read_json(pids_file).items():
        if not isinstance(entry, dict):
            continue
        pid, started, marker = entry.get("pid"), entry.get("started"), entry.get("marker", "")
        if isinstance(pid, int) and _process_matches(pid, started, marker):
            say(f"stopping {name} (pid {pid}) left over from an earlier run")
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                if not _process_matches(pid, started, marker):
                    break
                time.sleep(0.1)
    pids_file.unlink(missing_ok=True)


def _remember_pid(pids_file: Path, name: str, pid: int, marker: str) -> None:
    data = _read_json(pids_file)
    data[name] = {"pid": pid, "started": _create_time(pid), "marker": marker}
    _write_json(pids_file, data)


# --- children --------------------------------------------------------------------------------


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the child gets SIGTERM if `handoff dev` dies without cleaning up."""
    os.setsid()  # own session: a terminal's Ctrl-C reaches only `handoff dev`, which
    # then stops the children once, in order (a second SIGINT would make uvicorn abort)
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(Exception):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-c", "from handoff.cli import main; main()", *args]
    return subprocess.Popen(command, env=env, preexec_fn=_die_with_parent)


def _stop_children(children: dict[str, subprocess.Popen[bytes]], timeout: float) -> None:
    """SIGTERM every child at once (each finishes its in-flight work), then wait, bounded."""
    for proc in children.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for name, proc in children.items():
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{name} did not stop within {timeout:g}s; killing it")
            proc.kill()
            proc.wait()


def _wait_ready(url: str, children: dict[str, subprocess.Popen[bytes]], signals: _Signals) -> None:
    import httpx

    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    last = "no answer yet"
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            signals.check()
            for name, proc in children.items():
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"{name} exited with status {proc.returncode} while starting"
                    )
            try:
                response = client.get(url)
                if response.status_code == 200:
                    return
                last = response.text[:300]
            except httpx.HTTPError as e:
                last = type(e).__name__
            signals.event.wait(0.25)
    raise RuntimeError(f"the API was not ready within {READY_TIMEOUT_SECONDS:g}s: {last}")


# --- database work ---------------------------------------------------------------------------


def _migrate(url: str) -> None:
    from handoff.storage.migrate import Migration, migrate

    def progress(migration: Migration) -> None:
        say(f"  applying migration {migration.version}")

    applied = migrate(url, progress=progress)
    say(f"migrations: {len(applied)} applied" if applied else "migrations: up to date")


async def _seed_and_token(url: str, known_token: str, seed: bool) -> str:
    """Seed (first run only) and return a working demo token: the known one if valid."""
    import psycopg
    from psycopg.rows import dict_row

    from handoff.seed import DEMO_WORKSPACE, seed_demo
    from handoff.storage.tokens import create_token, workspace_for_token

    now = datetime.now(UTC)
    async with await psycopg.AsyncConnection.connect(url, row_factory=dict_row) as conn:
        if seed:
            async with conn.transaction():
                summary = await seed_demo(conn, now, progress=lambda step: say(f"  {step}"))
            say(f"demo data: {summary}")
        if known_token and await workspace_for_token(conn, known_token) is not None:
            return known_token
        async with conn.transaction():
            return await create_token(conn, DEMO_WORKSPACE, now, label="handoff dev demo token")


def _demo_token(url: str, token_file: Path, seed: bool) -> str:
    import asyncio

    known = token_file.read_text().strip() if token_file.exists() else ""
    token = asyncio.run(_seed_and_token(url, known, seed))
    if token != known:
        token_file.touch(mode=0o600)
        token_file.chmod(0o600)
        token_file.write_text(token + "\n")
    return token


# --- the command -----------------------------------------------------------------------------


def run_dev(options: DevOptions) -> int:
    """Run until SIGINT/SIGTERM; return the exit status."""
    settings = Settings()
    if options.data_dir is not None:
        settings = settings.model_copy(update={"data_dir": options.data_dir})
    if options.port is not None:
        settings = settings.model_copy(update={"port": options.port})
    data_dir = settings.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)

    signals = _Signals()
    signals.install()
    try:
        with _exclusive(data_dir):
            return _run(settings, data_dir, options, signals)
    except RuntimeError as e:
        say(f"handoff dev: {e}")
        return 1
    finally:
        signals.restore()


def _run(settings: Settings, data_dir: Path, options: DevOptions, signals: _Signals) -> int:
    from handoff.embedded import EmbeddedPostgres, EmbeddedRedis

    pids_file = data_dir / "dev-pids.json"
    ports_file = data_dir / "ports.json"
    _stop_leftovers(pids_file)
    ports = _read_json(ports_file)

    postgres: EmbeddedPostgres | None = None
    redis: EmbeddedRedis | None = None
    children: dict[str, subprocess.Popen[bytes]] = {}
    status = 0
    try:
        if settings.database_url is None:
            postgres = EmbeddedPostgres(data_dir / "postgres", durable=True)
            remembered = ports.get("postgres")
            if (
                (postgres.data_dir / "postmaster.pid").exists()
                and remembered
                and not options.pg_port
            ):
                # left over from a killed run and holding its port: start() stops it first
                postgres.port = int(remembered)
            else:
                postgres.port = _choose_port(options.pg_port, remembered, DEFAULT_PG_PORT)
            say(f"starting PostgreSQL on 127.0.0.1:{postgres.port} (data: {postgres.data_dir})")
            database_url = postgres.start()
        else:
            database_url = settings.database_url.get_secret_value()
            say("using PostgreSQL from HANDOFF_DATABASE_URL")
        signals.check()
        if settings.redis_url is None:
            redis = EmbeddedRedis(data_dir / "redis", persistent=True)
            redis.port = _choose_port(options.redis_port, ports.get("redis"), DEFAULT_REDIS_PORT)
            say(f"starting Redis on 127.0.0.1:{redis.port} (data: {redis.data_dir})")
            # Redis would share our process group, so a terminal's Ctrl-C would reach it
            # directly and it would quit under the still-running worker. Started with
            # SIGINT blocked (the mask is inherited), it only stops when we stop it.
            previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                redis_url = redis.start()
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, previous)
            if redis._proc is not None:
                # (redis-server rewrites its process title, so match on the name only;
                # the recorded start time rules out a recycled pid)
                _remember_pid(pids_file, "redis", redis._proc.pid, "redis-server")
        else:
            redis_url = settings.redis_url.get_secret_value()
            say("using Redis from HANDOFF_REDIS_URL")
        if postgres is not None or redis is not None:
            if postgres is not None:
                ports["postgres"] = postgres.port
            if redis is not None:
                ports["redis"] = redis.port
            _write_json(ports_file, ports)
        signals.check()

        _migrate(database_url)
        signals.check()
        token = _demo_token(database_url, data_dir / "demo-token", options.seed)
        signals.check()

        if not _port_free(settings.port):
            raise RuntimeError(f"API port {settings.port} is already in use (use --port)")
        env = dict(os.environ)
        env.update(
            {
                "HANDOFF_DATABASE_URL": database_url,
                "HANDOFF_REDIS_URL": redis_url,
                "HANDOFF_DATA_DIR": str(data_dir),
                "HANDOFF_PORT": str(settings.port),
                "HANDOFF_HOST": settings.host,
            }
        )
        env.setdefault("HANDOFF_LOG_FORMAT", "text")
        # local webhook receivers (http://localhost:...) are the normal case in development
        env.setdefault("HANDOFF_WEBHOOK_ALLOW_PRIVATE", "true")
        children["api"] = _spawn(["serve", "--workers", "1"], env)
        _remember_pid(pids_file, "api", children["api"].pid, "handoff.cli")
        children["worker"] = _spawn(["worker"], env)
        _remember_pid(pids_file, "worker", children["worker"].pid, "handoff.cli")

        shown_host = (
            "localhost" if settings.host in ("0.0.0.0", "::", "127.0.0.1") else settings.host
        )
        base = f"http://{shown_host}:{settings.port}"
        _wait_ready(f"http://127.0.0.1:{settings.port}/readyz", children, signals)
        _banner(base, token)

        while not signals.event.is_set():
            for name, proc in children.items():
                if proc.poll() is not None:
                    say(f"{name} exited unexpectedly with status {proc.returncode}; stopping")
                    status = 1
                    signals.event.set()
            signals.event.wait(0.5)
    except Stop:
        pass
    except Exception as e:
        say(f"handoff dev failed: {type(e).__name__}: {_redact(str(e))}")
        status = 1
    finally:
        if signals.received is not None:
            say(f"\n{signal.Signals(signals.received).name}: stopping (the data stays in place)")
        _stop_children(children, CHILD_STOP_TIMEOUT_SECONDS)
        if redis is not None:
            say("stopping Redis")
            redis.stop()
        if postgres is not None:
            say("stopping PostgreSQL")
            postgres.stop()
        pids_file.unlink(missing_ok=True)
        say("stopped.")
    return status


def _redact(text: str) -> str:
    from handoff.observability.redaction import redact

    return redact(text)


def _banner(base: str, token: str) -> None:
    query = FIRST_QUERY
    say("")
    say("=" * 72)
    say(f"handoff is running.  GraphiQL: {base}/graphql")
    say(f"demo token: {token}")
    say("  (a local development convenience, kept in <data dir>/demo-token;")
    say("   paste it in GraphiQL's Headers tab as shown below)")
    say('headers: {"Authorization": "Bearer ' + token + '"}')
    say("a first query (handoffs landing in each receiver's morning):")
    for line in query.splitlines():
        say("    " + line)
    say(f"health: {base}/healthz  readiness: {base}/readyz  metrics: {base}/metrics")
    say("Ctrl-C stops everything; the data stays for the next run.")
    say("=" * 72)
