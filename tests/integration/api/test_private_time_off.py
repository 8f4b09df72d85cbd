"""Private time off: the reason stays the person's own. Explanations and timelines say
"time off" without it; only the person and workspace tokens read it in the pattern."""

from __future__ import annotations

from tests.integration.api._helpers import (
    SET_WORKING_PATTERN,
    WEEKDAYS,
    create_handoff,
    create_person,
    sql,
)
from tests.integration.api.test_rights import person_client

ADD = """
mutation($id: ID!, $start: Date!, $end: Date!, $reason: String, $private: Boolean!) {
  addTimeOff(personId: $id, start: $start, end: $end, reason: $reason, private: $private) {
    __typename
  }
}"""
PATTERN = """
query($id: ID!) { node(id: $id) { ... on Person {
  workingPattern { timeOff { start end reason private } } } } }"""
TIMELINE = """
query($people: [ID!]) {
  teamTimeline(personIds: $people, from: "2026-11-30T00:00:00Z", to: "2026-12-07T00:00:00Z") {
    ... on TeamTimeline { rows { segments { kind label } } }
  }
}"""
EXPLANATION = """
query($id: ID!) { node(id: $id) { ... on Handoff { explanation } } }"""


async def _time_off(client, person_id: str) -> list[dict]:
    found = await client(PATTERN, {"id": person_id})
    return found["node"]["workingPattern"]["timeOff"]


async def test_a_private_reason_is_read_only_by_the_person_and_told_to_nobody(gql, db_url) -> None:
    ana = await create_person(gql, "Ana", weekly=WEEKDAYS)
    sam = await create_person(gql, "Sam", weekly=WEEKDAYS)
    as_ana = await person_client(gql, ana)
    as_sam = await person_client(gql, sam)
    for start, end, reason, private in (
        ("2026-11-27", "2026-11-30", "chemotherapy", True),  # from today, a Friday
        ("2026-12-03", "2026-12-03", "hiking", False),
    ):
        added = await as_ana(
            ADD, {"id": ana["id"], "start": start, "end": end, "reason": reason, "private": private}
        )
        assert added["addTimeOff"]["__typename"] == "PersonPayload"

    mine = [
        {"start": "2026-11-27", "end": "2026-11-30", "reason": "chemotherapy", "private": True},
        {"start": "2026-12-03", "end": "2026-12-03", "reason": "hiking", "private": False},
    ]
    assert await _time_off(as_ana, ana["id"]) == mine
    assert await _time_off(gql, ana["id"]) == mine  # a workspace token administers
    theirs = await _time_off(as_sam, ana["id"])
    assert theirs[0] == {**mine[0], "reason": None}
    assert theirs[1] == mine[1]

    # Sam's handoff to Ana: the explanation says she is off, not why
    handoff = await create_handoff(as_sam, sam, ana, title="Figures")
    explanation = (await as_sam(EXPLANATION, {"id": handoff["id"]}))["node"]["explanation"]
    text = " ".join(explanation)
    assert "Ana is on time off on Friday 27 Nov." in text
    assert "chemotherapy" not in text
    # the team timeline marks the days off, with the reason only where it is not private
    rows = (await as_sam(TIMELINE, {"people": [ana["id"]]}))["teamTimeline"]["rows"]
    labels = [s["label"] for s in rows[0]["segments"] if s["kind"] == "TIME_OFF"]
    assert labels == [None, "hiking"]
    [(stored,)] = await sql(
        db_url, "SELECT working_pattern->'time_off' FROM people WHERE handle = 'ana'"
    )
    assert stored[0] == mine[0]


async def test_setting_the_pattern_again_keeps_a_period_private(gql) -> None:
    ana = await create_person(gql, "Ana", weekly=WEEKDAYS)
    pattern = {
        "weekly": {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
        "timeOff": [
            {"start": "2026-12-07", "end": "2026-12-08", "reason": "dentist", "private": True}
        ],
    }
    result = await gql(SET_WORKING_PATTERN, {"id": ana["id"], "pattern": pattern})
    assert result["setWorkingPattern"]["__typename"] == "PersonPayload", result
    assert await _time_off(gql, ana["id"]) == [
        {"start": "2026-12-07", "end": "2026-12-08", "reason": "dentist", "private": True}
    ]
