"""Malformed graphql-transport-ws messages and SSE requests: a clear close or error, never
a server traceback."""

from __future__ import annotations

import json
import logging

import pytest

from tests.integration.live._live import sse_client, ws_client

QUERY = "subscription { events { id } }"


@pytest.mark.parametrize(
    "message",
    [
        [1, 2],
        "just a string",
        {"id": "1", "type": "subscribe", "payload": "x"},
        {"id": "1", "type": "subscribe", "payload": {"query": 5}},
        {"id": 1, "type": "subscribe", "payload": {"query": QUERY}},
        {"id": "1", "type": "subscribe", "payload": {"query": QUERY, "variables": [1]}},
        {"id": "1", "type": "subscribe"},
        {"type": "complete"},
    ],
    ids=[
        "array",
        "string",
        "payload-str",
        "query-int",
        "id-int",
        "vars-list",
        "no-payload",
        "complete-no-id",
    ],
)
async def test_a_malformed_message_closes_with_4400(
    live, message, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    gql = await live.client()
    async with ws_client(live.served.ws, gql.token) as ws:
        await ws.conn.send(json.dumps(message))
        closed = await ws.closed()
    assert closed.code == 4400, closed
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_an_sse_request_without_a_query_is_a_bad_request(
    live, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    gql = await live.client()
    async with sse_client(live.served.http, None, {}, gql.token) as stream:  # type: ignore[arg-type]
        name, body = await stream.event()
    assert name == "next"
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST", body
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
