"""Workspace-wide settings."""

from __future__ import annotations

from datetime import datetime

from handoff.services.errors import Invalid
from handoff.services.rights import Actor, Right, require
from handoff.storage import workspaces
from handoff.storage.models import Workspace
from handoff.storage.run import Conn

MAX_REMINDERS = 20


async def set_reminders(
    conn: Conn, ws: int, now: datetime, reminders: int, actor: Actor | None = None
) -> Workspace:
    """How many reminders a handoff gets before it escalates, unless it says otherwise.

    Applies to handoffs created from now on; existing ones keep the count they were
    created with.
    """
    require(actor, Right.ADMINISTER)
    if not 0 <= reminders <= MAX_REMINDERS:
        raise Invalid(
            "remindersBeforeEscalation",
            f"remindersBeforeEscalation must be between 0 and {MAX_REMINDERS}, got {reminders}",
        )
    workspace = await workspaces.set_reminders(conn, ws, reminders)
    assert workspace is not None
    return workspace
