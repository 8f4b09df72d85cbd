"""The webhook HTTP client against real servers on 127.0.0.1: framing, keep-alive,
redirects, bounded excerpts, header injection and the SSRF guard at connect time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

from handoff.webhooks.http import EXCERPT_BYTES, ProtocolError, WebhookClient
from handoff.webhooks.ssrf import RefusedConnection

Handler = Callable[[bytes, asyncio.StreamWriter], Awaitable[bool]]


@asynccontextmanager
async def server(answer: Handler) -> AsyncIterator[tuple[str, list[bytes], list[int]]]:
    """A raw HTTP server; `answer(request, writer)` replies and says whether to keep the
    connection open. Yields (url, requests seen, connections accepted)."""
    seen: list[bytes] = []
    accepted: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                seen.append(head + await reader.readexactly(length))
                if not await answer(seen[-1], writer):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/hook?x=1", seen, accepted
    finally:
        srv.close()
        await srv.wait_closed()


@asynccontextmanager
async def connected(
    answer: Handler, *, allow_private: bool = True
) -> AsyncIterator[tuple[WebhookClient, str, list[bytes], list[int]]]:
    """A server and a client of it: (client, url, requests seen, connections accepted)."""
    client = WebhookClient(allow_private=allow_private)
    async with server(answer) as (url, seen, accepted), client:
        yield client, url, seen, accepted


def reply(status: str, body: bytes = b"ok", extra: str = "") -> Handler:
    async def answer(_: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(
            f"HTTP/1.1 {status}\r\ncontent-length: {len(body)}\r\n{extra}\r\n".encode() + body
        )
        await writer.drain()
        return True

    return answer


async def test_posts_the_body_with_headers_and_reuses_the_connection() -> None:
    async with connected(reply("200 OK", b"thanks")) as (client, url, seen, accepted):
        first = await client.post(url, b'{"a":1}', {"webhook-id": "msg_1"})
        second = await client.post(url, b'{"a":2}', {"webhook-id": "msg_2"})
    assert (first.status_code, first.excerpt) == (200, b"thanks")
    assert second.status_code == 200
    assert len(accepted) == 1 and client.connections_opened == 1
    head = seen[0].lower()
    assert head.startswith(b"post /hook?x=1 http/1.1\r\n")
    assert b"webhook-id: msg_1" in head and b"user-agent: handoff-webhooks/" in head
    assert seen[0].endswith(b'{"a":1}') and seen[1].endswith(b'{"a":2}')


async def test_a_redirect_is_returned_not_followed() -> None:
    answer = reply("302 Found", b"", "location: http://127.0.0.1:1/elsewhere\r\n")
    async with server(answer) as (url, seen, _), WebhookClient(allow_private=True) as client:
        response = await client.post(url, b"{}", {})
    assert response.status_code == 302
    assert len(seen) == 1


async def test_only_an_excerpt_of_a_long_body_is_kept_and_that_connection_is_not_reused() -> None:
    huge = b"x" * 200_000
    async with connected(reply("500 Oops", huge)) as (client, url, _, accepted):
        first = await client.post(url, b"{}", {})
        await client.post(url, b"{}", {})
    assert first.status_code == 500 and first.excerpt == b"x" * EXCERPT_BYTES
    assert len(accepted) == 2


async def test_a_chunked_answer_is_read_to_its_end() -> None:
    async def chunked(_: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
        )
        await writer.drain()
        return True

    async with connected(chunked) as (client, url, _, accepted):
        first = await client.post(url, b"{}", {})
        await client.post(url, b"{}", {})
    assert first.excerpt == b"abcde"
    assert len(accepted) == 1


async def test_a_keep_alive_connection_closed_by_the_server_is_replaced_once() -> None:
    async def once(_: bytes, writer: asyncio.StreamWriter) -> bool:
        await reply("200 OK")(_, writer)
        return False  # close after every answer, without saying so

    async with connected(once) as (client, url, seen, accepted):
        await client.post(url, b"{}", {})
        await asyncio.sleep(0.05)
        second = await client.post(url, b"{}", {})
    assert second.status_code == 200
    assert len(seen) == 2 and len(accepted) == 2


async def test_a_malformed_status_line_is_a_protocol_error() -> None:
    async def garbage(_: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"SMTP ready\r\n\r\n")
        await writer.drain()
        return False

    async with server(garbage) as (url, _, _), WebhookClient(allow_private=True) as client:
        with pytest.raises(ProtocolError):
            await client.post(url, b"{}", {})


async def test_a_header_with_a_line_break_is_refused_before_sending() -> None:
    async with connected(reply("200 OK")) as (client, url, seen, _):
        with pytest.raises(ValueError, match="control character"):
            await client.post(url, b"{}", {"x-evil": "a\r\nhost: other"})
    assert seen == []


async def test_loopback_is_refused_at_connect_unless_private_addresses_are_allowed() -> None:
    async with connected(reply("200 OK"), allow_private=False) as (client, url, seen, accepted):
        with pytest.raises(RefusedConnection):
            await client.post(url, b"{}", {})
    assert seen == [] and accepted == []


async def test_the_checked_address_is_the_one_connected_to() -> None:
    """DNS rebinding: the name resolves to loopback only through the test's resolver, and
    the client connects to exactly what the resolver answered."""
    async with server(reply("200 OK")) as (url, seen, _):
        port = int(url.split(":")[2].split("/")[0])
        asked: list[tuple[str, int]] = []

        async def resolver(host: str, p: int) -> list[str]:
            asked.append((host, p))
            return ["127.0.0.1"]

        async with WebhookClient(allow_private=True, resolver=resolver) as client:
            response = await client.post(f"http://hooks.example:{port}/x", b"{}", {})
    assert response.status_code == 200
    assert asked == [("hooks.example", port)]
    assert b"host: hooks.example:" in seen[0].lower()
