"""People leaving, in PostgreSQL: deactivation and erasure.

Erasure works table by table: `find_<table>` reads the workspace's rows that may hold
the person's data, the caller's scrubber rewrites them, `write_<table>` stores the
rewritten ones (one statement per table).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from handoff.storage.models import Person
from handoff.storage.queries import Queries
from handoff.storage.run import Conn, Row, execute, one, rows

Q = Queries("leaving")

# The tables erasure rewrites, in the order it does so.
SCRUBBED = (
    "handoffs",
    "work_items",
    "follow_ups",
    "events",
    "teams",
    "tokens",
    "webhook_endpoints",
    "webhook_endpoint_records",
    "webhook_deliveries",
    "webhook_attempts",
    "urgent_handoffs",
    "replies",
)


async def deactivate(
    conn: Conn, ws: int, person_id: int, now: datetime, successor_id: int | None = None
) -> Person | None:
    """Mark a person deactivated, with who took over their work; None when they already
    were."""
    params = {"workspace_id": ws, "id": person_id, "now": now, "successor_id": successor_id}
    return await one(conn, Q.deactivate, params, Person.from_row)


async def leave_teams(conn: Conn, ws: int, person_id: int) -> list[int]:
    """Take a person out of every team; the teams they were in."""
    found = await rows(conn, Q.leave_teams, {"workspace_id": ws, "person_id": person_id})
    return sorted(r["team_id"] for r in found)


async def cancel_member_deliveries(conn: Conn, ws: int, person_id: int, now: datetime) -> int:
    """Cancel pending deliveries to a person who does not hold the handoff (ALL teams)."""
    params = {"workspace_id": ws, "person_id": person_id, "now": now}
    return await execute(conn, Q.cancel_member_deliveries, params)


async def revoke_tokens(conn: Conn, ws: int, person_id: int, now: datetime) -> int:
    """Revoke every live token acting as the person."""
    params = {"workspace_id": ws, "person_id": person_id, "now": now}
    return await execute(conn, Q.revoke_tokens, params)


async def tombstone(
    conn: Conn,
    ws: int,
    person_id: int,
    *,
    name: str,
    handle: str,
    timezone: str,
    working_pattern: dict[str, Any],
    delivery_policy: dict[str, Any],
    now: datetime,
) -> Person:
    """Replace the person's own data (name, handle, email, zone, hours) and mark them erased."""
    params = {
        "workspace_id": ws,
        "id": person_id,
        "name": name,
        "handle": handle,
        "timezone": timezone,
        "working_pattern": Jsonb(working_pattern),
        "delivery_policy": Jsonb(delivery_policy),
        "now": now,
    }
    found = await one(conn, Q.tombstone, params, Person.from_row)
    assert found is not None
    return found


@dataclass(frozen=True)
class OwnHandoffs:
    """Ids of the handoffs a person sent, and of those they returned (with a note)."""

    sent: list[int]
    returned: list[int]


async def find_own_handoffs(conn: Conn, ws: int, person_id: int) -> OwnHandoffs:
    """The handoffs whose notes the person wrote."""
    found = await rows(conn, Q.own_handoffs, {"workspace_id": ws, "person_id": person_id})
    return OwnHandoffs(
        [r["id"] for r in found if r["sent"]], [r["id"] for r in found if r["returned"]]
    )


async def names_in_events(conn: Conn, ws: int, global_id: str) -> list[tuple[str, str]]:
    """(name, handle) pairs the person went by, as events show them."""
    params = {"workspace_id": ws, "global_id": global_id}
    return [(r["name"], r["handle"]) for r in await rows(conn, Q.names_in_events, params)]


def like_patterns(needles: list[str]) -> list[str]:
    """ILIKE patterns that find any of `needles` inside a text."""
    escaped = (n.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for n in needles)
    return [f"%{n}%" for n in escaped]


async def scrub(
    conn: Conn,
    ws: int,
    table: str,
    person_id: int,
    needles: list[str],
    rewrite: Callable[[Row], Row | None],
) -> int:
    """Rewrite the rows of `table` (one of SCRUBBED) that may hold the person's data;
    `rewrite` returns a row's new values, or None to leave it. Returns rows rewritten."""
    params: dict[str, Any] = {
        "workspace_id": ws,
        "person_id": person_id,
        "likes": like_patterns(needles),
    }
    changed = [
        new
        for row in await rows(conn, getattr(Q, f"find_{table}"), params)
        if (new := rewrite(row))
    ]
    if changed:
        payload = json.dumps(changed, default=str)
        await execute(conn, getattr(Q, f"write_{table}"), {"workspace_id": ws, "rows": payload})
    return len(changed)
