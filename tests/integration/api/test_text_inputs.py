"""Text inputs refuse NUL bytes, lone surrogates and overlong text with the field named,
and a refused request stores nothing (the cases of issue 10, one by one)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.api._away import DEACTIVATE, call
from tests.integration.api._helpers import (
    ADD_TIME_OFF,
    AMS,
    CREATE_HANDOFF,
    CREATE_PERSON,
    CREATE_TEAM,
    CREATE_WORK_ITEM,
    RETURN,
    create_handoff,
    create_person,
    handoff_input,
    mark_delivered,
    snapshot,
    sql,
)

CREATE_WEBHOOK = """
mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    __typename
    ... on ValidationError { field message }
  }
}"""


async def send(gql: Any, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """Post with `variables` JSON-escaped (\\ud800 travels as an escape, as browsers send it)."""
    payload = json.dumps({"query": query, "variables": variables})  # ensure_ascii
    response = await gql.http.post(
        "/graphql",
        content=payload.encode("ascii"),
        headers={"Authorization": f"Bearer {gql.token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body
    [result] = body["data"].values()
    return result


def refused(result: dict[str, Any], field: str, what: str) -> None:
    assert result["__typename"] == "ValidationError", result
    assert result["field"] == field, result
    assert what in result["message"], result


NUL = "a\x00b"
SURROGATE = "a\ud800b"


@pytest.fixture
async def people(gql: Any) -> tuple[dict, dict]:
    return await create_person(gql, "Ana", AMS), await create_person(gql, "Bo", AMS)


@pytest.mark.parametrize(
    ("bad", "what"), [(NUL, "NUL byte"), (SURROGATE, "surrogate"), ("x" * 100_001, "at most")]
)
async def test_every_text_input_of_the_issue_is_refused_with_its_field(
    gql, db_url, clock, people, bad: str, what: str
) -> None:
    ana, bo = people
    handoff = await create_handoff(gql, ana, bo, expectResponseWithin="PT4H")
    await mark_delivered(db_url, handoff, clock.now())  # so returnHandoff would succeed
    before = await snapshot(db_url)
    endpoints = await sql(db_url, "SELECT count(*) FROM webhook_endpoints")
    cases: list[tuple[str, dict[str, Any], str]] = [
        (CREATE_TEAM, {"input": {"name": bad}}, "input.name"),
        (CREATE_WORK_ITEM, {"input": {"title": bad}}, "input.title"),
        (
            CREATE_HANDOFF,
            {"input": handoff_input(ana, bo, note={"summary": "s", "next": bad})},
            "input.note.next",
        ),
        (
            CREATE_HANDOFF,
            {"input": handoff_input(ana, bo, note={"summary": "s", "openQuestions": ["ok", bad]})},
            "input.note.openQuestions.1",
        ),
        (
            CREATE_HANDOFF,
            {"input": handoff_input(ana, bo, idempotencyKey=bad)},
            "input.idempotencyKey",
        ),
        (
            CREATE_WEBHOOK,
            {"input": {"url": f"https://93.184.215.14/{bad}", "eventTypes": ["handoff.created"]}},
            "input.url",
        ),
        (
            ADD_TIME_OFF,
            {"id": bo["id"], "start": "2026-12-01", "end": "2026-12-02", "reason": bad},
            "reason",
        ),
        (RETURN, {"id": handoff["id"], "note": bad}, "note"),
        (
            CREATE_PERSON,
            {"input": {"name": bad, "handle": "cy", "timezone": AMS}},
            "input.name",
        ),
    ]
    for query, variables, field in cases:
        refused(await send(gql, query, variables), field, what)
    assert await snapshot(db_url) == before
    assert await sql(db_url, "SELECT count(*) FROM webhook_endpoints") == endpoints
    # The same requests with ordinary text succeed: only the bad text was refused.
    assert (await send(gql, RETURN, {"id": handoff["id"], "note": "ok"}))["__typename"] == (
        "HandoffPayload"
    )


async def test_a_lone_surrogate_in_a_persons_name_is_refused_but_real_emoji_are_fine(
    gql, db_url
) -> None:
    before = await snapshot(db_url)
    person = {"handle": "ana", "timezone": AMS}
    refused(
        await send(gql, CREATE_PERSON, {"input": {**person, "name": "Ana \udc00"}}),
        "input.name",
        "surrogate",
    )
    assert await snapshot(db_url) == before
    # A surrogate *pair* is one character (an emoji), not a lone surrogate.
    made = await send(gql, CREATE_PERSON, {"input": {**person, "name": "Ana \U0001f600"}})
    assert made["__typename"] == "PersonPayload"
    assert made["person"]["name"] == "Ana \U0001f600"


@pytest.mark.parametrize(
    "url",
    [
        "https://a..b/hook",  # the IDNA codec refuses an empty label
        "https://" + "a" * 64 + ".example/hook",  # and a label over 63 characters
        "ftp://93.184.215.14/hook",
        "https://127.0.0.1/hook",
    ],
)
async def test_a_webhook_url_that_cannot_be_used_is_a_validation_error(gql, db_url, url) -> None:
    result = await send(
        gql, CREATE_WEBHOOK, {"input": {"url": url, "eventTypes": ["handoff.created"]}}
    )
    refused(result, "input.url", "")
    assert await sql(db_url, "SELECT count(*) FROM webhook_endpoints") == [(0,)]


async def test_control_characters_are_refused_and_names_stay_on_one_line(gql, db_url) -> None:
    before = await snapshot(db_url)
    person = {"handle": "ana", "timezone": AMS}
    for name, what in [
        ("Ana\x1b[31m", "a control character (U+001B)"),
        ("Ana\x85", "a control character (U+0085)"),
        ("Ana\nRoot", "a line break or tab"),
        ("\u202eAna", "a bidirectional text control (U+202E)"),
    ]:
        result = await send(gql, CREATE_PERSON, {"input": {**person, "name": name}})
        refused(result, "input.name", what)
    assert await snapshot(db_url) == before
    # notes are many lines, and right-to-left text is fine in them
    made = await send(gql, CREATE_PERSON, {"input": {**person, "name": "Ana"}})
    assert made["__typename"] == "PersonPayload"
    bo = await create_person(gql, "Bo", AMS)
    note = {"summary": "s", "done": "line one\n\tline two", "next": "\u2067שלום\u2069 first"}
    result = await send(
        gql, CREATE_HANDOFF, {"input": handoff_input(made["person"], bo, note=note)}
    )
    assert result["__typename"] == "CreateHandoffPayload", result
    # but a summary is one line, as the schema says
    two_lines = {**note, "summary": "line one\nline two"}
    result = await send(
        gql, CREATE_HANDOFF, {"input": handoff_input(made["person"], bo, note=two_lines)}
    )
    refused(result, "input.note.summary", "a line break or tab")


async def test_limits_of_a_return_note_and_an_email_and_a_holder_who_left(
    gql, db_url, clock, people
) -> None:
    ana, bo = people
    handoff = await create_handoff(gql, ana, bo, expectResponseWithin="PT4H")
    await mark_delivered(db_url, handoff, clock.now())
    before = await snapshot(db_url)
    long_note = {"id": handoff["id"], "note": "x" * 20_001}  # as any field of a note
    refused(await send(gql, RETURN, long_note), "note", "longer than 20000")
    email = "a" * 250 + "@x.io"
    cy = {"name": "Cy", "handle": "cy", "timezone": AMS, "email": email}
    refused(await send(gql, CREATE_PERSON, {"input": cy}), "input.email", "at most 254")
    question = {"summary": "s", "openQuestions": ["fine", "q" * 20_001]}
    refused(
        await send(gql, CREATE_HANDOFF, {"input": handoff_input(ana, bo, note=question)}),
        "input.note.openQuestions.1",
        "longer than 20000",
    )
    assert await snapshot(db_url) == before
    gone = await call(
        gql, DEACTIVATE, "deactivatePerson", input={"id": bo["id"], "reassignTo": ana["id"]}
    )
    assert gone["__typename"] == "DeactivatePersonPayload", gone
    before = await snapshot(db_url)
    item = {"input": {"title": "Q1 plan", "holderId": bo["id"]}}
    held = await send(gql, CREATE_WORK_ITEM, item)
    assert held["__typename"] == "Conflict", held
    assert await snapshot(db_url) == before


@pytest.mark.parametrize(
    "blank", ["\u200b", " \u200d\ufeff ", "\u3164", "\u2060\u00ad\n", "\u200f", "\u200e\u061c"]
)
async def test_text_made_only_of_invisible_characters_is_empty(
    gql, db_url, clock, people, blank: str
) -> None:
    ana, bo = people
    handoff = await create_handoff(gql, ana, bo, expectResponseWithin="PT4H")
    await mark_delivered(db_url, handoff, clock.now())
    before = await snapshot(db_url)
    one_line = blank.strip("\n")  # names and titles are one line: only the invisibles
    cases: list[tuple[str, dict[str, Any], str]] = [
        (CREATE_TEAM, {"input": {"name": one_line}}, "input.name"),
        (CREATE_WORK_ITEM, {"input": {"title": one_line}}, "input.title"),
        (
            CREATE_HANDOFF,
            {"input": handoff_input(ana, bo, note={"summary": one_line})},
            "input.note.summary",
        ),
        (
            CREATE_HANDOFF,
            {"input": handoff_input(ana, bo, note={"summary": "s", "openQuestions": [blank]})},
            "input.note.openQuestions.0",
        ),
        (RETURN, {"id": handoff["id"], "note": blank}, "note"),
        (
            CREATE_PERSON,
            {"input": {"name": one_line, "handle": "cy", "timezone": AMS}},
            "input.name",
        ),
    ]
    for query, variables, field in cases:
        refused(await send(gql, query, variables), field, "")
    assert await snapshot(db_url) == before
    # invisible characters inside text are kept (a zero-width joiner makes one emoji)
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    made = await send(gql, CREATE_TEAM, {"input": {"name": f"\u200b{family} team\ufeff"}})
    assert made["team"]["name"] == f"{family} team", made


async def test_a_time_off_reason_is_one_short_line(gql, db_url, people) -> None:
    # it is repeated in the explanation of every handoff to that person
    ana, _ = people
    before = await snapshot(db_url)
    dates = {"id": ana["id"], "start": "2027-02-01", "end": "2027-02-05"}
    for reason, what in [
        ("line1\nline2", "a line break or tab"),
        ("\u202eevil", "a bidirectional text control (U+202E)"),
        ("x" * 201, "at most 200 characters"),
    ]:
        refused(await send(gql, ADD_TIME_OFF, dates | {"reason": reason}), "reason", what)
    pattern = {
        "timezone": AMS,
        "weekly": {"mon": ["09:00-17:00"]},
        "timeOff": [{"start": "2027-02-01", "end": "2027-02-02", "reason": "y" * 201}],
    }
    cy = {"name": "Cy", "handle": "cy", "timezone": AMS, "workingPattern": pattern}
    refused(
        await send(gql, CREATE_PERSON, {"input": cy}),
        "input.workingPattern.timeOff.0.reason",
        "at most 200 characters",
    )
    assert await snapshot(db_url) == before
    fine = await send(gql, ADD_TIME_OFF, dates | {"reason": "ski trip, שלום"})
    assert fine["__typename"] == "PersonPayload", fine
