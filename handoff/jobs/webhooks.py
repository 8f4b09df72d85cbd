"""arq jobs that carry webhooks from the event outbox to endpoints, in order.

- `webhook_tick` (cron, every second): dispatches new outbox events to deliveries (one
  dispatcher at a time, so every endpoint gets events in the one order the dispatcher
  found them committed, each delivery with the next sequence number of its endpoint),
  then leases a sender to every endpoint with due work and no live sender and enqueues
  `webhook_send` for it. PostgreSQL is the truth: if Redis is flushed, the leases run
  out and the next ticks enqueue again.
- `webhook_send(endpoint_id, token)` (job id `webhook:send:<token>`, new for every
  lease; on `sender_queue`, worked by a worker of its own): holds the endpoint's lease (renewed every third of
  `webhook_sender_lease_seconds`) and its session advisory lock (mutual exclusion even
  against a sender whose lease ran out under it), and sends the endpoint's open
  deliveries in sequence order. `handoff.webhooks.health` decides what each answer does:
  a failure at the endpoint makes it PROBING (only the head is tried, after 1, 2, 5, ...
  s) and holds everything behind it; a 4xx rejection gives that one delivery up and
  moves on; the first success drains the backlog at once.

A sender that dies (worker SIGKILL) loses its lock with its connection, and its lease
runs out within `webhook_sender_lease_seconds`; the next tick leases the endpoint to a
new sender under a new job id. Time comes from ctx["clock"]; the jitter from
ctx.get("webhook_random") (a `random.Random`); tests may put a resolver in
ctx["webhook_resolver"].

The per-endpoint gauges live in `handoff.jobs.webhook_gauges`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import psycopg
from arq import cron
from arq.worker import func
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool
from redis.exceptions import RedisError

from handoff.clock import Clock
from handoff.observability.metrics import WEBHOOK_ATTEMPTS, WEBHOOK_SENDER_TAKEOVERS
from handoff.states import WebhookDeliveryStatus
from handoff.storage import webhooks as store
from handoff.webhooks.backoff import GIVE_UP_AFTER
from handoff.webhooks.health import GONE, Health, Step, after_attempt, due_for_probe, verdict
from handoff.webhooks.http import WebhookClient
from handoff.webhooks.payload import build_body
from handoff.webhooks.sender import AttemptResult, attempt

log = logging.getLogger(__name__)

DISPATCH_BATCH = 1000
DISPATCH_MAX_BATCHES = 50
SEND_BATCH = 100
SEND_BUDGET_SECONDS = 60.0
# Attempts are recorded at least this often: a sender killed mid-batch repeats at most
# the deliveries of this last stretch (same webhook-id and sequence: receivers de-dupe).
RECORD_EVERY_SECONDS = 0.25


def sender_queue(settings: Any) -> str:
    """The queue `webhook_send` jobs wait on: their own, worked by their own arq worker
    (`handoff.jobs.worker.sender_settings`), so a sender holding its slot for a slow
    receiver never holds one that a landing, reminder or escalation needs."""
    return f"{settings.queue_name}:webhook-senders"


def send_job_id(lease: store.SenderLease) -> str:
    """A new id per lease: a lost job's id may stay "in progress" in Redis for minutes."""
    return f"webhook:send:{lease.token}"


def _client(ctx: dict[str, Any]) -> WebhookClient:
    """A client for one sender run (closed at its end): a sender talks to one endpoint
    over one keep-alive connection, resolved and SSRF-checked when it is opened.
    ctx["webhook_client"] (a factory taking the settings) replaces it in benchmarks."""
    factory = ctx.get("webhook_client")
    if factory is not None:
        return factory(ctx["settings"], ctx.get("webhook_resolver"))
    return WebhookClient(
        allow_private=ctx["settings"].webhook_allow_private,
        resolver=ctx.get("webhook_resolver"),
    )


def _lease(ctx: dict[str, Any]) -> timedelta:
    return timedelta(seconds=float(ctx["settings"].webhook_sender_lease_seconds))


async def dispatch(ctx: dict[str, Any]) -> tuple[int, set[int]]:
    """Fan out undispatched events; returns (deliveries created, endpoints touched).

    One dispatcher at a time: when another holds the lock, this one leaves the events to it.
    """
    pool, clock = ctx["pool"], ctx["clock"]
    created = 0
    endpoints: set[int] = set()
    for _ in range(DISPATCH_MAX_BATCHES):
        async with pool.connection() as conn, conn.transaction():
            if not await store.lock_dispatch(conn, wait=False):
                break
            result = await store.dispatch_events(conn, clock.now(), DISPATCH_BATCH)
        created += result.deliveries
        endpoints.update(result.endpoint_ids)
        if result.events < DISPATCH_BATCH:
            break
    return created, endpoints


async def webhook_tick(ctx: dict[str, Any]) -> dict[str, int]:
    """Dispatch new events and lease a sender to every endpoint with due work.

    PostgreSQL or Redis being away is expected now and then: a warning, no traceback,
    and the next tick tries again.
    """
    try:
        created, endpoints = await dispatch(ctx)
        leases = await _start_senders(ctx)
    except (psycopg.Error, RedisError, OSError) as exc:
        log.warning("webhook tick skipped: %s: %s", type(exc).__name__, exc)
        return {"deliveries": 0, "endpoints": 0, "enqueued": 0}
    return {"deliveries": created, "endpoints": len(endpoints), "enqueued": len(leases)}


async def _start_senders(ctx: dict[str, Any]) -> list[store.SenderLease]:
    now = ctx["clock"].now()
    token = uuid.uuid4().hex[:16]
    queue = sender_queue(ctx["settings"])
    async with ctx["pool"].connection() as conn, conn.transaction():
        leases = await store.claim_senders(conn, now, now + _lease(ctx), token)
        # enqueued before the leases commit: if Redis is away, they roll back
        for lease in leases:
            await ctx["redis"].enqueue_job(
                "webhook_send",
                lease.endpoint_id,
                lease.token,
                _job_id=send_job_id(lease),
                _queue_name=queue,
            )
    for lease in leases:
        if lease.takeover:
            WEBHOOK_SENDER_TAKEOVERS.inc()
            log.info("webhook sender taken over", extra={"endpoint_id": lease.endpoint_id})
    return leases


async def webhook_send(ctx: dict[str, Any], endpoint_id: int, token: str) -> dict[str, int]:
    """Send the endpoint's open deliveries in sequence order while holding its lease."""
    pool: AsyncConnectionPool = ctx["pool"]
    clock: Clock = ctx["clock"]
    lease = _lease(ctx)
    try:
        async with pool.connection() as conn:
            await conn.set_autocommit(True)
            if not await store.renew_sender(conn, endpoint_id, token, clock.now() + lease):
                return {"attempts": 0, "lost": 1}  # waited too long in the queue: taken over
            if not await store.try_lock_endpoint(conn, endpoint_id):
                # a sender whose lease ran out under it is still sending: let it stop
                await store.release_sender(conn, endpoint_id, token)
                return {"attempts": 0, "busy": 1}
            lost = asyncio.Event()
            beat = asyncio.create_task(_heartbeat(pool, clock, endpoint_id, token, lease, lost))
            try:
                rng: random.Random = ctx.get("webhook_random") or random.Random()
                async with _client(ctx) as client:
                    return await _send(ctx, conn, endpoint_id, client, rng, lost)
            finally:
                beat.cancel()
                await asyncio.gather(beat, return_exceptions=True)
                with contextlib.suppress(psycopg.Error):
                    await store.unlock_endpoint(conn, endpoint_id)
                    await store.release_sender(conn, endpoint_id, token)
    except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
        # PostgreSQL away: the lease runs out and a later tick starts a new sender
        log.warning("webhook sender for endpoint %d stopped: %s", endpoint_id, exc)
        return {"attempts": 0, "error": 1}


async def _heartbeat(
    pool: AsyncConnectionPool,
    clock: Clock,
    endpoint_id: int,
    token: str,
    lease: timedelta,
    lost: asyncio.Event,
) -> None:
    """Renew the lease every third of its length; set `lost` when it was taken over."""
    every = lease.total_seconds() / 3
    while True:
        await asyncio.sleep(every)
        try:
            async with pool.connection(timeout=every) as conn:
                mine = await store.renew_sender(conn, endpoint_id, token, clock.now() + lease)
        except (psycopg.Error, TimeoutError):
            continue  # the sender's own statements fail too; the lease may run out
        if not mine:
            lost.set()
            return


async def _send(
    ctx: dict[str, Any],
    conn: AsyncConnection[Any],
    endpoint_id: int,
    client: WebhookClient,
    rng: random.Random,
    lost: asyncio.Event,
) -> dict[str, int]:
    clock, settings = ctx["clock"], ctx["settings"]
    timeout = float(settings.webhook_timeout_seconds)
    deadline = time.monotonic() + SEND_BUDGET_SECONDS
    label = str(endpoint_id)
    totals = {"attempts": 0, "succeeded": 0, "failed": 0, "disabled": 0}
    # the worker is shutting down: nothing new starts (the lease passes to the next one)
    stopping: asyncio.Event = ctx.get("stopping") or asyncio.Event()
    while time.monotonic() < deadline and not lost.is_set() and not stopping.is_set():
        endpoint = await store.sender_endpoint(conn, endpoint_id)
        if endpoint is None or not endpoint.enabled:
            break
        stored = Health(
            endpoint.health, endpoint.probe_at, endpoint.probe_failures, endpoint.failing_since
        )
        if not due_for_probe(stored, clock.now()):
            break
        batch = await store.open_head(conn, endpoint_id, 1 if stored.probing else SEND_BATCH)
        if not batch:
            break
        run = _Run(conn, endpoint_id, stored, totals, endpoint.updated_at)
        for delivery in batch:
            # the budget holds inside a batch too: a slow receiver must not run the job
            # past arq's timeout, which would kill it mid-send and send that one again
            if lost.is_set() or stopping.is_set() or time.monotonic() >= deadline:
                break
            at = clock.now()
            body = build_body(
                delivery.type, delivery.occurred_at, delivery.payload, delivery.sequence
            )
            result = await attempt(
                client,
                endpoint.url,
                secret=endpoint.secrets(at),
                msg_id=delivery.public_id,
                body=body,
                now=at,
                limit_seconds=timeout,
                sequence=delivery.sequence,
            )
            WEBHOOK_ATTEMPTS.labels(endpoint=label, outcome=result.outcome).inc()
            wait = None if result.retry_after is None else timedelta(seconds=result.retry_after)
            judged = verdict(result.outcome, result.status_code)
            step = after_attempt(run.health, judged, at, rng, wait)
            run.add(delivery, step, result, at)
            if step.disable:
                await run.disable(at, result)
                break
            if step.hold:
                break
            if time.monotonic() - run.flushed >= RECORD_EVERY_SECONDS:
                await run.flush()
                if await _changed(conn, endpoint):
                    break  # read it again: deleted, disabled, a new URL or secret
        await run.flush()
        if run.stop:
            break
    return totals


async def _changed(conn: AsyncConnection[Any], endpoint: store.SenderEndpoint) -> bool:
    """Whether the endpoint was deleted, disabled, moved or given a new secret since the
    batch read it: what is sent from then on must follow the change, not the batch."""
    now = await store.sender_endpoint(conn, endpoint.id)
    return now is None or _followed(now) != _followed(endpoint)


def _followed(e: store.SenderEndpoint) -> tuple[object, ...]:
    return (e.url, e.secret, e.previous_secret, e.previous_secret_until, e.enabled)


class _Run:
    """Attempts of one batch, recorded in stretches with the endpoint's health."""

    def __init__(
        self,
        conn: AsyncConnection[Any],
        endpoint_id: int,
        stored: Health,
        totals: dict[str, int],
        seen: datetime,
    ) -> None:
        self.conn = conn
        self.endpoint_id = endpoint_id
        self.seen = seen  # the endpoint's updated_at when read: its health is ours to write
        self.stored = stored
        self.health = stored
        self.totals = totals
        self.records: list[store.AttemptRecord] = []
        self.flushed = time.monotonic()
        self.stop = False
        self.disable_reason: str | None = None
        self.disable_at: datetime | None = None

    def add(
        self, delivery: store.DueDelivery, step: Step, result: AttemptResult, at: datetime
    ) -> None:
        self.health = step.health
        self.stop = self.stop or step.hold or step.disable
        self.records.append(
            store.AttemptRecord(
                delivery_id=delivery.id,
                status=step.delivery_status,
                next_attempt_at=step.next_attempt_at,
                attempted_at=at,
                outcome=result.outcome,
                status_code=result.status_code,
                latency_ms=result.latency_ms,
                response_excerpt=result.response_excerpt,
                error=result.error,
            )
        )
        if not result.succeeded:
            log.info(
                "webhook attempt failed",
                extra={
                    "endpoint_id": self.endpoint_id,
                    "delivery_id": delivery.id,
                    "sequence": delivery.sequence,
                    "outcome": result.outcome,
                    "status_code": result.status_code,
                    "delivery_status": str(step.delivery_status),
                    "next_attempt_at": (
                        step.next_attempt_at.isoformat() if step.next_attempt_at else None
                    ),
                },
            )

    async def disable(self, at: datetime, result: AttemptResult) -> None:
        since = self.health.failing_since
        self.disable_at = at
        self.disable_reason = (
            "the receiver answered 410 Gone: it asks to be sent nothing more"
            if result.status_code == GONE
            else f"every attempt failed for {GIVE_UP_AFTER.days} days"
            f" (since {since.isoformat() if since else at.isoformat()});"
            f" last error: {result.error}"
        )

    async def flush(self) -> None:
        """Record the attempts so far, the endpoint's health and a disable, in one transaction."""
        records, self.records = self.records, []
        if not records and self.health == self.stored and self.disable_reason is None:
            return
        async with self.conn.transaction():
            await store.record_attempts(self.conn, records)
            if self.health != self.stored:
                h = self.health
                if not await store.set_health(
                    self.conn,
                    self.endpoint_id,
                    health=h.health,
                    probe_at=h.probe_at,
                    probe_failures=h.probe_failures,
                    failing_since=h.failing_since,
                    seen=self.seen,
                ):
                    # changed meanwhile (a new URL, re-enabled, a new secret): its health
                    # starts from what it was set to; stop, and read it again next run
                    self.disable_reason = None
                    self.stop = True
            if self.disable_reason is not None and self.disable_at is not None:
                if await store.auto_disable(
                    self.conn, self.endpoint_id, self.disable_at, self.disable_reason, self.seen
                ):
                    self.totals["disabled"] = 1
                    log.warning(
                        "webhook endpoint disabled", extra={"endpoint_id": self.endpoint_id}
                    )
                self.disable_reason = None
        self.stored = self.health
        self.flushed = time.monotonic()
        ok = WebhookDeliveryStatus.SUCCEEDED
        self.totals["attempts"] += len(records)
        self.totals["succeeded"] += sum(r.status == ok for r in records)
        self.totals["failed"] += sum(r.status != ok for r in records)


# on the main queue
FUNCTIONS = [func(webhook_tick, name="webhook_tick", keep_result=0, timeout=120)]
# on `sender_queue`
SENDER_FUNCTIONS = [
    func(webhook_send, name="webhook_send", keep_result=0, timeout=SEND_BUDGET_SECONDS + 60)
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
