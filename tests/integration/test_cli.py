"""The `handoff` command: migrate, token create, schema export, --help everywhere."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row
from typer.main import get_command
from typer.testing import CliRunner

from handoff.cli import app
from handoff.storage.migrate import available

HANDOFF_BIN = Path(sys.executable).parent / "handoff"


def run(*args: str, limit: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    """The installed console script, with HANDOFF_* from `env` only; TimeoutExpired after
    `limit` seconds."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("HANDOFF_")}
    return subprocess.run(
        [str(HANDOFF_BIN), *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=limit,
    )


def test_migrate_shows_progress_then_is_a_noop(empty_db_url: str) -> None:
    first = run("migrate", HANDOFF_DATABASE_URL=empty_db_url)
    assert first.returncode == 0, first.stderr
    for migration in available():
        assert f"applying {migration.version}" in first.stderr
    assert f"applied {len(available())} migration(s)" in first.stderr
    second = run("migrate", HANDOFF_DATABASE_URL=empty_db_url)
    assert second.returncode == 0, second.stderr
    assert "up to date" in second.stderr
    assert "applying" not in second.stderr


def test_migrate_refuses_a_migration_changed_after_it_was_applied(db_url: str) -> None:
    shipped = {m.version: m for m in available()}["0002_webhooks"]
    with psycopg.connect(db_url) as conn:
        conn.execute(
            "UPDATE schema_migrations SET checksum = %s WHERE version = '0002_webhooks'",
            ("0" * 64,),
        )
    result = run("migrate", HANDOFF_DATABASE_URL=db_url)
    assert result.returncode == 1
    assert result.stderr == (
        "handoff migrate: migration 0002_webhooks.sql was changed after it was applied "
        f"(recorded sha256 {'0' * 64}, file {shipped.checksum}); "
        "restore it and add a new migration instead\n"
    )
    assert result.stdout == ""


def test_serve_refuses_to_start_without_redis(db_url: str) -> None:
    # (the rate limits live in Redis: without it the API would run with none)
    result = run("serve", "--port", "8620", HANDOFF_DATABASE_URL=db_url)
    assert result.returncode == 2, result.stderr
    assert result.stderr == "HANDOFF_REDIS_URL is not set (the API's rate limits live in Redis)\n"


def test_commands_that_need_a_database_say_so() -> None:
    result = run("migrate")
    assert result.returncode == 2
    assert "HANDOFF_DATABASE_URL is not set" in result.stderr


def test_a_bad_setting_is_one_line_naming_it_without_its_value() -> None:
    result = run("settings", HANDOFF_PORT="abc")
    assert result.returncode == 2
    assert result.stderr.startswith("handoff: HANDOFF_PORT: Input should be a valid integer")
    assert "Traceback" not in result.stderr and "abc" not in result.stderr
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("HANDOFF_RELAY_INTERVAL_SECONDS", "inf", "Input should be a finite number"),
        ("HANDOFF_WEBHOOK_TIMEOUT_SECONDS", "nan", "Input should be a finite number"),
        (
            "HANDOFF_RELAY_INTERVAL_SECONDS",
            "90",
            "must be a whole number of seconds that divides 60",
        ),
        (
            "HANDOFF_RELAY_INTERVAL_SECONDS",
            "7",
            "must be a whole number of seconds that divides 60",
        ),
        (
            "HANDOFF_RELAY_INTERVAL_SECONDS",
            "2.5",
            "must be a whole number of seconds that divides 60",
        ),
    ],
)
def test_a_number_the_worker_cannot_use_is_a_bad_setting(name: str, value: str, says: str) -> None:
    result = run("settings", **{name: value})
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"handoff: {name}: {says}"), result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_the_relay_interval_may_be_any_whole_divisor_of_60() -> None:
    for value in ("1", "5", "15", "60", "30.0"):
        result = run("settings", HANDOFF_RELAY_INTERVAL_SECONDS=value)
        assert result.returncode == 0, (value, result.stderr)


def test_an_unreachable_database_is_one_line_without_the_password() -> None:
    result = run("migrate", HANDOFF_DATABASE_URL="postgresql://u:s3cr3t@127.0.0.1:1/db")
    assert result.returncode == 75  # EX_TEMPFAIL: worth another try (the systemd unit retries)
    assert result.stderr.startswith("handoff: cannot reach PostgreSQL: connection failed")
    assert "Traceback" not in result.stderr and "s3cr3t" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("", "HANDOFF_DATABASE_URL is not set"),  # not libpq's own default database
        ("redis://:s3cr3t@localhost:6379/0", "is not a postgresql:// URL"),
        ("not a url s3cr3t", "is not a postgresql:// URL"),
        # libpq cannot read these; its message quotes the URL, password and all
        ("postgresql://u:s3cr3t@[::1/db", "HANDOFF_DATABASE_URL is not valid"),
        ("postgresql://u:s3cr3t@127.0.0.1/db?connect_timeout=abc", "is not valid"),
    ],
)
def test_a_database_url_that_is_no_postgresql_url_is_refused_unshown(url: str, says: str) -> None:
    result = run("migrate", HANDOFF_DATABASE_URL=url)
    assert result.returncode == 2
    assert says in result.stderr
    assert "s3cr3t" not in result.stderr + result.stdout and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["serve", "--port", "70000"], {}),
        (["serve", "--workers", "0"], {}),
        (["serve", "--host", ""], {}),
        (["settings"], {"HANDOFF_LOG_LEVEL": "LOUD"}),
        (["settings"], {"HANDOFF_DEFAULT_REMINDERS": "-5"}),
        (["settings"], {"HANDOFF_DB_POOL_MIN": "30"}),
        (["settings"], {"HANDOFF_DB_POOL_MAX": "0"}),
        (["settings"], {"HANDOFF_BATCH_SIZE": "0"}),
        (["settings"], {"HANDOFF_REDIS_URL": "redis://:s3cr3t@h:badport/0"}),
        (["settings"], {"HANDOFF_REDIS_URL": "http://:s3cr3t@h"}),
        (["webhook", "verify", "whsec_x", "--body", "{}", "--tolerance", "-5"], {}),
    ],
)
def test_out_of_range_options_and_settings_are_usage_errors(args: list[str], env: dict) -> None:
    result = run(*args, **env)
    assert result.returncode == 2, (args, result.stderr)
    assert "Traceback" not in result.stderr and "s3cr3t" not in result.stderr
    if env:  # a setting: one line naming it (an option gets typer's usage box)
        assert len(result.stderr.splitlines()) == 1, result.stderr


def test_paths_that_cannot_be_read_or_written_are_one_line(tmp_path: Path) -> None:
    written = run("schema", "export", "--path", str(tmp_path))
    assert (written.returncode, written.stderr) == (1, f"handoff: Is a directory: {tmp_path}\n")
    verify = ("webhook", "verify", "--secret", "whsec_eA==", "-H", "{}")
    read = run(*verify, "--body", "@/nonexistent/body")
    assert read.returncode == 2 and "cannot read the body from '/nonexistent/body'" in read.stderr
    assert "Traceback" not in written.stderr + read.stderr


def test_an_unmigrated_database_says_to_migrate(empty_db_url: str) -> None:
    result = run("token", "create", "--workspace", "acme", HANDOFF_DATABASE_URL=empty_db_url)
    assert result.returncode == 1
    assert result.stderr == "handoff: the database is not migrated: run `handoff migrate`\n"


def test_a_worker_refuses_a_database_missing_migrations(db_url: str) -> None:
    # one migration short, as after deploying new code before `handoff migrate`
    with psycopg.connect(db_url) as conn:
        conn.execute("DELETE FROM schema_migrations WHERE version = '0011_idempotency_fingerprint'")
    result = run("worker", HANDOFF_DATABASE_URL=db_url, HANDOFF_REDIS_URL="redis://127.0.0.1:1/0")
    assert result.returncode == 1
    assert result.stderr == (
        "handoff: the database is not migrated (pending: 0011_idempotency_fingerprint): "
        "run `handoff migrate`\n"
    )


def test_settings_masks_a_password_given_in_the_query() -> None:
    url = "postgresql://rev@localhost/hrev?password=s3cr3t"
    result = run("settings", HANDOFF_DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert "s3cr3t" not in result.stdout and "password=" in result.stdout


def test_token_create_prints_the_token_once_and_it_works(db_url: str) -> None:
    from handoff.storage.tokens import TOKEN_PREFIX, hash_token

    result = run("token", "create", "--workspace", "acme", HANDOFF_DATABASE_URL=db_url)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert result.stdout == token + "\n"  # the token alone on stdout
    assert token.startswith(TOKEN_PREFIX)
    assert token not in result.stderr
    assert "cannot be shown again" in result.stderr

    again = run("token", "create", "--workspace", "acme", HANDOFF_DATABASE_URL=db_url)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() != token
    with psycopg.connect(db_url, row_factory=dict_row) as conn:
        rows = conn.execute(
            "SELECT w.name, t.token_hash FROM api_tokens t JOIN workspaces w "
            "ON w.id = t.workspace_id ORDER BY t.id"
        ).fetchall()
    assert [r["name"] for r in rows] == ["acme", "acme"]
    assert bytes(rows[0]["token_hash"]) == hash_token(token)


def test_a_refused_person_token_leaves_no_new_workspace_behind(db_url: str) -> None:
    result = run(
        "token", "create", "--workspace", "typo-ws", "--person", "ana", HANDOFF_DATABASE_URL=db_url
    )
    assert result.returncode == 2
    assert "no active person with the handle 'ana'" in result.stderr
    with psycopg.connect(db_url) as conn:
        made = conn.execute("SELECT count(*) FROM workspaces WHERE name = 'typo-ws'").fetchone()
    assert made == (0,)


def test_token_create_for_a_person_acts_as_them(db_url: str) -> None:
    from handoff.storage.tokens import hash_token

    workspace = run("token", "create", "--workspace", "acme", HANDOFF_DATABASE_URL=db_url)
    assert workspace.returncode == 0, workspace.stderr
    with psycopg.connect(db_url) as conn:
        conn.execute(
            "INSERT INTO people (workspace_id, name, handle, timezone, working_pattern, "
            "created_at, updated_at) SELECT id, 'Ana', 'ana', 'UTC', "
            """'{"timezone": "UTC", "weekly": {}}', now(), now() FROM workspaces"""
        )
    result = run(
        "token", "create", "--workspace", "acme", "--person", "ana", HANDOFF_DATABASE_URL=db_url
    )
    assert result.returncode == 0, result.stderr
    assert "person 'ana' of workspace 'acme'" in result.stderr
    with psycopg.connect(db_url) as conn:
        row = conn.execute(
            "SELECT p.handle FROM api_tokens t JOIN people p ON p.id = t.person_id "
            "WHERE t.token_hash = %s",
            (hash_token(result.stdout.strip()),),
        ).fetchone()
    assert row == ("ana",)
    nobody = run(
        "token", "create", "--workspace", "acme", "--person", "zed", HANDOFF_DATABASE_URL=db_url
    )
    assert nobody.returncode == 2
    assert "no active person with the handle 'zed'" in nobody.stderr
    assert nobody.stdout == ""
    with psycopg.connect(db_url) as conn:
        conn.execute("UPDATE people SET deactivated_at = now() WHERE handle = 'ana'")
    gone = run(
        "token", "create", "--workspace", "acme", "--person", "ana", HANDOFF_DATABASE_URL=db_url
    )
    assert gone.returncode == 2
    assert "a deactivated person gets no tokens" in gone.stderr
    assert gone.stdout == ""
    with psycopg.connect(db_url) as conn:
        count = conn.execute("SELECT count(*) FROM api_tokens WHERE person_id IS NOT NULL")
        assert count.fetchone() == (1,)  # only the one made while she was active


def test_a_new_workspace_takes_the_default_reminders_setting(db_url: str) -> None:
    result = run(
        "token",
        "create",
        "--workspace",
        "globex",
        HANDOFF_DATABASE_URL=db_url,
        HANDOFF_DEFAULT_REMINDERS="3",
    )
    assert result.returncode == 0, result.stderr
    with psycopg.connect(db_url) as conn:
        row = conn.execute(
            "SELECT reminders_before_escalation FROM workspaces WHERE name = 'globex'"
        ).fetchone()
    assert row == (3,)


def test_token_create_rejects_an_empty_workspace_name(db_url: str) -> None:
    result = run("token", "create", "--workspace", "  ", HANDOFF_DATABASE_URL=db_url)
    assert result.returncode == 2
    assert "1 to 200 characters" in result.stderr


def test_schema_export_writes_and_check_detects_drift(tmp_path: Path) -> None:
    target = tmp_path / "schema.graphql"
    runner = CliRunner()
    written = runner.invoke(app, ["schema", "export", "--path", str(target)])
    assert written.exit_code == 0, written.output
    sdl = target.read_text()
    assert "type Query" in sdl and sdl.endswith("\n")

    ok = runner.invoke(app, ["schema", "export", "--check", "--path", str(target)])
    assert ok.exit_code == 0, ok.output

    target.write_text(sdl.replace("type Query", "type Querry"))
    drift = runner.invoke(app, ["schema", "export", "--check", "--path", str(target)])
    assert drift.exit_code == 1
    assert "out of date" in drift.output
    assert "Querry" in target.read_text()  # --check never writes

    target.unlink()
    missing = runner.invoke(app, ["schema", "export", "--check", "--path", str(target)])
    assert missing.exit_code == 1


def test_the_committed_schema_matches_the_code() -> None:
    committed = Path(__file__).resolve().parents[2] / "schema" / "schema.graphql"
    result = run("schema", "export", "--check", "--path", str(committed))
    assert result.returncode == 0, (
        f"{committed} differs from the code: run `make schema` and commit it\n{result.stderr}"
    )


def test_schema_export_writes_where_it_runs(tmp_path: Path) -> None:
    (tmp_path / "schema").mkdir()
    result = subprocess.run(
        [str(HANDOFF_BIN), "schema", "export"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "type Query" in (tmp_path / "schema" / "schema.graphql").read_text()


def _command_paths() -> list[list[str]]:
    paths: list[list[str]] = []

    def walk(command: object, prefix: list[str]) -> None:
        paths.append(prefix)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*prefix, name])

    walk(get_command(app), [])
    return paths


def test_every_command_has_help() -> None:
    paths = _command_paths()
    names = {" ".join(p) for p in paths}
    for expected in (
        "dev",
        "serve",
        "worker",
        "migrate",
        "token create",
        "schema export",
        "webhook",
    ):
        assert expected in names
    runner = CliRunner()
    for path in paths:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage" in result.output


@pytest.mark.parametrize("module", ["fastapi", "uvicorn", "psycopg", "strawberry", "arq"])
def test_importing_the_cli_loads_nothing_heavy(module: str) -> None:
    code = f"import handoff.cli, sys; sys.exit({module!r} in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


def test_the_operations_docs_list_every_setting_exactly() -> None:
    from handoff.cli_settings import settings_table

    docs = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    start = docs.index("<!-- settings-table:start -->\n") + len("<!-- settings-table:start -->\n")
    end = docs.index("<!-- settings-table:end -->")
    assert docs[start:end] == settings_table(), (
        "README.md's settings table is stale: "
        "replace it with the output of `handoff settings --markdown`"
    )


@pytest.mark.parametrize("path", ["/abc", "/", "/0/1", "/-1"])
def test_a_redis_url_whose_path_is_no_database_number_is_a_bad_setting(path: str) -> None:
    result = run("settings", HANDOFF_REDIS_URL=f"redis://:s3cret@127.0.0.1:6379{path}")
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        "handoff: HANDOFF_REDIS_URL: the path of this Redis URL is not a database number "
        "(redis://host:port/0)\n"
    )
    for fine in ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379/15", "unix:///tmp/r.sock"):
        assert run("settings", HANDOFF_REDIS_URL=fine).returncode == 0, fine


@pytest.mark.parametrize("option", ["--pg-port", "--redis-port"])
def test_dev_refuses_a_port_out_of_range_before_starting_anything(
    option: str, tmp_path: Path
) -> None:
    result = run("dev", "--data-dir", str(tmp_path / "data"), option, "70000")
    assert result.returncode == 2, result.stderr
    said = " ".join(result.stderr.replace("│", " ").split())  # rich's box may wrap it
    assert f"Invalid value for '{option}': Input should be less than or equal to 65535" in said
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--workspace", "a\nb"), "--workspace: text must not contain a line break or tab"),
        (("--workspace", "a\u202eb"), "--workspace: text must not contain a bidirectional"),
        (("--workspace", "\u200b"), "--workspace must be 1 to 200 characters"),
        (
            ("--workspace", "acme", "--label", "x\x1b[2J"),
            "--label: text must not contain a control",
        ),
        (("--workspace", "acme", "--person", "a\tb"), "--person: text must not contain a line"),
    ],
)
def test_token_create_refuses_text_the_api_would(db_url: str, args: tuple, says: str) -> None:
    result = run("token", "create", *args, HANDOFF_DATABASE_URL=db_url)
    assert result.returncode == 2, result.stderr
    assert says in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stdout == ""
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM workspaces").fetchone() == (0,)


def test_settings_command_masks_passwords() -> None:
    result = run("settings", HANDOFF_DATABASE_URL="postgresql://app:s3cret@db/handoff")
    assert result.returncode == 0, result.stderr
    assert "s3cret" not in result.stdout
    assert "database_url = postgresql://app:[REDACTED]@db/handoff" in result.stdout
    tricky = run("settings", HANDOFF_REDIS_URL="redis://default:pa@ss@redis:6379/0")
    assert "pa@ss" not in tricky.stdout and "ss@redis" not in tricky.stdout
    assert "redis_url = redis://default:[REDACTED]@redis:6379/0" in tricky.stdout
    slashed = run("settings", HANDOFF_DATABASE_URL="postgresql://app:pa/ss?w@db:5432/handoff")
    assert slashed.returncode == 0, slashed.stderr
    assert "pa/" not in slashed.stdout and "ss?w" not in slashed.stdout
    assert "database_url = postgresql://app:[REDACTED]@db:5432/handoff" in slashed.stdout


def test_a_worker_metrics_port_in_use_is_one_line(db_url: str, redis_url: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(
            "worker",
            "--metrics-port",
            str(port),
            HANDOFF_DATABASE_URL=db_url,
            HANDOFF_REDIS_URL=redis_url,
        )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"handoff: cannot serve worker metrics on 127.0.0.1:{port}")
    assert "Traceback" not in result.stderr
