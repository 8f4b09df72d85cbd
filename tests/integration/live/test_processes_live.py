"""Two real `handoff serve` processes on one database: a subscriber on one sees what was
caused through the other (LISTEN/NOTIFY, no broker); SIGTERM closes a process's
WebSockets with 1001 (going away) and ends its SSE streams before it exits."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
from psycopg.rows import dict_row

from handoff.clock import SystemClock
from handoff.storage.tokens import create_token
from tests.integration.api._helpers import CREATE_HANDOFF, CREATE_PERSON
from tests.integration.live._live import free_port, sse_client, until, ws_client
from tests.integration.live.test_websocket import EVENTS

REPO = Path(__file__).resolve().parents[3]


@contextmanager
def api_process(
    db_url: str, redis_url: str, log: Path, **settings: str
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """`handoff serve` on a free port, with the product's defaults (and `settings`)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDOFF_")}
    env.update(HANDOFF_DATABASE_URL=db_url, HANDOFF_REDIS_URL=redis_url, HANDOFF_LOG_FORMAT="json")
    env.update(settings)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "handoff.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=out,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the API did not start"
            time.sleep(0.1)
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


async def _workspace_token(db_url: str) -> str:
    async with await psycopg.AsyncConnection.connect(db_url, row_factory=dict_row) as conn:
        token = await create_token(conn, "acme", SystemClock().now())
        await conn.commit()
        return token


async def _subscribed(port: int, n: int) -> None:
    async def check() -> bool:
        async with httpx.AsyncClient() as http:
            text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
        found = re.search(r'^handoff_live_subscriptions\{field="events"\} (\S+)$', text, re.M)
        return found is not None and float(found.group(1)) >= n

    await until(check, f"{n} subscriptions on :{port}")


async def test_a_subscriber_on_one_process_sees_what_the_other_caused(
    db_url: str, redis_url: str, tmp_path: Path
) -> None:
    token = await _workspace_token(db_url)
    auth = {"Authorization": f"Bearer {token}"}
    with (
        api_process(db_url, redis_url, tmp_path / "a.log") as (proc_a, port_a),
        api_process(db_url, redis_url, tmp_path / "b.log") as (_, port_b),
    ):
        ws_url = f"ws://127.0.0.1:{port_a}/graphql"
        async with (
            ws_client(ws_url, token) as ws,
            sse_client(f"http://127.0.0.1:{port_a}", EVENTS, {}, token) as sse,
        ):
            await ws.subscribe("e", EVENTS, {"types": ["handoff.created"]})
            await _subscribed(port_a, 2)

            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port_b}", headers=auth) as b:
                people = []
                for name, zone in (("Ana", "Europe/Amsterdam"), ("Sam", "Australia/Sydney")):
                    body = {
                        "query": CREATE_PERSON,
                        "variables": {
                            "input": {"name": name, "handle": name.lower(), "timezone": zone}
                        },
                    }
                    made = (await b.post("/graphql", json=body)).json()
                    people.append(made["data"]["createPerson"]["person"]["id"])
                body = {
                    "query": CREATE_HANDOFF,
                    "variables": {
                        "input": {
                            "senderId": people[1],
                            "toPersonId": people[0],
                            "newWorkItem": {"title": "Across processes"},
                            "note": {"summary": "Hi"},
                        }
                    },
                }
                t0 = time.monotonic()
                created = (await b.post("/graphql", json=body)).json()
                handoff_id = created["data"]["createHandoff"]["handoff"]["id"]

            event = (await ws.data("e"))["events"]
            took = time.monotonic() - t0
            assert event["type"] == "handoff.created"
            assert event["data"]["handoff"]["id"] == handoff_id
            # woken by NOTIFY and dispatched by the API processes themselves (no worker runs)
            assert took < 2.0, took
            assert (await sse.data())["events"]["data"]["handoff"]["id"] == handoff_id

            # SIGTERM: the WebSocket is told "going away", the SSE stream ends, the process exits
            proc_a.send_signal(signal.SIGTERM)
            closed = await ws.closed(10)
            assert (closed.code, closed.reason) == (1001, "server going away")
            lines = [line async for line in sse.lines]
            assert "event: complete" not in lines  # not completed: the client should reconnect
            # uvicorn re-raises the SIGTERM it caught once its graceful shutdown is done
            assert proc_a.wait(20) in (0, -signal.SIGTERM)
        log = (tmp_path / "a.log").read_text()
        assert "Traceback" not in log, log


async def test_debug_logs_show_no_websocket_frames(
    db_url: str, redis_url: str, tmp_path: Path
) -> None:
    token = await _workspace_token(db_url)
    log = tmp_path / "debug.log"
    with api_process(db_url, redis_url, log, HANDOFF_LOG_LEVEL="DEBUG") as (_, port):
        async with ws_client(f"ws://127.0.0.1:{port}/graphql", token) as ws:
            await ws.subscribe("e", EVENTS, {"types": ["handoff.created"]})
            await _subscribed(port, 1)
    written = log.read_text()
    assert '"level": "DEBUG"' in written or '"DEBUG"' in written  # it did log at DEBUG
    # no frame, whole or shortened: not the token's end, not the init message
    assert token[-12:] not in written
    assert "connection_init" not in written
