"""Webhook endpoints, deliveries and attempts in PostgreSQL.

API-facing functions take the caller's workspace id and never return another
workspace's rows; the worker's are keyed by endpoint id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from handoff.states import EndpointHealth, WebhookDeliveryStatus
from handoff.storage.events import new_message_id
from handoff.storage.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEndpointRecord,
)
from handoff.storage.queries import Queries
from handoff.storage.run import Conn, Ids, execute, many, one, rows, scalar

Q = Queries("webhooks")
# pg_try_advisory_lock(namespace, endpoint id): one sender per endpoint at a time.
LOCK_NAMESPACE = 0x57484B  # "WHK"
# pg_advisory_xact_lock(namespace, 0): one dispatcher at a time.
DISPATCH_NAMESPACE = 0x574844  # "WHD"


# -- endpoints (API) ----------------------------------------------------------------


async def insert_endpoint(
    conn: Conn,
    ws: int,
    *,
    url: str,
    description: str,
    event_types: Sequence[str],
    secret: str,
    now: datetime,
) -> WebhookEndpoint:
    """A new enabled endpoint."""
    params = {
        "workspace_id": ws,
        "url": url,
        "description": description,
        "event_types": list(event_types),
        "secret": secret,
        "now": now,
    }
    endpoint = await one(conn, Q.endpoint_insert, params, WebhookEndpoint.from_row)
    assert endpoint is not None
    return endpoint


async def list_endpoints(conn: Conn, ws: int) -> list[WebhookEndpoint]:
    """The workspace's endpoints, oldest first."""
    return await many(conn, Q.endpoint_list, {"workspace_id": ws}, WebhookEndpoint.from_row)


async def get_endpoint(conn: Conn, ws: int, endpoint_id: int) -> WebhookEndpoint | None:
    """The endpoint, or None outside the workspace."""
    params = {"workspace_id": ws, "id": endpoint_id}
    return await one(conn, Q.endpoint_get, params, WebhookEndpoint.from_row)


async def update_endpoint(
    conn: Conn,
    ws: int,
    endpoint_id: int,
    *,
    now: datetime,
    url: str | None = None,
    description: str | None = None,
    event_types: Sequence[str] | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint | None:
    """Change an endpoint (None keeps a field); `enabled` switches it on or off."""
    params = {
        "workspace_id": ws,
        "id": endpoint_id,
        "url": url,
        "description": description,
        "event_types": list(event_types) if event_types is not None else None,
        "enabled": enabled,
        "now": now,
    }
    return await one(conn, Q.endpoint_update, params, WebhookEndpoint.from_row)


async def rotate_secret(
    conn: Conn,
    ws: int,
    endpoint_id: int,
    secret: str,
    now: datetime,
    keep_until: datetime | None = None,
) -> WebhookEndpoint | None:
    """Replace the signing secret; the one it replaces signs too until `keep_until`."""
    params = {
        "workspace_id": ws,
        "id": endpoint_id,
        "secret": secret,
        "now": now,
        "keep_until": keep_until,
    }
    return await one(conn, Q.endpoint_rotate_secret, params, WebhookEndpoint.from_row)


async def delete_endpoint(conn: Conn, ws: int, endpoint_id: int) -> bool:
    """Delete an endpoint with its delivery log; False when there was none."""
    found = await scalar(conn, Q.endpoint_delete, {"workspace_id": ws, "id": endpoint_id})
    return found is not None


async def endpoint_records(
    conn: Conn, endpoint_ids: Sequence[int]
) -> dict[int, list[WebhookEndpointRecord]]:
    """`webhook.disabled` records of each endpoint, oldest first."""
    out: dict[int, list[WebhookEndpointRecord]] = defaultdict(list)
    params = {"endpoint_ids": Ids(endpoint_ids)}
    for r in await many(conn, Q.endpoint_records, params, WebhookEndpointRecord.from_row):
        out[r.endpoint_id].append(r)
    return out


async def insert_ping(
    conn: Conn, ws: int, endpoint_id: int, data: dict[str, Any], now: datetime
) -> int:
    """A `ping` event (already dispatched) and its one delivery; returns the delivery id.

    Call inside a transaction, after `lock_dispatch` and a dispatch of whatever was
    waiting, so the ping comes after every event that committed before it.
    """
    params = {
        "workspace_id": ws,
        "endpoint_id": endpoint_id,
        "payload": Jsonb(data),
        "now": now,
        "public_id": new_message_id(),
    }
    return int(await scalar(conn, Q.ping_insert, params))


# -- deliveries (API) ---------------------------------------------------------------


async def list_deliveries(
    conn: Conn,
    ws: int,
    endpoint_id: int,
    *,
    status: WebhookDeliveryStatus | None,
    before: int | None,
    limit: int,
) -> list[WebhookDelivery]:
    """An endpoint's deliveries, newest first, before delivery id `before`."""
    params = {
        "workspace_id": ws,
        "endpoint_id": endpoint_id,
        "status": status,
        "before": before,
        "limit": limit,
    }
    return await many(conn, Q.delivery_list, params, WebhookDelivery.from_row)


async def get_delivery(conn: Conn, ws: int, delivery_id: int) -> WebhookDelivery | None:
    """The delivery, or None outside the workspace."""
    params = {"workspace_id": ws, "id": delivery_id}
    return await one(conn, Q.delivery_get, params, WebhookDelivery.from_row)


async def redeliver(conn: Conn, ws: int, delivery_id: int, now: datetime) -> bool:
    """Start a new retry cycle now (same message id)."""
    params = {"workspace_id": ws, "id": delivery_id, "now": now}
    return await scalar(conn, Q.delivery_redeliver, params) is not None


async def attempts_for(conn: Conn, delivery_ids: Sequence[int]) -> dict[int, list[WebhookAttempt]]:
    """Every attempt of each delivery, in order."""
    out: dict[int, list[WebhookAttempt]] = defaultdict(list)
    params = {"delivery_ids": Ids(delivery_ids)}
    for a in await many(conn, Q.attempts_for, params, WebhookAttempt.from_row):
        out[a.delivery_id].append(a)
    return out


# -- worker ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DispatchResult:
    """What one fan-out pass did."""

    events: int
    deliveries: int
    endpoint_ids: list[int]


async def lock_dispatch(conn: Conn, *, wait: bool = True) -> bool:
    """Take the dispatch lock until the transaction ends; False if busy and not `wait`."""
    params = {"namespace": DISPATCH_NAMESPACE}
    if wait:
        await execute(conn, Q.dispatch_lock, params)
        return True
    return bool(await scalar(conn, Q.dispatch_try_lock, params))


async def dispatch_events(conn: Conn, now: datetime, limit: int) -> DispatchResult:
    """Fan out one batch of undispatched events (in a transaction, under `lock_dispatch`)."""
    row = (await rows(conn, Q.dispatch, {"now": now, "limit": limit}))[0]
    return DispatchResult(int(row["events"]), int(row["deliveries"]), list(row["endpoint_ids"]))


@dataclass(frozen=True)
class SenderLease:
    """An endpoint leased to one sender run; `takeover` when an older lease ran out."""

    endpoint_id: int
    token: str
    takeover: bool


async def claim_senders(
    conn: Conn, now: datetime, until: datetime, token: str, limit: int = 1000
) -> list[SenderLease]:
    """Lease every endpoint with due work and no live sender, until `until`."""
    params = {"now": now, "until": until, "token": token, "limit": limit}
    return [
        SenderLease(int(r["id"]), r["sender_token"], bool(r["takeover"]))
        for r in await rows(conn, Q.claim_senders, params)
    ]


async def renew_sender(conn: Conn, endpoint_id: int, token: str, until: datetime) -> bool:
    """Extend the lease; False when it is no longer this sender's."""
    params = {"endpoint_id": endpoint_id, "token": token, "until": until}
    return await scalar(conn, Q.sender_renew, params) is not None


async def release_sender(conn: Conn, endpoint_id: int, token: str) -> None:
    """Give the lease back (no-op when it was taken over)."""
    await execute(conn, Q.sender_release, {"endpoint_id": endpoint_id, "token": token})


async def try_lock_endpoint(conn: Conn, endpoint_id: int) -> bool:
    """Take the endpoint's session advisory lock if nobody holds it."""
    params = {"namespace": LOCK_NAMESPACE, "endpoint_id": endpoint_id}
    return bool(await scalar(conn, Q.try_lock_endpoint, params))


async def unlock_endpoint(conn: Conn, endpoint_id: int) -> None:
    """Release the endpoint's session advisory lock."""
    await execute(
        conn, Q.unlock_endpoint, {"namespace": LOCK_NAMESPACE, "endpoint_id": endpoint_id}
    )


@dataclass(frozen=True)
class SenderEndpoint:
    """What a sender needs of its endpoint; the secret stays out of the repr."""

    id: int
    workspace_id: int
    url: str
    secret: str
    previous_secret: str | None
    previous_secret_until: datetime | None
    enabled: bool
    health: EndpointHealth
    probe_at: datetime | None
    probe_failures: int
    failing_since: datetime | None
    updated_at: datetime

    def secrets(self, now: datetime) -> tuple[str, ...]:
        """The secrets a delivery is signed with at `now`: the current one, and the one it
        replaced while their overlap lasts."""
        until = self.previous_secret_until
        if self.previous_secret is not None and until is not None and now < until:
            return (self.secret, self.previous_secret)
        return (self.secret,)

    def __repr__(self) -> str:
        return (
            f"SenderEndpoint(id={self.id}, url={self.url!r}, enabled={self.enabled},"
            f" health={self.health})"
        )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> SenderEndpoint:
        return cls(**{**row, "health": EndpointHealth(row["health"])})


async def sender_endpoint(conn: Conn, endpoint_id: int) -> SenderEndpoint | None:
    """The endpoint as its sender reads it."""
    return await one(conn, Q.sender_endpoint, {"id": endpoint_id}, SenderEndpoint.from_row)


@dataclass(frozen=True)
class DueDelivery:
    """An open delivery with its event, ready to send."""

    id: int
    event_id: int
    sequence: int
    attempts: int
    cycle_attempts: int
    type: str
    payload: dict[str, Any]
    occurred_at: datetime
    public_id: str


async def open_head(conn: Conn, endpoint_id: int, limit: int) -> list[DueDelivery]:
    """The first `limit` open deliveries of one endpoint, in sequence order."""
    params = {"endpoint_id": endpoint_id, "limit": limit}
    return await many(conn, Q.open_head, params, lambda r: DueDelivery(**r))


@dataclass(frozen=True)
class AttemptRecord:
    """The outcome of one attempt, to record with its delivery's new state."""

    delivery_id: int
    status: WebhookDeliveryStatus
    next_attempt_at: datetime | None
    attempted_at: datetime
    outcome: str
    status_code: int | None
    latency_ms: int
    response_excerpt: str | None
    error: str | None


async def record_attempts(conn: Conn, records: Sequence[AttemptRecord]) -> None:
    """Update each delivery and append its attempt row, in one statement."""
    if not records:
        return
    params = {
        "ids": [r.delivery_id for r in records],
        "statuses": [str(r.status) for r in records],
        "next_at": [r.next_attempt_at for r in records],
        "at": [r.attempted_at for r in records],
        "outcomes": [r.outcome for r in records],
        "codes": [r.status_code for r in records],
        "latencies": [r.latency_ms for r in records],
        "excerpts": [r.response_excerpt for r in records],
        "errors": [r.error for r in records],
    }
    await execute(conn, Q.record_attempts, params)


async def set_health(
    conn: Conn,
    endpoint_id: int,
    *,
    health: EndpointHealth,
    probe_at: datetime | None,
    probe_failures: int,
    failing_since: datetime | None,
    seen: datetime,
) -> bool:
    """Store the endpoint's health after a sender's attempts; False (nothing written) when
    the endpoint changed since the sender read it at `seen` (its updated_at then)."""
    params = {
        "seen": seen,
        "endpoint_id": endpoint_id,
        "health": str(health),
        "probe_at": probe_at,
        "probe_failures": probe_failures,
        "failing_since": failing_since,
    }
    return await scalar(conn, Q.endpoint_health, params) is not None


async def auto_disable(
    conn: Conn, endpoint_id: int, now: datetime, reason: str, seen: datetime
) -> bool:
    """Disable a failing endpoint and write its `webhook.disabled` record, unless it was
    changed since the sender read it at `seen`."""
    params = {"endpoint_id": endpoint_id, "now": now, "reason": reason, "seen": seen}
    return await scalar(conn, Q.endpoint_auto_disable, params) is not None


@dataclass(frozen=True)
class EndpointGauge:
    """One endpoint's numbers for the metrics."""

    id: int
    enabled: bool
    health: str
    backlog: int
    oldest: datetime | None


async def endpoint_gauges(conn: Conn) -> list[EndpointGauge]:
    """Every endpoint's state, open deliveries and oldest open delivery."""
    return await many(conn, Q.endpoint_gauges, {}, lambda r: EndpointGauge(**r))
