"""Webhook endpoints, deliveries and attempts in PostgreSQL.

API-facing functions take the caller's workspace_id and never return another
workspace's rows; worker-facing ones are keyed by endpoint id. Secrets are carried in
`Endpoint.secret` but excluded from its repr so they never reach a log line.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from handoff.storage.models import FromRow
from handoff.storage.queries import q
from handoff.storage.run import first
from handoff.storage.run import rows as fetch_rows

OPEN_STATUSES = ("PENDING", "FAILED")
STATUSES = ("PENDING", "SUCCEEDED", "FAILED", "DEAD")


@dataclass(frozen=True)
class Endpoint(FromRow):
    id: int
    workspace_id: int
    url: str
    description: str
    event_types: list[str]
    secret: str = field(repr=False)
    enabled: bool
    disabled_at: datetime | None
    disabled_reason: str | None
    failing_since: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class EndpointRecord:
    """A `webhook.disabled` record."""

    id: int
    endpoint_id: int
    type: str
    occurred_at: datetime
    reason: str
    failing_since: datetime | None


@dataclass(frozen=True)
class Delivery(FromRow):
    id: int
    workspace_id: int
    endpoint_id: int
    event_id: int
    event_type: str
    message_id: str
    event_occurred_at: datetime
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True)
class Attempt(FromRow):
    id: int
    delivery_id: int
    number: int
    attempted_at: datetime
    outcome: str
    status_code: int | None
    latency_ms: int
    response_excerpt: str | None
    error: str | None


# -- endpoints (API) ----------------------------------------------------------------


async def insert_endpoint(
    conn: AsyncConnection,
    workspace_id: int,
    *,
    url: str,
    description: str,
    event_types: Sequence[str],
    secret: str,
    now: datetime,
) -> Endpoint:
    row = await first(
        conn,
        "webhook_endpoint_insert",
        {
            "workspace_id": workspace_id,
            "url": url,
            "description": description,
            "event_types": list(event_types),
            "secret": secret,
            "now": now,
        },
    )
    assert row is not None
    return Endpoint.from_row(row)


async def list_endpoints(conn: AsyncConnection, workspace_id: int) -> list[Endpoint]:
    rows = await fetch_rows(conn, "webhook_endpoint_list", {"workspace_id": workspace_id})
    return [Endpoint.from_row(r) for r in rows]


async def get_endpoint(
    conn: AsyncConnection, workspace_id: int, endpoint_id: int
) -> Endpoint | None:
    row = await first(
        conn, "webhook_endpoint_get", {"workspace_id": workspace_id, "id": endpoint_id}
    )
    return Endpoint.from_row(row) if row else None


async def update_endpoint(
    conn: AsyncConnection,
    workspace_id: int,
    endpoint_id: int,
    *,
    now: datetime,
    url: str | None = None,
    description: str | None = None,
    event_types: Sequence[str] | None = None,
    enabled: bool | None = None,
) -> Endpoint | None:
    row = await first(
        conn,
        "webhook_endpoint_update",
        {
            "workspace_id": workspace_id,
            "id": endpoint_id,
            "url": url,
            "description": description,
            "event_types": list(event_types) if event_types is not None else None,
            "enabled": enabled,
            "now": now,
        },
    )
    return Endpoint.from_row(row) if row else None


async def rotate_secret(
    conn: AsyncConnection, workspace_id: int, endpoint_id: int, secret: str, now: datetime
) -> Endpoint | None:
    row = await first(
        conn,
        "webhook_endpoint_rotate_secret",
        {"workspace_id": workspace_id, "id": endpoint_id, "secret": secret, "now": now},
    )
    return Endpoint.from_row(row) if row else None


async def delete_endpoint(conn: AsyncConnection, workspace_id: int, endpoint_id: int) -> bool:
    row = await first(
        conn, "webhook_endpoint_delete", {"workspace_id": workspace_id, "id": endpoint_id}
    )
    return row is not None


async def endpoint_records(
    conn: AsyncConnection, endpoint_ids: Sequence[int]
) -> dict[int, list[EndpointRecord]]:
    rows = await fetch_rows(conn, "webhook_endpoint_records", {"endpoint_ids": list(endpoint_ids)})
    out: dict[int, list[EndpointRecord]] = {i: [] for i in endpoint_ids}
    for r in rows:
        out.setdefault(r["endpoint_id"], []).append(
            EndpointRecord(
                id=r["id"],
                endpoint_id=r["endpoint_id"],
                type=r["type"],
                occurred_at=r["occurred_at"],
                reason=r["reason"],
                failing_since=r["failing_since"],
            )
        )
    return out


async def insert_ping(
    conn: AsyncConnection, workspace_id: int, endpoint_id: int, data: dict[str, Any], now: datetime
) -> int:
    """A `ping` event (already dispatched) and its one delivery; returns the delivery id."""
    row = await first(
        conn,
        "webhook_ping_insert",
        {
            "workspace_id": workspace_id,
            "endpoint_id": endpoint_id,
            "payload": Jsonb(data),
            "now": now,
            "public_id": f"msg_{uuid.uuid4().hex}",
        },
    )
    assert row is not None
    return int(row["id"])


# -- deliveries (API) ---------------------------------------------------------------


async def list_deliveries(
    conn: AsyncConnection,
    workspace_id: int,
    endpoint_id: int,
    *,
    status: str | None,
    before: int | None,
    limit: int,
) -> list[Delivery]:
    rows = await fetch_rows(
        conn,
        "webhook_delivery_list",
        {
            "workspace_id": workspace_id,
            "endpoint_id": endpoint_id,
            "status": status,
            "before": before,
            "limit": limit,
        },
    )
    return [Delivery.from_row(r) for r in rows]


async def get_delivery(
    conn: AsyncConnection, workspace_id: int, delivery_id: int
) -> Delivery | None:
    row = await first(
        conn, "webhook_delivery_get", {"workspace_id": workspace_id, "id": delivery_id}
    )
    return Delivery.from_row(row) if row else None


async def redeliver(
    conn: AsyncConnection, workspace_id: int, delivery_id: int, now: datetime
) -> bool:
    row = await first(
        conn,
        "webhook_delivery_redeliver",
        {"workspace_id": workspace_id, "id": delivery_id, "now": now},
    )
    return row is not None


async def attempts_for(
    conn: AsyncConnection, delivery_ids: Sequence[int]
) -> dict[int, list[Attempt]]:
    rows = await fetch_rows(conn, "webhook_attempts_for", {"delivery_ids": list(delivery_ids)})
    out: dict[int, list[Attempt]] = {i: [] for i in delivery_ids}
    for r in rows:
        out.setdefault(r["delivery_id"], []).append(Attempt.from_row(r))
    return out


# -- worker -------------------------------------------------------------------------


@dataclass(frozen=True)
class DispatchResult:
    events: int
    deliveries: int
    endpoint_ids: list[int]


async def dispatch_events(conn: AsyncConnection, now: datetime, limit: int) -> DispatchResult:
    """Fan out one batch of undispatched events (call inside a transaction)."""
    row = await first(conn, "webhook_dispatch", {"now": now, "limit": limit})
    assert row is not None
    return DispatchResult(int(row["events"]), int(row["deliveries"]), list(row["endpoint_ids"]))


async def due_endpoints(conn: AsyncConnection, now: datetime, limit: int = 1000) -> list[int]:
    rows = await fetch_rows(conn, "webhook_due_endpoints", {"now": now, "limit": limit})
    return [int(r["id"]) for r in rows]


@dataclass(frozen=True)
class DueDelivery:
    id: int
    event_id: int
    attempts: int
    cycle_attempts: int
    type: str
    payload: dict[str, Any]
    occurred_at: datetime
    public_id: str


async def sender_endpoint(conn: AsyncConnection, endpoint_id: int) -> dict[str, Any] | None:
    return await first(conn, "webhook_sender_endpoint", {"id": endpoint_id})


async def due_batch(
    conn: AsyncConnection, endpoint_id: int, now: datetime, limit: int
) -> list[DueDelivery]:
    rows = await fetch_rows(
        conn, "webhook_due_batch", {"endpoint_id": endpoint_id, "now": now, "limit": limit}
    )
    return [DueDelivery(**r) for r in rows]


@dataclass(frozen=True)
class AttemptRecord:
    delivery_id: int
    status: str
    next_attempt_at: datetime | None
    attempted_at: datetime
    outcome: str
    status_code: int | None
    latency_ms: int
    response_excerpt: str | None
    error: str | None


async def record_attempts(conn: AsyncConnection, records: Sequence[AttemptRecord]) -> None:
    if not records:
        return
    await conn.execute(
        q("webhook_record_attempts"),
        {
            "ids": [r.delivery_id for r in records],
            "statuses": [r.status for r in records],
            "next_at": [r.next_attempt_at for r in records],
            "at": [r.attempted_at for r in records],
            "outcomes": [r.outcome for r in records],
            "codes": [r.status_code for r in records],
            "latencies": [r.latency_ms for r in records],
            "excerpts": [r.response_excerpt for r in records],
            "errors": [r.error for r in records],
        },
    )


async def update_health(
    conn: AsyncConnection, endpoint_id: int, *, succeeded: bool, failed_at: datetime | None
) -> datetime | None:
    """Track `failing_since`; returns its new value (None = healthy)."""
    row = await first(
        conn,
        "webhook_endpoint_health",
        {"endpoint_id": endpoint_id, "succeeded": succeeded, "failed_at": failed_at},
    )
    return row["failing_since"] if row else None


async def auto_disable(conn: AsyncConnection, endpoint_id: int, now: datetime, reason: str) -> bool:
    row = await first(
        conn,
        "webhook_endpoint_auto_disable",
        {"endpoint_id": endpoint_id, "now": now, "reason": reason},
    )
    return row is not None
