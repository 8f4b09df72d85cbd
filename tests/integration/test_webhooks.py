"""Webhooks end to end: GraphQL management, outbox fan-out, real HTTP delivery via arq."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from standardwebhooks import Webhook

from handoff.clock import ManualClock
from tests.integration._webhook_helpers import Reply, harness, receiver

CREATE = """
mutation($url: String!, $types: [String!]!) {
  createWebhookEndpoint(input: {url: $url, eventTypes: $types, description: "test"}) {
    __typename
    ... on WebhookEndpointWithSecretPayload { secret endpoint { id url eventTypes enabled } }
    ... on ValidationError { field message }
  }
}
"""

DELIVERIES = """
query($id: ID!, $status: WebhookDeliveryStatus) {
  webhookDeliveries(endpointId: $id, status: $status) {
    __typename
    ... on WebhookDeliveriesPayload {
      deliveries { id messageId eventType status attemptCount lastStatusCode lastError
                   attempts { number statusCode outcome latencyMs responseExcerpt error } }
    }
    ... on NotFound { id message }
  }
}
"""

REDELIVER = """
mutation($id: ID!) {
  redeliverWebhook(deliveryId: $id) {
    __typename
    ... on WebhookDeliveryPayload { delivery { id status } }
    ... on NotFound { message }
    ... on ValidationError { field message }
  }
}
"""

DATA = {"handoffId": "SGFuZG9mZjox", "summary": "pass the baton"}


def independent_signature(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


async def create(h, ws: int, url: str, types: list[str] | None = None) -> tuple[str, str]:
    data = await h.gql(ws, CREATE, url=url, types=types or ["handoff.created", "handoff.delivered"])
    payload = data["createWebhookEndpoint"]
    assert payload["__typename"] == "WebhookEndpointWithSecretPayload", payload
    return payload["endpoint"]["id"], payload["secret"]


async def deliveries(h, ws: int, endpoint_id: str, status: str | None = None) -> list[dict]:
    data = await h.gql(ws, DELIVERIES, id=endpoint_id, status=status)
    payload = data["webhookDeliveries"]
    assert payload["__typename"] == "WebhookDeliveriesPayload", payload
    return payload["deliveries"]


async def test_delivery_is_signed_per_standard_webhooks(db_url: str, redis_url: str) -> None:
    # a clock at the real time, so standardwebhooks' own 5-minute tolerance accepts it
    clock = ManualClock(datetime.now(UTC))
    async with receiver() as rx, harness(db_url, redis_url, clock) as h:
        ws = await h.workspace("acme")
        endpoint_id, secret = await create(h, ws, rx.url)
        assert secret.startswith("whsec_")
        await h.event(ws, "handoff.created", DATA)
        await h.event(ws, "handoff.acknowledged", DATA)  # not subscribed
        await h.run_jobs()

        assert len(rx.requests) == 1
        req = rx.requests[0]
        assert req.method == "POST" and req.path == "/hook"
        assert req.headers["content-type"] == "application/json"
        msg_id, ts = req.headers["webhook-id"], req.headers["webhook-timestamp"]
        assert msg_id.startswith("msg_")
        assert int(ts) == int(clock.now().timestamp())
        # independent: HMAC-SHA256 over id.timestamp.body with the decoded secret
        assert req.headers["webhook-signature"] == independent_signature(
            secret, msg_id, ts, req.body
        )
        # and the reference library
        body = Webhook(secret).verify(req.body, req.headers)
        assert body == {
            "type": "handoff.created",
            "timestamp": body["timestamp"],
            "sequence": 1,
            "data": DATA,
        }
        assert req.headers["webhook-sequence"] == "1"
        assert datetime.fromisoformat(body["timestamp"]) == clock.now().replace(
            microsecond=clock.now().microsecond // 1000 * 1000
        )
        # a wrong secret does not verify
        other = "whsec_" + base64.b64encode(b"x" * 32).decode()
        assert req.headers["webhook-signature"] != independent_signature(
            other, msg_id, ts, req.body
        )

        [d] = await deliveries(h, ws, endpoint_id)
        assert d["status"] == "SUCCEEDED" and d["attemptCount"] == 1
        assert d["messageId"] == msg_id
        assert d["attempts"][0]["statusCode"] == 200
        assert d["attempts"][0]["responseExcerpt"] == "ok"


async def test_retry_after_500_and_timeout_then_success_is_one_delivery(
    db_url: str, redis_url: str, clock: ManualClock
) -> None:
    async with (
        receiver() as rx,
        harness(db_url, redis_url, clock, webhook_timeout_seconds=0.3) as h,
    ):
        ws = await h.workspace("acme")
        endpoint_id, _ = await create(h, ws, rx.url)
        rx.program(Reply(status=500, body=b"boom"), Reply(delay=1.0))
        await h.event(ws, "handoff.created", DATA)

        await h.run_jobs()  # attempt 1: 500
        [d] = await deliveries(h, ws, endpoint_id)
        assert d["status"] == "FAILED" and d["lastStatusCode"] == 500

        await h.run_jobs()  # not due yet: nothing is sent
        assert len(rx.requests) == 1

        clock.advance(timedelta(seconds=6))
        await h.run_jobs()  # attempt 2: times out
        [d] = await deliveries(h, ws, endpoint_id)
        assert d["status"] == "FAILED" and "timed out" in d["lastError"]

        clock.advance(timedelta(minutes=6))
        await h.run_jobs()  # attempt 3: 200
        [d] = await deliveries(h, ws, endpoint_id)
        assert d["status"] == "SUCCEEDED" and d["attemptCount"] == 3
        assert [a["outcome"] for a in d["attempts"]] == ["http_error", "timeout", "success"]
        assert d["attempts"][0]["responseExcerpt"] == "boom"

        assert len(rx.requests) == 3
        ids = {r.headers["webhook-id"] for r in rx.requests}
        assert ids == {d["messageId"]}
        bodies = {r.body for r in rx.requests}
        assert len(bodies) == 1  # the same body every time; only the timestamp/signature move

        # no redelivery after success
        clock.advance(timedelta(days=4))
        await h.run_jobs()
        assert len(rx.requests) == 3


async def test_a_tenant_cannot_see_or_redeliver_another_workspaces_deliveries(
    db_url: str, redis_url: str, clock: ManualClock
) -> None:
    async with receiver() as rx, harness(db_url, redis_url, clock) as h:
        a = await h.workspace("a")
        b = await h.workspace("b")
        endpoint_id, _ = await create(h, a, rx.url)
        await h.event(a, "handoff.created", DATA)
        await h.run_jobs()
        [d] = await deliveries(h, a, endpoint_id)

        seen = await h.gql(b, DELIVERIES, id=endpoint_id, status=None)
        assert seen["webhookDeliveries"]["__typename"] == "NotFound"
        listed = await h.gql(b, "{ webhookEndpoints { id } }")
        assert listed["webhookEndpoints"] == []
        redo = await h.gql(b, REDELIVER, id=d["id"])
        assert redo["redeliverWebhook"]["__typename"] == "NotFound"
        await h.run_jobs()
        assert len(rx.requests) == 1

        # the owner can redeliver: same webhook-id, a second attempt
        redo = await h.gql(a, REDELIVER, id=d["id"])
        assert redo["redeliverWebhook"]["delivery"]["status"] == "PENDING"
        await h.run_jobs()
        assert len(rx.requests) == 2
        assert rx.requests[0].headers["webhook-id"] == rx.requests[1].headers["webhook-id"]
        [d] = await deliveries(h, a, endpoint_id)
        assert d["status"] == "SUCCEEDED" and d["attemptCount"] == 2
