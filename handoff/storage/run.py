"""Run SQL and turn rows into domain objects.

The caller owns the transaction; these only execute. Connections hand out dict rows
(`handoff.storage.db`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from psycopg import AsyncConnection, postgres
from psycopg.abc import Buffer
from psycopg.adapt import Dumper, Loader

from handoff.storage.from_row import row_factory

T = TypeVar("T")
Row = dict[str, Any]
Conn = AsyncConnection[Any]


class Ids(list[int]):
    """Row ids for `= ANY(%(ids)s)`, sent as one `bigint[]` literal (`IdsDumper`)."""


class IdsDumper(Dumper):
    """Dumps `Ids` in one join: psycopg's list dumper checks each element's text for
    quoting (a regex per id, 0.4 ms for a batch job's 500), which ids never need."""

    oid = postgres.types["int8"].array_oid

    def dump(self, obj: Ids) -> bytes:
        return ("{" + ",".join(map(str, obj)) + "}").encode()


class RawJsonLoader(Loader):
    """jsonb as the text PostgreSQL sent, unparsed (`FromRow.RAW_JSON`)."""

    def load(self, data: Buffer) -> bytes:
        return bytes(data)


async def _executed(
    conn: Conn, sql: bytes, params: dict[str, Any], build: Callable[[Row], T]
) -> tuple[Any, Callable[[Any], T]]:
    """The executed cursor and what turns one of its rows into the object: a model's
    `from_row` is done by the cursor itself, positionally (`from_row.row_factory`),
    without a dict per row."""
    factory = row_factory(build)
    if factory is None:
        return await conn.execute(sql, params), build
    cur = conn.cursor(row_factory=factory)
    if build.__self__.RAW_JSON:  # type: ignore[attr-defined]  # a FromRow model's from_row
        _json_unparsed(cur)
    await cur.execute(sql, params)
    return cur, _as_is


_JSONB = postgres.types["jsonb"].oid  # every JSON column is jsonb


def _json_unparsed(cur: Any) -> None:
    cur.adapters.register_loader(_JSONB, RawJsonLoader)


def _as_is(row: Any) -> Any:
    return row


async def one(
    conn: Conn, sql: bytes, params: dict[str, Any], build: Callable[[Row], T]
) -> T | None:
    """The first row as a domain object, or None."""
    cur, finish = await _executed(conn, sql, params, build)
    row = await cur.fetchone()
    return None if row is None else finish(row)


async def many(
    conn: Conn, sql: bytes, params: dict[str, Any], build: Callable[[Row], T]
) -> list[T]:
    """Every row as domain objects."""
    cur, finish = await _executed(conn, sql, params, build)
    rows = await cur.fetchall()
    return rows if finish is _as_is else [finish(row) for row in rows]


async def built(
    conn: Conn, sql: bytes, params: dict[str, Any], factory: Any, *, raw_json: bool = False
) -> list[Any]:
    """Every row as the psycopg row `factory` builds it (positionally, no dict per row);
    with `raw_json`, jsonb values as their text (bytes), for `FromRow.RAW_JSON` models."""
    cur = conn.cursor(row_factory=factory)
    if raw_json:
        _json_unparsed(cur)
    await cur.execute(sql, params)
    return await cur.fetchall()


async def rows(
    conn: Conn, sql: bytes, params: dict[str, Any], *, raw_json: bool = False
) -> list[Row]:
    """Every row as dicts; with `raw_json`, jsonb values as their text (bytes), for
    rows that hold only such columns of a `FromRow.RAW_JSON` model."""
    if not raw_json:
        cur = await conn.execute(sql, params)
        return list(await cur.fetchall())
    cur = conn.cursor()
    _json_unparsed(cur)
    await cur.execute(sql, params)
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
