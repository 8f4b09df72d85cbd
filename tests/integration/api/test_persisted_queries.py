"""Automatic persisted queries (APQ) and the direct GraphQL-over-HTTP path: a hash instead
of the text once the server knows it, the same answers and refusals as strawberry's view."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import httpx
import pytest

from handoff.api.app import create_app
from handoff.api.graphql_http import PersistedQueries
from handoff.settings import Settings
from handoff.storage.tokens import create_token
from tests.conftest import _token

QUERY = "query Me { viewer { name remindersBeforeEscalation } }"
MUTATION = "mutation Set { updateWorkspace(remindersBeforeEscalation: 2) { __typename } }"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(text: str, version: int = 1) -> dict:
    return {"persistedQuery": {"version": version, "sha256Hash": sha(text)}}


@pytest.fixture
async def auth(app_pool, clock) -> dict[str, str]:
    return {"Authorization": f"Bearer {await _token(app_pool, 'acme', clock)}"}


async def test_an_unknown_hash_asks_for_the_text_then_the_hash_alone_answers(http, auth) -> None:
    first = await http.post("/graphql", json={"extensions": persisted(QUERY)}, headers=auth)
    assert first.status_code == 200
    assert first.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert first.json()["errors"][0]["message"] == "PersistedQueryNotFound"

    registered = await http.post(
        "/graphql", json={"query": QUERY, "extensions": persisted(QUERY)}, headers=auth
    )
    assert registered.json() == {
        "data": {"viewer": {"name": "acme", "remindersBeforeEscalation": 1}}
    }

    again = await http.post(
        "/graphql", json={"extensions": persisted(QUERY), "operationName": "Me"}, headers=auth
    )
    assert again.status_code == 200
    assert again.json() == registered.json()


async def test_a_hash_that_does_not_match_the_text_is_refused_and_not_kept(http, auth) -> None:
    wrong = {"persistedQuery": {"version": 1, "sha256Hash": sha("{ __typename }")}}
    refused = await http.post("/graphql", json={"query": QUERY, "extensions": wrong}, headers=auth)
    assert refused.json()["errors"][0]["message"] == "provided sha does not match query"
    assert refused.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert refused.status_code == 400
    # the hash was not stored under the wrong text
    later = await http.post("/graphql", json={"extensions": wrong}, headers=auth)
    assert later.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize(
    ("extensions", "code"),
    [
        (
            {"persistedQuery": {"version": 2, "sha256Hash": "0" * 64}},
            "PERSISTED_QUERY_NOT_SUPPORTED",
        ),
        ({"persistedQuery": {"version": 1, "sha256Hash": "abc"}}, "BAD_REQUEST"),
        ({"persistedQuery": "yes"}, "PERSISTED_QUERY_NOT_SUPPORTED"),
    ],
)
async def test_malformed_persisted_query_extensions_are_named(http, auth, extensions, code) -> None:
    response = await http.post("/graphql", json={"extensions": extensions}, headers=auth)
    assert response.json()["errors"][0]["extensions"]["code"] == code
    assert response.json()["data"] is None
    # APQ clients send the text after NOT_SUPPORTED; a malformed request is the client's bug
    assert response.status_code == (200 if code == "PERSISTED_QUERY_NOT_SUPPORTED" else 400)
    # and without a token, it is the same 401 as any other request
    anonymous = await http.post("/graphql", json={"extensions": extensions})
    assert anonymous.status_code == 401


async def test_a_persisted_query_still_needs_a_token(http, auth) -> None:
    await http.post("/graphql", json={"query": QUERY, "extensions": persisted(QUERY)}, headers=auth)
    response = await http.post("/graphql", json={"extensions": persisted(QUERY)})
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_without_a_token_nothing_is_kept_and_nothing_is_told(http, auth) -> None:
    # an unknown and a known hash get the same 401: no oracle of what others sent
    await http.post("/graphql", json={"query": QUERY, "extensions": persisted(QUERY)}, headers=auth)
    other = "query Other { viewer { name } }"
    for text in (QUERY, other):
        probe = await http.post("/graphql", json={"extensions": persisted(text)})
        assert probe.status_code == 401
    # a text sent without a token is not kept
    anonymous = await http.post("/graphql", json={"query": other, "extensions": persisted(other)})
    assert anonymous.status_code == 401
    later = await http.post("/graphql", json={"extensions": persisted(other)}, headers=auth)
    assert later.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_long_text_runs_but_is_not_kept(http, auth) -> None:
    padded = QUERY + " " * 70_000  # over MAX_PERSISTED_TEXT
    ran = await http.post(
        "/graphql", json={"query": padded, "extensions": persisted(padded)}, headers=auth
    )
    assert ran.json()["data"]["viewer"]["name"] == "acme"
    later = await http.post("/graphql", json={"extensions": persisted(padded)}, headers=auth)
    assert later.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


@pytest.fixture
async def one_mutation_a_minute(app_pool, clock, db_url, redis_url):
    """(client, auth headers) of an app whose tokens may run one mutation a minute."""
    settings = Settings(
        database_url=db_url,
        redis_url=redis_url,
        rate_limit_per_minute=60,
        rate_limit_burst=10,
        mutation_rate_limit_per_minute=1,
    )
    app = create_app(settings, clock=clock, pool=app_pool)
    async with app.router.lifespan_context(app):
        async with app_pool.connection() as conn:
            token = await create_token(conn, "acme", clock.now())
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://handoff.test"
        ) as http:
            yield http, {"Authorization": f"Bearer {token}"}


async def test_a_persisted_mutation_spends_the_mutation_bucket(
    one_mutation_a_minute, clock
) -> None:
    http, headers = one_mutation_a_minute
    body = {"query": MUTATION, "extensions": persisted(MUTATION)}
    assert (await http.post("/graphql", json=body, headers=headers)).status_code == 200
    hashed = await http.post("/graphql", json={"extensions": persisted(MUTATION)}, headers=headers)
    assert hashed.status_code == 429
    assert hashed.headers["RateLimit-Limit"] == "1"
    clock.advance(timedelta(minutes=1))
    again = await http.post("/graphql", json={"extensions": persisted(MUTATION)}, headers=headers)
    assert again.status_code == 200
    assert again.json() == {"data": {"updateWorkspace": {"__typename": "WorkspacePayload"}}}


async def test_a_mutation_refused_over_get_spends_no_mutation_budget(
    one_mutation_a_minute,
) -> None:
    http, headers = one_mutation_a_minute
    for _ in range(3):
        refused = await http.get("/graphql", params={"query": MUTATION}, headers=headers)
        assert refused.status_code == 400, refused.text
    # the one mutation a minute is still there to spend
    posted = await http.post("/graphql", json={"query": MUTATION}, headers=headers)
    assert posted.status_code == 200, posted.text
    assert posted.json() == {"data": {"updateWorkspace": {"__typename": "WorkspacePayload"}}}
    again = await http.post("/graphql", json={"query": MUTATION}, headers=headers)
    assert again.status_code == 429


def test_the_store_keeps_the_most_recently_used_texts() -> None:
    store = PersistedQueries(size=2)
    store.put("a", "A", 1)
    store.put("b", "B", 1)
    assert store.get("a") == "A"  # a is now the most recent
    store.put("c", "C", 1)
    assert store.get("b") is None
    assert (store.get("a"), store.get("c")) == ("A", "C")


async def test_a_hash_answers_only_in_a_workspace_that_sent_its_text(http, auth, other_gql) -> None:
    await http.post("/graphql", json={"query": QUERY, "extensions": persisted(QUERY)}, headers=auth)
    globex = {"Authorization": f"Bearer {other_gql.token}"}
    # another workspace learns nothing from the hash: the same answer as an unknown one
    probe = await http.post("/graphql", json={"extensions": persisted(QUERY)}, headers=globex)
    assert probe.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    # once it sends the text itself, its hash answers for it, and still for acme
    sent = await http.post(
        "/graphql", json={"query": QUERY, "extensions": persisted(QUERY)}, headers=globex
    )
    assert sent.json()["data"]["viewer"]["name"] == "globex"
    for headers, name in ((globex, "globex"), (auth, "acme")):
        again = await http.post("/graphql", json={"extensions": persisted(QUERY)}, headers=headers)
        assert again.json()["data"]["viewer"]["name"] == name


INBOXISH = """query($first: Int) { people(first: $first) { edges { cursor node {
  __typename id name timezone homeTimezone status workingPattern { timezone weekly { mon } }
  deliveryPolicy { digestTimes focusBlocks { mon } } } } pageInfo { hasNextPage endCursor } } }"""


async def test_get_answers_exactly_what_post_answers(http, auth, gql) -> None:
    """A query sent as GET parameters gets the same data as the same query POSTed."""
    for handle in ("ana", "bo"):
        await gql(
            """mutation($i: CreatePersonInput!) { createPerson(input: $i) { __typename } }""",
            {"i": {"name": handle.title(), "handle": handle, "timezone": "Europe/Lisbon"}},
        )
    variables = {"first": 5}
    posted = await http.post(
        "/graphql", json={"query": INBOXISH, "variables": variables}, headers=auth
    )
    got = await http.get(
        "/graphql",
        params={"query": INBOXISH, "variables": json.dumps(variables)},
        headers=auth,
    )
    assert posted.status_code == got.status_code == 200
    assert posted.json() == got.json()
    assert len(posted.json()["data"]["people"]["edges"]) == 2
    assert posted.headers["content-type"] == "application/json"
    assert int(posted.headers["content-length"]) == len(posted.content)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"query": "subscription { __typename }"}, 200, "BAD_REQUEST"),
        ({"query": "{ nope }"}, 200, "GRAPHQL_VALIDATION_FAILED"),
        ({"query": "{ viewer { name } "}, 200, "GRAPHQL_PARSE_FAILED"),
        (
            {"query": "query A { __typename } query B { __typename }", "operationName": "C"},
            400,
            "BAD_REQUEST",
        ),
        ({"query": None, "variables": {}}, 400, "BAD_REQUEST"),
        ({"query": 5}, 400, "BAD_REQUEST"),
        ([{"query": "{ __typename }"}], 400, "BAD_REQUEST"),
    ],
)
async def test_refusals_keep_their_codes_on_the_direct_path(http, auth, body, status, code) -> None:
    response = await http.post("/graphql", json=body, headers=auth)
    assert response.status_code == status, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == code


def get_params(extensions: dict, **others: str) -> dict[str, str]:
    """GET parameters as APQ clients send them: JSON texts for the objects."""
    return {"extensions": json.dumps(extensions), **others}


async def test_apq_over_get_asks_for_the_text_then_the_hash_alone_answers(http, auth) -> None:
    unknown = await http.get("/graphql", params=get_params(persisted(QUERY)), headers=auth)
    assert unknown.status_code == 200
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    registered = await http.get(
        "/graphql", params=get_params(persisted(QUERY), query=QUERY), headers=auth
    )
    assert registered.json() == {
        "data": {"viewer": {"name": "acme", "remindersBeforeEscalation": 1}}
    }
    hashed = await http.get(
        "/graphql", params=get_params(persisted(QUERY), operationName="Me"), headers=auth
    )
    assert hashed.status_code == 200
    assert hashed.headers["content-type"] == "application/json"
    assert hashed.json() == registered.json()
    # a text registered over GET answers a POSTed hash too, and the other way round
    posted = await http.post("/graphql", json={"extensions": persisted(QUERY)}, headers=auth)
    assert posted.json() == registered.json()
    # and without a token it is the same 401 as any other request
    anonymous = await http.get("/graphql", params=get_params(persisted(QUERY)))
    assert anonymous.status_code == 401


async def test_a_mutation_is_never_run_over_get_not_even_by_its_hash(http, auth, gql) -> None:
    body = {"query": MUTATION, "extensions": persisted(MUTATION)}
    assert (await http.post("/graphql", json=body, headers=auth)).status_code == 200
    await gql("mutation { updateWorkspace(remindersBeforeEscalation: 1) { __typename } }")
    for params in (get_params(persisted(MUTATION)), {"query": MUTATION}):
        refused = await http.get("/graphql", params=params, headers=auth)
        assert refused.status_code == 400, refused.text
        error = refused.json()["errors"][0]
        assert error["extensions"]["code"] == "BAD_REQUEST"
        assert "GET" in error["message"]
    assert (await gql("{ viewer { remindersBeforeEscalation } }"))["viewer"] == {
        "remindersBeforeEscalation": 1
    }


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"query": QUERY, "variables": "{not json"}, "`variables` is not JSON"),
        ({"query": QUERY, "variables": "[1]"}, "`variables` must be a JSON object"),
        ({"extensions": '"persistedQuery"'}, "`extensions` must be a JSON object"),
        ({"query": QUERY, "variables": "[" * 200 + "]" * 200}, "`variables` nests deeper"),
        ([("query", QUERY), ("query", "{ __typename }")], "gives `query` 2 times"),
    ],
)
async def test_malformed_get_parameters_are_named(http, auth, params, says) -> None:
    response = await http.get("/graphql", params=params, headers=auth)
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert says in error["message"], error["message"]
