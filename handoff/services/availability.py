"""When people can be reached: working pattern, delivery policy and time off.

A change moves every open follow-up it affects in the caller's transaction (a team
handoff whose chosen member is no longer the soonest is routed again) and records one
`person.availability_changed` event naming how many moved.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from handoff.calendar import (
    NoWorkingTime,
    WorkingPattern,
    next_delivery,
    recount_deadline,
    reminder_reason,
)
from handoff.ids import encode
from handoff.services import lookups
from handoff.services.errors import Invalid, NotFound
from handoff.services.lifecycle import reaches_receiver_at, reroute_team_handoff
from handoff.services.patterns import (
    build_pattern,
    build_policy,
    require_deliverable,
    require_deliverable_hours,
)
from handoff.services.payloads import person_ref
from handoff.services.rights import Actor, Right, require
from handoff.services.routing import escalation_to, times_for
from handoff.services.text import trimmed
from handoff.services.urgency_policy import PolicyInput, set_policy
from handoff.states import FollowUpKind, FollowUpState, HandoffStatus
from handoff.storage import events, follow_ups, handoffs, people, urgency
from handoff.storage.events import NewEvent
from handoff.storage.models import FollowUp, Handoff, Person
from handoff.storage.run import Conn


async def set_working_pattern(
    conn: Conn,
    ws: int,
    now: datetime,
    person_id: int,
    data: dict[str, Any],
    field: str = "workingPattern",
    actor: Actor | None = None,
) -> Person:
    """Replace a person's working pattern (in their zone unless it names one) and move
    their pending follow-ups; `field` names the input in errors."""
    person = await _changeable(conn, ws, person_id, actor)
    # Travel periods are not part of the input: the new pattern keeps them.
    travel = {"travel": person.pattern_data["travel"]} if "travel" in person.pattern_data else {}
    pattern = build_pattern({"timezone": person.timezone, **travel, **data}, None, field)
    require_deliverable_hours(pattern, person.policy, now, person.name, field)
    return await _store_pattern(conn, ws, now, person, pattern, "working_pattern", field)


async def set_delivery_policy(
    conn: Conn,
    ws: int,
    now: datetime,
    person_id: int,
    data: dict[str, Any],
    field: str = "deliveryPolicy",
    actor: Actor | None = None,
    urgency: PolicyInput | None = None,
) -> Person:
    """Replace focus blocks and digest times (and, given `urgency`, who may break through
    them) and move pending follow-ups."""
    before = await _changeable(conn, ws, person_id, actor)
    policy = build_policy(data, field)
    require_deliverable(before.pattern, policy, now, before.name, field)
    if urgency is not None:
        await set_policy(conn, ws, now, person_id, urgency, field)
    person = await people.set_policy(conn, ws, person_id, policy.to_dict(), now)
    assert person is not None
    moves: list[dict[str, Any]] = []
    await reschedule_person(conn, ws, now, person, field, moves=moves)
    await _availability_changed(conn, ws, now, person, "delivery_policy", moves)
    return person


async def add_time_off(
    conn: Conn,
    ws: int,
    now: datetime,
    person_id: int,
    start: date,
    end: date,
    reason: str | None = None,
    actor: Actor | None = None,
    private: bool = False,
) -> Person:
    """Add a time-off period (local dates, both inclusive); a `private` one's reason is
    left out of what others see (explanations, timelines, their reads of the pattern)."""
    person = await _changeable(conn, ws, person_id, actor)
    if end < start:
        raise Invalid("end", f"end {end.isoformat()} is before start {start.isoformat()}")
    data = person.pattern.to_dict()
    entry: dict[str, Any] = {"start": start.isoformat(), "end": end.isoformat()}
    if reason and trimmed(reason):
        entry["reason"] = trimmed(reason)
    if private:
        entry["private"] = True
    if entry in data.get("time_off", []):
        return person
    # the same dates again: their reason is replaced, not a second entry stacked on them
    others = [
        t
        for t in data.get("time_off", [])
        if (t["start"], t["end"]) != (entry["start"], entry["end"])
    ]
    # other dates that share a day with it are most likely a slip (travel refuses the
    # same): two stacked periods would show and explain the same day twice
    for t in others:
        if t["start"] <= entry["end"] and entry["start"] <= t["end"]:
            why = f" ({t['reason']})" if t.get("reason") else ""
            raise Invalid(
                "start",
                f"{person.name} already has time off {t['start']} to {t['end']}{why}, which "
                "shares a date with it: remove that period first, or add only the days it "
                "does not cover",
            )
    data["time_off"] = [*others, entry]
    pattern = build_pattern(data, None, "timeOff")
    return await _store_pattern(conn, ws, now, person, pattern, "time_off", "start")


async def remove_time_off(
    conn: Conn,
    ws: int,
    now: datetime,
    person_id: int,
    start: date,
    end: date,
    actor: Actor | None = None,
) -> Person:
    """Remove the time-off period that starts and ends on these dates."""
    person = await _changeable(conn, ws, person_id, actor)
    data = person.pattern.to_dict()
    kept = [
        t
        for t in data.get("time_off", [])
        if (t["start"], t["end"]) != (start.isoformat(), end.isoformat())
    ]
    if len(kept) == len(data.get("time_off", [])):
        # a period has no ID of its own: the NotFound names the person looked in
        raise NotFound(
            "Person",
            person.id,
            f"{person.name} has no time off from {start.isoformat()} to {end.isoformat()}",
        )
    data["time_off"] = kept
    pattern = build_pattern(data, None, "timeOff")
    return await _store_pattern(conn, ws, now, person, pattern, "time_off", "start")


async def _changeable(conn: Conn, ws: int, person_id: int, actor: Actor | None) -> Person:
    """The person, locked, when the actor may change their hours and they have not left."""
    person = await lookups.person(conn, ws, person_id, lock=True)
    require(actor, Right.OWN, field="personId", person_id=person_id)
    return lookups.require_active(person, "their hours no longer change")


async def _store_pattern(
    conn: Conn,
    ws: int,
    now: datetime,
    before: Person,
    pattern: WorkingPattern,
    change: str,
    field: str,
) -> Person:
    person = await people.set_pattern(conn, ws, before.id, pattern.to_dict(), pattern.timezone, now)
    assert person is not None
    moves: list[dict[str, Any]] = []
    await reschedule_person(conn, ws, now, person, field, before=before.pattern, moves=moves)
    await _availability_changed(conn, ws, now, person, change, moves)
    return person


async def _availability_changed(
    conn: Conn, ws: int, now: datetime, person: Person, change: str, moves: list[dict[str, Any]]
) -> None:
    """Record `person.availability_changed` beside the change and the follow-ups it moved
    (counted, and listed as `person.travel_changed` lists them)."""
    try:
        reachable: str | None = next_delivery(person.pattern, person.policy, now).at.isoformat()
    except NoWorkingTime:
        reachable = None
    data = {
        "person": person_ref(person),
        "change": change,
        "nextReachableAt": reachable,
        "followUpsMoved": len(moves),  # a count, as it always was (consumers compare it)
        "movedFollowUps": moves,  # which, as person.travel_changed's followUpsMoved lists them
    }
    await events.record(
        conn, NewEvent(ws, "person.availability_changed", data, person_id=person.id), now
    )


async def reschedule_person(
    conn: Conn,
    ws: int,
    now: datetime,
    person: Person,
    field: str = "workingPattern",
    moves: list[dict[str, Any]] | None = None,
    *,
    before: WorkingPattern | None = None,
) -> int:
    """Recompute every open follow-up for `person` in the caller's transaction.

    - A delivery is recomputed from when the handoff was made (or now, if later, and not
      before a delegation that sent it on starts); an
      urgent break-through still breaks through. When `person` is the member a team chose
      and their delivery instant changed, the team routes the handoff again, so a member
      going on leave does not hold it.
    - A quick reply goes at the person's next delivery instant from now.
    - A delivered handoff's pending deadline is counted again when the receiver's working
      time changed (`before` is their pattern until now): the working time left runs in
      the new hours, and the reminder or escalation waiting for it moves with it.
    - A reminder, or an escalation back to the sender, waits for the person's next
      delivery instant after the deadline, under the new rules.
    - A team escalation stays due at the deadline itself: the receiver's availability
      must not delay handing it to someone else.

    `field` names the input blamed when the change leaves a pending handoff with no
    working time. Returns the number of rows moved; `moves`, when given, gets one entry
    per moved row (`moved_entry`), for events that say which moved.
    """
    moved = 0
    rows = await follow_ups.open_for_person(conn, ws, person.id)
    recounted: set[int] = set()
    if before is not None:
        received = await handoffs.open_for_receiver(conn, ws, person.id, [HandoffStatus.DELIVERED])
        for handoff in received:
            try:
                count = await _recount_deadline(conn, ws, now, person, before, handoff, moves)
            except NoWorkingTime as e:
                raise _no_working_time(field, person, handoff, e) from None
            if count is not None:
                recounted.add(handoff.id)
                moved += count
    for row in rows:
        if row.handoff_id in recounted:
            continue  # moved with its handoff's deadline
        handoff = await lookups.handoff(conn, ws, row.handoff_id, lock=True)
        if row.kind == FollowUpKind.ESCALATION and row.person_id == handoff.receiver_id:
            continue  # a team's own escalation: due at the deadline, whoever is away
        urgent = False
        try:
            if row.kind == FollowUpKind.DELIVERY:
                chosen = (
                    handoff.receiver_id == person.id and handoff.status == HandoffStatus.SCHEDULED
                )
                # an urgent break-through still on its way keeps breaking through
                urgent = await urgency.breaks_through(conn, handoff.id, person.id)
                at = await reaches_receiver_at(conn, ws, now, handoff)
                unreachable: NoWorkingTime | None = None
                try:
                    times = times_for(person, at, handoff.respond_within, urgent)
                except NoWorkingTime as e:
                    times, unreachable = None, e
                if chosen and handoff.team_id is not None:
                    # a new landing, or a new deadline for the same landing (time off
                    # within the response window): routed again, counted afresh
                    if (
                        times is None
                        or times.deliver_at != row.due_at
                        or times.respond_by != handoff.respond_by
                    ):
                        routed = await reroute_team_handoff(conn, ws, now, handoff)
                        moved += 1
                        if moves is not None:
                            moves.append(moved_entry(row, routed.deliver_at, routed.receiver_id))
                    continue
                if times is None:
                    assert unreachable is not None
                    raise unreachable
                due, own = times.deliver_at, list(times.explanation)
                if not chosen and times.respond_by is not None:
                    own = own[:-1]  # the holder's deadline, not theirs
                # why it goes to them still holds; only the lines about their hours change
                explanation = [*handoff.route_reasons, *own]
                if chosen:
                    await handoffs.set_times(
                        conn, ws, handoff.id, times.deliver_at, times.respond_by, explanation, now
                    )
            elif row.kind == FollowUpKind.REPLY:
                # a quick reply waits for nothing but the sender's hours; its line says whose
                delivery = next_delivery(person.pattern, person.policy, now, name=person.name)
                due, explanation = delivery.at, [*row.explanation[:1], *delivery.reasons]
            else:
                # a reminder or an escalation keeps its first line, which says why it comes
                basis = max(now, handoff.respond_by or now)
                delivery = next_delivery(person.pattern, person.policy, basis, name=person.name)
                due, explanation = delivery.at, [*row.explanation[:1], *delivery.reasons]
        except NoWorkingTime as e:
            raise _no_working_time(field, person, handoff, e) from None
        if due != row.due_at or explanation != row.explanation:
            digest = bool(person.policy.digest_times) and not urgent
            await follow_ups.reschedule(conn, ws, row.id, due, digest, explanation)
            if urgent and due != row.due_at:  # its budget is the week it lands in now
                await urgency.moved(conn, handoff.id, person.id, due)
            if due != row.due_at:  # a new explanation alone moves nothing
                moved += 1
                if moves is not None:
                    moves.append(moved_entry(row, due))
    return moved


def _no_working_time(field: str, person: Person, handoff: Handoff, why: NoWorkingTime) -> Invalid:
    return Invalid(
        field, f"{person.name} could not receive a pending handoff ({handoff.summary!r}): {why}"
    )


async def _recount_deadline(
    conn: Conn,
    ws: int,
    now: datetime,
    receiver: Person,
    before: WorkingPattern,
    handoff: Handoff,
    moves: list[dict[str, Any]] | None,
) -> int | None:
    """Count a delivered handoff's pending deadline again in the receiver's new working
    time and move what waits for it (a reminder, or the escalation back to the sender).
    Returns how many follow-ups moved; None when the handoff has no such
    deadline or it stays where it was. A team's handoff keeps its deadline: an absent
    member must not hold it, the team takes it over then."""
    due = handoff.respond_by
    if (
        handoff.status != HandoffStatus.DELIVERED
        or handoff.team_id is not None
        or handoff.receiver_id != receiver.id
        or handoff.respond_within is None
        or due is None
        or due <= now
    ):
        return None
    new_due, line = recount_deadline(
        before, receiver.pattern, now, due, handoff.respond_within, name=receiver.name
    )
    if new_due == due:
        return None
    explanation = [*handoff.explanation[:-1], line]
    await handoffs.set_times(conn, ws, handoff.id, handoff.deliver_at, new_due, explanation, now)
    sender = await lookups.person(conn, ws, handoff.sender_id)
    successor = await lookups.successor(conn, ws, sender)
    moved = 0
    for row in (await follow_ups.for_handoffs(conn, ws, [handoff.id])).get(handoff.id, []):
        if row.state not in (FollowUpState.PENDING, FollowUpState.ENQUEUED):
            continue
        at, explanation = _after_deadline(row, handoff, new_due, receiver, sender, successor)
        if at is None:
            continue
        await follow_ups.reschedule(conn, ws, row.id, at, row.digest, explanation)
        moved += 1
        if moves is not None and at != row.due_at:
            moves.append(moved_entry(row, at))
    return moved


def _after_deadline(
    row: FollowUp,
    handoff: Handoff,
    due: datetime,
    receiver: Person,
    sender: Person,
    successor: Person | None,
) -> tuple[datetime | None, list[str]]:
    """When a follow-up waiting for the deadline `due` goes, and why (None: it does not
    wait for the deadline)."""
    if row.kind == FollowUpKind.REMINDER and row.person_id == receiver.id:
        number = handoff.reminders_sent + 1
        d = next_delivery(receiver.pattern, receiver.policy, due, name=receiver.name)
        pattern = receiver.pattern
        why = reminder_reason(number, handoff.max_reminders, receiver.name, pattern, due)
        return d.at, [why, *d.reasons]
    if row.kind == FollowUpKind.ESCALATION and row.person_id != receiver.id:
        # (its addressee stays: the sender's escalations go to their successor when they
        # leave)
        to, at, lines = escalation_to(sender, successor, receiver, due, due)
        return (at, lines) if to.id == row.person_id else (None, [])
    return None, []


def moved_entry(row: FollowUp, to: datetime, rerouted_to: int | None = None) -> dict[str, Any]:
    """A moved follow-up as events list it; `rerouted_to` names a team's new member."""
    entry: dict[str, Any] = {
        "followUpId": encode("FollowUp", row.id),
        "handoffId": encode("Handoff", row.handoff_id),
        "kind": str(row.kind),
        "from": row.due_at.isoformat(),
        "to": to.isoformat(),
    }
    if rerouted_to is not None:
        entry["reroutedTo"] = encode("Person", rerouted_to)
    return entry
