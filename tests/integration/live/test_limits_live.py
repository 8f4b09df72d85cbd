"""Limits and operations of live updates over a real WebSocket: subscriptions per
connection, connections per token, rate limits, keep-alive pings, the idle timeout, slow
consumers, cursors, and what WebSockets do not carry."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from handoff.live.events import encode_cursor
from handoff.storage import events as event_store
from tests.integration.api._helpers import AMS, create_handoff, create_person
from tests.integration.live._live import sse_client, until, ws_client
from tests.integration.live.test_websocket import EVENTS, HANDOFF, until_dispatched


def _code(message: dict) -> str:
    assert message["type"] == "error", message
    [error] = message["payload"]
    return str(error["extensions"]["code"])


@pytest.mark.parametrize("live_settings", [{"live_max_subscriptions_per_connection": 2}])
async def test_subscriptions_per_connection_are_limited(live) -> None:
    gql = await live.client()
    async with ws_client(live.served.ws, gql.token) as ws:
        await ws.subscribe("a", EVENTS)
        await ws.subscribe("b", EVENTS)
        await ws.subscribe("c", EVENTS)
        message = await ws.next("c")
        assert _code(message) == "RATE_LIMITED"
        assert "at most 2 subscriptions" in message["payload"][0]["message"]
        # the connection stays; ending one makes room
        await ws.complete("a")
        await until(lambda: live.served.hub_subscribers == 1, "a completed")
        await ws.subscribe("d", EVENTS)
        await live.served.wait_subscribers(2)


@pytest.mark.parametrize("live_settings", [{"live_max_connections_per_token": 1}])
async def test_connections_per_token_are_limited(live) -> None:
    gql = await live.client()
    other = await live.client()  # another token of the same workspace has its own budget
    async with ws_client(live.served.ws, gql.token) as first:
        async with ws_client(live.served.ws, gql.token, ack=False) as second:
            closed = await second.closed()
            assert closed.code == 4029
            assert "live connections" in closed.reason
        async with sse_client(live.served.http, EVENTS, token=gql.token) as sse:
            assert sse.response.status_code == 429
            assert sse.response.headers["Retry-After"] == "5"
        async with ws_client(live.served.ws, other.token) as third:
            await third.subscribe("e", EVENTS)
            await live.served.wait_subscribers(1)
        await first.subscribe("e", EVENTS)
    # closed connections free their place, once the server has seen them close (the
    # client's close returns before the server's handler has released the connection)
    runtime = live.served.app.state.live
    await until(lambda: not runtime.connections, "the closed connections released")
    async with ws_client(live.served.ws, gql.token):
        pass


@pytest.mark.parametrize("live_settings", [{"live_max_connections_per_token": 1}])
async def test_a_persons_tokens_share_their_connections(live) -> None:
    gql = await live.client()
    make = """mutation($p: ID!, $n: String!) {
      createPersonToken(personId: $p, name: $n) { ... on CreatePersonTokenPayload { secret } }
    }"""
    ana = await create_person(gql, "Ana", AMS)
    bo = await create_person(gql, "Bo", AMS)
    phone, laptop = [
        (await gql(make, {"p": ana["id"], "n": n}))["createPersonToken"]["secret"]
        for n in ("phone", "laptop")
    ]
    bos = (await gql(make, {"p": bo["id"], "n": "phone"}))["createPersonToken"]["secret"]
    async with ws_client(live.served.ws, phone):
        # another token of Ana's is no more room for her
        async with ws_client(live.served.ws, laptop, ack=False) as second:
            closed = await second.closed()
            assert closed.code == 4029
            assert "this person's tokens already hold 1" in closed.reason
        async with ws_client(live.served.ws, bos) as other:  # Bo's are his own
            await other.subscribe("e", EVENTS)
            await live.served.wait_subscribers(1)


@pytest.mark.parametrize("live_settings", [{"live_max_connections": 2}])
async def test_one_process_holds_at_most_live_max_connections(live) -> None:
    tokens = [(await live.client()).token for _ in range(3)]
    async with ws_client(live.served.ws, tokens[0]), ws_client(live.served.ws, tokens[1]) as b:
        # full, whoever asks: the third token's first connection is told to come back
        async with ws_client(live.served.ws, tokens[2], ack=False) as refused:
            closed = await refused.closed()
            assert closed.code == 1013
            assert "maximum of 2 live connections" in closed.reason
        async with sse_client(live.served.http, EVENTS, token=tokens[2]) as sse:
            assert sse.response.status_code == 429
            assert sse.response.headers["Retry-After"] == "5"
            [error] = json.loads(await sse.response.aread())["errors"]
            assert error["extensions"]["code"] == "RATE_LIMITED"
            assert "maximum of 2 live connections" in error["message"]
        # the connections it holds go on working
        await b.subscribe("a", EVENTS)
        await live.served.wait_subscribers(1)
    # closed connections free their places (once the server has seen them close)
    runtime = live.served.app.state.live
    await until(lambda: not runtime.connections, "the closed connections released")
    async with ws_client(live.served.ws, tokens[2]) as later:
        await later.subscribe("b", EVENTS)
        await live.served.wait_subscribers(1)


@pytest.mark.parametrize("live_settings", [{"rate_limit_per_minute": 60, "rate_limit_burst": 3}])
async def test_connecting_and_each_subscription_spend_the_tokens_rate_limit(live) -> None:
    gql = await live.client()
    async with ws_client(live.served.ws, gql.token) as ws:  # 1
        await ws.subscribe("a", EVENTS)  # 2
        await ws.subscribe("b", EVENTS)  # 3
        await live.served.wait_subscribers(2)
        await ws.subscribe("c", EVENTS)
        message = await ws.next("c")
        assert _code(message) == "RATE_LIMITED"
        assert "retry after" in message["payload"][0]["message"]
        # messages pushed to the client cost nothing: the two streams go on
        async with live.pool.connection() as conn:
            ws_id = await _workspace(conn)
            await event_store.record_many(
                conn,
                [event_store.NewEvent(ws_id, "handoff.created", {"n": i}) for i in range(5)],
                live.clock.now(),
            )
        for op in ("a", "b"):
            got = [(await ws.data(op))["events"]["data"]["n"] for _ in range(5)]
            assert got == [0, 1, 2, 3, 4]
    async with ws_client(live.served.ws, gql.token, ack=False) as ws:
        assert (await ws.closed()).code == 4029  # connecting needs a request of the budget


async def _workspace(conn) -> int:
    cur = await conn.execute("SELECT id FROM workspaces WHERE name = 'acme'")
    row = await cur.fetchone()
    return int(row["id"])


async def test_websockets_carry_subscriptions_only_and_http_does_not_run_them(live) -> None:
    gql = await live.client()
    async with ws_client(live.served.ws, gql.token) as ws:
        await ws.subscribe("q", "{ viewer { name } }")
        message = await ws.next("q")
        assert _code(message) == "BAD_REQUEST"
        assert "POST /graphql" in message["payload"][0]["message"]
        await ws.subscribe("m", 'mutation { revokeToken(id: "x") { __typename } }')
        assert _code(await ws.next("m")) == "BAD_REQUEST"
        await ws.subscribe("bad", 'subscription { events(types: ["nope"]) { id } }')
        message = await ws.next("bad")
        assert _code(message) == "BAD_USER_INPUT"
        assert message["payload"][0]["extensions"]["field"] == "types.0"
        await ws.subscribe("syntax", "subscription {")
        assert _code(await ws.next("syntax")) == "GRAPHQL_PARSE_FAILED"
        # an operation that cannot be told: a BAD_REQUEST, as over HTTP, and the id is free
        two = f"subscription A {EVENTS[len('subscription') :]} subscription B {{ events {{ id }} }}"
        await ws.subscribe("two", two)
        message = await ws.next("two")
        assert _code(message) == "BAD_REQUEST"
        assert "operationName" in message["payload"][0]["message"]
        payload = {"query": "subscription A { events { id } }", "operationName": "Nope"}
        await ws.send({"id": "two", "type": "subscribe", "payload": payload})
        message = await ws.next("two")
        assert _code(message) == "BAD_REQUEST"
        assert "no operation named 'Nope'" in message["payload"][0]["message"]
    response = await gql.raw(EVENTS)
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST", body
    assert "text/event-stream" in body["errors"][0]["message"]


@pytest.mark.parametrize("live_settings", [{"live_queue_size": 3}])
async def test_a_slow_consumer_is_disconnected_not_buffered(live) -> None:
    from handoff.observability.metrics import LIVE_SLOW_CONSUMERS

    before = LIVE_SLOW_CONSUMERS._value.get()
    gql = await live.client()
    async with ws_client(live.served.ws, gql.token) as ws:
        await ws.subscribe("e", EVENTS)
        await live.served.wait_subscribers(1)
        # 20 events in one commit reach the hub at once: far more than 3 can wait
        async with live.pool.connection() as conn:
            ws_id = await _workspace(conn)
            await event_store.record_many(
                conn,
                [event_store.NewEvent(ws_id, "handoff.created", {"n": i}) for i in range(20)],
                live.clock.now(),
            )
        closed = await ws.closed()
        assert closed.code == 4008
        assert "slow consumer" in closed.reason
    assert LIVE_SLOW_CONSUMERS._value.get() == before + 1
    await until(lambda: live.served.hub_subscribers == 0, "the dropped subscriber is gone")


@pytest.mark.parametrize(
    "live_settings", [{"live_keepalive_seconds": 0.1, "live_idle_timeout_seconds": 0.6}]
)
async def test_keepalive_pings_and_the_idle_timeout(live) -> None:
    gql = await live.client()
    async with ws_client(live.served.ws, gql.token) as ws:  # no subscription
        closed = await ws.closed(5)
        assert (closed.code, closed.reason) == (1000, "idle: no subscription")
    async with ws_client(live.served.ws, gql.token) as ws:
        await ws.subscribe("e", EVENTS)
        await ws.nothing("e", 1.5)  # our client answers every ping: still open
        assert ws.pings >= 5
    # a client that never answers (nor sends anything) is closed
    async with connect(live.served.ws, subprotocols=["graphql-transport-ws"]) as raw:  # type: ignore[list-item]
        await raw.send(
            json.dumps(
                {"type": "connection_init", "payload": {"authorization": f"Bearer {gql.token}"}}
            )
        )
        await raw.send(json.dumps({"id": "e", "type": "subscribe", "payload": {"query": EVENTS}}))
        with pytest.raises(ConnectionClosed) as info:
            while True:
                await asyncio.wait_for(raw.recv(), 5)
        assert info.value.rcvd is not None
        assert (info.value.rcvd.code, info.value.rcvd.reason) == (1000, "idle: nothing heard")


async def test_cursors_are_checked_and_expire_after_the_retention(live) -> None:
    gql = await live.client()
    ana = await create_person(gql, "Ana", AMS)
    bo = await create_person(gql, "Bo", AMS)
    handoff = await create_handoff(gql, bo, ana)
    await until_dispatched(live)
    async with ws_client(live.served.ws, gql.token) as ws:
        for op, after in (("junk", "not a cursor"), ("ahead", encode_cursor(10_000))):
            await ws.subscribe(op, EVENTS, {"after": after})
            message = await ws.next(op)
            assert _code(message) == "BAD_USER_INPUT"
            assert message["payload"][0]["extensions"]["field"] == "after"
        await ws.subscribe("fine", HANDOFF, {"id": handoff["id"], "after": encode_cursor(0)})
        assert (await ws.data("fine"))["handoffChanged"]["type"] == "handoff.created"
    live.clock.advance(timedelta(hours=72, seconds=1))  # the default retention: 72 h
    async with ws_client(live.served.ws, gql.token) as ws:
        await ws.subscribe("old", EVENTS, {"after": encode_cursor(1)})
        message = await ws.next("old")
        assert _code(message) == "CURSOR_EXPIRED"
        assert message["payload"][0]["extensions"]["field"] == "after"
        assert "72 h" in message["payload"][0]["message"]
