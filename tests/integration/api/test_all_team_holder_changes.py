"""An ALL team's handoff whose holder changes (their cover starts and takes their open
handoffs, or they leave): the new holder gets it, and the other members are still told
in their own hours."""

from __future__ import annotations

from typing import Any

from tests.integration.api._away import (
    CREATE,
    DEACTIVATE,
    SET_DELEGATION,
    at,
    call,
    rows,
    utc,
    worker,
)
from tests.integration.api._helpers import AMS, NYC, create_person, create_team, handoff_input, pk


async def _ops_handoff(gql: Any, clock: Any) -> tuple[dict, dict, dict, dict]:
    """Sam hands team Ops (ALL: Ana in Amsterdam, Cy in New York) something on Monday 30
    Nov at 06:00 in Amsterdam: Ana holds it; Cy is told at 09:00 New York (14:00Z)."""
    clock.set(at(2026, 11, 30, 5))
    ana, cy = await create_person(gql, "Ana", AMS), await create_person(gql, "Cy", NYC)
    bo, sam = await create_person(gql, "Bo", AMS), await create_person(gql, "Sam", NYC)
    team = await create_team(gql, "Ops", [ana, cy], routing="ALL")
    made = await call(gql, CREATE, "createHandoff", input=handoff_input(sam, team=team))
    assert made["handoff"]["receiver"]["id"] == ana["id"]
    return ana, bo, cy, made["handoff"]


async def _deliveries(db_url: str, handoff: dict) -> list[tuple[int, str, Any]]:
    found = await rows(
        db_url,
        "SELECT person_id, state, due_at FROM follow_ups WHERE handoff_id = %s "
        "AND kind = 'DELIVERY' AND state <> 'CANCELLED' ORDER BY person_id",
        pk(handoff["id"]),
    )
    return [(r["person_id"], r["state"], r["due_at"]) for r in found]


async def test_the_holders_cover_starting_still_tells_the_other_members(
    gql: Any, clock: Any, db_url: str, redis_url: str
) -> None:
    ana, bo, cy, h = await _ops_handoff(gql, clock)
    cover = await call(
        gql,
        SET_DELEGATION,
        "setDelegation",
        input={
            "personId": ana["id"],
            "delegateId": bo["id"],
            "openHandoffs": "REASSIGN",
            "start": utc(2026, 11, 30, 6),
            "end": utc(2026, 12, 4),
        },
    )
    assert cover["__typename"] == "DelegationPayload", cover
    async with worker(db_url, redis_url, clock) as tick:
        for hour in (6, 8, 15):
            clock.set(at(2026, 11, 30, hour))
            await tick()
    # Bo holds it from the cover's start (08:00Z, his first hour); Cy was told at 14:00Z
    found = {person: (state, due) for person, state, due in await _deliveries(db_url, h)}
    assert found == {
        pk(bo["id"]): ("DONE", at(2026, 11, 30, 8)),
        pk(cy["id"]): ("DONE", at(2026, 11, 30, 14)),
    }
    told = await rows(
        db_url,
        "SELECT payload FROM events WHERE type = 'handoff.delivered' AND handoff_id = %s "
        "ORDER BY id",
        pk(h["id"]),
    )
    assert [e["payload"]["receiver"]["name"] for e in told] == ["Bo", "Bo"]
    assert [(e["payload"].get("notified") or {}).get("name") for e in told] == [None, "Cy"]


async def test_the_holder_leaving_still_tells_the_other_members(
    gql: Any, clock: Any, db_url: str
) -> None:
    ana, bo, cy, h = await _ops_handoff(gql, clock)
    left = await call(
        gql, DEACTIVATE, "deactivatePerson", input={"id": ana["id"], "reassignTo": bo["id"]}
    )
    assert left["__typename"] == "DeactivatePersonPayload", left
    found = {person: state for person, state, _ in await _deliveries(db_url, h)}
    assert found == {pk(bo["id"]): "PENDING", pk(cy["id"]): "PENDING"}
