"""Per-request DataLoaders: one SQL query per kind of object per tick, not per row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from handoff.api.context import Context
from handoff.storage.models import FollowUp, Handoff, Person, Team, WorkItem
from handoff.storage.run import many, rows

T = TypeVar("T")


def _by_id(
    ctx: Context, query: str, build: Callable[[dict[str, Any]], T]
) -> DataLoader[int, T | None]:
    async def load(ids: Sequence[int]) -> list[T | None]:
        async with ctx.pool.connection() as conn:
            found = {
                obj.id: obj  # type: ignore[attr-defined]
                for obj in await many(
                    conn, query, {"workspace_id": ctx.workspace_id, "ids": list(ids)}, build
                )
            }
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def _grouped(
    ctx: Context, query: str, key: str, build: Callable[[dict[str, Any]], T]
) -> DataLoader[int, list[T]]:
    async def load(ids: Sequence[int]) -> list[list[T]]:
        groups: dict[int, list[T]] = defaultdict(list)
        async with ctx.pool.connection() as conn:
            for row in await rows(
                conn, query, {"workspace_id": ctx.workspace_id, "ids": list(ids)}
            ):
                groups[row[key]].append(build(row))
        return [groups.get(i, []) for i in ids]

    return DataLoader(load_fn=load)


def _team_members(ctx: Context) -> DataLoader[int, list[int]]:
    async def load(ids: Sequence[int]) -> list[list[int]]:
        groups: dict[int, list[int]] = defaultdict(list)
        async with ctx.pool.connection() as conn:
            params = {"workspace_id": ctx.workspace_id, "team_ids": list(ids)}
            for row in await rows(conn, "team_member_ids", params):
                groups[row["team_id"]].append(row["person_id"])
        return [groups.get(i, []) for i in ids]

    return DataLoader(load_fn=load)


_FACTORIES: dict[str, Callable[[Context], DataLoader[Any, Any]]] = {
    "person": lambda ctx: _by_id(ctx, "people_by_ids", Person.from_row),
    "team": lambda ctx: _by_id(ctx, "teams_by_ids", Team.from_row),
    "work_item": lambda ctx: _by_id(ctx, "work_items_by_ids", WorkItem.from_row),
    "handoff": lambda ctx: _by_id(ctx, "handoffs_by_ids", Handoff.from_row),
    "team_members": _team_members,
    "handoffs_by_item": lambda ctx: _grouped(
        ctx, "handoffs_for_work_items", "work_item_id", Handoff.from_row
    ),
    "follow_ups_by_handoff": lambda ctx: _grouped(
        ctx, "follow_ups_for_handoffs", "handoff_id", FollowUp.from_row
    ),
}


def loader(ctx: Context, name: str) -> DataLoader[Any, Any]:
    """The request's loader called `name`, created on first use."""
    found = ctx.loaders.get(name)
    if found is None:
        found = ctx.loaders[name] = _FACTORIES[name](ctx)
    return found
