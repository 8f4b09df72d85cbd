"""Delegations: while a person is away, new handoffs to them go to a delegate.

`set_delegation` validates and stores a delegation with its start and end follow-ups
(`delegation_effects` carries them out at their instants; one that starts now starts in
the caller's transaction). `end_delegation` ends the current one early, time off may
carry a delegate, and leaving ends every delegation of and to the person.

Rules checked when a delegation is set: `end` after `start`, not past, at most 366 days;
exactly one delegate, who is in the workspace, still active and not the person; a
person's delegations do not overlap each other; and no loop: at no instant of the new
delegation may following the delegations then active lead from the delegate back to the
person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from handoff.calendar.wallclock import to_us
from handoff.calendar.wording import local_time
from handoff.ids import encode
from handoff.services import availability, lookups
from handoff.services.delegation_effects import end, start
from handoff.services.errors import Conflict, Invalid, NotFound
from handoff.services.rights import Actor, Right, require
from handoff.states import OpenHandoffs
from handoff.storage import delegations, people
from handoff.storage.delegations import Delegation, NewDelegation
from handoff.storage.models import Handoff, Person
from handoff.storage.run import Conn

MAX_SPAN = timedelta(days=366)


@dataclass(frozen=True)
class DelegateTo:
    """Who covers, and what happens to open handoffs; the span comes separately."""

    delegate_id: int | None = None
    delegate_team_id: int | None = None
    open_handoffs: OpenHandoffs = OpenHandoffs.KEEP
    hand_back: bool = False


@dataclass(frozen=True)
class DelegationResult:
    """The delegation after the change, its person, and the handoffs moved right away."""

    delegation: Delegation
    person: Person
    moved: list[Handoff]


def _when(person: Person, at: datetime) -> str:
    return local_time(to_us(at, "at"), person.pattern.zone_at(at))


def _check_span(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if ends_at <= starts_at:
        raise Invalid(
            "end", f"end {ends_at.isoformat()} must be after start {starts_at.isoformat()}"
        )
    if ends_at <= now:
        raise Invalid("end", f"end {ends_at.isoformat()} has already passed")
    if ends_at - starts_at > MAX_SPAN:
        raise Invalid("end", "a delegation may last at most 366 days")


async def _check_delegate(
    conn: Conn, ws: int, person: Person, to: DelegateTo, prefix: str
) -> Person | None:
    """The delegate person (None for a team), or Invalid naming the delegate field."""
    if (to.delegate_id is None) == (to.delegate_team_id is None):
        raise Invalid(f"{prefix}delegateId", "give exactly one of delegateId and delegateTeamId")
    if to.delegate_team_id is not None:
        field = f"{prefix}delegateTeamId"
        try:
            team = await lookups.team(conn, ws, to.delegate_team_id)
        except NotFound as e:
            raise Invalid(field, e.message) from None
        others = [m for m in await lookups.team_members(conn, ws, team.id) if m.id != person.id]
        if not others:
            raise Invalid(field, f"team {team.name!r} has no member besides {person.name}")
        return None
    field = f"{prefix}delegateId"
    if to.delegate_id == person.id:
        raise Invalid(field, f"{person.name} cannot be their own delegate")
    assert to.delegate_id is not None
    try:
        delegate = await lookups.person(conn, ws, to.delegate_id)
    except NotFound as e:
        raise Invalid(field, e.message) from None
    if delegate.deactivated_at is not None:
        raise Invalid(field, f"{delegate.name} was deactivated; choose someone still here")
    return delegate


async def _refuse_loop(
    conn: Conn, ws: int, person: Person, delegate: Person, s: datetime, e: datetime, field: str
) -> None:
    """Invalid when, at some instant of [s, e), delegations lead from the delegate back."""
    others = await delegations.live_overlapping(conn, ws, s, e)
    points = sorted({s} | {x for d in others for x in (d.starts_at, d.ends_at) if s < x < e})
    for at in points:
        onward = {d.person_id: d.delegate_id for d in others if d.starts_at <= at < d.ends_at}
        chain = [person.id, delegate.id]
        while chain[-1] in onward and len(chain) <= len(onward) + 2:
            nxt = onward[chain[-1]]
            assert nxt is not None
            chain.append(nxt)
            if nxt == person.id:
                names = {p.id: p.name for p in await people.by_ids(conn, ws, chain)}
                loop = " → ".join(names.get(i, "?") for i in chain)
                raise Invalid(
                    field,
                    f"{person.name} delegating to {delegate.name} would make a loop ({loop}) "
                    f"on {_when(person, at)}; delegations that cover for each other at the "
                    "same time are refused",
                )


async def set_delegation(
    conn: Conn,
    ws: int,
    now: datetime,
    person_id: int,
    starts_at: datetime,
    ends_at: datetime,
    to: DelegateTo,
    *,
    time_off: tuple[date, date] | None = None,
    prefix: str = "",
    actor: Actor | None = None,
) -> DelegationResult:
    """Delegate a person's new handoffs for `[starts_at, ends_at)`.

    A start at or before `now` starts it in this transaction (with REASSIGN its open
    handoffs move now); a later one, and every end, is a follow-up. `prefix` goes before
    the delegate's field names in errors (`delegation.` for time off).
    """
    person = await lookups.person(conn, ws, person_id, lock=True)
    require(actor, Right.OWN, field="personId", person_id=person_id)
    lookups.require_active(person, "they cannot delegate")
    _check_span(starts_at, ends_at, now)
    delegate = await _check_delegate(conn, ws, person, to, prefix)
    for other in await delegations.live_for_person(conn, ws, person.id, lock=True):
        if other.starts_at < ends_at and starts_at < other.ends_at:
            raise Invalid(
                "start",
                f"{person.name} already delegates from {_when(person, other.starts_at)} until "
                f"{_when(person, other.ends_at)} ({_id(other)}); end that one first",
            )
    if delegate is not None:
        await _refuse_loop(conn, ws, person, delegate, starts_at, ends_at, f"{prefix}delegateId")
    new = NewDelegation(
        ws,
        person.id,
        to.delegate_id,
        to.delegate_team_id,
        starts_at,
        ends_at,
        OpenHandoffs(to.open_handoffs),
        to.hand_back,
        *(time_off or (None, None)),
    )
    d = await delegations.insert(conn, new, now)
    starts_now = starts_at <= now
    await delegations.schedule(
        conn,
        d,
        start_why=None if starts_now else [f"{person.name}'s delegation starts."],
        end_why=[f"{person.name}'s delegation ends."],
        now=now,
    )
    moved: list[Handoff] = []
    if starts_now:
        moved = await start(conn, ws, now, d)
    found = await delegations.get(conn, ws, d.id)
    assert found is not None
    return DelegationResult(found, person, moved)


def _id(d: Delegation) -> str:
    return encode("Delegation", d.id)


async def end_delegation(
    conn: Conn, ws: int, now: datetime, person_id: int, actor: Actor | None = None
) -> DelegationResult:
    """End the person's current delegation now (or cancel the next one if none runs)."""
    person = await lookups.person(conn, ws, person_id, lock=True)
    require(actor, Right.OWN, field="personId", person_id=person_id)
    live = await delegations.live_for_person(conn, ws, person.id, lock=True)
    current = next((d for d in live if d.starts_at <= now), None) or next(iter(live), None)
    if current is None:
        raise Conflict(f"{person.name} has no current or upcoming delegation to end")
    done = await end(conn, ws, now, current, "endDelegation")
    if done is None:  # its end job won the race for the row lock
        raise Conflict(f"{person.name}'s delegation has just ended")
    return DelegationResult(done[0], person, [])


async def add_time_off_with_delegate(
    conn: Conn,
    ws: int,
    now: datetime,
    person_id: int,
    start_date: date,
    end_date: date,
    reason: str | None,
    to: DelegateTo,
    actor: Actor | None = None,
    private: bool = False,
) -> Person:
    """Add time off and a delegation covering it: from the start of its first local date
    to the start of the date after its last, each in the zone in force on that date."""
    person = await availability.add_time_off(
        conn, ws, now, person_id, start_date, end_date, reason, actor=actor, private=private
    )
    starts_at, ends_at = _time_off_span(person, start_date, end_date)
    await set_delegation(
        conn,
        ws,
        now,
        person_id,
        starts_at,
        ends_at,
        to,
        time_off=(start_date, end_date),
        prefix="delegation.",
        actor=actor,
    )
    return person


def _time_off_span(person: Person, first: date, last: date) -> tuple[datetime, datetime]:
    """From the start of the first date to the start of the date after the last, each in
    the zone the person is in on that date."""
    after = last + timedelta(days=1)
    return (
        _midnight(first, person.pattern.zone_on(first)),
        _midnight(after, person.pattern.zone_on(after)),
    )


async def follow_travel(conn: Conn, ws: int, person: Person) -> None:
    """The person's trips changed: each delegation made with time off covers its dates in
    the zone the person is now in on them (a trip to Tokyo moves the cover to Tokyo's
    midnights)."""
    for d in await delegations.live_for_person(conn, ws, person.id, lock=True):
        if d.time_off_start is None or d.time_off_end is None:
            continue
        starts_at, ends_at = _time_off_span(person, d.time_off_start, d.time_off_end)
        if (starts_at, ends_at) != (d.starts_at, d.ends_at):
            await delegations.move_span(conn, ws, d.id, starts_at, ends_at)


async def set_working_pattern(
    conn: Conn,
    ws: int,
    now: datetime,
    person_id: int,
    data: dict[str, Any],
    field: str = "workingPattern",
    actor: Actor | None = None,
) -> Person:
    """Replace a person's working pattern; a delegation made with time off the new pattern
    no longer has ends (or is cancelled), as with removeTimeOff."""
    person = await availability.set_working_pattern(conn, ws, now, person_id, data, field, actor)
    kept = {(t["start"], t["end"]) for t in person.pattern_data.get("time_off", [])}
    for d in await delegations.live_for_person(conn, ws, person_id, lock=True):
        if d.time_off_start is None or d.time_off_end is None:
            continue
        if (d.time_off_start.isoformat(), d.time_off_end.isoformat()) not in kept:
            await end(conn, ws, now, d, "timeOffRemoved")
    return person


async def remove_time_off(
    conn: Conn,
    ws: int,
    now: datetime,
    person_id: int,
    start_date: date,
    end_date: date,
    actor: Actor | None = None,
) -> Person:
    """Remove time off, and end (or cancel) the delegation made with it, if any."""
    person = await availability.remove_time_off(
        conn, ws, now, person_id, start_date, end_date, actor=actor
    )
    for d in await delegations.for_time_off(conn, ws, person_id, start_date, end_date):
        await end(conn, ws, now, d, "timeOffRemoved")
    return person


async def person_left(conn: Conn, ws: int, now: datetime, person: Person) -> list[int]:
    """A person was deactivated: their delegations end without hand-back, and delegations
    to them end (handing back what they had, where asked). Returns the ended ids."""
    ended: list[int] = []
    for d in await delegations.live_for_person(conn, ws, person.id, lock=True):
        if await end(conn, ws, now, d, "personDeactivated", hand_back=False) is not None:
            ended.append(d.id)
    for d in await delegations.live_to_delegate(conn, ws, person.id):
        if await end(conn, ws, now, d, "delegateDeactivated") is not None:
            ended.append(d.id)
    return ended


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    # fold=0: the "compatible" rule for a midnight that falls in a DST gap or overlap
    return datetime(day.year, day.month, day.day, tzinfo=zone)
