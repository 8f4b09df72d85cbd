"""Pool connections keep their socket registered with the loop between waits
(handoff.storage.resident_reader): statements, a cancelled query, a send larger than the
socket's buffer, data arriving with nobody waiting, and a server that goes away."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import psycopg
import pytest
import uvloop

from handoff.storage.db import open_pool
from handoff.storage.resident_reader import ResidentReaderConnection


async def _connect(db_url: str) -> ResidentReaderConnection:
    return await ResidentReaderConnection.connect(db_url, autocommit=True)


async def _until_released(conn: ResidentReaderConnection) -> None:
    """Let the loop run until the connection's socket is off it (the loop sees the data
    that arrived as soon as it polls; bounded so a failure cannot hang the suite)."""
    for _ in range(500):
        if conn._reader is None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the socket stayed registered")


async def _the_pool_hands_out_resident_reader_connections(db_url: str) -> None:
    pool = await open_pool(db_url, 1, 2)
    try:
        async with pool.connection() as conn:
            assert isinstance(conn, ResidentReaderConnection)
            assert (await (await conn.execute("SELECT 41 + 1 AS n")).fetchone()) == {"n": 42}
    finally:
        await pool.close()


async def _statements_reuse_one_registration(db_url: str) -> None:
    async with await _connect(db_url) as conn:
        assert conn._reader is None
        await conn.execute("SELECT 1")
        first = conn._reader
        assert first is not None
        for n in range(20):
            cur = await conn.execute("SELECT %s::int AS n", (n,))
            assert (await cur.fetchone()) == (n,)
        assert conn._reader is first
    assert conn._reader is None  # closed with the block


async def _a_cancelled_query_is_cancelled_on_the_server(db_url: str) -> None:
    async with await _connect(db_url) as conn:
        await conn.execute("SELECT 1")
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(conn.execute("SELECT pg_sleep(60)"), 0.2)
        # psycopg's own recovery ran: the server stopped the query, the connection works
        assert conn.pgconn.transaction_status == psycopg.pq.TransactionStatus.IDLE
        assert (await (await conn.execute("SELECT 'still here'")).fetchone()) == ("still here",)
        assert conn._reader is not None


async def _a_send_larger_than_the_socket_buffer(db_url: str) -> None:
    async with await _connect(db_url) as conn:
        await conn.execute("SELECT 1")
        big = "x" * (8 * 1024 * 1024)
        cur = await conn.execute("SELECT length(%s::text)", (big,))
        assert (await cur.fetchone()) == (len(big),)
        assert (await (await conn.execute("SELECT 2")).fetchone()) == (2,)


async def _data_with_nobody_waiting_takes_the_socket_off_the_loop(db_url: str) -> None:
    async with await _connect(db_url) as listener:
        await listener.execute("LISTEN resident_reader_test")
        assert listener._reader is not None
        async with await psycopg.AsyncConnection.connect(db_url, autocommit=True) as other:
            await other.execute("NOTIFY resident_reader_test, 'hello'")
        # the notification arrives while nothing reads: the socket leaves the loop rather
        # than wake it on every pass, and the next statement registers it again
        await _until_released(listener)
        assert (await (await listener.execute("SELECT 3")).fetchone()) == (3,)
        assert listener._reader is not None


async def _a_server_that_goes_away_fails_the_next_statement(db_url: str) -> None:
    async with await _connect(db_url) as conn:
        pid = conn.pgconn.backend_pid
        await conn.execute("SELECT 1")
        async with await psycopg.AsyncConnection.connect(db_url, autocommit=True) as admin:
            await admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        await _until_released(conn)
        with pytest.raises(psycopg.OperationalError):
            await conn.execute("SELECT 1")


async def _closing_a_connection_fails_a_statement_waiting_on_it(db_url: str) -> None:
    conn = await _connect(db_url)
    running = asyncio.ensure_future(conn.execute("SELECT pg_sleep(60)"))
    for _ in range(500):
        if conn._reader is not None and conn._reader.waiter is not None:
            break
        await asyncio.sleep(0.01)
    await conn.close()
    # woken by the close itself (asyncio.wait cancels nothing: a wait nobody wakes stays
    # pending here, while wait_for's cancellation would fail it another way)
    await asyncio.wait({running}, timeout=10)
    if not running.done():
        running.cancel()
        await asyncio.wait({running})
        raise AssertionError("the statement still waited on a closed connection")
    assert isinstance(running.exception(), psycopg.OperationalError)


async def _closed_connections_leave_nothing_on_the_loop(db_url: str) -> None:
    # file descriptors are reused: a new connection on a number a closed one had works
    for n in range(5):
        conn = await _connect(db_url)
        assert (await (await conn.execute("SELECT %s::int", (n,))).fetchone()) == (n,)
        await conn.close()
        assert conn._reader is None


SCENARIOS = [
    _the_pool_hands_out_resident_reader_connections,
    _statements_reuse_one_registration,
    _a_cancelled_query_is_cancelled_on_the_server,
    _a_send_larger_than_the_socket_buffer,
    _data_with_nobody_waiting_takes_the_socket_off_the_loop,
    _a_server_that_goes_away_fails_the_next_statement,
    _closing_a_connection_fails_a_statement_waiting_on_it,
    _closed_connections_leave_nothing_on_the_loop,
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__.strip("_"))
@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
async def test_resident_reader(
    scenario: Callable[[str], Awaitable[None]], loop: str, db_url: str
) -> None:
    # the API and the worker run on uvloop, whose add_reader/remove_reader are its own
    if loop == "uvloop":
        await asyncio.to_thread(uvloop.run, scenario(db_url))
    else:
        await scenario(db_url)
