"""Signatures checked independently (hmac/hashlib) and with the reference library."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook

from handoff.webhooks.payload import build_body
from handoff.webhooks.signing import (
    BadSecret,
    WebhookVerificationError,
    generate_secret,
    sign,
    signed_headers,
    verify,
)

NOW = datetime.now(UTC).replace(microsecond=0)


def independent(secret: str, msg_id: str, ts: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{ts}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def test_secret_shape() -> None:
    secret = generate_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret[6:])) == 32
    assert generate_secret() != secret


def test_signature_matches_the_standard_algorithm() -> None:
    # the reference library checks the timestamp against the real clock (5 min tolerance):
    # read it here, not at import, which may be minutes before this test runs
    now = datetime.now(UTC).replace(microsecond=0)
    secret = generate_secret()
    body = build_body("handoff.created", now, {"handoffId": "x", "note": "ünïcode"})
    headers = signed_headers(secret, "msg_abc", now, body)
    assert headers["webhook-id"] == "msg_abc"
    assert headers["webhook-timestamp"] == str(int(now.timestamp()))
    assert headers["webhook-signature"] == independent(
        secret, "msg_abc", int(now.timestamp()), body
    )
    # the reference library verifies it too
    assert Webhook(secret).verify(body, headers) == json.loads(body)


def test_non_utc_timestamps_are_converted_not_relabelled() -> None:
    secret = generate_secret()
    local = NOW.astimezone(__import__("zoneinfo").ZoneInfo("Australia/Sydney"))
    assert sign(secret, "msg_1", local, "{}") == sign(secret, "msg_1", NOW, "{}")


def test_verify_accepts_valid_and_explains_invalid() -> None:
    secret = generate_secret()
    body = build_body("ping", NOW, {})
    headers = signed_headers(secret, "msg_1", NOW, body)
    assert verify(secret, headers, body, now=NOW) == json.loads(body)
    with pytest.raises(WebhookVerificationError, match="no matching v1 signature"):
        verify(secret, headers, body + " ", now=NOW)
    with pytest.raises(WebhookVerificationError, match="no matching v1 signature"):
        verify(generate_secret(), headers, body, now=NOW)
    with pytest.raises(WebhookVerificationError, match="too old"):
        verify(secret, headers, body, now=NOW + timedelta(minutes=6))
    # an old logged delivery can be checked without the timestamp tolerance
    assert verify(secret, headers, body, now=NOW + timedelta(days=9), tolerance=None)
    with pytest.raises(WebhookVerificationError, match="missing header"):
        verify(secret, {"webhook-id": "msg_1"}, body, now=NOW)


def test_bad_secret_messages_never_echo_the_secret() -> None:
    with pytest.raises(BadSecret) as info:
        sign("nope-supersecretvalue", "msg", NOW, "{}")
    assert "supersecretvalue" not in str(info.value)


def test_body_shape() -> None:
    body = json.loads(build_body("handoff.delivered", NOW, {"a": 1}))
    assert body == {"type": "handoff.delivered", "timestamp": body["timestamp"], "data": {"a": 1}}
    assert body["timestamp"].endswith("Z")
    with pytest.raises(ValueError, match="timezone-aware"):
        build_body("x", datetime(2026, 1, 1), {})


def test_cli_verify() -> None:
    from typer.testing import CliRunner

    from handoff.cli_webhook import app

    runner = CliRunner()
    secret = generate_secret()
    body = build_body("handoff.created", NOW, {"x": 1})
    headers = signed_headers(secret, "msg_cli", datetime.now(UTC), body)

    ok = runner.invoke(
        app, ["verify", "--secret", secret, "--headers", json.dumps(headers), "--body", body]
    )
    assert ok.exit_code == 0, ok.output
    assert "valid: handoff.created" in ok.output

    repeated = [arg for k, v in headers.items() for arg in ("-H", f"{k}: {v}")]
    ok = runner.invoke(app, ["verify", "--secret", secret, *repeated, "--body", body])
    assert ok.exit_code == 0, ok.output

    bad = runner.invoke(app, ["verify", "--secret", secret, *repeated, "--body", body + "x"])
    assert bad.exit_code == 1
    assert "no matching v1 signature" in bad.output

    wrong = runner.invoke(app, ["verify", "--secret", "nope", *repeated, "--body", body])
    assert wrong.exit_code == 2 and "whsec_" in wrong.output  # a bad argument (README: 2)

    malformed = runner.invoke(app, ["verify", "--secret", secret, "-H", "garbage", "--body", body])
    assert malformed.exit_code == 2 and "--headers" in malformed.output

    # the secret from the environment, where `ps` does not show it
    from_env = runner.invoke(
        app, ["verify", *repeated, "--body", body], env={"HANDOFF_WEBHOOK_SECRET": secret}
    )
    assert from_env.exit_code == 0, from_env.output
    missing = runner.invoke(
        app, ["verify", *repeated, "--body", body], env={"HANDOFF_WEBHOOK_SECRET": None}
    )
    assert missing.exit_code == 2 and "--secret" in missing.output


def test_cli_verify_reads_the_body_as_bytes_whatever_the_locale(tmp_path) -> None:
    import os
    import subprocess
    import sys

    secret = generate_secret()
    body = build_body("handoff.created", NOW, {"summary": "Übergabe 🚀 – ok"})
    headers = signed_headers(secret, "msg_utf8", datetime.now(UTC), body)
    saved = tmp_path / "body.json"
    saved.write_bytes(body.encode())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHON"))}
    env.update(LC_ALL="C", PYTHONUTF8="0", HANDOFF_WEBHOOK_SECRET=secret)
    command = [sys.executable, "-m", "handoff.cli", "webhook", "verify", "-H", json.dumps(headers)]
    for source, stdin in ((f"@{saved}", None), ("-", body.encode())):
        done = subprocess.run(
            [*command, "--body", source], input=stdin, env=env, capture_output=True, timeout=60
        )
        assert done.returncode == 0, (source, done.stderr)
        assert b"valid: handoff.created" in done.stdout
    saved.write_bytes(b"\xff\xfe not UTF-8")
    broken = subprocess.run(
        [*command, "--body", f"@{saved}"], env=env, capture_output=True, timeout=60
    )
    assert broken.returncode == 1, broken.stderr
