"""Workspaces (tenants) in PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from handoff.storage.models import Workspace
from handoff.storage.queries import Queries
from handoff.storage.run import Conn, one

Q = Queries("workspaces")


async def ensure(conn: Conn, name: str, now: datetime, reminders: int = 1) -> Workspace:
    """The workspace called `name`, created (with `reminders` before escalation) if needed."""
    params = {"name": name, "reminders": reminders, "now": now}
    workspace = await one(conn, Q.upsert, params, Workspace.from_row)
    assert workspace is not None
    return workspace


async def get(conn: Conn, ws: int) -> Workspace | None:
    """The workspace with id `ws`."""
    return await one(conn, Q.get, {"workspace_id": ws}, Workspace.from_row)


async def set_reminders(conn: Conn, ws: int, reminders: int) -> Workspace | None:
    """Set the reminders a new handoff gets before it escalates."""
    params = {"workspace_id": ws, "reminders": reminders}
    return await one(conn, Q.set_reminders, params, Workspace.from_row)
