"""How the `handoff` command ends when something is wrong outside the command itself: a
bad setting or a server that cannot be reached is one line on stderr and a non-zero exit,
never a traceback (which could show a setting's value: a URL with its password)."""

from __future__ import annotations

import typer
import typer.main


def run_reporting_errors(app: typer.Typer) -> None:
    """Run `app`; a bad setting exits 2, an unreachable PostgreSQL or Redis exits 1, each
    with one line; anything else gets typer's own report and exits 1."""
    import pydantic

    try:
        app(standalone_mode=True)
    except pydantic.ValidationError as e:
        if e.title != "Settings":  # another model's: a bug, with typer's full report
            typer.main.except_hook(type(e), e, e.__traceback__)
            raise SystemExit(1) from None
        # the values are left out: a malformed URL may hold a password
        for error in e.errors():
            name = "HANDOFF_" + "_".join(str(part) for part in error["loc"]).upper()
            typer.echo(f"handoff: {name}: {error['msg']}", err=True)
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
        what = _unreachable(e)
        if what is None:
            typer.main.except_hook(type(e), e, e.__traceback__)
            raise SystemExit(1) from None
        typer.echo(f"handoff: cannot reach {what}: {_first_line(e)}", err=True)
        raise SystemExit(1) from None


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
