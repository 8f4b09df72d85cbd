"""`handoff webhook verify`: check one delivery by hand (mounted by handoff/cli.py)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from handoff.webhooks.signing import BadSecret, WebhookVerificationError, verify

app = typer.Typer(help="Webhook tools.", no_args_is_help=True)


def parse_headers(values: list[str]) -> dict[str, str]:
    """Headers from one JSON object, or from repeated 'name: value' strings."""
    if len(values) == 1 and values[0].lstrip().startswith("{"):
        try:
            obj = json.loads(values[0])
        except json.JSONDecodeError as exc:
            raise typer.BadParameter(f"not valid JSON: {exc}", param_hint="--headers") from None
        if not isinstance(obj, dict) or not all(isinstance(v, str) for v in obj.values()):
            raise typer.BadParameter(
                "the JSON must be an object of string values", param_hint="--headers"
            )
        return {str(k): v for k, v in obj.items()}
    headers: dict[str, str] = {}
    for value in values:
        name, sep, rest = value.partition(":")
        if not sep or not name.strip():
            raise typer.BadParameter(
                f"{value!r} is not 'name: value' (or give one JSON object)", param_hint="--headers"
            )
        headers[name.strip()] = rest.strip()
    return headers


@app.callback()
def _group() -> None:
    """Webhook tools."""


@app.command("verify")
def verify_cmd(
    secret: Annotated[
        str,
        typer.Option(
            "--secret",
            envvar="HANDOFF_WEBHOOK_SECRET",
            show_envvar=True,
            # an argument is visible to every user of the machine (ps); the variable is not
            help="the endpoint's whsec_... secret (better from the environment variable)",
        ),
    ],
    headers: Annotated[
        list[str],
        typer.Option(
            "--headers",
            "-H",
            help="a JSON object, or repeat 'name: value' (webhook-id, webhook-timestamp, webhook-signature)",
        ),
    ],
    body: Annotated[
        str, typer.Option("--body", help="the exact request body; '@file' reads a file, '-' stdin")
    ],
    tolerance: Annotated[
        int,
        typer.Option(
            min=0,
            max=10**9,
            help="seconds the timestamp may be from now; 0 checks the signature only",
        ),
    ] = 300,
) -> None:
    """Verify a delivery's signature: exit 0 when valid, 1 with the reason when not."""
    # bytes, as they came over the wire: the locale's encoding must not change them
    raw: str | bytes
    if body == "-":
        raw = sys.stdin.buffer.read()
    elif body.startswith("@"):
        try:
            raw = Path(body[1:]).read_bytes()
        except OSError as exc:
            typer.echo(f"cannot read the body from {body[1:]!r}: {exc}", err=True)
            raise typer.Exit(2) from None
    else:
        raw = body
    try:
        parsed = verify(
            secret,
            parse_headers(headers),
            raw,
            now=datetime.now(UTC),
            tolerance=timedelta(seconds=tolerance) if tolerance > 0 else None,
        )
    except BadSecret as exc:  # a bad argument, not a bad delivery
        typer.echo(f"bad --secret: {exc}", err=True)
        raise typer.Exit(2) from None
    except WebhookVerificationError as exc:
        typer.echo(f"invalid: {exc}", err=True)
        raise typer.Exit(1) from None
    except json.JSONDecodeError:
        typer.echo("invalid: the signature matches but the body is not JSON", err=True)
        raise typer.Exit(1) from None
    except UnicodeDecodeError:
        typer.echo("invalid: the body is not UTF-8", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"valid: {parsed.get('type') if isinstance(parsed, dict) else 'payload'}")
