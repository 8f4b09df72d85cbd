"""Unknown tokens cost a PostgreSQL lookup each, so one client address gets a burst of
them and then a few a second; tokens it has used before are not held back."""

from __future__ import annotations

from datetime import timedelta

import httpx

from handoff.api.auth import FAILED_LOOKUPS_BURST, FAILED_LOOKUPS_PER_SECOND

VIEWER = "{ viewer { name } }"


def _client(app, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://handoff.test")


async def _ask(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(
        "/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"}
    )


async def test_an_address_guessing_tokens_is_slowed_down(app, gql, clock) -> None:
    async with _client(app, "203.0.113.7") as guesser, _client(app, "198.51.100.2") as other:
        assert (await _ask(guesser, gql.token)).status_code == 200  # a token it holds
        for n in range(FAILED_LOOKUPS_BURST):
            answer = await _ask(guesser, f"hnd_guess{n}")
            assert answer.status_code == 401, (n, answer.text)
        refused = await _ask(guesser, "hnd_one-more")
        assert refused.status_code == 429, refused.text
        error = refused.json()["errors"][0]
        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert "unknown tokens from this address" in error["message"]
        assert refused.headers["Retry-After"] == "1"
        # another address is not held back; nor is a token the guesser has used, once its
        # cached answer runs out
        assert (await _ask(other, "hnd_guess0")).status_code == 401
        clock.advance(timedelta(seconds=1.5))
        assert (await _ask(guesser, gql.token)).json() == {"data": {"viewer": {"name": "acme"}}}
        # the budget comes back at its rate
        for n in range(int(1.5 * FAILED_LOOKUPS_PER_SECOND)):
            assert (await _ask(guesser, f"hnd_later{n}")).status_code == 401
        assert (await _ask(guesser, "hnd_later-still")).status_code == 429


async def test_one_unknown_token_sent_again_and_again_is_looked_up_once_a_second(
    app, clock
) -> None:
    async with _client(app, "203.0.113.8") as stuck:
        # a client stuck on a revoked token: every answer stays 401, and within a second
        # only the first asked PostgreSQL, so the address's budget is not spent
        for _ in range(FAILED_LOOKUPS_BURST * 2):
            assert (await _ask(stuck, "hnd_revoked-long-ago")).status_code == 401
        for n in range(FAILED_LOOKUPS_BURST - 1):
            assert (await _ask(stuck, f"hnd_other{n}")).status_code == 401
        assert (await _ask(stuck, "hnd_one-too-many")).status_code == 429
        clock.advance(timedelta(seconds=1))
        assert (await _ask(stuck, "hnd_revoked-long-ago")).status_code == 401
