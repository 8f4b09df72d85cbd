"""teamTimeline: typed segments per person in UTC and local time, the group's overlap
bands and the hours nobody works, for a team or a list of people."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.api.resolvers import calendar
from tests.integration.api._helpers import (
    AMS,
    KOLKATA,
    MON_TO_THU,
    NYC,
    SET_WORKING_PATTERN,
    SYDNEY,
    WEEKDAYS,
    create_person,
    create_team,
)

TIMELINE = """
query($team: ID, $people: [ID!], $from: DateTime!, $to: DateTime!) {
  teamTimeline(teamId: $team, personIds: $people, from: $from, to: $to) {
    __typename
    ... on TeamTimeline {
      from to overlapTotal gapTotal
      overlap { start end }
      gaps { start end }
      rows {
        person { id name }
        workingTime
        segments { kind start end startLocal endLocal zone label }
      }
    }
    ... on ValidationError { field message }
    ... on NotFound { id message }
  }
}"""
WEEK = {"from": "2026-12-21T00:00:00Z", "to": "2026-12-28T00:00:00Z"}  # Christmas week


def span(start: str, end: str) -> dict[str, str]:
    return {"start": f"2026-12-{start}:00+00:00", "end": f"2026-12-{end}:00+00:00"}


def of(row: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [s for s in row["segments"] if s["kind"] == kind]


@pytest.fixture
async def team(gql) -> dict[str, Any]:
    ana = await create_person(
        gql,
        "Ana",
        AMS,
        workingPattern={"weekly": WEEKDAYS, "holidays": {"country": "NL"}},
        deliveryPolicy={"focusBlocks": {"mon": ["10:00-12:00"]}},
    )
    bo = await create_person(
        gql,
        "Bo",
        NYC,
        workingPattern={
            "weekly": WEEKDAYS,
            "timeOff": [{"start": "2026-12-22", "end": "2026-12-23", "reason": "Dentist"}],
        },
    )
    cy = await create_person(
        gql, "Cy", AMS, MON_TO_THU, deliveryPolicy={"digestTimes": ["13:00"]}
    )  # a trail Friday
    return await create_team(gql, "Desk", [ana, bo, cy])


async def test_a_teams_week_as_typed_segments(gql, team) -> None:
    timeline = (await gql(TIMELINE, {"team": team["id"], **WEEK}))["teamTimeline"]
    assert timeline["__typename"] == "TeamTimeline"
    assert (timeline["from"], timeline["to"]) == (
        "2026-12-21T00:00:00+00:00",
        "2026-12-28T00:00:00+00:00",
    )
    ana, bo, cy = timeline["rows"]
    assert [r["person"]["name"] for r in (ana, bo, cy)] == ["Ana", "Bo", "Cy"]

    # Ana: Monday's focus block inside her working time, in UTC and on her clock.
    monday = of(ana, "WORKING")[0]
    assert monday == {
        "kind": "WORKING",
        "start": "2026-12-21T08:00:00+00:00",
        "end": "2026-12-21T16:00:00+00:00",
        "startLocal": "2026-12-21T09:00:00+01:00",
        "endLocal": "2026-12-21T17:00:00+01:00",
        "zone": AMS,
        "label": None,
    }
    [focus] = of(ana, "FOCUS")
    assert (focus["start"], focus["endLocal"]) == (
        "2026-12-21T09:00:00+00:00",
        "2026-12-21T12:00:00+01:00",
    )
    # Both Christmas days are Dutch public holidays, named; Sunday is a day off.
    christmas, second = of(ana, "HOLIDAY")
    assert second["startLocal"] == "2026-12-26T00:00:00+01:00" and second["label"]
    assert christmas["start"] == "2026-12-24T23:00:00+00:00"
    assert christmas["endLocal"] == "2026-12-26T00:00:00+01:00"
    assert "Christmas" in christmas["label"] or "Kerst" in christmas["label"]
    assert len(of(ana, "WORKING")) == 4 and ana["workingTime"] == "P1DT8H"
    assert [s["startLocal"][:10] for s in of(ana, "DAY_OFF")] == ["2026-12-27"]

    # Bo: two days off with their reason, on New York's clock.
    off = of(bo, "TIME_OFF")
    assert [(s["startLocal"], s["label"]) for s in off] == [
        ("2026-12-22T00:00:00-05:00", "Dentist"),
        ("2026-12-23T00:00:00-05:00", "Dentist"),
    ]
    assert off[-1]["endLocal"] == "2026-12-24T00:00:00-05:00"
    assert bo["workingTime"] == "P1D" and len(of(bo, "WORKING")) == 3

    # Cy: Friday off by the weekly pattern (no label), digests at 13:00 Mon-Thu.
    friday = [s for s in of(cy, "DAY_OFF") if s["startLocal"].startswith("2026-12-25")]
    assert friday and friday[0]["label"] is None
    digests = of(cy, "DIGEST")
    assert [d["startLocal"] for d in digests] == [
        f"2026-12-{d}T13:00:00+01:00" for d in (21, 22, 23, 24)
    ]
    assert all(d["start"] == d["end"] for d in digests)


async def test_overlap_bands_and_follow_the_sun_gaps(gql, team) -> None:
    timeline = (await gql(TIMELINE, {"team": team["id"], **WEEK}))["teamTimeline"]
    # All three work at once only when Bo (NYC, 14-22 UTC) is in: Monday and Thursday.
    assert timeline["overlap"] == [span("21T14:00", "21T16:00"), span("24T14:00", "24T16:00")]
    assert timeline["overlapTotal"] == "PT4H"
    assert timeline["gaps"] == [
        span("21T00:00", "21T08:00"),
        span("21T22:00", "22T08:00"),
        span("22T16:00", "23T08:00"),
        span("23T16:00", "24T08:00"),
        span("24T22:00", "25T14:00"),
        span("25T22:00", "28T00:00"),
    ]
    assert timeline["gapTotal"] == "P4DT20H"  # 8 + 10 + 16 + 16 + 16 + 50 hours


async def test_people_instead_of_a_team_and_exactly_one_of_them(gql, team) -> None:
    people = [m["id"] for m in team["members"]][::-1]
    timeline = (await gql(TIMELINE, {"people": people, **WEEK}))["teamTimeline"]
    assert [r["person"]["id"] for r in timeline["rows"]] == people  # in the order given
    for variables in ({"team": team["id"], "people": people}, {}):
        result = (await gql(TIMELINE, {**variables, **WEEK}))["teamTimeline"]
        assert result["__typename"] == "ValidationError"
        assert result["field"] == "personIds"
        assert "exactly one" in result["message"]
    too_long = {"team": team["id"], "from": WEEK["from"], "to": "2027-04-01T00:00:00Z"}
    assert (await gql(TIMELINE, too_long))["teamTimeline"]["field"] == "to"
    # a range given with an offset comes back in UTC, as every instant does
    chatham = {"from": "2026-12-08T12:45:00+12:45", "to": "2026-12-15T00:00:00+00:00"}
    echoed = (await gql(TIMELINE, {"team": team["id"], **chatham}))["teamTimeline"]
    assert (echoed["from"], echoed["to"]) == (
        "2026-12-08T00:00:00+00:00",
        "2026-12-15T00:00:00+00:00",
    )


async def test_another_workspaces_ids_are_not_found(gql, other_gql, team) -> None:
    person = team["members"][0]["id"]
    for variables in ({"team": team["id"]}, {"people": [person]}):
        result = (await other_gql(TIMELINE, {**variables, **WEEK}))["teamTimeline"]
        assert result["__typename"] == "NotFound", result
    mine = await create_person(other_gql, "Zed", AMS)
    mixed = (await other_gql(TIMELINE, {"people": [mine["id"], person], **WEEK}))["teamTimeline"]
    assert mixed["__typename"] == "NotFound"


async def test_a_week_for_50_people_in_one_request(gql) -> None:
    zones = [AMS, NYC, KOLKATA, SYDNEY, "UTC"]
    ids: list[str] = []
    for batch in range(2):
        aliases = " ".join(
            f'p{i}: createPerson(input: {{name: "P{batch}-{i}", handle: "p{batch}-{i}", '
            f'timezone: "{zones[i % 5]}"}}) {{ ... on PersonPayload {{ person {{ id }} }} }}'
            for i in range(25)
        )
        made = await gql(f"mutation {{ {aliases} }}")
        ids += [made[f"p{i}"]["person"]["id"] for i in range(25)]
    week = {"from": "2026-11-30T00:00:00Z", "to": "2026-12-07T00:00:00Z"}
    timeline = (await gql(TIMELINE, {"people": ids, **week}))["teamTimeline"]
    rows = timeline["rows"]
    assert [r["person"]["id"] for r in rows] == ids
    for i, row in enumerate(rows):
        assert row["workingTime"] == "P1DT16H", row["person"]
        working = of(row, "WORKING")
        assert {s["zone"] for s in working} == {zones[i % 5]}
        # 09:00-17:00 on their clock, but for where the week's edges (UTC) cut a shift
        for s in working:
            assert s["startLocal"][11:19] == "09:00:00" or s["start"] == timeline["from"], s
            assert s["endLocal"][11:19] == "17:00:00" or s["end"] == timeline["to"], s
    # Amsterdam 09-17 and Sydney 09-17 never meet, so nobody overlaps with everyone.
    assert timeline["overlap"] == [] and timeline["overlapTotal"] == "PT0S"
    fifty_one = (await gql(TIMELINE, {"people": [*ids, ids[0]], **week}))["teamTimeline"]
    assert fifty_one["__typename"] == "ValidationError" and "50" in fifty_one["message"]


EDGES = """
query($people: [ID!], $from: DateTime!, $to: DateTime!) {
  teamTimeline(personIds: $people, from: $from, to: $to) {
    ... on TeamTimeline {
      rows { workingTime segments { kind start end label startsBefore endsAfter } }
    }
  }
}"""


async def test_spans_that_cross_the_ranges_edges_say_so(gql) -> None:
    """A night shift from Sunday 22:00 is cut at Monday 00:00 but marked as begun before;
    a New York day off and time off cut at the range's UTC edges are marked; spans inside
    are not."""
    nights = {d: ["22:00-06:00"] for d in ("sun", "mon", "tue", "wed", "thu")}
    eve = await create_person(gql, "Eve", "UTC", workingPattern={"weekly": nights})
    off = [{"start": "2026-12-24", "end": "2027-01-03", "reason": "Winter"}]
    bo = await create_person(gql, "Bo", NYC, workingPattern={"weekly": WEEKDAYS, "timeOff": off})
    rows = (await gql(EDGES, {"people": [eve["id"], bo["id"]], **WEEK}))["teamTimeline"]["rows"]
    working = of(rows[0], "WORKING")
    assert (working[0]["start"], working[0]["end"]) == (
        "2026-12-21T00:00:00+00:00",
        "2026-12-21T06:00:00+00:00",
    )
    assert (working[0]["startsBefore"], working[0]["endsAfter"]) == (True, False)
    # Sunday's night shift runs past the range's end
    assert (working[-1]["end"], working[-1]["endsAfter"]) == ("2026-12-28T00:00:00+00:00", True)
    assert all(not (w["startsBefore"] or w["endsAfter"]) for w in working[1:-1])
    # cut spans count only inside the range: Mon 00-06, four nights of 8 h, Sun 22-24
    assert rows[0]["workingTime"] == "P1DT16H"
    # Bo's Sunday 20 December began at 05:00 UTC; their Sunday 27th ends at 05:00 UTC on
    # the 28th, after the range
    first, last = rows[1]["segments"][0], rows[1]["segments"][-1]
    assert (first["kind"], first["start"], first["startsBefore"]) == (
        "DAY_OFF",
        "2026-12-21T00:00:00+00:00",
        True,
    )
    assert (last["kind"], last["label"], last["end"], last["endsAfter"]) == (
        "TIME_OFF",
        "Winter",
        "2026-12-28T00:00:00+00:00",
        True,
    )
    middle = [s for s in rows[1]["segments"] if s not in (first, last)]
    assert middle and all(not (s["startsBefore"] or s["endsAfter"]) for s in middle)
    for row in rows:  # nothing reaches past the range itself
        assert all("2026-12-21" <= s["start"] < "2026-12-28" for s in row["segments"])


async def test_a_team_of_none_is_a_week_nobody_works(gql) -> None:
    empty = await create_team(gql, "Nobody yet", [])
    timeline = (await gql(TIMELINE, {"team": empty["id"], **WEEK}))["teamTimeline"]
    assert timeline["__typename"] == "TeamTimeline"  # not NotFound: the team exists
    assert timeline["rows"] == [] and timeline["overlap"] == []
    assert timeline["gaps"] == [span("21T00:00", "28T00:00")] and timeline["gapTotal"] == "P7D"


async def test_a_changed_pattern_shows_in_the_next_answer(gql, team) -> None:
    """Spans and overlap are kept per process for the patterns they were computed from:
    a member's new hours are in the very next answer, the others' spans unchanged."""
    before = (await gql(TIMELINE, {"team": team["id"], **WEEK}))["teamTimeline"]
    again = (await gql(TIMELINE, {"team": team["id"], **WEEK}))["teamTimeline"]
    assert again == before
    ana = team["members"][0]
    late = {"weekly": {d: ["16:00-23:00"] for d in ("mon", "tue", "wed", "thu", "fri")}}
    changed = await gql(SET_WORKING_PATTERN, {"id": ana["id"], "pattern": late})
    assert changed["setWorkingPattern"]["__typename"] == "PersonPayload", changed
    after = (await gql(TIMELINE, {"team": team["id"], **WEEK}))["teamTimeline"]
    monday = of(after["rows"][0], "WORKING")[0]
    assert (monday["startLocal"], monday["endLocal"]) == (
        "2026-12-21T16:00:00+01:00",
        "2026-12-21T23:00:00+01:00",
    )
    assert after["rows"][1:] == before["rows"][1:]
    # Ana from 15:00 UTC, Bo from 14:00, Cy until 16:00: Monday's overlap is now 15-16
    assert after["overlap"][0] == span("21T15:00", "21T16:00")
    assert after["overlap"] != before["overlap"]


async def test_only_short_ranges_are_kept(gql, team) -> None:
    """A week's answers are kept per process; a quarter's are computed each time (kept,
    they would fill memory), and read the same."""
    calendar._SPANS.clear()
    week = (await gql(TIMELINE, {"team": team["id"], **WEEK}))["teamTimeline"]
    assert len(calendar._SPANS) == 3  # one entry per member
    quarter = {"from": "2026-12-01T00:00:00Z", "to": "2027-02-28T00:00:00Z"}
    long = (await gql(TIMELINE, {"team": team["id"], **quarter}))["teamTimeline"]
    again = (await gql(TIMELINE, {"team": team["id"], **quarter}))["teamTimeline"]
    assert len(calendar._SPANS) == 3 and long == again
    assert [s for s in long["rows"][0]["segments"] if "2026-12-21" <= s["start"] < "2026-12-28"]
    assert week["rows"][0]["workingTime"] == "P1DT8H"
