"""Run named queries and turn rows into domain objects.

The caller owns the transaction; these only execute.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from psycopg import AsyncConnection

from handoff.storage.queries import q

T = TypeVar("T")
Row = dict[str, Any]


async def one(
    conn: AsyncConnection[Any], name: str, params: dict[str, Any], build: Callable[[Row], T]
) -> T | None:
    """The first row of query `name` as a domain object, or None."""
    cur = await conn.execute(q(name), params)
    row = await cur.fetchone()
    return None if row is None else build(row)


async def many(
    conn: AsyncConnection[Any], name: str, params: dict[str, Any], build: Callable[[Row], T]
) -> list[T]:
    """Every row of query `name` as domain objects."""
    cur = await conn.execute(q(name), params)
    return [build(row) for row in await cur.fetchall()]


async def first(conn: AsyncConnection[Any], name: str, params: dict[str, Any]) -> Row | None:
    """The first row of query `name` as a dict, or None."""
    cur = await conn.execute(q(name), params)
    row = await cur.fetchone()
    return None if row is None else dict(row)


async def rows(conn: AsyncConnection[Any], name: str, params: dict[str, Any]) -> list[Row]:
    """Every row of query `name` as dicts."""
    cur = await conn.execute(q(name), params)
    return list(await cur.fetchall())


async def execute(conn: AsyncConnection[Any], name: str, params: dict[str, Any]) -> int:
    """Run query `name` for its effect; returns the number of rows it touched."""
    cur = await conn.execute(q(name), params)
    return cur.rowcount
