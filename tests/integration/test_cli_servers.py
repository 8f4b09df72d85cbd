"""The `handoff` commands against servers that misbehave: one line and an exit, never a
hang or a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from handoff.storage.migrate import CONNECT_TIMEOUT_SECONDS
from tests.integration.test_cli import HANDOFF_BIN


def run(*args: str, limit: float, **env: str) -> subprocess.CompletedProcess[str]:
    """The console script, with HANDOFF_* from `env` only; TimeoutExpired after `limit`."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("HANDOFF_")}
    return subprocess.run(
        [str(HANDOFF_BIN), *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=limit,
    )


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A PostgreSQL URL whose server accepts TCP connections and never says a word."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)  # the kernel completes the handshakes; nobody reads
        port = listener.getsockname()[1]
        yield f"postgresql://handoff@127.0.0.1:{port}/handoff"


@pytest.mark.parametrize(
    "args",
    [("migrate",), ("token", "create", "--workspace", "acme")],
    ids=["migrate", "token create"],
)
def test_a_server_that_never_answers_is_given_up_on(silent_server: str, args: tuple) -> None:
    started = time.monotonic()
    result = run(*args, limit=CONNECT_TIMEOUT_SECONDS + 20, HANDOFF_DATABASE_URL=silent_server)
    took = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    assert CONNECT_TIMEOUT_SECONDS - 1 < took < CONNECT_TIMEOUT_SECONDS + 20, took
    assert result.stderr.startswith("handoff: cannot reach PostgreSQL"), result.stderr
    assert "Traceback" not in result.stderr
