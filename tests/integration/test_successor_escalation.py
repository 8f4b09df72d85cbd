"""An unanswered handoff whose sender has left escalates to who took over their work
(deactivatePerson's reassignTo), in that person's hours; without anyone, to the departed
sender at once; never to the receiver themself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from handoff.services.availability import set_working_pattern
from handoff.services.membership import deactivate_person, erase_person
from tests.integration._delivery_helpers import (
    WEEKDAYS_9_17,
    engine,
    handoff,
    person,
    workspace,
)
from tests.integration.test_follow_up_edges import _until

AMS, NYC = "Europe/Amsterdam", "America/New_York"
MONDAY_8 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # 09:00 in Amsterdam, 03:00 in New York
DEADLINE = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Ana's hour to answer runs out


async def _setup(pool: Any, clock: Any) -> tuple[int, dict[str, Any], Any]:
    """Sam (New York) asks Ana (Amsterdam) for an answer within an hour, no reminder; Lee
    works in Amsterdam too."""
    async with pool.connection() as conn, conn.transaction():
        ws = await workspace(conn, clock.now(), reminders=0)
        p = {
            "Sam": await person(conn, ws, clock.now(), "Sam", NYC),
            "Ana": await person(conn, ws, clock.now(), "Ana", AMS),
            "Lee": await person(conn, ws, clock.now(), "Lee", AMS),
        }
        h = await handoff(
            conn, ws, clock.now(), p["Sam"], to=p["Ana"], respond_within=timedelta(hours=1)
        )
    return ws, p, h


async def _escalation(pool: Any, handoff_id: int) -> tuple[dict[str, Any], datetime]:
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT payload, occurred_at FROM events"
            " WHERE handoff_id = %s AND type = 'handoff.escalated'",
            (handoff_id,),
        )
        row = await cur.fetchone()
    assert row is not None, "no escalation"
    return row["payload"], row["occurred_at"]


async def _sam_leaves(
    db_url: str, redis_url: str, clock: Any, successor: str, after: timedelta
) -> tuple[dict[str, Any], datetime]:
    """Sam leaves `after` the handoff was sent, his work going to `successor`; the
    escalation that followed, and when it happened."""
    clock.set(MONDAY_8)
    async with engine(db_url, redis_url) as (pool, redis, settings):
        ws, p, h = await _setup(pool, clock)
        await _until(pool, redis, clock, settings, MONDAY_8 + after)
        async with pool.connection() as conn, conn.transaction():
            await deactivate_person(conn, ws, clock.now(), p["Sam"].id, p[successor].id)
        await _until(pool, redis, clock, settings, MONDAY_8 + timedelta(hours=4))
        return await _escalation(pool, h.id)


async def test_a_pending_escalation_goes_to_who_took_over_the_senders_work(
    db_url: str, redis_url: str, clock
) -> None:
    # the escalation waits for Sam's morning in New York (14:00 UTC) when he leaves
    payload, at = await _sam_leaves(db_url, redis_url, clock, "Lee", timedelta(minutes=30))
    assert at == DEADLINE  # Lee works then: at once, not at Sam's 09:00 in New York
    assert payload["escalation"]["to"] == "successor"
    assert payload["escalation"]["person"]["name"] == "Lee"
    assert payload["followUp"]["explanation"][0].endswith(
        "Sam has left, so it goes to Lee, who took over Sam's work, in Lee's working hours."
    )


async def test_an_escalation_made_after_the_sender_left_goes_to_their_successor(
    db_url: str, redis_url: str, clock
) -> None:
    payload, at = await _sam_leaves(db_url, redis_url, clock, "Lee", timedelta(0))
    assert (at, payload["escalation"]["person"]["name"]) == (DEADLINE, "Lee")


async def test_the_receiver_who_took_over_the_work_is_not_escalated_to(
    db_url: str, redis_url: str, clock
) -> None:
    payload, at = await _sam_leaves(db_url, redis_url, clock, "Ana", timedelta(0))
    assert at == DEADLINE and payload["escalation"]["to"] == "sender"
    assert payload["followUp"]["explanation"][1] == "Sam has left, so it goes back at once."


async def test_the_receiver_can_change_hours_under_an_erased_senders_escalation(
    db_url: str, redis_url: str, clock
) -> None:
    clock.set(MONDAY_8)
    async with engine(db_url, redis_url) as (pool, redis, settings):
        ws, p, h = await _setup(pool, clock)
        await _until(pool, redis, clock, settings, MONDAY_8 + timedelta(minutes=10))
        async with pool.connection() as conn, conn.transaction():
            await deactivate_person(conn, ws, clock.now(), p["Sam"].id)
            await erase_person(conn, ws, clock.now(), p["Sam"].id)  # no hours any more
            # Ana starts at 09:30 from now on: her deadline moves, and with it the escalation
            later = {"timezone": AMS, "weekly": {**WEEKDAYS_9_17, "mon": ["09:30-17:00"]}}
            await set_working_pattern(conn, ws, clock.now(), p["Ana"].id, later)
        await _until(pool, redis, clock, settings, MONDAY_8 + timedelta(hours=4))
        payload, at = await _escalation(pool, h.id)
    assert payload["escalation"]["to"] == "sender"
    assert at > DEADLINE


async def test_the_api_says_it_went_to_the_successor(db_url: str, redis_url: str, clock) -> None:
    from handoff import ids
    from handoff.jobs.worker import run_due
    from tests.integration._webhook_helpers import harness

    clock.set(MONDAY_8)
    async with harness(db_url, redis_url, clock) as api:
        ws = await api.workspace("acme")
        async with api.pool.connection() as conn, conn.transaction():
            sam = await person(conn, ws, clock.now(), "Sam", NYC)
            ana = await person(conn, ws, clock.now(), "Ana", AMS)
            lee = await person(conn, ws, clock.now(), "Lee", AMS)
            within = timedelta(hours=1)
            made = await handoff(
                conn, ws, clock.now(), sam, to=ana, respond_within=within, max_reminders=0
            )
            await deactivate_person(conn, ws, clock.now(), sam.id, lee.id)
        for at in (MONDAY_8, DEADLINE):
            clock.set(at)
            await run_due(api.pool, api.redis, clock, api.settings)
        query = """query($id: ID!) { node(id: $id) { ... on Handoff {
            escalation { to person { name } from { name } } history { type summary } } } }"""
        found = (await api.gql(ws, query, id=ids.encode("Handoff", made.id)))["node"]
    assert found["escalation"] == {
        "to": "SUCCESSOR",
        "person": {"name": "Lee"},
        "from": {"name": "Ana"},
    }
    assert found["history"][-1]["summary"] == (
        "Escalated to who took over the sender's work: Lee has it now."
    )
