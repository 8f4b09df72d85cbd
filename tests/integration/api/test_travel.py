"""Travel periods through the API: storage with global IDs, where a person is, delivery,
routing, exact rescheduling of pending follow-ups, events, bad input and tenancy."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.api._away import (
    ADD_TRAVEL,
    ANA_WEEK,
    CREATE,
    LA,
    PERSON_Q,
    REMOVE_TRAVEL,
    TOKYO,
    UPDATE_TRAVEL,
    at,
    call,
    rows,
    snapshot,
    utc,
    worker,
)
from tests.integration.api._helpers import (
    AMS,
    AVAILABILITY,
    NYC,
    SET_WORKING_PATTERN,
    create_person,
    create_team,
    handoff_input,
    pk,
    unknown_id,
)

TRIP = {"start": "2026-12-07", "end": "2026-12-11", "timezone": TOKYO}


async def _add(gql: Any, person: dict[str, Any], **trip: Any) -> dict[str, Any]:
    result = await call(gql, ADD_TRAVEL, "addTravel", input={"personId": person["id"], **trip})
    assert result["__typename"] == "TravelPayload", result
    return result


async def test_the_worked_example_through_the_api(gql, clock):
    clock.set(at(2026, 12, 1, 12))
    ana = await create_person(gql, "Ana", AMS, weekly=ANA_WEEK)
    added = await _add(gql, ana, **TRIP)
    trip = added["travel"]
    assert (trip["start"], trip["end"], trip["timezone"]) == ("2026-12-07", "2026-12-11", TOKYO)
    assert (trip["hours"], trip["holidays"], trip["visitedRegion"]) == ("LOCAL", "HOME", None)
    assert trip["person"]["id"] == ana["id"]
    assert added["followUpsMoved"] == []
    # Where she is: home now, Tokyo during the trip; her home zone stays.
    person = (await gql(PERSON_Q, {"id": ana["id"], "at": utc(2026, 12, 8, 3)}))["person"]
    me = person["person"]
    assert (me["timezone"], me["homeTimezone"], me["atTimezone"]) == (AMS, AMS, TOKYO)
    assert me["atLocal"] == "2026-12-08T12:00:00+09:00"
    assert [t["id"] for t in me["travel"]] == [trip["id"]]
    # Monday 7 Dec: 09:00-17:00 and 19:00-21:00 Tokyo = 00:00-08:00Z and 10:00-12:00Z.
    day = await gql(
        AVAILABILITY, {"id": ana["id"], "from": utc(2026, 12, 7), "to": utc(2026, 12, 8)}
    )
    windows = day["availability"]["windows"]
    assert [(w["start"], w["end"]) for w in windows] == [
        (utc(2026, 12, 7, 0), utc(2026, 12, 7, 8)),
        (utc(2026, 12, 7, 10), utc(2026, 12, 7, 12)),
    ]
    assert windows[0]["startLocal"] == "2026-12-07T09:00:00+09:00"
    node = await gql(
        "query($id: ID!) { node(id: $id) { __typename ... on TravelPeriod { timezone } } }",
        {"id": trip["id"]},
    )
    assert node["node"] == {"__typename": "TravelPeriod", "timezone": TOKYO}
    # Saturday 12 Dec she is home again.
    home = (await gql(PERSON_Q, {"id": ana["id"], "at": utc(2026, 12, 12, 12)}))["person"]
    assert home["person"]["atTimezone"] == AMS


async def test_a_handoff_lands_in_the_travellers_hours_and_says_where(gql, clock):
    clock.set(at(2026, 12, 5, 12))  # Saturday
    ana = await create_person(gql, "Ana", AMS, weekly=ANA_WEEK)
    bo = await create_person(gql, "Bo", NYC)
    await _add(gql, ana, **TRIP)
    made = await call(gql, CREATE, "createHandoff", input=handoff_input(bo, ana))
    handoff = made["handoff"]
    assert handoff["deliverAt"] == utc(2026, 12, 7, 0)  # Monday 09:00 in Tokyo
    text = " ".join(handoff["explanation"])
    assert "Ana is in Asia/Tokyo from Monday 7 Dec until Friday 11 Dec." in text
    assert "Lands Monday 7 Dec 09:00 Asia/Tokyo" in text


async def test_rescheduling_moves_exactly_the_follow_ups_that_change(gql, clock, db_url, redis_url):
    async with worker(db_url, redis_url, clock) as tick:
        clock.set(at(2026, 12, 4, 12))  # Friday 13:00 in Amsterdam: Ana works
        ana = await create_person(gql, "Ana", AMS, weekly=ANA_WEEK)
        bo = await create_person(gql, "Bo", NYC)
        first = await call(
            gql, CREATE, "createHandoff", input=handoff_input(bo, ana, expectResponseWithin="PT12H")
        )
        assert first["handoff"]["deliverAt"] == utc(2026, 12, 4, 12)
        assert await tick() == 1  # delivered; its reminder waits for the deadline
        clock.set(at(2026, 12, 4, 21, 30))  # after her evening block: lands Monday
        second = await call(gql, CREATE, "createHandoff", input=handoff_input(bo, ana, title="b"))
        assert second["handoff"]["deliverAt"] == utc(2026, 12, 7, 8)
        # One handoff's follow-up that the trip does not touch:
        untouched = await call(
            gql, CREATE, "createHandoff", input=handoff_input(ana, bo, title="c")
        )
        before = await snapshot(db_url)
        reminder = [
            f
            for f in await rows(db_url, "SELECT * FROM follow_ups WHERE kind = 'REMINDER'")
            if f["state"] == "PENDING"
        ]
        assert [r["due_at"] for r in reminder] == [at(2026, 12, 7, 14)]  # Monday 15:00 CET

        added = await _add(gql, ana, **TRIP)

        moved = {
            (m["handoff"]["id"], m["kind"]): (m["from"], m["to"]) for m in added["followUpsMoved"]
        }
        assert moved == {
            (second["handoff"]["id"], "DELIVERY"): (utc(2026, 12, 7, 8), utc(2026, 12, 7, 0)),
            # The 12 h answer clock runs in her hours, now Tokyo's from Monday: the working
            # time left lasts until Monday 15:00 there (06:00Z), and the reminder goes then.
            (first["handoff"]["id"], "REMINDER"): (utc(2026, 12, 7, 14), utc(2026, 12, 7, 6)),
        }
        # Exactly the rows it names changed (a new version); every other row is as it was.
        after = {r["id"]: r for r in (await snapshot(db_url))["follow_up_versions"]}
        changed = {r["id"] for r in before["follow_up_versions"] if after[r["id"]] != r}
        assert changed == {pk(m["followUpId"]) for m in added["followUpsMoved"]}
        assert len(after) == len(before["follow_up_versions"]) == 4
        assert untouched["handoff"]["receiver"]["id"] == bo["id"]
        stored = await rows(
            db_url, "SELECT deliver_at FROM handoffs WHERE id = %s", pk(second["handoff"]["id"])
        )
        assert stored[0]["deliver_at"] == at(2026, 12, 7, 0)
        event = (
            await rows(
                db_url,
                "SELECT payload FROM events WHERE type = 'person.travel_changed' ORDER BY id",
            )
        )[-1]["payload"]
        assert event["change"] == "added"
        assert event["travel"]["id"] == added["travel"]["id"]
        assert event["homeTimezone"] == AMS and event["timezoneNow"] == AMS
        assert {(e["handoffId"], e["kind"]) for e in event["followUpsMoved"]} == set(moved)

        # Removing the trip moves them back, and the engine delivers at the old instant.
        removed = await call(gql, REMOVE_TRAVEL, "removeTravel", id=added["travel"]["id"])
        assert removed["__typename"] == "RemoveTravelPayload"
        back = {(m["handoff"]["id"], m["kind"]): m["to"] for m in removed["followUpsMoved"]}
        assert back == {
            (second["handoff"]["id"], "DELIVERY"): utc(2026, 12, 7, 8),
            (first["handoff"]["id"], "REMINDER"): utc(2026, 12, 7, 14),
        }
        assert removed["person"]["travel"] == []
        status = "SELECT status FROM handoffs WHERE id = %s"
        clock.set(at(2026, 12, 7, 0))
        await tick()
        assert (await rows(db_url, status, pk(second["handoff"]["id"])))[0]["status"] == "SCHEDULED"
        clock.set(at(2026, 12, 7, 8))
        assert await tick() == 1
        assert (await rows(db_url, status, pk(second["handoff"]["id"])))[0]["status"] == "DELIVERED"


async def test_update_travel_changes_the_mode_and_moves_follow_ups(gql, clock, db_url):
    clock.set(at(2026, 12, 4, 21, 30))
    ana = await create_person(gql, "Ana", AMS, weekly=ANA_WEEK)
    bo = await create_person(gql, "Bo", NYC)
    made = await call(gql, CREATE, "createHandoff", input=handoff_input(bo, ana))
    added = await _add(gql, ana, **TRIP)
    assert [m["to"] for m in added["followUpsMoved"]] == [utc(2026, 12, 7, 0)]
    # HOME hours: she keeps Amsterdam hours in Tokyo, so Monday 09:00 CET again.
    updated = await call(
        gql, UPDATE_TRAVEL, "updateTravel", input={"id": added["travel"]["id"], "hours": "HOME"}
    )
    assert updated["__typename"] == "TravelPayload", updated
    assert updated["travel"]["hours"] == "HOME"
    assert updated["travel"]["start"] == "2026-12-07"  # omitted fields stay
    assert [(m["handoff"]["id"], m["to"]) for m in updated["followUpsMoved"]] == [
        (made["handoff"]["id"], utc(2026, 12, 7, 8))
    ]
    person = (await gql(PERSON_Q, {"id": ana["id"], "at": utc(2026, 12, 7, 8)}))["person"]
    assert person["person"]["atTimezone"] == TOKYO  # where she is, whatever her hours
    region = {"country": "JP", "subdivision": None}
    visited = await call(
        gql,
        UPDATE_TRAVEL,
        "updateTravel",
        input={"id": added["travel"]["id"], "holidays": "VISITED", "visitedRegion": region},
    )
    assert visited["travel"]["visitedRegion"] == region
    cleared = await call(
        gql,
        UPDATE_TRAVEL,
        "updateTravel",
        input={"id": added["travel"]["id"], "holidays": "HOME", "visitedRegion": None},
    )
    assert cleared["travel"]["visitedRegion"] is None
    changes = await rows(
        db_url,
        "SELECT payload->>'change' AS c FROM events WHERE type = 'person.travel_changed' "
        "ORDER BY id",
    )
    assert [c["c"] for c in changes] == ["added", "updated", "updated", "updated"]


async def test_follow_the_sun_sees_the_traveller_where_they_are(gql, clock):
    clock.set(at(2026, 12, 8, 20))  # Tuesday 21:00 in Amsterdam, 12:00 in Los Angeles
    ana = await create_person(gql, "Ana", AMS)
    cy = await create_person(gql, "Cy", AMS)
    sam = await create_person(gql, "Sam", "Australia/Sydney")
    team = await create_team(gql, "Sun", [ana, cy])
    made = await call(gql, CREATE, "createHandoff", input=handoff_input(sam, team=team))
    assert made["handoff"]["receiver"]["id"] == ana["id"]  # tie at Wednesday 09:00: lower id
    assert made["handoff"]["deliverAt"] == utc(2026, 12, 9, 8)
    await _add(gql, cy, start="2026-12-07", end="2026-12-11", timezone=LA)
    made = await call(gql, CREATE, "createHandoff", input=handoff_input(sam, team=team, title="x"))
    handoff = made["handoff"]
    assert handoff["receiver"]["id"] == cy["id"]
    assert handoff["deliverAt"] == clock.now().isoformat()
    assert "Cy (America/Los_Angeles) is reachable soonest." in handoff["explanation"][0]


async def test_set_working_pattern_keeps_travel(gql, clock):
    clock.set(at(2026, 12, 1, 12))
    ana = await create_person(gql, "Ana", AMS, weekly=ANA_WEEK)
    trip = (await _add(gql, ana, **TRIP))["travel"]
    await gql(
        SET_WORKING_PATTERN, {"id": ana["id"], "pattern": {"weekly": {"mon": ["10:00-12:00"]}}}
    )
    person = (await gql(PERSON_Q, {"id": ana["id"], "at": utc(2026, 12, 7, 2)}))["person"]
    assert [t["id"] for t in person["person"]["travel"]] == [trip["id"]]
    assert person["person"]["atTimezone"] == TOKYO


BAD = [
    ({"start": "2026-12-11", "end": "2026-12-07"}, "input.end", "before its start"),
    ({"timezone": "Mars/Olympus"}, "input.timezone", "Mars/Olympus"),
    ({"end": "2027-12-13"}, "input.end", "367 days"),
    ({"holidays": "VISITED"}, "input.visitedRegion", "visited_region"),
    ({"visitedRegion": {"country": "XX"}}, "input.visitedRegion.country", "XX"),
    (
        {"holidays": "VISITED", "visitedRegion": {"country": "US", "subdivision": "ZZ"}},
        "input.visitedRegion.subdivision",
        "ZZ",
    ),
    ({"start": "2026-12-11", "end": "2026-12-14"}, "input.start", "shares dates"),
]


@pytest.mark.parametrize(("change", "field", "words"), BAD)
async def test_bad_travel_is_refused_with_the_field_and_nothing_is_stored(
    gql, clock, db_url, change, field, words
):
    clock.set(at(2026, 12, 1, 12))
    ana = await create_person(gql, "Ana", AMS, weekly=ANA_WEEK)
    first = (await _add(gql, ana, start="2026-12-01", end="2026-12-11", timezone=TOKYO))["travel"]
    before = await snapshot(db_url)
    result = await call(
        gql,
        ADD_TRAVEL,
        "addTravel",
        input={"personId": ana["id"], **TRIP, "start": "2026-12-12", "end": "2026-12-14", **change},
    )
    assert result["__typename"] == "ValidationError", result
    assert result["field"] == field
    assert words in result["message"]
    if field == "input.start":
        assert first["id"] in result["message"]  # names the period it overlaps
    assert await snapshot(db_url) == before
    # The same values through updateTravel are refused the same way.
    if field != "input.start":
        updated = await call(
            gql, UPDATE_TRAVEL, "updateTravel", input={"id": first["id"], **change}
        )
        assert updated["__typename"] == "ValidationError", updated
        assert updated["field"] == field
        assert await snapshot(db_url) == before


async def test_back_to_back_is_fine_and_a_year_is_the_longest(gql, clock):
    clock.set(at(2026, 12, 1, 12))
    ana = await create_person(gql, "Ana", AMS)
    await _add(gql, ana, start="2026-12-07", end="2026-12-11", timezone=TOKYO)
    await _add(gql, ana, start="2026-12-12", end="2026-12-20", timezone=LA)
    await _add(gql, ana, start="2027-01-01", end="2027-12-31", timezone=TOKYO, hours="HOME")


async def test_another_workspaces_travel_is_not_found(gql, other_gql, clock, db_url):
    clock.set(at(2026, 12, 1, 12))
    ana = await create_person(gql, "Ana", AMS)
    trip = (await _add(gql, ana, **TRIP))["travel"]
    before = await snapshot(db_url)
    added = await call(other_gql, ADD_TRAVEL, "addTravel", input={"personId": ana["id"], **TRIP})
    assert added["__typename"] == "NotFound"
    updated = await call(
        other_gql, UPDATE_TRAVEL, "updateTravel", input={"id": trip["id"], "hours": "HOME"}
    )
    assert updated["__typename"] == "NotFound"
    removed = await call(other_gql, REMOVE_TRAVEL, "removeTravel", id=trip["id"])
    assert removed["__typename"] == "NotFound"
    assert (await other_gql("query($id: ID!) { node(id: $id) { id } }", {"id": trip["id"]})) == {
        "node": None
    }
    assert await snapshot(db_url) == before
    missing = await call(gql, REMOVE_TRAVEL, "removeTravel", id=unknown_id("TravelPeriod"))
    assert missing["__typename"] == "NotFound"
    wrong = await call(gql, REMOVE_TRAVEL, "removeTravel", id=ana["id"])
    assert (wrong["__typename"], wrong["field"]) == ("ValidationError", "id")
