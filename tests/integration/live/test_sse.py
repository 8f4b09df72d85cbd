"""Subscriptions over Server-Sent Events against the served app: a real HTTP client reading
a text/event-stream response (httpx), real PostgreSQL, Redis, the delivery engine and a
moved clock."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta

import pytest

from handoff.live.events import encode_cursor
from tests.integration.api._helpers import (
    AMS,
    MON_TO_THU,
    create_handoff,
    create_person,
    ok,
    unknown_id,
)
from tests.integration.api.test_rights import REVOKE, TOKEN
from tests.integration.live._live import sse_client, until
from tests.integration.live.test_websocket import EVENTS, HANDOFF, INBOX, until_dispatched


async def _pair(gql):
    ana = await create_person(gql, "Ana", AMS, weekly=MON_TO_THU)
    sam = await create_person(gql, "Sam", "Australia/Sydney")
    return ana, sam


async def test_a_handoff_lands_and_the_sse_stream_says_so(live) -> None:
    gql = await live.client()
    ana, sam = await _pair(gql)
    handoff = await create_handoff(gql, sam, ana)
    async with (
        sse_client(live.served.http, INBOX, {"p": ana["id"]}, gql.token) as inbox,
        sse_client(live.served.http, HANDOFF, {"id": handoff["id"]}, gql.token) as changes,
    ):
        assert inbox.response.status_code == 200
        assert inbox.response.headers["content-type"].startswith("text/event-stream")
        first = (await changes.data())["handoffChanged"]
        assert (first["type"], first["status"]) == (None, "SCHEDULED")
        await live.served.wait_subscribers(2)

        live.clock.advance(timedelta(days=3))
        await live.run_due()
        added = (await inbox.data())["inboxChanged"]
        assert (added["kind"], added["handoffId"]) == ("ADDED", handoff["id"])
        assert added["handoff"]["status"] == "DELIVERED"
        changed = (await changes.data())["handoffChanged"]
        assert (changed["type"], changed["status"]) == ("handoff.delivered", "DELIVERED")
        assert changed["deliverAt"] == "2026-11-30T08:00:00+00:00"


async def test_eventsource_authenticates_with_a_short_lived_token_in_the_url(
    live, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    gql = await live.client()
    ana, sam = await _pair(gql)
    # a token that never expires may not travel in a URL
    async with sse_client(live.served.http, EVENTS, {}, gql.token, in_url=True) as refused:
        assert refused.response.status_code == 401
        body = await refused.response.aread()
        assert b"UNAUTHENTICATED" in body and b"must expire within 3600 s" in body
    async with sse_client(live.served.http, EVENTS, {}, None, in_url=True) as anonymous:
        assert anonymous.response.status_code == 401

    soon = (live.clock.now() + timedelta(minutes=30)).isoformat()
    made = await ok(
        gql,
        TOKEN,
        {"person": ana["id"], "name": "browser tab", "expires": soon},
        "createPersonToken",
        "CreatePersonTokenPayload",
    )
    async with sse_client(live.served.http, EVENTS, {}, made["secret"], in_url=True) as stream:
        assert stream.response.status_code == 200
        await live.served.wait_subscribers(1)
        handoff = await create_handoff(gql, sam, ana)
        event = (await stream.data())["events"]
        assert event["type"] == "handoff.created"
        assert event["data"]["handoff"]["id"] == handoff["id"]

        # revoked: the stream ends with UNAUTHENTICATED, then completes
        await gql(REVOKE, {"id": made["token"]["id"]})
        name, body = await stream.event(5)
        assert name == "next"
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert (await stream.event(5))[0] == "complete"
    await until(lambda: live.served.hub_subscribers == 0, "the stream is gone")
    # the URL's token is never written to the server's logs (our access line has the path
    # only; `handoff serve` turns uvicorn's access log off, and redacts access_token=)
    server = [r for r in caplog.records if r.name.startswith(("handoff", "strawberry"))]
    assert any(r.name == "handoff.access" for r in server)
    for record in server:
        assert made["secret"] not in record.getMessage()
        assert made["secret"] not in str(record.__dict__)


async def test_sse_resumes_with_after_and_reports_errors_as_events(live) -> None:
    gql = await live.client()
    ana, sam = await _pair(gql)
    first = await create_handoff(gql, sam, ana, title="first")
    async with sse_client(live.served.http, EVENTS, {}, gql.token) as stream:
        await live.served.wait_subscribers(1)
        second = await create_handoff(gql, sam, ana, title="second")
        cursor = (await stream.data())["events"]["cursor"]
    third = await create_handoff(gql, sam, ana, title="third")
    await until_dispatched(live)
    async with sse_client(live.served.http, EVENTS, {"after": cursor}, gql.token) as stream:
        replayed = (await stream.data())["events"]
        assert replayed["data"]["handoff"]["id"] == third["id"]
        await live.served.wait_subscribers(1)
        fourth = await create_handoff(gql, sam, ana, title="fourth")
        assert (await stream.data())["events"]["data"]["handoff"]["id"] == fourth["id"]
    assert first["id"] != second["id"]

    missing = unknown_id("Handoff")
    async with sse_client(live.served.http, HANDOFF, {"id": missing}, gql.token) as stream:
        name, body = await stream.event()
        assert name == "next"
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        assert (await stream.event())[0] == "complete"


async def test_eventsource_reconnects_where_it_was_with_last_event_id(live) -> None:
    gql = await live.client()
    ana, sam = await _pair(gql)
    soon = (live.clock.now() + timedelta(minutes=30)).isoformat()
    token = await ok(
        gql,
        TOKEN,
        {"person": ana["id"], "name": "browser tab", "expires": soon},
        "createPersonToken",
        "CreatePersonTokenPayload",
    )
    url_token = token["secret"]
    async with sse_client(live.served.http, EVENTS, {}, url_token, in_url=True) as stream:
        await live.served.wait_subscribers(1)
        await create_handoff(gql, sam, ana, title="first")
        event = (await stream.data())["events"]
        # each message carries its cursor as the SSE id, which EventSource keeps
        assert stream.last_id == event["cursor"]
    # the connection drops; two handoffs are made meanwhile
    second = await create_handoff(gql, sam, ana, title="second")
    third = await create_handoff(gql, sam, ana, title="third")
    await until_dispatched(live)
    async with sse_client(
        live.served.http, EVENTS, {}, url_token, in_url=True, last_event_id=stream.last_id
    ) as again:
        assert (await again.data())["events"]["data"]["handoff"]["id"] == second["id"]
        after_second = again.last_id
        assert (await again.data())["events"]["data"]["handoff"]["id"] == third["id"]
    # EventSource reconnects with the URL it was opened with: when that URL's `after` is
    # older than the header, the header (where the client really was) wins; and the other
    # way round
    for after, header in ((event["cursor"], after_second), (after_second, event["cursor"])):
        async with sse_client(
            live.served.http, EVENTS, {"after": after}, url_token, in_url=True, last_event_id=header
        ) as resumed:
            assert (await resumed.data())["events"]["data"]["handoff"]["id"] == third["id"]
    # a header that is no cursor of ours, or one ahead of the outbox, is refused, naming it
    for header in ("garbage", encode_cursor(10_000_000)):
        async with sse_client(
            live.served.http, EVENTS, {}, url_token, in_url=True, last_event_id=header
        ) as refused:
            name, body = await refused.event()
            assert name == "next"
            error = body["errors"][0]
            assert error["extensions"]["code"] == "BAD_USER_INPUT", error
            assert error["extensions"].get("field") == "Last-Event-ID", (header, error)
            assert (await refused.event())[0] == "complete"
    # a selection without `cursor` sends no ids (there is nothing to resume from)
    plain = "subscription { events { type } }"
    async with sse_client(live.served.http, plain, {}, url_token, in_url=True) as bare:
        await live.served.wait_subscribers(1)
        await create_handoff(gql, sam, ana, title="fourth")
        assert (await bare.data())["events"]["type"] == "handoff.created"
        assert bare.last_id is None


@pytest.mark.parametrize("live_settings", [{"live_keepalive_seconds": 0.1}])
async def test_an_idle_sse_stream_carries_keepalive_comments(live) -> None:
    gql = await live.client()
    async with sse_client(live.served.http, EVENTS, {}, gql.token) as stream:
        comments = 0
        async for line in stream.lines:
            if line.startswith(":"):
                comments += 1
            if comments == 3:
                break
        assert comments == 3


@pytest.mark.parametrize("live_settings", [{"live_keepalive_seconds": 60}])
async def test_the_response_starts_before_the_first_event(live) -> None:
    # nothing happens in this workspace: the stream opens on a comment, not after the
    # first keep-alive a minute on (the client's 30 s read timeout would end it first)
    gql = await live.client()
    async with sse_client(live.served.http, EVENTS, {}, gql.token) as stream:
        assert stream.response.status_code == 200
        assert stream.response.headers["content-type"].startswith("text/event-stream")
        assert (await anext(stream.lines)).startswith(":")


async def test_a_client_that_goes_away_leaves_no_subscriber_behind(live) -> None:
    gql = await live.client()
    body = json.dumps({"query": EVENTS, "variables": {}}).encode()
    request = (
        "POST /graphql HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
        f"Authorization: Bearer {gql.token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    for _ in range(3):  # a browser reconnecting, three times
        reader, writer = await asyncio.open_connection("127.0.0.1", live.served.port)
        writer.write(request)
        await writer.drain()
        await reader.readuntil(b"\r\n\r\n")
        await live.served.wait_subscribers(1)
        writer.close()
        await writer.wait_closed()
        # gone with the connection, not whenever the garbage collector runs
        await until(lambda: live.served.hub_subscribers == 0, "the subscriber let go", 5)
