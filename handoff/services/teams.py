"""Teams and their members."""

from __future__ import annotations

from datetime import datetime

from handoff.services import lookups
from handoff.services.errors import Invalid, NotFound
from handoff.services.rights import Actor, Right, require
from handoff.services.text import trimmed
from handoff.states import Routing
from handoff.storage import teams
from handoff.storage.models import Team
from handoff.storage.run import Conn

MAX_MEMBERS_AT_CREATION = 100


async def create_team(
    conn: Conn,
    ws: int,
    now: datetime,
    name: str,
    routing: Routing = Routing.FOLLOW_THE_SUN,
    member_ids: list[int] | None = None,
    actor: Actor | None = None,
) -> Team:
    """Create a team, optionally with members."""
    require(actor, Right.ADMINISTER)
    name = trimmed(name)
    if not 1 <= len(name) <= 200:
        raise Invalid("name", "name must be 1 to 200 characters")
    try:
        routing = Routing(routing)
    except ValueError:
        choices = ", ".join(Routing)
        raise Invalid("routing", f"routing {routing!r} must be one of {choices}") from None
    member_ids = member_ids or []
    if len(set(member_ids)) > MAX_MEMBERS_AT_CREATION:
        raise Invalid(
            "memberIds",
            f"at most {MAX_MEMBERS_AT_CREATION} members at creation; add more with addTeamMember",
        )
    team = await teams.insert(conn, ws, name, routing, now)
    if team is None:
        raise Invalid("name", f"a team called {name!r} already exists")
    seen: set[int] = set()
    for i, person_id in enumerate(member_ids):
        if person_id in seen:
            continue
        seen.add(person_id)
        try:
            await add_member(conn, ws, now, team.id, person_id)
        except (NotFound, Invalid) as e:
            raise Invalid(f"memberIds.{i}", e.message) from None
    return team


async def add_member(
    conn: Conn, ws: int, now: datetime, team_id: int, person_id: int, actor: Actor | None = None
) -> Team:
    """Add a person to a team (no-op when already a member)."""
    require(actor, Right.ADMINISTER)
    team = await lookups.team(conn, ws, team_id)
    # FOR SHARE: a deactivation (FOR UPDATE, then leaving every team) either waits for this
    # membership and removes it, or commits first and is seen here
    person = await lookups.person(conn, ws, person_id, share=True)
    if person.deactivated_at is not None:
        raise Invalid("personId", f"{person.name} was deactivated and cannot join a team")
    await teams.add_member(conn, ws, team_id, person_id, now)
    return team


async def remove_member(
    conn: Conn, ws: int, now: datetime, team_id: int, person_id: int, actor: Actor | None = None
) -> Team:
    """Remove a person from a team; NotFound when they are not a member."""
    require(actor, Right.ADMINISTER)
    team = await lookups.team(conn, ws, team_id)
    if not await teams.remove_member(conn, ws, team_id, person_id):
        person = await lookups.person(conn, ws, person_id)  # NotFound for nobody's ID
        # the person's own ID: the schema has no type for a membership
        raise NotFound("Person", person_id, f"{person.name} is not a member of {team.name}")
    return team
