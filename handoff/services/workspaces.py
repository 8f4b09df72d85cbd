"""Workspace-wide settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

from handoff.services.errors import Invalid
from handoff.storage.models import Workspace
from handoff.storage.run import one

MAX_REMINDERS = 20


async def set_reminders(
    conn: AsyncConnection[Any], ws: int, now: datetime, reminders: int
) -> Workspace:
    """How many reminders a handoff gets before it escalates, unless it says otherwise.

    Applies to handoffs created from now on; existing ones keep the count they were
    created with.
    """
    if not 0 <= reminders <= MAX_REMINDERS:
        raise Invalid(
            "remindersBeforeEscalation",
            f"remindersBeforeEscalation must be between 0 and {MAX_REMINDERS}, got {reminders}",
        )
    workspace = await one(
        conn,
        "workspace_set_reminders",
        {"workspace_id": ws, "reminders": reminders},
        Workspace.from_row,
    )
    assert workspace is not None
    return workspace
