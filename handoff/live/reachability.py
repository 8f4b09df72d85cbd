"""Reachability as a stream: when people become reachable or unreachable.

A person is *reachable* inside their delivery windows: working time minus focus blocks
(`handoff.calendar.delivery_windows`, the instants where an undelayed handoff lands).
The engine gives each person's next transition instant; the stream waits on the clock
until the earliest one (`clock.sleep_until`, so a test moves a manual clock instead of
sleeping), and recomputes a person when an event changes their availability (hours or
policy, travel, deactivation: `events.AVAILABILITY`) arrives. Nothing polls a person per second.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from handoff.calendar import DeliveryPolicy, WorkingPattern, delivery_windows
from handoff.live.events import LiveEvent
from handoff.live.hub import Subscriber
from handoff.live.streams import Streams
from handoff.storage import people as people_store
from handoff.storage.models import Person

# How far the engine looks around now; beyond it, the state is looked at again.
HORIZON = timedelta(days=14)
# Transitions reported one by one when a (moved) clock skipped them; beyond, only now.
MAX_CATCH_UP = 100


@dataclass(frozen=True, slots=True)
class Reach:
    """A person's reachability at an instant."""

    reachable: bool
    since: datetime | None  # when this state began; None: before the look-back
    next_change: datetime | None  # when it flips; None: not within the horizon
    recheck_at: datetime  # when to look again


def reach_at(pattern: WorkingPattern, policy: DeliveryPolicy, now: datetime) -> Reach:
    """Whether the person is reachable at `now`, since when, and until when."""
    start, end = now - HORIZON, now + HORIZON
    merged: list[tuple[datetime, datetime]] = []
    for s, e in delivery_windows(pattern, policy, start, end).windows:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    previous_end: datetime | None = None
    for s, e in merged:
        if s <= now < e:
            return Reach(
                True,
                s if s > start else None,
                e if e < end else None,
                e if e < end else end,
            )
        if s > now:
            return Reach(False, previous_end, s, s)
        previous_end = e
    return Reach(False, previous_end, None, end)


@dataclass(frozen=True, slots=True)
class ReachabilityChange:
    """A person's reachability from `at` on."""

    person: Person
    reachable: bool
    at: datetime
    next_change: datetime | None


def _change(person: Person, reach: Reach, now: datetime) -> ReachabilityChange:
    return ReachabilityChange(person, reach.reachable, reach.since or now, reach.next_change)


async def _event_or_instant(
    sub: Subscriber, streams: Streams, instant: datetime
) -> LiveEvent | None:
    """The subscriber's next event, or None once the clock reaches `instant`."""
    got = asyncio.ensure_future(sub.get())
    slept = asyncio.ensure_future(streams.clock.sleep_until(instant))
    try:
        await asyncio.wait({got, slept}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (got, slept):
            if not task.done():
                task.cancel()
    if got.done() and not got.cancelled():
        return got.result()  # raises when the subscriber was dropped
    return None


def _due(person: Person, reach: Reach, now: datetime) -> tuple[Reach, list[ReachabilityChange]]:
    """Walk a person's transitions due by `now` (a moved clock may skip several), each
    reported at its own instant; returns the state at `now` and the changes."""
    changes: list[ReachabilityChange] = []
    for _ in range(MAX_CATCH_UP):
        if reach.recheck_at > now:
            return reach, changes
        at = reach.recheck_at
        new = reach_at(person.pattern, person.policy, at)
        if new.reachable != reach.reachable:
            changes.append(_change(person, new, at))
        reach = new
    new = reach_at(person.pattern, person.policy, now)
    if new.reachable != reach.reachable:
        changes.append(_change(person, new, now))
    return new, changes


async def reachability(
    streams: Streams, ws: int, people: list[Person]
) -> AsyncIterator[ReachabilityChange]:
    """First each person's reachability now, then every change, in time order."""
    by_id = {p.id: p for p in people}
    order = {pid: i for i, pid in enumerate(by_id)}
    sub = await streams.availability(ws, frozenset(by_id))
    try:
        now = streams.clock.now()
        state = {pid: reach_at(p.pattern, p.policy, now) for pid, p in by_id.items()}
        for pid in order:
            yield _change(by_id[pid], state[pid], now)
        while True:
            wake = min(r.recheck_at for r in state.values())
            event = await _event_or_instant(sub, streams, wake)
            now = streams.clock.now()
            changes: list[ReachabilityChange] = []
            for pid, reach in list(state.items()):
                state[pid], due = _due(by_id[pid], reach, now)
                changes += due
            if event is not None and event.person_id in by_id:
                pid = event.person_id
                async with streams.pool.connection() as conn:
                    for fresh in await people_store.by_ids(conn, ws, [pid]):
                        by_id[fresh.id] = fresh
                new = reach_at(by_id[pid].pattern, by_id[pid].policy, now)
                old = state[pid]
                if (new.reachable, new.next_change) != (old.reachable, old.next_change):
                    changes.append(_change(by_id[pid], new, now))
                state[pid] = new
            changes.sort(key=lambda c: (c.at, order[c.person.id]))
            for change in changes:
                yield change
    finally:
        streams.hub.unsubscribe(sub)
