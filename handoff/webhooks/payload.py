"""The JSON body of a webhook: `{"type", "timestamp", "sequence", "data"}` (Standard Webhooks).

`sequence` is the delivery's position in its endpoint's order (1, 2, 3, ... without
gaps), the same number as the `webhook-sequence` header; it is part of the signed body.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

EVENT_TYPES: tuple[str, ...] = (
    "handoff.created",
    "handoff.delivered",
    "handoff.acknowledged",
    "handoff.reminded",
    "handoff.escalated",
    "handoff.completed",
    "handoff.returned",
    "handoff.cancelled",
    "handoff.reassigned",
    "handoff.urgent_delivered",
    "handoff.urgency_declined",
    "handoff.replied",
    "digest.delivered",
    "person.availability_changed",
    "person.travel_changed",
    "person.updated",
    "delegation.started",
    "delegation.ended",
    "person.deactivated",
    "person.erased",
)
PING = "ping"


def iso(instant: datetime) -> str:
    """RFC 3339 in UTC with a `Z`, millisecond precision."""
    if instant.tzinfo is None:
        raise ValueError("webhook timestamps must be timezone-aware")
    return instant.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build_body(
    type_: str, occurred_at: datetime, data: dict[str, Any], sequence: int | None = None
) -> str:
    """The exact body that is signed and sent; identical on every attempt of one delivery."""
    head: dict[str, Any] = {"type": type_, "timestamp": iso(occurred_at)}
    if sequence is not None:
        head["sequence"] = sequence
    return json.dumps(
        {**head, "data": data},
        separators=(",", ":"),
        ensure_ascii=False,
        sort_keys=False,
    )


def ping_data(endpoint_global_id: str) -> dict[str, Any]:
    """`data` of a `ping` sent by testWebhookEndpoint."""
    return {"endpointId": endpoint_global_id, "message": "ping from handoff"}
