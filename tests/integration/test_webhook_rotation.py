"""Rotating a webhook secret with an overlap: for `keepPreviousFor`, every delivery carries
a signature of the new secret and one of the replaced secret (Standard Webhooks allows
several), so a receiver verifying with either accepts it; after that, only the new one."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from standardwebhooks import Webhook

from handoff.clock import ManualClock
from tests.integration._webhook_helpers import harness, receiver
from tests.integration.test_webhooks import create

ROTATE = """mutation($id: ID!, $keep: Duration) {
  rotateWebhookSecret(id: $id, keepPreviousFor: $keep) {
    __typename
    ... on WebhookEndpointWithSecretPayload { secret endpoint { previousSecretUntil } }
    ... on ValidationError { field message }
    ... on Conflict { message }
  }
}"""


def _accepts(secret: str, request) -> bool:
    try:
        Webhook(secret).verify(request.body, request.headers)
    except Exception:
        return False
    return True


async def test_both_secrets_sign_during_the_overlap_then_only_the_new_one(
    db_url: str, redis_url: str
) -> None:
    # the real time: standardwebhooks checks the timestamp against it (5 min tolerance)
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    async with receiver() as rx, harness(db_url, redis_url, clock) as h:
        ws = await h.workspace("acme")
        endpoint_id, old = await create(h, ws, rx.url)
        rotated = (await h.gql(ws, ROTATE, id=endpoint_id, keep="PT2M"))["rotateWebhookSecret"]
        new = rotated["secret"]
        until = clock.now() + timedelta(minutes=2)
        assert rotated["endpoint"]["previousSecretUntil"] == until.isoformat()

        await h.event(ws, "handoff.created", {"n": 1})
        await h.run_jobs()
        [during] = rx.requests
        assert len(during.headers["webhook-signature"].split(" ")) == 2
        assert _accepts(new, during) and _accepts(old, during)

        clock.advance(timedelta(minutes=2))  # the overlap is over
        await h.event(ws, "handoff.created", {"n": 2})
        await h.run_jobs()
        after = rx.requests[-1]
        assert json.loads(after.body)["data"] == {"n": 2}
        assert len(after.headers["webhook-signature"].split(" ")) == 1
        assert _accepts(new, after) and not _accepts(old, after)

        # a rotation without an overlap ends the previous secret's at once
        again = (await h.gql(ws, ROTATE, id=endpoint_id))["rotateWebhookSecret"]
        assert again["endpoint"]["previousSecretUntil"] is None


async def test_an_overlap_must_be_positive_and_at_most_a_week(db_url: str, redis_url: str) -> None:
    clock = ManualClock(datetime(2026, 11, 27, 14, tzinfo=UTC))
    async with receiver() as rx, harness(db_url, redis_url, clock) as h:
        ws = await h.workspace("acme")
        endpoint_id, _ = await create(h, ws, rx.url)
        before = await h.gql(ws, "{ webhookEndpoints { updatedAt previousSecretUntil } }")
        for keep in ("PT0S", "P8D", "P7DT1S"):
            refused = (await h.gql(ws, ROTATE, id=endpoint_id, keep=keep))["rotateWebhookSecret"]
            assert refused["__typename"] == "ValidationError", (keep, refused)
            assert refused["field"] == "keepPreviousFor", refused
        assert await h.gql(ws, "{ webhookEndpoints { updatedAt previousSecretUntil } }") == before


async def test_a_second_overlap_never_cuts_the_first_one_short(db_url: str, redis_url: str) -> None:
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    async with receiver() as rx, harness(db_url, redis_url, clock) as h:
        ws = await h.workspace("acme")
        endpoint_id, first = await create(h, ws, rx.url)
        await h.gql(ws, ROTATE, id=endpoint_id, keep="PT1H")
        state = "{ webhookEndpoints { updatedAt previousSecretUntil } }"
        before = await h.gql(ws, state)
        clock.advance(timedelta(minutes=2))  # (signatures are checked against the real time)
        refused = (await h.gql(ws, ROTATE, id=endpoint_id, keep="PT1H"))["rotateWebhookSecret"]
        assert refused["__typename"] == "Conflict", refused
        assert "still signs until" in refused["message"]
        assert await h.gql(ws, state) == before
        # the first secret still signs, as promised
        await h.event(ws, "handoff.created", {"n": 1})
        await h.run_jobs()
        assert _accepts(first, rx.requests[-1])
        # once its hour is over another overlap may start; without one, both go at once
        clock.advance(timedelta(minutes=58))
        later = (await h.gql(ws, ROTATE, id=endpoint_id, keep="PT1H"))["rotateWebhookSecret"]
        assert later["__typename"] == "WebhookEndpointWithSecretPayload", later
        at_once = (await h.gql(ws, ROTATE, id=endpoint_id))["rotateWebhookSecret"]
        assert at_once["endpoint"]["previousSecretUntil"] is None
