"""Scratch PostgreSQL and Redis for the scripts that run outside pytest (screenshots,
the web benchmark): embedded servers in a temporary directory, or HANDOFF_TEST_*_URL."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from handoff.devtools.embedded import EmbeddedPostgres, EmbeddedRedis, remove_tree
from handoff.storage.migrate import migrate


@contextmanager
def scratch_servers(name: str = "handoff_scratch") -> Iterator[tuple[str, str]]:
    """(database URL of a fresh, migrated database, Redis URL)."""
    root = Path(tempfile.mkdtemp(prefix="handoff-scratch-"))
    pg = rd = None
    try:
        admin = os.environ.get("HANDOFF_TEST_DATABASE_URL")
        if not admin:
            pg = EmbeddedPostgres(root / "pg", durable=False)
            admin = pg.start()
        redis_url = os.environ.get("HANDOFF_TEST_REDIS_URL")
        if not redis_url:
            rd = EmbeddedRedis(root / "redis", persistent=False)
            redis_url = rd.start()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        info = psycopg.conninfo.conninfo_to_dict(admin)
        info["dbname"] = name
        url = psycopg.conninfo.make_conninfo(**info)
        migrate(url)
        yield url, redis_url
    finally:
        if rd is not None:
            rd.stop()
        if pg is not None:
            pg.stop()
        remove_tree(root)
