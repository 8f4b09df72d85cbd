"""Teams and their members."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

from handoff.services.errors import Invalid, NotFound
from handoff.services.handoffs import get_team
from handoff.services.people import get_person
from handoff.storage.models import Team
from handoff.storage.run import execute, one

ROUTINGS = ("FOLLOW_THE_SUN", "ROUND_ROBIN", "ALL")
MAX_MEMBERS_AT_CREATION = 100


async def create_team(
    conn: AsyncConnection[Any],
    ws: int,
    now: datetime,
    name: str,
    routing: str = "FOLLOW_THE_SUN",
    member_ids: list[int] | None = None,
) -> Team:
    """Create a team, optionally with members."""
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise Invalid("name", "name must be 1 to 200 characters")
    if routing not in ROUTINGS:
        raise Invalid("routing", f"routing {routing!r} must be one of {', '.join(ROUTINGS)}")
    member_ids = member_ids or []
    if len(set(member_ids)) > MAX_MEMBERS_AT_CREATION:
        raise Invalid(
            "memberIds",
            f"at most {MAX_MEMBERS_AT_CREATION} members at creation; add more with addTeamMember",
        )
    team = await one(
        conn,
        "team_insert",
        {"workspace_id": ws, "name": name, "routing": routing, "now": now},
        Team.from_row,
    )
    if team is None:
        raise Invalid("name", f"a team called {name!r} already exists")
    seen: set[int] = set()
    for i, person_id in enumerate(member_ids):
        if person_id in seen:
            continue
        seen.add(person_id)
        try:
            await add_member(conn, ws, now, team.id, person_id)
        except NotFound as e:
            raise Invalid(f"memberIds.{i}", e.message) from None
    return team


async def add_member(
    conn: AsyncConnection[Any], ws: int, now: datetime, team_id: int, person_id: int
) -> Team:
    """Add a person to a team (no-op when already a member)."""
    team = await get_team(conn, ws, team_id)
    await get_person(conn, ws, person_id)
    await execute(
        conn,
        "team_member_add",
        {"workspace_id": ws, "team_id": team_id, "person_id": person_id, "now": now},
    )
    return team


async def remove_member(
    conn: AsyncConnection[Any], ws: int, now: datetime, team_id: int, person_id: int
) -> Team:
    """Remove a person from a team; NotFound when they are not a member."""
    team = await get_team(conn, ws, team_id)
    removed = await execute(
        conn, "team_member_remove", {"workspace_id": ws, "team_id": team_id, "person_id": person_id}
    )
    if not removed:
        raise NotFound("TeamMember", person_id)
    return team
