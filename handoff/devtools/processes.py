"""Process supervision for `handoff dev`: signals, the data-dir lock, ports, children.

`handoff dev` runs the API and a worker as child processes and, when it starts them,
an embedded Redis; PostgreSQL runs detached (pg_ctl). This module keeps that honest:

- SIGINT/SIGTERM become a flag the main loop polls (`SignalFlag`, `Stop`);
- one `handoff dev` per data dir (`exclusive`, a lock file);
- ports: the requested one, else the remembered one, else a default, else a free one;
- children are started in their own session and die with their parent (Linux), are
  stopped together with SIGTERM and a bounded wait (`spawn`, `stop_children`);
- the pids of what it starts are recorded, so a run after a SIGKILL stops what the
  killed run left behind (`remember_pid`, `stop_leftovers`; needs psutil).
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
from pathlib import Path
from types import FrameType
from typing import Any

READY_TIMEOUT_SECONDS = 90.0


def say(message: str = "") -> None:
    """Progress for the person at the terminal (stdout; not a log line)."""
    print(message, flush=True)


class Stop(Exception):
    """SIGINT/SIGTERM arrived while starting up."""


class SignalFlag:
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


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def choose_port(requested: int, remembered: int | None, default: int, what: str = "") -> int:
    """The port asked for (an error when taken), else the one used last, else the
    default, else any free one; `what` names the server and its option in the error."""
    from handoff.devtools.embedded import free_port

    for candidate in (requested, remembered, default):
        if candidate and port_free(candidate):
            return candidate
        if candidate and candidate == requested:
            raise RuntimeError(f"{what or 'port'} {requested} is already in use")
    return free_port()


def read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)


@contextlib.contextmanager
def exclusive(data_dir: Path) -> Iterator[None]:
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


def stop_leftovers(pids_file: Path) -> None:
    for name, entry in read_json(pids_file).items():
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


def remember_pid(pids_file: Path, name: str, pid: int, marker: str) -> None:
    data = read_json(pids_file)
    data[name] = {"pid": pid, "started": _create_time(pid), "marker": marker}
    write_json(pids_file, data)


# --- children --------------------------------------------------------------------------------


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the child gets SIGTERM if `handoff dev` dies without cleaning up."""
    os.setsid()  # own session: a terminal's Ctrl-C reaches only `handoff dev`, which
    # then stops the children once, in order (a second SIGINT would make uvicorn abort)
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(Exception):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-c", "from handoff.cli import main; main()", *args]
    return subprocess.Popen(command, env=env, preexec_fn=_die_with_parent)


def stop_children(children: dict[str, subprocess.Popen[bytes]], timeout: float) -> None:
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


def wait_ready(url: str, children: dict[str, subprocess.Popen[bytes]], signals: SignalFlag) -> None:
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
