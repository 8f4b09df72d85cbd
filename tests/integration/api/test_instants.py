"""One form for every instant the API returns (whole seconds, numeric offset), and
`end == start` as a 24-hour shift through the API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from handoff.jobs.worker import run_due
from tests.integration._delivery_helpers import engine
from tests.integration.api._helpers import (
    AMS,
    AVAILABILITY,
    HANDOFF_FIELDS,
    SET_WORKING_PATTERN,
    WEEKDAYS,
    create_handoff,
    create_person,
    ok,
)

# Anything that starts like an RFC 3339 instant, wherever it appears in a string.
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d[^\s\"',;)]*")
ONE_FORM = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def stamps(value: Any) -> list[str]:
    found = [m.group().rstrip(".:") for s in strings(value) for m in STAMP.finditer(s)]
    assert found, "no timestamps to check"
    return found


async def test_every_instant_has_whole_seconds_and_a_numeric_offset(gql, clock) -> None:
    clock.set(datetime(2026, 11, 27, 14, 0, 0, 987_654, tzinfo=UTC))
    ana = await create_person(gql, "Ana", AMS, WEEKDAYS)
    bo = await create_person(gql, "Bo", AMS, WEEKDAYS)
    handoff = await create_handoff(gql, ana, bo, expectResponseWithin="PT4H", maxReminders=1)
    # Sent inside Bo's hours: it lands now, at a fraction of a second.
    assert handoff["deliverAt"] == "2026-11-27T14:00:00+00:00"
    assert handoff["createdAt"] == "2026-11-27T14:00:00+00:00"
    assert handoff["respondBy"] == "2026-11-30T10:00:00+00:00"
    query = f"""
    query($id: ID!, $h: ID!) {{
      node(id: $h) {{ ... on Handoff {{ {HANDOFF_FIELDS} history {{ at summary }} reminders {{ dueAt }} }} }}
      person(id: $id) {{
        ... on PersonPayload {{ person {{ localTime createdAt nextReachableAt
          later: localTime(at: "2026-07-01T12:00:00.5+02:00") }} }}
      }}
      teamTimeline(personIds: [$id], from: "2026-11-27T14:00:00.25Z", to: "2026-11-28T00:00:00Z") {{
        ... on TeamTimeline {{ from to rows {{ segments {{ start end startLocal endLocal }} }} }}
      }}
    }}"""
    data = await gql(query, {"id": bo["id"], "h": handoff["id"]})
    found = stamps(data)
    bad = [s for s in found if not ONE_FORM.match(s)]
    assert not bad, bad
    person = data["person"]["person"]
    assert person["localTime"] == "2026-11-27T15:00:00+01:00"
    assert person["later"] == "2026-07-01T12:00:00+02:00"
    timeline = data["teamTimeline"]
    assert timeline["from"] == "2026-11-27T14:00:00+00:00"
    segment = timeline["rows"][0]["segments"][0]
    assert (segment["start"], segment["startLocal"]) == (
        "2026-11-27T14:00:00+00:00",
        "2026-11-27T15:00:00+01:00",
    )


async def test_instants_inside_texts_have_the_same_form_after_the_engine_acted(
    gql, db_url, redis_url, clock
) -> None:
    """Explanations, follow-up reasons and history name instants in the same form, even
    when the handoff was sent at a fraction of a second and its clock runs from there."""
    clock.set(datetime(2026, 11, 27, 14, 0, 0, 987_654, tzinfo=UTC))
    ana = await create_person(gql, "Ana", AMS, WEEKDAYS)
    bo = await create_person(gql, "Bo", AMS, WEEKDAYS)
    handoff = await create_handoff(gql, ana, bo, expectResponseWithin="PT4H", maxReminders=1)
    async with engine(db_url, redis_url) as (pool, redis, settings):
        await run_due(pool, redis, clock, settings)  # delivered now
        clock.set(datetime(2026, 11, 30, 10, 0, 1, tzinfo=UTC))
        assert await run_due(pool, redis, clock, settings) == 1  # the reminder
    query = """
    query($h: ID!) { node(id: $h) { ... on Handoff {
      respondBy explanation history { at summary }
      followUps { kind dueAt explanation }
    } } }"""
    data = await gql(query, {"h": handoff["id"]})
    kinds = [f["kind"] for f in data["node"]["followUps"]]
    assert kinds == ["DELIVERY", "REMINDER", "ESCALATION"]
    found = stamps(data)
    # (explanation lines and history summaries name instants on a wall clock, HH:MM)
    assert len(found) >= 7
    bad = [s for s in found if not ONE_FORM.match(s)]
    assert not bad, bad


async def test_end_equal_to_start_is_a_24_hour_shift(gql) -> None:
    ana = await create_person(gql, "Ana", AMS, WEEKDAYS)
    pattern = {"weekly": {"mon": ["06:00-06:00"], "sat": ["06:00-06:00"]}}
    result = await ok(
        gql,
        SET_WORKING_PATTERN,
        {"id": ana["id"], "pattern": pattern},
        "setWorkingPattern",
        "PersonPayload",
    )
    weekly = result["person"]["workingPattern"]["weekly"]
    assert weekly["mon"] == ["06:00-06:00"] and weekly["tue"] == []
    week = {"id": ana["id"], "from": "2026-11-30T00:00:00+01:00", "to": "2026-12-02T00:00:00+01:00"}
    availability = (await gql(AVAILABILITY, week))["availability"]
    assert availability["windows"] == [
        {
            "start": "2026-11-30T05:00:00+00:00",
            "end": "2026-12-01T05:00:00+00:00",
            "startLocal": "2026-11-30T06:00:00+01:00",
            "endLocal": "2026-12-01T06:00:00+01:00",
        }
    ]
    assert availability["workingTime"] == "P1D"
    # Saturday 24 Oct 2026 06:00 to Sunday 06:00 crosses the fall-back: 25 real hours.
    fall = {"id": ana["id"], "from": "2026-10-24T00:00:00Z", "to": "2026-10-26T00:00:00Z"}
    assert (await gql(AVAILABILITY, fall))["availability"]["workingTime"] == "P1DT1H"
    # And it is what createPerson accepts too.
    night = await create_person(gql, "Nia", AMS, {"sun": ["22:00-22:00"]})
    assert night["workingPattern"]["weekly"]["sun"] == ["22:00-22:00"]
