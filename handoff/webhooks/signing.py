"""Standard Webhooks signing and verification, through the `standardwebhooks` package.

Secrets look like `whsec_<base64 of 32 random bytes>`. They are never logged: nothing
here formats a secret into a message or an exception.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import math
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
DEFAULT_TOLERANCE = timedelta(minutes=5)

__all__ = [
    "SECRET_PREFIX",
    "BadSecret",
    "WebhookVerificationError",
    "generate_secret",
    "sign",
    "signed_headers",
    "verify",
]


class BadSecret(ValueError):
    """A secret that is not `whsec_<base64>`; the message never contains the secret."""


def generate_secret() -> str:
    """A new random `whsec_...` secret."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


@functools.lru_cache(maxsize=256)
def _webhook(secret: str) -> Webhook:
    """The signer for `secret` (cached: a sender signs many messages with one secret)."""
    if not secret.startswith(SECRET_PREFIX):
        raise BadSecret("the secret must start with 'whsec_'")
    try:
        raw = base64.b64decode(secret[len(SECRET_PREFIX) :] + "==", validate=False)
    except (binascii.Error, ValueError):
        raise BadSecret("the secret after 'whsec_' is not valid base64") from None
    if not raw:
        raise BadSecret("the secret is empty")
    return Webhook(secret)


def sign(secret: str, msg_id: str, timestamp: datetime, body: str) -> str:
    """`v1,<base64 HMAC-SHA256 of "{msg_id}.{timestamp}.{body}">` for a UTC-aware instant."""
    if timestamp.tzinfo is None:
        raise ValueError("the signing timestamp must be timezone-aware")
    # standardwebhooks replaces tzinfo with UTC rather than converting: hand it UTC.
    return _webhook(secret).sign(msg_id, timestamp.astimezone(UTC), body)


def signed_headers(
    secret: str | Sequence[str], msg_id: str, timestamp: datetime, body: str
) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt; with several secrets (a
    rotation's overlap) one signature each, space-separated, as the standard allows."""
    keys = (secret,) if isinstance(secret, str) else secret
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(math.floor(timestamp.timestamp())),
        "webhook-signature": " ".join(sign(k, msg_id, timestamp, body) for k in keys),
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: str | bytes,
    *,
    now: datetime,
    tolerance: timedelta | None = DEFAULT_TOLERANCE,
) -> Any:
    """Verify one delivery; returns the parsed JSON body or raises WebhookVerificationError.

    `tolerance=None` checks only the signature (useful for an old delivery from the log).
    """
    wh = _webhook(secret)
    lowered = {k.lower(): v for k, v in headers.items()}
    text = body.decode() if isinstance(body, bytes) else body
    msg_id = lowered.get("webhook-id")
    ts_header = lowered.get("webhook-timestamp")
    sig_header = lowered.get("webhook-signature")
    missing = [
        name
        for name, value in (
            ("webhook-id", msg_id),
            ("webhook-timestamp", ts_header),
            ("webhook-signature", sig_header),
        )
        if not value
    ]
    if missing:
        raise WebhookVerificationError(f"missing header(s): {', '.join(missing)}")
    assert msg_id and ts_header and sig_header
    try:
        ts = datetime.fromtimestamp(int(ts_header), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise WebhookVerificationError(
            f"webhook-timestamp {ts_header!r} is not integer Unix seconds"
        ) from None
    if tolerance is not None:
        if ts < now - tolerance:
            raise WebhookVerificationError(
                f"message timestamp {ts.isoformat()} is too old (tolerance {tolerance})"
            )
        if ts > now + tolerance:
            raise WebhookVerificationError(
                f"message timestamp {ts.isoformat()} is too new (tolerance {tolerance})"
            )
    expected = wh.sign(msg_id, ts, text)
    candidates = sig_header.split(" ")
    for candidate in candidates:
        version, _, _sig = candidate.partition(",")
        if version == "v1" and secrets.compare_digest(candidate.encode(), expected.encode()):
            return json.loads(text)
    raise WebhookVerificationError(
        "no matching v1 signature (wrong secret, or body/id/timestamp changed)"
    )
