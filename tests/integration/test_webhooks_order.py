"""Sequence numbers, the 4xx decision, probing, sender leases and per-endpoint metrics,
with an in-process worker and a manual clock."""

from __future__ import annotations

import json
from datetime import timedelta

from prometheus_client import REGISTRY

from handoff.clock import ManualClock
from handoff.jobs import webhooks as jobs
from handoff.jobs.relay import queue_backlogged
from handoff.jobs.webhook_gauges import refresh_gauges
from tests.integration._webhook_helpers import Reply, harness, receiver
from tests.integration.test_webhooks import REDELIVER, create, deliveries


def _sample(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


async def test_a_4xx_gives_that_delivery_up_and_the_next_ones_go_on_in_sequence(
    db_url: str, redis_url: str, clock: ManualClock
) -> None:
    async with receiver() as rx, harness(db_url, redis_url, clock) as h:
        ws = await h.workspace("acme")
        endpoint_id, _ = await create(h, ws, rx.url)
        rx.program(Reply(status=422, body=b"unknown field"))
        for n in range(3):
            await h.event(ws, "handoff.created", {"n": n})
        await h.run_jobs()
        assert [r.headers["webhook-sequence"] for r in rx.requests] == ["1", "2", "3"]
        assert [json.loads(r.body)["sequence"] for r in rx.requests] == [1, 2, 3]
        rows = {d["status"] for d in await deliveries(h, ws, endpoint_id)}
        assert rows == {"DEAD", "SUCCEEDED"}
        [dead] = await deliveries(h, ws, endpoint_id, "DEAD")
        assert dead["attemptCount"] == 1 and dead["lastStatusCode"] == 422

        # nothing is retried on its own...
        clock.advance(timedelta(days=1))
        await h.run_jobs()
        assert len(rx.requests) == 3
        # ... a redelivery sends it again, with its own (older) sequence number
        await h.gql(ws, REDELIVER, id=dead["id"])
        await h.run_jobs()
        assert rx.requests[-1].headers["webhook-sequence"] == "1"
        assert rx.requests[-1].headers["webhook-id"] == rx.requests[0].headers["webhook-id"]
        # the next event continues the sequence
        await h.event(ws, "handoff.created", {"n": 3})
        await h.run_jobs()
        assert rx.requests[-1].headers["webhook-sequence"] == "4"


async def test_429_and_5xx_hold_the_endpoint_and_the_first_success_drains_it(
    db_url: str, redis_url: str, clock: ManualClock
) -> None:
    async with receiver() as rx, harness(db_url, redis_url, clock) as h:
        ws = await h.workspace("acme")
        endpoint_id, _ = await create(h, ws, rx.url)
        rx.program(Reply(status=429), Reply(status=503))
        for n in range(4):
            await h.event(ws, "handoff.created", {"n": n})
        await h.run_jobs()
        assert len(rx.requests) == 1  # probing: the rest wait behind the head
        await h.event(ws, "handoff.created", {"n": 4})
        await h.run_jobs()  # the probe is not due yet
        assert len(rx.requests) == 1
        clock.advance(timedelta(seconds=1.2))
        await h.run_jobs()  # second probe: 503
        assert len(rx.requests) == 2
        clock.advance(timedelta(seconds=1.5))
        await h.run_jobs()  # not due (2 s after the second failure)
        assert len(rx.requests) == 2
        clock.advance(timedelta(seconds=1))
        await h.run_jobs()  # the probe succeeds and the backlog drains at once
        seqs = [int(r.headers["webhook-sequence"]) for r in rx.requests]
        assert seqs == [1, 1, 1, 2, 3, 4, 5]
        assert {d["status"] for d in await deliveries(h, ws, endpoint_id)} == {"SUCCEEDED"}


async def test_a_lost_sender_job_is_replaced_when_its_lease_runs_out(
    db_url: str, redis_url: str, clock: ManualClock
) -> None:
    async with receiver() as rx, harness(db_url, redis_url, clock) as h:
        ws = await h.workspace("acme")
        await create(h, ws, rx.url)
        await h.event(ws, "handoff.created", {"n": 0})
        ctx = h._ctx()
        stats = await jobs.webhook_tick(ctx)
        assert stats["enqueued"] == 1
        await h.redis.flushdb()  # the sender's job is lost with Redis
        await h.run_jobs()
        assert rx.requests == []  # its lease is still live: nobody else may send
        before = _sample("handoff_webhook_sender_takeovers_total") or 0.0
        clock.advance(timedelta(seconds=h.settings.webhook_sender_lease_seconds))
        await h.run_jobs()
        assert len(rx.requests) == 1
        assert (_sample("handoff_webhook_sender_takeovers_total") or 0.0) == before + 1


async def test_per_endpoint_metrics_show_a_held_endpoint(
    db_url: str, redis_url: str, clock: ManualClock
) -> None:
    async with receiver() as rx, harness(db_url, redis_url, clock) as h:
        ws = await h.workspace("acme")
        await create(h, ws, rx.url)
        async with h.pool.connection() as conn:
            cur = await conn.execute("SELECT id FROM webhook_endpoints")
            endpoint = str((await cur.fetchone())["id"])
        rx.default = Reply(status=503)
        attempts = "handoff_webhook_attempts_total"
        # counters are per process and endpoint ids repeat across test databases: deltas
        errors0 = _sample(attempts, endpoint=endpoint, outcome="http_error") or 0.0
        ok0 = _sample(attempts, endpoint=endpoint, outcome="success") or 0.0
        for n in range(3):
            await h.event(ws, "handoff.created", {"n": n})
        await h.run_jobs()
        clock.advance(timedelta(seconds=30))
        await refresh_gauges(h.pool, clock)
        assert _sample("handoff_webhook_backlog", endpoint=endpoint) == 3
        assert _sample("handoff_webhook_oldest_pending_seconds", endpoint=endpoint) == 30
        state = "handoff_webhook_endpoint_state"
        assert _sample(state, endpoint=endpoint, state="probing") == 1
        assert _sample(state, endpoint=endpoint, state="healthy") == 0
        assert _sample(state, endpoint=endpoint, state="disabled") == 0
        assert _sample(attempts, endpoint=endpoint, outcome="http_error") == errors0 + 1

        rx.default = Reply()
        await h.run_jobs()
        await refresh_gauges(h.pool, clock)
        assert _sample("handoff_webhook_backlog", endpoint=endpoint) == 0
        assert _sample("handoff_webhook_oldest_pending_seconds", endpoint=endpoint) == 0
        assert _sample(state, endpoint=endpoint, state="healthy") == 1
        assert _sample(attempts, endpoint=endpoint, outcome="success") == ok0 + 3

        async with h.pool.connection() as conn:
            await conn.execute("DELETE FROM webhook_endpoints")
        await refresh_gauges(h.pool, clock)
        assert _sample("handoff_webhook_backlog", endpoint=endpoint) is None


async def test_the_relay_holds_reclaims_back_only_while_due_jobs_wait_unstarted(
    db_url: str, redis_url: str, clock: ManualClock
) -> None:
    async with harness(db_url, redis_url, clock) as h:
        queue = h.settings.queue_name
        assert not await queue_backlogged(h.redis, queue)
        await h.redis.enqueue_job("handle_follow_ups", [], _job_id="waiting", _queue_name=queue)
        await h.redis.zadd(queue, {"waiting": 1})  # due long ago, nobody on it
        assert await queue_backlogged(h.redis, queue)
        await h.redis.set("arq:in-progress:waiting", b"1")  # a worker took it (or died on it)
        assert not await queue_backlogged(h.redis, queue)
