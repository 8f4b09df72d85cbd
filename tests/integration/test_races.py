"""Races found in review: a request holds a row it changes while another request reaches
for the same row; whatever order their commits take, nothing is lost or left half done.

Each test makes one side wait on the other's lock (it waits until PostgreSQL shows the
wait), then lets the holder commit, so the interleaving is the same on every run."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from psycopg_pool import AsyncConnectionPool

from handoff.services.errors import Forbidden
from handoff.services.handoffs import create_handoff
from handoff.services.lifecycle import transition
from handoff.services.membership import deactivate_person
from handoff.services.rights import Actor
from handoff.services.teams import add_member, create_team
from handoff.services.tokens import create_person_token, revoke_token
from handoff.storage import tokens
from handoff.storage.db import open_pool
from handoff.storage.run import Conn
from tests.integration._delivery_helpers import person, workspace
from tests.integration.test_lifecycle_edges import acknowledged_item

AMS = "Europe/Amsterdam"


@pytest.fixture
async def pool(db_url: str) -> AsyncIterator[AsyncConnectionPool]:
    found = await open_pool(db_url, 1, 6)
    yield found
    await found.close()


async def while_held(
    pool: AsyncConnectionPool,
    holding: Callable[[Conn], Awaitable[Any]],
    racing: Callable[[Conn], Awaitable[Any]],
) -> Any:
    """Run `holding` in a transaction; start `racing` in another one, wait until it
    waits for a lock, then commit the first. What `racing` returned or raised."""

    async def race() -> Any:
        try:
            async with pool.connection() as conn, conn.transaction():
                return await racing(conn)
        except Exception as error:  # a refusal may be the expected outcome
            return error

    async with pool.connection() as conn, conn.transaction():
        await holding(conn)
        task = asyncio.create_task(race())
        for _ in range(500):
            assert not task.done(), task
            async with pool.connection() as watch:
                cur = await watch.execute(
                    "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                )
                if (await cur.fetchone())["n"]:
                    break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the racing request never waited for the lock")
    return await task


async def test_an_old_outcome_racing_the_item_being_passed_on_leaves_the_item_in_handoff(
    pool, clock
) -> None:
    async with pool.connection() as conn, conn.transaction():
        ws, bob, h1, passing_on = await acknowledged_item(conn, clock.now())
    # Bob passes the item on (holding its lock) while Ana's handoff is completed
    await while_held(
        pool,
        lambda conn: create_handoff(conn, ws, clock.now(), passing_on),
        lambda conn: transition(conn, ws, clock.now(), h1.id, "COMPLETED"),
    )
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT status, holder_id FROM work_items WHERE id = %s", (h1.work_item_id,)
        )
        # the new handoff owns the item: the old one's outcome does not move it
        assert await cur.fetchone() == {"status": "IN_HANDOFF", "holder_id": bob.id}


async def test_a_person_joining_a_team_while_they_leave_is_not_left_in_it(pool, clock) -> None:
    async with pool.connection() as conn, conn.transaction():
        ws = await workspace(conn, clock.now())
        ana = await person(conn, ws, clock.now(), "Ana", AMS)
        await person(conn, ws, clock.now(), "Bob", AMS)
        team = await create_team(conn, ws, clock.now(), name="Ops")
    refused = await while_held(
        pool,
        lambda conn: deactivate_person(conn, ws, clock.now(), ana.id),
        lambda conn: add_member(conn, ws, clock.now(), team.id, ana.id),
    )
    assert isinstance(refused, Exception) and "deactivated" in str(refused), refused
    async with pool.connection() as conn:
        cur = await conn.execute("SELECT count(*) AS n FROM team_members")
        assert (await cur.fetchone())["n"] == 0


async def test_a_token_made_while_its_maker_is_revoked_is_revoked_with_it(pool, clock) -> None:
    async with pool.connection() as conn, conn.transaction():
        ws = await workspace(conn, clock.now())
        ana = await person(conn, ws, clock.now(), "Ana", AMS)
        maker, _ = await tokens.insert(conn, ws, clock.now(), label="app", person_id=ana.id)
    as_ana = Actor(ws, ana.id, maker.id)
    made: list[Any] = []

    async def mint(conn: Conn) -> None:
        made.append(await create_person_token(conn, ws, clock.now(), ana.id, "phone", actor=as_ana))

    # the maker mints (holding it until commit) while the workspace revokes it
    await while_held(pool, mint, lambda conn: revoke_token(conn, ws, clock.now(), maker.id))
    [(child, _)] = made
    async with pool.connection() as conn:
        found = await tokens.get(conn, ws, child.id)
        assert found is not None and found.revoked_at is not None
    # and after the revocation (another API process may trust the token for a second
    # more), the maker mints nothing
    async with pool.connection() as conn, conn.transaction():
        with pytest.raises(Forbidden, match="revoked"):
            await create_person_token(conn, ws, clock.now(), ana.id, "tab", actor=as_ana)
