"""Deliveries as heap-only updates, and the inbox table that makes them possible
(migration 0019): a delivery rewrites no index entry of `handoffs`, and `handoff_inbox`
holds exactly the DELIVERED handoffs whatever statement changed them."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from psycopg import AsyncConnection, Connection
from psycopg.rows import dict_row

from handoff.services.follow_ups import handle_batch
from handoff.services.lifecycle import reassign, transition
from handoff.states import HandoffStatus
from handoff.storage import handoffs as stored
from handoff.storage.handoffs import Q
from handoff.storage.migrate import available, migrate
from tests.integration._delivery_helpers import (
    bulk_deliveries,
    handoff,
    person,
    workspace,
)

AMS = "Europe/Amsterdam"
# Monday 2026-12-07 10:00 in Amsterdam: everyone's working hours.
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
DERIVED = """
    SELECT receiver_id, delivered_at, id FROM handoffs
    WHERE status = 'DELIVERED' AND delivered_at IS NOT NULL
"""
KEPT = "SELECT receiver_id, delivered_at, handoff_id FROM handoff_inbox"


async def _set(conn: AsyncConnection[Any], sql: str, *args: Any) -> set[tuple[Any, ...]]:
    cur = await conn.execute(sql, args)
    return {tuple(r.values()) for r in await cur.fetchall()}


async def _assert_inbox_kept(conn: AsyncConnection[Any], after: str) -> None:
    derived, kept = await _set(conn, DERIVED), await _set(conn, KEPT)
    assert kept == derived, f"after {after}: missing {derived - kept}, extra {kept - derived}"


async def _pending(conn: AsyncConnection[Any], ws: int) -> list[tuple[int, int]]:
    cur = await conn.execute(
        "SELECT id, version FROM follow_ups WHERE workspace_id = %s AND state = 'PENDING' "
        "ORDER BY id",
        (ws,),
    )
    return [(r["id"], r["version"]) for r in await cur.fetchall()]


async def test_a_batch_of_deliveries_writes_no_index_entry_of_handoffs(db_url: str) -> None:
    async with await AsyncConnection.connect(db_url, row_factory=dict_row) as conn:
        async with conn.transaction():
            ws = await workspace(conn, MONDAY)
            sender = await person(conn, ws, MONDAY, "Ana", AMS)
            receivers = [await person(conn, ws, MONDAY, f"R{i}", AMS) for i in range(20)]
            # created together and due together, as in a surge: every row of a page at once
            await bulk_deliveries(
                conn, ws, sender.id, [r.id for r in receivers], 1000, MONDAY, MONDAY
            )
        pairs = await _pending(conn, ws)
        assert len(pairs) == 1000
        async with conn.transaction():
            for i in range(0, len(pairs), 500):
                outcome = await handle_batch(conn, pairs[i : i + 500], MONDAY)
                assert outcome.total == 500
            cur = await conn.execute(
                "SELECT pg_stat_get_xact_tuples_updated('handoffs'::regclass) AS updated, "
                "pg_stat_get_xact_tuples_hot_updated('handoffs'::regclass) AS hot"
            )
            counts = await cur.fetchone()
        assert counts == {"updated": 1000, "hot": 1000}
        # and the inbox has them, in delivery order
        page = await stored.inbox_page(conn, ws, receivers[3].id, None, 100)
        assert len(page) == 50
        assert all(h.status == HandoffStatus.DELIVERED for h in page)
        assert [h.id for h in page] == sorted(h.id for h in page)


async def test_the_inbox_table_follows_every_way_a_handoff_changes(db_url: str) -> None:
    async with await AsyncConnection.connect(db_url, row_factory=dict_row) as conn:
        async with conn.transaction():
            ws = await workspace(conn, MONDAY)
            ana = await person(conn, ws, MONDAY, "Ana", AMS)
            bob = await person(conn, ws, MONDAY, "Bob", AMS)
            cy = await person(conn, ws, MONDAY, "Cy", AMS)
            made = [await handoff(conn, ws, MONDAY, ana, to=bob) for _ in range(6)]
        await _assert_inbox_kept(conn, "creating")
        assert await stored.inbox_count(conn, ws, bob.id) == 0
        async with conn.transaction():
            await handle_batch(conn, await _pending(conn, ws), MONDAY)
        await _assert_inbox_kept(conn, "delivering")
        assert await stored.inbox_count(conn, ws, bob.id) == 6
        later = MONDAY + timedelta(minutes=5)
        steps = [
            ("acknowledging", transition(conn, ws, later, made[0].id, HandoffStatus.ACKNOWLEDGED)),
            ("cancelling", transition(conn, ws, later, made[1].id, HandoffStatus.CANCELLED)),
            ("returning", transition(conn, ws, later, made[2].id, HandoffStatus.RETURNED, "no")),
            ("reassigning", reassign(conn, ws, later, made[3].id, cy.id, None)),
        ]
        for what, step in steps:
            async with conn.transaction():
                await step
            await _assert_inbox_kept(conn, what)
        page = await stored.inbox_page(conn, ws, bob.id, None, 20)
        assert [h.id for h in page] == [made[4].id, made[5].id]
        # the other workspace's view of the same receiver id finds nothing
        assert await stored.inbox_page(conn, ws + 1, bob.id, None, 20) == []
        assert await stored.inbox_count(conn, ws + 1, bob.id) == 0


async def test_a_deleted_workspace_takes_its_inbox_entries_along(db_url: str) -> None:
    """The workspace's foreign key deletes its handoffs by cascade: the delete trigger
    runs for that statement too, and another workspace's inbox stays."""
    async with await AsyncConnection.connect(db_url, row_factory=dict_row) as conn:
        kept: list[tuple[int, int]] = []
        async with conn.transaction():
            for _ in range(2):
                ws = await workspace(conn, MONDAY)
                ana = await person(conn, ws, MONDAY, "Ana", AMS)
                bob = await person(conn, ws, MONDAY, "Bob", AMS)
                for _ in range(3):
                    await handoff(conn, ws, MONDAY, ana, to=bob)
                await handle_batch(conn, await _pending(conn, ws), MONDAY)
                kept.append((ws, bob.id))
        (gone_ws, gone_bob), (stays_ws, stays_bob) = kept
        assert await stored.inbox_count(conn, gone_ws, gone_bob) == 3
        async with conn.transaction():
            await conn.execute("DELETE FROM workspaces WHERE id = %s", (gone_ws,))
        await _assert_inbox_kept(conn, "deleting a workspace")
        assert await _set(conn, KEPT + " WHERE receiver_id = %s", gone_bob) == set()
        assert await stored.inbox_count(conn, stays_ws, stays_bob) == 3


async def test_the_inbox_table_follows_any_statement_typed_by_hand(db_url: str) -> None:
    """Random multi-row updates, inserts and deletes in SQL: after each statement the
    kept inbox equals the one derived from the handoffs."""
    rng = random.Random(16)
    async with await AsyncConnection.connect(db_url, row_factory=dict_row) as conn:
        async with conn.transaction():
            ws = await workspace(conn, MONDAY)
            ana = await person(conn, ws, MONDAY, "Ana", AMS)
            people = [(await person(conn, ws, MONDAY, f"P{i}", AMS)).id for i in range(3)]
            await bulk_deliveries(conn, ws, ana.id, people, 40, MONDAY, MONDAY)
        cur = await conn.execute("SELECT id FROM handoffs WHERE workspace_id = %s", (ws,))
        ids = [r["id"] for r in await cur.fetchall()]
        statuses = [s.value for s in HandoffStatus]
        instants = [None, MONDAY, MONDAY + timedelta(hours=1), MONDAY + timedelta(hours=2)]
        for step in range(150):
            some = rng.sample(ids, min(len(ids), rng.randint(1, 12)))
            kind = rng.choice(["status", "receiver", "instant", "both", "other", "delete"])
            if kind == "delete" and len(ids) > 10:
                gone = some[:2]
                await conn.execute("DELETE FROM follow_ups WHERE handoff_id = ANY(%s)", (gone,))
                await conn.execute("DELETE FROM handoffs WHERE id = ANY(%s)", (gone,))
                ids = [i for i in ids if i not in gone]
            elif kind == "status":
                await conn.execute(
                    "UPDATE handoffs SET status = %s WHERE id = ANY(%s)",
                    (rng.choice(statuses), some),
                )
            elif kind == "receiver":
                await conn.execute(
                    "UPDATE handoffs SET receiver_id = %s WHERE id = ANY(%s)",
                    (rng.choice(people), some),
                )
            elif kind == "instant":
                await conn.execute(
                    "UPDATE handoffs SET delivered_at = %s WHERE id = ANY(%s)",
                    (rng.choice(instants), some),
                )
            elif kind == "both":
                # each row its own new values, some of them the old ones
                await conn.execute(
                    "UPDATE handoffs SET status = CASE WHEN id %% 2 = 0 THEN 'DELIVERED' "
                    "ELSE status END, delivered_at = coalesce(delivered_at, %s) "
                    "WHERE id = ANY(%s)",
                    (rng.choice(instants[1:]), some),
                )
            else:
                await conn.execute(
                    "UPDATE handoffs SET summary = summary || '.' WHERE id = ANY(%s)", (some,)
                )
            await _assert_inbox_kept(conn, f"step {step} ({kind})")
        # a delivered handoff inserted as such
        await conn.execute(
            """
            INSERT INTO handoffs (workspace_id, work_item_id, sender_id, receiver_id, summary,
                                  status, created_at, deliver_at, delivered_at,
                                  max_reminders, updated_at)
            SELECT workspace_id, work_item_id, sender_id, receiver_id, 'copy', 'DELIVERED',
                   created_at, deliver_at, %s, 1, updated_at
            FROM handoffs WHERE id = %s
            """,
            (MONDAY, ids[0]),
        )
        await _assert_inbox_kept(conn, "inserting a delivered handoff")
        assert len(await _set(conn, KEPT)) > 0


def _sync_people(conn: Connection[Any], ws: int, n: int) -> list[int]:
    cur = conn.execute(
        """
        INSERT INTO people (workspace_id, name, handle, timezone, working_pattern,
                            delivery_policy, created_at, updated_at)
        SELECT %s, 'P' || g, 'p' || g, 'UTC', '{"timezone": "UTC", "weekly": {}}'::jsonb,
               '{}'::jsonb, now(), now()
        FROM generate_series(1, %s) g RETURNING id
        """,
        (ws, n),
    )
    return [r[0] for r in cur.fetchall()]


def test_the_migration_fills_the_inbox_and_the_stages(empty_db_url: str, tmp_path: Path) -> None:
    earlier = [m for m in available() if m.version < "0019"]
    for m in earlier:
        (tmp_path / m.filename).write_bytes(m.resource.read_bytes())
    migrate(empty_db_url, tmp_path)
    with Connection.connect(empty_db_url, autocommit=True) as conn:
        ws = conn.execute(
            "INSERT INTO workspaces (name, created_at) VALUES ('old', now()) RETURNING id"
        ).fetchone()[0]
        people = _sync_people(conn, ws, 3)
        for i, status in enumerate([s.value for s in HandoffStatus] * 2):
            item = conn.execute(
                "INSERT INTO work_items (workspace_id, title, status, holder_id, created_at, "
                "updated_at) VALUES (%s, 't', 'IN_HANDOFF', %s, now(), now()) RETURNING id",
                (ws, people[0]),
            ).fetchone()[0]
            conn.execute(
                """
                INSERT INTO handoffs (workspace_id, work_item_id, sender_id, receiver_id,
                                      summary, status, created_at, deliver_at, delivered_at,
                                      max_reminders, updated_at)
                VALUES (%s, %s, %s, %s, 's', %s, now(), now(),
                        CASE WHEN %s <> 'SCHEDULED' THEN now() + %s * interval '1 s' END,
                        1, now())
                """,
                (ws, item, people[0], people[1 + i % 2], status, status, i),
            )
        before = {r for r in conn.execute(DERIVED).fetchall()}
        assert len(before) == 2
    migrate(empty_db_url)
    with Connection.connect(empty_db_url) as conn:
        assert {r for r in conn.execute(KEPT).fetchall()} == before
        stages = dict(conn.execute("SELECT DISTINCT status, stage FROM handoffs").fetchall())
        assert stages == {
            "SCHEDULED": "IN_FLIGHT",
            "DELIVERED": "IN_FLIGHT",
            "ACKNOWLEDGED": "ACKNOWLEDGED",
            "COMPLETED": "COMPLETED",
            "RETURNED": "RETURNED",
            "CANCELLED": "CANCELLED",
        }


async def test_lists_by_status_read_the_stage_indexes(db_url: str) -> None:
    """The named queries that list a workspace's or a receiver's handoffs in given
    statuses find them through `stage` in an index when most handoffs are finished, not
    by reading all of their handoffs."""
    async with await AsyncConnection.connect(db_url, row_factory=dict_row) as conn:
        async with conn.transaction():
            ws = await workspace(conn, MONDAY)
            ana = await person(conn, ws, MONDAY, "Ana", AMS)
            bob = await person(conn, ws, MONDAY, "Bob", AMS)
            await bulk_deliveries(conn, ws, ana.id, [bob.id], 3000, MONDAY, MONDAY)
            await conn.execute(
                "UPDATE handoffs SET status = CASE WHEN id %% 100 = 0 THEN 'DELIVERED' "
                "WHEN id %% 100 = 1 THEN 'RETURNED' ELSE 'COMPLETED' END, delivered_at = %s",
                (MONDAY,),
            )
        await conn.execute("ANALYZE handoffs")
        filters = {"receiver_id": None, "sender_id": None, "team_id": None}
        cases = [
            (Q.page, {"after_id": 0, "limit": 5, **filters}),
            (Q.count, filters),
            (Q.page, {"after_id": 0, "limit": 5, **filters, "receiver_id": bob.id}),
            (Q.open_for_receiver, {"receiver_id": bob.id}),
        ]
        for query, params in cases:
            for status in ("RETURNED", "DELIVERED"):
                asked = {**params, "workspace_id": ws, "status": status, "statuses": [status]}
                cur = await conn.execute(b"EXPLAIN " + query, asked)
                plan = [r["QUERY PLAN"] for r in await cur.fetchall()]
                conditions = [line for line in plan if "Index Cond" in line]
                assert any("stage" in line for line in conditions), "\n".join(plan)
