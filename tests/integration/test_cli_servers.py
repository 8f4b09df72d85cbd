"""The `handoff` commands against servers that misbehave: one line and an exit, never a
hang or a traceback."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from handoff.storage.migrate import CONNECT_TIMEOUT_SECONDS
from tests.integration.test_cli import run


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
    assert result.returncode == 75, result.stderr
    assert CONNECT_TIMEOUT_SECONDS - 1 < took < CONNECT_TIMEOUT_SECONDS + 20, took
    assert result.stderr.startswith("handoff: cannot reach PostgreSQL"), result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_as_a_role_without_rights_is_one_line_with_the_servers_message(
    pg_admin_url: str, empty_db_url: str
) -> None:
    role = f"handoff_no_rights_{os.getpid()}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    try:
        with psycopg.connect(empty_db_url, autocommit=True) as conn:
            conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        info = psycopg.conninfo.conninfo_to_dict(empty_db_url)
        as_role = psycopg.conninfo.make_conninfo(**{**info, "user": role})
        result = run("migrate", limit=60, HANDOFF_DATABASE_URL=as_role)
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        assert result.stderr.splitlines()[-1] == (
            "handoff: PostgreSQL refused a statement: permission denied for schema public "
            "(SQLSTATE 42501)"
        ), result.stderr
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
