"""Structured logs: redaction of secrets, the JSON shape, request ids on every line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from handoff.api.middleware import RequestContextMiddleware
from handoff.observability.logging import (
    bind,
    configure_logging,
    current_request_id,
    make_handler,
)
from handoff.observability.redaction import redact
from handoff.settings import Settings

SECRETS = [
    ("Authorization: Bearer hnd_q1w2e3r4t5y6u7i8o9p0", "hnd_q1w2e3r4t5y6u7i8o9p0"),
    ("headers={'authorization': 'Bearer abcdefghijkl.mnop'}", "abcdefghijkl.mnop"),
    ("[(b'authorization', b'Bearer hnd_xyzxyzxyz')]", "hnd_xyzxyzxyz"),
    ('{"Authorization": "Basic dXNlcjpwYXNzd29yZA=="}', "dXNlcjpwYXNzd29yZA=="),
    ("signing with whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw now", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
    ("token hnd_Zm9vYmFyYmF6cXV4 was used", "Zm9vYmFyYmF6cXV4"),
    ("connecting to postgresql://app:s3cr3t-pw@db:5432/handoff", "s3cr3t-pw"),
    ("redis://:r3dis-pw@redis:6379/0", "r3dis-pw"),
    ("host=db user=app password=hunter2 dbname=handoff", "hunter2"),
    ("GET /graphql?token=t0k3n-value&x=1", "t0k3n-value"),
    ("sent bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", "eyJhbGciOiJIUzI1NiJ9"),
    # a quoted libpq password with spaces, a password containing "@", PGPASSWORD
    ("host=db user=app password='correct horse battery' dbname=x", "horse battery"),
    ("redis://default:pa@ss@redis:6379/0", "ss@redis"),
    ("postgresql://app:pa/ss@db:5432/handoff", "ss@db"),
    ("postgresql://app:p/a@s?s@db/handoff", "s?s@db"),
    ("env PGPASSWORD=abc123 psql", "abc123"),
]


@pytest.mark.parametrize(("text", "secret"), SECRETS)
def test_redact_removes_the_secret(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out
    assert "[REDACTED]" in out


@pytest.mark.parametrize(
    "text",
    [
        "token created for workspace demo",
        "the bearer of bad news",
        "handoff 42 delivered to ana at 2026-11-30T11:00:00+01:00",
        "postgresql://127.0.0.1:5432/handoff",
    ],
)
def test_redact_leaves_ordinary_text_alone(text: str) -> None:
    assert redact(text) == text


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Root logging configured as in production (JSON), writing to a buffer."""
    stream = io.StringIO()
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    configure_logging(Settings(log_format="json", log_level="DEBUG"), stream=stream)
    yield stream
    for handler in list(root.handlers):
        if handler not in saved_handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(saved_level)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_json_lines_have_the_documented_shape(captured: io.StringIO) -> None:
    with bind(request_id="req-1", workspace_id=7):
        logging.getLogger("handoff.test").info("handoff %s delivered", 42, extra={"kind": "x"})
    (line,) = _lines(captured)
    assert line["level"] == "INFO"
    assert line["logger"] == "handoff.test"
    assert line["message"] == "handoff 42 delivered"
    assert line["request_id"] == "req-1"
    assert line["workspace_id"] == 7
    assert line["kind"] == "x"
    assert str(line["ts"]).endswith("+00:00")


def test_bind_restores_the_previous_context(captured: io.StringIO) -> None:
    log = logging.getLogger("handoff.test")
    with bind(request_id="outer"):
        with bind(request_id="inner", workspace_id=3):
            log.info("a")
        log.info("b")
    log.info("c")
    a, b, c = _lines(captured)
    assert (a["request_id"], a["workspace_id"]) == ("inner", 3)
    assert (b["request_id"], b["workspace_id"]) == ("outer", None)
    assert (c["request_id"], c["workspace_id"]) == (None, None)


def test_bind_rejects_unknown_fields() -> None:
    with pytest.raises(TypeError, match="unknown field"):
        bind(user="x")


def test_secrets_never_reach_the_log_sink(captured: io.StringIO) -> None:
    log = logging.getLogger("some.library")
    token = "hnd_SuperSecretToken0123456789"
    log.info("request headers %s", {"authorization": f"Bearer {token}"})
    log.warning("webhook secret whsec_c2VjcmV0c2VjcmV0 rotated", extra={"url": "redis://:pw1234@r"})
    try:
        raise RuntimeError(f"could not connect to postgresql://app:hunter2@db/x with {token}")
    except RuntimeError:
        log.exception("connect failed")
    text = captured.getvalue()
    for secret in (token, "SuperSecret", "c2VjcmV0c2VjcmV0", "pw1234", "hunter2"):
        assert secret not in text
    lines = _lines(captured)
    assert len(lines) == 3
    assert "RuntimeError" in str(lines[2]["exc_info"])


def test_text_format_is_readable_and_redacted() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    try:
        configure_logging(Settings(log_format="text", log_level="INFO"), stream=stream)
        with bind(request_id="abc123", workspace_id=9):
            logging.getLogger("handoff.dev").info("using Bearer hnd_abcdefghijklmnop")
    finally:
        for handler in list(root.handlers):
            if handler not in saved_handlers:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(saved_level)
    line = stream.getvalue().strip()
    assert "INFO" in line and "handoff.dev" in line
    assert "[req=abc123 ws=9]" in line
    assert "hnd_abcdefghijklmnop" not in line
    assert not line.startswith("{")


def test_configure_logging_is_idempotent(captured: io.StringIO) -> None:
    configure_logging(Settings(log_format="json", log_level="DEBUG"), stream=captured)
    logging.getLogger("handoff.test").info("once")
    assert len(_lines(captured)) == 1


def test_unknown_log_format_is_an_error() -> None:
    with pytest.raises(ValueError, match="log_format"):
        configure_logging(Settings(log_format="xml"))


def _app() -> Starlette:
    async def endpoint(request: Request) -> JSONResponse:
        logging.getLogger("handoff.api").info("handling")
        return JSONResponse({"request_id": current_request_id()})

    return Starlette(routes=[Route("/", endpoint)], middleware=[])


async def test_middleware_uses_or_generates_the_request_id(captured: io.StringIO) -> None:
    app = RequestContextMiddleware(_app())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        given = await client.get("/", headers={"X-Request-ID": "client-chosen-1"})
        generated = await client.get("/")
        hostile = await client.get("/", headers={"X-Request-ID": "bad id\nwith newline"})
    assert given.headers["x-request-id"] == "client-chosen-1"
    assert given.json() == {"request_id": "client-chosen-1"}
    assert len(generated.headers["x-request-id"]) == 32
    assert generated.json()["request_id"] == generated.headers["x-request-id"]
    assert hostile.headers["x-request-id"] != "bad id\nwith newline"
    lines = _lines(captured)
    handling = [line for line in lines if line["message"] == "handling"]
    assert [line["request_id"] for line in handling] == [
        "client-chosen-1",
        generated.headers["x-request-id"],
        hostile.headers["x-request-id"],
    ]
    access = [line for line in lines if line["logger"] == "handoff.access"]
    assert access[0]["message"] == "GET / 200"
    assert access[0]["request_id"] == "client-chosen-1"
    assert "duration_ms" in access[0]
    assert current_request_id() is None


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_logs_hide_cron_ticks_but_keep_jobs_and_warnings(log_format: str) -> None:
    import io
    import logging

    from handoff.observability.logging import make_handler

    lines = {}
    for ticks in (False, True):
        out = io.StringIO()
        handler = make_handler(log_format, out, ticks=ticks)
        log = logging.getLogger("arq.worker")
        for message, level in (
            ("  0.05s → cron:webhook_tick()", logging.INFO),
            ("  1.77s ← relay ● 0", logging.INFO),
            ("  0.04s → fu:1:abc:handle_follow_ups([[3, 1]])", logging.INFO),
            ("  0.05s → cron:webhook_tick() failed", logging.WARNING),
        ):
            handler.handle(log.makeRecord(log.name, level, __file__, 1, message, (), None))
        lines[ticks] = out.getvalue().splitlines()
    assert len(lines[False]) == 2
    assert "handle_follow_ups" in lines[False][0]
    assert "failed" in lines[False][1]
    # at debug level (ticks=True) every line is kept
    assert len(lines[True]) == 4


def test_debug_level_keeps_the_ticks() -> None:
    import io
    import logging

    from handoff.observability.logging import configure_logging
    from handoff.settings import Settings

    root = logging.getLogger()
    before = (root.level, list(root.handlers))
    try:
        for level, kept in (("info", 0), ("debug", 1)):
            out = io.StringIO()
            configure_logging(Settings(log_level=level, log_format="json"), out)
            logging.getLogger("arq.worker").info("  0.05s → cron:webhook_tick()")
            assert len(out.getvalue().splitlines()) == kept, level
    finally:
        for handler in list(root.handlers):
            if handler not in before[1]:
                root.removeHandler(handler)
        for handler in before[1]:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(before[0])


def test_a_websocket_handshake_line_loses_its_query_string() -> None:
    stream = io.StringIO()
    handler = make_handler("json", stream)
    record = logging.LogRecord(
        "uvicorn.error",
        logging.INFO,
        __file__,
        1,
        '%s - "WebSocket %s" [accepted]',
        ("127.0.0.1:5000", "/graphql?email=ana@example.com&key=AKIASECRETKEY123"),
        None,
    )
    handler.handle(record)
    line = json.loads(stream.getvalue())
    assert line["message"] == '127.0.0.1:5000 - "WebSocket /graphql" [accepted]'
