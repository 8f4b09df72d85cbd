"""Pool connections that keep their socket registered with the event loop between waits.

psycopg's asyncio wait registers the socket for every wait (`add_reader`), arms a timer,
then cancels the timer and removes the socket: under uvloop two epoll_ctl system calls
and a timer per round trip, and a createHandoff makes four. A connection of this class
registers its socket the first time it waits to read and leaves it registered; a wait is
then one future. Measured with `bench_api.py --interleave` (2026-12-07, Intel Xeon,
`nproc` 2; tests/benchmarks/README.md): API CPU per createHandoff 4-7 % lower.

A socket that turns readable with nobody waiting (a notice, or PostgreSQL closing the
connection) is taken off the loop at once, so a socket left readable cannot make the
loop spin; the next wait registers it again. So is one that reports an error or a
hang-up (a zero-timeout poll() as it wakes a wait): libuv stops watching such a socket
by itself. Waits with a timeout, waits to write (a send that filled the socket's buffer)
and an interrupted wait (a cancelled task) are left to psycopg's own code, which on
interruption cancels the query on the server as it always does. `close()` takes the
socket off the loop before psycopg closes it, and wakes a wait still on it.
"""

from __future__ import annotations

import select
from asyncio import AbstractEventLoop, Future, get_running_loop
from collections.abc import Generator
from typing import Any, TypeVar

from psycopg import AsyncConnection
from psycopg import errors as e
from psycopg.waiting import READY_R, WAIT_W

_BROKEN = select.POLLERR | select.POLLHUP | select.POLLNVAL
Row = TypeVar("Row")
RV = TypeVar("RV")


class _Reader:
    """A socket registered with a loop, and the wait (if any) its readiness ends."""

    __slots__ = ("conn", "fd", "loop", "poller", "waiter")

    def __init__(self, conn: ResidentReaderConnection[Any], loop: AbstractEventLoop) -> None:
        self.conn, self.loop, self.fd = conn, loop, conn.pgconn.socket
        self.waiter: Future[None] | None = None
        self.poller = select.poll()
        self.poller.register(self.fd, select.POLLIN)

    def ready(self) -> None:
        if self.waiter is None:
            self.conn._release()  # nobody waits: unregister rather than be called again
            return
        if any(events & _BROKEN for _, events in self.poller.poll(0)):
            # libuv stops watching a socket that reported an error or a hang-up, and says
            # so to nobody (measured under uvloop 0.23: the next wait never woke): the
            # next wait registers it afresh, as psycopg's own would
            self.conn._release()
        if not self.waiter.done():
            self.waiter.set_result(None)


class _Resumed(Generator[Any, Any, Any]):
    """The rest of a psycopg generator that last yielded `state`: yields `state` again
    first (after raising `interrupted`, if given), then goes on with the generator."""

    def __init__(
        self, gen: Generator[Any, Any, Any], state: Any, interrupted: BaseException | None = None
    ) -> None:
        self._gen, self._state, self._interrupted = gen, state, interrupted

    def send(self, value: Any) -> Any:
        if self._interrupted is not None:
            interrupted, self._interrupted = self._interrupted, None
            raise interrupted
        if self._state is not None:
            state, self._state = self._state, None
            return state
        return self._gen.send(value)

    def throw(self, *args: Any) -> Any:
        return self._gen.throw(*args)


class ResidentReaderConnection(AsyncConnection[Row]):
    """An `AsyncConnection` whose waits to read reuse one registration of its socket."""

    _reader: _Reader | None = None

    async def wait(
        self,
        gen: Generator[Any, Any, RV],
        interval: float = 0.1,
        timeout: float | None = None,  # noqa: ASYNC109 (psycopg's signature)
    ) -> RV:
        """Consume a psycopg generator; see the module's docstring for which waits are
        psycopg's own."""
        if timeout is not None:
            self._release()
            return await super().wait(gen, interval, timeout)
        try:
            state = next(gen)
            while not state & WAIT_W:
                try:
                    await self._readable()
                except BaseException as interrupted:
                    # psycopg's wait gets it at once: a cancellation makes it cancel the
                    # server's query; anything else it lets through
                    self._release()
                    return await super().wait(_Resumed(gen, state, interrupted), interval)
                state = gen.send(READY_R)
        except StopIteration as done:
            return done.value
        except OSError as ex:
            raise e.OperationalError("connection socket closed") from ex
        self._release()
        return await super().wait(_Resumed(gen, state), interval)

    async def _readable(self) -> None:
        loop = get_running_loop()
        reader = self._reader
        if reader is None or reader.loop is not loop:
            self._release()
            reader = self._reader = _Reader(self, loop)
            loop.add_reader(reader.fd, reader.ready)
        reader.waiter = loop.create_future()
        try:
            await reader.waiter
        finally:
            reader.waiter = None

    def _release(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None and not reader.loop.is_closed():
            reader.loop.remove_reader(reader.fd)

    async def close(self) -> None:
        """Take the socket off the loop, then close the connection; a wait in progress
        (another task's statement) wakes and fails as the connection is gone."""
        reader = self._reader
        self._release()
        await super().close()
        if reader is not None and reader.waiter is not None and not reader.waiter.done():
            reader.waiter.set_result(None)
