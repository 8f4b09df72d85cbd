"""JSON parameters on the pool's connections: encoded with orjson, stored as json.dumps
would have them stored (every JSON column is jsonb)."""

from __future__ import annotations

import json

from psycopg.types.json import Jsonb

from handoff.states import FollowUpKind
from handoff.storage.db import open_pool


async def test_jsonb_parameters_store_what_json_dumps_would(db_url) -> None:
    values = [
        {"b": 1, "a": [True, None, 2.5], "é": "Zoë 🌍"},
        {1: "one", 2: ["two"]},  # int keys: strings, as json.dumps writes them
        [FollowUpKind.REMINDER, "x"],  # a StrEnum member: its value
        {"nested": {"deep": [{"k": "v"}]}, "empty": {}},
    ]
    pool = await open_pool(db_url, 1, 1)
    try:
        async with pool.connection() as conn:
            for value in values:
                cur = await conn.execute(
                    "SELECT %(v)s AS stored, %(v)s = %(text)s::jsonb AS same",
                    {"v": Jsonb(value), "text": json.dumps(value)},
                )
                row = await cur.fetchone()
                assert row == {"stored": json.loads(json.dumps(value)), "same": True}
    finally:
        await pool.close()
