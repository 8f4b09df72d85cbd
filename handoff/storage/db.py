"""Connection pools. Opened in the app's or worker's lifespan, never at import."""

from __future__ import annotations

import orjson
from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg.types.json import set_json_loads
from psycopg_pool import AsyncConnectionPool


async def _configure(conn: AsyncConnection) -> None:
    # json/jsonb columns (patterns, explanations, payloads) decode with orjson: the same
    # values as the standard library's, several times faster; an inbox page decodes ~60.
    set_json_loads(orjson.loads, conn)
    # Every session talks UTC so timestamptz values come back as UTC datetimes.
    await conn.execute("SET TIME ZONE 'UTC'")
    await conn.commit()


async def open_pool(url: str, min_size: int = 2, max_size: int = 20) -> AsyncConnectionPool:
    """Open a pool of dict-row connections and wait until the first ones work."""
    pool = AsyncConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        kwargs={"row_factory": dict_row},
        configure=_configure,
        open=False,
    )
    await pool.open(wait=True, timeout=30)
    return pool
