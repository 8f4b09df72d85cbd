"""Connection pools. Opened in the app's or worker's lifespan, never at import."""

from __future__ import annotations

import time
from typing import Any

import orjson
from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg.types.json import set_json_dumps, set_json_loads
from psycopg_pool import AsyncConnectionPool

from handoff.storage.resident_reader import ResidentReaderConnection
from handoff.storage.run import Ids, IdsDumper


def _orjson_dumps(value: object) -> bytes:
    # non-str keys become strings, as json.dumps writes them
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


async def _configure(conn: AsyncConnection) -> None:
    # json/jsonb columns (patterns, explanations, payloads) decode with orjson: the same
    # values as the standard library's, several times faster; an inbox page decodes ~60.
    set_json_loads(orjson.loads, conn)
    # and encode with it: every column is jsonb, which stores the same value either way
    set_json_dumps(_orjson_dumps, conn)
    conn.adapters.register_dumper(Ids, IdsDumper)
    # Every session talks UTC so timestamptz values come back as UTC datetimes.
    await conn.execute("SET TIME ZONE 'UTC'")
    await conn.commit()


CHECK_AFTER_IDLE_SECONDS = 1.0


async def open_pool(
    url: str, min_size: int = 2, max_size: int = 20, acquire_timeout: float = 30.0
) -> AsyncConnectionPool[Any]:
    """Open a pool of dict-row connections and wait until the first ones work (their waits
    keep the socket registered with the loop: `handoff.storage.resident_reader`).

    A connection idle for `CHECK_AFTER_IDLE_SECONDS` is checked (one round trip) as it
    leaves the pool: after PostgreSQL restarts, the pool's dead connections are replaced
    instead of failing a request each. One back in use within that time is not: a busy
    API takes its connections back within milliseconds, and a round trip per request
    would cost it about a tenth of a bare request. The first dead one found has every idle one checked at once: psycopg_pool
    waits 1 s, 2 s, 4 s... between a request's checks, so finding twenty dead ones one
    by one would outlast any acquire timeout. `acquire_timeout` is how long
    `connection()` waits for one (`PoolTimeout` after).
    """
    found: list[AsyncConnectionPool[Any]] = []
    returned: dict[int, float] = {}  # id(connection) -> when it came back to the pool

    async def back(conn: AsyncConnection) -> None:
        if len(returned) > 10 * max_size:  # ids of connections long closed
            returned.clear()
        returned[id(conn)] = time.monotonic()

    async def check(conn: AsyncConnection) -> None:
        if time.monotonic() - returned.get(id(conn), 0.0) < CHECK_AFTER_IDLE_SECONDS:
            return
        try:
            await AsyncConnectionPool.check_connection(conn)
        except Exception:
            if found:  # PostgreSQL restarted, likely: the others are as dead as this one
                await found[0].check()
            raise

    pool = AsyncConnectionPool(
        url,
        connection_class=ResidentReaderConnection,
        min_size=min_size,
        max_size=max_size,
        kwargs={"row_factory": dict_row},
        configure=_configure,
        check=check,
        reset=back,
        timeout=acquire_timeout,
        open=False,
    )
    found.append(pool)
    await pool.open(wait=True, timeout=30)
    return pool
