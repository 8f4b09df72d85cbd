"""Work items: the unit of work that travels."""

from __future__ import annotations

from datetime import datetime

from handoff.services import lookups
from handoff.services.errors import Invalid
from handoff.services.rights import Actor, Right, require
from handoff.services.text import trimmed
from handoff.storage import work_items
from handoff.storage.models import WorkItem
from handoff.storage.run import Conn

MAX_TITLE = 500


def checked_title(title: str, field: str = "title") -> str:
    """A work item's title, stripped; Invalid on `field` when empty or too long."""
    title = trimmed(title)
    if not 1 <= len(title) <= MAX_TITLE:
        raise Invalid(field, f"title must be 1 to {MAX_TITLE} characters")
    return title


async def create_work_item(
    conn: Conn,
    ws: int,
    now: datetime,
    title: str,
    description: str = "",
    holder_id: int | None = None,
    actor: Actor | None = None,
) -> WorkItem:
    """Create a work item, optionally held by someone (by a person token: by itself)."""
    title = checked_title(title)
    if holder_id is not None:
        holder = await lookups.person(conn, ws, holder_id)
        require(actor, Right.OWN, field="holderId", person_id=holder_id)
        lookups.require_active(holder, "they cannot hold new work")
    return await work_items.insert(conn, ws, title, description, holder_id, now)
