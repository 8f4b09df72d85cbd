"""Per-token rate limits against a real Redis, on a moved clock."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from prometheus_client import REGISTRY

from handoff.api.app import create_app
from handoff.clock import ManualClock
from handoff.services.people import create_person
from handoff.settings import Settings
from handoff.storage import tokens, workspaces
from handoff.storage.tokens import create_token

QUERY = "{ viewer { name } }"
MUTATION = "mutation { updateWorkspace(remindersBeforeEscalation: 2) { __typename } }"


async def _client(
    app_pool, clock: ManualClock, db_url: str, redis_url: str, **limits: int
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str], dict[str, str]]]:
    settings = Settings(database_url=db_url, redis_url=redis_url, **limits)
    app = create_app(settings, clock=clock, pool=app_pool)
    async with app.router.lifespan_context(app):
        async with app_pool.connection() as conn:
            one = await create_token(conn, "acme", clock.now())
            two = await create_token(conn, "acme", clock.now())
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://handoff.test"
        ) as http:
            yield http, {"Authorization": f"Bearer {one}"}, {"Authorization": f"Bearer {two}"}


@pytest.fixture
async def limited(app_pool, clock, db_url, redis_url):
    async for found in _client(
        app_pool,
        clock,
        db_url,
        redis_url,
        rate_limit_per_minute=60,
        rate_limit_burst=3,
        mutation_rate_limit_per_minute=2,
    ):
        yield found


async def post(http: httpx.AsyncClient, headers: dict[str, str], query: str) -> httpx.Response:
    return await http.post("/graphql", json={"query": query}, headers=headers)


async def test_a_burst_then_429_with_retry_after_then_refill(limited, clock) -> None:
    http, one, _ = limited
    remaining = []
    for _ in range(3):
        response = await post(http, one, QUERY)
        assert response.status_code == 200
        assert response.headers["RateLimit-Limit"] == "60"
        remaining.append(int(response.headers["RateLimit-Remaining"]))
    assert remaining == [2, 1, 0]
    refused = await post(http, one, QUERY)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"  # one request a second comes back
    body = refused.json()
    assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert "60 requests a minute" in body["errors"][0]["message"]
    clock.advance(timedelta(seconds=1))
    assert (await post(http, one, QUERY)).status_code == 200
    assert (await post(http, one, QUERY)).status_code == 429
    clock.advance(timedelta(minutes=5))  # refills to the burst, not beyond
    assert [(await post(http, one, QUERY)).status_code for _ in range(4)] == [200, 200, 200, 429]


async def test_one_token_s_limit_never_slows_another(limited) -> None:
    http, one, two = limited
    for _ in range(3):
        await post(http, one, QUERY)
    assert (await post(http, one, QUERY)).status_code == 429
    assert (await post(http, two, QUERY)).status_code == 200


async def test_mutations_have_a_smaller_bucket_of_their_own(limited, clock) -> None:
    http, one, _ = limited
    assert (await post(http, one, MUTATION)).status_code == 200
    assert (await post(http, one, MUTATION)).status_code == 200
    refused = await post(http, one, MUTATION)
    assert refused.status_code == 429
    assert refused.headers["RateLimit-Limit"] == "2"
    assert refused.headers["Retry-After"] == "30"  # two a minute: one back in 30 s
    # queries still pass: the request bucket has one left
    assert (await post(http, one, QUERY)).status_code == 200
    clock.advance(timedelta(seconds=30))
    assert (await post(http, one, MUTATION)).status_code == 200


ONE_CHANGE = "updateWorkspace(remindersBeforeEscalation: 2) { __typename }"


@pytest.mark.parametrize(
    "both",
    [
        f"mutation {{ a: {ONE_CHANGE} b: {ONE_CHANGE} }}",
        # written inside fragments, they are still two
        f"mutation {{ ... on Mutation {{ a: {ONE_CHANGE} b: {ONE_CHANGE} }} }}",
        f"mutation {{ ...Two }} fragment Two on Mutation {{ a: {ONE_CHANGE} b: {ONE_CHANGE} }}",
    ],
    ids=["aliases", "inline fragment", "named fragment"],
)
async def test_each_aliased_mutation_is_spent(limited, both: str) -> None:
    http, one, _ = limited
    # two a minute: two aliased mutations in one request spend both
    first = await post(http, one, both)
    assert first.status_code == 200, first.text
    assert first.headers["RateLimit-Remaining"] == "0"
    assert (await post(http, one, MUTATION)).status_code == 429


async def test_redis_down_lets_requests_through_and_says_so(
    app_pool, clock, db_url, caplog
) -> None:
    unavailable = "redis://127.0.0.1:1/0"  # nothing listens there
    before = REGISTRY.get_sample_value("handoff_rate_limiter_unavailable_total") or 0.0
    caplog.set_level(logging.WARNING)
    async for http, one, _ in _client(
        app_pool, clock, db_url, unavailable, rate_limit_per_minute=60, rate_limit_burst=1
    ):
        statuses = [(await post(http, one, QUERY)).status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
    after = REGISTRY.get_sample_value("handoff_rate_limiter_unavailable_total")
    assert after == before + 3
    warnings = [r for r in caplog.records if "rate limiter off" in r.getMessage()]
    assert len(warnings) == 1


async def test_zero_turns_a_bucket_off(app_pool, clock, db_url, redis_url) -> None:
    async for http, one, _ in _client(
        app_pool,
        clock,
        db_url,
        redis_url,
        rate_limit_per_minute=0,
        mutation_rate_limit_per_minute=0,
    ):
        responses = [await post(http, one, MUTATION) for _ in range(5)]
        assert {r.status_code for r in responses} == {200}
        assert "RateLimit-Limit" not in responses[0].headers


async def test_several_mutations_are_spent_all_or_none(limited, clock) -> None:
    http, one, _ = limited
    two = f"mutation {{ a: {ONE_CHANGE} b: {ONE_CHANGE} }}"
    three = f"mutation {{ a: {ONE_CHANGE} b: {ONE_CHANGE} c: {ONE_CHANGE} }}"
    # more than the bucket's burst (2) can never pass: it says so, and spends nothing
    too_many = await post(http, one, three)
    assert too_many.status_code == 429
    assert "Retry-After" not in too_many.headers
    assert "at most 2 at once" in too_many.json()["errors"][0]["message"]
    assert (await post(http, one, MUTATION)).status_code == 200  # one of two left
    # two with one token left: refused, and the token taken for the first goes back
    refused = await post(http, one, two)
    assert refused.status_code == 429, refused.text
    assert refused.headers["Retry-After"] == "30"  # one more token at two a minute
    assert "makes 2 mutations" in refused.json()["errors"][0]["message"]
    assert (await post(http, one, MUTATION)).status_code == 200
    # none left: both must come back, a minute
    refused = await post(http, one, two)
    assert refused.headers["Retry-After"] == "60"
    clock.advance(timedelta(seconds=60))
    assert (await post(http, one, two)).status_code == 200


async def test_a_person_s_tokens_share_one_budget(limited, app_pool, clock) -> None:
    http, one, _ = limited
    async with app_pool.connection() as conn:
        ws = await workspaces.ensure(conn, "acme", clock.now(), 1)
        ana = await create_person(
            conn, ws.id, clock.now(), name="Ana", handle="ana", timezone="Europe/Amsterdam"
        )
        secrets = [
            (await tokens.insert(conn, ws.id, clock.now(), label=n, person_id=ana.id))[1]
            for n in ("phone", "laptop")
        ]
    headers = [{"Authorization": f"Bearer {secret}"} for secret in secrets]
    # a burst of 3 for Ana, however many tokens she has: more tokens are no more budget
    answers = [await post(http, headers[i % 2], QUERY) for i in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert "for this person's tokens" in answers[-1].json()["errors"][0]["message"]
    # the workspace token's budget is its own
    assert (await post(http, one, QUERY)).status_code == 200
