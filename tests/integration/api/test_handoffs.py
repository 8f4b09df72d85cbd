"""Handoffs: create, idempotency, the status flow, reassign, and every bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.integration.api._helpers import (
    ACKNOWLEDGE,
    AMS,
    CANCEL,
    COMPLETE,
    CREATE_HANDOFF,
    HANDOFF,
    NYC,
    REASSIGN,
    RETURN,
    SYDNEY,
    WORK_ITEM,
    counts,
    create_handoff,
    create_person,
    create_team,
    create_work_item,
    event_types,
    handoff_input,
    mark_delivered,
    note,
    ok,
    pk,
    snapshot,
    sql,
    unknown_id,
)

MON_0800 = "2026-11-30T08:00:00+00:00"


async def _handoff(gql, handoff: dict) -> dict:
    return (await gql(HANDOFF, {"id": handoff["id"]}))["node"]


async def _states(db_url: str, handoff: dict) -> list[tuple[str, str]]:
    return [
        (kind, state)
        for kind, state in await sql(
            db_url,
            "SELECT kind, state FROM follow_ups WHERE handoff_id = %s ORDER BY id",
            (pk(handoff["id"]),),
        )
    ]


async def test_readme_worked_example(gql, db_url) -> None:
    """README: Ana (Amsterdam, Fridays off) gets a handoff from Sam (Sydney) on Friday."""
    ana = await create_person(
        gql, "Ana", AMS, weekly={d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu")}
    )
    sam = await create_person(gql, "Sam", SYDNEY)
    handoff = await create_handoff(
        gql,
        sam,
        ana,
        note=note("Draft is done", next="Review and ship", openQuestions=["Monday or Tuesday?"]),
        expectResponseWithin="PT4H",
        idempotencyKey="release-notes-1",
    )
    assert handoff["deliverAt"] == MON_0800
    assert handoff["respondBy"] == "2026-11-30T12:00:00+00:00"
    assert handoff["explanation"] == [
        "Friday 27 Nov is Ana's day off.",
        "Ana's next working time starts Monday 30 Nov 09:00 Europe/Amsterdam.",
        "Lands Monday 30 Nov 09:00 Europe/Amsterdam (08:00 UTC).",
        "Expects a response within 4h of Ana's working time: respond by Monday 30 Nov "
        "13:00 Europe/Amsterdam (12:00 UTC).",
    ]
    assert "day off" in handoff["explanation"][0]
    assert await _handoff(gql, handoff) == handoff


async def test_create_handoff_stores_everything(gql, db_url) -> None:
    ana = await create_person(gql, "Ana", AMS)
    sam = await create_person(gql, "Sam", SYDNEY)
    handoff = await create_handoff(
        gql,
        sam,
        ana,
        title="Quarterly report",
        note=note("Numbers in", done="Q3 data", next="Charts", openQuestions=["Which fonts?"]),
        expectResponseWithin="PT1H30M",
        maxReminders=3,
    )
    assert handoff["status"] == "SCHEDULED"
    assert handoff["createdAt"] == "2026-11-27T14:00:00+00:00"
    # Ana works Friday until 17:00 Amsterdam: it lands now, due 90 minutes later.
    assert handoff["deliverAt"] == "2026-11-27T14:00:00+00:00"
    assert handoff["respondBy"] == "2026-11-27T15:30:00+00:00"
    assert handoff["expectResponseWithin"] == "PT1H30M"
    assert handoff["note"] == {
        "summary": "Numbers in",
        "done": "Q3 data",
        "next": "Charts",
        "openQuestions": ["Which fonts?"],
    }
    assert (handoff["sender"]["id"], handoff["receiver"]["id"]) == (sam["id"], ana["id"])
    assert handoff["team"] is None
    assert (handoff["maxReminders"], handoff["remindersSent"]) == (3, 0)
    assert handoff["workItem"]["title"] == "Quarterly report"
    assert handoff["workItem"]["status"] == "IN_HANDOFF"
    assert handoff["workItem"]["holder"]["id"] == sam["id"]
    [follow_up] = handoff["followUps"]
    assert (follow_up["kind"], follow_up["state"]) == ("DELIVERY", "PENDING")
    assert follow_up["dueAt"] == handoff["deliverAt"]
    assert follow_up["person"]["id"] == ana["id"]
    assert follow_up["explanation"] == handoff["explanation"]
    assert await _handoff(gql, handoff) == handoff
    assert await event_types(db_url, handoff) == ["handoff.created"]
    assert await counts(db_url) == {
        "people": 2,
        "teams": 0,
        "team_members": 0,
        "work_items": 1,
        "handoffs": 1,
        "follow_ups": 1,
        "events": 1,
    }
    item = (await gql(WORK_ITEM, {"id": handoff["workItem"]["id"]}))["node"]
    assert [h["id"] for h in item["handoffs"]] == [handoff["id"]]
    # Default reminders come from the workspace.
    other = await create_handoff(gql, ana, sam, title="Other")
    assert other["maxReminders"] == 1
    assert other["respondBy"] is None and other["expectResponseWithin"] is None


async def test_create_handoff_with_an_existing_work_item(gql, db_url) -> None:
    ana = await create_person(gql, "Ana", AMS)
    sam = await create_person(gql, "Sam", NYC)
    item = await create_work_item(gql, "Migration plan", holder=ana)
    handoff = await create_handoff(gql, sam, ana, item=item)
    assert handoff["workItem"]["id"] == item["id"]
    # the item keeps its holder until the receiver takes it
    assert handoff["workItem"]["holder"]["id"] == ana["id"]
    assert handoff["workItem"]["status"] == "IN_HANDOFF"
    before = await snapshot(db_url)
    # An item already in a handoff cannot go into another one.
    result = (await gql(CREATE_HANDOFF, {"input": handoff_input(ana, sam, item=item)}))[
        "createHandoff"
    ]
    assert result["__typename"] == "Conflict", result
    assert await snapshot(db_url) == before
    await ok(gql, CANCEL, {"id": handoff["id"]}, "cancelHandoff", "HandoffPayload")
    # After a cancel the item is free again; a DONE item cannot be handed off.
    again = await create_handoff(gql, sam, ana, item=item)
    assert again["workItem"]["status"] == "IN_HANDOFF"
    item_view = (await gql(WORK_ITEM, {"id": item["id"]}))["node"]
    assert [h["status"] for h in item_view["handoffs"]] == ["CANCELLED", "SCHEDULED"]
    await mark_delivered(db_url, again, datetime(2026, 11, 27, 14, tzinfo=UTC))
    await ok(gql, COMPLETE, {"id": again["id"]}, "completeHandoff", "HandoffPayload")
    before = await snapshot(db_url)
    result = (await gql(CREATE_HANDOFF, {"input": handoff_input(sam, ana, item=item)}))[
        "createHandoff"
    ]
    assert result["__typename"] == "Conflict", result
    assert await snapshot(db_url) == before


async def test_create_handoff_rejections_write_nothing(gql, db_url) -> None:
    ana = await create_person(gql, "Ana", AMS)
    sam = await create_person(gql, "Sam", SYDNEY)
    nobody = await create_person(gql, "Nobody", AMS, weekly={})
    team = await create_team(gql, "Solo", [sam])
    item = await create_work_item(gql, "Item")
    before = await snapshot(db_url)
    cases = [
        ({"toPersonId": sam["id"]}, "ValidationError", "input.toPersonId"),  # to oneself
        ({"toPersonId": nobody["id"]}, "ValidationError", "input.toPersonId"),  # never works
        ({"toPersonId": None, "toTeamId": team["id"]}, "ValidationError", "input.toTeamId"),
        ({"toPersonId": None}, "ValidationError", "input.toPersonId"),
        ({"toTeamId": team["id"]}, "ValidationError", "input.toPersonId"),  # both
        ({"workItemId": item["id"]}, "ValidationError", "input.workItemId"),  # and newWorkItem
        ({"newWorkItem": None}, "ValidationError", "input.workItemId"),
        ({"newWorkItem": {"title": "  "}}, "ValidationError", "input.newWorkItem.title"),
        ({"newWorkItem": {"title": "x" * 501}}, "ValidationError", "input.newWorkItem.title"),
        ({"note": {"summary": " "}}, "ValidationError", "input.note.summary"),
        (
            {"note": {"summary": "x", "openQuestions": ["ok", ""]}},
            "ValidationError",
            "input.note.openQuestions.1",
        ),
        ({"expectResponseWithin": "PT0S"}, "ValidationError", "input.expectResponseWithin"),
        ({"expectResponseWithin": "P91D"}, "ValidationError", "input.expectResponseWithin"),
        ({"maxReminders": 21}, "ValidationError", "input.maxReminders"),
        ({"idempotencyKey": ""}, "ValidationError", "input.idempotencyKey"),
        ({"senderId": "nope"}, "ValidationError", "input.senderId"),
        ({"toPersonId": "nope"}, "ValidationError", "input.toPersonId"),
        ({"toPersonId": team["id"]}, "ValidationError", "input.toPersonId"),  # a Team ID
        ({"senderId": unknown_id("Person")}, "NotFound", None),
        ({"toPersonId": unknown_id("Person")}, "NotFound", None),
        ({"toPersonId": None, "toTeamId": unknown_id("Team")}, "NotFound", None),
        ({"newWorkItem": None, "workItemId": unknown_id("WorkItem")}, "NotFound", None),
    ]
    for change, typename, field in cases:
        data = handoff_input(sam, ana) | change
        result = (await gql(CREATE_HANDOFF, {"input": data}))["createHandoff"]
        assert result["__typename"] == typename, (change, result)
        assert result.get("field") == field, (change, result)
        assert result["message"], change
    # A malformed duration is refused by the scalar.
    response = await gql.raw(
        CREATE_HANDOFF, {"input": handoff_input(sam, ana, expectResponseWithin="4 hours")}
    )
    assert response.json()["errors"]
    assert await snapshot(db_url) == before


async def test_idempotency_key(gql, other_gql, db_url) -> None:
    ana = await create_person(gql, "Ana", AMS)
    sam = await create_person(gql, "Sam", SYDNEY)
    data = handoff_input(sam, ana, idempotencyKey="key-1", expectResponseWithin="PT4H")
    first = await ok(gql, CREATE_HANDOFF, {"input": data}, "createHandoff", "CreateHandoffPayload")
    assert first["created"] is True
    before = await snapshot(db_url)
    # The same key with the same request again (a retry) returns the first handoff.
    again = await ok(gql, CREATE_HANDOFF, {"input": data}, "createHandoff", "CreateHandoffPayload")
    assert again["created"] is False
    assert again["handoff"] == first["handoff"]
    # The same key with anything else asked is a mistake, not a retry: refused, naming the
    # key and the handoff it made, and nothing is written.
    for change in (
        {"note": note("Something else")},
        {"toPersonId": sam["id"]},
        {"expectResponseWithin": "PT5H"},
        {"maxReminders": 1},
        {"newWorkItem": {"title": "Another item"}},
    ):
        refused = await ok(
            gql, CREATE_HANDOFF, {"input": data | change}, "createHandoff", "ValidationError"
        )
        assert refused["field"] == "input.idempotencyKey", change
        assert "already used for a different request" in refused["message"]
        assert "Use a new key" in refused["message"]
    assert await snapshot(db_url) == before
    # Another key is another handoff.
    other = await create_handoff(gql, sam, ana, idempotencyKey="key-2")
    assert other["id"] != first["handoff"]["id"]
    # Another workspace may use the same key for its own handoff.
    bo = await create_person(other_gql, "Bo", AMS)
    cy = await create_person(other_gql, "Cy", NYC)
    theirs = await ok(
        other_gql,
        CREATE_HANDOFF,
        {"input": handoff_input(bo, cy, idempotencyKey="key-1")},
        "createHandoff",
        "CreateHandoffPayload",
    )
    assert theirs["created"] is True
    assert theirs["handoff"]["id"] not in (first["handoff"]["id"], other["id"])
    assert theirs["handoff"]["receiver"]["id"] == cy["id"]
    again = await ok(
        other_gql,
        CREATE_HANDOFF,
        {"input": handoff_input(bo, cy, idempotencyKey="key-1")},
        "createHandoff",
        "CreateHandoffPayload",
    )
    assert (again["created"], again["handoff"]["id"]) == (False, theirs["handoff"]["id"])
    assert (await counts(db_url))["handoffs"] == 3


async def test_a_key_from_before_fingerprints_keeps_the_first_answer(gql, db_url) -> None:
    # Handoffs made before requests were fingerprinted cannot tell a retry from a mistake,
    # so their key answers as it did then: the first handoff, nothing written.
    ana = await create_person(gql, "Ana", AMS)
    sam = await create_person(gql, "Sam", SYDNEY)
    data = handoff_input(sam, ana, idempotencyKey="old-key")
    first = await ok(gql, CREATE_HANDOFF, {"input": data}, "createHandoff", "CreateHandoffPayload")
    hid = pk(first["handoff"]["id"])
    stored = await sql(db_url, "SELECT request_fingerprint FROM handoffs WHERE id = %s", (hid,))
    assert stored[0][0] is not None and len(stored[0][0]) == 32
    await sql(db_url, "UPDATE handoffs SET request_fingerprint = NULL WHERE id = %s", (hid,))
    before = await snapshot(db_url)
    changed = data | {"note": note("Something else")}
    again = await ok(
        gql, CREATE_HANDOFF, {"input": changed}, "createHandoff", "CreateHandoffPayload"
    )
    assert (again["created"], again["handoff"]["id"]) == (False, first["handoff"]["id"])
    assert await snapshot(db_url) == before


async def test_illegal_transitions_are_conflicts(gql, db_url) -> None:
    ana = await create_person(gql, "Ana", AMS)
    sam = await create_person(gql, "Sam", SYDNEY)
    handoff = await create_handoff(gql, sam, ana)
    before = await snapshot(db_url)
    for query, field, variables in [
        (ACKNOWLEDGE, "acknowledgeHandoff", {}),
        (COMPLETE, "completeHandoff", {}),
        (RETURN, "returnHandoff", {"note": "not mine"}),
    ]:
        result = (await gql(query, {"id": handoff["id"]} | variables))[field]
        assert result["__typename"] == "Conflict", (field, result)
        assert "SCHEDULED" in result["message"]
    assert await snapshot(db_url) == before
    assert (await _handoff(gql, handoff))["status"] == "SCHEDULED"


async def test_acknowledge_then_complete(gql, db_url, clock) -> None:
    ana = await create_person(gql, "Ana", AMS)
    sam = await create_person(gql, "Sam", SYDNEY)
    handoff = await create_handoff(gql, sam, ana, expectResponseWithin="PT4H")
    await mark_delivered(db_url, handoff, clock.now())
    assert await _states(db_url, handoff) == [("DELIVERY", "DONE"), ("REMINDER", "PENDING")]
    clock.advance(timedelta(minutes=10))
    acked = (
        await ok(gql, ACKNOWLEDGE, {"id": handoff["id"]}, "acknowledgeHandoff", "HandoffPayload")
    )["handoff"]
    assert acked["status"] == "ACKNOWLEDGED"
    assert acked["acknowledgedAt"] == "2026-11-27T14:10:00+00:00"
    assert acked["workItem"]["status"] == "OPEN"
    assert acked["workItem"]["holder"]["id"] == ana["id"]
    assert await _states(db_url, handoff) == [("DELIVERY", "DONE"), ("REMINDER", "CANCELLED")]
    assert await _handoff(gql, handoff) == acked
    # acknowledging twice is a conflict and changes nothing
    before = await snapshot(db_url)
    result = (await gql(ACKNOWLEDGE, {"id": handoff["id"]}))["acknowledgeHandoff"]
    assert result["__typename"] == "Conflict"
    assert await snapshot(db_url) == before

    clock.advance(timedelta(hours=1))
    done = (await ok(gql, COMPLETE, {"id": handoff["id"]}, "completeHandoff", "HandoffPayload"))[
        "handoff"
    ]
    assert done["status"] == "COMPLETED"
    assert done["completedAt"] == "2026-11-27T15:10:00+00:00"
    assert done["workItem"]["status"] == "DONE"
    assert done["workItem"]["holder"]["id"] == ana["id"]
    assert await event_types(db_url, handoff) == [
        "handoff.created",
        "handoff.acknowledged",
        "handoff.completed",
    ]
    before = await snapshot(db_url)
    for query, field in [(CANCEL, "cancelHandoff"), (ACKNOWLEDGE, "acknowledgeHandoff")]:
        result = (await gql(query, {"id": handoff["id"]}))[field]
        assert result["__typename"] == "Conflict", result
    result = (await gql(REASSIGN, {"id": handoff["id"], "person": sam["id"]}))["reassignHandoff"]
    assert result["__typename"] == "Conflict", result
    assert await snapshot(db_url) == before


async def test_complete_straight_from_delivered(gql, db_url, clock) -> None:
    ana = await create_person(gql, "Ana", AMS)
    sam = await create_person(gql, "Sam", SYDNEY)
    handoff = await create_handoff(gql, sam, ana, expectResponseWithin="PT4H")
    await mark_delivered(db_url, handoff, clock.now())
    done = (await ok(gql, COMPLETE, {"id": handoff["id"]}, "completeHandoff", "HandoffPayload"))[
        "handoff"
    ]
    assert (done["status"], done["workItem"]["status"]) == ("COMPLETED", "DONE")
    assert done["workItem"]["holder"]["id"] == ana["id"]
    assert await _states(db_url, handoff) == [("DELIVERY", "DONE"), ("REMINDER", "CANCELLED")]
    assert await event_types(db_url, handoff) == ["handoff.created", "handoff.completed"]


async def test_return_to_sender(gql, db_url, clock) -> None:
    ana = await create_person(gql, "Ana", AMS)
    sam = await create_person(gql, "Sam", SYDNEY)
    handoff = await create_handoff(gql, sam, ana, expectResponseWithin="PT4H")
    await mark_delivered(db_url, handoff, clock.now())
    before = await snapshot(db_url)
    result = (await gql(RETURN, {"id": handoff["id"], "note": "   "}))["returnHandoff"]
    assert (result["__typename"], result["field"]) == ("ValidationError", "note")
    assert await snapshot(db_url) == before
    returned = (
        await ok(
            gql,
            RETURN,
            {"id": handoff["id"], "note": "Needs the Q4 numbers first"},
            "returnHandoff",
            "HandoffPayload",
        )
    )["handoff"]
    assert returned["status"] == "RETURNED"
    assert returned["returnedAt"] == "2026-11-27T14:00:00+00:00"
    assert returned["returnNote"] == "Needs the Q4 numbers first"
    assert returned["workItem"]["status"] == "OPEN"
    assert returned["workItem"]["holder"]["id"] == sam["id"]
    assert await _handoff(gql, handoff) == returned
    assert await _states(db_url, handoff) == [("DELIVERY", "DONE"), ("REMINDER", "CANCELLED")]
    assert await event_types(db_url, handoff) == ["handoff.created", "handoff.returned"]


async def test_cancel(gql, db_url, clock) -> None:
    ana = await create_person(gql, "Ana", AMS)
    sam = await create_person(gql, "Sam", SYDNEY)
    # scheduled -> cancelled
    handoff = await create_handoff(gql, sam, ana, expectResponseWithin="PT4H")
    cancelled = (await ok(gql, CANCEL, {"id": handoff["id"]}, "cancelHandoff", "HandoffPayload"))[
        "handoff"
    ]
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["cancelledAt"] == "2026-11-27T14:00:00+00:00"
    assert cancelled["workItem"]["status"] == "OPEN"
    assert cancelled["workItem"]["holder"]["id"] == sam["id"]
    assert [f["state"] for f in cancelled["followUps"]] == ["CANCELLED"]
    assert await event_types(db_url, handoff) == ["handoff.created", "handoff.cancelled"]
    before = await snapshot(db_url)
    result = (await gql(CANCEL, {"id": handoff["id"]}))["cancelHandoff"]
    assert result["__typename"] == "Conflict"
    assert await snapshot(db_url) == before
    # delivered -> cancelled
    second = await create_handoff(gql, sam, ana, title="Second", expectResponseWithin="PT4H")
    await mark_delivered(db_url, second, clock.now())
    cancelled = (await ok(gql, CANCEL, {"id": second["id"]}, "cancelHandoff", "HandoffPayload"))[
        "handoff"
    ]
    assert cancelled["status"] == "CANCELLED"
    assert (cancelled["workItem"]["status"], cancelled["workItem"]["holder"]["id"]) == (
        "OPEN",
        sam["id"],
    )
    assert await _states(db_url, second) == [("DELIVERY", "DONE"), ("REMINDER", "CANCELLED")]


async def test_reassign(gql, db_url, clock) -> None:
    ana = await create_person(gql, "Ana", AMS)
    sam = await create_person(gql, "Sam", SYDNEY)
    nia = await create_person(gql, "Nia", NYC)
    handoff = await create_handoff(gql, sam, ana, expectResponseWithin="PT4H")
    clock.advance(timedelta(minutes=5))
    moved = (
        await ok(
            gql,
            REASSIGN,
            {"id": handoff["id"], "person": nia["id"]},
            "reassignHandoff",
            "HandoffPayload",
        )
    )["handoff"]
    # New York works now (09:05 there): lands now, due 4 working hours later.
    assert moved["receiver"]["id"] == nia["id"]
    assert moved["status"] == "SCHEDULED"
    assert moved["deliverAt"] == "2026-11-27T14:05:00+00:00"
    assert moved["respondBy"] == "2026-11-27T18:05:00+00:00"
    assert [(f["kind"], f["state"], f["person"]["id"]) for f in moved["followUps"]] == [
        ("DELIVERY", "CANCELLED", ana["id"]),
        ("DELIVERY", "PENDING", nia["id"]),
    ]
    assert moved["followUps"][1]["dueAt"] == moved["deliverAt"]
    assert await _handoff(gql, handoff) == moved

    before = await snapshot(db_url)
    team = await create_team(gql, "Sun", [ana, nia])
    before = await snapshot(db_url)
    for variables, typename, field in [
        ({}, "ValidationError", "toPersonId"),
        ({"person": ana["id"], "team": team["id"]}, "ValidationError", "toPersonId"),
        ({"person": sam["id"]}, "ValidationError", "toPersonId"),  # the sender
        # the one who has it: that would only restart its response clock
        ({"person": nia["id"]}, "ValidationError", "toPersonId"),
        ({"person": "bad"}, "ValidationError", "toPersonId"),
        ({"person": unknown_id("Person")}, "NotFound", None),
        ({"team": unknown_id("Team")}, "NotFound", None),
        ({"id": unknown_id("Handoff"), "person": ana["id"]}, "NotFound", None),
        ({"id": "bad", "person": ana["id"]}, "ValidationError", "id"),
    ]:
        result = (await gql(REASSIGN, {"id": handoff["id"]} | variables))["reassignHandoff"]
        assert result["__typename"] == typename, (variables, result)
        assert result.get("field") == field, (variables, result)
    assert await snapshot(db_url) == before

    # to a team: both members work now; follow-the-sun breaks the tie by who came first
    moved = (
        await ok(
            gql,
            REASSIGN,
            {"id": handoff["id"], "team": team["id"]},
            "reassignHandoff",
            "HandoffPayload",
        )
    )["handoff"]
    assert moved["team"]["id"] == team["id"]
    assert moved["receiver"]["id"] == ana["id"]
    assert moved["deliverAt"] == "2026-11-27T14:05:00+00:00"
    assert [f["state"] for f in moved["followUps"]] == ["CANCELLED", "CANCELLED", "PENDING"]
    # delivered, and sent to the same team again, which would choose Ana again
    await mark_delivered(db_url, handoff, clock.now())
    before = await snapshot(db_url)
    again = (await gql(REASSIGN, {"id": handoff["id"], "team": team["id"]}))["reassignHandoff"]
    assert again["__typename"] == "ValidationError", again
    assert (again["field"], again["message"]) == ("toTeamId", "it is already with Ana")
    assert await snapshot(db_url) == before


async def test_unknown_and_malformed_handoff_ids(gql, db_url) -> None:
    ana = await create_person(gql, "Ana", AMS)
    sam = await create_person(gql, "Sam", SYDNEY)
    await create_handoff(gql, sam, ana)
    before = await snapshot(db_url)
    mutations = [
        (ACKNOWLEDGE, "acknowledgeHandoff", {}),
        (COMPLETE, "completeHandoff", {}),
        (RETURN, "returnHandoff", {"note": "no"}),
        (CANCEL, "cancelHandoff", {}),
        (REASSIGN, "reassignHandoff", {"person": ana["id"]}),
    ]
    for query, field, extra in mutations:
        result = (await gql(query, {"id": unknown_id("Handoff")} | extra))[field]
        assert result["__typename"] == "NotFound", (field, result)
        for bad in ("x", unknown_id("Person", pk(ana["id"]))):
            result = (await gql(query, {"id": bad} | extra))[field]
            assert (result["__typename"], result["field"]) == ("ValidationError", "id"), result
    assert await snapshot(db_url) == before
