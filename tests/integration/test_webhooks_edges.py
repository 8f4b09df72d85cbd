"""Webhooks at their edges: a receiver's odd reply, an endpoint changed while a sender is
on it, a quiet spell inside a failing period, and events around a disable."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from handoff.clock import ManualClock
from tests.integration._webhook_helpers import Reply, harness, receiver
from tests.integration.test_webhooks import create, deliveries
from tests.integration.test_webhooks_lifecycle import ENDPOINT, UPDATE


async def _endpoint(h, ws: int, endpoint_id: str) -> dict:
    return (await h.gql(ws, ENDPOINT, id=endpoint_id))["webhookEndpoint"]["endpoint"]


async def test_a_nul_in_the_reply_is_recorded_and_not_sent_again(
    db_url: str, redis_url: str, clock: ManualClock
) -> None:
    async with receiver() as rx, harness(db_url, redis_url, clock) as h:
        ws = await h.workspace("acme")
        endpoint_id, _ = await create(h, ws, rx.url)
        rx.default = Reply(status=200, body=b"ok\x00 binary")
        await h.event(ws, "handoff.created", {"n": 1})
        for _ in range(3):
            await h.run_jobs()
            clock.advance(timedelta(seconds=2))
        assert len(rx.requests) == 1
        (row,) = await deliveries(h, ws, endpoint_id)
        assert (row["status"], row["attemptCount"]) == ("SUCCEEDED", 1)
        assert row["attempts"][0]["responseExcerpt"] == "ok\ufffd binary"


async def test_a_new_url_set_while_a_probe_is_in_flight_starts_afresh(
    db_url: str, redis_url: str, clock: ManualClock
) -> None:
    start = clock.now()
    async with (
        receiver() as old,
        receiver() as new,
        harness(db_url, redis_url, clock, webhook_timeout_seconds=3.0) as h,
    ):
        ws = await h.workspace("acme")
        endpoint_id, _ = await create(h, ws, old.url)
        old.default = Reply(status=503)
        await h.event(ws, "handoff.created", {"n": 0})
        await h.run_jobs()  # PROBING since `start`
        # its last probe, just short of the 3-day mark: one more failure disables it
        async with h.pool.connection() as conn:
            await conn.execute(
                "UPDATE webhook_endpoints SET probe_failures = 14, probe_at = %s",
                (start + timedelta(days=3),),
            )
        clock.advance(timedelta(days=3))
        old.default = Reply(status=503, delay=1.0)  # and the old address answers slowly

        async def move_it() -> None:
            while len(old.requests) < 2:
                await asyncio.sleep(0.01)
            moved = await h.gql(ws, UPDATE, input={"id": endpoint_id, "url": new.url})
            assert moved["updateWebhookEndpoint"]["__typename"] == "WebhookEndpointPayload"

        await asyncio.gather(h.run_jobs(), move_it())
        # the probe's failure belonged to the old address: not disabled, no failures kept
        shown = await _endpoint(h, ws, endpoint_id)
        assert shown["enabled"] is True and shown["url"] == new.url
        assert shown["failingSince"] is None and shown["disabledRecords"] == []
        clock.advance(timedelta(seconds=5))
        await h.run_jobs()
        assert [json.loads(r.body)["data"]["n"] for r in new.requests] == [0]


async def test_one_error_days_after_a_refusal_is_probed_not_disabled(
    db_url: str, redis_url: str, clock: ManualClock
) -> None:
    async with receiver() as rx, harness(db_url, redis_url, clock) as h:
        ws = await h.workspace("acme")
        endpoint_id, _ = await create(h, ws, rx.url)
        rx.program(Reply(status=422))  # the receiver refuses one message
        await h.event(ws, "handoff.created", {"n": 1})
        await h.run_jobs()
        clock.advance(timedelta(days=4))  # nothing happens for four days
        rx.program(Reply(status=503))  # then one transient error
        await h.event(ws, "handoff.created", {"n": 2})
        await h.run_jobs()
        for _ in range(3):
            clock.advance(timedelta(seconds=3))
            await h.run_jobs()
        shown = await _endpoint(h, ws, endpoint_id)
        assert shown["enabled"] is True and shown["disabledRecords"] == []
        # the 503 was tried again on the schedule and then went through
        assert [json.loads(r.body)["data"]["n"] for r in rx.requests] == [1, 2, 2]
        statuses = [d["status"] for d in await deliveries(h, ws, endpoint_id)]
        assert sorted(statuses) == ["DEAD", "SUCCEEDED"]


async def test_an_event_before_a_disable_is_held_for_the_re_enable(
    db_url: str, redis_url: str, clock: ManualClock
) -> None:
    async with receiver() as rx, harness(db_url, redis_url, clock) as h:
        ws = await h.workspace("acme")
        endpoint_id, _ = await create(h, ws, rx.url)
        await h.event(ws, "handoff.created", {"n": "A"})  # not dispatched yet
        clock.advance(timedelta(milliseconds=300))
        await h.gql(ws, UPDATE, input={"id": endpoint_id, "enabled": False})
        clock.advance(timedelta(milliseconds=300))
        await h.event(ws, "handoff.created", {"n": "B"})  # while it is off
        await h.run_jobs()
        assert rx.requests == []
        clock.advance(timedelta(seconds=1))
        await h.gql(ws, UPDATE, input={"id": endpoint_id, "enabled": True})
        await h.event(ws, "handoff.created", {"n": "C"})
        await h.run_jobs()
        # A happened while it was on: held, then sent; B happened while it was off
        assert [json.loads(r.body)["data"]["n"] for r in rx.requests] == ["A", "C"]


async def test_a_slow_receiver_stops_the_sender_at_its_budget(
    db_url: str, redis_url: str, clock: ManualClock, monkeypatch
) -> None:
    from handoff.jobs import webhooks as jobs

    # a 1-second budget for the run; each answer takes 0.4 s
    monkeypatch.setattr(jobs, "SEND_BUDGET_SECONDS", 1.0)
    async with (
        receiver() as rx,
        harness(db_url, redis_url, clock, webhook_timeout_seconds=2.0) as h,
    ):
        ws = await h.workspace("acme")
        endpoint_id, _ = await create(h, ws, rx.url)
        rx.default = Reply(status=200, delay=0.4)
        for n in range(10):
            await h.event(ws, "handoff.created", {"n": n})
        await h.run_jobs()
        # it stopped inside the batch, before arq's timeout could cut a send in two
        sent = [json.loads(r.body)["data"]["n"] for r in rx.requests]
        assert 1 <= len(sent) <= 3 and sent == list(range(len(sent)))
        rows = await deliveries(h, ws, endpoint_id)
        assert sum(d["attemptCount"] for d in rows) == len(sent)
        # the next runs carry on where it stopped, each message once
        while len(rx.requests) < 10:
            clock.advance(timedelta(seconds=1))
            await h.run_jobs()
        assert [json.loads(r.body)["data"]["n"] for r in rx.requests] == list(range(10))


async def test_a_test_ping_probes_a_failing_endpoint_at_once(
    db_url: str, redis_url: str, clock: ManualClock
) -> None:
    async with receiver() as rx, harness(db_url, redis_url, clock) as h:
        ws = await h.workspace("acme")
        endpoint_id, _ = await create(h, ws, rx.url)
        rx.default = Reply(status=503)
        await h.event(ws, "handoff.created", {"n": 1})
        for _ in range(9):  # 1, 2, 5, 10, 15, 30, 60 s, 5 min, then the next probe is 30 min off
            await h.run_jobs()
            clock.advance(timedelta(minutes=6))
        failed = len(rx.requests)
        assert failed == 9
        state = "query($id: ID!) { webhookEndpoint(id: $id) { __typename ... on WebhookEndpointPayload { endpoint { health nextProbeAt } } } }"
        probing = (await h.gql(ws, state, id=endpoint_id))["webhookEndpoint"]["endpoint"]
        assert probing["health"] == "PROBING"
        # the next probe is the 30-minute step away, from the ninth failure
        assert probing["nextProbeAt"] > clock.now().isoformat()
        rx.default = Reply(status=200)  # fixed: is it?
        ping = await h.gql(
            ws,
            "mutation($id: ID!) { testWebhookEndpoint(id: $id) { __typename } }",
            id=endpoint_id,
        )
        assert ping["testWebhookEndpoint"]["__typename"] == "WebhookDeliveryPayload"
        await h.run_jobs()
        # probed now: the held event and then the ping went out, in order
        sent = [json.loads(r.body)["type"] for r in rx.requests[failed:]]
        assert sent == ["handoff.created", "ping"], sent
        healthy = (await h.gql(ws, state, id=endpoint_id))["webhookEndpoint"]["endpoint"]
        assert healthy == {"health": "HEALTHY", "nextProbeAt": None}


async def test_410_gone_disables_the_endpoint_and_retry_after_is_honoured(
    db_url: str, redis_url: str, clock: ManualClock
) -> None:
    async with receiver() as rx, harness(db_url, redis_url, clock) as h:
        ws = await h.workspace("acme")
        gone_id, _ = await create(h, ws, rx.url)
        rx.program(Reply(status=410))
        await h.event(ws, "handoff.created", {"n": 1})
        await h.run_jobs()
        shown = await _endpoint(h, ws, gone_id)
        assert shown["enabled"] is False
        [record] = shown["disabledRecords"]
        assert "410 Gone" in record["reason"]
        await h.event(ws, "handoff.created", {"n": 2})
        clock.advance(timedelta(minutes=5))
        await h.run_jobs()
        assert len(rx.requests) == 1  # nothing more went to it

        busy_id, _ = await create(h, ws, f"{rx.url}/busy")
        rx.program(Reply(status=429, headers={"Retry-After": "3600"}))
        await h.event(ws, "handoff.created", {"n": 3})
        await h.run_jobs()
        for _ in range(3):  # the schedule alone would probe after 1, 2 and 5 s
            clock.advance(timedelta(minutes=10))
            await h.run_jobs()
        assert len(rx.requests) == 2
        clock.advance(timedelta(minutes=31))  # an hour after the 429
        await h.run_jobs()
        assert [r.path for r in rx.requests[1:]] == ["/hook/busy", "/hook/busy"]
        assert (await _endpoint(h, ws, busy_id))["enabled"] is True


async def test_a_huge_retry_after_is_capped_not_a_crash(
    db_url: str, redis_url: str, clock: ManualClock
) -> None:
    async with receiver() as rx, harness(db_url, redis_url, clock) as h:
        ws = await h.workspace("acme")
        endpoint_id, _ = await create(h, ws, rx.url)
        rx.default = Reply(status=503, headers={"Retry-After": "99999999999999"})
        await h.event(ws, "handoff.created", {"n": 1})
        for _ in range(5):
            await h.run_jobs()
            clock.advance(timedelta(seconds=2))
        # capped at a day: one attempt, recorded, then nothing for a day
        assert len(rx.requests) == 1, f"{len(rx.requests)} attempts in 10 s"
        [row] = await deliveries(h, ws, endpoint_id)
        assert (row["status"], row["attemptCount"]) == ("FAILED", 1)
