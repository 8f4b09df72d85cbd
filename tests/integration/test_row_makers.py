"""Models built positionally from rows (`from_row.row_factory`, used by `run.one/many`) are
the very objects `from_row` builds from dict rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from psycopg.rows import dict_row

from handoff.storage import follow_ups, handoffs, work_items
from handoff.storage import from_row as rf
from handoff.storage import models as m
from handoff.storage import people as m_people
from handoff.storage.db import open_pool
from handoff.storage.run import many, one

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def pool(db_url):
    pool = await open_pool(db_url, 1, 2)
    async with pool.connection() as conn:
        await conn.execute(
            """
            WITH w AS (INSERT INTO workspaces (name, created_at) VALUES ('rows', %(now)s)
                       RETURNING id),
            p AS (INSERT INTO people (workspace_id, name, handle, timezone, working_pattern,
                                     delivery_policy, created_at, updated_at, deactivated_at)
                  SELECT w.id, 'Ana', 'ana', 'Europe/Lisbon',
                         '{"timezone": "Europe/Lisbon", "weekly": {"mon": ["09:00-17:00"]}}',
                         '{"digest_times": ["09:00"]}', %(now)s, %(now)s, %(now)s FROM w
                  RETURNING id, workspace_id),
            i AS (INSERT INTO work_items (workspace_id, title, status, holder_id, created_at,
                                          updated_at)
                  SELECT workspace_id, 'Spec', 'IN_HANDOFF', id, %(now)s, %(now)s FROM p
                  RETURNING id, workspace_id, holder_id)
            INSERT INTO handoffs (workspace_id, work_item_id, sender_id, receiver_id, summary,
                                  created_at, deliver_at, max_reminders, updated_at,
                                  explanation, open_questions, delegation_ids)
            SELECT workspace_id, id, holder_id, holder_id, 'Spec', %(now)s, %(now)s, 2,
                   %(now)s, '["because"]', '["why?"]', '{4,5}' FROM i
            """,
            {"now": NOW},
        )
        await conn.commit()
    yield pool
    await pool.close()


@pytest.mark.parametrize(
    ("sql", "model"),
    [
        (b"SELECT * FROM handoffs", m.Handoff),
        (b"SELECT * FROM work_items", m.WorkItem),
        (b"SELECT * FROM people", m.Person),
        # Person.from_row takes the last three columns as optional
        (
            b"SELECT id, workspace_id, name, handle, email, timezone, working_pattern, "
            b"delivery_policy, created_at, updated_at FROM people",
            m.Person,
        ),
    ],
)
async def test_positional_rows_equal_dict_rows(pool, sql, model) -> None:
    async with pool.connection() as conn:
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(sql)
        expected = [model.from_row(row) for row in await cur.fetchall()]
        got = await many(conn, sql, {}, model.from_row)
        first = await one(conn, sql, {}, model.from_row)
    assert rf.row_factory(model.from_row) is not None
    assert got == expected and len(got) == 1
    assert first == expected[0]
    assert type(got[0]) is model
    # the same attributes, enum members included (not their text); a person's JSON
    # columns come unparsed from the positional path, and parse to the same dicts
    if model is m.Person:
        assert isinstance(got[0].pattern_json, bytes) and isinstance(expected[0].pattern_json, dict)
        assert got[0].pattern_data == expected[0].pattern_data == expected[0].pattern_json
        assert got[0].policy_data == {"digest_times": ["09:00"]} == expected[0].policy_data
        raw = {"pattern_json", "policy_json", "pattern_data", "policy_data"}
        assert {k: v for k, v in vars(got[0]).items() if k not in raw} == {
            k: v for k, v in vars(expected[0]).items() if k not in raw
        }
    else:
        assert vars(got[0]) == vars(expected[0])
    if model is m.Handoff:
        assert got[0].status is m.HandoffStatus.SCHEDULED
        assert got[0].explanation == ["because"] and got[0].delegation_ids == [4, 5]
    if model is m.Person:
        assert got[0].pattern == expected[0].pattern  # cached properties still work


async def test_a_missing_required_column_is_an_error_as_before(pool) -> None:
    async with pool.connection() as conn:
        with pytest.raises(KeyError, match="workspace_id"):
            await many(conn, b"SELECT id FROM handoffs", {}, m.Handoff.from_row)


async def test_other_builders_take_dict_rows(pool) -> None:
    async with pool.connection() as conn:
        names = await many(conn, b"SELECT name FROM people", {}, lambda row: row["name"])
    assert names == ["Ana"]
    assert rf.row_factory(len) is None


async def test_locked_rows_of_a_batch_are_built_positionally(pool) -> None:
    async with pool.connection() as conn:
        await conn.execute(
            "INSERT INTO follow_ups (workspace_id, handoff_id, person_id, kind, due_at, "
            "created_at, explanation, digest) SELECT workspace_id, id, receiver_id, "
            "'REMINDER', %(now)s, %(now)s, '[\"late\"]', true FROM handoffs",
            {"now": NOW},
        )
        ids = [r["id"] for r in await (await conn.execute("SELECT id FROM follow_ups")).fetchall()]
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(follow_ups.Q.lock_rows, {"ids": ids})
        expected = [
            follow_ups.Locked(
                m.FollowUp.from_row(row),
                m.HandoffStatus(row["handoff_status"]),
                row["handoff_receiver_id"],
                row["handoff_expects_answer"],
            )
            for row in await cur.fetchall()
        ]
        got = await follow_ups.lock_rows(conn, ids)
        await conn.rollback()
    assert got == expected and len(got) == 1
    assert vars(got[0].row) == vars(expected[0].row)
    assert got[0].row.kind is m.FollowUpKind.REMINDER and got[0].row.explanation == ["late"]
    assert got[0].handoff_status is m.HandoffStatus.SCHEDULED
    assert not got[0].plain_delivery  # a reminder, bundled in a digest


def test_member_lookup_gives_members_and_refuses_unknown_values() -> None:
    lookup = rf.member_lookup(m.HandoffStatus)
    assert lookup("DELIVERED") is m.HandoffStatus.DELIVERED
    with pytest.raises(KeyError):
        lookup("LOST")


def test_people_compare_by_what_is_stored_whichever_way_it_was_read() -> None:
    ana = m.Person(
        id=1,
        workspace_id=1,
        name="Ana",
        handle="ana",
        email=None,
        timezone="UTC",
        pattern_json=b'{"timezone": "UTC", "weekly": {}}',
        policy_json=b"{}",
        created_at=NOW,
        updated_at=NOW,
    )
    same = replace(ana, pattern_json={"timezone": "UTC", "weekly": {}}, policy_json={})
    assert ana == same
    assert ana != replace(ana, pattern_json=b'{"timezone": "Europe/Lisbon", "weekly": {}}')
    assert ana != replace(ana, policy_json={"digest_times": ["09:00"]})
    assert ana != replace(ana, name="Bea")
    assert ana.pattern.zone.key == "UTC" and same.pattern == ana.pattern


async def test_create_prefetch_reads_people_json_unparsed(pool) -> None:
    async with pool.connection() as conn:
        ws, pid = (
            await (await conn.execute("SELECT workspace_id, id FROM people")).fetchone()
        ).values()
        ctx = await handoffs.creation_context(conn, ws, None, [pid])
        await conn.rollback()
    ana = ctx.people[pid]
    assert isinstance(ana.pattern_json, bytes)
    assert ana.pattern_data == {"timezone": "Europe/Lisbon", "weekly": {"mon": ["09:00-17:00"]}}
    assert ana.policy.digest_times and ana.pattern.zone.key == "Europe/Lisbon"


async def test_a_maker_is_compiled_once_per_column_list(pool) -> None:
    factory = rf.row_factory(m.WorkItem.from_row)
    assert factory is not None
    async with pool.connection() as conn:
        makers = []
        for sql in (
            b"SELECT * FROM work_items",
            b"SELECT * FROM work_items",
            b"SELECT title, id, status, workspace_id, holder_id, description, created_at, "
            b"updated_at FROM work_items",
        ):
            cur = conn.cursor(row_factory=factory)
            await cur.execute(sql)
            makers.append(factory(cur))
            (item,) = await cur.fetchall()
            assert item.title == "Spec" and item.status is m.WorkItemStatus.IN_HANDOFF
    assert makers[0] is makers[1]  # the same columns: the maker compiled for the first
    assert makers[2] is not makers[0]  # reordered: its own positions


async def test_work_items_with_people_are_what_each_read_alone_gives(pool) -> None:
    async with pool.connection() as conn:
        ws, pid, item = (
            await (
                await conn.execute("SELECT workspace_id, holder_id, id FROM work_items")
            ).fetchone()
        ).values()
        items, people = await work_items.by_ids_with_people(conn, ws, [item, 999], [pid, 998])
        alone = (
            await work_items.by_ids(conn, ws, [item]),
            await m_people.by_ids(conn, ws, [pid]),
        )
        elsewhere = await work_items.by_ids_with_people(conn, ws + 1, [item], [pid])
        neither = await work_items.by_ids_with_people(conn, ws, [], [])
    assert (items, people) == alone and len(items) == len(people) == 1
    assert vars(items[0]) == vars(alone[0][0])
    assert isinstance(people[0].pattern_json, bytes)  # left unparsed, as by_ids does
    assert elsewhere == ([], []) and neither == ([], [])  # scoped to the workspace
