"""Ids: row ids sent as one bigint[] literal on the pool's connections."""

from __future__ import annotations

from handoff.storage.db import open_pool
from handoff.storage.run import Ids


async def test_ids_arrive_as_the_bigint_array_a_list_would_be(db_url) -> None:
    pool = await open_pool(db_url, 1, 1)
    try:
        async with pool.connection() as conn:
            for values in ([1, 2, 3], [], [2**63 - 1, 7, -(2**63)], list(range(500))):
                cur = await conn.execute(
                    "SELECT %(ids)s AS ids, pg_typeof(%(ids)s)::text AS type, "
                    "%(ids)s = %(plain)s::bigint[] AS same, 3 = ANY(%(ids)s) AS has_3",
                    {"ids": Ids(values), "plain": values},
                )
                row = await cur.fetchone()
                assert row == {
                    "ids": values,
                    "type": "bigint[]",
                    "same": True,
                    "has_3": 3 in values,
                }
    finally:
        await pool.close()
