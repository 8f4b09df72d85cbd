"""How the `handoff` command ends when something is wrong outside the command itself: a
bad setting or a server that cannot be reached is one line on stderr and a non-zero exit,
never a traceback (which could show a setting's value: a URL with its password).

Exit statuses say whether trying again can help, so a supervisor can tell (the systemd
units retry only on 75): 2 a bad setting, 75 (`EX_TEMPFAIL`) a server that could not be
reached, 1 anything else (a refused statement, a changed migration, a bug)."""

from __future__ import annotations

import traceback
from typing import NoReturn

import typer

from handoff.observability.redaction import redact

# sysexits.h EX_TEMPFAIL: "try again later"; the only status a supervisor should retry
UNREACHABLE = 75


def run_reporting_errors(app: typer.Typer) -> None:
    """Run `app`; a bad setting exits 2, an unreachable PostgreSQL or Redis exits 75, a
    statement PostgreSQL refuses exits 1, each with one line; anything else is a bug: its
    traceback, redacted, and exit 1."""
    import psycopg
    import pydantic

    try:
        app(standalone_mode=True)
    except pydantic.ValidationError as e:
        if e.title != "Settings":  # another model's: a bug
            _report_bug(e)
        # the values are left out: a malformed URL may hold a password
        for error in e.errors():
            message = error["msg"].removeprefix("Value error, ")
            if error["loc"]:  # a check of several settings names them in its message
                name = "HANDOFF_" + "_".join(str(part) for part in error["loc"]).upper()
                message = f"{name}: {message}"
            typer.echo(f"handoff: {message}", err=True)
        raise SystemExit(2) from None
    except Exception as e:
        if isinstance(e, OSError) and e.filename is not None:  # a path given on the line
            typer.echo(f"handoff: {e.strerror or e}: {e.filename}", err=True)
            raise SystemExit(1) from None
        if _not_migrated(e):
            typer.echo("handoff: the database is not migrated: run `handoff migrate`", err=True)
            raise SystemExit(1) from None
        from handoff.storage.migrate import NotMigrated

        if isinstance(e, NotMigrated):
            typer.echo(f"handoff: {e}", err=True)
            raise SystemExit(1) from None
        if _in_conninfo(e):  # libpq could not read the URL; its message quotes it
            line = redact(_first_line(e))
            typer.echo(f"handoff: HANDOFF_DATABASE_URL is not valid: {line}", err=True)
            raise SystemExit(2) from None
        what = _unreachable(e)
        if what is None and isinstance(e, psycopg.Error):
            # the server refused a statement (rights, a constraint, disk space): its
            # message says what to do, a traceback would not
            state = getattr(e, "sqlstate", None)
            code = f" (SQLSTATE {state})" if state else ""
            line = redact(_first_line(e))
            typer.echo(f"handoff: PostgreSQL refused a statement: {line}{code}", err=True)
            raise SystemExit(1) from None
        if what is None:
            _report_bug(e)
        typer.echo(f"handoff: cannot reach {what}: {redact(_first_line(e))}", err=True)
        raise SystemExit(UNREACHABLE) from None


def _report_bug(error: Exception) -> NoReturn:
    """A bug: the whole traceback, with anything secret in it redacted; exit 1."""
    typer.echo(redact("".join(traceback.format_exception(error))), err=True, nl=False)
    raise SystemExit(1) from None


def _in_conninfo(error: Exception) -> bool:
    """Whether psycopg raised it reading a connection string (before connecting)."""
    frames = traceback.extract_tb(error.__traceback__)
    return any(f.filename.replace("\\", "/").endswith("psycopg/conninfo.py") for f in frames)


def _unreachable(error: Exception) -> str | None:
    """Which server an exception says could not be reached (None: something else)."""
    import psycopg
    import psycopg_pool
    import redis.exceptions

    if isinstance(error, psycopg.OperationalError | psycopg_pool.PoolTimeout):
        return "PostgreSQL"
    if isinstance(error, redis.exceptions.ConnectionError):
        return "Redis"
    return None


def _not_migrated(error: Exception) -> bool:
    import psycopg.errors

    return isinstance(error, psycopg.errors.UndefinedTable)


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
