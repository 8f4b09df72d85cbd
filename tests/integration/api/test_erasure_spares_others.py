"""Erasure through the API removes one person's mentions and nothing of anyone else's:
short names and everyday words in others' notes survive, and the tombstone handle is one
that no person can hold (old-style `erased-<id>` handles included)."""

from __future__ import annotations

from typing import Any

from tests.integration.api._away import CREATE, DEACTIVATE, ERASE, HANDOFF_Q, at, call, rows
from tests.integration.api._helpers import (
    AMS,
    CREATE_PERSON,
    UPDATE_PERSON,
    create_person,
    handoff_input,
    note,
    pk,
)

MONDAY = at(2026, 11, 30, 10)


async def _send(gql: Any, sender: dict, to: dict, title: str, summary: str) -> dict:
    data = handoff_input(sender, to, title=title, note=note(summary))
    result = await call(gql, CREATE, "createHandoff", input=data)
    assert result["__typename"] == "CreateHandoffPayload", result
    return result["handoff"]


async def _leave_and_erase(gql: Any, person: dict) -> dict:
    left = await call(gql, DEACTIVATE, "deactivatePerson", input={"id": person["id"]})
    assert left["__typename"] == "DeactivatePersonPayload", left
    erased = await call(gql, ERASE, "erasePerson", id=person["id"])
    assert erased["__typename"] == "ErasePersonPayload", erased
    return erased["person"]


async def test_erasing_al_and_will_keeps_the_words_of_other_people_s_handoffs(gql, clock, db_url):
    clock.set(MONDAY)
    al = await create_person(gql, "Al", AMS, handle="a")
    will = await create_person(gql, "Will Smith", AMS, handle="wsmith", email="will.smith@x.io")
    bo = await create_person(gql, "Bo", AMS)
    cy = await create_person(gql, "Cy", AMS)
    plan = await _send(gql, bo, cy, "A quarterly plan", "Write a plan for AL-2 and a budget")
    ask = await _send(gql, cy, bo, "Ship it", "I will do it; ask Will, will.smith@x.io or @wsmith")

    await _leave_and_erase(gql, al)
    await _leave_and_erase(gql, will)

    kept = (await gql(HANDOFF_Q, {"id": plan["id"]}))["node"]
    assert kept["note"]["summary"] == "Write a plan for AL-2 and a budget"
    assert kept["workItem"]["title"] == "A quarterly plan"
    scrubbed = (await gql(HANDOFF_Q, {"id": ask["id"]}))["node"]
    assert scrubbed["note"]["summary"] == (
        "I will do it; ask Erased person, Erased person or Erased person"
    )
    # the events that carry those notes are spared alike
    created = await rows(
        db_url,
        "SELECT payload::text AS t FROM events WHERE type = 'handoff.created' ORDER BY id",
    )
    assert "Write a plan for AL-2 and a budget" in created[0]["t"]
    assert "A quarterly plan" in created[0]["t"]
    assert "I will do it; ask Erased person" in created[1]["t"]
    assert "will.smith" not in created[1]["t"] and "wsmith" not in created[1]["t"]


async def test_a_handle_like_an_erased_person_s_is_refused_and_nothing_stored(gql, clock, db_url):
    clock.set(MONDAY)
    bo = await create_person(gql, "Bo", AMS)
    before = await rows(db_url, "SELECT * FROM people ORDER BY id")
    cases = [("erased-20", "reserved"), ("erased-x", "reserved"), ("erased:20", "letters")]
    for handle, why in cases:
        data = {"name": "Eve", "handle": handle, "timezone": AMS}
        made = (await gql(CREATE_PERSON, {"input": data}))["createPerson"]
        assert (made["__typename"], made["field"]) == ("ValidationError", "input.handle"), made
        assert repr(handle) in made["message"] and why in made["message"], made
        changed = (await gql(UPDATE_PERSON, {"input": {"id": bo["id"], "handle": handle}}))[
            "updatePerson"
        ]
        assert (changed["__typename"], changed["field"]) == ("ValidationError", "input.handle")
    assert await rows(db_url, "SELECT * FROM people ORDER BY id") == before


async def test_erasure_works_when_someone_holds_the_old_style_tombstone_handle(gql, clock, db_url):
    clock.set(MONDAY)
    zofia = await create_person(gql, "Zofia", AMS)
    zid = pk(zofia["id"])
    # stored before handles like this were reserved (createPerson refuses it now)
    await rows(
        db_url,
        "INSERT INTO people (workspace_id, name, handle, timezone, working_pattern, "
        "delivery_policy, created_at, updated_at) "
        "SELECT workspace_id, 'Squatter', %s, timezone, working_pattern, delivery_policy, "
        "created_at, updated_at FROM people WHERE id = %s RETURNING id",
        f"erased-{zid}",
        zid,
    )

    tomb = await _leave_and_erase(gql, zofia)

    assert (tomb["name"], tomb["handle"], tomb["status"]) == (
        "Erased person",
        f"erased:{zid}",
        "ERASED",
    )
    held = await rows(db_url, "SELECT name FROM people WHERE handle = %s", f"erased-{zid}")
    assert held == [{"name": "Squatter"}]
