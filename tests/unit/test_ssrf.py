"""The SSRF guard refuses every non-public destination, with a clear reason."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import httpx
import pytest

from handoff.delivery.sender import attempt
from handoff.delivery.signing import generate_secret
from handoff.delivery.ssrf import UnsafeURL, address_problem, guarded_client, validate_url

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
    async with guarded_client(allow_private=False, timeout=2, resolver=resolve) as client:
        result = await attempt(
            client,
            url,
            secret=generate_secret(),
            msg_id="msg_1",
            body="{}",
            now=__import__("datetime").datetime.now(__import__("datetime").UTC),
            limit_seconds=2,
        )
        assert result.outcome == "refused"
        assert result.error is not None
        assert "resolves to 127.0.0.1, which is a loopback address" in result.error
        # a plain request through the client is refused the same way
        with pytest.raises(httpx.ConnectError, match="loopback"):
            await client.get(url)
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
