"""Subscriptions over a real WebSocket (graphql-transport-ws) against the served app, with
real PostgreSQL, Redis, the delivery engine and a moved clock."""

from __future__ import annotations

from datetime import timedelta

from tests.integration.api._helpers import AMS, MON_TO_THU, create_handoff, create_person
from tests.integration.live._live import ws_client

INBOX = """subscription($p: ID!, $after: String) {
  inboxChanged(personId: $p, after: $after) {
    kind handoffId cursor type at handoff { id status note { summary } }
  }
}"""
HANDOFF = """subscription($id: ID!, $after: String) {
  handoffChanged(id: $id, after: $after) {
    type cursor status deliverAt respondBy explanation handoff { id status deliveredAt }
  }
}"""
EVENTS = """subscription($types: [String!], $after: String) {
  events(types: $types, after: $after) { id type timestamp cursor data }
}"""


async def _people(gql):
    ana = await create_person(gql, "Ana", AMS, weekly=MON_TO_THU)
    sam = await create_person(gql, "Sam", "Australia/Sydney")
    return ana, sam


async def test_a_handoff_lands_and_the_inbox_and_the_handoff_say_so(live) -> None:
    gql = await live.client()
    ana, sam = await _people(gql)
    handoff = await create_handoff(gql, sam, ana, expectResponseWithin="PT4H")
    assert handoff["deliverAt"] == "2026-11-30T08:00:00+00:00"  # Friday is Ana's day off

    async with ws_client(live.served.ws, gql.token) as ws:
        await ws.subscribe("inbox", INBOX, {"p": ana["id"]})
        await ws.subscribe("handoff", HANDOFF, {"id": handoff["id"]})
        await ws.subscribe("events", EVENTS, {"types": ["handoff.delivered"]})
        # without `after`, handoffChanged starts with the handoff as it is
        first = (await ws.data("handoff"))["handoffChanged"]
        assert first["type"] is None
        assert first["status"] == "SCHEDULED"
        assert first["handoff"]["id"] == handoff["id"]
        await live.served.wait_subscribers(3)
        await ws.nothing("inbox", 0.2)  # the inbox is empty, so nothing yet

        live.clock.set(live.clock.now() + timedelta(days=3))  # Monday 30 Nov 14:00 UTC
        assert await live.run_due() >= 1

        added = (await ws.data("inbox"))["inboxChanged"]
        assert added["kind"] == "ADDED"
        assert added["handoffId"] == handoff["id"]
        assert added["type"] == "handoff.delivered"
        assert added["handoff"]["status"] == "DELIVERED"
        changed = (await ws.data("handoff"))["handoffChanged"]
        if changed["type"] == "handoff.created":
            # committed before the hub started, positioned just after this stream began
            changed = (await ws.data("handoff"))["handoffChanged"]
        assert changed["type"] == "handoff.delivered"
        assert changed["status"] == "DELIVERED"
        assert changed["deliverAt"] == "2026-11-30T08:00:00+00:00"
        assert changed["respondBy"] == "2026-11-30T12:00:00+00:00"
        assert changed["explanation"] == handoff["explanation"]
        assert changed["handoff"]["deliveredAt"] is not None
        event = (await ws.data("events"))["events"]
        assert event["type"] == "handoff.delivered"
        assert event["data"]["handoff"]["id"] == handoff["id"]
        assert event["data"]["receiver"]["name"] == "Ana"
        assert event["id"].startswith("msg_")
        assert event["cursor"] == changed["cursor"] == added["cursor"]
