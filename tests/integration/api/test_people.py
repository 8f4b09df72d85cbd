"""People: createPerson, updatePerson, setWorkingPattern, setDeliveryPolicy, time off."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tests.integration.api._helpers import (
    ADD_TIME_OFF,
    AMS,
    CREATE_PERSON,
    NYC,
    PERSON,
    REMOVE_TIME_OFF,
    SET_DELIVERY_POLICY,
    SET_WORKING_PATTERN,
    UPDATE_PERSON,
    counts,
    create_handoff,
    create_person,
    ok,
    snapshot,
    sql,
    unknown_id,
)

EMPTY_WEEK = {d: [] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


async def _read(gql, person: dict) -> dict:
    return (await ok(gql, PERSON, {"id": person["id"]}, "person", "PersonPayload"))["person"]


async def test_create_person_with_defaults_reads_back(gql, clock) -> None:
    ana = await create_person(gql, "Ana", AMS, email="ana@example.com")
    assert ana["handle"] == "ana"
    assert ana["email"] == "ana@example.com"
    assert ana["timezone"] == AMS
    assert ana["createdAt"] == "2026-11-27T14:00:00+00:00"
    pattern = ana["workingPattern"]
    assert pattern["timezone"] == AMS
    assert pattern["weekly"] == EMPTY_WEEK | {
        d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")
    }
    assert pattern["holidays"] is None
    assert pattern["timeOff"] == [] and pattern["overrides"] == []
    assert ana["deliveryPolicy"] == {"focusBlocks": EMPTY_WEEK, "digestTimes": []}
    # Friday 15:00 in Amsterdam: working, so something sent now lands now.
    assert ana["localTime"] == "2026-11-27T15:00:00+01:00"
    assert ana["isWorkingNow"] is True
    assert ana["nextReachableAt"] == "2026-11-27T14:00:00+00:00"
    assert await _read(gql, ana) == ana
    people = (await gql("{ people { nodes { id name } } }"))["people"]["nodes"]
    assert people == [{"id": ana["id"], "name": "Ana"}]


async def test_create_person_with_pattern_and_policy(gql) -> None:
    result = await ok(
        gql,
        CREATE_PERSON,
        {
            "input": {
                "name": "Nia",
                "handle": "nia",
                "timezone": NYC,
                "workingPattern": {
                    "weekly": {"mon": ["22:00-06:00"], "sat": ["10:00-14:00"]},
                    "holidays": {"country": "US", "subdivision": "NY"},
                    "timeOff": [{"start": "2026-12-24", "end": "2026-12-31", "reason": "xmas"}],
                    "overrides": [{"date": "2026-12-05", "intervals": ["12:00-13:00"]}],
                },
                "deliveryPolicy": {
                    "focusBlocks": {"mon": ["22:00-23:00"]},
                    "digestTimes": ["23:30"],
                },
            }
        },
        "createPerson",
        "PersonPayload",
    )
    nia = result["person"]
    assert nia["workingPattern"]["weekly"] == EMPTY_WEEK | {
        "mon": ["22:00-06:00"],
        "sat": ["10:00-14:00"],
    }
    assert nia["workingPattern"]["holidays"] == {"country": "US", "subdivision": "NY"}
    assert nia["workingPattern"]["timeOff"] == [
        {"start": "2026-12-24", "end": "2026-12-31", "reason": "xmas"}
    ]
    assert nia["workingPattern"]["overrides"] == [
        {"date": "2026-12-05", "intervals": ["12:00-13:00"]}
    ]
    assert nia["deliveryPolicy"]["focusBlocks"]["mon"] == ["22:00-23:00"]
    assert nia["deliveryPolicy"]["digestTimes"] == ["23:30"]
    assert await _read(gql, nia) == nia


async def test_create_person_rejections_store_nothing(gql, db_url) -> None:
    await create_person(gql, "Ana", AMS)
    before = await snapshot(db_url)
    base = {"name": "Bo", "handle": "bo", "timezone": AMS}
    cases = [
        ({"timezone": "Mars/Olympus_Mons"}, "input.timezone"),
        ({"timezone": ""}, "input.timezone"),
        (
            {"workingPattern": {"weekly": {"mon": ["25:00-26:00"]}}},
            "input.workingPattern.weekly.mon.0",
        ),
        ({"workingPattern": {"weekly": {"tue": ["9-5"]}}}, "input.workingPattern.weekly.tue.0"),
        (
            {"workingPattern": {"weekly": {"wed": ["09:00-12:00", "11:00-13:00"]}}},
            "input.workingPattern.weekly.wed.1",
        ),
        (
            {"workingPattern": {"weekly": {"mon": ["09:00-17:00"]}, "holidays": {"country": "ZZ"}}},
            "input.workingPattern.holidays.country",
        ),
        (
            {"workingPattern": {"timezone": NYC, "weekly": {"mon": ["09:00-17:00"]}}},
            "input.workingPattern.timezone",
        ),
        ({"handle": "Not A Handle"}, "input.handle"),
        ({"handle": "bo\n"}, "input.handle"),  # a regex `$` would let the newline in
        ({"handle": "ana"}, "input.handle"),  # taken
        ({"email": "bo@example.com\n"}, "input.email"),
        ({"name": "   "}, "input.name"),
        ({"email": "not-an-email"}, "input.email"),
    ]
    for change, field in cases:
        result = (await gql(CREATE_PERSON, {"input": base | change}))["createPerson"]
        assert result["__typename"] == "ValidationError", (change, result)
        assert result["field"] == field, (change, result)
        assert result["message"], change
    assert await snapshot(db_url) == before


async def test_update_person(gql, db_url) -> None:
    ana = await create_person(gql, "Ana", AMS, email="ana@example.com")
    await create_person(gql, "Bo", AMS)
    result = await ok(
        gql,
        UPDATE_PERSON,
        {"input": {"id": ana["id"], "name": "Ana B.", "handle": "anab"}},
        "updatePerson",
        "PersonPayload",
    )
    assert (result["person"]["name"], result["person"]["handle"]) == ("Ana B.", "anab")
    assert result["person"]["email"] == "ana@example.com"  # untouched when not given
    stored = await _read(gql, ana)
    assert (stored["name"], stored["handle"], stored["email"]) == (
        "Ana B.",
        "anab",
        "ana@example.com",
    )
    # email: null clears it
    result = await ok(
        gql,
        UPDATE_PERSON,
        {"input": {"id": ana["id"], "email": None}},
        "updatePerson",
        "PersonPayload",
    )
    assert (await _read(gql, ana))["email"] is None

    before = await snapshot(db_url)
    for change, typename, field in [
        ({"handle": "bo"}, "ValidationError", "input.handle"),
        ({"handle": "UPPER"}, "ValidationError", "input.handle"),
        ({"handle": "anab\n"}, "ValidationError", "input.handle"),
        ({"name": ""}, "ValidationError", "input.name"),
        ({"email": "nope"}, "ValidationError", "input.email"),
        ({"id": "not-an-id", "name": "X"}, "ValidationError", "input.id"),
        ({"id": unknown_id("Team", 1), "name": "X"}, "ValidationError", "input.id"),
        ({"id": unknown_id("Person"), "name": "X"}, "NotFound", None),
    ]:
        result = (await gql(UPDATE_PERSON, {"input": {"id": ana["id"]} | change}))["updatePerson"]
        assert result["__typename"] == typename, (change, result)
        if field:
            assert result["field"] == field, (change, result)
    assert await snapshot(db_url) == before


async def test_two_people_asking_for_one_handle_at_once_one_gets_it(gql, db_url) -> None:
    people = [await create_person(gql, name, AMS) for name in ("Ana", "Bo", "Cy", "Dee")]
    results = await asyncio.gather(
        *(gql(UPDATE_PERSON, {"input": {"id": p["id"], "handle": "lead"}}) for p in people)
    )
    kinds = sorted(r["updatePerson"]["__typename"] for r in results)
    assert kinds == ["PersonPayload", "ValidationError", "ValidationError", "ValidationError"]
    for r in results:
        if r["updatePerson"]["__typename"] == "ValidationError":
            assert r["updatePerson"]["field"] == "input.handle"
            assert "already taken" in r["updatePerson"]["message"]
    handles = await sql(db_url, "SELECT handle FROM people WHERE handle = 'lead'")
    assert len(handles) == 1


async def test_set_working_pattern_replaces_it(gql) -> None:
    ana = await create_person(gql, "Ana", AMS)
    pattern = {
        "weekly": {"mon": ["08:00-12:00", "13:00-17:00"], "tue": ["22:00-06:00"]},
        "holidays": {"country": "NL"},
        "timeOff": [{"start": "2026-12-07", "end": "2026-12-08"}],
        "overrides": [{"date": "2026-12-12", "intervals": ["10:00-11:00"]}],
    }
    result = await ok(
        gql,
        SET_WORKING_PATTERN,
        {"id": ana["id"], "pattern": pattern},
        "setWorkingPattern",
        "PersonPayload",
    )
    stored = (await _read(gql, ana))["workingPattern"]
    assert stored == result["person"]["workingPattern"]
    assert stored["timezone"] == AMS  # defaults to the person's zone
    assert stored["weekly"] == EMPTY_WEEK | pattern["weekly"]
    assert stored["holidays"] == {"country": "NL", "subdivision": None}
    assert stored["timeOff"] == [{"start": "2026-12-07", "end": "2026-12-08", "reason": None}]
    assert stored["overrides"] == [{"date": "2026-12-12", "intervals": ["10:00-11:00"]}]
    # Friday 15:00 is no longer working time; next is Monday 08:00 Amsterdam.
    person = await _read(gql, ana)
    assert person["isWorkingNow"] is False
    assert person["nextReachableAt"] == "2026-11-30T07:00:00+00:00"

    # A new zone moves the person's timezone with it.
    await ok(
        gql,
        SET_WORKING_PATTERN,
        {"id": ana["id"], "pattern": {"timezone": NYC, "weekly": {"fri": ["09:00-17:00"]}}},
        "setWorkingPattern",
        "PersonPayload",
    )
    person = await _read(gql, ana)
    assert person["timezone"] == NYC
    assert person["localTime"] == "2026-11-27T09:00:00-05:00"
    assert person["isWorkingNow"] is True


async def test_set_working_pattern_rejections_keep_the_pattern(gql, db_url) -> None:
    ana = await create_person(gql, "Ana", AMS, weekly={"mon": ["09:00-17:00"]})
    before = await snapshot(db_url)
    cases = [
        ({"weekly": {"mon": ["25:00-26:00"]}}, "pattern.weekly.mon.0"),
        ({"weekly": {"fri": ["09:00-10:00", "9-5"]}}, "pattern.weekly.fri.1"),
        ({"weekly": {"mon": ["09:00-12:00", "11:00-13:00"]}}, "pattern.weekly.mon.1"),
        # 09:00-09:00 is a 24-hour shift, so it overlaps 12:00-13:00.
        ({"weekly": {"mon": ["09:00-09:00", "12:00-13:00"]}}, "pattern.weekly.mon.1"),
        ({"weekly": {}, "holidays": {"country": "XX"}}, "pattern.holidays.country"),
        ({"timezone": "Europe/Atlantis", "weekly": {}}, "pattern.timezone"),
    ]
    for pattern, field in cases:
        result = (await gql(SET_WORKING_PATTERN, {"id": ana["id"], "pattern": pattern}))[
            "setWorkingPattern"
        ]
        assert result["__typename"] == "ValidationError", (pattern, result)
        assert result["field"] == field, (pattern, result)
    # An unknown weekday key is refused by the schema itself.
    response = await gql.raw(
        SET_WORKING_PATTERN, {"id": ana["id"], "pattern": {"weekly": {"someday": ["09:00-10:00"]}}}
    )
    body = response.json()
    assert body["data"] is None
    assert "someday" in body["errors"][0]["message"]
    assert await snapshot(db_url) == before
    assert (await _read(gql, ana))["workingPattern"]["weekly"]["mon"] == ["09:00-17:00"]


async def test_field_paths_name_the_graphql_input_fields(gql, db_url) -> None:
    """Paths say `timeOff` / `digestTimes` / `focusBlocks`, as the client sent them."""
    ana = await create_person(gql, "Ana", AMS)
    before = await snapshot(db_url)
    bad_time_off = {"weekly": {}, "timeOff": [{"start": "2026-12-05", "end": "2026-12-01"}]}
    got = []
    result = (await gql(SET_WORKING_PATTERN, {"id": ana["id"], "pattern": bad_time_off}))[
        "setWorkingPattern"
    ]
    got.append((result["__typename"], result.get("field")))
    for policy in ({"digestTimes": ["25:00"]}, {"focusBlocks": {"mon": ["10-12"]}}):
        result = (await gql(SET_DELIVERY_POLICY, {"id": ana["id"], "policy": policy}))[
            "setDeliveryPolicy"
        ]
        got.append((result["__typename"], result.get("field")))
    overrides = [
        # a date given twice is refused, not quietly one of the two
        [
            {"date": "2026-12-01", "intervals": ["10:00-11:00"]},
            {"date": "2026-12-01", "intervals": []},
        ],
        # an error names the entry by its index, as sent
        [{"date": "2026-12-01", "intervals": []}, {"date": "2026-12-02", "intervals": ["9-5"]}],
    ]
    for entries in overrides:
        pattern = {"weekly": {}, "overrides": entries}
        result = (await gql(SET_WORKING_PATTERN, {"id": ana["id"], "pattern": pattern}))[
            "setWorkingPattern"
        ]
        got.append((result["__typename"], result.get("field")))
    base = {"name": "Bo", "handle": "bo", "timezone": AMS}
    for change in (
        {"workingPattern": bad_time_off},
        {"deliveryPolicy": {"digestTimes": ["24:30"]}},
    ):
        result = (await gql(CREATE_PERSON, {"input": base | change}))["createPerson"]
        got.append((result["__typename"], result.get("field")))
    assert await snapshot(db_url) == before
    assert got == [
        ("ValidationError", "pattern.timeOff.0.end"),
        ("ValidationError", "policy.digestTimes.0"),
        ("ValidationError", "policy.focusBlocks.mon.0"),
        ("ValidationError", "pattern.overrides.1.date"),
        ("ValidationError", "pattern.overrides.1.intervals.0"),
        ("ValidationError", "input.workingPattern.timeOff.0.end"),
        ("ValidationError", "input.deliveryPolicy.digestTimes.0"),
    ]


async def test_a_pattern_without_working_time_is_refused_while_a_handoff_waits(gql, db_url) -> None:
    ana = await create_person(gql, "Ana", AMS)
    sam = await create_person(gql, "Sam", NYC)
    await create_handoff(gql, sam, ana)
    before = await snapshot(db_url)
    result = (await gql(SET_WORKING_PATTERN, {"id": ana["id"], "pattern": {"weekly": {}}}))[
        "setWorkingPattern"
    ]
    assert result["__typename"] == "ValidationError", result
    assert result["field"] == "pattern"
    assert await snapshot(db_url) == before


async def test_set_delivery_policy(gql, db_url, clock) -> None:
    ana = await create_person(gql, "Ana", AMS)
    result = await ok(
        gql,
        SET_DELIVERY_POLICY,
        {"id": ana["id"], "policy": {"focusBlocks": {"fri": ["14:00-16:00"]}}},
        "setDeliveryPolicy",
        "PersonPayload",
    )
    assert result["person"]["deliveryPolicy"]["focusBlocks"]["fri"] == ["14:00-16:00"]
    person = await _read(gql, ana)
    assert person["deliveryPolicy"] == result["person"]["deliveryPolicy"]
    # Working, but in focus time until 16:00 Amsterdam.
    assert person["isWorkingNow"] is True
    assert person["nextReachableAt"] == "2026-11-27T15:00:00+00:00"

    await ok(
        gql,
        SET_DELIVERY_POLICY,
        {"id": ana["id"], "policy": {"digestTimes": ["10:00", "16:30"]}},
        "setDeliveryPolicy",
        "PersonPayload",
    )
    person = await _read(gql, ana)
    assert person["deliveryPolicy"] == {
        "focusBlocks": EMPTY_WEEK,
        "digestTimes": ["10:00", "16:30"],
    }
    assert person["nextReachableAt"] == "2026-11-27T15:30:00+00:00"

    before = await snapshot(db_url)
    for policy in ({"focusBlocks": {"mon": ["10-12"]}}, {"digestTimes": ["25:00"]}):
        result = (await gql(SET_DELIVERY_POLICY, {"id": ana["id"], "policy": policy}))[
            "setDeliveryPolicy"
        ]
        assert result["__typename"] == "ValidationError", (policy, result)
        assert result["field"].startswith("policy."), result
    assert await snapshot(db_url) == before


async def test_add_and_remove_time_off(gql, db_url, clock) -> None:
    ana = await create_person(gql, "Ana", AMS)
    # Monday and Tuesday off: Friday at 17:00 the next working time is Wednesday.
    clock.advance(timedelta(hours=3))
    result = await ok(
        gql,
        ADD_TIME_OFF,
        {"id": ana["id"], "start": "2026-11-30", "end": "2026-12-01", "reason": "trip"},
        "addTimeOff",
        "PersonPayload",
    )
    assert result["person"]["workingPattern"]["timeOff"] == [
        {"start": "2026-11-30", "end": "2026-12-01", "reason": "trip"}
    ]
    person = await _read(gql, ana)
    assert person["workingPattern"]["timeOff"] == result["person"]["workingPattern"]["timeOff"]
    assert person["nextReachableAt"] == "2026-12-02T08:00:00+00:00"
    # The same period again is a no-op.
    before = await snapshot(db_url)
    await ok(
        gql,
        ADD_TIME_OFF,
        {"id": ana["id"], "start": "2026-11-30", "end": "2026-12-01", "reason": "trip"},
        "addTimeOff",
        "PersonPayload",
    )
    assert len((await _read(gql, ana))["workingPattern"]["timeOff"]) == 1
    for variables, typename, field in [
        ({"start": "2026-12-05", "end": "2026-12-01"}, "ValidationError", "end"),
        ({"id": "%%%", "start": "2026-12-05", "end": "2026-12-06"}, "ValidationError", "personId"),
        (
            {"id": unknown_id("Person"), "start": "2026-12-05", "end": "2026-12-06"},
            "NotFound",
            None,
        ),
    ]:
        result = (await gql(ADD_TIME_OFF, {"id": ana["id"]} | variables))["addTimeOff"]
        assert result["__typename"] == typename, (variables, result)
        assert result.get("field") == field, (variables, result)
    for variables, typename in [
        ({"start": "2026-11-30", "end": "2026-11-30"}, "NotFound"),  # no such period
        ({"id": unknown_id("Person"), "start": "2026-11-30", "end": "2026-12-01"}, "NotFound"),
        ({"id": "%%%", "start": "2026-11-30", "end": "2026-12-01"}, "ValidationError"),
    ]:
        result = (await gql(REMOVE_TIME_OFF, {"id": ana["id"]} | variables))["removeTimeOff"]
        assert result["__typename"] == typename, (variables, result)
        if variables.get("id", ana["id"]) == ana["id"]:
            # no such period: the person looked in, and the dates, not an ID-less range
            assert result["id"] == ana["id"], result
            assert result["message"] == "Ana has no time off from 2026-11-30 to 2026-11-30"
    assert await snapshot(db_url) == before

    await ok(
        gql,
        REMOVE_TIME_OFF,
        {"id": ana["id"], "start": "2026-11-30", "end": "2026-12-01"},
        "removeTimeOff",
        "PersonPayload",
    )
    person = await _read(gql, ana)
    assert person["workingPattern"]["timeOff"] == []
    assert person["nextReachableAt"] == "2026-11-30T08:00:00+00:00"
    assert (await counts(db_url))["people"] == 1
    # The same dates with another reason replace it: one period, not two stacked.
    for reason in ("trip", "conference"):
        await ok(
            gql,
            ADD_TIME_OFF,
            {"id": ana["id"], "start": "2026-11-30", "end": "2026-12-01", "reason": reason},
            "addTimeOff",
            "PersonPayload",
        )
    assert (await _read(gql, ana))["workingPattern"]["timeOff"] == [
        {"start": "2026-11-30", "end": "2026-12-01", "reason": "conference"}
    ]
    # Other dates sharing a day with it are refused, naming the period; next to it is fine.
    before = await snapshot(db_url)
    for start, end in (
        ("2026-11-29", "2026-11-30"),
        ("2026-12-01", "2026-12-04"),
        ("2026-11-20", "2026-12-10"),
        ("2026-12-01", "2026-12-01"),
    ):
        result = (await gql(ADD_TIME_OFF, {"id": ana["id"], "start": start, "end": end}))[
            "addTimeOff"
        ]
        assert (result["__typename"], result["field"]) == ("ValidationError", "start"), result
        assert "2026-11-30 to 2026-12-01 (conference)" in result["message"]
    assert await snapshot(db_url) == before
    await ok(
        gql,
        ADD_TIME_OFF,
        {"id": ana["id"], "start": "2026-12-02", "end": "2026-12-02"},
        "addTimeOff",
        "PersonPayload",
    )
    assert len((await _read(gql, ana))["workingPattern"]["timeOff"]) == 2


async def test_person_fields_follow_the_clock(gql, clock) -> None:
    ana = await create_person(gql, "Ana", AMS)
    person = await _read(gql, ana)
    assert (person["localTime"], person["isWorkingNow"]) == ("2026-11-27T15:00:00+01:00", True)
    assert person["nextReachableAt"] == "2026-11-27T14:00:00+00:00"
    clock.advance(timedelta(hours=3))  # Friday 18:00 Amsterdam
    person = await _read(gql, ana)
    assert (person["localTime"], person["isWorkingNow"]) == ("2026-11-27T18:00:00+01:00", False)
    assert person["nextReachableAt"] == "2026-11-30T08:00:00+00:00"
    clock.advance(timedelta(days=2, hours=15, minutes=30))  # Monday 09:30 Amsterdam
    person = await _read(gql, ana)
    assert (person["localTime"], person["isWorkingNow"]) == ("2026-11-30T09:30:00+01:00", True)
    assert person["nextReachableAt"] == "2026-11-30T08:30:00+00:00"


async def test_person_lookup_errors(gql) -> None:
    result = (await gql(PERSON, {"id": unknown_id("Person")}))["person"]
    assert result["__typename"] == "NotFound"
    for bad in ("garbage!!", "", unknown_id("Team", 1)):
        result = (await gql(PERSON, {"id": bad}))["person"]
        assert result["__typename"] == "ValidationError", (bad, result)
        assert result["field"] == "id", (bad, result)
