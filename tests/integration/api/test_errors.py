"""Every client mistake gets a coded error (README "Errors"), is logged once without a
traceback, and stores nothing; an unexpected error is logged once with its traceback and
the response names the request id."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest

from handoff.api.app import create_app
from handoff.observability.logging import ContextFilter
from handoff.settings import Settings
from tests.integration.api._helpers import (
    AMS,
    CREATE_HANDOFF,
    create_person,
    handoff_input,
    snapshot,
    sql,
    unknown_id,
)

VIEWER = "{ viewer { name } }"


def body(query: str, variables: Any = None) -> bytes:
    return json.dumps({"query": query, "variables": variables or {}}).encode()


def nested_variables(levels: int) -> bytes:
    """A request whose `variables` nest `levels` objects deep (too deep for json.dumps)."""
    return (
        '{"query": "query($a: String) { viewer { name } }", "variables": {"a": '
        + '{"a": ' * levels
        + "1"
        + "}" * levels
        + "}}"
    ).encode()


async def post(http: Any, content: bytes, token: str | None, **headers: str) -> httpx.Response:
    headers.setdefault("Content-Type", "application/json")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return await http.post("/graphql", content=content, headers=headers)


def the_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response's only error, after checking its HTTP status and code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    payload = response.json()
    assert payload["data"] is None
    [error] = payload["errors"]
    assert error["extensions"]["code"] == code, error
    assert error["message"] and "Traceback" not in response.text
    return error


def no_error_logs(caplog: pytest.LogCaptureFixture) -> None:
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not bad, [r.getMessage() for r in bad]


BAD_BODIES = {
    "not UTF-8": (b'{"query": "{ viewer { name } }", "x": "\xff\xfe"}', "not UTF-8"),
    "not JSON": (b'{"query": ', "not JSON"),
    "a JSON string": (b'"{ viewer { name } }"', "JSON object"),
    "nested 1,000 deep": (nested_variables(1000), "deeper than 32"),
    "a batch": (b'[{"query": "{ viewer { name } }"}]', "Batching"),
    "no query": (b'{"variables": {}}', "No GraphQL query"),
    "variables not an object": (b'{"query": "{ viewer { name } }", "variables": "x"}', "variables"),
    "unknown operationName": (b'{"query": "{ viewer { name } }", "operationName": "B"}', "B"),
    "two operations, none named": (
        b'{"query": "query A { viewer { name } } query B { viewer { name } }"}',
        "name the one to run",
    ),
}


@pytest.mark.parametrize("case", list(BAD_BODIES))
@pytest.mark.parametrize("authenticated", [False, True], ids=["no token", "valid token"])
async def test_a_body_that_is_no_graphql_request_is_a_400_before_and_after_auth(
    http, gql, db_url, caplog, case: str, authenticated: bool
) -> None:
    content, says = BAD_BODIES[case]
    before = await snapshot(db_url)
    caplog.set_level(logging.INFO)
    response = await post(http, content, gql.token if authenticated else None)
    after_auth = (
        "a batch",
        "no query",
        "variables not an object",
        "unknown operationName",
        "two operations, none named",
    )
    if case in after_auth and not authenticated:  # strawberry reads these after auth
        assert the_error(response, 401, "UNAUTHENTICATED")
        return
    error = the_error(response, 400, "BAD_REQUEST")
    assert says in error["message"]
    assert response.headers["x-request-id"]
    no_error_logs(caplog)
    assert await snapshot(db_url) == before


async def test_other_non_graphql_requests_get_a_coded_error(http, gql) -> None:
    form = await post(http, b"query=x", gql.token, **{"Content-Type": "text/plain"})
    assert "content type" in the_error(form, 400, "BAD_REQUEST")["message"]
    mutation = "mutation { updateWorkspace(remindersBeforeEscalation: 2) { __typename } }"
    over_get = await http.get(
        "/graphql", params={"query": mutation}, headers={"Authorization": f"Bearer {gql.token}"}
    )
    assert "GET" in the_error(over_get, 400, "BAD_REQUEST")["message"]
    assert (await gql("{ viewer { remindersBeforeEscalation } }"))["viewer"] == {
        "remindersBeforeEscalation": 1
    }


@pytest.fixture
async def small_limit_http(db_url, app_pool, clock):
    """The app with a 10 kB body limit."""
    app = create_app(
        Settings(database_url=db_url, max_request_bytes=10_000), clock=clock, pool=app_pool
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        yield client


@pytest.mark.parametrize("authenticated", [False, True], ids=["no token", "valid token"])
async def test_a_body_over_the_limit_is_413_with_and_without_content_length(
    small_limit_http, gql, authenticated: bool
) -> None:
    token = gql.token if authenticated else None
    big = body("#" + "x" * 20_000 + "\n" + VIEWER)
    error = the_error(await post(small_limit_http, big, token), 413, "PAYLOAD_TOO_LARGE")
    assert "10000 bytes" in error["message"]

    async def chunks():
        for i in range(0, len(big), 4096):
            yield big[i : i + 4096]

    headers = {"Content-Type": "application/json"} | (
        {"Authorization": f"Bearer {token}"} if token else {}
    )
    chunked = await small_limit_http.post("/graphql", content=chunks(), headers=headers)
    assert "content-length" not in chunked.request.headers
    the_error(chunked, 413, "PAYLOAD_TOO_LARGE")
    # Under the limit, the same client is answered.
    fits = await post(small_limit_http, body(VIEWER), gql.token)
    assert fits.json() == {"data": {"viewer": {"name": "acme"}}}


@pytest.mark.parametrize(
    "authorization", [None, "Bearer", "Bearer not-a-token", f"Basic {'x' * 20}"]
)
async def test_no_valid_token_is_401_unauthenticated(http, gql, authorization) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await http.post("/graphql", json={"query": VIEWER}, headers=headers)
    the_error(response, 401, "UNAUTHENTICATED")
    assert response.headers["www-authenticate"] == "Bearer"


async def test_graphql_level_client_errors_carry_their_code_and_are_logged_once_at_info(
    gql, caplog
) -> None:
    ana = await create_person(gql, "Ana", AMS)
    cases = [
        ("{ viewer { name }", None, "GRAPHQL_PARSE_FAILED", None),
        ("{ viewer { nope } }", None, "GRAPHQL_VALIDATION_FAILED", None),
        ("{ people(first: 500) { totalCount } }", None, "BAD_USER_INPUT", "first"),
        ('{ people(after: "garbage") { totalCount } }', None, "BAD_USER_INPUT", "after"),
        (
            f'{{ inbox(personId: "{unknown_id("Person")}") {{ totalCount }} }}',
            None,
            "NOT_FOUND",
            None,
        ),
        (
            "query($d: Duration!) { addWorkingTime(personId: $p, at: $at, duration: $d)"
            " { __typename } }".replace("$p", f'"{ana["id"]}"').replace(
                "$at", '"2026-11-30T08:00:00Z"'
            ),
            {"d": "4 hours"},
            "BAD_USER_INPUT",
            "d",
        ),
    ]
    for query, variables, code, field in cases:
        caplog.clear()
        caplog.set_level(logging.INFO)
        response = await gql.raw(query, variables)
        error = the_error(response, 200, code)
        assert error["extensions"].get("field") == field, error
        logged = [r for r in caplog.records if r.name == "handoff.api"]
        assert len(logged) == 1, [r.getMessage() for r in logged]
        assert logged[0].levelno in (logging.INFO, logging.WARNING)
        assert logged[0].exc_info is None and code in logged[0].getMessage()
        no_error_logs(caplog)


async def test_a_bad_duration_names_its_field_as_a_literal_and_as_a_variable(gql, db_url) -> None:
    ana = await create_person(gql, "Ana", AMS)
    bo = await create_person(gql, "Bo", AMS)
    before = await snapshot(db_url)
    literal = (
        "mutation { createHandoff(input: {"
        f'senderId: "{ana["id"]}", toPersonId: "{bo["id"]}", note: {{summary: "x"}}, '
        'newWorkItem: {title: "t"}, expectResponseWithin: "4 hours"}) { __typename } }'
    )
    error = the_error(await gql.raw(literal), 200, "BAD_USER_INPUT")
    assert error["extensions"]["field"] == "input.expectResponseWithin"
    assert "'PT4H'" in error["message"]  # says what form is expected
    variable = handoff_input(ana, bo, expectResponseWithin="4 hours")
    error = the_error(await gql.raw(CREATE_HANDOFF, {"input": variable}), 200, "BAD_USER_INPUT")
    assert error["extensions"]["field"] == "input.expectResponseWithin"
    assert "'PT4H'" in error["message"]
    nested = handoff_input(ana, bo, note={"summary": "x", "openQuestions": ["a", 5]})
    error = the_error(await gql.raw(CREATE_HANDOFF, {"input": nested}), 200, "BAD_USER_INPUT")
    assert error["extensions"]["field"] == "input.note.openQuestions.1"
    assert await snapshot(db_url) == before


async def test_an_unexpected_error_is_logged_once_with_its_traceback_and_request_id(
    gql, db_url, caplog
) -> None:
    await create_person(gql, "Ana", AMS)
    await sql(db_url, "ALTER TABLE people RENAME COLUMN name TO name2")
    caplog.handler.addFilter(ContextFilter())
    caplog.set_level(logging.INFO)
    response = await gql.raw("{ people { nodes { name } } }", None, **{"X-Request-ID": "req-42"})
    error = the_error(response, 200, "INTERNAL")
    assert response.headers["x-request-id"] == "req-42"
    assert error["extensions"]["requestId"] == "req-42"
    assert "req-42" in error["message"]
    assert "name2" not in response.text
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert errors[0].exc_info is not None
    assert getattr(errors[0], "request_id", None) == "req-42"
    assert "KeyError" in caplog.text  # the details are in the log, not the response
    assert "KeyError" not in response.text


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("trace-4711.a:b", True), ("hnd_Xy7secretsecret", False), ("secret:hunter22", False)],
)
async def test_a_request_id_that_looks_like_a_secret_is_replaced(
    http, caplog, sent: str, kept: bool
) -> None:
    caplog.set_level(logging.INFO)
    response = await http.get("/healthz", headers={"x-request-id": sent})
    assert (response.headers["x-request-id"] == sent) is kept
    if not kept:
        assert sent not in caplog.text


async def test_a_lone_surrogate_echoed_in_an_error_is_still_json(http, gql, caplog) -> None:
    # "\ud800" is valid JSON but no UTF-8: the enum error quotes it back
    query = "query($v: HandoffStatus) { handoffs(filter: {status: $v}) { totalCount } }"
    body = b'{"query": "%s", "variables": {"v": "\\ud800"}}' % query.encode()
    response = await post(http, body, gql.token)
    error = the_error(response, 200, "BAD_USER_INPUT")
    assert "does not exist" in error["message"]
    no_error_logs(caplog)


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        ("query($x: Int) { viewer { name } }", {}),  # never used
        ("{ people(first: $x) { totalCount } }", {}),  # not defined
        ("query($x: String) { people(first: $x) { totalCount } }", {"x": "1"}),  # wrong type
    ],
    ids=["unused", "undefined", "wrong type"],
)
async def test_a_document_misusing_a_variable_fails_validation(
    gql, document: str, variables: dict
) -> None:
    error = the_error(await gql.raw(document, variables), 200, "GRAPHQL_VALIDATION_FAILED")
    assert "Variable '$x'" in error["message"]
