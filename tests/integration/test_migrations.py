"""Migrations apply in order, once, and build exactly the schema they describe.

- A database migrated from scratch has the catalogue committed in
  `schema/postgres-catalogue.txt` (regenerate it with `make schema`).
- Migrating one step at a time (the upgrade path a deployed database takes) ends with
  the same catalogue as migrating all at once.
- A migration edited after it was applied is refused, naming the file, before
  anything is applied.
"""

from __future__ import annotations

import re
from importlib.resources.abc import Traversable
from pathlib import Path

import psycopg
import pytest

from handoff.storage.migrate import (
    MigrationChanged,
    MigrationError,
    applied_versions,
    available,
    migrate,
    migrations_dir,
)
from tests.integration._catalogue import (
    REGENERATE,
    SNAPSHOT,
    catalogue,
    difference,
    render,
    server_major,
)


def test_migrations_ship_inside_the_package() -> None:
    directory = migrations_dir()
    assert isinstance(directory, Traversable)
    names = [m.filename for m in available()]
    assert names == sorted(names)
    assert names[0] == "0001_init.sql"
    assert all(m.sql.strip() for m in available())
    # nothing that looks like a migration is skipped by the file-name pattern
    assert {e.name for e in directory.iterdir() if e.name.endswith(".sql")} == set(names)


def test_migrating_twice_is_a_noop_the_second_time(empty_db_url: str) -> None:
    first = migrate(empty_db_url)
    assert [m.version for m in first] == [m.version for m in available()]
    with psycopg.connect(empty_db_url) as conn:
        before = conn.execute(
            "SELECT version, checksum, applied_at FROM schema_migrations ORDER BY version"
        ).fetchall()
    second = migrate(empty_db_url)
    assert second == []
    with psycopg.connect(empty_db_url) as conn:
        after = conn.execute(
            "SELECT version, checksum, applied_at FROM schema_migrations ORDER BY version"
        ).fetchall()
        assert applied_versions(conn) == {m.version for m in available()}
    assert before == after
    assert [row[1] for row in after] == [m.checksum for m in available()]


def test_a_failing_migration_leaves_nothing_behind(empty_db_url: str, tmp_path: Path) -> None:
    (tmp_path / "0001_ok.sql").write_text("CREATE TABLE a (id int);")
    (tmp_path / "0002_broken.sql").write_text("CREATE TABLE b (id int); SELECT * FROM nope;")
    with pytest.raises(psycopg.errors.UndefinedTable):
        migrate(empty_db_url, tmp_path)
    with psycopg.connect(empty_db_url) as conn:
        assert applied_versions(conn) == {"0001_ok"}
        assert conn.execute("SELECT to_regclass('b')").fetchone() == (None,)


def test_a_migration_changed_after_it_was_applied_is_refused(
    empty_db_url: str, tmp_path: Path
) -> None:
    (tmp_path / "0001_a.sql").write_text("CREATE TABLE a (id int);")
    (tmp_path / "0002_b.sql").write_text("CREATE TABLE b (id int);")
    migrate(empty_db_url, tmp_path)
    recorded = {m.version: m.checksum for m in available(tmp_path)}

    (tmp_path / "0002_b.sql").write_text("CREATE TABLE b (id bigint);")
    (tmp_path / "0003_c.sql").write_text("CREATE TABLE c (id int);")
    changed = available(tmp_path)[1]
    with pytest.raises(MigrationChanged) as refused:
        migrate(empty_db_url, tmp_path, progress=lambda m: pytest.fail(f"applied {m}"))

    assert isinstance(refused.value, MigrationError)
    assert refused.value.filename == "0002_b.sql"
    assert str(refused.value) == (
        "migration 0002_b.sql was changed after it was applied "
        f"(recorded sha256 {recorded['0002_b']}, file {changed.checksum}); "
        "restore it and add a new migration instead"
    )
    with psycopg.connect(empty_db_url) as conn:
        assert applied_versions(conn) == {"0001_a", "0002_b"}
        assert conn.execute("SELECT to_regclass('c')").fetchone() == (None,)
        assert conn.execute(
            "SELECT format_type(atttypid, NULL) FROM pg_attribute "
            "WHERE attrelid = 'b'::regclass AND attname = 'id'"
        ).fetchone() == ("integer",)

    # restored: the run goes on with the new migration
    (tmp_path / "0002_b.sql").write_text("CREATE TABLE b (id int);")
    assert [m.version for m in migrate(empty_db_url, tmp_path)] == ["0003_c"]


def test_a_fresh_migration_matches_the_committed_catalogue(
    empty_db_url: str, request: pytest.FixtureRequest
) -> None:
    migrate(empty_db_url)
    actual = render(catalogue(empty_db_url), server_major(empty_db_url))
    if request.config.getoption("update_catalogue"):
        SNAPSHOT.write_text(actual)
        return
    expected = SNAPSHOT.read_text() if SNAPSHOT.exists() else ""
    diff = difference(expected, actual)
    if diff:
        made_on = re.search(r"^# made on PostgreSQL (\d+)$", expected, re.MULTILINE)
        server = f"PostgreSQL {server_major(empty_db_url)}"
        other_server = (
            f" (note: the file was made on PostgreSQL {made_on.group(1)}, this is {server}; "
            "catalogue text can differ between major versions)"
            if made_on and f"PostgreSQL {made_on.group(1)}" != server
            else ""
        )
        pytest.fail(
            f"A database migrated from scratch does not match {SNAPSHOT}{other_server}.\n"
            f"If the migrations changed on purpose, regenerate it with {REGENERATE}, "
            "review the diff and commit it.\n\n" + diff,
            pytrace=False,
        )


def test_migrating_one_step_at_a_time_gives_the_same_schema_as_all_at_once(
    empty_db_url: str, db_url: str, tmp_path: Path
) -> None:
    migrations = available()
    for count, migration in enumerate(migrations, start=1):
        # what a database deployed at release `count` has seen so far
        step = tmp_path / f"release-{count}"
        step.mkdir()
        for earlier in migrations[:count]:
            (step / earlier.filename).write_bytes(earlier.resource.read_bytes())
        applied = migrate(empty_db_url, step)
        assert [m.version for m in applied] == [migration.version]
    assert migrate(empty_db_url) == []  # the shipped files: same checksums, nothing new

    all_at_once = catalogue(db_url)  # the test template, migrated in one run
    step_by_step = catalogue(empty_db_url)
    assert step_by_step == all_at_once, difference(
        all_at_once, step_by_step, fromfile="all at once", tofile="one step at a time"
    )
