"""On SIGTERM a process says goodbye (1001) to its live connections before the server's own
handler may close them with 1012; a second signal reaches the server's handler at once."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import UTC, datetime
from typing import Any

from handoff.api.auth import TokenCache
from handoff.api.live.connections import CloseCode, LiveConnection, LiveRuntime
from handoff.clock import ManualClock
from handoff.services.rights import Actor
from handoff.settings import Settings


async def test_the_server_handler_runs_after_the_goodbyes_and_a_second_signal_at_once() -> None:
    clock = ManualClock(datetime(2026, 12, 7, 9, tzinfo=UTC))
    runtime = LiveRuntime(Settings(), clock, TokenCache(clock.now))
    order: list[Any] = []
    sent = asyncio.Event()

    async def slow_close(code: int, message: str) -> None:
        await sent.wait()  # a busy process: the close frame goes out late
        order.append(("closed", code, message))

    runtime.connections.add(
        LiveConnection(transport="ws", actor=Actor(1), runtime=runtime, closer=slow_close)
    )
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: order.append(("server", signum)))
    try:
        undo = runtime.install_signal_hook()
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(20):
                await asyncio.sleep(0)
            assert order == []  # the server's handler waits for the goodbye
            sent.set()
            for _ in range(20):
                await asyncio.sleep(0)
            assert order == [
                ("closed", CloseCode.GOING_AWAY, "server going away"),
                ("server", signal.SIGTERM),
            ]
            assert runtime.closing
            os.kill(os.getpid(), signal.SIGTERM)  # the second one is not held back
            await asyncio.sleep(0)
            assert order[-1] == ("server", signal.SIGTERM) and len(order) == 3
        finally:
            undo()
    finally:
        signal.signal(signal.SIGTERM, previous)
