"""Per-request DataLoaders: one SQL query per kind of object per tick, not per row."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from psycopg import AsyncConnection
from strawberry.dataloader import DataLoader

from handoff.api.context import Context, read_connection
from handoff.storage import (
    delegations,
    events,
    follow_ups,
    handoffs,
    people,
    replies,
    teams,
    travel,
    urgency,
    webhooks,
    work_items,
)


class _HasId(Protocol):
    @property
    def id(self) -> int: ...


T = TypeVar("T", bound=_HasId)
V = TypeVar("V")
Conn = AsyncConnection[Any]


# The load functions hold the pool and the workspace, never the context: the context
# holds its loaders, and a load function holding it back would make every request's
# context, loaders and loaded rows a reference cycle, freed only by the cyclic collector.


def _by_id(
    ctx: Context, fetch: Callable[[Conn, int, Sequence[int]], Awaitable[list[T]]]
) -> DataLoader[int, T | None]:
    pool, ws = ctx.pool, ctx.workspace_id

    async def load(ids: Sequence[int]) -> list[T | None]:
        async with read_connection(pool) as conn:
            found = {obj.id: obj for obj in await fetch(conn, ws, ids)}
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def _grouped(
    ctx: Context, fetch: Callable[[Conn, int, Sequence[int]], Awaitable[Mapping[int, list[V]]]]
) -> DataLoader[int, list[V]]:
    pool, ws = ctx.pool, ctx.workspace_id

    async def load(ids: Sequence[int]) -> list[list[V]]:
        async with read_connection(pool) as conn:
            groups = await fetch(conn, ws, ids)
        return [groups.get(i, []) for i in ids]

    return DataLoader(load_fn=load)


def _by_endpoint(
    ctx: Context, fetch: Callable[[Conn, Sequence[int]], Awaitable[Mapping[int, list[V]]]]
) -> DataLoader[int, list[V]]:
    # Webhook rows are reached only through an endpoint or delivery already read within
    # the caller's workspace, so these are keyed by that row's id alone.
    pool = ctx.pool

    async def load(ids: Sequence[int]) -> list[list[V]]:
        async with read_connection(pool) as conn:
            groups = await fetch(conn, ids)
        return [groups.get(i, []) for i in ids]

    return DataLoader(load_fn=load)


def _policies(ctx: Context) -> DataLoader[int, urgency.UrgencyPolicy]:
    # every person has a policy: the stored one or the default
    pool, ws = ctx.pool, ctx.workspace_id

    async def load(ids: Sequence[int]) -> list[urgency.UrgencyPolicy]:
        async with read_connection(pool) as conn:
            found = await urgency.policies(conn, ws, ids)
        return [found[i] for i in ids]

    return DataLoader(load_fn=load)


_FACTORIES: dict[str, Callable[[Context], DataLoader[Any, Any]]] = {
    "person": lambda ctx: _by_id(ctx, people.by_ids),
    "team": lambda ctx: _by_id(ctx, teams.by_ids),
    "work_item": lambda ctx: _by_id(ctx, work_items.by_ids),
    "handoff": lambda ctx: _by_id(ctx, handoffs.by_ids),
    "team_members": lambda ctx: _grouped(ctx, teams.member_ids),
    "handoffs_by_item": lambda ctx: _grouped(ctx, handoffs.for_work_items),
    "follow_ups_by_handoff": lambda ctx: _grouped(ctx, follow_ups.for_handoffs),
    "events_by_handoff": lambda ctx: _grouped(ctx, events.for_handoffs),
    "urgency_by_handoff": lambda ctx: _grouped(ctx, urgency.for_handoffs),
    "replies_by_handoff": lambda ctx: _grouped(ctx, replies.for_handoffs),
    "urgency_policy": lambda ctx: _policies(ctx),
    "webhook_records": lambda ctx: _by_endpoint(ctx, webhooks.endpoint_records),
    "webhook_attempts": lambda ctx: _by_endpoint(ctx, webhooks.attempts_for),
    "travel": lambda ctx: _by_id(ctx, travel.by_ids),
    "travel_by_person": lambda ctx: _grouped(ctx, travel.for_people),
    "delegation": lambda ctx: _by_id(ctx, delegations.by_ids),
    "delegations_by_person": lambda ctx: _grouped(ctx, delegations.live_for_people),
    "delegation_handled": lambda ctx: _grouped(ctx, delegations.handled_for),
}


def loader(ctx: Context, name: str) -> DataLoader[Any, Any]:
    """The request's loader called `name`, created on first use."""
    found = ctx.loaders.get(name)
    if found is None:
        found = ctx.loaders[name] = _FACTORIES[name](ctx)
    return found


MISSING: Any = object()


def loaded(ctx: Context, name: str, key: Any) -> Any:
    """What the request's loader `name` already holds for `key`, or MISSING.

    A relation resolver that finds its value here returns it as it is: graphql-core then
    completes it in place, with no coroutine, task or gather for that field.
    """
    found = loader(ctx, name).cache_map.get(key)
    if found is None or not found.done() or found.cancelled() or found.exception() is not None:
        return MISSING
    return found.result()


_BY_ID: dict[str, Callable[[Conn, int, Sequence[int]], Awaitable[Sequence[Any]]]] = {
    "person": people.by_ids,
    "work_item": work_items.by_ids,
}


async def preload(
    ctx: Context, wanted: Mapping[str, Iterable[Any]], conn: Conn | None = None
) -> None:
    """Load these keys of by-id loaders now, so that the relation resolvers of a page find
    them `loaded`: on `conn` when the caller has a connection (no more checkouts from the
    pool; people and work items together in one statement), else through the loaders,
    all at once."""
    if conn is None:
        pending = [
            loader(ctx, name).load_many(list(dict.fromkeys(keys))) for name, keys in wanted.items()
        ]
        if pending:
            await asyncio.gather(*pending)
        return
    missing: dict[str, list[Any]] = {}
    for name, keys in wanted.items():
        held = loader(ctx, name).cache_map
        if absent := [k for k in dict.fromkeys(keys) if held.get(k) is None]:
            missing[name] = absent
    if missing.keys() == {"person", "work_item"}:  # a page of handoffs: one statement
        items, people = await work_items.by_ids_with_people(
            conn, ctx.workspace_id, missing["work_item"], missing["person"]
        )
        _prime(loader(ctx, "work_item"), missing["work_item"], items)
        _prime(loader(ctx, "person"), missing["person"], people)
        return
    for name, keys in missing.items():
        _prime(loader(ctx, name), keys, await _BY_ID[name](conn, ctx.workspace_id, keys))


def _prime(target: DataLoader[Any, Any], keys: list[Any], rows: Sequence[Any]) -> None:
    """Give the loader what was read for `keys` (None for a key no row answered)."""
    found = {row.id: row for row in rows}
    target.prime_many({k: found.get(k) for k in keys})
