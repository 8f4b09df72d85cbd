"""Reads that every service needs: an object of the caller's workspace, or NotFound.

This module imports no other service, so any service may use it.
"""

from __future__ import annotations

from collections.abc import Mapping

from handoff.services.errors import Conflict, NotFound
from handoff.storage import handoffs, people, teams, work_items
from handoff.storage.models import Handoff, Person, Team, WorkItem
from handoff.storage.run import Conn


async def person(
    conn: Conn, ws: int, person_id: int, *, lock: bool = False, share: bool = False
) -> Person:
    """The person (locked FOR UPDATE with `lock`, FOR SHARE with `share`), or NotFound
    (also for another workspace's person)."""
    found = await people.get(conn, ws, person_id, lock=lock, share=share)
    if found is None:
        raise NotFound("Person", person_id)
    return found


def taken_over_by(left: Person, known: Mapping[int, Person], hops: int = 10) -> Person | None:
    """Who took over the work of `left`, who left: their successor, or, when that one left
    too, theirs (people not in `known` end the search); None when nobody did."""
    at = left
    for _ in range(hops):
        if at.successor_id is None or at.successor_id not in known:
            return None
        at = known[at.successor_id]
        if at.deactivated_at is None:
            return at
    return None


async def successor(conn: Conn, ws: int, left: Person, hops: int = 10) -> Person | None:
    """Who took over the work of `left` (their successor, or theirs when that one left
    too); None for someone still here, or when nobody did."""
    chain: dict[int, Person] = {}
    at = left
    while at.deactivated_at is not None and at.successor_id is not None and len(chain) < hops:
        if at.successor_id in chain:
            break  # a loop of people who all left
        found = await person(conn, ws, at.successor_id)
        chain[found.id] = at = found
    return taken_over_by(left, chain, hops)


def require_active(person: Person, what: str) -> Person:
    """`person` when they have not left; Conflict (saying `what` is refused) otherwise."""
    if person.deactivated_at is not None:
        left = person.deactivated_at.date().isoformat()
        raise Conflict(f"{person.name} was deactivated on {left}: {what}")
    return person


async def team(conn: Conn, ws: int, team_id: int) -> Team:
    """The team, or NotFound."""
    found = await teams.get(conn, ws, team_id)
    if found is None:
        raise NotFound("Team", team_id)
    return found


async def work_item(conn: Conn, ws: int, item_id: int, *, lock: bool = False) -> WorkItem:
    """The work item (locked FOR UPDATE with `lock`), or NotFound."""
    found = await work_items.get(conn, ws, item_id, lock=lock)
    if found is None:
        raise NotFound("WorkItem", item_id)
    return found


async def handoff(conn: Conn, ws: int, handoff_id: int, *, lock: bool = False) -> Handoff:
    """The handoff (locked FOR UPDATE with `lock`), or NotFound."""
    found = await handoffs.get(conn, ws, handoff_id, lock=lock)
    if found is None:
        raise NotFound("Handoff", handoff_id)
    return found


async def team_members(conn: Conn, ws: int, team_id: int) -> list[Person]:
    """A team's members, by id, locked FOR SHARE until the caller's transaction ends."""
    return await teams.members_for_routing(conn, ws, team_id)


async def team_members_to_read(conn: Conn, ws: int, team_id: int) -> list[Person]:
    """A team's active members by id, read without locks (for answers, not routing): one
    statement, and a second only for a team of none, to tell it from NotFound."""
    members = await teams.active_members(conn, ws, team_id)
    if not members:
        await team(conn, ws, team_id)
    return members
