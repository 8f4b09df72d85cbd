"""Ordering per endpoint, auto-disable, SSRF at creation and at connect time, ping, management."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from standardwebhooks import Webhook

from handoff.clock import ManualClock
from handoff.storage import webhooks as store
from handoff.webhooks.backoff import schedule
from handoff.webhooks.ssrf import validate_url
from tests.integration._webhook_helpers import Reply, harness, receiver
from tests.integration.test_webhooks import CREATE, DATA, REDELIVER, create, deliveries

ENDPOINT = """
query($id: ID!) {
  webhookEndpoint(id: $id) {
    __typename
    ... on WebhookEndpointPayload { endpoint { id url enabled disabledAt disabledReason failingSince
        eventTypes description disabledRecords { type occurredAt reason failingSince } } }
    ... on NotFound { message }
  }
}
"""

UPDATE = """
mutation($input: UpdateWebhookEndpointInput!) {
  updateWebhookEndpoint(input: $input) {
    __typename
    ... on WebhookEndpointPayload { endpoint { id url enabled eventTypes description } }
    ... on ValidationError { field message }
    ... on NotFound { message }
  }
}
"""


async def test_events_reach_an_endpoint_in_order_and_wait_behind_a_retry(
    db_url: str, redis_url: str, clock: ManualClock
) -> None:
    async with receiver() as rx, harness(db_url, redis_url, clock) as h:
        ws = await h.workspace("acme")
        endpoint_id, _ = await create(h, ws, rx.url)
        rx.program(Reply(status=503))
        for n in range(5):
            await h.event(ws, "handoff.created", {"n": n})
        await h.run_jobs()
        # the first failed: the four after it are held, not sent
        assert len(rx.requests) == 1
        rows = await deliveries(h, ws, endpoint_id)
        assert sorted(d["status"] for d in rows) == [
            "FAILED",
            "PENDING",
            "PENDING",
            "PENDING",
            "PENDING",
        ]

        await h.event(ws, "handoff.created", {"n": 5})  # arrives while the head waits
        await h.run_jobs()
        assert len(rx.requests) == 1

        clock.advance(timedelta(seconds=6))
        await h.run_jobs()
        got = [r.body for r in rx.requests]
        ns = [__import__("json").loads(b)["data"]["n"] for b in got]
        assert ns == [0, 0, 1, 2, 3, 4, 5]
        assert all(d["status"] == "SUCCEEDED" for d in await deliveries(h, ws, endpoint_id))


async def test_endpoint_failing_every_attempt_for_three_days_is_disabled(
    db_url: str, redis_url: str, clock: ManualClock
) -> None:
    async with receiver() as rx, harness(db_url, redis_url, clock) as h:
        h.worker_ctx["webhook_random"] = random.Random(3)
        rx.default = Reply(status=500, body=b"down")
        ws = await h.workspace("acme")
        endpoint_id, _ = await create(h, ws, rx.url)
        start = clock.now()
        await h.event(ws, "handoff.created", {"n": 0})
        await h.event(ws, "handoff.delivered", {"n": 1})
        await h.run_jobs()
        attempts = 1
        while True:
            endpoint = (await h.gql(ws, ENDPOINT, id=endpoint_id))["webhookEndpoint"]["endpoint"]
            if not endpoint["enabled"]:
                break
            assert endpoint["failingSince"] is not None
            async with h.pool.connection() as conn:
                cur = await conn.execute(
                    "SELECT next_attempt_at FROM webhook_deliveries WHERE status = 'FAILED'"
                )
                row = await cur.fetchone()
            clock.set(row["next_attempt_at"])
            await h.run_jobs()
            attempts += 1
        # one probe per step of the schedule (1 s, 2 s, 5 s, ... then daily to 3 days)
        assert attempts == len(schedule()) + 1
        assert clock.now() - start >= timedelta(days=3)

        assert "every attempt failed for 3 days" in endpoint["disabledReason"]
        [record] = endpoint["disabledRecords"]
        assert record["type"] == "webhook.disabled"
        assert "HTTP 500" in record["reason"]
        # the head and the event held behind it stay queued: nothing is lost
        statuses = sorted(d["status"] for d in await deliveries(h, ws, endpoint_id))
        assert statuses == ["FAILED", "PENDING"]
        assert len(rx.requests) == attempts
        assert {r.headers["webhook-id"] for r in rx.requests} == {
            rx.requests[0].headers["webhook-id"]
        }

        # disabled: nothing more is sent, and a redelivery is refused with a reason
        clock.advance(timedelta(days=1))
        await h.run_jobs()
        assert len(rx.requests) == attempts
        head = (await deliveries(h, ws, endpoint_id, "FAILED"))[0]
        refused = await h.gql(ws, REDELIVER, id=head["id"])
        assert refused["redeliverWebhook"]["__typename"] == "Conflict"

        # re-enabled and healthy: both go out, in order
        rx.default = Reply()
        again = await h.gql(ws, UPDATE, input={"id": endpoint_id, "enabled": True})
        assert again["updateWebhookEndpoint"]["endpoint"]["enabled"] is True
        await h.run_jobs()
        assert len(rx.requests) == attempts + 2
        assert [json.loads(r.body)["data"] for r in rx.requests[-2:]] == [{"n": 0}, {"n": 1}]
        assert [r.headers["webhook-sequence"] for r in rx.requests[-2:]] == ["1", "2"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8080/hook", "loopback"),
        ("http://10.1.2.3/hook", "private"),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://[::1]:8080/hook", "loopback"),
        ("http://localhost:8080/hook", "'localhost' resolves to"),
        ("ftp://example.com/", "http or https"),
        ("https://8.8.8.8/a\r\nX-Injected: 1", "control characters"),
    ],
)
async def test_creating_an_endpoint_to_a_private_address_is_refused(
    db_url: str, redis_url: str, clock: ManualClock, url: str, reason: str
) -> None:
    async with harness(db_url, redis_url, clock, webhook_allow_private=False) as h:
        ws = await h.workspace("acme")
        data = await h.gql(ws, CREATE, url=url, types=["handoff.created"])
        result = data["createWebhookEndpoint"]
        assert result["__typename"] == "ValidationError"
        assert result["field"] == "input.url"
        assert reason in result["message"]
        assert (await h.gql(ws, "{ webhookEndpoints { id } }"))["webhookEndpoints"] == []


async def test_connect_time_refusal_and_address_pinning(
    db_url: str, redis_url: str, clock: ManualClock
) -> None:
    answers: dict[str, list[str]] = {"rebind.example.com": ["93.184.215.14"]}

    async def resolve(host: str, port: int) -> Sequence[str]:
        return answers[host]

    async with (
        receiver() as rx,
        harness(db_url, redis_url, clock, webhook_allow_private=False) as h,
    ):
        h.worker_ctx["webhook_resolver"] = resolve
        ws = await h.workspace("acme")
        url = f"http://rebind.example.com:{rx.port}/hook"
        # creation-time check passes: the name resolves to a public address
        await validate_url(url, allow_private=False, resolver=resolve)
        async with h.pool.connection() as conn:
            await store.insert_endpoint(
                conn,
                ws,
                url=url,
                description="",
                event_types=["handoff.created"],
                secret="whsec_" + "A" * 44,
                now=clock.now(),
            )
        # ... then the DNS answer changes to loopback before the worker connects
        answers["rebind.example.com"] = ["127.0.0.1"]
        await h.event(ws, "handoff.created", DATA)
        await h.run_jobs()
        assert rx.requests == []
        async with h.pool.connection() as conn:
            cur = await conn.execute("SELECT outcome, error FROM webhook_attempts")
            [row] = await cur.fetchall()
        assert row["outcome"] == "refused"
        assert "resolves to 127.0.0.1, which is a loopback address" in row["error"]

    # with private addresses allowed, the connection goes to the resolved address itself:
    # "pinned.test" exists only in our resolver, and the receiver still gets the request
    async with receiver() as rx, harness(db_url, redis_url, clock, webhook_allow_private=True) as h:
        answers["pinned.test"] = ["127.0.0.1"]
        h.worker_ctx["webhook_resolver"] = resolve
        ws = await h.workspace("pin")
        await create(h, ws, f"http://127.0.0.1:{rx.port}/hook")
        async with h.pool.connection() as conn:
            await conn.execute(
                "UPDATE webhook_endpoints SET url = %s", (f"http://pinned.test:{rx.port}/hook",)
            )
        await h.event(ws, "handoff.created", DATA)
        await h.run_jobs()
        assert len(rx.requests) == 1
        assert rx.requests[0].headers["host"] == f"pinned.test:{rx.port}"


async def test_an_endpoint_to_loopback_is_refused_at_connect_when_private_is_not_allowed(
    db_url: str, redis_url: str, clock: ManualClock
) -> None:
    async with receiver() as rx:
        async with harness(db_url, redis_url, clock, webhook_allow_private=True) as h:
            ws = await h.workspace("acme")
            endpoint_id, _ = await create(h, ws, rx.url)
        async with harness(db_url, redis_url, clock, webhook_allow_private=False) as h:
            await h.event(ws, "handoff.created", DATA)
            await h.run_jobs()
            assert rx.requests == []
            [d] = await deliveries(h, ws, endpoint_id)
            assert d["status"] == "FAILED"
            assert d["attempts"][0]["outcome"] == "refused"
            assert "loopback" in d["lastError"]


async def test_ping_rotate_update_delete(db_url: str, redis_url: str, clock: ManualClock) -> None:
    async with receiver() as rx, harness(db_url, redis_url, clock) as h:
        ws = await h.workspace("acme")
        other = await h.workspace("other")
        endpoint_id, secret = await create(h, ws, rx.url)

        ping = await h.gql(
            ws,
            "mutation($id: ID!) { testWebhookEndpoint(id: $id) { __typename "
            "... on WebhookDeliveryPayload { delivery { eventType status } } } }",
            id=endpoint_id,
        )
        assert ping["testWebhookEndpoint"]["delivery"] == {"eventType": "ping", "status": "PENDING"}
        await h.run_jobs()
        assert len(rx.requests) == 1
        assert __import__("json").loads(rx.requests[0].body)["type"] == "ping"

        rotate = "mutation($id: ID!) { rotateWebhookSecret(id: $id) { __typename ... on WebhookEndpointWithSecretPayload { secret } } }"
        assert (await h.gql(other, rotate, id=endpoint_id))["rotateWebhookSecret"][
            "__typename"
        ] == "NotFound"
        new_secret = (await h.gql(ws, rotate, id=endpoint_id))["rotateWebhookSecret"]["secret"]
        assert new_secret.startswith("whsec_") and new_secret != secret
        # the secret is never readable afterwards
        listed = await h.gql(ws, "{ webhookEndpoints { id url eventTypes } }")
        assert secret not in str(listed) and new_secret not in str(listed)

        bad = await h.gql(
            ws, UPDATE, input={"id": endpoint_id, "eventTypes": ["handoff.created", "nope"]}
        )
        assert bad["updateWebhookEndpoint"] == {
            "__typename": "ValidationError",
            "field": "input.eventTypes.1",
            "message": bad["updateWebhookEndpoint"]["message"],
        }
        assert "unknown event type 'nope'" in bad["updateWebhookEndpoint"]["message"]
        bad_id = await h.gql(ws, UPDATE, input={"id": "garbage", "description": "x"})
        assert bad_id["updateWebhookEndpoint"]["field"] == "input.id"
        ok = await h.gql(
            ws,
            UPDATE,
            input={"id": endpoint_id, "eventTypes": ["digest.delivered"], "description": "d"},
        )
        assert ok["updateWebhookEndpoint"]["endpoint"]["eventTypes"] == ["digest.delivered"]
        assert (await h.gql(other, UPDATE, input={"id": endpoint_id, "description": "x"}))[
            "updateWebhookEndpoint"
        ]["__typename"] == "NotFound"

        delete = "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { __typename } }"
        assert (await h.gql(other, delete, id=endpoint_id))["deleteWebhookEndpoint"][
            "__typename"
        ] == "NotFound"
        assert (await h.gql(ws, delete, id=endpoint_id))["deleteWebhookEndpoint"][
            "__typename"
        ] == "DeleteWebhookEndpointPayload"
        assert (await h.gql(ws, "{ webhookEndpoints { id } }"))["webhookEndpoints"] == []


async def test_pointing_an_endpoint_elsewhere_forgets_the_old_address_failures(
    db_url: str, redis_url: str, clock: ManualClock
) -> None:
    async with receiver() as old, receiver() as new, harness(db_url, redis_url, clock) as h:
        old.default = Reply(status=500, body=b"down")
        ws = await h.workspace("acme")
        endpoint_id, _ = await create(h, ws, old.url)
        await h.event(ws, "handoff.created", {"n": 0})
        await h.run_jobs()
        endpoint = (await h.gql(ws, ENDPOINT, id=endpoint_id))["webhookEndpoint"]["endpoint"]
        assert endpoint["failingSince"] is not None
        moved = await h.gql(ws, UPDATE, input={"id": endpoint_id, "url": new.url})
        assert moved["updateWebhookEndpoint"]["endpoint"]["url"] == new.url
        endpoint = (await h.gql(ws, ENDPOINT, id=endpoint_id))["webhookEndpoint"]["endpoint"]
        assert endpoint["failingSince"] is None
        await h.run_jobs()
        assert [json.loads(r.body)["data"] for r in new.requests] == [{"n": 0}]


ROTATE = """mutation($id: ID!) { rotateWebhookSecret(id: $id) { __typename
  ... on WebhookEndpointWithSecretPayload { secret } } }"""


async def test_a_change_mid_batch_is_followed_within_a_record_interval(
    db_url: str, redis_url: str
) -> None:
    # a clock at the real time, so standardwebhooks' own 5-minute tolerance accepts it
    clock = ManualClock(datetime.now(UTC))
    async with receiver() as rx, harness(db_url, redis_url, clock) as h:
        rx.default = Reply(delay=0.02)  # 100 deliveries take at least 2 s
        ws = await h.workspace("acme")
        endpoint_id, old = await create(h, ws, rx.url)
        for n in range(100):
            await h.event(ws, "handoff.created", {"n": n})
        job = asyncio.create_task(h.run_jobs())
        while len(rx.requests) < 2:
            await asyncio.sleep(0.01)
        rotated = await h.gql(ws, ROTATE, id=endpoint_id)
        new = rotated["rotateWebhookSecret"]["secret"]
        at = len(rx.requests)
        await job
        signed = [
            "new" if _verifies(new, r) else "old" if _verifies(old, r) else "neither"
            for r in rx.requests[at:]
        ]
        # at most a record interval's worth (0.25 s of 20 ms answers) and the one in flight
        # still carry the old signature; everything after follows the rotation
        assert "neither" not in signed
        first_new = signed.index("new")
        assert first_new <= 14, signed
        assert set(signed[first_new:]) == {"new"}
        assert sorted(json.loads(r.body)["data"]["n"] for r in rx.requests) == list(range(100))


def _verifies(secret: str, request: Any) -> bool:
    try:
        Webhook(secret).verify(request.body, request.headers)
    except Exception:
        return False
    return True
