"""Teams in PostgreSQL: their members and the round-robin position."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from handoff.states import Routing
from handoff.storage.models import Person, Team
from handoff.storage.queries import Queries
from handoff.storage.run import Conn, Ids, execute, many, one, rows, scalar

Q = Queries("teams")


async def insert(conn: Conn, ws: int, name: str, routing: Routing, now: datetime) -> Team | None:
    """A new team; None when the name is taken in the workspace."""
    params = {"workspace_id": ws, "name": name, "routing": routing, "now": now}
    return await one(conn, Q.insert, params, Team.from_row)


async def get(conn: Conn, ws: int, team_id: int) -> Team | None:
    """The team, or None outside the workspace."""
    return await one(conn, Q.get, {"workspace_id": ws, "id": team_id}, Team.from_row)


async def by_ids(conn: Conn, ws: int, ids: Sequence[int]) -> list[Team]:
    """The workspace's teams among `ids`."""
    return await many(conn, Q.by_ids, {"workspace_id": ws, "ids": Ids(ids)}, Team.from_row)


async def by_ids_any_workspace(conn: Conn, ids: Sequence[int]) -> list[Team]:
    """Teams by id whatever their workspace (for the worker)."""
    return await many(conn, Q.by_ids_any_workspace, {"ids": Ids(ids)}, Team.from_row)


async def page(conn: Conn, ws: int, after_id: int, limit: int) -> list[Team]:
    """Up to `limit` teams after row id `after_id`, by id."""
    params = {"workspace_id": ws, "after_id": after_id, "limit": limit}
    return await many(conn, Q.page, params, Team.from_row)


async def count(conn: Conn, ws: int) -> int:
    """How many teams the workspace has."""
    return int(await scalar(conn, Q.count, {"workspace_id": ws}))


async def advance_round_robin(conn: Conn, ws: int, team_id: int) -> int:
    """The team's round-robin position, advanced by one under the team row's lock."""
    return int(await scalar(conn, Q.advance_round_robin, {"workspace_id": ws, "id": team_id}) or 0)


async def member_ids(conn: Conn, ws: int, team_ids: Sequence[int]) -> dict[int, list[int]]:
    """Member person ids of each team, by person id."""
    params = {"workspace_id": ws, "team_ids": Ids(team_ids)}
    groups: dict[int, list[int]] = defaultdict(list)
    for row in await rows(conn, Q.member_ids, params):
        groups[row["team_id"]].append(row["person_id"])
    return groups


async def members_for_routing(conn: Conn, ws: int, team_id: int) -> list[Person]:
    """A team's members by id, locked FOR SHARE until the caller's transaction ends."""
    params = {"workspace_id": ws, "team_id": team_id}
    return await many(conn, Q.members_for_share, params, Person.from_row)


async def active_members(conn: Conn, ws: int, team_id: int) -> list[Person]:
    """A team's active members by id, read without locks (empty for a team the workspace
    lacks: `get` tells the two apart)."""
    params = {"workspace_id": ws, "team_id": team_id}
    return await many(conn, Q.active_members, params, Person.from_row)


async def add_member(conn: Conn, ws: int, team_id: int, person_id: int, now: datetime) -> None:
    """Add a member (nothing happens when they already are one)."""
    params = {"workspace_id": ws, "team_id": team_id, "person_id": person_id, "now": now}
    await execute(conn, Q.add_member, params)


async def remove_member(conn: Conn, ws: int, team_id: int, person_id: int) -> bool:
    """Remove a member; False when they were not one."""
    params = {"workspace_id": ws, "team_id": team_id, "person_id": person_id}
    return await execute(conn, Q.remove_member, params) > 0
