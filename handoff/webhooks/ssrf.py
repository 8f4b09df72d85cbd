"""The SSRF guard: webhooks may only reach public addresses.

A URL is checked when an endpoint is created or changed (`validate_url`) and again on
every connection (`http.WebhookClient` calls `checked_addresses`): the host is resolved
once per connection, every address is checked, and the socket connects to the checked
address itself, so a DNS answer that changes between the check and the connect (DNS
rebinding) cannot slip through. TLS still verifies the certificate against the URL's
host name. Redirects are never followed and proxies from the environment are ignored.

`HANDOFF_WEBHOOK_ALLOW_PRIVATE=true` (`allow_private`) lifts the address checks; it is
meant for local development and tests only.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import SplitResult, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# (host, port) -> addresses; injectable so tests can answer differently per call.
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

MAX_URL_LENGTH = 2048
METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack
    ipaddress.ip_address("fd00:ec2::254"),  # AWS IPv6
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
}
CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
# special-purpose blocks some Python versions classify as global
SPECIAL = (
    ipaddress.ip_network("192.0.0.0/24"),
    ipaddress.ip_network("198.18.0.0/15"),
    ipaddress.ip_network("192.88.99.0/24"),
)
ALLOW_HINT = "webhooks may only target public addresses"


class UnsafeURL(ValueError):
    """A webhook URL that is malformed or would reach a non-public address."""


async def system_resolver(host: str, port: int) -> Sequence[str]:
    """The operating system's resolver (getaddrinfo), every address of `host`."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UnsafeURL(f"host {host!r} does not resolve ({exc.strerror})") from None
    except UnicodeError:
        # the IDNA codec refuses the name (an empty or over-long label, e.g. 'a..b')
        raise UnsafeURL(f"host {host!r} is not a valid host name") from None
    seen: list[str] = []
    for info in infos:
        addr = str(info[4][0])
        if addr not in seen:
            seen.append(addr)
    return seen


def address_problem(ip: IPAddress) -> str | None:
    """Why `ip` is not a public address, or None when it is."""
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            inner = address_problem(ip.ipv4_mapped)
            return f"an IPv4-mapped IPv6 form of {inner}" if inner else None
        if ip in NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
            inner = address_problem(embedded)
            return f"a NAT64 form of {inner}" if inner else None
        if ip.sixtofour is not None:
            inner = address_problem(ip.sixtofour)
            if inner:
                return f"a 6to4 form of {inner}"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        # fec0::/10: deprecated, but Python counts it neither private nor reserved
        return "a site-local address"
    if ip.is_multicast:
        return "a multicast address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in CGNAT:
        return "a carrier-grade NAT (100.64.0.0/10) address"
    if ip.is_reserved:
        return "a reserved address"
    if isinstance(ip, ipaddress.IPv4Address) and any(ip in net for net in SPECIAL):
        return "a private (special-purpose) address"
    if ip.is_private:
        return "a private address"
    if not ip.is_global:
        return "a non-public address"
    return None


def parse_url(url: str) -> SplitResult:
    """Syntax checks: http(s), a host, no credentials, bounded length."""
    if not isinstance(url, str) or not url.strip():
        raise UnsafeURL("the URL is empty")
    if url != url.strip():
        raise UnsafeURL("the URL has leading or trailing whitespace")
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeURL(f"the URL is longer than {MAX_URL_LENGTH} characters")
    if any(c < " " or c == "\x7f" for c in url):
        # a CR/LF would end the request line (a space is sent as %20)
        raise UnsafeURL("the URL contains control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(f"the URL is malformed ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL(f"the URL scheme must be http or https, not {parts.scheme or 'missing'!r}")
    if not parts.hostname:
        raise UnsafeURL("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL("the URL must not contain credentials (user:password@)")
    if parts.fragment:
        raise UnsafeURL("the URL must not contain a #fragment")
    if port == 0:
        raise UnsafeURL("the URL port must be between 1 and 65535")
    return parts


def default_port(parts: SplitResult) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


async def checked_addresses(
    host: str, port: int, *, allow_private: bool, resolver: Resolver | None = None
) -> list[str]:
    """Resolve `host` and refuse it when any address is not public; the addresses, in order."""
    literal: IPAddress | None
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        addresses: Sequence[str] = [str(literal)]
    else:
        addresses = await (resolver or system_resolver)(host, port)
    if not addresses:
        raise UnsafeURL(f"host {host!r} does not resolve to any address")
    out: list[str] = []
    for addr in addresses:
        try:
            ip = ipaddress.ip_address(addr.split("%", 1)[0])
        except ValueError:
            raise UnsafeURL(
                f"host {host!r} resolved to {addr!r}, which is not an IP address"
            ) from None
        if not allow_private:
            problem = address_problem(ip)
            if problem:
                shown = f"{host!r}" if literal is not None else f"{host!r} resolves to {ip}, which"
                raise UnsafeURL(
                    f"host {shown} is {problem}; {ALLOW_HINT}"
                    " (HANDOFF_WEBHOOK_ALLOW_PRIVATE=true lifts this for local development only)"
                )
        out.append(str(ip))
    return out


async def validate_url(url: str, *, allow_private: bool, resolver: Resolver | None = None) -> str:
    """Check a webhook URL at creation/update time; returns it unchanged or raises UnsafeURL."""
    parts = parse_url(url)
    assert parts.hostname is not None
    await checked_addresses(
        parts.hostname, default_port(parts), allow_private=allow_private, resolver=resolver
    )
    return url


class RefusedConnection(Exception):
    """The SSRF guard refused to connect (raised by `http.WebhookClient` at connect time)."""
