"""Migrations apply in order, once, and describe the same schema as a fresh install."""

from __future__ import annotations

import psycopg

from handoff.storage.migrate import applied_versions, available, migrate


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


def test_a_failing_migration_leaves_nothing_behind(empty_db_url: str, tmp_path) -> None:
    (tmp_path / "0001_ok.sql").write_text("CREATE TABLE a (id int);")
    (tmp_path / "0002_broken.sql").write_text("CREATE TABLE b (id int); SELECT * FROM nope;")
    try:
        migrate(empty_db_url, tmp_path)
    except psycopg.errors.UndefinedTable:
        pass
    else:
        raise AssertionError("the broken migration should have raised")
    with psycopg.connect(empty_db_url) as conn:
        assert applied_versions(conn) == {"0001_ok"}
        assert conn.execute("SELECT to_regclass('b')").fetchone() == (None,)
