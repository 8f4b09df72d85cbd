"""People in PostgreSQL: who they are and the engine dicts of when they work."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from psycopg.errors import UniqueViolation
from psycopg.types.json import Jsonb

from handoff.storage.models import Person
from handoff.storage.queries import Queries
from handoff.storage.run import Conn, Ids, many, one, scalar

Q = Queries("people")


class HandleTaken(Exception):
    """Another person of the workspace has this handle."""


async def insert(
    conn: Conn,
    ws: int,
    *,
    name: str,
    handle: str,
    email: str | None,
    timezone: str,
    working_pattern: dict[str, Any],
    delivery_policy: dict[str, Any],
    now: datetime,
) -> Person | None:
    """A new person; None when the handle is taken in the workspace."""
    return await one(
        conn,
        Q.insert,
        {
            "workspace_id": ws,
            "name": name,
            "handle": handle,
            "email": email,
            "timezone": timezone,
            "working_pattern": Jsonb(working_pattern),
            "delivery_policy": Jsonb(delivery_policy),
            "now": now,
        },
        Person.from_row,
    )


async def get(
    conn: Conn, ws: int, person_id: int, *, lock: bool = False, share: bool = False
) -> Person | None:
    """The person (locked FOR UPDATE with `lock`, FOR SHARE with `share`), or None outside
    the workspace."""
    sql = Q.get_for_update if lock else Q.get_for_share if share else Q.get
    return await one(conn, sql, {"workspace_id": ws, "id": person_id}, Person.from_row)


async def by_handle(conn: Conn, ws: int, handle: str) -> Person | None:
    """The workspace's person with this handle."""
    return await one(conn, Q.by_handle, {"workspace_id": ws, "handle": handle}, Person.from_row)


async def by_ids(conn: Conn, ws: int, ids: Sequence[int]) -> list[Person]:
    """The workspace's people among `ids`, in no particular order."""
    return await many(conn, Q.by_ids, {"workspace_id": ws, "ids": Ids(ids)}, Person.from_row)


async def by_ids_any_workspace(conn: Conn, ids: Sequence[int]) -> list[Person]:
    """People by id whatever their workspace (the worker's rows already name them)."""
    return await many(conn, Q.by_ids_any_workspace, {"ids": Ids(ids)}, Person.from_row)


async def page(conn: Conn, ws: int, after_id: int, limit: int) -> list[Person]:
    """Up to `limit` people after row id `after_id`, by id."""
    params = {"workspace_id": ws, "after_id": after_id, "limit": limit}
    return await many(conn, Q.page, params, Person.from_row)


async def count(conn: Conn, ws: int) -> int:
    """How many people the workspace has."""
    return int(await scalar(conn, Q.count, {"workspace_id": ws}))


async def update(
    conn: Conn,
    ws: int,
    person_id: int,
    *,
    name: str | None,
    handle: str | None,
    email: str | None,
    set_email: bool,
    now: datetime,
) -> Person | None:
    """Change name, handle or email (None keeps a field; email only with `set_email`).

    `HandleTaken` when another person of the workspace has the handle, also when they got
    it a moment ago in a transaction this one did not see; the caller's transaction goes
    on (the update runs in a savepoint)."""
    params = {
        "workspace_id": ws,
        "id": person_id,
        "name": name,
        "handle": handle,
        "email": email,
        "set_email": set_email,
        "now": now,
    }
    try:
        async with conn.transaction():
            return await one(conn, Q.update, params, Person.from_row)
    except UniqueViolation:
        raise HandleTaken(handle) from None


async def set_pattern(
    conn: Conn, ws: int, person_id: int, pattern: dict[str, Any], timezone: str, now: datetime
) -> Person | None:
    """Store a working pattern (the engine's dict) and its zone."""
    params = {
        "workspace_id": ws,
        "id": person_id,
        "working_pattern": Jsonb(pattern),
        "timezone": timezone,
        "now": now,
    }
    return await one(conn, Q.set_pattern, params, Person.from_row)


async def set_policy(
    conn: Conn, ws: int, person_id: int, policy: dict[str, Any], now: datetime
) -> Person | None:
    """Store a delivery policy (the engine's dict)."""
    params = {"workspace_id": ws, "id": person_id, "delivery_policy": Jsonb(policy), "now": now}
    return await one(conn, Q.set_policy, params, Person.from_row)
