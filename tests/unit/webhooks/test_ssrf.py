"""The SSRF guard refuses every non-public destination, with a clear reason."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from handoff.webhooks.http import WebhookClient
from handoff.webhooks.sender import AttemptResult, attempt
from handoff.webhooks.signing import generate_secret
from handoff.webhooks.ssrf import RefusedConnection, UnsafeURL, address_problem, validate_url

REFUSED = [
    ("http://127.0.0.1/hook", "loopback"),
    ("http://127.1.2.3:8080/hook", "loopback"),
    ("http://10.0.0.5/hook", "private"),
    ("http://172.16.0.1/hook", "private"),
    ("http://192.168.1.10/hook", "private"),
    ("http://169.254.169.254/latest/meta-data", "cloud metadata"),
    ("http://169.254.10.10/", "link-local"),
    ("http://[::1]/hook", "loopback"),
    ("http://[fd00:ec2::254]/", "cloud metadata"),
    ("http://[fc00::1]/", "private"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[fec0::1]/", "site-local"),
    ("http://[::ffff:127.0.0.1]/", "IPv4-mapped IPv6 form of a loopback"),
    ("http://[::ffff:10.1.1.1]/", "IPv4-mapped IPv6 form of a private"),
    ("http://[::ffff:169.254.169.254]/", "IPv4-mapped IPv6 form of a cloud metadata"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://[::]/", "unspecified"),
    ("http://224.0.0.1/", "multicast"),
    ("http://100.64.1.1/", "carrier-grade NAT"),
    ("http://100.100.100.200/", "cloud metadata"),
    ("http://240.0.0.1/", "reserved"),
    ("http://255.255.255.255/", "reserved"),
    ("http://192.0.0.8/", "private"),
    ("http://localhost:9000/hook", "resolves to 127.0.0.1, which is a loopback"),
]


@pytest.mark.parametrize(("url", "reason"), REFUSED)
async def test_private_destinations_are_refused(url: str, reason: str) -> None:
    with pytest.raises(UnsafeURL, match=reason) as info:
        await validate_url(url, allow_private=False)
    assert "HANDOFF_WEBHOOK_ALLOW_PRIVATE" in str(info.value)


@pytest.mark.parametrize(("url", "_reason"), REFUSED[:10])
async def test_allow_private_lifts_the_address_check(url: str, _reason: str) -> None:
    assert await validate_url(url, allow_private=True) == url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/x", "scheme must be http or https"),
        ("file:///etc/passwd", "scheme must be http or https"),
        ("gopher://example.com", "scheme must be http or https"),
        ("http:///nohost", "no host"),
        ("https://user:pw@example.com/", "credentials"),
        ("https://example.com/#frag", "fragment"),
        ("https://example.com:99999/", "malformed"),
        ("", "empty"),
        (" https://example.com/", "whitespace"),
        ("https://example.com/" + "a" * 2100, "longer than 2048"),
        # a CR/LF would end the request line and start a header of the sender's choosing
        ("https://8.8.8.8/a\r\nX-Injected: 1", "control characters"),
        ("https://example.com/a\tb", "control characters"),
        ("https://example.com/\x7f", "control characters"),
    ],
)
async def test_malformed_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(UnsafeURL, match=message):
        await validate_url(url, allow_private=True)


def resolver_returning(*answers: Sequence[str]):
    calls: list[str] = []

    async def resolve(host: str, port: int) -> Sequence[str]:
        calls.append(host)
        return answers[min(len(calls), len(answers)) - 1]

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


async def test_a_name_with_any_private_address_is_refused() -> None:
    resolve = resolver_returning(["93.184.215.14", "10.0.0.7"])
    with pytest.raises(UnsafeURL, match=r"'hooks.example.com' resolves to 10.0.0.7"):
        await validate_url("https://hooks.example.com/x", allow_private=False, resolver=resolve)


async def test_public_names_pass() -> None:
    resolve = resolver_returning(["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
    url = "https://hooks.example.com/x"
    assert await validate_url(url, allow_private=False, resolver=resolve) == url


async def test_connect_time_check_catches_dns_rebinding() -> None:
    # public when the endpoint is created, private when the worker connects
    resolve = resolver_returning(["93.184.215.14"], ["127.0.0.1"])
    url = "http://rebind.example.com:8080/hook"
    assert await validate_url(url, allow_private=False, resolver=resolve) == url
    async with WebhookClient(allow_private=False, resolver=resolve) as client:
        result = await attempt(
            client,
            url,
            secret=generate_secret(),
            msg_id="msg_1",
            body="{}",
            now=datetime.now(UTC),
            limit_seconds=2,
        )
        assert result.outcome == "refused"
        assert result.error is not None
        assert "resolves to 127.0.0.1, which is a loopback address" in result.error
        # a plain request through the client is refused the same way
        with pytest.raises(RefusedConnection, match="loopback"):
            await client.post(url, b"{}", {})
        assert client.connections_opened == 0
    assert resolve.calls == ["rebind.example.com"] * 3  # type: ignore[attr-defined]


def test_address_classes() -> None:
    assert address_problem(ipaddress.ip_address("93.184.215.14")) is None
    assert address_problem(ipaddress.ip_address("2606:4700::1111")) is None
    assert (
        address_problem(ipaddress.ip_address("64:ff9b::a00:1"))
        == "a NAT64 form of a private address"
    )
    assert (
        address_problem(ipaddress.ip_address("2002:7f00:1::"))
        == "a 6to4 form of a loopback address"
    )


# -- the guarded HTTP client (handoff/webhooks/http.py) against a raw local server ----


class RawServer:
    """A raw HTTP/1.1 server on 127.0.0.1 answering each request with the next reply."""

    def __init__(self, *replies: bytes, close_after: bool = False) -> None:
        self.replies = list(replies)
        self.close_after = close_after
        self.connections = 0
        self.requests: list[bytes] = []
        self.server: asyncio.AbstractServer | None = None

    async def __aenter__(self) -> RawServer:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = await reader.readexactly(length)
                self.requests.append(head + body)
                reply = self.replies.pop(0) if self.replies else OK
                if reply == b"hangup":
                    break  # close without an answer
                if reply == b"hang":
                    await asyncio.sleep(5)
                writer.write(reply)
                await writer.drain()
                if self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


OK = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"


async def _post(client: WebhookClient, url: str, limit: float = 2.0) -> AttemptResult:
    return await attempt(
        client,
        url,
        secret=generate_secret(),
        msg_id="msg_1",
        body='{"a":1}',
        now=datetime.now(UTC),
        limit_seconds=limit,
    )


async def test_one_keep_alive_connection_per_endpoint_per_run() -> None:
    async with RawServer() as srv, WebhookClient(allow_private=True) as client:
        port = srv.port
        url = f"http://localhost:{port}/hook/1?x=a b"
        for _ in range(5):
            assert (await _post(client, url)).outcome == "success"
    assert srv.connections == 1 and client.connections_opened == 1
    first = srv.requests[0]
    assert first.startswith(b"POST /hook/1?x=a%20b HTTP/1.1\r\n")
    assert f"host: localhost:{port}\r\n".encode() in first
    assert b"webhook-signature: v1," in first and first.endswith(b'\r\n\r\n{"a":1}')


async def test_a_closed_keep_alive_connection_is_replaced() -> None:
    # the server hangs up after every answer without saying so: the next request is
    # sent once more on a fresh connection
    async with RawServer(close_after=True) as srv, WebhookClient(allow_private=True) as client:
        url = f"http://127.0.0.1:{srv.port}/hook"
        for _ in range(3):
            assert (await _post(client, url)).outcome == "success"
    assert srv.connections == 3 and len(srv.requests) == 3
    # the hang-up not yet noticed when the connection is picked: the server reads the
    # request and closes without an answer; it goes out once more on a fresh connection
    async with RawServer(OK, b"hangup") as srv, WebhookClient(allow_private=True) as client:
        url = f"http://127.0.0.1:{srv.port}/hook"
        assert (await _post(client, url)).outcome == "success"
        assert (await _post(client, url)).outcome == "success"
    assert srv.connections == 2 and len(srv.requests) == 3


async def test_redirects_are_not_followed_and_excerpts_are_bounded() -> None:
    big = b"x" * 5000
    chunked = (
        b"HTTP/1.1 500 Oops\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    )
    async with (
        RawServer(
            b"HTTP/1.1 302 Found\r\nlocation: http://169.254.169.254/\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\ncontent-length: 5000\r\n\r\n" + big,
            chunked,
            b"HTTP/1.1 204 No Content\r\n\r\n",
        ) as srv,
        WebhookClient(allow_private=True) as client,
    ):
        url = f"http://127.0.0.1:{srv.port}/hook"
        redirect = await _post(client, url)
        assert redirect.outcome == "http_error" and redirect.status_code == 302
        assert redirect.error == "HTTP 302 (redirects are not followed)"
        long = await _post(client, url)
        assert long.outcome == "success" and long.response_excerpt == "x" * 1024
        failed = await _post(client, url)
        assert (failed.status_code, failed.response_excerpt) == (500, "abcde")
        assert (await _post(client, url)).status_code == 204
    assert len(srv.requests) == 4 and srv.connections == 1


async def test_a_timed_out_connection_is_never_reused() -> None:
    async with RawServer(b"hang") as srv, WebhookClient(allow_private=True) as client:
        url = f"http://127.0.0.1:{srv.port}/hook"
        slow = await _post(client, url, limit=0.2)
        assert slow.outcome == "timeout" and slow.error == "timed out after 0.2 s"
        assert (await _post(client, url)).outcome == "success"
    assert srv.connections == 2


async def test_bad_http_and_refused_ports_are_connect_errors() -> None:
    async with RawServer(b"SMTP ready\r\n\r\n") as srv, WebhookClient(allow_private=True) as client:
        bad = await _post(client, f"http://127.0.0.1:{srv.port}/hook")
        assert bad.outcome == "connect_error" and "malformed status line" in (bad.error or "")
        port = srv.port
    async with WebhookClient(allow_private=True) as client:
        gone = await _post(client, f"http://127.0.0.1:{port}/hook")
        assert gone.outcome == "connect_error"
