"""Budgeted urgency through the services, real PostgreSQL and the delivery engine, on a
manual clock: focus blocks broken but off-hours never, the budget per the receiver's
working week (across DST and zones), the allow-list, the pause after three "not urgent"
ratings, teams, previews, concurrency and rescheduling."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from handoff.jobs.worker import run_due
from handoff.services.availability import add_time_off
from handoff.services.errors import Conflict, Invalid, NotFound
from handoff.services.handoffs import NewHandoff, Note, create_handoff, preview_handoff
from handoff.services.lifecycle import reassign, transition
from handoff.services.teams import create_team
from handoff.services.urgency_policy import PolicyInput, rate_urgency, set_policy
from handoff.states import HandoffStatus, Routing, UrgentFrom
from handoff.storage.models import Handoff, Person
from tests.integration._delivery_helpers import engine, events_of, follow_ups_of, person, workspace

AMS = "Europe/Amsterdam"
NYC = "America/New_York"
SYD = "Australia/Sydney"
MON_THU = {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu")}
FOCUS_MORNINGS = {"focus_blocks": {d: ["09:00-11:00"] for d in ("mon", "tue", "wed", "thu", "fri")}}
ALWAYS = {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def send(
    conn: Any,
    ws: int,
    now: datetime,
    sender: Person,
    *,
    to: Person | None = None,
    team_id: int | None = None,
    urgent: str | None = "production is down",
    respond_within: timedelta | None = None,
) -> Handoff:
    h, created = await create_handoff(
        conn,
        ws,
        now,
        NewHandoff(
            sender_id=sender.id,
            note=Note("please look"),
            new_work_item_title="incident",
            to_person_id=to.id if to else None,
            to_team_id=team_id,
            respond_within=respond_within,
            urgent_reason=urgent,
        ),
    )
    assert created
    return h


async def urgency_rows(conn: Any, handoff_id: int | None = None) -> list[dict[str, Any]]:
    cur = await conn.execute(
        "SELECT * FROM urgent_handoffs WHERE (%(h)s::bigint IS NULL OR handoff_id = %(h)s)"
        " ORDER BY created_at, handoff_id, person_id",
        {"h": handoff_id},
    )
    return list(await cur.fetchall())


async def outcome(conn: Any, h: Handoff) -> tuple[str, str | None]:
    [row] = await urgency_rows(conn, h.id)
    return row["outcome"], row["declined_because"]


async def test_urgent_breaks_a_focus_block_but_never_lands_off_hours(db_url, redis_url, clock):
    # Friday 27 Nov 14:00 UTC: Ana's day off. Monday 09:00-11:00 is her focus block.
    async with engine(db_url, redis_url) as (pool, redis, settings):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            bo = await person(conn, ws, clock.now(), "Bo", NYC)
            ana = await person(conn, ws, clock.now(), "Ana", AMS, MON_THU, FOCUS_MORNINGS)
            normal = await send(conn, ws, clock.now(), bo, to=ana, urgent=None)
            urgent = await send(conn, ws, clock.now(), bo, to=ana)
        assert normal.deliver_at == utc(2026, 11, 30, 10)  # after the focus block
        assert urgent.deliver_at == utc(2026, 11, 30, 8)  # Monday 09:00, not Friday
        assert urgent.explanation == [
            "Sent as urgent: Ana lets Bo break through once a week, and this is number 1 of "
            "the week.",
            "Friday 27 Nov is Ana's day off.",
            "Ana's next working time starts Monday 30 Nov 09:00 Europe/Amsterdam.",
            "Urgent: lands inside Ana's focus block 09:00–11:00.",
            "Lands Monday 30 Nov 09:00 Europe/Amsterdam (08:00 UTC).",
        ]
        async with pool.connection() as conn:
            assert await outcome(conn, urgent) == ("BROKE_THROUGH", None)
            [delivery] = await follow_ups_of(conn, urgent.id)
        assert delivery["due_at"] == urgent.deliver_at

        clock.set(utc(2026, 11, 30, 8))
        assert await run_due(pool, redis, clock, settings) == 1
        async with pool.connection() as conn:
            types = [e["type"] for e in await events_of(conn, urgent.id)]
            events = await events_of(conn, urgent.id)
            [row] = await urgency_rows(conn, urgent.id)
        assert types == ["handoff.created", "handoff.delivered", "handoff.urgent_delivered"]
        data = events[-1]["payload"]
        assert events[-1]["person_id"] == ana.id
        assert data["urgency"]["reason"] == "production is down"
        assert data["urgency"]["outcome"] == "BROKE_THROUGH"
        assert data["handoff"]["status"] == "DELIVERED"
        assert row["delivered_at"] == utc(2026, 11, 30, 8)
        # the engine runs again: no second urgent_delivered
        clock.set(utc(2026, 11, 30, 10))
        await run_due(pool, redis, clock, settings)
        async with pool.connection() as conn:
            again = [e["type"] for e in await events_of(conn, urgent.id)]
        assert again == types


async def test_the_budget_is_one_break_through_per_sender_per_week(db_url, redis_url, clock):
    async with engine(db_url, redis_url) as (pool, _, _s):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            bo = await person(conn, ws, clock.now(), "Bo", NYC)
            kim = await person(conn, ws, clock.now(), "Kim", NYC)
            ana = await person(conn, ws, clock.now(), "Ana", AMS, MON_THU, FOCUS_MORNINGS)
        # Monday 30 Nov 09:30 in Amsterdam: inside the focus block.
        async with pool.connection() as conn, conn.transaction():
            first = await send(conn, ws, utc(2026, 11, 30, 8, 30), bo, to=ana)
        # Tuesday 09:15: Bo's budget is used; Kim has her own.
        async with pool.connection() as conn, conn.transaction():
            second = await send(conn, ws, utc(2026, 12, 1, 8, 15), bo, to=ana)
            kims = await send(conn, ws, utc(2026, 12, 1, 8, 15), kim, to=ana)
        # Tuesday 11:30, Ana free: urgency changes nothing and uses no budget.
        async with pool.connection() as conn, conn.transaction():
            free = await send(conn, ws, utc(2026, 12, 1, 10, 30), bo, to=ana)
        # Monday 7 Dec 09:30: a new week.
        async with pool.connection() as conn, conn.transaction():
            next_week = await send(conn, ws, utc(2026, 12, 7, 8, 30), bo, to=ana)
        async with pool.connection() as conn:
            assert await outcome(conn, first) == ("BROKE_THROUGH", None)
            assert await outcome(conn, second) == ("DECLINED", "BUDGET_USED")
            assert await outcome(conn, kims) == ("BROKE_THROUGH", None)
            assert await outcome(conn, free) == ("NOT_NEEDED", None)
            assert await outcome(conn, next_week) == ("BROKE_THROUGH", None)
            declined = [e for e in await events_of(conn, second.id)]
        assert first.deliver_at == utc(2026, 11, 30, 8, 30)
        assert second.deliver_at == utc(2026, 12, 1, 10)  # after the focus block, as normal
        assert kims.deliver_at == utc(2026, 12, 1, 8, 15)
        assert free.deliver_at == utc(2026, 12, 1, 10, 30)
        assert next_week.deliver_at == utc(2026, 12, 7, 8, 30)
        assert second.explanation[0] == (
            "Not delivered early: the budget of 1 urgent handoff a week to Ana was used on "
            "Mon 30 Nov."
        )
        assert any("focus" in line for line in second.explanation[1:]), second.explanation
        assert free.explanation[0].startswith("Sent as urgent, but nothing holds it back")
        # the sender sees the decline at once: an event for Bo, beside handoff.created
        assert [e["type"] for e in declined] == ["handoff.created", "handoff.urgency_declined"]
        assert declined[1]["person_id"] == bo.id
        assert declined[1]["payload"]["urgency"]["declinedBecause"] == "BUDGET_USED"
        assert declined[1]["payload"]["urgency"]["person"]["name"] == "Ana"


@pytest.mark.parametrize(
    ("zone", "week_ends", "earlier"),
    [
        # Sydney springs forward on Sunday 4 Oct 2026: the week that holds it ends at
        # Monday 00:00 AEDT, 13:00 UTC (a fixed +10 would say 14:00).
        (SYD, utc(2026, 10, 4, 13), utc(2026, 9, 28, 1)),
        # Amsterdam falls back on Sunday 25 Oct 2026: the week ends at Monday 00:00 CET,
        # 23:00 UTC (a fixed +2 would say 22:00).
        (AMS, utc(2026, 10, 25, 23), utc(2026, 10, 19, 9)),
    ],
)
async def test_the_budget_follows_the_receiver_s_week_across_dst(
    db_url, redis_url, clock, zone, week_ends, earlier
):
    # The receiver works around the clock and bundles into a 09:00 digest, so every urgent
    # handoff would break through (it skips the digest wait) if the budget allowed.
    async with engine(db_url, redis_url) as (pool, _, _s):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            bo = await person(conn, ws, clock.now(), "Bo", NYC)  # another zone entirely
            ana = await person(
                conn, ws, clock.now(), "Ana", zone, ALWAYS, {"digest_times": ["09:00"]}
            )
        instants = {
            "early in the week": earlier,
            "30 min before its end": week_ends - timedelta(minutes=30),
            "at its end": week_ends,
        }
        made = {}
        for label, at in instants.items():
            async with pool.connection() as conn, conn.transaction():
                made[label] = await send(conn, ws, at, bo, to=ana)
        async with pool.connection() as conn:
            found = {label: await outcome(conn, h) for label, h in made.items()}
        assert found == {
            "early in the week": ("BROKE_THROUGH", None),
            "30 min before its end": ("DECLINED", "BUDGET_USED"),
            "at its end": ("BROKE_THROUGH", None),  # Monday 00:00 local: a new week
        }
        assert made["at its end"].deliver_at == week_ends


async def test_the_allow_list_and_nobody(db_url, redis_url, clock):
    async with engine(db_url, redis_url) as (pool, _, _s):
        now = utc(2026, 11, 30, 8, 30)  # Monday, Ana in focus
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            bo = await person(conn, ws, now, "Bo", NYC)
            kim = await person(conn, ws, now, "Kim", NYC)
            ana = await person(conn, ws, now, "Ana", AMS, MON_THU, FOCUS_MORNINGS)
            only_kim = PolicyInput(UrgentFrom.ALLOWED_SENDERS, [kim.id], 2)
            await set_policy(conn, ws, now, ana.id, only_kim, "policy")
        async with pool.connection() as conn, conn.transaction():
            bos = await send(conn, ws, now, bo, to=ana)
            kims = [await send(conn, ws, now, kim, to=ana) for _ in range(3)]
        async with pool.connection() as conn:
            assert await outcome(conn, bos) == ("DECLINED", "NOT_ALLOWED")
            assert [await outcome(conn, h) for h in kims] == [
                ("BROKE_THROUGH", None),
                ("BROKE_THROUGH", None),
                ("DECLINED", "BUDGET_USED"),
            ]
        assert bos.explanation[0] == (
            "Not delivered early: Ana takes urgent handoffs only from the people on a list Bo "
            "is not on."
        )
        assert kims[1].explanation[0].endswith("this is number 2 of the week.")
        assert kims[2].explanation[0] == (
            "Not delivered early: the budget of 2 urgent handoffs a week to Ana was used on "
            "Mon 30 Nov."
        )
        async with pool.connection() as conn, conn.transaction():
            await set_policy(conn, ws, now, ana.id, PolicyInput(UrgentFrom.NOBODY), "policy")
            refused = await send(conn, ws, now + timedelta(days=7), kim, to=ana)
        async with pool.connection() as conn:
            assert await outcome(conn, refused) == ("DECLINED", "REFUSED")
        assert refused.explanation[0] == "Not delivered early: Ana takes no urgent handoffs."


async def test_a_policy_is_checked_before_anything_is_stored(db_url, redis_url, clock):
    async with engine(db_url, redis_url) as (pool, _, _s):
        now = clock.now()
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, now)
            other = await workspace(conn, now)
            ana = await person(conn, ws, now, "Ana", AMS)
            stranger = await person(conn, other, now, "Zed", AMS)
        bad = [
            (PolicyInput(weekly_budget=0), "policy.urgentBudgetPerWeek"),
            (PolicyInput(weekly_budget=21), "policy.urgentBudgetPerWeek"),
            (PolicyInput(UrgentFrom.ALLOWED_SENDERS, []), "policy.urgentAllowedSenderIds"),
            (PolicyInput(UrgentFrom.ANYONE, [ana.id]), "policy.urgentAllowedSenderIds"),
            (PolicyInput(UrgentFrom.ALLOWED_SENDERS, [ana.id]), "policy.urgentAllowedSenderIds.0"),
        ]
        for given, field in bad:
            with pytest.raises(Invalid) as caught:
                async with pool.connection() as conn, conn.transaction():
                    await set_policy(conn, ws, now, ana.id, given, "policy")
            assert caught.value.field == field
        with pytest.raises(NotFound):
            async with pool.connection() as conn, conn.transaction():
                given = PolicyInput(UrgentFrom.ALLOWED_SENDERS, [stranger.id])
                await set_policy(conn, ws, now, ana.id, given, "policy")
        async with pool.connection() as conn:
            cur = await conn.execute(
                "SELECT (SELECT count(*) FROM urgency_policies) + "
                "(SELECT count(*) FROM urgency_allowed_senders) AS n"
            )
            assert (await cur.fetchone())["n"] == 0


async def _deliver(pool, redis, clock, settings, h: Handoff) -> None:
    clock.set(max(clock.now(), h.deliver_at))
    await run_due(pool, redis, clock, settings)


async def test_three_not_urgent_ratings_pause_the_sender_for_30_days(db_url, redis_url, clock):
    async with engine(db_url, redis_url) as (pool, redis, settings):
        start = utc(2026, 11, 30, 8, 30)  # Monday, Ana in focus
        clock.set(start)
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            bo = await person(conn, ws, start, "Bo", NYC)
            ana = await person(conn, ws, start, "Ana", AMS, MON_THU, FOCUS_MORNINGS)
            await set_policy(conn, ws, start, ana.id, PolicyInput(weekly_budget=20), "policy")

        async def urgent_now() -> Handoff:
            async with pool.connection() as conn, conn.transaction():
                h = await send(conn, ws, clock.now(), bo, to=ana)
            await _deliver(pool, redis, clock, settings, h)
            return h

        async def rate(h: Handoff, was_urgent: bool) -> Any:
            async with pool.connection() as conn, conn.transaction():
                return await rate_urgency(conn, ws, clock.now(), h.id, was_urgent)

        # urgent, not, not, urgent, not, not: never three "not urgent" in a row
        for verdict in (True, False, False, True, False, False):
            rated = await rate(await urgent_now(), verdict)
            assert rated.paused_until is None
            clock.advance(timedelta(minutes=5))
        third = await urgent_now()
        rated = await rate(third, False)
        assert rated.paused_until == clock.now() + timedelta(days=30)
        assert rated.urgency.was_urgent is False
        paused_at = clock.now()

        clock.advance(timedelta(minutes=5))
        async with pool.connection() as conn, conn.transaction():
            paused = await send(conn, ws, clock.now(), bo, to=ana)
        async with pool.connection() as conn:
            assert await outcome(conn, paused) == ("DECLINED", "PAUSED")
        assert paused.explanation[0] == (
            "Not delivered early: Ana rated Bo's last three urgent handoffs not urgent, so Bo "
            "may not break through to Ana until Wed 30 Dec 10:00 Europe/Amsterdam."
        )
        assert paused.deliver_at == utc(2026, 11, 30, 10)  # after the focus block

        # 30 days later the pause is over, with a clean slate: one more "not urgent" is not
        # a third in a row.
        assert paused_at + timedelta(days=30) < utc(2026, 12, 31, 8, 30)
        clock.set(utc(2026, 12, 31, 8, 30))  # Thursday 09:30 in Amsterdam, in focus
        after = await urgent_now()
        async with pool.connection() as conn:
            assert await outcome(conn, after) == ("BROKE_THROUGH", None)
        assert (await rate(after, False)).paused_until is None


async def test_rating_rules(db_url, redis_url, clock):
    async with engine(db_url, redis_url) as (pool, redis, settings):
        clock.set(utc(2026, 11, 30, 8, 30))
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            bo = await person(conn, ws, clock.now(), "Bo", NYC)
            ana = await person(conn, ws, clock.now(), "Ana", AMS, MON_THU, FOCUS_MORNINGS)
            plain = await send(conn, ws, clock.now(), bo, to=ana, urgent=None)
            urgent = await send(conn, ws, clock.now() - timedelta(days=3), bo, to=ana)
        assert urgent.deliver_at == utc(2026, 11, 30, 8)  # sent Friday, lands Monday 09:00

        async def rate(h: Handoff, was_urgent: bool) -> Any:
            async with pool.connection() as conn, conn.transaction():
                return await rate_urgency(conn, ws, clock.now(), h.id, was_urgent)

        with pytest.raises(Invalid) as caught:
            await rate(plain, True)
        assert caught.value.field == "handoffId"
        assert "was not sent as urgent" in caught.value.message
        with pytest.raises(Conflict, match="has not landed yet"):
            await rate(urgent, True)
        await _deliver(pool, redis, clock, settings, urgent)
        first = await rate(urgent, True)
        assert first.urgency.was_urgent is True
        assert first.urgency.rated_at == clock.now()
        clock.advance(timedelta(hours=1))
        again = await rate(urgent, True)  # the same answer again changes nothing
        assert again.urgency.rated_at == first.urgency.rated_at
        with pytest.raises(Conflict, match="rated urgent on Mon 30 Nov; a rating cannot be"):
            await rate(urgent, False)


async def test_a_team_routes_urgency_to_who_accepts_it(db_url, redis_url, clock):
    # Monday 09:00 in Amsterdam. Ana (focus 09:00-11:00) takes urgent handoffs; Cy starts at
    # 10:30 and takes none. Follow-the-sun: normally Cy (10:30), urgently Ana (now).
    async with engine(db_url, redis_url) as (pool, _, _s):
        now = utc(2026, 11, 30, 8)
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, now)
            bo = await person(conn, ws, now, "Bo", NYC)
            ana = await person(conn, ws, now, "Ana", AMS, MON_THU, FOCUS_MORNINGS)
            cy = await person(conn, ws, now, "Cy", AMS, {"mon": ["10:30-17:00"]})
            await set_policy(conn, ws, now, cy.id, PolicyInput(UrgentFrom.NOBODY), "policy")
            team = await create_team(conn, ws, now, name="Ops", member_ids=[ana.id, cy.id])
            normal = await send(conn, ws, now, bo, team_id=team.id, urgent=None)
            urgent = await send(conn, ws, now, bo, team_id=team.id)
        assert (normal.receiver_id, normal.deliver_at) == (cy.id, utc(2026, 11, 30, 9, 30))
        assert (urgent.receiver_id, urgent.deliver_at) == (ana.id, now)
        assert urgent.explanation[:2] == [
            "Team Ops routes follow-the-sun: Ana (Europe/Amsterdam) is reachable soonest.",
            "Sent as urgent: Ana lets Bo break through once a week, and this is number 1 of "
            "the week.",
        ]
        # a team none of whose members takes urgent handoffs from Bo refuses it, storing nothing
        async with pool.connection() as conn, conn.transaction():
            await set_policy(conn, ws, now, ana.id, PolicyInput(UrgentFrom.NOBODY), "policy")
        async with pool.connection() as conn:
            before = len(await urgency_rows(conn))
            cur = await conn.execute("SELECT count(*) AS n FROM handoffs")
            handoffs_before = (await cur.fetchone())["n"]
        with pytest.raises(Invalid) as caught:
            async with pool.connection() as conn, conn.transaction():
                await send(conn, ws, now, bo, team_id=team.id)
        assert caught.value.field == "urgent"
        assert "no member of team 'Ops' takes urgent handoffs from Bo" in caught.value.message
        async with pool.connection() as conn:
            assert len(await urgency_rows(conn)) == before
            cur = await conn.execute("SELECT count(*) AS n FROM handoffs")
            assert (await cur.fetchone())["n"] == handoffs_before


async def test_preview_says_what_urgency_would_do_and_stores_nothing(db_url, redis_url, clock):
    async with engine(db_url, redis_url) as (pool, _, _s):
        now = utc(2026, 11, 30, 8, 30)
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, now)
            bo = await person(conn, ws, now, "Bo", NYC)
            ana = await person(conn, ws, now, "Ana", AMS, MON_THU, FOCUS_MORNINGS)
            await send(conn, ws, now, bo, to=ana)  # uses the week's budget
        new = NewHandoff(
            sender_id=bo.id,
            note=Note("again"),
            new_work_item_title="x",
            to_person_id=ana.id,
            urgent_reason="  still down  ",
        )
        async with pool.connection() as conn:
            rows_before = len(await urgency_rows(conn))
            p = await preview_handoff(conn, ws, now + timedelta(hours=1), new)
            assert len(await urgency_rows(conn)) == rows_before
        assert p.urgency is not None and p.urgency.declined == "BUDGET_USED"
        assert p.explanation[0].startswith("Not delivered early: the budget of 1 urgent")
        assert p.deliver_at == utc(2026, 11, 30, 10)


async def test_concurrent_urgent_handoffs_share_one_budget(db_url, redis_url, clock):
    async with engine(db_url, redis_url) as (pool, _, _s):
        now = utc(2026, 11, 30, 8, 30)
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, now)
            bo = await person(conn, ws, now, "Bo", NYC)
            ana = await person(conn, ws, now, "Ana", AMS, MON_THU, FOCUS_MORNINGS)

        async def one() -> Handoff:
            async with pool.connection() as conn, conn.transaction():
                h = await send(conn, ws, now, bo, to=ana)
                await asyncio.sleep(0.05)  # hold the lock while the others wait
                return h

        made = await asyncio.gather(*(one() for _ in range(4)))
        async with pool.connection() as conn:
            outcomes = sorted([(await outcome(conn, h))[0] for h in made])
        assert outcomes == ["BROKE_THROUGH", "DECLINED", "DECLINED", "DECLINED"]


async def test_an_urgent_handoff_still_breaks_through_when_its_receiver_s_hours_change(
    db_url, redis_url, clock
):
    async with engine(db_url, redis_url) as (pool, _, _s):
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, clock.now())
            bo = await person(conn, ws, clock.now(), "Bo", NYC)
            ana = await person(conn, ws, clock.now(), "Ana", AMS, MON_THU, FOCUS_MORNINGS)
            h = await send(conn, ws, clock.now(), bo, to=ana)  # Friday: lands Monday 09:00
            await add_time_off(
                conn, ws, clock.now(), ana.id, h.deliver_at.date(), h.deliver_at.date()
            )
        async with pool.connection() as conn:
            [delivery] = await follow_ups_of(conn, h.id)
            cur = await conn.execute("SELECT deliver_at FROM handoffs WHERE id = %s", (h.id,))
            moved = (await cur.fetchone())["deliver_at"]
        # Tuesday 09:00, inside that day's focus block: still urgent, not a digest
        assert moved == delivery["due_at"] == utc(2026, 12, 1, 8)
        assert delivery["digest"] is False
        assert "Urgent: lands inside Ana's focus block 09:00–11:00." in delivery["explanation"]


async def test_a_break_through_that_never_lands_is_given_back(db_url, redis_url, clock):
    async with engine(db_url, redis_url) as (pool, redis, settings):
        now = utc(2026, 11, 27, 14)  # Friday: it would land Monday 09:00
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, now)
            bo = await person(conn, ws, now, "Bo", NYC)
            kim = await person(conn, ws, now, "Kim", NYC)
            ana = await person(conn, ws, now, "Ana", AMS, MON_THU, FOCUS_MORNINGS)
            cancelled = await send(conn, ws, now, bo, to=ana)
            await transition(conn, ws, now, cancelled.id, HandoffStatus.CANCELLED)
            moved = await send(conn, ws, now, bo, to=ana)
            await reassign(conn, ws, now, moved.id, kim.id, None)
            landing = await send(conn, ws, now, bo, to=ana)
        async with pool.connection() as conn:
            assert await outcome(conn, landing) == ("BROKE_THROUGH", None)
        # once it has landed, the break-through stays used even when the handoff is cancelled
        clock.set(landing.deliver_at)
        await run_due(pool, redis, clock, settings)
        async with pool.connection() as conn, conn.transaction():
            await transition(conn, ws, clock.now(), landing.id, HandoffStatus.CANCELLED)
            later = await send(conn, ws, clock.now(), bo, to=ana)
        async with pool.connection() as conn:
            assert await outcome(conn, later) == ("DECLINED", "BUDGET_USED")


async def test_a_team_that_notifies_all_decides_for_each_member(db_url, redis_url, clock):
    async with engine(db_url, redis_url) as (pool, redis, settings):
        now = utc(2026, 11, 30, 8, 30)  # Monday 09:30 in Amsterdam: both in focus
        clock.set(now)
        async with pool.connection() as conn, conn.transaction():
            ws = await workspace(conn, now)
            bo = await person(conn, ws, now, "Bo", NYC)
            ana = await person(conn, ws, now, "Ana", AMS, MON_THU, FOCUS_MORNINGS)
            kim = await person(conn, ws, now, "Kim", AMS, MON_THU, FOCUS_MORNINGS)
            lee = await person(conn, ws, now, "Lee", AMS, MON_THU, FOCUS_MORNINGS)
            await set_policy(conn, ws, now, lee.id, PolicyInput(UrgentFrom.NOBODY), "policy")
            team = await create_team(
                conn, ws, now, name="All", routing=Routing.ALL, member_ids=[ana.id, kim.id, lee.id]
            )
            h = await send(conn, ws, now, bo, team_id=team.id)
        async with pool.connection() as conn:
            rows = {r["person_id"]: r for r in await urgency_rows(conn, h.id)}
            due = {r["person_id"]: r["due_at"] for r in await follow_ups_of(conn, h.id)}
        assert {pid: (r["outcome"], r["declined_because"]) for pid, r in rows.items()} == {
            ana.id: ("BROKE_THROUGH", None),
            kim.id: ("BROKE_THROUGH", None),
            lee.id: ("DECLINED", "REFUSED"),
        }
        assert due == {ana.id: now, kim.id: now, lee.id: utc(2026, 11, 30, 10)}
        await run_due(pool, redis, clock, settings)
        async with pool.connection() as conn:
            urgent = [
                e["person_id"]
                for e in await events_of(conn, h.id)
                if e["type"] == "handoff.urgent_delivered"
            ]
            declined = [
                e for e in await events_of(conn, h.id) if e["type"] == "handoff.urgency_declined"
            ]
        assert sorted(urgent) == sorted([ana.id, kim.id])
        assert [e["payload"]["urgency"]["person"]["name"] for e in declined] == ["Lee"]
