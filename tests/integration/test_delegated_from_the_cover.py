"""A handoff a delegation sends on reaches the delegate when the cover starts: planned again
when the delegate's hours change, it still waits for that instant, and whether an urgent
one needs to break through is judged at that instant too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from handoff.services.availability import set_delivery_policy, set_working_pattern
from handoff.services.delegations import DelegateTo, set_delegation
from handoff.services.handoffs import NewHandoff, Note, create_handoff
from handoff.services.people import create_person
from handoff.services.teams import create_team
from handoff.storage.models import Handoff
from handoff.storage.workspaces import ensure as ensure_workspace

AMS = ZoneInfo("Europe/Amsterdam")
TUESDAY_NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
COVER = (datetime(2026, 12, 2, 0, 0, tzinfo=AMS), datetime(2026, 12, 5, 0, 0, tzinfo=AMS))
SENT = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)  # Tuesday evening, before the cover
# Bob's Wednesday 09:00 in New York: the first working instant inside the cover
LANDS = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)


async def _send(conn: AsyncConnection, ws: int, sender: int, to: int, **extra: str) -> Handoff:
    """A handoff sent on Tuesday evening, before the cover starts."""
    new = NewHandoff(
        sender_id=sender, to_person_id=to, new_work_item_title="x", note=Note("s"), **extra
    )
    made, _ = await create_handoff(conn, ws, SENT, new)
    return made


async def _stored(conn: AsyncConnection) -> tuple[datetime, int]:
    row = await (await conn.execute("SELECT deliver_at, receiver_id FROM handoffs")).fetchone()
    assert row is not None
    return row["deliver_at"], row["receiver_id"]


async def test_a_delegates_change_keeps_the_delivery_inside_the_cover(db_url: str) -> None:
    async with await AsyncConnection.connect(db_url, row_factory=dict_row) as conn:
        ws = (await ensure_workspace(conn, "acme", TUESDAY_NOON)).id
        ana, bob, sam = [
            await create_person(conn, ws, TUESDAY_NOON, name=n, handle=n.lower(), timezone=z)
            for n, z in (("Ana", "Europe/Amsterdam"), ("Bob", "America/New_York"), ("Sam", "UTC"))
        ]
        await set_delegation(conn, ws, TUESDAY_NOON, ana.id, *COVER, DelegateTo(delegate_id=bob.id))
        made = await _send(conn, ws, sam.id, ana.id)
        assert (made.receiver_id, made.deliver_at) == (bob.id, LANDS)
        # Bob changes something unrelated (a Saturday focus block) before the cover starts
        await set_delivery_policy(
            conn,
            ws,
            SENT + timedelta(minutes=30),
            bob.id,
            {"focus_blocks": {"sat": ["10:00-11:00"]}},
        )
        assert await _stored(conn) == (LANDS, bob.id)
        cur = await conn.execute("SELECT due_at FROM follow_ups WHERE kind = 'DELIVERY'")
        assert [r["due_at"] for r in await cur.fetchall()] == [LANDS]


async def test_a_delegate_teams_reroute_keeps_the_delivery_inside_the_cover(db_url: str) -> None:
    async with await AsyncConnection.connect(db_url, row_factory=dict_row) as conn:
        ws = (await ensure_workspace(conn, "acme", TUESDAY_NOON)).id
        ana, bob, cy, sam = [
            await create_person(conn, ws, TUESDAY_NOON, name=n, handle=n.lower(), timezone=z)
            for n, z in (
                ("Ana", "Europe/Amsterdam"),
                ("Bob", "America/New_York"),
                ("Cy", "America/New_York"),
                ("Sam", "UTC"),
            )
        ]
        desk = await create_team(conn, ws, TUESDAY_NOON, "Desk", member_ids=[bob.id, cy.id])
        await set_delegation(
            conn, ws, TUESDAY_NOON, ana.id, *COVER, DelegateTo(delegate_team_id=desk.id)
        )
        made = await _send(conn, ws, sam.id, ana.id)
        assert made.deliver_at == LANDS and made.receiver_id in (bob.id, cy.id)
        # the chosen member's hours change: the team routes it again, still from the cover
        await set_delivery_policy(
            conn,
            ws,
            SENT + timedelta(minutes=30),
            made.receiver_id,
            {"focus_blocks": {"wed": ["09:00-10:00"]}},
        )
        deliver_at, receiver = await _stored(conn)
        assert deliver_at == LANDS and receiver != made.receiver_id


async def _urgent_to_covered_ana(conn: AsyncConnection, bob_focus: dict) -> tuple[datetime, str]:
    """Sam sends Ana an urgent handoff on Tuesday evening; Bob covers for her from
    Wednesday. Returns when it lands and what the urgency decided."""
    ws = (await ensure_workspace(conn, "acme", TUESDAY_NOON)).id
    ana = await create_person(
        conn, ws, TUESDAY_NOON, name="Ana", handle="ana", timezone="Europe/Amsterdam"
    )
    bob = await create_person(
        conn,
        ws,
        TUESDAY_NOON,
        name="Bob",
        handle="bob",
        timezone="America/New_York",
        delivery_policy={"focus_blocks": bob_focus},
    )
    sam = await create_person(conn, ws, TUESDAY_NOON, name="Sam", handle="sam", timezone="UTC")
    await set_delegation(conn, ws, TUESDAY_NOON, ana.id, *COVER, DelegateTo(delegate_id=bob.id))
    made = await _send(conn, ws, sam.id, ana.id, urgent_reason="checkout is down")
    assert made.receiver_id == bob.id
    row = await (await conn.execute("SELECT outcome FROM urgent_handoffs")).fetchone()
    assert row is not None
    return made.deliver_at, row["outcome"]


async def test_urgency_is_judged_when_the_cover_hands_it_over(db_url: str) -> None:
    # Bob's focus block on Tuesday is over before the cover starts: nothing to break through,
    # and Sam's weekly break-through stays unused.
    async with await AsyncConnection.connect(db_url, row_factory=dict_row) as conn:
        assert await _urgent_to_covered_ana(conn, {"tue": ["12:00-14:00"]}) == (
            LANDS,
            "NOT_NEEDED",
        )


async def test_urgency_breaks_through_a_focus_block_at_the_start_of_the_cover(db_url: str) -> None:
    # Wednesday 09:00-11:00 is Bob's focus time: the urgent handoff breaks through at 09:00.
    async with await AsyncConnection.connect(db_url, row_factory=dict_row) as conn:
        assert await _urgent_to_covered_ana(conn, {"wed": ["09:00-11:00"]}) == (
            LANDS,
            "BROKE_THROUGH",
        )


async def test_a_delegates_new_hours_keep_the_lines_that_say_why_it_went_to_them(
    db_url: str,
) -> None:
    async with await AsyncConnection.connect(db_url, row_factory=dict_row) as conn:
        ws = (await ensure_workspace(conn, "acme", TUESDAY_NOON)).id
        ana, bob, sam = [
            await create_person(conn, ws, TUESDAY_NOON, name=n, handle=n.lower(), timezone=z)
            for n, z in (("Ana", "Europe/Amsterdam"), ("Bob", "America/New_York"), ("Sam", "UTC"))
        ]
        await set_delegation(conn, ws, TUESDAY_NOON, ana.id, *COVER, DelegateTo(delegate_id=bob.id))
        made = await _send(conn, ws, sam.id, ana.id)
        cover_lines = [line for line in made.explanation if "Bob" in line and "Ana" in line]
        assert cover_lines, made.explanation
        # Bob starts an hour later on Wednesdays: the handoff lands later, for the same reason
        later = {"timezone": "America/New_York", "weekly": {"wed": ["10:00-17:00"]}}
        await set_working_pattern(conn, ws, SENT + timedelta(minutes=30), bob.id, later)
        row = await (await conn.execute("SELECT deliver_at, explanation FROM handoffs")).fetchone()
        assert row is not None and row["deliver_at"] == LANDS + timedelta(hours=1)
        assert row["explanation"][: len(cover_lines)] == cover_lines
        assert any("10:00" in line for line in row["explanation"]), row["explanation"]
        cur = await conn.execute("SELECT explanation FROM follow_ups WHERE kind = 'DELIVERY'")
        assert [r["explanation"] for r in await cur.fetchall()] == [row["explanation"]]
