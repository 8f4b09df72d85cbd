"""Subscriptions over a real WebSocket (graphql-transport-ws) against the served app, with
real PostgreSQL, Redis, the delivery engine and a moved clock."""

from __future__ import annotations

import asyncio
import json
import re
import time
from datetime import datetime, timedelta

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from handoff.live.events import decode_cursor
from tests.integration.api._helpers import (
    ACKNOWLEDGE,
    AMS,
    CANCEL,
    COMPLETE,
    MON_TO_THU,
    create_handoff,
    create_person,
    ok,
)
from tests.integration.api.test_rights import REVOKE, TOKEN
from tests.integration.live._live import until, ws_client

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
REACH = """subscription($ids: [ID!]!) {
  reachabilityChanged(personIds: $ids) { person { id name } reachable at nextChangeAt }
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

        metrics = (await live.http.get("/metrics")).text
        assert 'handoff_live_connections{transport="ws"} 1.0' in metrics
        assert 'handoff_live_subscriptions{field="inboxChanged"} 1.0' in metrics
        sent = re.search(
            r'^handoff_live_messages_total\{field="handoffChanged"\} (\S+)$', metrics, re.M
        )
        assert sent is not None and float(sent.group(1)) >= 2


async def _delivered(live, gql, sender, receiver, **kw):
    """A handoff from `sender` that has landed with `receiver` (the engine ran)."""
    handoff = await create_handoff(gql, sender, receiver, **kw)
    live.clock.set(max(live.clock.now(), _instant(handoff["deliverAt"])))
    await live.run_due()
    return handoff


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def _outbox(live, ws_name: str = "acme") -> list[tuple[int, str, str]]:
    """(position, message id, type) of a workspace's dispatched events, in outbox order."""
    async with live.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT e.position, e.public_id, e.type FROM events e JOIN workspaces w"
            " ON w.id = e.workspace_id WHERE w.name = %s AND e.position IS NOT NULL"
            " ORDER BY e.position",
            (ws_name,),
        )
        return [(r["position"], r["public_id"], r["type"]) for r in await cur.fetchall()]


async def test_reconnecting_with_after_replays_what_was_missed_once_then_goes_on_live(
    live,
) -> None:
    gql = await live.client()
    ana, sam = await _people(gql)
    first = await _delivered(live, gql, sam, ana)

    async with ws_client(live.served.ws, gql.token) as ws:
        await ws.subscribe("all", EVENTS)
        await ws.subscribe("inbox", INBOX, {"p": ana["id"]})
        start = (await ws.data("inbox"))["inboxChanged"]  # the inbox as it is
        assert (start["kind"], start["type"], start["handoffId"]) == ("ADDED", None, first["id"])
        await live.served.wait_subscribers(2)
        await ok(gql, ACKNOWLEDGE, {"id": first["id"]}, "acknowledgeHandoff", "HandoffPayload")
        seen = (await ws.data("all"))["events"]
        assert seen["type"] == "handoff.acknowledged"
        removed = (await ws.data("inbox"))["inboxChanged"]
        assert (removed["kind"], removed["handoffId"]) == ("REMOVED", first["id"])
    cursor, inbox_cursor = seen["cursor"], removed["cursor"]

    # while nobody listens: a second handoff is created and lands, a third is cancelled
    second = await _delivered(live, gql, sam, ana, title="Second")
    third = await create_handoff(gql, sam, ana, title="Third")
    await ok(gql, CANCEL, {"id": third["id"]}, "cancelHandoff", "HandoffPayload")
    await until_dispatched(live)
    missed = [e for e in await _outbox(live) if e[0] > _position(cursor)]
    assert [t for _, _, t in missed] == [
        "handoff.created",
        "handoff.delivered",
        "handoff.created",
        "handoff.cancelled",
    ]

    async with ws_client(live.served.ws, gql.token) as ws:
        await ws.subscribe("all", EVENTS, {"after": cursor})
        await ws.subscribe("inbox", INBOX, {"p": ana["id"], "after": inbox_cursor})
        replayed = [(await ws.data("all"))["events"] for _ in missed]
        assert [(e["id"], e["type"]) for e in replayed] == [(m, t) for _, m, t in missed]
        added = (await ws.data("inbox"))["inboxChanged"]
        assert (added["kind"], added["handoffId"]) == ("ADDED", second["id"])
        # the third was cancelled before it landed: its created event said so, no edge
        await ws.nothing("inbox", 0.3)
        await ws.nothing("all", 0.3)  # nothing twice
        # and then live
        await ok(gql, COMPLETE, {"id": second["id"]}, "completeHandoff", "HandoffPayload")
        live_event = (await ws.data("all"))["events"]
        assert live_event["type"] == "handoff.completed"
        assert _position(live_event["cursor"]) > _position(replayed[-1]["cursor"])
        gone = (await ws.data("inbox"))["inboxChanged"]
        assert (gone["kind"], gone["handoffId"]) == ("REMOVED", second["id"])
        await ws.nothing("all", 0.3)


def _position(cursor: str) -> int:
    return decode_cursor(cursor)


async def until_dispatched(live) -> None:
    """Every event has its outbox position (the hub dispatches when woken)."""
    await live.served.app.state.live.hub.start()

    async def done() -> bool:
        async with live.pool.connection() as conn:
            cur = await conn.execute("SELECT count(*) AS n FROM events WHERE position IS NULL")
            row = await cur.fetchone()
            return row is not None and row["n"] == 0

    await until(done, "every event dispatched")


async def test_another_workspaces_ids_are_an_error_and_no_events(live) -> None:
    acme = await live.client("acme")
    globex = await live.client("globex")
    ana, sam = await _people(acme)
    handoff = await create_handoff(acme, sam, ana)

    async with ws_client(live.served.ws, globex.token) as ws:
        await ws.subscribe("h", HANDOFF, {"id": handoff["id"]})
        await ws.subscribe("i", INBOX, {"p": ana["id"]})
        await ws.subscribe("r", REACH, {"ids": [sam["id"]]})
        for op in ("h", "i", "r"):
            message = await ws.next(op)
            assert message["type"] == "error", message
            [error] = message["payload"]
            assert error["extensions"]["code"] == "NOT_FOUND", error
            assert "not found" in error["message"]
        # globex's own stream of everything: acme's events never reach it
        await ws.subscribe("all", EVENTS)
        await live.served.wait_subscribers(1)
        await ok(acme, CANCEL, {"id": handoff["id"]}, "cancelHandoff", "HandoffPayload")
        await until_dispatched(live)
        await ws.nothing("all", 0.5)
        await ws.nothing("h", 0.01)


async def test_a_bad_missing_or_revoked_token_closes_the_socket_with_4403(live) -> None:
    async with ws_client(live.served.ws, "hnd_not-a-token", ack=False) as ws:
        closed = await ws.closed()
        assert closed.code == 4403
        assert "Forbidden" in closed.reason
    async with ws_client(live.served.ws, None, init={}, ack=False) as ws:
        assert (await ws.closed()).code == 4403
    # subscribing before connection_init is the protocol's 4401
    async with connect(live.served.ws, subprotocols=["graphql-transport-ws"]) as raw:  # type: ignore[list-item]
        await raw.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": EVENTS}}))
        with pytest.raises(ConnectionClosed) as info:
            await asyncio.wait_for(raw.recv(), 5)
        assert info.value.rcvd is not None and info.value.rcvd.code == 4401

    gql = await live.client()
    ana, _ = await _people(gql)
    made = await ok(
        gql,
        TOKEN,
        {"person": ana["id"], "name": "app"},
        "createPersonToken",
        "CreatePersonTokenPayload",
    )
    async with ws_client(live.served.ws, made["secret"]) as ws:
        await ws.subscribe("all", EVENTS)
        await live.served.wait_subscribers(1)
        revoked = (await gql(REVOKE, {"id": made["token"]["id"]}))["revokeToken"]
        assert revoked["token"]["revokedAt"] is not None
        t0 = time.monotonic()
        closed = await ws.closed()
        assert closed.code == 4403 and "revoked" in closed.reason
        assert time.monotonic() - t0 < 3  # the tokens are checked every second
    await until(lambda: live.served.hub_subscribers == 0, "the subscription is gone")


async def test_an_expired_token_is_closed_when_the_clock_passes_its_expiry(live) -> None:
    gql = await live.client()
    ana, _ = await _people(gql)
    expires = (live.clock.now() + timedelta(minutes=5)).isoformat()
    made = await ok(
        gql,
        TOKEN,
        {"person": ana["id"], "name": "app", "expires": expires},
        "createPersonToken",
        "CreatePersonTokenPayload",
    )
    async with ws_client(live.served.ws, made["secret"]) as ws:
        await ws.subscribe("all", EVENTS)
        await live.served.wait_subscribers(1)
        await ws.nothing("all", 1.2)  # still open a second later
        live.clock.advance(timedelta(minutes=6))
        assert (await ws.closed()).code == 4403
