"""Delegation routing at its edges: a cover set with time off, and delegate teams with
nobody left to take the handoff (the sender in the team, a team emptied, a loop through
a team)."""

from __future__ import annotations

from typing import Any

from tests.integration.api._away import (
    ADD_TIME_OFF_WITH,
    ADD_TRAVEL,
    CREATE,
    SET_DELEGATION,
    TOKYO,
    at,
    call,
    rows,
    utc,
)
from tests.integration.api._helpers import (
    AMS,
    NYC,
    REMOVE_TEAM_MEMBER,
    SET_WORKING_PATTERN,
    create_person,
    create_team,
    handoff_input,
)


async def _people(gql: Any, clock: Any, when: Any) -> dict[str, dict]:
    clock.set(when)
    return {n: await create_person(gql, n, AMS) for n in ("Ana", "Bo")} | {
        "Sam": await create_person(gql, "Sam", NYC)
    }


async def _delegate_to_team(gql: Any, person: dict, team: dict) -> None:
    made = await call(
        gql,
        SET_DELEGATION,
        "setDelegation",
        input={
            "personId": person["id"],
            "delegateTeamId": team["id"],
            "start": utc(2026, 11, 30),
            "end": utc(2026, 12, 4),
        },
    )
    assert made["__typename"] == "DelegationPayload", made


async def _week_off_with_bo_covering(gql: Any, p: dict[str, dict]) -> dict:
    """Ana takes Monday 7 to Friday 11 Dec off; Bo covers for her."""
    off = await call(
        gql,
        ADD_TIME_OFF_WITH,
        "addTimeOff",
        id=p["Ana"]["id"],
        start="2026-12-07",
        end="2026-12-11",
        delegation={"delegateId": p["Bo"]["id"]},
    )
    assert off["__typename"] == "PersonPayload", off
    return off


async def _send(gql: Any, sender: dict, to: dict) -> dict:
    result = await call(gql, CREATE, "createHandoff", input=handoff_input(sender, to))
    assert result["__typename"] == "CreateHandoffPayload", result
    return result["handoff"]


async def test_a_week_off_with_a_cover_takes_a_handoff_sent_the_friday_before(
    gql: Any, clock: Any
) -> None:
    # Friday 4 Dec, 19:00 in Amsterdam: Ana's next working hour is after her week off
    p = await _people(gql, clock, at(2026, 12, 4, 18))
    await _week_off_with_bo_covering(gql, p)
    h = await _send(gql, p["Sam"], p["Ana"])
    # Bo covers from Monday 7 Dec, and gets it at his first working hour then
    assert h["receiver"]["id"] == p["Bo"]["id"]
    assert h["deliverAt"] == utc(2026, 12, 7, 8)
    assert "Bo covers for Ana" in h["explanation"][0]


async def test_a_delegate_team_of_the_sender_alone_leaves_it_with_the_person(
    gql: Any, clock: Any
) -> None:
    p = await _people(gql, clock, at(2026, 11, 30, 10))
    cover = await create_team(gql, "Cover", [p["Ana"], p["Bo"]])
    await _delegate_to_team(gql, p["Ana"], cover)
    h = await _send(gql, p["Bo"], p["Ana"])  # Bo, the team's only other member, sent it
    assert h["receiver"]["id"] == p["Ana"]["id"]
    assert "it stays with Ana" in h["explanation"][0]


async def test_an_emptied_delegate_team_leaves_it_with_the_person(gql: Any, clock: Any) -> None:
    p = await _people(gql, clock, at(2026, 11, 30, 10))
    cover = await create_team(gql, "Cover", [p["Bo"]])
    await _delegate_to_team(gql, p["Ana"], cover)
    removed = await gql(REMOVE_TEAM_MEMBER, {"team": cover["id"], "person": p["Bo"]["id"]})
    assert removed["removeTeamMember"]["__typename"] == "TeamPayload", removed
    h = await _send(gql, p["Sam"], p["Ana"])
    assert h["receiver"]["id"] == p["Ana"]["id"]
    assert "team Cover covers, but it has nobody" in h["explanation"][0]


async def test_a_loop_through_a_team_stops_before_it_closes(gql: Any, clock: Any) -> None:
    # Ana -> team Cover {Bo}, Bo -> Ana: a handoff to Bo goes to Ana, whose team has
    # nobody but Bo, who passed it on: it stays with Ana
    p = await _people(gql, clock, at(2026, 11, 30, 10))
    cover = await create_team(gql, "Cover", [p["Bo"]])
    await _delegate_to_team(gql, p["Ana"], cover)
    back = await call(
        gql,
        SET_DELEGATION,
        "setDelegation",
        input={
            "personId": p["Bo"]["id"],
            "delegateId": p["Ana"]["id"],
            "start": utc(2026, 11, 30),
            "end": utc(2026, 12, 4),
        },
    )
    assert back["__typename"] == "DelegationPayload", back
    h = await _send(gql, p["Sam"], p["Bo"])
    assert h["receiver"]["id"] == p["Ana"]["id"]
    assert h["explanation"][0].startswith("Bo is away: Ana covers for Bo")
    assert "it stays with Ana" in h["explanation"][1]


async def test_a_new_pattern_without_the_time_off_ends_its_cover(gql: Any, clock: Any) -> None:
    p = await _people(gql, clock, at(2026, 12, 1, 10))
    off = await _week_off_with_bo_covering(gql, p)
    assert off["person"]["delegation"]["state"] == "SCHEDULED"
    # the whole pattern again, without that week off (as a form that lost it would send)
    week = {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    changed = await gql(SET_WORKING_PATTERN, {"id": p["Ana"]["id"], "pattern": {"weekly": week}})
    assert changed["setWorkingPattern"]["__typename"] == "PersonPayload", changed
    # nothing to cover any more: Bo does not take Ana's handoffs that week
    clock.set(at(2026, 12, 8, 10))
    h = await _send(gql, p["Sam"], p["Ana"])
    assert h["receiver"]["id"] == p["Ana"]["id"], h["explanation"]


async def test_a_trip_moves_the_cover_of_time_off_to_the_zone_of_its_dates(
    gql: Any, clock: Any, db_url: str
) -> None:
    p = await _people(gql, clock, at(2026, 11, 30, 10))
    off = await _week_off_with_bo_covering(gql, p)
    cover = off["person"]["delegation"]
    assert (cover["start"], cover["end"]) == (utc(2026, 12, 6, 23), utc(2026, 12, 11, 23))
    trip = await call(
        gql,
        ADD_TRAVEL,
        "addTravel",
        input={
            "personId": p["Ana"]["id"],
            "start": "2026-12-05",
            "end": "2026-12-13",
            "timezone": TOKYO,
        },
    )
    assert trip["__typename"] == "TravelPayload", trip
    # her days off are Tokyo's days now: from Monday 00:00 to Saturday 00:00 in Tokyo
    spans = await rows(db_url, "SELECT starts_at, ends_at FROM delegations")
    assert [(s["starts_at"], s["ends_at"]) for s in spans] == [
        (at(2026, 12, 6, 15), at(2026, 12, 11, 15))
    ]
    due = await rows(
        db_url, "SELECT kind, due_at FROM follow_ups WHERE delegation_id IS NOT NULL ORDER BY kind"
    )
    assert [(r["kind"], r["due_at"]) for r in due] == [
        ("DELEGATION_END", at(2026, 12, 11, 15)),
        ("DELEGATION_START", at(2026, 12, 6, 15)),
    ]
    # Saturday 01:00 in Tokyo: her time off is over, and so is the cover
    clock.set(at(2026, 12, 11, 16))
    h = await _send(gql, p["Sam"], p["Ana"])
    assert h["receiver"]["id"] == p["Ana"]["id"], h["explanation"]
