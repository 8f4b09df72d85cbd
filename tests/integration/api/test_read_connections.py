"""Reads run without a transaction (no BEGIN and COMMIT round trips); changes still commit
or roll back whole on the same pooled connections afterwards."""

from __future__ import annotations

import pytest
from psycopg.pq import TransactionStatus

from handoff.api.context import Context
from handoff.settings import Settings


@pytest.fixture
async def ctx(app_pool, clock) -> Context:
    async with app_pool.connection() as conn:
        cur = await conn.execute(
            "INSERT INTO workspaces (name, created_at) VALUES ('reads', now()) RETURNING id"
        )
        row = await cur.fetchone()
    return Context(pool=app_pool, workspace_id=row["id"], clock=clock, settings=Settings())


async def test_a_read_opens_no_transaction_and_leaves_the_connection_as_it_found_it(
    ctx, app_pool
) -> None:
    async with ctx.connection() as conn:
        await conn.execute("SELECT 1")
        # in a transaction this would be INTRANS until a COMMIT round trip
        assert conn.info.transaction_status == TransactionStatus.IDLE
        assert conn.autocommit
    async with app_pool.connection() as conn:
        assert not conn.autocommit


async def test_a_change_after_reads_is_still_one_transaction(ctx, app_pool) -> None:
    # every pooled connection serves a read first
    for _ in range(app_pool.max_size):
        async with ctx.connection() as conn:
            await conn.execute("SELECT 1")

    class Boom(Exception):
        pass

    async def half_then_fail(conn, ws, now, actor=None) -> None:
        await conn.execute("UPDATE workspaces SET name = 'changed' WHERE id = %s", (ws,))
        raise Boom

    with pytest.raises(Boom):
        await ctx.change(half_then_fail)
    async with ctx.connection() as conn:
        cur = await conn.execute("SELECT name FROM workspaces WHERE id = %s", (ctx.workspace_id,))
        assert (await cur.fetchone())["name"] == "reads"


async def test_a_read_cut_off_mid_statement_does_not_poison_the_pool(ctx, app_pool) -> None:
    with pytest.raises(Exception, match="canceling statement"):
        async with ctx.connection() as conn:
            await conn.execute("SET statement_timeout = '50ms'")
            try:
                await conn.execute("SELECT pg_sleep(1)")
            finally:
                await conn.execute("RESET statement_timeout")
    async with ctx.connection() as conn:
        cur = await conn.execute("SELECT 2 AS two")
        assert (await cur.fetchone())["two"] == 2
