"""Work items in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from handoff.states import WorkItemStatus
from handoff.storage.from_row import RowMaker
from handoff.storage.models import Person, WorkItem
from handoff.storage.queries import Queries
from handoff.storage.run import Conn, Ids, built, many, one, scalar

Q = Queries("work_items")


async def insert(
    conn: Conn, ws: int, title: str, description: str, holder_id: int | None, now: datetime
) -> WorkItem:
    """A new OPEN work item."""
    params = {
        "workspace_id": ws,
        "title": title,
        "description": description,
        "holder_id": holder_id,
        "now": now,
    }
    item = await one(conn, Q.insert, params, WorkItem.from_row)
    assert item is not None
    return item


async def get(conn: Conn, ws: int, item_id: int, *, lock: bool = False) -> WorkItem | None:
    """The work item (locked FOR UPDATE with `lock`), or None outside the workspace."""
    sql = Q.get_for_update if lock else Q.get
    return await one(conn, sql, {"workspace_id": ws, "id": item_id}, WorkItem.from_row)


async def by_ids(conn: Conn, ws: int, ids: Sequence[int]) -> list[WorkItem]:
    """The workspace's work items among `ids`."""
    return await many(conn, Q.by_ids, {"workspace_id": ws, "ids": Ids(ids)}, WorkItem.from_row)


async def by_ids_with_people(
    conn: Conn, ws: int, item_ids: Sequence[int], person_ids: Sequence[int]
) -> tuple[list[WorkItem], list[Person]]:
    """The workspace's work items among `item_ids` and people among `person_ids`, in one
    statement (a page of handoffs asks for both)."""
    params = {"workspace_id": ws, "items": Ids(item_ids), "people": Ids(person_ids)}
    found = await built(conn, Q.by_ids_with_people, params, _item_or_person, raw_json=True)
    items = [row for row in found if type(row) is WorkItem]
    return items, [row for row in found if type(row) is Person]


_PERSON = Person.row_factory()
_ITEM = WorkItem.row_factory("w_")


def _item_or_person(cursor: Any) -> RowMaker:
    person, item = _PERSON(cursor), _ITEM(cursor)
    return lambda values: person(values) if values[0] is not None else item(values)


async def by_ids_any_workspace(conn: Conn, ids: Sequence[int]) -> list[WorkItem]:
    """Work items by id whatever their workspace (for the worker)."""
    return await many(conn, Q.by_ids_any_workspace, {"ids": Ids(ids)}, WorkItem.from_row)


async def page(
    conn: Conn,
    ws: int,
    after_id: int,
    limit: int,
    *,
    status: WorkItemStatus | None = None,
    holder_id: int | None = None,
) -> list[WorkItem]:
    """Up to `limit` work items after row id `after_id`, by id, optionally filtered."""
    params = {
        "workspace_id": ws,
        "after_id": after_id,
        "limit": limit,
        "status": status,
        "holder_id": holder_id,
    }
    return await many(conn, Q.page, params, WorkItem.from_row)


async def count(
    conn: Conn,
    ws: int,
    *,
    status: WorkItemStatus | None = None,
    holder_id: int | None = None,
) -> int:
    """How many work items match the filter."""
    params = {"workspace_id": ws, "status": status, "holder_id": holder_id}
    return int(await scalar(conn, Q.count, params))


async def follow_handoff(
    conn: Conn,
    ws: int,
    item_id: int,
    handoff_id: int,
    status: WorkItemStatus,
    holder_id: int,
    now: datetime,
) -> WorkItem | None:
    """Move the item after its handoff's outcome; None when a later handoff owns it.

    The item is locked first, in a statement of its own: a createHandoff passing the item
    on holds that lock until it commits, and only a statement begun after the wait sees
    its new handoff (the update's NOT EXISTS would read the snapshot from before it)."""
    await conn.execute(Q.get_for_update, {"workspace_id": ws, "id": item_id})
    params = {
        "workspace_id": ws,
        "id": item_id,
        "handoff_id": handoff_id,
        "status": status,
        "holder_id": holder_id,
        "now": now,
    }
    return await one(conn, Q.follow_handoff, params, WorkItem.from_row)
