"""A minimal HTTP/1.1 client for webhook POSTs, on asyncio streams (kept for `make bench`).

This was `handoff/webhooks/http.py` until issue 17: measured side by side, aiohttp with
the same safety rules holds the 2,000 deliveries/s target, so the product uses it; this
client stays here so the benchmark compares the three in one run.

Why not httpx on the hot path: through httpx → httpcore → anyio → h11 a request cost
~2.5 ms of worker CPU on the (loaded) benchmark VM, ten times this client (httpcore 1.0
also retries a failing `import sniffio`, a sys.path scan, four times per request when
sniffio is not installed, as with httpx 0.28 and anyio 4.16). A webhook POST needs very
little of it, so this module does just that, with the same safety rules:

- every connection goes through the SSRF guard: the host is resolved once per
  connection, every address is checked (`ssrf.checked_addresses`), and the socket
  connects to a checked address itself, so DNS rebinding cannot slip through; TLS still
  verifies the certificate against the URL's host name;
- redirects are never followed (a 3xx is returned to the caller as it is);
- no proxies, no cookies, no environment configuration;
- the caller bounds the whole exchange with a timeout; a connection whose exchange did
  not finish cleanly is closed, never reused;
- only the first `EXCERPT_BYTES` of a response body are kept.

One `WebhookClient` serves one sender run: it keeps one keep-alive connection per
origin (scheme, host, port) and closes them all at the end of the run.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import time
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import quote

import httpx

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
MAX_HEADER_LINE = 16 * 1024
MAX_HEADERS = 100
KEEPALIVE_EXPIRY = 5.0
USER_AGENT = "handoff-webhooks/0.1"
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


class ProtocolError(Exception):
    """The server's answer is not valid HTTP/1.1."""


class _StaleConnection(Exception):
    """A reused connection was closed by the server before any byte of an answer."""


@dataclass(frozen=True)
class Response:
    status_code: int
    excerpt: bytes


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str  # ASCII (IDNA) host name or IP literal, without brackets
    port: int
    host_header: str
    request_target: str

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    # loading the CA bundle takes ~0.1 s: once per process, shared by every client
    return httpx.create_ssl_context()


@functools.lru_cache(maxsize=1024)
def _target(url: str) -> _Target:
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
    port = default_port(parts)
    shown = f"[{host}]" if ":" in host else host
    if parts.port is not None and parts.port != (443 if parts.scheme == "https" else 80):
        shown += f":{parts.port}"
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_PATH_SAFE + "?")
    for text in (shown, path):
        if any(c in text for c in "\r\n\0 "):
            raise UnsafeURL("the URL contains control characters")
    return _Target(parts.scheme, host, port, shown, path)


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.used = 0
        self.idle_since = time.monotonic()

    def usable(self) -> bool:
        return (
            not self.writer.is_closing()
            and not self.reader.at_eof()
            and time.monotonic() - self.idle_since < KEEPALIVE_EXPIRY
        )

    def close(self) -> None:
        self.writer.close()


class WebhookClient:
    """Guarded keep-alive connections for one sender run (use as `async with`)."""

    def __init__(
        self,
        *,
        allow_private: bool,
        resolver: Resolver | None = None,
        user_agent: str = USER_AGENT,
    ) -> None:
        self._allow_private = allow_private
        self._resolver = resolver
        self._user_agent = user_agent
        self._idle: dict[tuple[str, str, int], _Connection] = {}
        self.connections_opened = 0

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
        idle, self._idle = list(self._idle.values()), {}
        for conn in idle:
            conn.close()

    async def _connect(self, target: _Target) -> _Connection:
        try:
            addresses = await checked_addresses(
                target.host, target.port, allow_private=self._allow_private, resolver=self._resolver
            )
        except UnsafeURL as exc:
            raise RefusedConnection(str(exc)) from None
        tls = target.scheme == "https"
        last: OSError | None = None
        for addr in addresses:
            try:
                # connect to the checked address itself; TLS verifies the URL's host name
                reader, writer = await asyncio.open_connection(
                    addr,
                    target.port,
                    ssl=_ssl_context() if tls else None,
                    server_hostname=target.host if tls else None,
                    limit=MAX_HEADER_LINE,
                )
            except OSError as exc:  # ConnectionRefusedError, ssl.SSLError, ...
                last = exc
                continue
            self.connections_opened += 1
            return _Connection(reader, writer)
        assert last is not None
        raise last

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Response:
        """POST `body`; never follows redirects. Bound it with `asyncio.timeout`."""
        target = _target(url)
        head = [
            f"POST {target.request_target} HTTP/1.1",
            f"host: {target.host_header}",
            f"user-agent: {self._user_agent}",
            "accept: */*",
            f"content-length: {len(body)}",
        ]
        for name, value in headers.items():
            line = f"{name}: {value}"
            if "\r" in line or "\n" in line or "\0" in line:
                raise ValueError(f"header {name!r} contains a control character")
            head.append(line)
        request = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body

        conn = self._idle.pop(target.origin, None)
        if conn is not None and not conn.usable():
            conn.close()
            conn = None
        if conn is not None:
            try:
                return await self._exchange(target, conn, request)
            except _StaleConnection:
                # the server closed an idle keep-alive connection before answering
                # (the usual race of HTTP keep-alive): send once more on a fresh one
                pass
        conn = await self._connect(target)
        return await self._exchange(target, conn, request)

    async def _exchange(self, target: _Target, conn: _Connection, request: bytes) -> Response:
        reused = conn.used > 0
        conn.used += 1
        reader = conn.reader
        try:
            try:
                conn.writer.write(request)
                await conn.writer.drain()
                status_line = await reader.readuntil(b"\n")
            except (ConnectionError, asyncio.IncompleteReadError) as exc:
                partial = isinstance(exc, asyncio.IncompleteReadError) and exc.partial
                if reused and not partial:
                    raise _StaleConnection from exc
                raise
            while True:
                code, headers = await self._read_head(reader, status_line)
                if 100 <= code < 200 and code != 101:
                    status_line = await reader.readuntil(b"\n")
                    continue  # interim response (100 Continue, 103 Early Hints)
                break
            excerpt, reusable = await self._read_body(reader, code, headers)
        except asyncio.LimitOverrunError:
            conn.close()
            raise ProtocolError("a response line is too long") from None
        except BaseException:
            conn.close()  # unknown state (timeout, error, cancellation): never reuse
            raise
        if reusable and "close" not in headers.get("connection", "").lower():
            conn.idle_since = time.monotonic()
            old = self._idle.pop(target.origin, None)
            if old is not None:
                old.close()
            self._idle[target.origin] = conn
        else:
            conn.close()
        return Response(code, excerpt)

    @staticmethod
    async def _read_head(
        reader: asyncio.StreamReader, status_line: bytes
    ) -> tuple[int, dict[str, str]]:
        version, _, rest = status_line.partition(b" ")
        code_text = rest[:3]
        if not version.startswith(b"HTTP/1.") or not code_text.isdigit() or len(code_text) != 3:
            raise ProtocolError(f"malformed status line {status_line[:80]!r}")
        headers: dict[str, str] = {}
        for _ in range(MAX_HEADERS + 1):
            line = await reader.readuntil(b"\n")
            if line in (b"\r\n", b"\n"):
                return int(code_text), headers
            name, sep, value = line.partition(b":")
            if not sep or not name or name != name.strip():
                raise ProtocolError(f"malformed header line {line[:80]!r}")
            key = name.decode("latin-1").lower()
            text = value.strip().decode("latin-1")
            headers[key] = f"{headers[key]}, {text}" if key in headers else text
        raise ProtocolError(f"more than {MAX_HEADERS} response headers")

    @staticmethod
    async def _read_body(
        reader: asyncio.StreamReader, code: int, headers: dict[str, str]
    ) -> tuple[bytes, bool]:
        """(the first EXCERPT_BYTES of the body, whether the connection can be reused)."""
        if code in (204, 304):
            return b"", True
        if "chunked" in headers.get("transfer-encoding", "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                size_line = await reader.readuntil(b"\n")
                try:
                    size = int(size_line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    raise ProtocolError("malformed chunk size") from None
                if size < 0:
                    raise ProtocolError("malformed chunk size")
                if size == 0:
                    while (await reader.readuntil(b"\n")) not in (b"\r\n", b"\n"):
                        pass  # trailers
                    return b"".join(chunks)[:EXCERPT_BYTES], True
                if total + size > DRAIN_BYTES:
                    if total < EXCERPT_BYTES:
                        chunks.append(await reader.readexactly(min(size, EXCERPT_BYTES - total)))
                    return b"".join(chunks)[:EXCERPT_BYTES], False
                data = await reader.readexactly(size)
                await reader.readuntil(b"\n")
                if total < EXCERPT_BYTES:
                    chunks.append(data)
                total += size
        length_text = headers.get("content-length")
        if length_text is not None:
            try:
                length = int(length_text)
            except ValueError:
                raise ProtocolError("malformed content-length") from None
            if length < 0:
                raise ProtocolError("malformed content-length")
            if length <= DRAIN_BYTES:
                data = await reader.readexactly(length)
                return data[:EXCERPT_BYTES], True
            return await reader.readexactly(EXCERPT_BYTES), False
        # no framing: the body runs to the end of the connection
        out = b""
        while len(out) < EXCERPT_BYTES and (data := await reader.read(EXCERPT_BYTES - len(out))):
            out += data
        return out, False


def factory(settings: object, resolver: Resolver | None = None) -> WebhookClient:
    """For ctx["webhook_client"] in the benchmark."""
    return WebhookClient(allow_private=settings.webhook_allow_private, resolver=resolver)  # type: ignore[attr-defined]
