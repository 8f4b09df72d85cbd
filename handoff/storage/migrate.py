"""Apply plain SQL migrations (`handoff/storage/migrations/NNNN_name.sql`) in order, once each.

The files ship inside the package and are read with `importlib.resources`, so an
installed wheel migrates as well as a checkout. Each migration runs in its own
transaction; the whole run holds a PostgreSQL advisory lock so several processes
starting at once (N API replicas, workers) cannot race.

Each applied version is recorded with the SHA-256 of its file. A file changed after
it was applied makes the run refuse, before it applies anything: a database migrated
with the old text would differ from one migrated with the new, so a change goes into a
new migration instead.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import psycopg

# An arbitrary constant that identifies "handoff migrations" among advisory locks.
LOCK_KEY = 0x68616E646F6666
_FILE_NAME = re.compile(r"^([0-9]{4}_.+)\.sql$")

_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


class MigrationError(Exception):
    """The migrations cannot be applied as they are; nothing was applied."""


class MigrationChanged(MigrationError):
    """A migration file differs from the one that was applied to this database."""

    def __init__(self, filename: str, recorded: str, actual: str) -> None:
        self.filename = filename
        self.recorded = recorded
        self.actual = actual
        super().__init__(
            f"migration {filename} was changed after it was applied "
            f"(recorded sha256 {recorded}, file {actual}); "
            "restore it and add a new migration instead"
        )


def migrations_dir() -> Traversable:
    """The migrations shipped with the package (a directory in a checkout or a wheel)."""
    return resources.files("handoff") / "storage" / "migrations"


@dataclass(frozen=True)
class Migration:
    """One `NNNN_name.sql` file."""

    version: str
    resource: Traversable

    @property
    def filename(self) -> str:
        return self.resource.name

    @property
    def sql(self) -> str:
        return self.resource.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.resource.read_bytes()).hexdigest()


def available(directory: Traversable | None = None) -> list[Migration]:
    """The migration files, sorted by version (default: those shipped with the package)."""
    source = migrations_dir() if directory is None else directory
    found = [
        Migration(match.group(1), entry)
        for entry in source.iterdir()
        if (match := _FILE_NAME.match(entry.name)) and entry.is_file()
    ]
    return sorted(found, key=lambda m: m.version)


def applied_checksums(conn: psycopg.Connection) -> dict[str, str]:
    """{version: checksum} recorded in schema_migrations (empty before the first run)."""
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return {}
    rows = conn.execute("SELECT version, checksum FROM schema_migrations").fetchall()
    return {version: checksum for version, checksum in rows}


def applied_versions(conn: psycopg.Connection) -> set[str]:
    """Versions recorded in schema_migrations (empty when the table does not exist yet)."""
    return set(applied_checksums(conn))


def check_unchanged(conn: psycopg.Connection, migrations: list[Migration]) -> None:
    """Raise MigrationChanged for the first applied migration whose file differs."""
    recorded = applied_checksums(conn)
    for migration in migrations:
        before = recorded.get(migration.version)
        if before is not None and before != migration.checksum:
            raise MigrationChanged(migration.filename, before, migration.checksum)


def pending(conn: psycopg.Connection, directory: Traversable | None = None) -> list[Migration]:
    """Migrations not yet applied to this database."""
    done = applied_versions(conn)
    return [m for m in available(directory) if m.version not in done]


# How long a command waits for PostgreSQL to answer a connection (a server that accepts
# TCP and never answers would otherwise hold it for ever)
CONNECT_TIMEOUT_SECONDS = 10


def connect_timeout(url: str) -> dict[str, Any]:
    """`connect_timeout` for psycopg's connect: CONNECT_TIMEOUT_SECONDS, unless the URL
    (or PGCONNECT_TIMEOUT) sets one, which stays (and libpq checks)."""
    try:
        given = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error:  # connecting says what is wrong with it
        return {}
    if "connect_timeout" in given or os.environ.get("PGCONNECT_TIMEOUT"):
        return {}
    return {"connect_timeout": CONNECT_TIMEOUT_SECONDS}


class NotMigrated(Exception):
    """The database lacks migrations this code needs (`handoff migrate` applies them)."""


def require_migrated(url: str) -> None:
    """NotMigrated unless every migration this code knows has been applied to `url`: a
    worker on an older schema would fail every job instead of refusing to start."""
    with psycopg.connect(url, **connect_timeout(url)) as conn:
        missing = [m.version for m in pending(conn)]
    if missing:
        raise NotMigrated(
            f"the database is not migrated (pending: {', '.join(missing)}): run `handoff migrate`"
        )


def migrate(
    url: str,
    directory: Traversable | None = None,
    progress: Callable[[Migration], None] | None = None,
) -> list[Migration]:
    """Apply every pending migration; return those applied (empty when up to date).

    Raises MigrationChanged, having applied nothing, when an applied migration's file
    was edited since.
    """
    migrations = available(directory)
    applied: list[Migration] = []
    with psycopg.connect(url, autocommit=True, **connect_timeout(url)) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        try:
            conn.execute(_CREATE_TABLE)
            check_unchanged(conn, migrations)
            done = applied_versions(conn)
            for migration in migrations:
                if migration.version in done:
                    continue
                if progress:
                    progress(migration)
                with conn.transaction():
                    conn.execute(migration.sql.encode())
                    conn.execute(
                        "INSERT INTO schema_migrations (version, checksum) VALUES (%s, %s)",
                        (migration.version, migration.checksum),
                    )
                applied.append(migration)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
    return applied
