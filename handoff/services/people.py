"""People: who they are and when they work."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from handoff.calendar import (
    DeliveryPolicy,
    InvalidPattern,
    NoWorkingTime,
    WorkingPattern,
    next_delivery,
)
from handoff.calendar.pattern import load_zone
from handoff.services.errors import Invalid, NotFound
from handoff.services.payloads import person_ref
from handoff.services.reschedule import reschedule_person
from handoff.storage.events import record_event
from handoff.storage.models import Person
from handoff.storage.run import one

HANDLE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DEFAULT_WEEK = {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}


def _check_name(name: str, field: str = "name") -> str:
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise Invalid(field, f"{field} must be 1 to 200 characters, got {len(name)}")
    return name


def _check_handle(handle: str) -> str:
    if not HANDLE.match(handle):
        raise Invalid(
            "handle",
            f"handle {handle!r} must be 1-64 lowercase letters, digits, '.', '_' or '-'",
        )
    return handle


def _check_email(email: str | None) -> str | None:
    if email is not None and not EMAIL.match(email):
        raise Invalid("email", f"email {email!r} is not an email address")
    return email


def build_pattern(data: dict[str, Any], timezone: str | None, field: str) -> WorkingPattern:
    """Validate a working pattern dict; `timezone` fills in or must match its zone."""
    data = dict(data)
    if timezone is not None:
        if data.get("timezone") not in (None, timezone):
            raise Invalid(
                f"{field}.timezone",
                f"working pattern zone {data['timezone']!r} differs from timezone {timezone!r}",
            )
        data["timezone"] = timezone
    try:
        return WorkingPattern.from_dict(data)
    except InvalidPattern as e:
        raise Invalid(_join(field, e.field), str(e)) from None


def build_policy(data: dict[str, Any], field: str) -> DeliveryPolicy:
    """Validate a delivery policy dict."""
    try:
        return DeliveryPolicy.from_dict(data)
    except InvalidPattern as e:
        raise Invalid(_join(field, e.field), str(e)) from None


def _join(prefix: str, sub: str) -> str:
    # The engine names fields like its dict (time_off); clients know the input names
    # (timeOff), so each segment is turned into camelCase.
    camel = ".".join(_camel(part) for part in sub.split(".")) if sub else ""
    return f"{prefix}.{camel}" if camel else prefix


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)


async def get_person(conn: AsyncConnection[Any], ws: int, person_id: int) -> Person:
    """The person, or NotFound (also for another workspace's person)."""
    person = await one(conn, "person_get", {"workspace_id": ws, "id": person_id}, Person.from_row)
    if person is None:
        raise NotFound("Person", person_id)
    return person


async def _locked(conn: AsyncConnection[Any], ws: int, person_id: int) -> Person:
    person = await one(
        conn, "person_get_for_update", {"workspace_id": ws, "id": person_id}, Person.from_row
    )
    if person is None:
        raise NotFound("Person", person_id)
    return person


async def create_person(
    conn: AsyncConnection[Any],
    ws: int,
    now: datetime,
    *,
    name: str,
    handle: str,
    timezone: str,
    email: str | None = None,
    working_pattern: dict[str, Any] | None = None,
    delivery_policy: dict[str, Any] | None = None,
) -> Person:
    """Create a person; Mon-Fri 09:00-17:00 in their zone when no pattern is given."""
    name = _check_name(name)
    handle = _check_handle(handle)
    email = _check_email(email)
    try:
        load_zone(timezone)
    except InvalidPattern as e:
        raise Invalid("timezone", str(e)) from None
    pattern = build_pattern(
        working_pattern if working_pattern is not None else {"weekly": DEFAULT_WEEK},
        timezone,
        "workingPattern",
    )
    policy = build_policy(delivery_policy or {}, "deliveryPolicy")
    person = await one(
        conn,
        "person_insert",
        {
            "workspace_id": ws,
            "name": name,
            "handle": handle,
            "email": email,
            "timezone": timezone,
            "working_pattern": Jsonb(pattern.to_dict()),
            "delivery_policy": Jsonb(policy.to_dict()),
            "now": now,
        },
        Person.from_row,
    )
    if person is None:
        raise Invalid("handle", f"handle {handle!r} is already taken in this workspace")
    return person


async def update_person(
    conn: AsyncConnection[Any],
    ws: int,
    now: datetime,
    person_id: int,
    *,
    name: str | None = None,
    handle: str | None = None,
    email: str | None = None,
    set_email: bool = False,
) -> Person:
    """Change a person's name, handle or email (None leaves a field as it is)."""
    await _locked(conn, ws, person_id)
    if name is not None:
        name = _check_name(name)
    if handle is not None:
        _check_handle(handle)
        taken = await one(
            conn,
            "person_handle_taken",
            {"workspace_id": ws, "handle": handle, "id": person_id},
            lambda r: r["taken"],
        )
        if taken:
            raise Invalid("handle", f"handle {handle!r} is already taken in this workspace")
    params = {
        "workspace_id": ws,
        "id": person_id,
        "name": name,
        "handle": handle,
        "email": _check_email(email),
        "set_email": set_email,
        "now": now,
    }
    person = await one(conn, "person_update", params, Person.from_row)
    assert person is not None
    return person


async def set_working_pattern(
    conn: AsyncConnection[Any], ws: int, now: datetime, person_id: int, data: dict[str, Any]
) -> Person:
    """Replace a person's working pattern and move their pending follow-ups."""
    await _locked(conn, ws, person_id)
    pattern = build_pattern(data, None, "workingPattern")
    return await _store_pattern(conn, ws, now, person_id, pattern, "working_pattern")


async def _store_pattern(
    conn: AsyncConnection[Any],
    ws: int,
    now: datetime,
    person_id: int,
    pattern: WorkingPattern,
    change: str,
) -> Person:
    person = await one(
        conn,
        "person_set_pattern",
        {
            "workspace_id": ws,
            "id": person_id,
            "working_pattern": Jsonb(pattern.to_dict()),
            "timezone": pattern.timezone,
            "now": now,
        },
        Person.from_row,
    )
    assert person is not None
    field = "workingPattern" if change == "working_pattern" else "start"
    moved = await reschedule_person(conn, ws, now, person, field)
    await _availability_changed(conn, ws, now, person, change, moved)
    return person


async def _availability_changed(
    conn: AsyncConnection[Any], ws: int, now: datetime, person: Person, change: str, moved: int
) -> None:
    """Record `person.availability_changed` beside the change and the follow-ups it moved."""
    try:
        reachable: str | None = next_delivery(person.pattern, person.policy, now).at.isoformat()
    except NoWorkingTime:
        reachable = None
    await record_event(
        conn,
        ws,
        "person.availability_changed",
        {
            "person": person_ref(person),
            "change": change,
            "nextReachableAt": reachable,
            "followUpsMoved": moved,
        },
        now,
        person_id=person.id,
    )


async def set_delivery_policy(
    conn: AsyncConnection[Any], ws: int, now: datetime, person_id: int, data: dict[str, Any]
) -> Person:
    """Replace focus blocks and digest times and move pending follow-ups."""
    await _locked(conn, ws, person_id)
    policy = build_policy(data, "deliveryPolicy")
    person = await one(
        conn,
        "person_set_policy",
        {
            "workspace_id": ws,
            "id": person_id,
            "delivery_policy": Jsonb(policy.to_dict()),
            "now": now,
        },
        Person.from_row,
    )
    assert person is not None
    moved = await reschedule_person(conn, ws, now, person, "deliveryPolicy")
    await _availability_changed(conn, ws, now, person, "delivery_policy", moved)
    return person


async def add_time_off(
    conn: AsyncConnection[Any],
    ws: int,
    now: datetime,
    person_id: int,
    start: date,
    end: date,
    reason: str | None = None,
) -> Person:
    """Add a time-off period (local dates, both inclusive)."""
    person = await _locked(conn, ws, person_id)
    if end < start:
        raise Invalid("end", f"end {end.isoformat()} is before start {start.isoformat()}")
    data = person.pattern.to_dict()
    entry: dict[str, Any] = {"start": start.isoformat(), "end": end.isoformat()}
    if reason:
        entry["reason"] = reason
    if entry in data.get("time_off", []):
        return person
    data["time_off"] = [*data.get("time_off", []), entry]
    pattern = build_pattern(data, None, "timeOff")
    return await _store_pattern(conn, ws, now, person_id, pattern, "time_off")


async def remove_time_off(
    conn: AsyncConnection[Any], ws: int, now: datetime, person_id: int, start: date, end: date
) -> Person:
    """Remove the time-off period that starts and ends on these dates."""
    person = await _locked(conn, ws, person_id)
    data = person.pattern.to_dict()
    kept = [
        t
        for t in data.get("time_off", [])
        if (t["start"], t["end"]) != (start.isoformat(), end.isoformat())
    ]
    if len(kept) == len(data.get("time_off", [])):
        raise NotFound("TimeOff", f"{start.isoformat()}..{end.isoformat()}")
    data["time_off"] = kept
    pattern = build_pattern(data, None, "timeOff")
    return await _store_pattern(conn, ws, now, person_id, pattern, "time_off")
