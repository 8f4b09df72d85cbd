"""Work items: the unit of work that travels."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

from handoff.services.errors import Invalid
from handoff.services.people import get_person
from handoff.storage.models import WorkItem
from handoff.storage.run import one


async def create_work_item(
    conn: AsyncConnection[Any],
    ws: int,
    now: datetime,
    title: str,
    description: str = "",
    holder_id: int | None = None,
) -> WorkItem:
    """Create a work item, optionally held by someone."""
    title = title.strip()
    if not 1 <= len(title) <= 500:
        raise Invalid("title", "title must be 1 to 500 characters")
    if holder_id is not None:
        await get_person(conn, ws, holder_id)
    item = await one(
        conn,
        "work_item_insert",
        {
            "workspace_id": ws,
            "title": title,
            "description": description,
            "holder_id": holder_id,
            "now": now,
        },
        WorkItem.from_row,
    )
    assert item is not None
    return item
