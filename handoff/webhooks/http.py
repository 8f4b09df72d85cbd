"""The webhook HTTP client: aiohttp with the SSRF guard, for one sender run at a time.

Why aiohttp: measured side by side in `make bench` (tests/benchmarks/README.md), httpx
cost ~0.7 ms of CPU per POST and aiohttp ~0.13 ms; with aiohttp the whole pipeline
(sign, POST, log) holds ~3,900 deliveries/s over 20 endpoints on one worker, well over
the 2,000/s target, so a maintained library replaces the HTTP/1.1 client of our own that
was here (kept in tests/benchmarks/_own_client.py for the comparison). The rules:

- SSRF check at every new connection with the address pinned: a resolver that runs
  `ssrf.checked_addresses` and hands aiohttp only the checked addresses, which the
  connector connects to (TLS still verifies the URL's host name); aiohttp skips resolvers
  for IP literals, so those are checked before the request; no DNS cache;
- no redirects (`allow_redirects=False`), no proxies or environment (`trust_env=False`),
  no cookies (`DummyCookieJar`);
- a bounded excerpt: at most `EXCERPT_BYTES` kept, a body over `DRAIN_BYTES` closes the
  connection instead of being read;
- the caller bounds the whole exchange with `asyncio.timeout` (as for our client).

aiohttp's own errors are translated into what `webhooks.sender.attempt` classifies.
One `WebhookClient` serves one sender run: its connector keeps one keep-alive connection
per origin and closes them all at the end of the run.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import quote

import aiohttp
import httpx
import yarl
from aiohttp.abc import AbstractResolver, ResolveResult

from handoff.webhooks.ssrf import (
    RefusedConnection,
    Resolver,
    UnsafeURL,
    checked_addresses,
    default_port,
    parse_url,
)

EXCERPT_BYTES = 1024
# a response body up to this size is read to the end so the connection can be reused;
# a longer one is cut at the excerpt and its connection closed
DRAIN_BYTES = 64 * 1024
KEEPALIVE_EXPIRY = 5.0
USER_AGENT = "handoff-webhooks/0.1"
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


class ProtocolError(Exception):
    """The server's answer is not valid HTTP/1.1."""


@dataclass(frozen=True)
class Response:
    """A status and at most EXCERPT_BYTES of the body."""

    status_code: int
    excerpt: bytes
    retry_after: str | None = None  # the Retry-After header, as sent


@dataclass(frozen=True)
class _Target:
    host: str  # ASCII (IDNA) host name or IP literal, without brackets
    port: int
    host_header: str
    url: yarl.URL  # already percent-encoded, sent as it is


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    # certifi's CA bundle (as httpx uses elsewhere); loading it takes ~0.1 s: once per process
    return httpx.create_ssl_context()


@functools.lru_cache(maxsize=1024)
def _target(url: str) -> _Target:
    """The URL's syntax checks (ssrf.parse_url), its host in ASCII and its port."""
    parts = parse_url(url)
    assert parts.hostname is not None
    host = parts.hostname
    try:
        host.encode("ascii")
    except UnicodeEncodeError:
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise UnsafeURL(f"the URL host {parts.hostname!r} is not a valid name") from None
    bracketed = f"[{host}]" if ":" in host else host
    shown = bracketed
    if parts.port is not None and parts.port != (443 if parts.scheme == "https" else 80):
        shown += f":{parts.port}"
    # percent-encode path and query ourselves, as written (yarl would turn a space in the
    # query into "+")
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_PATH_SAFE + "?")
    port = default_port(parts)
    encoded = yarl.URL(f"{parts.scheme}://{bracketed}:{port}{path}", encoded=True)
    return _Target(host, port, shown, encoded)


class _GuardedResolver(AbstractResolver):
    def __init__(self, allow_private: bool, resolver: Resolver | None) -> None:
        self.allow_private = allow_private
        self.resolver = resolver

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        try:
            addresses = await checked_addresses(
                host, port, allow_private=self.allow_private, resolver=self.resolver
            )
        except UnsafeURL as exc:
            raise RefusedConnection(str(exc)) from None
        return [
            ResolveResult(
                hostname=host,
                host=addr,
                port=port,
                family=socket.AF_INET6 if ":" in addr else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for addr in addresses
        ]

    async def close(self) -> None:
        return None


class WebhookClient:
    """Guarded keep-alive connections for one sender run (use as `async with`)."""

    def __init__(self, *, allow_private: bool, resolver: Resolver | None = None) -> None:
        self._allow_private = allow_private
        self._resolver = resolver
        self.connections_opened = 0
        trace = aiohttp.TraceConfig()
        trace.on_connection_create_end.append(self._opened)
        trace.on_connection_reuseconn.append(self._reused)
        connector = aiohttp.TCPConnector(
            resolver=_GuardedResolver(allow_private, resolver),
            use_dns_cache=False,
            keepalive_timeout=KEEPALIVE_EXPIRY,
            ssl=_ssl_context(),
            limit=0,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            trust_env=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            timeout=aiohttp.ClientTimeout(total=None),
            headers={"user-agent": USER_AGENT, "accept": "*/*"},
            skip_auto_headers=("Accept-Encoding",),
            trace_configs=[trace],
        )

    async def _opened(self, *_: Any) -> None:
        self.connections_opened += 1

    @staticmethod
    async def _reused(_session: Any, ctx: Any, _params: Any) -> None:
        if isinstance(ctx.trace_request_ctx, dict):
            ctx.trace_request_ctx["reused"] = True

    async def __aenter__(self) -> WebhookClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._session.close()

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Response:
        """POST `body`; never follows redirects. Bound it with `asyncio.timeout`."""
        target = _target(url)  # the same URL checks (IDNA, no control characters)
        for name, value in headers.items():
            if any(c in f"{name}{value}" for c in "\r\n\0"):
                raise ValueError(f"header {name!r} contains a control character")
        try:
            ipaddress.ip_address(target.host)
        except ValueError:
            pass  # a name: the resolver checks it at connect time
        else:
            try:
                await checked_addresses(target.host, target.port, allow_private=self._allow_private)
            except UnsafeURL as exc:
                raise RefusedConnection(str(exc)) from None
        headers = {"host": target.host_header, **headers}
        for retry in (True, False):
            state: dict[str, bool] = {}
            try:
                return await self._exchange(target.url, body, headers, state)
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
                # the server closed an idle keep-alive connection as we sent on it (the
                # usual race of HTTP keep-alive; aiohttp retries only idempotent methods):
                # send once more on a fresh connection
                if not (retry and state.get("reused")):
                    raise
        raise AssertionError("unreachable")

    async def _exchange(
        self, url: yarl.URL, body: bytes, headers: dict[str, str], state: dict[str, bool]
    ) -> Response:
        try:
            async with self._session.post(
                url, data=body, headers=headers, allow_redirects=False, trace_request_ctx=state
            ) as resp:
                excerpt = b""
                while len(excerpt) < EXCERPT_BYTES:
                    chunk = await resp.content.read(EXCERPT_BYTES - len(excerpt))
                    if not chunk:
                        break
                    excerpt += chunk
                drained = len(excerpt)
                while not resp.content.at_eof():
                    chunk = await resp.content.read(DRAIN_BYTES)
                    drained += len(chunk)
                    if not chunk:
                        break
                    if drained > DRAIN_BYTES:
                        resp.close()  # too long to read: the connection is not reused
                        break
                return Response(resp.status, excerpt, resp.headers.get("Retry-After"))
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, RefusedConnection):
                raise exc.os_error from None
            raise ConnectionError(str(exc)) from None
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
            raise  # post() decides whether to send once more
        except aiohttp.ClientResponseError as exc:
            # the server's answer is not HTTP (aiohttp's parser refused it)
            detail = "malformed status line" if "status line" in exc.message.lower() else "bad HTTP"
            raise ProtocolError(f"{detail}: {exc.message}"[:300]) from None
        except aiohttp.ClientError as exc:
            raise ProtocolError(f"{type(exc).__name__}: {exc}") from None
