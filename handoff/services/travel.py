"""Travel periods: add, change and remove a person's dated stays in another zone.

A period is a row (`storage.travel`, for its global ID) and an entry of the `travel`
list in the person's working pattern (what the engine reads). Every change rewrites
that list from the rows, validates the whole pattern with the engine, moves the pending
follow-ups it affects and records one `person.travel_changed` event naming them, all in
the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from handoff.calendar import InvalidPattern, NoWorkingTime, next_delivery
from handoff.calendar.travel import parse_travel
from handoff.ids import encode
from handoff.services import lookups
from handoff.services.availability import reschedule_person
from handoff.services.delegations import follow_travel
from handoff.services.errors import Invalid, NotFound
from handoff.services.patterns import build_pattern
from handoff.services.payloads import person_ref
from handoff.services.rights import Actor, Right, require
from handoff.states import TravelHolidays, TravelHours
from handoff.storage import events, people, travel
from handoff.storage.events import NewEvent
from handoff.storage.models import Person
from handoff.storage.run import Conn
from handoff.storage.travel import TravelRow, TravelValues

# Input names of the engine's period keys, for error fields.
_FIELDS = {"visited_region": "visitedRegion"}
_UNSET: Any = object()


@dataclass(frozen=True)
class TravelChange:
    """What addTravel / updateTravel say; `_UNSET` (update only) keeps a value."""

    start: date = _UNSET
    end: date = _UNSET
    timezone: str = _UNSET
    hours: str = _UNSET
    holidays: str = _UNSET
    # {"country": ..., "subdivision": ...}; None = no visited region
    visited_region: dict[str, Any] | None = _UNSET


@dataclass(frozen=True)
class TravelResult:
    """The period as stored (None once removed), the person after the change, and the
    follow-ups the change moved."""

    travel: TravelRow | None
    person: Person
    moved: list[dict[str, Any]]


def _field(engine_field: str) -> str:
    # "travel.0.visited_region.country" -> "visitedRegion.country"
    parts = engine_field.split(".")[2:] or ["start"]
    return ".".join(_FIELDS.get(p, p) for p in parts)


def _values(change: TravelChange, base: TravelRow | None) -> TravelValues:
    """Merge a change over a stored period (or nothing) and validate it with the engine."""

    def pick(value: Any, stored: Any, default: Any = _UNSET) -> Any:
        if value is not _UNSET:
            return value
        return stored if base is not None else default

    region = pick(
        change.visited_region,
        None
        if base is None or base.visited_country is None
        else {"country": base.visited_country, "subdivision": base.visited_subdivision},
        None,
    )
    item: dict[str, Any] = {
        "start": pick(change.start, base and base.start_date),
        "end": pick(change.end, base and base.end_date),
        "timezone": pick(change.timezone, base and base.timezone),
        "hours": str(pick(change.hours, base and base.hours, TravelHours.LOCAL)),
        "holidays": str(pick(change.holidays, base and base.holidays, TravelHolidays.HOME)),
        "visited_region": region,
    }
    for key in ("start", "end"):
        if isinstance(item[key], date):
            item[key] = item[key].isoformat()
    try:
        (period,) = parse_travel([item])
    except InvalidPattern as e:
        raise Invalid(_field(e.field), str(e)) from None
    visited = period.visited_region
    return TravelValues(
        start_date=period.start,
        end_date=period.end,
        timezone=period.timezone,
        hours=TravelHours(period.hours),
        holidays=TravelHolidays(period.holidays),
        visited_country=None if visited is None else visited.country,
        visited_subdivision=None if visited is None else visited.subdivision,
    )


def _check_disjoint(values: TravelValues, others: list[TravelRow]) -> None:
    """Two periods of one person may not share a date (back to back is fine)."""
    for other in others:
        if values.start_date <= other.end_date and other.start_date <= values.end_date:
            raise Invalid(
                "start",
                f"{values.start_date.isoformat()}..{values.end_date.isoformat()} shares dates "
                f"with travel period {encode('TravelPeriod', other.id)} "
                f"({other.start_date.isoformat()}..{other.end_date.isoformat()} in "
                f"{other.timezone}); periods may follow each other but not overlap",
            )


async def _person(conn: Conn, ws: int, person_id: int) -> Person:
    person = await lookups.person(conn, ws, person_id, lock=True)
    return lookups.require_active(person, "their travel cannot change")


async def add_travel(
    conn: Conn,
    ws: int,
    now: datetime,
    person_id: int,
    change: TravelChange,
    actor: Actor | None = None,
) -> TravelResult:
    """Add a travel period to a person; pending follow-ups move."""
    person = await lookups.person(conn, ws, person_id, lock=True)
    require(actor, Right.OWN, field="personId", person_id=person_id)
    lookups.require_active(person, "their travel cannot change")
    for name in ("start", "end", "timezone"):
        if getattr(change, name) is _UNSET:
            raise Invalid(name, f"{name} is required")
    values = _values(change, None)
    _check_disjoint(values, await travel.for_person(conn, ws, person.id))
    row = await travel.insert(conn, ws, person.id, values, now)
    return await _store(conn, ws, now, person, "added", row, None)


async def update_travel(
    conn: Conn,
    ws: int,
    now: datetime,
    travel_id: int,
    change: TravelChange,
    actor: Actor | None = None,
) -> TravelResult:
    """Change a travel period (unset fields stay); pending follow-ups move."""
    before = await _row(conn, ws, travel_id)
    require(actor, Right.OWN, field="id", person_id=before.person_id)
    person = await _person(conn, ws, before.person_id)
    before = await _row(conn, ws, travel_id)  # again, now that the person row is locked
    values = _values(change, before)
    others = [r for r in await travel.for_person(conn, ws, person.id) if r.id != travel_id]
    _check_disjoint(values, others)
    row = await travel.update(conn, ws, travel_id, values, now)
    return await _store(conn, ws, now, person, "updated", row, before)


async def remove_travel(
    conn: Conn, ws: int, now: datetime, travel_id: int, actor: Actor | None = None
) -> TravelResult:
    """Remove a travel period; pending follow-ups move."""
    before = await _row(conn, ws, travel_id)
    require(actor, Right.OWN, field="id", person_id=before.person_id)
    person = await _person(conn, ws, before.person_id)
    before = await _row(conn, ws, travel_id)
    await travel.delete(conn, ws, travel_id)
    return await _store(conn, ws, now, person, "removed", None, before)


async def _row(conn: Conn, ws: int, travel_id: int) -> TravelRow:
    found = await travel.get(conn, ws, travel_id)
    if found is None:
        raise NotFound("TravelPeriod", travel_id)
    return found


async def _store(
    conn: Conn,
    ws: int,
    now: datetime,
    person: Person,
    change: str,
    row: TravelRow | None,
    before: TravelRow | None,
) -> TravelResult:
    """Rewrite the pattern's travel list from the rows, move follow-ups, record the event."""
    data = person.pattern.to_dict()
    data["travel"] = [r.to_engine() for r in await travel.for_person(conn, ws, person.id)]
    pattern = build_pattern(data, None, "travel")
    stored = await people.set_pattern(conn, ws, person.id, pattern.to_dict(), pattern.timezone, now)
    assert stored is not None
    await follow_travel(conn, ws, stored)
    moved: list[dict[str, Any]] = []
    await reschedule_person(conn, ws, now, stored, "start", moves=moved, before=person.pattern)
    try:
        reachable: str | None = next_delivery(stored.pattern, stored.policy, now).at.isoformat()
    except NoWorkingTime:
        reachable = None
    payload = {
        "person": person_ref(stored),
        "change": change,
        "travel": travel_data(row if row is not None else before),
        "previous": travel_data(before) if change == "updated" else None,
        "timezoneNow": stored.pattern.zone_at(now).key,
        "homeTimezone": stored.timezone,
        "nextReachableAt": reachable,
        "followUpsMoved": moved,
    }
    event = NewEvent(ws, "person.travel_changed", payload, person_id=stored.id)
    await events.record(conn, event, now)
    return TravelResult(row, stored, moved)


def travel_data(row: TravelRow | None) -> dict[str, Any] | None:
    """A travel period as events show it."""
    if row is None:
        return None
    region = (
        None
        if row.visited_country is None
        else {"country": row.visited_country, "subdivision": row.visited_subdivision}
    )
    return {
        "id": encode("TravelPeriod", row.id),
        "start": row.start_date.isoformat(),
        "end": row.end_date.isoformat(),
        "timezone": row.timezone,
        "hours": str(row.hours),
        "holidays": str(row.holidays),
        "visitedRegion": region,
    }
