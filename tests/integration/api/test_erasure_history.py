"""Erasing someone who changed their name, took time off with a reason and travelled:
the names they went by, the reasons for their days off and where they were go too."""

from __future__ import annotations

import re
from typing import Any

import psycopg
from psycopg.rows import dict_row

from handoff.storage.webhooks import insert_endpoint
from tests.integration.api._away import (
    ADD_TRAVEL,
    CREATE,
    DEACTIVATE,
    ERASE,
    TOKYO,
    at,
    call,
    rows,
)
from tests.integration.api._helpers import (
    ADD_TIME_OFF,
    AMS,
    NYC,
    UPDATE_PERSON,
    create_person,
    handoff_input,
    pk,
)
from tests.integration.api.test_leaving import _everything

_LEFT = re.compile(r"Kowalski|zofia\.k\b|chemotherapy|Asia/Tokyo", re.IGNORECASE)


async def _workspace(conn: Any) -> int:
    cur = await conn.execute("SELECT id FROM workspaces ORDER BY id LIMIT 1")
    return int((await cur.fetchone())["id"])


async def test_erasure_forgets_former_names_time_off_reasons_and_trips(
    gql: Any, clock: Any, db_url: str
) -> None:
    clock.set(at(2026, 11, 30, 10))
    zofia = await create_person(
        gql, "Zofia Kowalski", AMS, handle="zofia.k", email="zofia.k@example.com"
    )
    bo = await create_person(gql, "Bo", NYC)
    off = await gql(
        ADD_TIME_OFF,
        {"id": zofia["id"], "start": "2026-12-21", "end": "2026-12-23", "reason": "chemotherapy"},
    )
    assert off["addTimeOff"]["__typename"] == "PersonPayload", off
    trip = await call(
        gql,
        ADD_TRAVEL,
        "addTravel",
        input={
            "personId": zofia["id"],
            "start": "2026-12-07",
            "end": "2026-12-11",
            "timezone": TOKYO,
        },
    )
    assert trip["__typename"] == "TravelPayload", trip
    clock.set(at(2026, 12, 18, 18))  # Friday evening: it lands after her days off
    made = await call(gql, CREATE, "createHandoff", input=handoff_input(bo, zofia, title="x"))
    assert (
        "Zofia Kowalski is on time off on Monday 21 Dec (chemotherapy)."
        in (made["handoff"]["explanation"])
    )
    renamed = await gql(
        UPDATE_PERSON,
        {"input": {"id": zofia["id"], "name": "Zofia Nowak", "handle": "zofia.n"}},
    )
    assert renamed["updatePerson"]["__typename"] == "PersonPayload", renamed
    updated = await rows(
        db_url,
        "SELECT payload FROM events WHERE type = 'person.updated' AND person_id = %s",
        pk(zofia["id"]),
    )
    assert [(e["payload"]["previous"]["name"], e["payload"]["changed"]) for e in updated] == [
        ("Zofia Kowalski", ["name", "handle"])
    ]
    left = await call(
        gql, DEACTIVATE, "deactivatePerson", input={"id": zofia["id"], "reassignTo": bo["id"]}
    )
    assert left["__typename"] == "DeactivatePersonPayload", left
    # an endpoint someone named after her, switched off with her address in the reason
    async with await psycopg.AsyncConnection.connect(db_url, row_factory=dict_row) as conn:
        endpoint = await insert_endpoint(
            conn,
            await _workspace(conn),
            url="https://hooks.example.org/x",
            description="Zofia Kowalski's pager",
            event_types=["handoff.created"],
            secret="whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=",
            now=clock.now(),
        )
        await conn.execute(
            "UPDATE webhook_endpoints SET disabled_reason = 'zofia.k@example.com bounced'"
            " WHERE id = %s",
            (endpoint.id,),
        )
        await conn.commit()
    erased = await call(gql, ERASE, "erasePerson", id=zofia["id"])
    assert erased["__typename"] == "ErasePersonPayload", erased

    leftovers = {
        table: hits
        for table, texts in (await _everything(db_url)).items()
        if (hits := sorted({m.group(0) for t in texts for m in _LEFT.finditer(t)}))
    }
    assert leftovers == {}
    explanation = (await rows(db_url, "SELECT explanation FROM handoffs"))[0]["explanation"]
    assert "Erased person is on time off on Monday 21 Dec ([erased])." in explanation
    travel = await rows(db_url, "SELECT payload FROM events WHERE type = 'person.travel_changed'")
    assert [
        (e["payload"]["travel"], e["payload"]["homeTimezone"], e["payload"]["timezoneNow"])
        for e in travel
    ] == [(None, "UTC", "UTC")]
