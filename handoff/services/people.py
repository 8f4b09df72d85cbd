"""People: who they are. When they work lives in `handoff.services.availability`."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from handoff.calendar import InvalidPattern
from handoff.calendar.pattern import load_zone
from handoff.services import lookups
from handoff.services.errors import Invalid
from handoff.services.patterns import DEFAULT_WEEK, build_pattern, build_policy, require_deliverable
from handoff.services.payloads import person_ref
from handoff.services.rights import Actor, Right, require
from handoff.services.text import trimmed
from handoff.services.urgency_policy import PolicyInput, set_policy
from handoff.storage import events, people
from handoff.storage.events import NewEvent
from handoff.storage.models import Person
from handoff.storage.run import Conn

HANDLE = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
# Erased people were given `erased-<id>` before their handles moved outside HANDLE
# (`erased:<id>`); a live person called like that would pass for one of them.
RESERVED_HANDLE = "erased-"
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_EMAIL = 254  # the longest address SMTP can carry (RFC 5321)


def _check_name(name: str, field: str = "name") -> str:
    name = trimmed(name)
    if not 1 <= len(name) <= 200:
        raise Invalid(field, f"{field} must be 1 to 200 characters, got {len(name)}")
    return name


def _check_handle(handle: str, current: str | None = None) -> str:
    if not HANDLE.fullmatch(handle):
        raise Invalid(
            "handle",
            f"handle {handle!r} must be 1-64 lowercase letters, digits, '.', '_' or '-'",
        )
    if handle.startswith(RESERVED_HANDLE) and handle != current:
        raise Invalid(
            "handle",
            f"handle {handle!r} looks like an erased person's: handles beginning with "
            f"{RESERVED_HANDLE!r} are reserved",
        )
    return handle


def _check_email(email: str | None) -> str | None:
    if email is not None and len(email) > MAX_EMAIL:
        raise Invalid("email", f"email must be at most {MAX_EMAIL} characters, got {len(email)}")
    if email is not None and not EMAIL.fullmatch(email):
        raise Invalid("email", f"email {email!r} is not an email address")
    return email


async def create_person(
    conn: Conn,
    ws: int,
    now: datetime,
    *,
    name: str,
    handle: str,
    timezone: str,
    email: str | None = None,
    working_pattern: dict[str, Any] | None = None,
    delivery_policy: dict[str, Any] | None = None,
    urgency: PolicyInput | None = None,
    actor: Actor | None = None,
) -> Person:
    """Create a person; Mon-Fri 09:00-17:00 in their zone when no pattern is given.

    `urgency` is the urgent part of the delivery policy; None = the default."""
    require(actor, Right.ADMINISTER)
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
    require_deliverable(pattern, policy, now, name, "deliveryPolicy")
    person = await people.insert(
        conn,
        ws,
        name=name,
        handle=handle,
        email=email,
        timezone=timezone,
        working_pattern=pattern.to_dict(),
        delivery_policy=policy.to_dict(),
        now=now,
    )
    if person is None:
        raise Invalid("handle", f"handle {handle!r} is already taken in this workspace")
    if urgency is not None:
        await set_policy(conn, ws, now, person.id, urgency, "deliveryPolicy")
    return person


async def update_person(
    conn: Conn,
    ws: int,
    now: datetime,
    person_id: int,
    *,
    name: str | None = None,
    handle: str | None = None,
    email: str | None = None,
    set_email: bool = False,
    actor: Actor | None = None,
) -> Person:
    """Change a person's name, handle or email (None leaves a field as it is); Conflict
    for someone who left, whose details are history (or erased)."""
    before = await lookups.person(conn, ws, person_id, lock=True)
    require(actor, Right.OWN, field="id", person_id=person_id)
    lookups.require_active(before, "their name, handle and email no longer change")
    if name is not None:
        name = _check_name(name)
    if handle is not None:
        # a handle held from before the reservation may be given again unchanged
        _check_handle(handle, current=before.handle)
    try:
        person = await people.update(
            conn,
            ws,
            person_id,
            name=name,
            handle=handle,
            email=_check_email(email),
            set_email=set_email,
            now=now,
        )
    except people.HandleTaken:
        raise Invalid("handle", f"handle {handle!r} is already taken in this workspace") from None
    assert person is not None
    changed = [
        f
        for f, old, new in (
            ("name", before.name, person.name),
            ("handle", before.handle, person.handle),
            ("email", before.email, person.email),
        )
        if old != new
    ]
    if changed:
        # the names a person went by stay findable: erasure replaces them all
        data = {"person": person_ref(person), "previous": person_ref(before), "changed": changed}
        await events.record(conn, NewEvent(ws, "person.updated", data, person_id=person.id), now)
    return person
