"""Time as an argument: `at:` instead of the server's clock, and the pure working-time
queries (workingTime, addWorkingTime, deliveryWindows). The README's previewHandoff
example is reproduced by test_readme.py."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.api._helpers import (
    AMS,
    MON_TO_THU,
    PREVIEW,
    SYDNEY,
    WEEKDAYS,
    create_person,
    handoff_input,
    snapshot,
)

PERSON_AT = """
query($id: ID!, $at: DateTime) {
  person(id: $id) {
    ... on PersonPayload { person { localTime(at: $at) isWorkingNow(at: $at) nextReachableAt(at: $at) } }
  }
}"""
PREVIEW_AT = PREVIEW.replace(
    "$input: CreateHandoffInput!", "$input: CreateHandoffInput!, $at: DateTime"
).replace("previewHandoff(input: $input)", "previewHandoff(input: $input, at: $at)")
WORKING_TIME = """
query($id: ID!, $from: DateTime!, $to: DateTime!) {
  workingTime(personId: $id, from: $from, to: $to) {
    __typename ... on WorkingTime { total } ... on ValidationError { field message }
  }
}"""
ADD = """
query($id: ID!, $at: DateTime!, $d: Duration!) {
  addWorkingTime(personId: $id, at: $at, duration: $d) {
    __typename
    ... on WorkingTimeSum { endsAt endsAtLocal }
    ... on ValidationError { field message }
    ... on NotFound { id }
  }
}"""
WINDOWS = """
query($id: ID!, $from: DateTime!, $to: DateTime!) {
  deliveryWindows(personId: $id, from: $from, to: $to) {
    __typename
    ... on DeliveryWindows { windows { start end } digestTimes bundled }
    ... on ValidationError { field message }
  }
}"""


async def at(gql: Any, person: dict, when: str | None) -> dict[str, Any]:
    data = await gql(PERSON_AT, {"id": person["id"], "at": when})
    return data["person"]["person"]


async def test_a_persons_clock_answers_for_any_instant(gql, clock) -> None:
    ana = await create_person(gql, "Ana", AMS, MON_TO_THU)
    # Thursday 16:30 in Amsterdam, winter time: working; next reachable right away.
    assert await at(gql, ana, "2026-11-26T15:30:00Z") == {
        "localTime": "2026-11-26T16:30:00+01:00",
        "isWorkingNow": True,
        "nextReachableAt": "2026-11-26T15:30:00+00:00",
    }
    # Friday is her day off: next reachable Monday 09:00 Amsterdam.
    assert await at(gql, ana, "2026-11-27T15:00:00+01:00") == {
        "localTime": "2026-11-27T15:00:00+01:00",
        "isWorkingNow": False,
        "nextReachableAt": "2026-11-30T08:00:00+00:00",
    }
    # Summer time: the offset of her local time is +02:00.
    summer = await at(gql, ana, "2026-07-01T06:30:00Z")
    assert summer["localTime"] == "2026-07-01T08:30:00+02:00"
    assert summer["nextReachableAt"] == "2026-07-01T07:00:00+00:00"
    # Without `at`, the server's clock (Friday 14:00 UTC), which moves.
    assert (await at(gql, ana, None))["localTime"] == "2026-11-27T15:00:00+01:00"
    assert (await at(gql, ana, None))["isWorkingNow"] is False
    clock.set(clock.now().replace(day=30, hour=9))
    assert (await at(gql, ana, None)) == {
        "localTime": "2026-11-30T10:00:00+01:00",
        "isWorkingNow": True,
        "nextReachableAt": "2026-11-30T09:00:00+00:00",
    }


@pytest.mark.parametrize("field", ["localTime", "isWorkingNow", "nextReachableAt"])
async def test_a_naive_at_is_refused_with_the_field(gql, field: str) -> None:
    ana = await create_person(gql, "Ana", AMS)
    query = f'query($id: ID!) {{ person(id: $id) {{ ... on PersonPayload {{ person {{ {field}(at: "2026-11-27T15:00:00") }} }} }} }}'
    body = (await gql.raw(query, {"id": ana["id"]})).json()
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "at"}
    assert "no UTC offset" in error["message"]


async def test_preview_at_an_instant_and_a_naive_one_refused(gql, db_url) -> None:
    sam = await create_person(gql, "Sam", SYDNEY)
    ana = await create_person(gql, "Ana", AMS, MON_TO_THU)
    data = handoff_input(sam, ana, expectResponseWithin="PT4H")
    before = await snapshot(db_url)
    # Sent Thursday 10:00 Amsterdam: lands at once, answer due 14:00 the same day.
    thursday = (await gql(PREVIEW_AT, {"input": data, "at": "2026-11-26T10:00:00+01:00"}))[
        "previewHandoff"
    ]
    assert thursday["deliverAt"] == "2026-11-26T09:00:00+00:00"
    assert thursday["respondBy"] == "2026-11-26T13:00:00+00:00"
    # Sent Thursday 16:00: one hour on Thursday, three on Monday.
    late = (await gql(PREVIEW_AT, {"input": data, "at": "2026-11-26T15:00:00Z"}))["previewHandoff"]
    assert late["respondBy"] == "2026-11-30T11:00:00+00:00"
    naive = (await gql(PREVIEW_AT, {"input": data, "at": "2026-11-26T10:00:00"}))["previewHandoff"]
    assert naive["__typename"] == "ValidationError"
    assert naive["field"] == "at"
    assert await snapshot(db_url) == before  # a preview writes nothing


async def test_working_time_in_a_range_counts_real_hours_across_dst(gql) -> None:
    ana = await create_person(gql, "Ana", AMS, WEEKDAYS)
    week = {"id": ana["id"], "from": "2026-11-30T00:00:00+01:00", "to": "2026-12-07T00:00:00+01:00"}
    assert (await gql(WORKING_TIME, week))["workingTime"] == {
        "__typename": "WorkingTime",
        "total": "P1DT16H",
    }
    # An overnight shift on the night the clocks go back (25 Oct 2026) is 9 real hours.
    night = await create_person(gql, "Nia", AMS, {"sat": ["22:00-06:00"]})
    fall_back = {"id": night["id"], "from": "2026-10-24T00:00:00Z", "to": "2026-10-26T00:00:00Z"}
    assert (await gql(WORKING_TIME, fall_back))["workingTime"]["total"] == "PT9H"
    backwards = {**week, "from": week["to"], "to": week["from"]}
    refused = (await gql(WORKING_TIME, backwards))["workingTime"]
    assert refused == {
        "__typename": "ValidationError",
        "field": "to",
        "message": "to must be after from",
    }


async def test_add_working_time_across_a_dst_change(gql) -> None:
    night = await create_person(gql, "Nia", AMS, {"sat": ["22:00-06:00"]})
    start = "2026-10-24T22:00:00+02:00"  # Saturday 22:00 summer time
    eight = (await gql(ADD, {"id": night["id"], "at": start, "d": "PT8H"}))["addWorkingTime"]
    # 8 real hours end at 05:00 winter time, an hour before the shift's wall-clock end.
    assert eight == {
        "__typename": "WorkingTimeSum",
        "endsAt": "2026-10-25T04:00:00+00:00",
        "endsAtLocal": "2026-10-25T05:00:00+01:00",
    }
    nine = (await gql(ADD, {"id": night["id"], "at": start, "d": "PT9H"}))["addWorkingTime"]
    assert nine["endsAtLocal"] == "2026-10-25T06:00:00+01:00"
    # One more minute runs into next Saturday's shift.
    more = (await gql(ADD, {"id": night["id"], "at": start, "d": "PT9H1M"}))["addWorkingTime"]
    assert more["endsAtLocal"] == "2026-10-31T22:01:00+01:00"
    # Spring forward (28 Mar 2027): Friday 16:00 + 2h ends Monday 10:00 at +02:00.
    ana = await create_person(gql, "Ana", AMS, WEEKDAYS)
    spring = await gql(ADD, {"id": ana["id"], "at": "2027-03-26T16:00:00+01:00", "d": "PT2H"})
    assert spring["addWorkingTime"]["endsAt"] == "2027-03-29T08:00:00+00:00"
    assert spring["addWorkingTime"]["endsAtLocal"] == "2027-03-29T10:00:00+02:00"


async def test_add_working_time_refuses_what_cannot_be_added(gql) -> None:
    ana = await create_person(gql, "Ana", AMS, WEEKDAYS)
    idle = await create_person(gql, "Ida", AMS, {})  # no working time at all
    when = "2026-11-27T15:00:00+01:00"
    none = (await gql(ADD, {"id": idle["id"], "at": when, "d": "PT1H"}))["addWorkingTime"]
    assert none["__typename"] == "ValidationError"
    assert none["field"] == "duration"
    assert "too little working time" in none["message"]
    # a minute a week holds no year of working time within 20 years: refused, at once
    sparse = await create_person(
        gql, "Sid", AMS, {"mon": ["09:00-09:01"]}, pattern_extra={"holidays": {"country": "NL"}}
    )
    long = (await gql(ADD, {"id": sparse["id"], "at": when, "d": "P366D"}))["addWorkingTime"]
    assert (long["__typename"], long["field"]) == ("ValidationError", "duration"), long
    assert "within 20 years" in long["message"]
    for duration in ("PT0S", "P367D"):
        result = (await gql(ADD, {"id": ana["id"], "at": when, "d": duration}))["addWorkingTime"]
        assert (result["__typename"], result["field"]) == ("ValidationError", "duration"), duration
    for duration in ("4 hours", "P1Y", "PT"):
        body = (await gql.raw(ADD, {"id": ana["id"], "at": when, "d": duration})).json()
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "d"}, duration
        assert "ISO 8601" in body["errors"][0]["message"]
    naive = await gql(ADD, {"id": ana["id"], "at": "2026-11-27T15:00:00", "d": "PT1H"})
    assert naive["addWorkingTime"]["field"] == "at"


async def test_delivery_windows_remove_focus_blocks_and_list_digests(gql) -> None:
    focused = await create_person(
        gql,
        "Fay",
        AMS,
        WEEKDAYS,
        deliveryPolicy={"focusBlocks": {"mon": ["10:00-12:00"]}},
    )
    monday = {"from": "2026-11-30T00:00:00Z", "to": "2026-12-01T00:00:00Z"}
    windows = (await gql(WINDOWS, {"id": focused["id"], **monday}))["deliveryWindows"]
    assert windows == {
        "__typename": "DeliveryWindows",
        "windows": [
            {"start": "2026-11-30T08:00:00+00:00", "end": "2026-11-30T09:00:00+00:00"},
            {"start": "2026-11-30T11:00:00+00:00", "end": "2026-11-30T16:00:00+00:00"},
        ],
        "digestTimes": [],
        "bundled": False,
    }
    # Digests at 09:00, 11:00 (inside focus: dropped) and 16:00; 20:00 is after hours.
    digests = await create_person(
        gql,
        "Dag",
        AMS,
        WEEKDAYS,
        deliveryPolicy={
            "focusBlocks": {"mon": ["10:00-12:00"]},
            "digestTimes": ["09:00", "11:00", "16:00", "20:00"],
        },
    )
    bundled = (await gql(WINDOWS, {"id": digests["id"], **monday}))["deliveryWindows"]
    assert bundled["bundled"] is True
    assert bundled["digestTimes"] == ["2026-11-30T08:00:00+00:00", "2026-11-30T15:00:00+00:00"]
    assert bundled["windows"] == windows["windows"]


@pytest.mark.parametrize(
    ("field", "args", "named"),
    [
        ("nextReachable", 'personIds: [$id], at: "2026-11-27T15:00:00"', "at"),
        (
            "availability",
            'personId: $id, from: "2026-11-30T00:00:00", to: "2026-12-01T00:00:00Z"',
            "from",
        ),
        (
            "workingTime",
            'personId: $id, from: "2026-11-30T00:00:00Z", to: "2026-12-01T00:00:00"',
            "to",
        ),
        (
            "deliveryWindows",
            'personId: $id, from: "2026-11-30T00:00:00", to: "2026-12-01T00:00:00Z"',
            "from",
        ),
        (
            "teamTimeline",
            'personIds: [$id], from: "2026-11-30T00:00:00", to: "2026-12-01T00:00:00Z"',
            "from",
        ),
    ],
)
async def test_naive_instants_are_validation_errors_naming_the_argument(
    gql, field: str, args: str, named: str
) -> None:
    ana = await create_person(gql, "Ana", AMS)
    query = f"query($id: ID!) {{ {field}({args}) {{ __typename ... on ValidationError {{ field message }} }} }}"
    result = (await gql(query, {"id": ana["id"]}))[field]
    assert result["__typename"] == "ValidationError", result
    assert result["field"] == named
    assert "no UTC offset" in result["message"]


@pytest.mark.parametrize(
    "when", ["9999-12-31T23:30:00Z", "0001-01-01T00:10:00+05:00", "2200-01-01T00:00:00Z"]
)
async def test_instants_outside_the_years_we_accept_are_bad_input_not_a_crash(
    gql, db_url, when: str
) -> None:
    ana = await create_person(gql, "Ana", AMS)
    before = await snapshot(db_url)
    for query in (PERSON_AT, PREVIEW_AT):
        variables = {"id": ana["id"], "at": when, "input": handoff_input(ana, ana)}
        body = (await gql.raw(query, variables)).json()
        [error] = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
        assert "outside the years 1900 to 2199" in error["message"], error
    # as a literal, the error names the argument
    query = f'query($id: ID!) {{ person(id: $id) {{ ... on PersonPayload {{ person {{ localTime(at: "{when}") }} }} }} }}'
    [error] = (await gql.raw(query, {"id": ana["id"]})).json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "at"}
    assert await snapshot(db_url) == before


async def test_bad_dates_are_bad_input_naming_the_argument_as_literals_and_variables(
    gql, db_url
) -> None:
    ana = await create_person(gql, "Ana", AMS)
    before = await snapshot(db_url)
    for start in ("2026-02-30", "9999-12-30", "20261301", "tomorrow"):
        body = (
            await gql.raw(
                "mutation($id: ID!, $start: Date!) { addTimeOff(personId: $id, start: $start, "
                'end: "2026-12-31") { __typename } }',
                {"id": ana["id"], "start": start},
            )
        ).json()
        [error] = body["errors"]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "start"}, (start, error)
        literal = (
            f'mutation($id: ID!) {{ addTimeOff(personId: $id, start: "{start}", '
            'end: "2026-12-31") { __typename } }'
        )
        [error] = (await gql.raw(literal, {"id": ana["id"]})).json()["errors"]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "start"}, (start, error)
    number = 'mutation($id: ID!) { addTimeOff(personId: $id, start: 20261201, end: "2026-12-31") { __typename } }'
    [error] = (await gql.raw(number, {"id": ana["id"]})).json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "start"}, error
    assert await snapshot(db_url) == before
