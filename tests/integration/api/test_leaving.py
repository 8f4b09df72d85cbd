"""Leaving through the API: deactivation (open handoffs reassigned in the new receiver's
hours, teams left, new handoffs refused, delegations ended, tokens revoked, history kept)
and erasure (no personal data left in any table or event payload, counts kept)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from handoff.api.auth import TOKEN_CACHE_SECONDS
from handoff.storage.tokens import create_token
from tests.integration.api._away import (
    CREATE,
    DEACTIVATE,
    ERASE,
    HANDOFF_Q,
    SET_DELEGATION,
    TOKYO,
    at,
    call,
    rows,
    snapshot,
    utc,
    worker,
)
from tests.integration.api._helpers import (
    ACKNOWLEDGE,
    ADD_TEAM_MEMBER,
    ADD_TIME_OFF,
    AMS,
    NYC,
    RETURN,
    SET_DELIVERY_POLICY,
    SET_WORKING_PATTERN,
    UPDATE_PERSON,
    create_person,
    create_team,
    handoff_input,
    note,
    pk,
)
from tests.integration.api.test_rights import person_client
from tests.integration.api.test_travel import ADD_TRAVEL
from tests.integration.api.test_urgency_api import REPLY

MONDAY = at(2026, 11, 30, 10)  # 11:00 in Amsterdam, 05:00 in New York


async def _send(gql: Any, sender: dict, to: dict | None = None, **extra: Any) -> dict:
    result = await call(gql, CREATE, "createHandoff", input=handoff_input(sender, to, **extra))
    assert result["__typename"] == "CreateHandoffPayload", result
    return result["handoff"]


async def _deactivate(gql: Any, person: dict, to: dict | None = None) -> dict:
    data = {"id": person["id"], **({"reassignTo": to["id"]} if to else {})}
    return await call(gql, DEACTIVATE, "deactivatePerson", input=data)


async def test_a_deactivated_person_s_tokens_are_refused_however_they_were_made(
    gql, http, clock, app_pool, db_url
):
    clock.set(MONDAY)
    ana = await create_person(gql, "Ana", AMS)
    as_ana = await person_client(gql, ana)
    viewer = "{ viewer { person { name } } }"
    assert (await as_ana(viewer))["viewer"]["person"]["name"] == "Ana"
    assert (await _deactivate(gql, ana))["__typename"] == "DeactivatePersonPayload"
    clock.advance(timedelta(seconds=TOKEN_CACHE_SECONDS))  # each process's cache ran out
    # A token made after the deactivation without the API's check (straight in storage,
    # as `handoff token create` once did) does not act as her either.
    async with app_pool.connection() as conn:
        late = await create_token(conn, "acme", clock.now(), label="late", person_id=pk(ana["id"]))
    for token in (as_ana.token, late):
        response = await http.post(
            "/graphql", json={"query": viewer}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await gql(viewer))["viewer"] == {"person": None}  # the workspace token still works
    # and her hours are history now: changing them is a Conflict, nothing stored
    changes = [
        (SET_WORKING_PATTERN, {"id": ana["id"], "pattern": {"weekly": {}}}, "setWorkingPattern"),
        (SET_DELIVERY_POLICY, {"id": ana["id"], "policy": {}}, "setDeliveryPolicy"),
        (ADD_TIME_OFF, {"id": ana["id"], "start": "2026-12-07", "end": "2026-12-08"}, "addTimeOff"),
    ]
    before = await snapshot(db_url)
    for query, variables, field in changes:
        body = (
            await gql.raw(
                query.replace("__typename", "__typename ... on Conflict { message }", 1), variables
            )
        ).json()
        assert body.get("errors") is None, body
        result = body["data"][field]
        assert result["__typename"] == "Conflict", result
        assert (
            "Ana was deactivated on 2026-11-30: their hours no longer change" in result["message"]
        )
    assert await snapshot(db_url) == before


async def test_who_left_or_was_erased_keeps_name_handle_and_email(gql, clock, db_url):
    clock.set(MONDAY)
    ana = await create_person(gql, "Ana", AMS, email="ana@example.com")
    back = {"id": ana["id"], "name": "Back", "email": "al@example.com", "handle": "al"}
    query = UPDATE_PERSON.replace("__typename", "__typename ... on Conflict { message }", 1)
    assert (await _deactivate(gql, ana))["__typename"] == "DeactivatePersonPayload"
    for step in ("deactivated", "erased"):
        if step == "erased":
            assert (await call(gql, ERASE, "erasePerson", id=ana["id"]))["__typename"] == (
                "ErasePersonPayload"
            )
        before = await rows(db_url, "SELECT * FROM people ORDER BY id")
        for change in (back, {"id": ana["id"], "email": None}):
            result = (await gql(query, {"input": change}))["updatePerson"]
            assert result["__typename"] == "Conflict", (step, result)
            assert (
                "was deactivated on 2026-11-30: their name, handle and email no longer "
                in (result["message"])
            )
        assert await rows(db_url, "SELECT * FROM people ORDER BY id") == before, step


async def test_deactivation_moves_open_work_and_refuses_new(
    gql, clock, db_url, redis_url, app_pool
):
    clock.set(MONDAY)
    ana = await create_person(gql, "Ana", AMS)
    bo = await create_person(gql, "Bo", AMS)
    cy = await create_person(gql, "Cy", NYC)
    sam = await create_person(gql, "Sam", NYC)
    team = await create_team(gql, "Desk", [ana, bo])
    async with app_pool.connection() as conn:
        await create_token(conn, "acme", clock.now(), label="ana's laptop", person_id=pk(ana["id"]))
    async with worker(db_url, redis_url, clock) as tick:
        delivered = await _send(gql, sam, ana, title="delivered")
        acked = await _send(gql, sam, ana, title="acknowledged")
        assert await tick() == 2
        await gql(ACKNOWLEDGE, {"id": acked["id"]})
        scheduled = await _send(gql, sam, ana, title="scheduled")  # due now, not yet run
        sent_by_ana = await _send(gql, ana, bo, title="from ana")

        result = await _deactivate(gql, ana, cy)

        assert result["__typename"] == "DeactivatePersonPayload", result
        assert result["person"]["status"] == "DEACTIVATED"
        assert result["person"]["deactivatedAt"] == clock.now().isoformat()
        assert [t["id"] for t in result["teamsLeft"]] == [team["id"]]
        moved = {h["id"]: h for h in result["reassigned"]}
        assert set(moved) == {delivered["id"], acked["id"], scheduled["id"]}
        for h in moved.values():
            assert (h["receiver"]["id"], h["status"]) == (cy["id"], "SCHEDULED")
            assert h["deliverAt"] == utc(2026, 11, 30, 14)  # Cy's 09:00 in New York
            assert "Ana left the team (deactivated): it goes to Cy." in h["explanation"]
        assert moved[acked["id"]]["workItem"]["status"] == "IN_HANDOFF"
        # Her own handoff to Bo stays where it is; her history stays readable.
        kept = (await gql(HANDOFF_Q, {"id": sent_by_ana["id"]}))["node"]
        assert (kept["sender"]["name"], kept["receiver"]["id"]) == ("Ana", bo["id"])
        history = (await gql(HANDOFF_Q, {"id": delivered["id"]}))["node"]["history"]
        assert [e["type"] for e in history][-1] == "handoff.reassigned"
        clock.set(at(2026, 11, 30, 14))
        assert await tick() == 4  # the three, in Cy's hours, and Ana's own one to Bo
        for h in moved:
            assert (await gql(HANDOFF_Q, {"id": h}))["node"]["status"] == "DELIVERED"

    refused = await call(gql, CREATE, "createHandoff", input=handoff_input(sam, ana, title="x"))
    assert refused["__typename"] == "Conflict"
    assert (
        "Ana was deactivated on 2026-11-30: new handoffs to them are refused" in refused["message"]
    )
    from_her = await call(gql, CREATE, "createHandoff", input=handoff_input(ana, bo, title="y"))
    assert from_her["__typename"] == "Conflict"
    # Team routing no longer sees her; she cannot join again.
    assert (await _send(gql, sam, team=team, title="team"))["receiver"]["id"] == bo["id"]
    joined = await gql(ADD_TEAM_MEMBER, {"team": team["id"], "person": ana["id"]})
    assert joined["addTeamMember"]["__typename"] == "ValidationError"
    tokens = await rows(
        db_url, "SELECT revoked_at FROM api_tokens WHERE person_id = %s", pk(ana["id"])
    )
    assert [t["revoked_at"] for t in tokens] == [at(2026, 11, 30, 10)]
    event = await rows(db_url, "SELECT payload FROM events WHERE type = 'person.deactivated'")
    payload = event[0]["payload"]
    assert payload["reassignedTo"]["person"]["id"] == cy["id"]
    assert {m["handoff"] for m in payload["handoffsMoved"]} == set(moved)
    assert payload["teamsLeft"] == [team["id"]]
    again = await _deactivate(gql, ana, cy)
    assert again["__typename"] == "Conflict"


async def test_reassign_to_a_team_or_back_to_the_sender(gql, clock, db_url, redis_url):
    clock.set(MONDAY)
    ana = await create_person(gql, "Ana", AMS)
    bo = await create_person(gql, "Bo", NYC)
    cy = await create_person(gql, "Cy", NYC)
    sam = await create_person(gql, "Sam", NYC)
    team = await create_team(gql, "Night", [ana, bo, cy])
    async with worker(db_url, redis_url, clock) as tick:
        landed = await _send(gql, sam, ana, title="landed")
        assert await tick() == 1
        waiting = await _send(gql, sam, ana, title="waiting")
        other = await _send(gql, bo, ana, title="from bo")
        result = await _deactivate(gql, ana, sam)
    by_id = {h["id"]: h for h in result["reassigned"]}
    assert by_id[landed["id"]]["status"] == "RETURNED"
    assert by_id[landed["id"]]["returnNote"] == "Ana left the team (deactivated)."
    assert by_id[waiting["id"]]["status"] == "CANCELLED"
    assert by_id[other["id"]]["receiver"]["id"] == sam["id"]
    assert result["teamsLeft"] == [{"id": team["id"], "name": "Night"}]

    dee = await create_person(gql, "Dee", AMS)
    await _send(gql, sam, dee, title="for the team")
    to_team = await _deactivate(gql, dee, team)
    assert to_team["__typename"] == "DeactivatePersonPayload", to_team
    (h,) = to_team["reassigned"]
    assert h["team"]["id"] == team["id"] and h["receiver"]["id"] in (bo["id"], cy["id"])


async def test_bad_deactivations_change_nothing(gql, other_gql, clock, db_url):
    clock.set(MONDAY)
    ana = await create_person(gql, "Ana", AMS)
    sam = await create_person(gql, "Sam", NYC)
    stranger = await create_person(other_gql, "Zed", AMS)
    await _send(gql, sam, ana)
    before = await snapshot(db_url)
    cases = [
        (None, "input.reassignTo", "holds 1 open handoff"),
        (ana, "input.reassignTo", "someone else"),
        (stranger, "input.reassignTo", "not found"),
    ]
    for to, field, words in cases:
        result = await _deactivate(gql, ana, to)
        assert (result["__typename"], result["field"]) == ("ValidationError", field), result
        assert words in result["message"]
    wrong = await call(
        gql, DEACTIVATE, "deactivatePerson", input={"id": ana["id"], "reassignTo": "x"}
    )
    assert (wrong["__typename"], wrong["field"]) == ("ValidationError", "input.reassignTo")
    theirs = await _deactivate(other_gql, ana, stranger)
    assert theirs["__typename"] == "NotFound"
    assert await snapshot(db_url) == before
    gone = await _deactivate(gql, sam)  # holds nothing: no reassignTo needed
    assert gone["__typename"] == "DeactivatePersonPayload"
    assert (await _deactivate(gql, ana, sam))["__typename"] == "ValidationError"


async def test_deactivation_ends_delegations_of_and_to_them(gql, clock, db_url):
    clock.set(MONDAY)
    ana = await create_person(gql, "Ana", AMS)
    bo = await create_person(gql, "Bo", AMS)
    cy = await create_person(gql, "Cy", AMS)
    sam = await create_person(gql, "Sam", NYC)
    span = {"start": utc(2026, 11, 30), "end": utc(2026, 12, 5), "handBack": True}
    for person, delegate in ((ana, bo), (cy, ana)):
        data = {"personId": person["id"], "delegateId": delegate["id"], **span}
        assert (await call(gql, SET_DELEGATION, "setDelegation", input=data))["__typename"] == (
            "DelegationPayload"
        )
    covered = await _send(gql, sam, cy, title="for cy")  # Cy -> Ana -> Bo
    assert [p["name"] for p in covered["delegatedVia"]] == ["Cy", "Ana"]
    held = await _send(gql, sam, bo, title="bo's own")
    result = await _deactivate(gql, ana, bo)
    assert result["__typename"] == "DeactivatePersonPayload"
    ended = await rows(
        db_url,
        "SELECT payload->>'reason' AS reason FROM events WHERE type = 'delegation.ended' "
        "ORDER BY id",
    )
    assert [e["reason"] for e in ended] == ["personDeactivated", "delegateDeactivated"]
    # Cy's delegation to Ana handed back what it had sent on (it was with Bo).
    back = (await gql(HANDOFF_Q, {"id": covered["id"]}))["node"]
    assert back["receiver"]["id"] == cy["id"]
    assert (await gql(HANDOFF_Q, {"id": held["id"]}))["node"]["receiver"]["id"] == bo["id"]
    states = await rows(db_url, "SELECT state FROM delegations ORDER BY id")
    assert [s["state"] for s in states] == ["ENDED", "ENDED"]


# -- erasure ------------------------------------------------------------------------------

NAME, HANDLE, EMAIL = "Zofia Kowalczyk", "zofia.k", "zofia.k@example.com"
_LEFT = re.compile(r"zofia|kowalczyk|example\.com", re.IGNORECASE)


async def _everything(db_url: str) -> dict[str, list[str]]:
    """Every row of every table of ours, as text."""
    tables = await rows(
        db_url,
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    )
    found: dict[str, list[str]] = {}
    for t in tables:
        name = t["tablename"]
        found[name] = [
            r["t"] for r in await rows(db_url, f"SELECT to_jsonb(x)::text AS t FROM {name} x")
        ]
    return found


async def test_erasure_leaves_no_personal_data_and_keeps_the_counts(
    gql, other_gql, clock, db_url, redis_url, app_pool
):
    clock.set(MONDAY)
    zofia = await create_person(gql, NAME, AMS, handle=HANDLE, email=EMAIL)
    bo = await create_person(gql, "Bo", NYC)
    await create_team(gql, "Zofia's crew", [zofia, bo])
    await gql(
        ADD_TIME_OFF,
        {
            "id": zofia["id"],
            "start": "2026-12-21",
            "end": "2026-12-22",
            "reason": "Zofia's surgery",
        },
    )
    await call(
        gql,
        ADD_TRAVEL,
        "addTravel",
        input={
            "personId": zofia["id"],
            "start": "2027-01-04",
            "end": "2027-01-08",
            "timezone": TOKYO,
        },
    )
    async with app_pool.connection() as conn:
        await create_token(
            conn, "acme", clock.now(), label="Zofia's phone", person_id=pk(zofia["id"])
        )
    async with worker(db_url, redis_url, clock) as tick:
        mine = await _send(
            gql,
            zofia,
            bo,
            title="Kowalczyk plan",
            note=note("Zofia's draft", done="wrote it", next="ship", openQuestions=["ok?"]),
        )
        theirs = await _send(gql, bo, zofia, title="for her", note=note("ask Zofia about it"))
        returned = await _send(gql, bo, zofia, title="back")
        clock.set(at(2026, 11, 30, 14))
        await _send(gql, zofia, bo, title="urgent", urgent={"reason": "Zofia Kowalczyk is stuck"})
        await tick()
        await gql(RETURN, {"id": returned["id"], "note": "Not mine, says zofia.k"})
        replied = await gql(
            REPLY,
            {"input": {"handoffId": theirs["id"], "preset": "OK", "text": "on it, zofia.k"}},
        )
        assert replied["replyToHandoff"]["__typename"] == "ReplyPayload", replied
        await tick()  # the reply reaches Bo, in his hours
        await _deactivate(gql, zofia, bo)
        await tick()
    other = await create_person(other_gql, NAME, AMS, handle=HANDLE)  # another workspace's
    assert (await call(gql, ERASE, "erasePerson", id=bo["id"]))["__typename"] == "Conflict"
    counts_before = await rows(
        db_url,
        "SELECT (SELECT count(*) FROM handoffs) AS handoffs, (SELECT count(*) FROM events) AS events, "
        "(SELECT count(*) FROM handoffs WHERE sender_id = %s) AS sent, "
        "(SELECT count(*) FROM follow_ups) AS follow_ups",
        pk(zofia["id"]),
    )

    # Before: her data is all over the place (so the check below means something).
    before = {
        t for t, texts in (await _everything(db_url)).items() if any(map(_LEFT.search, texts))
    }
    assert before >= {
        "people",
        "handoffs",
        "work_items",
        "follow_ups",
        "events",
        "teams",
        "api_tokens",
        "urgent_handoffs",
        "handoff_replies",
    }

    erased = await call(gql, ERASE, "erasePerson", id=zofia["id"])

    assert erased["__typename"] == "ErasePersonPayload", erased
    tomb = erased["person"]
    assert (tomb["name"], tomb["handle"], tomb["email"], tomb["timezone"], tomb["status"]) == (
        "Erased person",
        f"erased:{pk(zofia['id'])}",
        None,
        "UTC",
        "ERASED",
    )
    # received: the one she returned, and the one that went back to Bo when she left
    assert (erased["handoffsSent"], erased["handoffsReceived"]) == (2, 2)
    counts_after = await rows(
        db_url,
        "SELECT (SELECT count(*) FROM handoffs) AS handoffs, (SELECT count(*) FROM events) AS events, "
        "(SELECT count(*) FROM handoffs WHERE sender_id = %s) AS sent, "
        "(SELECT count(*) FROM follow_ups) AS follow_ups",
        pk(zofia["id"]),
    )
    assert counts_after[0] == {**counts_before[0], "events": counts_before[0]["events"] + 1}
    leftovers = {
        table: [text for text in texts if _LEFT.search(text)]
        for table, texts in (await _everything(db_url)).items()
    }
    # Only the other workspace's namesake may still be called that.
    assert {t: v for t, v in leftovers.items() if v} == {
        "people": [v for v in leftovers["people"] if f'"id": {pk(other["id"])},' in v]
    }
    mine_now = (await gql(HANDOFF_Q, {"id": mine["id"]}))["node"]
    assert mine_now["note"] == {"summary": "[erased]", "done": "", "next": "", "openQuestions": []}
    assert mine_now["sender"]["name"] == "Erased person"
    theirs_now = (await gql(HANDOFF_Q, {"id": theirs["id"]}))["node"]
    assert theirs_now["note"]["summary"] == "ask Erased person about it"
    assert (await gql(HANDOFF_Q, {"id": returned["id"]}))["node"]["returnNote"] == "[erased]"
    travel = await rows(db_url, "SELECT count(*) AS n FROM travel_periods")
    assert travel[0]["n"] == 0
    again = await call(gql, ERASE, "erasePerson", id=zofia["id"])
    assert again["__typename"] == "Conflict"
    assert (await call(other_gql, ERASE, "erasePerson", id=bo["id"]))["__typename"] == "NotFound"
