"""A handoff after creation: acknowledged, completed, returned, cancelled, reassigned.

Every change writes the handoff, its follow-ups and its event in the caller's
transaction, so they commit (or roll back) together.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from handoff.ids import decode_as
from handoff.services import health_report, lookups
from handoff.services.errors import Conflict, Invalid
from handoff.services.handoffs import MAX_TEXT, deliveries, plan_route
from handoff.services.payloads import delegation_data, handoff_data
from handoff.services.rights import Actor, Right, require
from handoff.services.routing import Plan
from handoff.services.text import trimmed
from handoff.states import IN_FLIGHT, HandoffStatus, Routing, WorkItemStatus
from handoff.storage import delegations, events, follow_ups, handoffs, urgency, work_items
from handoff.storage.events import NewEvent
from handoff.storage.handoffs import Delegated
from handoff.storage.models import Handoff, Person, Team
from handoff.storage.run import Conn

S = HandoffStatus

# target status -> the statuses a handoff may be in to move there
_ALLOWED_FROM: dict[HandoffStatus, tuple[HandoffStatus, ...]] = {
    S.ACKNOWLEDGED: (S.DELIVERED,),
    S.COMPLETED: (S.DELIVERED, S.ACKNOWLEDGED),
    S.RETURNED: (S.DELIVERED, S.ACKNOWLEDGED),
    S.CANCELLED: (S.SCHEDULED, S.DELIVERED, S.ACKNOWLEDGED),
}
# target status -> what its work item becomes, and who holds it ("receiver" or "sender")
_ITEM_AFTER: dict[HandoffStatus, tuple[WorkItemStatus, str]] = {
    S.ACKNOWLEDGED: (WorkItemStatus.OPEN, "receiver"),
    S.COMPLETED: (WorkItemStatus.DONE, "receiver"),
    S.RETURNED: (WorkItemStatus.OPEN, "sender"),
    S.CANCELLED: (WorkItemStatus.OPEN, "sender"),
}


def _article(word: str) -> str:
    return "an" if word[:1].upper() in "AEIOU" else "a"


async def _record(
    conn: Conn,
    ws: int,
    now: datetime,
    type_: str,
    handoff: Handoff,
    receiver: Person | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Record a `handoff.*` event with the handoff as it now reads (and `extra` data)."""
    item = await lookups.work_item(conn, ws, handoff.work_item_id)
    sender = await lookups.person(conn, ws, handoff.sender_id)
    receiver = receiver or await lookups.person(conn, ws, handoff.receiver_id)
    team: Team | None = (
        await lookups.team(conn, ws, handoff.team_id) if handoff.team_id is not None else None
    )
    data = handoff_data(handoff, item, sender, receiver, team) | (extra or {})
    await events.record(conn, NewEvent(ws, type_, data, handoff.id, receiver.id), now)


async def transition(
    conn: Conn,
    ws: int,
    now: datetime,
    handoff_id: int,
    status: HandoffStatus,
    note: str | None = None,
    actor: Actor | None = None,
) -> Handoff:
    """Acknowledge, complete, return (the receiver) or cancel (the sender); cancels
    pending follow-ups."""
    handoff = await lookups.handoff(conn, ws, handoff_id, lock=True)
    right = Right.CANCEL if status == S.CANCELLED else Right.ANSWER
    require(actor, right, field="id", handoff=handoff)
    allowed = _ALLOWED_FROM[status]
    if handoff.status not in allowed:
        raise Conflict(
            f"cannot move {_article(handoff.status)} {handoff.status} handoff to {status}; "
            f"only {' or '.join(allowed)} handoffs can be"
        )
    if status == S.RETURNED and not trimmed(note or ""):
        raise Invalid("note", "say why it goes back: note must not be empty")
    if note is not None and len(note) > MAX_TEXT:  # as long as any field of a note
        raise Invalid("note", f"note is longer than {MAX_TEXT} characters")
    updated = await handoffs.transition(conn, ws, handoff.id, status, note, now)
    assert updated is not None
    if status != S.CANCELLED:
        await health_report.record_answer(conn, ws, handoff, now)  # the first answer counts
    await follow_ups.cancel_for_handoff(conn, ws, handoff.id, now)
    item_status, holder = _ITEM_AFTER[status]
    holder_id = handoff.receiver_id if holder == "receiver" else handoff.sender_id
    await work_items.follow_handoff(
        conn, ws, handoff.work_item_id, handoff.id, item_status, holder_id, now
    )
    await _record(conn, ws, now, f"handoff.{status.lower()}", updated)
    return updated


async def reassign(
    conn: Conn,
    ws: int,
    now: datetime,
    handoff_id: int,
    to_person_id: int | None,
    to_team_id: int | None,
    actor: Actor | None = None,
) -> Handoff:
    """Send a scheduled or delivered handoff to someone else, computed afresh from now."""
    if (to_person_id is None) == (to_team_id is None):
        raise Invalid("toPersonId", "give exactly one of toPersonId and toTeamId")
    handoff = await lookups.handoff(conn, ws, handoff_id, lock=True)
    require(actor, Right.REASSIGN, field="id", handoff=handoff)
    if handoff.status not in IN_FLIGHT:
        raise Conflict(
            f"cannot reassign {_article(handoff.status)} {handoff.status} handoff; "
            "only scheduled or delivered"
        )
    sender = await lookups.person(conn, ws, handoff.sender_id)
    plan, team = await plan_route(
        conn,
        ws,
        now,
        sender,
        to_person_id,
        to_team_id,
        handoff.respond_within,
        advance_round_robin=True,
    )
    team_id = team.id if team is not None else None
    if plan.receiver.person.id == handoff.receiver_id and team_id == handoff.team_id:
        # sending it on to whoever has it would only restart its response clock
        raise Invalid(
            "toTeamId" if to_team_id is not None else "toPersonId",
            f"it is already with {plan.receiver.person.name}",
        )
    return await reroute_to_plan(conn, ws, now, handoff, plan, team)


async def reaches_receiver_at(conn: Conn, ws: int, now: datetime, handoff: Handoff) -> datetime:
    """From when a scheduled handoff can land, planned again at `now`: not before it was
    made, nor before the delegations that sent it on start (a delegate takes it only from
    the start of the cover)."""
    at = max(now, handoff.created_at)
    if handoff.delegation_ids:
        sent_on = await delegations.by_ids(conn, ws, handoff.delegation_ids)
        at = max([at, *(d.starts_at for d in sent_on)])
    return at


async def reroute_team_handoff(conn: Conn, ws: int, now: datetime, handoff: Handoff) -> Handoff:
    """Route a scheduled team handoff again (its member's availability changed)."""
    assert handoff.team_id is not None
    sender = await lookups.person(conn, ws, handoff.sender_id)
    # never back to a member it was escalated away from for not answering
    left = [decode_as(i, "Person") for i in await events.escalated_from(conn, ws, handoff.id)]
    plan, team = await plan_route(
        conn,
        ws,
        await reaches_receiver_at(conn, ws, now, handoff),
        sender,
        None,
        handoff.team_id,
        handoff.respond_within,
        advance_round_robin=False,
        passed=left,
    )
    # Routed within the same team: a delegation that sent it to the team still holds.
    kept = Delegated(handoff.addressed_to_id, handoff.delegated_via, handoff.delegation_ids)
    return await reroute_to_plan(conn, ws, now, handoff, plan, team, delegated=kept)


async def reroute_to_plan(
    conn: Conn,
    ws: int,
    now: datetime,
    handoff: Handoff,
    plan: Plan,
    team: Team | None,
    *,
    delegated: Delegated | None = None,
    extra: dict[str, Any] | None = None,
) -> Handoff:
    """Cancel the handoff's open follow-ups, schedule it for the plan's receiver(s) and
    record `handoff.reassigned` (with `extra` data).

    The handoff's delegation chain becomes `delegated`, by default the plan's own (none
    when no delegation sent it on)."""
    if delegated is None:
        via = list(plan.via)
        ids = list(plan.delegation_ids)
        delegated = Delegated(via[0] if via else None, via, ids, ids)
    holders = None
    if (
        team is not None
        and team.id == handoff.team_id
        and team.routing == Routing.ALL
        and len(plan.recipients) == 1
    ):
        # an ALL team keeps it and only its holder changes: the others are still told
        holders = [handoff.receiver_id, plan.receiver.person.id]
    await follow_ups.cancel_for_handoff(conn, ws, handoff.id, now, holders)
    # the new route is ordinary: a break-through not landed yet is given back
    await urgency.give_back(conn, ws, handoff.id, now, holders)
    times = plan.receiver.times
    updated = await handoffs.reroute(
        conn,
        ws,
        handoff.id,
        receiver_id=plan.receiver.person.id,
        team_id=team.id if team else None,
        deliver_at=times.deliver_at,
        respond_by=times.respond_by,
        explanation=plan.explanation,
        route_reasons=list(plan.reasons),
        now=now,
        delegated=delegated,
    )
    assert updated is not None
    await follow_ups.insert_many(conn, deliveries(ws, updated.id, plan), now)
    data = delegation_data(updated.delegated_via, updated.delegation_ids) | (extra or {})
    await _record(conn, ws, now, "handoff.reassigned", updated, plan.receiver.person, data)
    return updated
