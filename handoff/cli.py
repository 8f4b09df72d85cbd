"""The `handoff` command: dev, serve, worker, migrate, token, schema, webhook.

Nothing heavy is imported at module level: each command imports what it needs, so
`handoff --help` is instant and importing this module has no side effects.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from fastapi import FastAPI

    from handoff.settings import Settings

app = typer.Typer(
    name="handoff",
    help="Timezone-aware async handoff scheduler: every handoff lands inside the "
    "receiver's working hours.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals would print secrets
)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
schema_app = typer.Typer(help="The GraphQL schema (SDL).", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(schema_app, name="schema")

# relative to where the command runs (a checkout's root), never inside an installed package
SCHEMA_FILE = Path("schema") / "schema.graphql"


def _settings(**overrides: object) -> Settings:
    from handoff.settings import Settings

    # options go through the settings' own checks, as HANDOFF_* values do (model_copy
    # would take `--host ""` or `--port 70000` unchecked)
    given: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**given)


def _configure_logging(settings: Settings) -> None:
    from handoff.observability.logging import configure_logging

    configure_logging(settings)


def _database_url(settings: Settings) -> str:
    url = None if settings.database_url is None else settings.database_url.get_secret_value()
    if not url or not url.strip():
        # (empty would be libpq's own default database: not what anyone meant)
        typer.echo(
            "HANDOFF_DATABASE_URL is not set (set it to a PostgreSQL URL, "
            "or use `handoff dev` for embedded servers)",
            err=True,
        )
        raise typer.Exit(2)
    url_form = url.startswith(("postgresql://", "postgres://"))
    if not url_form and ("://" in url or "=" not in url):
        # never echoed: a URL of another kind may still hold a password
        typer.echo(
            "HANDOFF_DATABASE_URL is not a postgresql:// URL (nor key=value settings)", err=True
        )
        raise typer.Exit(2)
    return url


# --- dev ------------------------------------------------------------------------------------


@app.command()
def dev(
    port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="API port (default: HANDOFF_PORT or 8000)"),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="where embedded PostgreSQL/Redis keep data (default: ./.handoff)"),
    ] = None,
    pg_port: Annotated[
        int,
        typer.Option(
            min=0, max=65535, help="embedded PostgreSQL port (0 = remembered, else 54329 or free)"
        ),
    ] = 0,
    redis_port: Annotated[
        int,
        typer.Option(
            min=0, max=65535, help="embedded Redis port (0 = remembered, else 63799 or free)"
        ),
    ] = 0,
    seed: Annotated[bool, typer.Option(help="seed the demo workspace on first run")] = True,
) -> None:
    """Run everything locally: embedded PostgreSQL + Redis, migrations, demo data, API, worker.

    With HANDOFF_DATABASE_URL / HANDOFF_REDIS_URL set, those servers are used instead
    of embedded ones. Ctrl-C stops everything; the data stays for the next run.
    """
    from handoff.devtools.dev import DevOptions, run_dev

    raise typer.Exit(
        run_dev(
            DevOptions(
                port=port, data_dir=data_dir, pg_port=pg_port, redis_port=redis_port, seed=seed
            )
        )
    )


# --- serve / worker -------------------------------------------------------------------------


def asgi_app() -> FastAPI:
    """The uvicorn factory for `handoff serve` (runs in each API worker process)."""
    import gc

    from handoff.api.app import create_app

    settings = _settings()
    _configure_logging(settings)
    application: FastAPI = create_app(settings)
    # What importing and building the app allocated (the schema, ~125k objects) lives as
    # long as the process: out of the collector's way, a full collection in a process
    # holding many subscriptions takes a fraction of the time (bench_live).
    gc.collect()
    gc.freeze()
    # Fifty requests in flight hold thousands of young objects that refcounting frees when
    # each ends: collecting every 700 new objects (the default) scanned and promoted them
    # again and again. Every 20,000 costs 7-10 % less CPU per createHandoff and inbox
    # (tests/benchmarks/README.md); requests make no reference cycles to wait for it
    # (tests/integration/api/test_request_garbage.py).
    gc.set_threshold(20_000, 20, 20)
    return application


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address (default: HANDOFF_HOST)")] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="port (default: HANDOFF_PORT)")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, max=64, help="worker processes (default: HANDOFF_WORKERS)"),
    ] = None,
    graceful_timeout: Annotated[
        int,
        typer.Option(min=0, max=3600, help="seconds in-flight requests get to finish on SIGTERM"),
    ] = 25,
) -> None:
    """Serve the GraphQL API (and /healthz, /readyz, /metrics) with uvicorn."""
    import uvicorn

    settings = _settings(host=host, port=port, workers=workers)
    _configure_logging(settings)
    _database_url(settings)
    if settings.redis_url is None:  # the app would run without its rate limits
        typer.echo("HANDOFF_REDIS_URL is not set (the API's rate limits live in Redis)", err=True)
        raise typer.Exit(2)
    uvicorn.run(
        "handoff.cli:asgi_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers if settings.workers > 1 else None,
        log_config=None,  # keep our handlers (JSON/text, redaction, request ids)
        access_log=False,  # RequestContextMiddleware logs one line per request instead
        proxy_headers=True,
        server_header=False,
        timeout_graceful_shutdown=graceful_timeout,
    )


@app.command()
def worker(
    metrics_port: Annotated[
        int,
        typer.Option(
            envvar="HANDOFF_WORKER_METRICS_PORT",
            help="serve this worker's Prometheus /metrics on this port (0 = off)",
            min=0,
            max=65535,
        ),
    ] = 0,
    metrics_host: Annotated[
        str, typer.Option(envvar="HANDOFF_WORKER_METRICS_HOST", help="bind address for metrics")
    ] = "127.0.0.1",
) -> None:
    """Run one background worker (arq): the relay and the delivery/follow-up jobs.

    SIGTERM stops it picking up jobs and lets in-flight ones finish (bounded).
    """
    settings = _settings()
    _configure_logging(settings)
    from handoff.storage.migrate import require_migrated

    require_migrated(_database_url(settings))
    if settings.redis_url is None:
        typer.echo("HANDOFF_REDIS_URL is not set", err=True)
        raise typer.Exit(2)
    if metrics_port:
        # follow-ups delivered/late, lateness, webhook attempts are counted in the worker
        from prometheus_client import start_http_server

        try:
            start_http_server(metrics_port, addr=metrics_host)
        except OSError as e:  # taken, or a host that is not this machine's
            where = f"{metrics_host}:{metrics_port}"
            typer.echo(
                f"handoff: cannot serve worker metrics on {where}: {e.strerror or e}", err=True
            )
            raise typer.Exit(2) from None
    from handoff.jobs.worker import run_worker

    run_worker(settings)


# --- settings -----------------------------------------------------------------------------------


@app.command("settings")
def show_settings(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="print the documentation table instead")
    ] = False,
) -> None:
    """Show the effective settings (from HANDOFF_* variables; secrets masked)."""
    from handoff.cli_settings import settings_lines, settings_table

    if markdown:
        typer.echo(settings_table(), nl=False)
        return
    for line in settings_lines(_settings()):
        typer.echo(line)


# --- migrate ----------------------------------------------------------------------------------


@app.command()
def migrate() -> None:
    """Apply pending database migrations (under an advisory lock; safe to run concurrently)."""
    import time

    from handoff.storage.migrate import Migration, MigrationError
    from handoff.storage.migrate import migrate as run_migrations

    settings = _settings()
    url = _database_url(settings)
    started = time.perf_counter()

    def progress(migration: Migration) -> None:
        typer.echo(f"  applying {migration.version} ...", err=True)

    try:
        applied = run_migrations(url, progress=progress)
    except MigrationError as e:
        typer.echo(f"handoff migrate: {e}", err=True)
        raise typer.Exit(1) from None
    elapsed = time.perf_counter() - started
    if applied:
        typer.echo(f"applied {len(applied)} migration(s) in {elapsed:.2f}s", err=True)
    else:
        typer.echo("database is up to date", err=True)


# --- token -------------------------------------------------------------------------------------


@token_app.command("create")
def token_create(
    workspace: Annotated[str, typer.Option(help="workspace name (created when new)")],
    label: Annotated[str, typer.Option(help="a note to recognise the token by")] = "",
    person: Annotated[
        str | None,
        typer.Option(help="handle of the person the token acts as (default: the workspace)"),
    ] = None,
) -> None:
    """Create an API token and print it (it is shown only this once).

    Without --person it acts for the workspace (integrations, administration); with
    --person it acts as that person and has their rights only.
    """
    import asyncio

    settings = _settings()
    url = _database_url(settings)
    from handoff.api.errors import check_text
    from handoff.services.errors import Invalid
    from handoff.services.text import trimmed

    name = trimmed(workspace)
    if not 1 <= len(name) <= 200:
        typer.echo("--workspace must be 1 to 200 characters", err=True)
        raise typer.Exit(2)
    # as the API checks text: no control characters; a name or handle is one line
    for option, value, kind in (
        ("--workspace", name, "name"),
        ("--person", person, "handle"),
        ("--label", label, "label"),
    ):
        try:
            check_text(value, kind)
        except Invalid as e:
            typer.echo(f"handoff: {option}: {e.message}", err=True)
            raise typer.Exit(2) from None
    token = asyncio.run(_create_token(url, name, label, settings.default_reminders, person))
    if token is None:
        typer.echo(
            f"workspace {name!r} has no active person with the handle {person!r} "
            "(a deactivated person gets no tokens)",
            err=True,
        )
        raise typer.Exit(2)
    # the token alone on stdout, so `TOKEN=$(handoff token create ...)` works
    typer.echo(token)
    whom = f"person {person!r} of workspace {name!r}" if person else f"workspace {name!r}"
    typer.echo(
        f"token for {whom}; it is stored hashed and cannot be shown again. "
        "Send it as `Authorization: Bearer <token>`.",
        err=True,
    )


async def _create_token(
    url: str, workspace: str, label: str, reminders: int, handle: str | None
) -> str | None:
    """A new token (None when `handle` names nobody active in the workspace)."""
    from datetime import UTC, datetime

    import psycopg
    from psycopg.rows import dict_row

    from handoff.storage import people, workspaces
    from handoff.storage.migrate import connect_timeout
    from handoff.storage.tokens import create_token

    now = datetime.now(UTC)
    async with await psycopg.AsyncConnection.connect(
        url, row_factory=dict_row, **connect_timeout(url)
    ) as conn:
        person_id = None
        if handle is not None:
            ws = await workspaces.ensure(conn, workspace, now, reminders)
            found = await people.by_handle(conn, ws.id, handle)
            if found is None or found.deactivated_at is not None:
                await conn.rollback()  # the workspace `ensure` made, if it did, goes too
                return None
            person_id = found.id
        token = await create_token(
            conn, workspace, now, label=label, reminders=reminders, person_id=person_id
        )
        await conn.commit()
    return token


# --- schema ------------------------------------------------------------------------------------


@schema_app.command("export")
def schema_export(
    path: Annotated[Path, typer.Option(help="where the SDL goes")] = SCHEMA_FILE,
    check: Annotated[
        bool, typer.Option("--check", help="do not write; exit 1 when the file differs")
    ] = False,
) -> None:
    """Write the GraphQL SDL to schema/schema.graphql (or check it is up to date)."""
    from handoff.api.schema import schema

    sdl = schema.as_str().rstrip("\n") + "\n"
    current = path.read_text() if path.exists() else None
    if check:
        if current != sdl:
            typer.echo(
                f"{path} is out of date with the code; run `handoff schema export` "
                "(or `make schema`) and commit it",
                err=True,
            )
            raise typer.Exit(1)
        typer.echo(f"{path} is up to date", err=True)
        return
    if current == sdl:
        typer.echo(f"{path} unchanged", err=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sdl)
    typer.echo(f"wrote {path}", err=True)


# --- webhook (sub-app from handoff.cli_webhook) -----------------------------------------------


def _mount_webhook() -> None:
    from handoff.cli_webhook import app as webhook_app

    app.add_typer(webhook_app, name="webhook")


_mount_webhook()


def main() -> None:
    """Entry point of the `handoff` console script (see `handoff.cli_errors`)."""
    from handoff.cli_errors import run_reporting_errors

    run_reporting_errors(app)


if __name__ == "__main__":  # pragma: no cover
    main()
