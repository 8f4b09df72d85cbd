"""The handoff service against a real PostgreSQL: times, follow-ups, events, one transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from psycopg import AsyncConnection
from psycopg.rows import dict_row

from handoff.ids import encode
from handoff.services.availability import add_time_off
from handoff.services.errors import Conflict, Invalid
from handoff.services.handoffs import NewHandoff, Note, create_handoff
from handoff.services.lifecycle import transition
from handoff.services.people import create_person
from handoff.services.teams import create_team
from handoff.storage.workspaces import ensure as ensure_workspace

FRIDAY_1500_AMS = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
WEEK = ["09:00-17:00"]


async def _setup(conn: AsyncConnection) -> tuple[int, int, int, int]:
    ws = (await ensure_workspace(conn, "acme", FRIDAY_1500_AMS)).id
    ana = await create_person(
        conn,
        ws,
        FRIDAY_1500_AMS,
        name="Ana",
        handle="ana",
        timezone="Europe/Amsterdam",
        working_pattern={"weekly": {d: WEEK for d in ("mon", "tue", "wed", "thu")}},
        delivery_policy={"focus_blocks": {"mon": ["09:00-10:00"]}},
    )
    sam = await create_person(
        conn, ws, FRIDAY_1500_AMS, name="Sam", handle="sam", timezone="Australia/Sydney"
    )
    return ws, ana.id, sam.id, 0


async def test_friday_afternoon_to_someone_with_fridays_off(db_url: str) -> None:
    async with await AsyncConnection.connect(db_url, row_factory=dict_row) as conn:
        ws, ana, sam, _ = await _setup(conn)
        asked = NewHandoff(
            sender_id=sam,
            to_person_id=ana,
            new_work_item_title="Release notes",
            note=Note(summary="Draft done", open_questions=["Ship Monday?"]),
            respond_within=timedelta(hours=4),
            idempotency_key="k1",
        )
        handoff, created = await create_handoff(conn, ws, FRIDAY_1500_AMS, asked)
        assert created
        # Monday 30 Nov: 09:00-10:00 is focus time, so 10:00 Amsterdam = 09:00 UTC
        assert handoff.deliver_at == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
        assert handoff.respond_by == datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
        assert any("Friday" in line for line in handoff.explanation)
        # a retry five minutes later is the same handoff
        again, created_again = await create_handoff(
            conn, ws, FRIDAY_1500_AMS + timedelta(minutes=5), asked
        )
        assert (again.id, created_again) == (handoff.id, False)
        cur = await conn.execute("SELECT kind, due_at, state FROM follow_ups")
        assert await cur.fetchall() == [
            {"kind": "DELIVERY", "due_at": handoff.deliver_at, "state": "PENDING"}
        ]
        cur = await conn.execute("SELECT type FROM events ORDER BY id")
        assert [r["type"] for r in await cur.fetchall()] == ["handoff.created"]
        cur = await conn.execute("SELECT count(*) AS n FROM work_items")
        assert (await cur.fetchone())["n"] == 1


async def test_time_off_moves_pending_delivery_and_team_reroutes(db_url: str) -> None:
    async with await AsyncConnection.connect(db_url, row_factory=dict_row) as conn:
        ws, ana, sam, _ = await _setup(conn)
        kolkata = await create_person(
            conn, ws, FRIDAY_1500_AMS, name="Priya", handle="priya", timezone="Asia/Kolkata"
        )
        team = await create_team(conn, ws, FRIDAY_1500_AMS, "Support", member_ids=[ana, kolkata.id])
        handoff, _ = await create_handoff(
            conn,
            ws,
            FRIDAY_1500_AMS,
            NewHandoff(
                sender_id=sam,
                to_team_id=team.id,
                new_work_item_title="Ticket",
                note=Note(summary="over to you"),
            ),
        )
        # Friday evening: Priya's Monday 09:00 IST (03:30 UTC) beats Ana's Monday.
        assert handoff.receiver_id == kolkata.id
        assert handoff.deliver_at == datetime(2026, 11, 30, 3, 30, tzinfo=UTC)
        await add_time_off(
            conn,
            ws,
            FRIDAY_1500_AMS,
            kolkata.id,
            datetime(2026, 11, 30).date(),
            datetime(2026, 12, 4).date(),
            "leave",
        )
        cur = await conn.execute("SELECT receiver_id, deliver_at FROM handoffs")
        row = await cur.fetchone()
        assert row["receiver_id"] == ana
        cur = await conn.execute("SELECT person_id, state FROM follow_ups ORDER BY id")
        assert [(r["person_id"], r["state"]) for r in await cur.fetchall()] == [
            (kolkata.id, "CANCELLED"),
            (ana, "PENDING"),
        ]
        cur = await conn.execute("SELECT type, payload FROM events ORDER BY id")
        events = await cur.fetchall()
        assert [e["type"] for e in events] == [
            "handoff.created",
            "handoff.reassigned",
            "person.availability_changed",
        ]
        reassigned, changed = events[1]["payload"], events[2]["payload"]
        assert reassigned["receiver"]["name"] == "Ana"
        assert reassigned["team"]["name"] == "Support"
        assert changed["person"]["name"] == "Priya"
        assert changed["change"] == "time_off"
        assert changed["followUpsMoved"] == 1
        [moved] = changed["movedFollowUps"]  # the team's delivery went to Ana instead
        assert (moved["handoffId"], moved["kind"]) == (encode("Handoff", handoff.id), "DELIVERY")
        assert moved["reroutedTo"] == encode("Person", ana)
        # back at work on Monday 7 Dec, 09:00 IST
        assert changed["nextReachableAt"] == "2026-12-07T03:30:00+00:00"


async def test_bad_input_and_illegal_transitions(db_url: str) -> None:
    async with await AsyncConnection.connect(db_url, row_factory=dict_row) as conn:
        ws, ana, sam, _ = await _setup(conn)
        with pytest.raises(Invalid) as e:
            await create_handoff(
                conn,
                ws,
                FRIDAY_1500_AMS,
                NewHandoff(
                    sender_id=ana, to_person_id=ana, new_work_item_title="x", note=Note(summary="s")
                ),
            )
        assert e.value.field == "toPersonId"
        handoff, _ = await create_handoff(
            conn,
            ws,
            FRIDAY_1500_AMS,
            NewHandoff(
                sender_id=sam, to_person_id=ana, new_work_item_title="x", note=Note(summary="s")
            ),
        )
        with pytest.raises(Conflict):
            await transition(conn, ws, FRIDAY_1500_AMS, handoff.id, "ACKNOWLEDGED")
        cancelled = await transition(conn, ws, FRIDAY_1500_AMS, handoff.id, "CANCELLED")
        assert cancelled.status == "CANCELLED"
        cur = await conn.execute("SELECT state, version FROM follow_ups")
        assert await cur.fetchall() == [{"state": "CANCELLED", "version": 2}]


async def test_create_handoff_reads_its_people_under_a_share_lock(db_url: str) -> None:
    """Between createHandoff's read of the receiver and its insert, a pattern change must
    wait: otherwise the handoff would be scheduled with the old pattern and the change's
    rescheduling would not see it."""
    import asyncio

    from handoff.services.availability import set_working_pattern
    from handoff.storage import handoffs

    async with (
        await AsyncConnection.connect(db_url, row_factory=dict_row) as first,
        await AsyncConnection.connect(db_url, row_factory=dict_row) as second,
    ):
        async with first.transaction():
            ws, ana, sam, _ = await _setup(first)

        async def change_pattern() -> None:
            async with second.transaction():
                await set_working_pattern(
                    second,
                    ws,
                    FRIDAY_1500_AMS,
                    ana,
                    {"timezone": "Europe/Amsterdam", "weekly": {"fri": ["16:00-18:00"]}},
                )

        async with first.transaction():
            await handoffs.creation_context(first, ws, None, [sam, ana])
            change = asyncio.create_task(change_pattern())
            await asyncio.sleep(0.3)
            assert not change.done(), "the pattern change must wait for the handoff's read"
        await change
