"""arq jobs that carry webhooks from the event outbox to endpoints.

- `webhook_tick` (cron, every second; also enqueueable as a job): fans new outbox
  events (dispatched_at IS NULL) out to deliveries of the enabled endpoints subscribed
  to their type, in one transaction per batch, then enqueues `webhook_send` for every
  endpoint whose first open delivery is due. PostgreSQL is the truth: if Redis is
  flushed, the next tick re-enqueues whatever is due.
- `webhook_send(endpoint_id)` (job id `webhook:send:<id>`): under a per-endpoint
  advisory lock, attempts the endpoint's due deliveries in event order. When an attempt
  fails, the delivery is scheduled for a retry and every later delivery of that
  endpoint waits behind it. An endpoint that has failed every attempt for 3 days is
  disabled and a `webhook.disabled` record is written.

Time comes from ctx["clock"]; the retry jitter from ctx.get("webhook_random") (a
`random.Random`); tests may put a resolver in ctx["webhook_resolver"].
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any

from arq import cron
from arq.worker import func
from psycopg import AsyncConnection

from handoff.observability.metrics import WEBHOOK_ATTEMPTS
from handoff.states import WebhookDeliveryStatus
from handoff.storage import webhooks as store
from handoff.webhooks.backoff import GIVE_UP_AFTER, next_delay
from handoff.webhooks.http import WebhookClient
from handoff.webhooks.payload import build_body
from handoff.webhooks.sender import attempt

log = logging.getLogger(__name__)

DISPATCH_BATCH = 1000
DISPATCH_MAX_BATCHES = 50
SEND_BATCH = 100
SEND_BUDGET_SECONDS = 60.0


def send_job_id(endpoint_id: int) -> str:
    """Deterministic: at most one queued sender per endpoint."""
    return f"webhook:send:{endpoint_id}"


TICK_JOB_ID = "webhook:tick"


def _client(ctx: dict[str, Any]) -> WebhookClient:
    """A client for one sender run (closed at its end): a sender talks to one endpoint
    over one keep-alive connection, resolved and SSRF-checked when it is opened."""
    return WebhookClient(
        allow_private=ctx["settings"].webhook_allow_private,
        resolver=ctx.get("webhook_resolver"),
    )


async def dispatch(ctx: dict[str, Any]) -> tuple[int, set[int]]:
    """Fan out every undispatched event; returns (deliveries created, endpoints touched)."""
    pool, clock = ctx["pool"], ctx["clock"]
    created = 0
    endpoints: set[int] = set()
    for _ in range(DISPATCH_MAX_BATCHES):
        async with pool.connection() as conn, conn.transaction():
            result = await store.dispatch_events(conn, clock.now(), DISPATCH_BATCH)
        created += result.deliveries
        endpoints.update(result.endpoint_ids)
        if result.events < DISPATCH_BATCH:
            break
    return created, endpoints


async def webhook_tick(ctx: dict[str, Any]) -> dict[str, int]:
    """Dispatch new events and enqueue a sender for every endpoint with due work."""
    created, endpoints = await dispatch(ctx)
    async with ctx["pool"].connection() as conn:
        due = await store.due_endpoints(conn, ctx["clock"].now())
    targets = sorted(endpoints.union(due))
    queue = ctx["settings"].queue_name
    enqueued = 0
    for endpoint_id in targets:
        job = await ctx["redis"].enqueue_job(
            "webhook_send", endpoint_id, _job_id=send_job_id(endpoint_id), _queue_name=queue
        )
        enqueued += job is not None
    return {"deliveries": created, "endpoints": len(targets), "enqueued": enqueued}


async def webhook_send(ctx: dict[str, Any], endpoint_id: int) -> dict[str, int]:
    """Attempt the due deliveries of one endpoint in event order."""
    pool = ctx["pool"]
    async with pool.connection() as conn:
        await conn.set_autocommit(True)
        try:
            if not await store.try_lock_endpoint(conn, endpoint_id):
                return {"attempts": 0, "busy": 1}
            try:
                return await _send_locked(ctx, conn, endpoint_id)
            finally:
                await store.unlock_endpoint(conn, endpoint_id)
        finally:
            await conn.set_autocommit(False)


async def _send_locked(
    ctx: dict[str, Any], conn: AsyncConnection, endpoint_id: int
) -> dict[str, int]:
    rng: random.Random = ctx.get("webhook_random") or random.Random()
    async with _client(ctx) as client:
        return await _send_with(ctx, conn, endpoint_id, client, rng)


async def _send_with(
    ctx: dict[str, Any],
    conn: AsyncConnection,
    endpoint_id: int,
    client: WebhookClient,
    rng: random.Random,
) -> dict[str, int]:
    clock, settings = ctx["clock"], ctx["settings"]
    timeout = float(settings.webhook_timeout_seconds)
    deadline = time.monotonic() + SEND_BUDGET_SECONDS
    totals = {"attempts": 0, "succeeded": 0, "failed": 0, "disabled": 0}
    while time.monotonic() < deadline:
        endpoint = await store.sender_endpoint(conn, endpoint_id)
        if endpoint is None or not endpoint.enabled:
            break
        batch = await store.due_batch(conn, endpoint_id, clock.now(), SEND_BATCH)
        if not batch:
            break
        records: list[store.AttemptRecord] = []
        succeeded = False
        failed_at = None
        last_error: str | None = None
        for delivery in batch:
            at = clock.now()
            body = build_body(delivery.type, delivery.occurred_at, delivery.payload)
            result = await attempt(
                client,
                endpoint.url,
                secret=endpoint.secret,
                msg_id=delivery.public_id,
                body=body,
                now=at,
                limit_seconds=timeout,
            )
            WEBHOOK_ATTEMPTS.labels(outcome=result.outcome).inc()
            if result.succeeded:
                status, next_at = WebhookDeliveryStatus.SUCCEEDED, None
                succeeded = True
            else:
                delay = next_delay(delivery.cycle_attempts + 1, rng)
                status, next_at = (
                    (WebhookDeliveryStatus.DEAD, None)
                    if delay is None
                    else (WebhookDeliveryStatus.FAILED, at + delay)
                )
                failed_at = at
                last_error = result.error
                log.info(
                    "webhook attempt failed",
                    extra={
                        "endpoint_id": endpoint_id,
                        "delivery_id": delivery.id,
                        "outcome": result.outcome,
                        "status_code": result.status_code,
                        "next_attempt_at": next_at.isoformat() if next_at else None,
                    },
                )
            records.append(
                store.AttemptRecord(
                    delivery_id=delivery.id,
                    status=status,
                    next_attempt_at=next_at,
                    attempted_at=at,
                    outcome=result.outcome,
                    status_code=result.status_code,
                    latency_ms=result.latency_ms,
                    response_excerpt=result.response_excerpt,
                    error=result.error,
                )
            )
            if failed_at is not None:
                break  # later deliveries of this endpoint wait behind the failed one
        async with conn.transaction():
            await store.record_attempts(conn, records)
            if failed_at is not None or endpoint.failing_since is not None:
                failing_since = await store.update_health(
                    conn, endpoint_id, succeeded=succeeded, failed_at=failed_at
                )
                if (
                    failed_at is not None
                    and failing_since is not None
                    and failed_at - failing_since >= GIVE_UP_AFTER
                ):
                    reason = (
                        f"every attempt failed for {GIVE_UP_AFTER.days} days"
                        f" (since {failing_since.isoformat()}); last error: {last_error}"
                    )
                    if await store.auto_disable(conn, endpoint_id, at, reason):
                        totals["disabled"] = 1
                        log.warning("webhook endpoint disabled", extra={"endpoint_id": endpoint_id})
        totals["attempts"] += len(records)
        ok = WebhookDeliveryStatus.SUCCEEDED
        totals["succeeded"] += sum(r.status == ok for r in records)
        totals["failed"] += sum(r.status != ok for r in records)
        if failed_at is not None:
            break
    return totals


FUNCTIONS = [
    func(webhook_tick, name="webhook_tick", keep_result=0, timeout=120),
    func(webhook_send, name="webhook_send", keep_result=0, timeout=SEND_BUDGET_SECONDS + 60),
]
CRON_JOBS = [
    cron(
        webhook_tick,
        name="cron:webhook_tick",
        second=set(range(60)),
        run_at_startup=True,
        unique=True,
        timeout=120,
        keep_result=0,
    ),
]
