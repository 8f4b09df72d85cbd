"""Delegations through the API: routing new handoffs, chains, loops refused and loops from
dates, REASSIGN at the start and hand-back at the end (fired by the delivery engine at
their instants), endDelegation, time off with a delegate, teams, bad input, tenancy."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.api._away import (
    ADD_TIME_OFF_WITH,
    CREATE,
    DELEGATION_FIELDS,
    END_DELEGATION,
    HANDOFF_Q,
    PERSON_Q,
    SET_DELEGATION,
    at,
    call,
    rows,
    snapshot,
    utc,
    worker,
)
from tests.integration.api._helpers import (
    ACKNOWLEDGE,
    AMS,
    COMPLETE,
    NYC,
    PREVIEW,
    REMOVE_TIME_OFF,
    create_person,
    create_team,
    handoff_input,
    pk,
    unknown_id,
)

MONDAY = at(2026, 11, 30, 10)  # Monday 11:00 in Amsterdam


async def _delegate(gql: Any, person: dict, delegate: dict | None = None, **extra: Any) -> dict:
    data = {"personId": person["id"], **extra}
    if delegate is not None:
        data["delegateId"] = delegate["id"]
    result = await call(gql, SET_DELEGATION, "setDelegation", input=data)
    assert result["__typename"] == "DelegationPayload", result
    return result


async def _send(gql: Any, sender: dict, to: dict, title: str = "Release notes", **extra: Any):
    result = await call(
        gql, CREATE, "createHandoff", input=handoff_input(sender, to, title=title, **extra)
    )
    assert result["__typename"] == "CreateHandoffPayload", result
    return result["handoff"]


async def _handoff(gql: Any, handoff: dict) -> dict:
    return (await gql(HANDOFF_Q, {"id": handoff["id"]}))["node"]


async def _events(db_url: str, type_: str) -> list[dict[str, Any]]:
    found = await rows(db_url, "SELECT payload FROM events WHERE type = %s ORDER BY id", type_)
    return [r["payload"] for r in found]


@pytest.fixture
async def team_of(gql, clock):
    clock.set(MONDAY)
    names = ("Ana", "Bo", "Cy")
    people = {n: await create_person(gql, n, AMS) for n in names}
    people["Sam"] = await create_person(gql, "Sam", NYC)
    return people


async def test_a_new_handoff_goes_to_the_delegate_and_says_why(gql, clock, db_url, team_of):
    ana, bo, sam = team_of["Ana"], team_of["Bo"], team_of["Sam"]
    set_ = await _delegate(gql, ana, bo, start=utc(2026, 11, 30, 9), end=utc(2026, 12, 4, 17))
    delegation = set_["delegation"]
    assert delegation["state"] == "ACTIVE" and delegation["startedAt"] == clock.now().isoformat()
    assert (delegation["delegate"]["id"], delegation["openHandoffs"], set_["moved"]) == (
        bo["id"],
        "KEEP",
        [],
    )
    preview = (await gql(PREVIEW, {"input": handoff_input(sam, ana)}))["previewHandoff"]
    assert preview["receiver"]["id"] == bo["id"]
    assert preview["explanation"][0].startswith("Ana is away: Bo covers for Ana")
    handoff = await _send(gql, sam, ana)
    assert handoff["receiver"]["id"] == bo["id"]
    assert handoff["addressedTo"]["id"] == ana["id"]
    assert [p["id"] for p in handoff["delegatedVia"]] == [ana["id"]]
    assert handoff["deliverAt"] == clock.now().isoformat()  # Bo works now
    assert handoff["explanation"][0] == (
        "Ana is away: Bo covers for Ana until Friday 4 Dec 18:00 Europe/Amsterdam, "
        "so it goes to Bo."
    )
    person = (await gql(PERSON_Q, {"id": ana["id"]}))["person"]["person"]
    assert person["delegation"]["id"] == delegation["id"]
    node = await gql(
        f"query($id: ID!) {{ node(id: $id) {{ ... on Delegation {{ {DELEGATION_FIELDS} }} }} }}",
        {"id": delegation["id"]},
    )
    assert [h["id"] for h in node["node"]["handled"]] == [handoff["id"]]
    created = (await _events(db_url, "handoff.created"))[-1]
    assert created["delegation"]["addressedTo"] == ana["id"]
    started = await _events(db_url, "delegation.started")
    assert [(e["delegation"]["id"], e["delegate"]["person"]["id"]) for e in started] == [
        (delegation["id"], bo["id"])
    ]


async def test_chains_are_followed(gql, team_of):
    ana, bo, cy, sam = (team_of[n] for n in ("Ana", "Bo", "Cy", "Sam"))
    await _delegate(gql, ana, bo, start=utc(2026, 11, 30), end=utc(2026, 12, 4))
    await _delegate(gql, bo, cy, start=utc(2026, 11, 30), end=utc(2026, 12, 2))
    handoff = await _send(gql, sam, ana)
    assert handoff["receiver"]["id"] == cy["id"]
    assert [p["name"] for p in handoff["delegatedVia"]] == ["Ana", "Bo"]
    assert handoff["explanation"][:2] == [
        "Ana is away: Bo covers for Ana until Friday 4 Dec 01:00 Europe/Amsterdam, "
        "so it goes to Bo.",
        "Bo is away: Cy covers for Bo until Wednesday 2 Dec 01:00 Europe/Amsterdam, "
        "so it goes to Cy.",
    ]


async def test_a_loop_is_refused_when_it_is_set(gql, db_url, team_of):
    ana, bo, cy = team_of["Ana"], team_of["Bo"], team_of["Cy"]
    await _delegate(gql, ana, bo, start=utc(2026, 11, 30), end=utc(2026, 12, 4))
    await _delegate(gql, bo, cy, start=utc(2026, 12, 1), end=utc(2026, 12, 3))
    before = await snapshot(db_url)
    direct = await call(
        gql,
        SET_DELEGATION,
        "setDelegation",
        input={
            "personId": bo["id"],
            "delegateId": ana["id"],
            "start": utc(2026, 12, 3),
            "end": utc(2026, 12, 10),
        },
    )
    assert (direct["__typename"], direct["field"]) == ("ValidationError", "input.delegateId")
    assert "loop (Bo → Ana → Bo)" in direct["message"]
    around = await call(
        gql,
        SET_DELEGATION,
        "setDelegation",
        input={
            "personId": cy["id"],
            "delegateId": ana["id"],
            "start": utc(2026, 12, 2),
            "end": utc(2026, 12, 8),
        },
    )
    assert (around["__typename"], around["field"]) == ("ValidationError", "input.delegateId")
    assert "loop (Cy → Ana → Bo → Cy)" in around["message"]
    assert "Wednesday 2 Dec" in around["message"]
    assert await snapshot(db_url) == before
    # The same pair at times that do not meet is fine.
    await _delegate(gql, cy, ana, start=utc(2026, 12, 4), end=utc(2026, 12, 8))


async def test_a_loop_from_dates_leaves_it_with_the_last_person_before_it(gql, clock, team_of):
    ana, sam = team_of["Ana"], team_of["Sam"]
    thursdays = await create_person(gql, "Dee", AMS, weekly={"thu": ["09:00-17:00"]})
    await _delegate(gql, ana, thursdays, start=utc(2026, 11, 30), end=utc(2026, 12, 2))
    # Dee's own delegation back to Ana never meets Ana's, so it is allowed ...
    await _delegate(gql, thursdays, ana, start=utc(2026, 12, 3), end=utc(2026, 12, 5))
    # ... but Dee would first get it on Thursday, when Dee's delegation sends it back.
    handoff = await _send(gql, sam, ana)
    assert handoff["receiver"]["name"] == "Dee"
    assert handoff["deliverAt"] == utc(2026, 12, 3, 8)
    assert [p["name"] for p in handoff["delegatedVia"]] == ["Ana"]
    assert handoff["explanation"][1] == (
        "Dee is away too, but Dee's delegation would pass it back to Ana, who already "
        "passed it on; to avoid a loop it stays with Dee."
    )


async def test_a_delegation_that_starts_before_it_would_land(gql, clock, team_of):
    ana, bo, sam = team_of["Ana"], team_of["Bo"], team_of["Sam"]
    clock.set(at(2026, 12, 4, 18))  # Friday 19:00 in Amsterdam: it would land Monday
    await _delegate(gql, ana, bo, start="2026-12-07T00:00:00+01:00", end=utc(2026, 12, 12))
    handoff = await _send(gql, sam, ana)
    assert handoff["receiver"]["id"] == bo["id"]
    assert handoff["deliverAt"] == utc(2026, 12, 7, 8)
    assert handoff["explanation"][0] == (
        "Ana is away from Monday 7 Dec 00:00 Europe/Amsterdam until Saturday 12 Dec 01:00 "
        "Europe/Amsterdam, before it would land with Ana; Bo covers for Ana, so it goes to "
        "Bo from Monday 7 Dec 00:00 Europe/Amsterdam."
    )


async def test_the_delegate_who_sent_it_does_not_get_it_back(gql, team_of):
    ana, bo = team_of["Ana"], team_of["Bo"]
    await _delegate(gql, ana, bo, start=utc(2026, 11, 30), end=utc(2026, 12, 4))
    handoff = await _send(gql, bo, ana)
    assert handoff["receiver"]["id"] == ana["id"]
    assert handoff["addressedTo"] is None
    assert handoff["explanation"][0] == "Bo covers for Ana but sent it, so it stays with Ana."


async def test_a_team_delegate_routes_among_the_others(gql, team_of):
    ana, bo, cy, sam = (team_of[n] for n in ("Ana", "Bo", "Cy", "Sam"))
    team = await create_team(gql, "Cover", [ana, bo, cy])
    result = await call(
        gql,
        SET_DELEGATION,
        "setDelegation",
        input={
            "personId": ana["id"],
            "delegateTeamId": team["id"],
            "start": utc(2026, 11, 30),
            "end": utc(2026, 12, 4),
        },
    )
    assert result["delegation"]["delegateTeam"]["id"] == team["id"]
    handoff = await _send(gql, sam, ana)
    assert handoff["receiver"]["id"] == bo["id"]  # follow-the-sun, tie: lower id, never Ana
    assert handoff["team"]["id"] == team["id"]
    assert handoff["explanation"][0].startswith("Ana is away: team Cover covers for Ana")


async def test_reassign_at_the_start_and_hand_back_at_the_end(
    gql, clock, db_url, redis_url, team_of
):
    ana, bo, sam = team_of["Ana"], team_of["Bo"], team_of["Sam"]
    async with worker(db_url, redis_url, clock) as tick:
        delivered = await _send(gql, sam, ana, "delivered", expectResponseWithin="PT4H")
        acked = await _send(gql, sam, ana, "acknowledged")
        assert await tick() == 2
        await gql(ACKNOWLEDGE, {"id": acked["id"]})
        start, end = at(2026, 12, 1, 12), at(2026, 12, 3, 17)  # end: Thursday 18:00 CET
        set_ = await _delegate(
            gql,
            ana,
            bo,
            start=start.isoformat(),
            end=end.isoformat(),
            openHandoffs="REASSIGN",
            handBack=True,
        )
        assert set_["delegation"]["state"] == "SCHEDULED" and set_["moved"] == []
        transitions = await rows(
            db_url,
            "SELECT kind, due_at FROM follow_ups WHERE delegation_id IS NOT NULL ORDER BY due_at",
        )
        assert [(t["kind"], t["due_at"]) for t in transitions] == [
            ("DELEGATION_START", start),
            ("DELEGATION_END", end),
        ]
        clock.set(at(2026, 12, 1, 11, 59, 59))
        await tick()
        assert (await _handoff(gql, delivered))["receiver"]["id"] == ana["id"]

        clock.set(start)  # the start fires at its instant, nobody calls the API
        assert await tick() >= 1
        for h in (delivered, acked):
            now = await _handoff(gql, h)
            assert (now["receiver"]["id"], now["status"]) == (bo["id"], "SCHEDULED")
            assert now["addressedTo"]["id"] == ana["id"]
            assert now["deliverAt"] == start.isoformat()  # Bo works at 13:00 CET
            assert now["history"][-1]["summary"].startswith("Reassigned to Bo.")
        started = (await _events(db_url, "delegation.started"))[-1]
        assert {m["handoff"] for m in started["moved"]} == {delivered["id"], acked["id"]}
        await tick()  # the deliveries to Bo
        assert await tick() == 0  # nothing twice
        assert (await _handoff(gql, delivered))["status"] == "DELIVERED"
        assert len(await _events(db_url, "delegation.started")) == 1

        clock.set(at(2026, 12, 2, 10))
        during = await _send(gql, sam, ana, "during")
        assert during["receiver"]["id"] == bo["id"]
        await gql(COMPLETE, {"id": delivered["id"]})  # Bo finished this one

        clock.set(end)
        assert await tick() >= 1
        for h in (acked, during):
            now = await _handoff(gql, h)
            assert (now["receiver"]["id"], now["status"]) == (ana["id"], "SCHEDULED")
            assert now["addressedTo"] is None and now["delegatedVia"] == []
            # her first working instant after the end: Friday 09:00 CET
            assert now["deliverAt"] == utc(2026, 12, 4, 8)
            bo_rows = [f for f in now["followUps"] if f["person"]["id"] == bo["id"]]
            assert all(f["state"] in ("DONE", "CANCELLED") for f in bo_rows)
        done = await _handoff(gql, delivered)
        assert (done["status"], done["receiver"]["id"]) == ("COMPLETED", bo["id"])
        ended = await _events(db_url, "delegation.ended")
        assert len(ended) == 1 and ended[0]["reason"] == "ended"
        assert ended[0]["handledCount"] == 3
        assert {(h["handoff"], h["how"], h["handedBack"]) for h in ended[0]["handled"]} == {
            (delivered["id"], "REASSIGNED", False),
            (acked["id"], "REASSIGNED", True),
            (during["id"], "NEW", True),
        }
        assert await tick() == 0
        person = (await gql(PERSON_Q, {"id": ana["id"]}))["person"]["person"]
        assert person["delegation"] is None


async def test_end_delegation_early(gql, clock, db_url, team_of):
    ana, bo, sam = team_of["Ana"], team_of["Bo"], team_of["Sam"]
    none = await call(gql, END_DELEGATION, "endDelegation", id=ana["id"])
    assert none["__typename"] == "Conflict"
    upcoming = await _delegate(gql, ana, bo, start=utc(2026, 12, 10), end=utc(2026, 12, 12))
    cancelled = await call(gql, END_DELEGATION, "endDelegation", id=ana["id"])
    assert cancelled["delegation"]["id"] == upcoming["delegation"]["id"]
    assert cancelled["delegation"]["state"] == "CANCELLED"
    await _delegate(gql, ana, bo, start=utc(2026, 11, 30), end=utc(2026, 12, 4), handBack=True)
    handoff = await _send(gql, sam, ana)
    assert handoff["receiver"]["id"] == bo["id"]
    clock.set(at(2026, 11, 30, 18))  # 19:00 in Amsterdam
    ended = await call(gql, END_DELEGATION, "endDelegation", id=ana["id"])
    assert (ended["delegation"]["state"], ended["delegation"]["endedAt"]) == (
        "ENDED",
        clock.now().isoformat(),
    )
    back = await _handoff(gql, handoff)
    assert back["receiver"]["id"] == ana["id"]
    assert back["deliverAt"] == utc(2026, 12, 1, 8)
    pending = await rows(
        db_url,
        "SELECT state FROM follow_ups WHERE delegation_id IS NOT NULL ORDER BY id",
    )
    assert {p["state"] for p in pending} == {"CANCELLED"}
    reasons = [e["reason"] for e in await _events(db_url, "delegation.ended")]
    assert reasons == ["endDelegation", "endDelegation"]


async def test_time_off_with_a_delegate(gql, clock, db_url, team_of):
    ana, bo, sam = team_of["Ana"], team_of["Bo"], team_of["Sam"]
    result = await call(
        gql,
        ADD_TIME_OFF_WITH,
        "addTimeOff",
        id=ana["id"],
        start="2026-12-07",
        end="2026-12-11",
        delegation={"delegateId": bo["id"], "openHandoffs": "REASSIGN", "handBack": True},
    )
    assert result["__typename"] == "PersonPayload", result
    delegation = result["person"]["delegation"]
    # from the start of her first day off to the start of the day after the last
    assert (delegation["start"], delegation["end"]) == (utc(2026, 12, 6, 23), utc(2026, 12, 11, 23))
    assert delegation["timeOff"] == {"start": "2026-12-07", "end": "2026-12-11"}
    clock.set(at(2026, 12, 8, 10))
    assert (await _send(gql, sam, ana))["receiver"]["id"] == bo["id"]
    removed = await gql(
        REMOVE_TIME_OFF, {"id": ana["id"], "start": "2026-12-07", "end": "2026-12-11"}
    )
    assert removed["removeTimeOff"]["__typename"] == "PersonPayload"
    states = await rows(db_url, "SELECT state FROM delegations")
    assert [s["state"] for s in states] == ["ENDED"]
    bad = await call(
        gql,
        ADD_TIME_OFF_WITH,
        "addTimeOff",
        id=ana["id"],
        start="2026-12-14",
        end="2026-12-15",
        delegation={"delegateId": ana["id"]},
    )
    assert (bad["__typename"], bad["field"]) == ("ValidationError", "delegation.delegateId")
    person = (await gql(PERSON_Q, {"id": ana["id"]}))["person"]["person"]
    assert person["delegation"] is None


def _bad_inputs(people: dict[str, dict], other: dict) -> list[tuple[dict, str, str]]:
    ana, bo = people["Ana"], people["Bo"]
    ok = {
        "personId": ana["id"],
        "delegateId": bo["id"],
        "start": utc(2026, 12, 1),
        "end": utc(2026, 12, 4),
    }
    return [
        ({**ok, "end": utc(2026, 11, 29)}, "input.end", "must be after start"),
        ({**ok, "start": utc(2026, 11, 1), "end": utc(2026, 11, 29)}, "input.end", "passed"),
        ({**ok, "end": utc(2027, 12, 4)}, "input.end", "366 days"),
        ({**ok, "delegateId": ana["id"]}, "input.delegateId", "own delegate"),
        ({**ok, "delegateId": other["id"]}, "input.delegateId", "not found"),
        ({**ok, "delegateId": unknown_id("Person")}, "input.delegateId", "not found"),
        ({**ok, "delegateId": None}, "input.delegateId", "exactly one"),
        ({**ok, "delegateTeamId": unknown_id("Team")}, "input.delegateId", "exactly one"),
        ({**ok, "start": utc(2026, 12, 3), "end": utc(2026, 12, 9)}, "input.start", "already"),
        ({**ok, "start": "2026-12-01T00:00:00"}, "input.start", "offset"),
    ]


async def test_bad_delegations_are_refused_and_nothing_is_stored(gql, other_gql, db_url, team_of):
    other = await create_person(other_gql, "Zed", AMS)
    await _delegate(
        gql, team_of["Ana"], team_of["Cy"], start=utc(2026, 12, 8), end=utc(2026, 12, 9)
    )
    before = await snapshot(db_url)
    for data, field, words in _bad_inputs(team_of, other):
        result = await call(gql, SET_DELEGATION, "setDelegation", input=data)
        assert result["__typename"] == "ValidationError", (data, result)
        assert result["field"] == field, (data, result)
        assert words in result["message"], (data, result)
    assert await snapshot(db_url) == before


async def test_another_workspaces_person_is_not_found(gql, other_gql, db_url, team_of):
    ana, bo = team_of["Ana"], team_of["Bo"]
    await _delegate(gql, ana, bo, start=utc(2026, 12, 8), end=utc(2026, 12, 9))
    zed = await create_person(other_gql, "Zed", AMS)
    before = await snapshot(db_url)
    theirs = await call(
        other_gql,
        SET_DELEGATION,
        "setDelegation",
        input={
            "personId": ana["id"],
            "delegateId": zed["id"],
            "start": utc(2026, 12, 10),
            "end": utc(2026, 12, 12),
        },
    )
    assert theirs["__typename"] == "NotFound"
    ended = await call(other_gql, END_DELEGATION, "endDelegation", id=ana["id"])
    assert ended["__typename"] == "NotFound"
    delegation_id = (await rows(db_url, "SELECT id FROM delegations"))[0]["id"]
    from handoff.ids import encode

    node = await other_gql(
        "query($id: ID!) { node(id: $id) { id } }", {"id": encode("Delegation", delegation_id)}
    )
    assert node == {"node": None}
    assert await snapshot(db_url) == before
    assert pk(ana["id"]) != pk(zed["id"])


async def test_reassign_leaves_what_the_delegate_sent_where_it_is(
    gql, clock, db_url, redis_url, team_of
):
    ana, bo, sam = team_of["Ana"], team_of["Bo"], team_of["Sam"]
    async with worker(db_url, redis_url, clock) as tick:
        from_bo = await _send(gql, bo, ana, "from bo")
        from_sam = await _send(gql, sam, ana, "from sam")
        assert await tick() == 2
    set_ = await _delegate(
        gql, ana, bo, start=utc(2026, 11, 30), end=utc(2026, 12, 4), openHandoffs="REASSIGN"
    )
    assert [h["id"] for h in set_["moved"]] == [from_sam["id"]]
    kept = await _handoff(gql, from_bo)
    assert (kept["receiver"]["id"], kept["status"]) == (ana["id"], "DELIVERED")
