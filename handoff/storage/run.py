"""Run SQL and turn rows into domain objects.

The caller owns the transaction; these only execute. Connections hand out dict rows
(`handoff.storage.db`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from psycopg import AsyncConnection

T = TypeVar("T")
Row = dict[str, Any]
Conn = AsyncConnection[Any]


async def one(
    conn: Conn, sql: bytes, params: dict[str, Any], build: Callable[[Row], T]
) -> T | None:
    """The first row as a domain object, or None."""
    cur = await conn.execute(sql, params)
    row = await cur.fetchone()
    return None if row is None else build(row)


async def many(
    conn: Conn, sql: bytes, params: dict[str, Any], build: Callable[[Row], T]
) -> list[T]:
    """Every row as domain objects."""
    cur = await conn.execute(sql, params)
    return [build(row) for row in await cur.fetchall()]


async def rows(conn: Conn, sql: bytes, params: dict[str, Any]) -> list[Row]:
    """Every row as dicts."""
    cur = await conn.execute(sql, params)
    return list(await cur.fetchall())


async def scalar(conn: Conn, sql: bytes, params: dict[str, Any] | None = None) -> Any:
    """The first column of the first row, or None when there is no row."""
    cur = await conn.execute(sql, params)
    row = await cur.fetchone()
    return None if row is None else first_column(row)


def first_column(row: Any) -> Any:
    """The first column of a row, whatever the connection's row factory."""
    return next(iter(row.values())) if isinstance(row, dict) else row[0]


async def execute(conn: Conn, sql: bytes, params: dict[str, Any]) -> int:
    """Run a statement for its effect; returns the number of rows it touched."""
    cur = await conn.execute(sql, params)
    return cur.rowcount
