"""The embedded PostgreSQL can listen on a Unix socket besides 127.0.0.1 (the API
benchmark's `--unix-socket`: an API on PostgreSQL's own machine can skip TCP)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import psycopg

from handoff.devtools.embedded import EmbeddedPostgres, remove_tree


def test_a_socket_folder_serves_beside_tcp(tmp_path: Path) -> None:
    # the data folder may be deep (a long clone path); the socket's folder is short
    sockets = Path(tempfile.mkdtemp(prefix="hpg-"))
    server = EmbeddedPostgres(tmp_path / "pg", durable=False, socket_dir=sockets)
    try:
        url = server.start()
        with psycopg.connect(f"{url}?host={sockets}") as conn:
            # inet_server_addr() is null on a Unix-socket connection
            assert conn.execute("SELECT inet_server_addr() IS NULL").fetchone() == (True,)
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT inet_server_addr() IS NULL").fetchone() == (False,)
    finally:
        server.stop()
        remove_tree(sockets)
