"""Shared GraphQL documents, factories and SQL helpers for the API integration tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from handoff import ids

AMS = "Europe/Amsterdam"
NYC = "America/New_York"
KOLKATA = "Asia/Kolkata"
SYDNEY = "Australia/Sydney"
WEEKDAYS = {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
MON_TO_THU = {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu")}

PERSON_FIELDS = """
  id name handle email timezone localTime isWorkingNow nextReachableAt createdAt
  workingPattern {
    timezone
    weekly { mon tue wed thu fri sat sun }
    holidays { country subdivision }
    timeOff { start end reason }
    overrides { date intervals }
  }
  deliveryPolicy { focusBlocks { mon tue wed thu fri sat sun } digestTimes }
"""

ERRORS = """
  ... on ValidationError { field message }
  ... on NotFound { id message }
"""

PERSON_RESULT = f"""
  __typename
  ... on PersonPayload {{ person {{ {PERSON_FIELDS} }} }}
  {ERRORS}
"""

CREATE_PERSON = f"""
mutation($input: CreatePersonInput!) {{ createPerson(input: $input) {{ {PERSON_RESULT} }} }}"""

UPDATE_PERSON = f"""
mutation($input: UpdatePersonInput!) {{ updatePerson(input: $input) {{ {PERSON_RESULT} }} }}"""

SET_WORKING_PATTERN = f"""
mutation($id: ID!, $pattern: WorkingPatternInput!) {{
  setWorkingPattern(personId: $id, pattern: $pattern) {{ {PERSON_RESULT} }}
}}"""

SET_DELIVERY_POLICY = f"""
mutation($id: ID!, $policy: DeliveryPolicyInput!) {{
  setDeliveryPolicy(personId: $id, policy: $policy) {{ {PERSON_RESULT} }}
}}"""

ADD_TIME_OFF = f"""
mutation($id: ID!, $start: Date!, $end: Date!, $reason: String) {{
  addTimeOff(personId: $id, start: $start, end: $end, reason: $reason) {{ {PERSON_RESULT} }}
}}"""

REMOVE_TIME_OFF = f"""
mutation($id: ID!, $start: Date!, $end: Date!) {{
  removeTimeOff(personId: $id, start: $start, end: $end) {{ {PERSON_RESULT} }}
}}"""

PERSON = f"""
query($id: ID!) {{ person(id: $id) {{ {PERSON_RESULT} }} }}"""

TEAM_RESULT = f"""
  __typename
  ... on TeamPayload {{ team {{ id name routing members {{ id name }} }} }}
  {ERRORS}
"""

CREATE_TEAM = f"""
mutation($input: CreateTeamInput!) {{ createTeam(input: $input) {{ {TEAM_RESULT} }} }}"""

ADD_TEAM_MEMBER = f"""
mutation($team: ID!, $person: ID!) {{
  addTeamMember(teamId: $team, personId: $person) {{ {TEAM_RESULT} }}
}}"""

REMOVE_TEAM_MEMBER = f"""
mutation($team: ID!, $person: ID!) {{
  removeTeamMember(teamId: $team, personId: $person) {{ {TEAM_RESULT} }}
}}"""

WORK_ITEM_FIELDS = """
  id title description status createdAt holder { id name }
  handoffs { id status }
"""

CREATE_WORK_ITEM = f"""
mutation($input: CreateWorkItemInput!) {{
  createWorkItem(input: $input) {{
    __typename
    ... on WorkItemPayload {{ workItem {{ {WORK_ITEM_FIELDS} }} }}
    {ERRORS}
  }}
}}"""

HANDOFF_FIELDS = """
  id status createdAt deliverAt respondBy expectResponseWithin explanation
  maxReminders remindersSent deliveredAt acknowledgedAt completedAt returnedAt returnNote
  cancelledAt escalatedAt
  note { summary done next openQuestions }
  sender { id name }
  receiver { id name }
  team { id name }
  workItem { id title status holder { id name } }
  followUps { id kind state dueAt explanation person { id name } }
"""

CREATE_HANDOFF = f"""
mutation($input: CreateHandoffInput!) {{
  createHandoff(input: $input) {{
    __typename
    ... on CreateHandoffPayload {{ created handoff {{ {HANDOFF_FIELDS} }} }}
    {ERRORS}
    ... on Conflict {{ message }}
  }}
}}"""

HANDOFF_RESULT = f"""
  __typename
  ... on HandoffPayload {{ handoff {{ {HANDOFF_FIELDS} }} }}
  {ERRORS}
  ... on Conflict {{ message }}
"""

ACKNOWLEDGE = f"mutation($id: ID!) {{ acknowledgeHandoff(id: $id) {{ {HANDOFF_RESULT} }} }}"
COMPLETE = f"mutation($id: ID!) {{ completeHandoff(id: $id) {{ {HANDOFF_RESULT} }} }}"
CANCEL = f"mutation($id: ID!) {{ cancelHandoff(id: $id) {{ {HANDOFF_RESULT} }} }}"
RETURN = f"""
mutation($id: ID!, $note: String!) {{ returnHandoff(id: $id, note: $note) {{ {HANDOFF_RESULT} }} }}
"""
REASSIGN = f"""
mutation($id: ID!, $person: ID, $team: ID) {{
  reassignHandoff(id: $id, toPersonId: $person, toTeamId: $team) {{ {HANDOFF_RESULT} }}
}}"""

NODE = """
query($id: ID!) {
  node(id: $id) {
    __typename id
    ... on Person { name }
    ... on Team { name }
    ... on WorkItem { title }
    ... on Handoff { status note { summary } }
  }
}"""

HANDOFF = f"""
query($id: ID!) {{ node(id: $id) {{ ... on Handoff {{ {HANDOFF_FIELDS} }} }} }}"""

WORK_ITEM = f"""
query($id: ID!) {{ node(id: $id) {{ ... on WorkItem {{ {WORK_ITEM_FIELDS} }} }} }}"""

TEAM = """
query($id: ID!) { node(id: $id) { ... on Team { id name routing members { id name } } } }"""

PREVIEW = f"""
query($input: CreateHandoffInput!) {{
  previewHandoff(input: $input) {{
    __typename
    ... on HandoffPreview {{ deliverAt respondBy explanation receiver {{ id name }}
                             team {{ id name }} }}
    {ERRORS}
    ... on Conflict {{ message }}
  }}
}}"""

INBOX = """
query($id: ID!, $first: Int, $after: String) {
  inbox(personId: $id, first: $first, after: $after) {
    nodes { id deliveredAt note { summary } }
    pageInfo { hasNextPage endCursor }
  }
}"""

AVAILABILITY = f"""
query($id: ID!, $from: DateTime!, $to: DateTime!) {{
  availability(personId: $id, from: $from, to: $to) {{
    __typename
    ... on Availability {{ workingTime person {{ id }}
                           windows {{ start end startLocal endLocal }} }}
    {ERRORS}
  }}
}}"""


def unknown_id(type_name: str, pk: int = 987_654) -> str:
    """A valid-looking global ID of a row that does not exist."""
    return ids.encode(type_name, pk)


def pk(global_id: str) -> int:
    """The row id behind a global ID."""
    return ids.decode(global_id)[1]


def note(summary: str = "Draft ready", **extra: Any) -> dict[str, Any]:
    return {"summary": summary, **extra}


async def ok(gql: Any, query: str, variables: dict[str, Any], field: str, typename: str) -> dict:
    """Run a mutation/query whose union result must be `typename`; returns that value."""
    result = (await gql(query, variables))[field]
    assert result["__typename"] == typename, result
    return result


async def create_person(
    gql: Any,
    name: str,
    timezone: str = AMS,
    weekly: dict[str, list[str]] | None = None,
    **extra: Any,
) -> dict:
    """Create a person (Mon-Fri 09-17 unless `weekly` is given); returns the Person."""
    data: dict[str, Any] = {"name": name, "handle": name.lower(), "timezone": timezone, **extra}
    if weekly is not None:
        data["workingPattern"] = {"weekly": weekly, **data.pop("pattern_extra", {})}
    result = await ok(gql, CREATE_PERSON, {"input": data}, "createPerson", "PersonPayload")
    return result["person"]


async def create_team(
    gql: Any, name: str, members: list[dict], routing: str = "FOLLOW_THE_SUN"
) -> dict:
    result = await ok(
        gql,
        CREATE_TEAM,
        {"input": {"name": name, "routing": routing, "memberIds": [m["id"] for m in members]}},
        "createTeam",
        "TeamPayload",
    )
    return result["team"]


async def create_work_item(gql: Any, title: str, holder: dict | None = None) -> dict:
    data: dict[str, Any] = {"title": title}
    if holder is not None:
        data["holderId"] = holder["id"]
    result = await ok(gql, CREATE_WORK_ITEM, {"input": data}, "createWorkItem", "WorkItemPayload")
    return result["workItem"]


def handoff_input(
    sender: dict,
    to: dict | None = None,
    *,
    team: dict | None = None,
    item: dict | None = None,
    title: str = "Release notes",
    **extra: Any,
) -> dict[str, Any]:
    data: dict[str, Any] = {"senderId": sender["id"], "note": extra.pop("note", note())}
    if to is not None:
        data["toPersonId"] = to["id"]
    if team is not None:
        data["toTeamId"] = team["id"]
    if item is not None:
        data["workItemId"] = item["id"]
    else:
        data["newWorkItem"] = {"title": title}
    return data | extra


async def create_handoff(gql: Any, sender: dict, to: dict | None = None, **kw: Any) -> dict:
    """Create a handoff that must succeed; returns the Handoff."""
    result = await ok(
        gql,
        CREATE_HANDOFF,
        {"input": handoff_input(sender, to, **kw)},
        "createHandoff",
        "CreateHandoffPayload",
    )
    assert result["created"] is True
    return result["handoff"]


async def sql(db_url: str, statement: str, params: Any = None) -> list[tuple]:
    """Run one statement on the test database (autocommit); rows when it returns any."""
    async with await psycopg.AsyncConnection.connect(db_url, autocommit=True) as conn:
        cur = await conn.execute(statement, params)  # type: ignore[arg-type]
        return list(await cur.fetchall()) if cur.description else []


TABLES = ("people", "teams", "team_members", "work_items", "handoffs", "follow_ups", "events")


async def counts(db_url: str) -> dict[str, int]:
    """Rows per table, to assert that a rejected or idempotent call wrote nothing."""
    query = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in TABLES)
    return {name: n for name, n in await sql(db_url, query)}


async def snapshot(db_url: str) -> list[tuple]:
    """Every row of the domain tables, to assert that nothing changed at all."""
    found: list[tuple] = []
    async with await psycopg.AsyncConnection.connect(db_url, autocommit=True) as conn:
        for table in TABLES:
            cur = await conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2")  # type: ignore[arg-type]
            found += [(table, *r) for r in await cur.fetchall()]
    return found


async def mark_delivered(db_url: str, handoff: dict, at: datetime) -> None:
    """Put a handoff in DELIVERED as the delivery worker would.

    Only the delivery worker (handoff/jobs, tested elsewhere) moves a handoff to
    DELIVERED; these API tests set the state directly, as the worker leaves it (the
    DELIVERY follow-up DONE, a REMINDER pending at respondBy), to exercise what follows.
    """
    hid = pk(handoff["id"])
    await sql(
        db_url,
        "UPDATE handoffs SET status = 'DELIVERED', delivered_at = %s WHERE id = %s",
        (at, hid),
    )
    await sql(
        db_url,
        "UPDATE follow_ups SET state = 'DONE', handled_at = %s"
        " WHERE handoff_id = %s AND kind = 'DELIVERY'",
        (at, hid),
    )
    await sql(
        db_url,
        "INSERT INTO follow_ups (workspace_id, handoff_id, person_id, kind, due_at, created_at)"
        " SELECT workspace_id, id, receiver_id, 'REMINDER', coalesce(respond_by, deliver_at), %s"
        " FROM handoffs WHERE id = %s",
        (at, hid),
    )


async def event_types(db_url: str, handoff: dict) -> list[str]:
    rows = await sql(
        db_url, "SELECT type FROM events WHERE handoff_id = %s ORDER BY id", (pk(handoff["id"]),)
    )
    return [r[0] for r in rows]
