"""GraphQL documents and helpers for travel, delegation and leaving tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg

from handoff.clock import ManualClock
from handoff.jobs.worker import run_due
from tests.integration._delivery_helpers import engine
from tests.integration.api._helpers import ERRORS, HANDOFF_FIELDS

TOKYO = "Asia/Tokyo"
LA = "America/Los_Angeles"
ANA_WEEK = {d: ["09:00-17:00", "19:00-21:00"] for d in ("mon", "tue", "wed", "thu", "fri")}


def utc(*args: int) -> str:
    return datetime(*args, tzinfo=UTC).isoformat()  # type: ignore[misc]


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


PERSON_AWAY = """
  id name timezone homeTimezone localTime status deactivatedAt erasedAt
  travel { id start end timezone hours holidays visitedRegion { country subdivision } }
  delegation { id state start end openHandoffs handBack delegate { id } delegateTeam { id } }
"""

MOVED = "followUpsMoved { followUpId kind from to reroutedTo handoff { id } }"

FAILURES = f"""
  __typename
  {ERRORS}
  ... on Conflict {{ message }}
"""

TRAVEL_RESULT = f"""
  ... on TravelPayload {{ travel {{ id start end timezone hours holidays
                                    visitedRegion {{ country subdivision }} person {{ id }} }}
                          person {{ {PERSON_AWAY} }} {MOVED} }}
  {FAILURES}
"""

ADD_TRAVEL = f"""
mutation($input: AddTravelInput!) {{ addTravel(input: $input) {{ {TRAVEL_RESULT} }} }}"""
UPDATE_TRAVEL = f"""
mutation($input: UpdateTravelInput!) {{ updateTravel(input: $input) {{ {TRAVEL_RESULT} }} }}"""
REMOVE_TRAVEL = f"""
mutation($id: ID!) {{ removeTravel(id: $id) {{
  ... on RemoveTravelPayload {{ removedId person {{ {PERSON_AWAY} }} {MOVED} }}
  {FAILURES}
}} }}"""

PERSON_Q = f"""
query($id: ID!, $at: DateTime) {{
  person(id: $id) {{ ... on PersonPayload {{ person {{
    {PERSON_AWAY} atTimezone: timezone(at: $at) atLocal: localTime(at: $at)
  }} }} }}
}}"""

DELEGATION_FIELDS = """
  id state start end openHandoffs handBack startedAt endedAt timeOff { start end }
  person { id } delegate { id name } delegateTeam { id name } handled { id status receiver { id } }
"""

DELEGATION_RESULT = f"""
  __typename
  ... on DelegationPayload {{ delegation {{ {DELEGATION_FIELDS} }} person {{ id }}
                              moved {{ id receiver {{ id }} }} }}
  {ERRORS}
  ... on Conflict {{ message }}
"""

SET_DELEGATION = f"""
mutation($input: SetDelegationInput!) {{ setDelegation(input: $input) {{ {DELEGATION_RESULT} }} }}"""
END_DELEGATION = f"""
mutation($id: ID!) {{ endDelegation(personId: $id) {{ {DELEGATION_RESULT} }} }}"""

ADD_TIME_OFF_WITH = """
mutation($id: ID!, $start: Date!, $end: Date!, $delegation: DelegateInput) {
  addTimeOff(personId: $id, start: $start, end: $end, delegation: $delegation) {
    __typename
    ... on PersonPayload { person { id delegation { id start end state timeOff { start end }
                                                    delegate { id } openHandoffs handBack } } }
    ... on ValidationError { field message }
    ... on NotFound { id message }
  }
}"""

HANDOFF_AWAY = HANDOFF_FIELDS + " addressedTo { id name } delegatedVia { id name } "

HANDOFF_Q = f"""
query($id: ID!) {{ node(id: $id) {{ ... on Handoff {{ {HANDOFF_AWAY}
  history {{ type summary }} }} }} }}"""

CREATE = f"""
mutation($input: CreateHandoffInput!) {{
  createHandoff(input: $input) {{
    __typename
    ... on CreateHandoffPayload {{ created handoff {{ {HANDOFF_AWAY} }} }}
    {ERRORS}
    ... on Conflict {{ message }}
  }}
}}"""

DEACTIVATE = f"""
mutation($input: DeactivatePersonInput!) {{
  deactivatePerson(input: $input) {{
    __typename
    ... on DeactivatePersonPayload {{
      person {{ id status deactivatedAt }}
      reassigned {{ {HANDOFF_AWAY} }}
      teamsLeft {{ id name }}
    }}
    {ERRORS}
    ... on Conflict {{ message }}
  }}
}}"""

ERASE = f"""
mutation($id: ID!) {{
  erasePerson(id: $id) {{
    __typename
    ... on ErasePersonPayload {{ person {{ id name handle email timezone status erasedAt }}
                                 handoffsSent handoffsReceived }}
    {ERRORS}
    ... on Conflict {{ message }}
  }}
}}"""


async def call(gql: Any, query: str, field: str, **variables: Any) -> dict[str, Any]:
    """The union value of `field` (any type: tests check __typename)."""
    return dict((await gql(query, variables))[field])


async def rows(db_url: str, sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows of a plain SQL query, as dicts (for checking what is stored)."""
    async with await psycopg.AsyncConnection.connect(db_url) as conn:
        cur = conn.cursor(row_factory=psycopg.rows.dict_row)
        await cur.execute(sql, args)
        return list(await cur.fetchall())


async def count(db_url: str, table: str) -> int:
    found = await rows(db_url, f"SELECT count(*) AS n FROM {table}")
    return int(found[0]["n"])


async def snapshot(db_url: str) -> dict[str, Any]:
    """What a refused change must leave as it was: row counts and people's patterns."""
    tables = ("travel_periods", "delegations", "follow_ups", "events", "handoffs")
    out: dict[str, Any] = {t: await count(db_url, t) for t in tables}
    out["people"] = await rows(
        db_url,
        "SELECT id, working_pattern, deactivated_at, updated_at FROM people ORDER BY id",
    )
    out["follow_up_versions"] = await rows(
        db_url, "SELECT id, version, state, due_at FROM follow_ups ORDER BY id"
    )
    return out


@asynccontextmanager
async def worker(db_url: str, redis_url: str, clock: ManualClock) -> AsyncIterator[Any]:
    """`await tick()` runs the delivery engine for what is due by the clock."""
    async with engine(db_url, redis_url) as (pool, redis, settings):

        async def tick() -> int:
            return await run_due(pool, redis, clock, settings)

        yield tick
