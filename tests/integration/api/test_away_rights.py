"""Who may travel, delegate and deactivate: a person token acts for its own person only;
leaving and erasing need a workspace token. A delivery due at the very instant a
delegation starts finds its handoff moved."""

from __future__ import annotations

from typing import Any

from handoff.storage.tokens import create_token
from tests.conftest import GraphQLClient
from tests.integration.api._away import (
    ADD_TRAVEL,
    CREATE,
    DEACTIVATE,
    END_DELEGATION,
    ERASE,
    HANDOFF_Q,
    SET_DELEGATION,
    TOKYO,
    at,
    call,
    rows,
    utc,
    worker,
)
from tests.integration.api._helpers import AMS, NYC, create_person, handoff_input, pk


async def _as(http: Any, app_pool: Any, clock: Any, person: dict) -> GraphQLClient:
    async with app_pool.connection() as conn:
        token = await create_token(conn, "acme", clock.now(), label="t", person_id=pk(person["id"]))
    return GraphQLClient(http, token)


async def _codes(client: GraphQLClient, query: str, **variables: Any) -> list[str]:
    body = (await client.raw(query, variables)).json()
    return [e["extensions"]["code"] for e in body.get("errors") or []]


async def test_a_person_token_acts_for_its_own_person_only(gql, http, app_pool, clock):
    clock.set(at(2026, 11, 30, 10))
    ana = await create_person(gql, "Ana", AMS)
    bo = await create_person(gql, "Bo", AMS)
    as_ana = await _as(http, app_pool, clock, ana)
    trip = {"start": "2026-12-07", "end": "2026-12-11", "timezone": TOKYO}
    own = await call(as_ana, ADD_TRAVEL, "addTravel", input={"personId": ana["id"], **trip})
    assert own["__typename"] == "TravelPayload"
    assert await _codes(as_ana, ADD_TRAVEL, input={"personId": bo["id"], **trip}) == ["FORBIDDEN"]
    span = {"start": utc(2026, 12, 1), "end": utc(2026, 12, 2)}
    mine = await call(
        as_ana,
        SET_DELEGATION,
        "setDelegation",
        input={"personId": ana["id"], "delegateId": bo["id"], **span},
    )
    assert mine["__typename"] == "DelegationPayload"
    theirs = {"personId": bo["id"], "delegateId": ana["id"], **span}
    assert await _codes(as_ana, SET_DELEGATION, input=theirs) == ["FORBIDDEN"]
    assert await _codes(as_ana, END_DELEGATION, id=bo["id"]) == ["FORBIDDEN"]
    assert await _codes(as_ana, DEACTIVATE, input={"id": bo["id"]}) == ["FORBIDDEN"]
    assert await _codes(as_ana, ERASE, id=bo["id"]) == ["FORBIDDEN"]
    stored = await rows_of_delegations(app_pool)
    assert stored == [pk(ana["id"])]


async def rows_of_delegations(app_pool: Any) -> list[int]:
    async with app_pool.connection() as conn:
        cur = await conn.execute("SELECT person_id FROM delegations ORDER BY id")
        return [r["person_id"] for r in await cur.fetchall()]


async def test_a_delivery_due_as_a_reassigning_delegation_starts_goes_to_the_delegate(
    gql, clock, db_url, redis_url
):
    clock.set(at(2026, 12, 4, 18))  # Friday 19:00 in Amsterdam
    ana = await create_person(gql, "Ana", AMS)
    bo = await create_person(gql, "Bo", AMS)
    sam = await create_person(gql, "Sam", NYC)
    made = await call(gql, CREATE, "createHandoff", input=handoff_input(sam, ana))
    monday = at(2026, 12, 7, 8)
    assert made["handoff"]["deliverAt"] == monday.isoformat()
    # Set afterwards, starting at the very instant it lands with Ana.
    await call(
        gql,
        SET_DELEGATION,
        "setDelegation",
        input={
            "personId": ana["id"],
            "delegateId": bo["id"],
            "start": monday.isoformat(),
            "end": utc(2026, 12, 9),
            "openHandoffs": "REASSIGN",
        },
    )
    async with worker(db_url, redis_url, clock) as tick:
        clock.set(monday)
        await tick()  # one batch: the start first, then the (now cancelled) delivery
        await tick()  # the delivery to Bo, due at once
    handoff = (await gql(HANDOFF_Q, {"id": made["handoff"]["id"]}))["node"]
    assert (handoff["receiver"]["id"], handoff["status"]) == (bo["id"], "DELIVERED")
    delivered = await rows(
        db_url, "SELECT person_id FROM events WHERE type = 'handoff.delivered' ORDER BY id"
    )
    assert [d["person_id"] for d in delivered] == [pk(bo["id"])]
