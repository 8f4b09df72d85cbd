"""Leaving the team: deactivating a person, and erasing one who left.

Deactivation, in one transaction: the person is marked deactivated (new handoffs to or
from them are a Conflict from then on), leaves every team (routing no longer sees them),
loses their tokens, their own delegations end without hand-back, delegations to them end
(handing back what they held where the delegation says so), deliveries to them as a
member of an ALL team are cancelled, and every open handoff they hold goes to
`reassignTo` (a person, whose delegations are followed, or a team), in the new
receiver's hours; one that `reassignTo` sent goes back to its sender (returned, or
cancelled if it had not landed yet). Their history stays readable.

Erasure (`handoff.services.erasure` says what is replaced) needs a deactivated person.
Both record an event: `person.deactivated`, `person.erased`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handoff.calendar import DeliveryPolicy, WorkingPattern
from handoff.ids import encode
from handoff.services import erasure, lookups
from handoff.services.delegation_effects import move
from handoff.services.delegations import person_left
from handoff.services.errors import Conflict, Invalid, NotFound
from handoff.services.lifecycle import transition
from handoff.services.payloads import person_ref
from handoff.services.rights import Actor, Right, require
from handoff.services.routing import escalation_to
from handoff.states import OPEN, FollowUpKind, HandoffStatus
from handoff.storage import events, follow_ups, handoffs, leaving, travel
from handoff.storage.events import NewEvent
from handoff.storage.models import Handoff, Person, Team
from handoff.storage.run import Conn


@dataclass(frozen=True)
class Deactivated:
    """The person after leaving, the handoffs that moved, and the teams they left."""

    person: Person
    moved: list[Handoff]
    teams_left: list[int]


@dataclass(frozen=True)
class Erased:
    """The tombstoned person and the counts kept for reports."""

    person: Person
    handoffs_sent: int
    handoffs_received: int


async def _target(
    conn: Conn, ws: int, person: Person, to_person_id: int | None, to_team_id: int | None
) -> Person | Team | None:
    """Who takes the open handoffs; Invalid naming `reassignTo` when unfit."""
    if to_person_id is not None and to_team_id is not None:
        raise Invalid("reassignTo", "give one person or one team")
    try:
        if to_team_id is not None:
            return await lookups.team(conn, ws, to_team_id)
        if to_person_id is None:
            return None
        target = await lookups.person(conn, ws, to_person_id)
    except NotFound as e:
        raise Invalid("reassignTo", e.message) from None
    if target.id == person.id:
        raise Invalid("reassignTo", f"{person.name}'s handoffs need someone else to take them")
    if target.deactivated_at is not None:
        raise Invalid("reassignTo", f"{target.name} was deactivated too; choose someone still here")
    return target


async def deactivate_person(
    conn: Conn,
    ws: int,
    now: datetime,
    person_id: int,
    to_person_id: int | None = None,
    to_team_id: int | None = None,
    actor: Actor | None = None,
) -> Deactivated:
    """Deactivate a person; their open handoffs go to a person or a team (see module)."""
    require(actor, Right.ADMINISTER)
    person = await lookups.person(conn, ws, person_id, lock=True)
    if person.deactivated_at is not None:
        lookups.require_active(person, "deactivating them again changes nothing")
    target = await _target(conn, ws, person, to_person_id, to_team_id)
    held = await handoffs.open_for_receiver(conn, ws, person.id, sorted(OPEN))
    if held and target is None:
        raise Invalid(
            "reassignTo",
            f"{person.name} holds {len(held)} open handoff(s); say who takes them "
            "(a person's or a team's ID)",
        )
    # a person who takes their open handoffs takes over their work: escalations of what
    # they sent go there too
    successor_id = target.id if isinstance(target, Person) else None
    left = await leaving.deactivate(conn, ws, person.id, now, successor_id)
    assert left is not None
    teams_left = await leaving.leave_teams(conn, ws, person.id)
    await leaving.revoke_tokens(conn, ws, person.id, now)
    ended = await person_left(conn, ws, now, left)
    await leaving.cancel_member_deliveries(conn, ws, person.id, now)
    await _readdress_escalations(conn, ws, now, left)
    moved: list[Handoff] = []
    why = f"{person.name} left the team (deactivated)"
    # Again: ending delegations to them may have handed some back already.
    for h in await handoffs.open_for_receiver(conn, ws, person.id, sorted(OPEN)):
        assert target is not None
        moved.append(await _reassign(conn, ws, now, h, target, why))
    data: dict[str, Any] = {
        "person": person_ref(left),
        "reassignedTo": _ref(target),
        "handoffsMoved": [
            {"handoff": encode("Handoff", h.id), "status": str(h.status), "to": _receiver(h)}
            for h in moved
        ],
        "teamsLeft": [encode("Team", t) for t in teams_left],
        "delegationsEnded": [encode("Delegation", d) for d in ended],
    }
    await events.record(conn, NewEvent(ws, "person.deactivated", data, person_id=person.id), now)
    return Deactivated(left, moved, teams_left)


async def _readdress_escalations(conn: Conn, ws: int, now: datetime, left: Person) -> None:
    """Escalations waiting for `left` go to who took over their work now (or, with
    nobody, are recorded at once instead of waiting for hours they no longer work)."""
    for row in await follow_ups.open_for_person(conn, ws, left.id):
        if row.kind != FollowUpKind.ESCALATION or row.handoff_id is None:
            continue
        h = await lookups.handoff(conn, ws, row.handoff_id, lock=True)
        if row.person_id == h.receiver_id:
            continue  # a team's own escalation of what they held: it is reassigned below
        sender = await lookups.person(conn, ws, h.sender_id)
        successor = await lookups.successor(conn, ws, sender)
        receiver = await lookups.person(conn, ws, h.receiver_id)
        deadline = h.respond_by or now
        to, at, why = escalation_to(sender, successor, receiver, deadline, max(now, deadline))
        await follow_ups.readdress(conn, ws, row.id, to.id, at, why)


async def _reassign(
    conn: Conn, ws: int, now: datetime, h: Handoff, target: Person | Team, why: str
) -> Handoff:
    if isinstance(target, Person) and target.id == h.sender_id:
        # Back to whoever sent it: returned once it had landed, cancelled before.
        if h.status == HandoffStatus.SCHEDULED:
            return await transition(conn, ws, now, h.id, HandoffStatus.CANCELLED)
        return await transition(conn, ws, now, h.id, HandoffStatus.RETURNED, f"{why}.")
    try:
        moved = await move(
            conn,
            ws,
            now,
            h,
            "personDeactivated",
            f"{why}: it goes to {target.name}.",
            to_person=target if isinstance(target, Person) else None,
            to_team_id=target.id if isinstance(target, Team) else None,
            strict=True,
        )
    except (Invalid, Conflict) as e:
        raise Invalid("reassignTo", f"{h.summary!r} cannot go to {target.name}: {e.message}") from e
    assert moved is not None
    return moved


def _ref(target: Person | Team | None) -> dict[str, Any] | None:
    if target is None:
        return None
    if isinstance(target, Person):
        return {"person": person_ref(target), "team": None}
    return {"person": None, "team": {"id": encode("Team", target.id), "name": target.name}}


def _receiver(h: Handoff) -> str:
    return encode("Person", h.receiver_id)


async def erase_person(
    conn: Conn, ws: int, now: datetime, person_id: int, actor: Actor | None = None
) -> Erased:
    """Replace a deactivated person's personal data everywhere with a tombstone."""
    require(actor, Right.ADMINISTER)
    person = await lookups.person(conn, ws, person_id, lock=True)
    if person.erased_at is not None:
        raise Conflict("this person was erased already")
    if person.deactivated_at is None:
        raise Conflict(
            f"deactivate {person.name} first (deactivatePerson): only someone who "
            "left can be erased"
        )
    sent, received = await handoffs.count_for_person(conn, ws, person.id)
    found = await leaving.find_own_handoffs(conn, ws, person.id)
    went_by = await leaving.names_in_events(conn, ws, encode("Person", person.id))
    scrubber = erasure.Scrubber(
        person.id,
        tuple(erasure.needles(person, went_by)),
        sent=frozenset(encode("Handoff", h) for h in found.sent),
        returned=frozenset(encode("Handoff", h) for h in found.returned),
        time_off=erasure.time_off_reasons(person),
    )
    rewrites = {
        "handoffs": scrubber.handoff,
        "work_items": scrubber.work_item,
        "follow_ups": scrubber.follow_up,
        "events": scrubber.event,
        "teams": scrubber.team,
        "tokens": scrubber.token,
        "webhook_endpoints": scrubber.webhook_endpoint,
        "webhook_endpoint_records": scrubber.webhook_endpoint_record,
        "webhook_deliveries": scrubber.webhook_delivery,
        "webhook_attempts": scrubber.webhook_attempt,
        "urgent_handoffs": scrubber.urgent_handoff,
        "replies": scrubber.reply,
    }
    # ILIKE finds a superset of the rows the scrubber changes (it knows no word bounds)
    likes = [n.text for n in scrubber.words]
    for table in leaving.SCRUBBED:
        await leaving.scrub(conn, ws, table, person.id, likes, rewrites[table])
    await travel.delete_for_person(conn, ws, person.id)
    zone = erasure.TOMBSTONE_ZONE
    erased = await leaving.tombstone(
        conn,
        ws,
        person.id,
        name=erasure.TOMBSTONE_NAME,
        handle=erasure.tombstone_handle(person.id),
        timezone=zone,
        working_pattern=WorkingPattern.from_dict({"timezone": zone}).to_dict(),
        delivery_policy=DeliveryPolicy().to_dict(),
        now=now,
    )
    data = {"person": person_ref(erased), "handoffsSent": sent, "handoffsReceived": received}
    await events.record(conn, NewEvent(ws, "person.erased", data, person_id=person.id), now)
    return Erased(erased, sent, received)
