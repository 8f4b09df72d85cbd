"""What a delegation does when it starts and when it ends.

- Start: the delegation becomes ACTIVE and records `delegation.started`; with
  `openHandoffs: REASSIGN` the person's open handoffs move to the delegate (the chain is
  followed), in the delegate's hours, each with a `handoff.reassigned` event.
- End (its planned end, `endDelegation`, leaving, or removing the time off it covered):
  the delegation becomes ENDED (CANCELLED before its start); with `handBack`, handoffs it
  sent on that are still open and still delegated through it return to the person,
  landing at their first delivery instant from the end; one `delegation.ended` event
  lists what the delegate handled.

Planned starts and ends are follow-ups (`DELEGATION_START`, `DELEGATION_END`) that the
batch job hands to `carry_out` at their instant, before the batch's handoff rows: a
delivery due at the very instant a delegation starts then finds its handoff moved.
Every step checks the delegation's state under lock, so a duplicate job does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from handoff.ids import encode
from handoff.services import lookups
from handoff.services.errors import ServiceError
from handoff.services.handoffs import plan_route
from handoff.services.lifecycle import reroute_to_plan
from handoff.services.payloads import person_ref
from handoff.states import (
    OPEN,
    DelegationState,
    FollowUpKind,
    HandoffStatus,
    OpenHandoffs,
    WorkItemStatus,
)
from handoff.storage import delegations, events, handoffs, people, teams, work_items
from handoff.storage.delegations import Delegation
from handoff.storage.events import NewEvent
from handoff.storage.handoffs import Delegated
from handoff.storage.models import Handoff, Person
from handoff.storage.run import Conn

log = logging.getLogger(__name__)


async def start(conn: Conn, ws: int, now: datetime, d: Delegation) -> list[Handoff]:
    """Start a scheduled delegation; returns the handoffs it moved (REASSIGN)."""
    active = await delegations.started(conn, d.id, now)
    if active is None:
        return []  # started, ended or cancelled already: a duplicate job
    # FOR UPDATE, as setting and ending a delegation do: a handoff being created for them
    # commits first and is then among their open handoffs
    person = await lookups.person(conn, ws, d.person_id, lock=True)
    moved: list[Handoff] = []
    if active.open_handoffs == OpenHandoffs.REASSIGN:
        why = f"{person.name}'s delegation started: their open handoffs move to the delegate."
        for h in await handoffs.open_for_receiver(conn, ws, person.id, sorted(OPEN)):
            done = await move(
                conn,
                ws,
                now,
                h,
                "delegationStarted",
                why,
                to_person=person,
                passed_via=h.delegated_via,
                passed_ids=h.delegation_ids,
            )
            if done is not None:
                moved.append(done)
    data = {
        **await _refs(conn, ws, active, person),
        "moved": [{"handoff": encode("Handoff", h.id), "to": _to(h)} for h in moved],
    }
    await events.record(conn, NewEvent(ws, "delegation.started", data, person_id=person.id), now)
    return moved


async def end(
    conn: Conn,
    ws: int,
    now: datetime,
    d: Delegation,
    reason: str,
    *,
    hand_back: bool | None = None,
) -> tuple[Delegation, list[int]] | None:
    """End (or, before its start, cancel) a delegation; `hand_back` overrides its own
    setting. Returns it with the ids of the handoffs handed back, or None when it had
    ended already."""
    ended = await delegations.ended(conn, d.id, now)
    if ended is None:
        return None
    person = await lookups.person(conn, ws, ended.person_id)
    back = ended.hand_back if hand_back is None else hand_back
    handed: list[int] = []
    if back and ended.state == DelegationState.ENDED and person.deactivated_at is None:
        why = f"{person.name}'s delegation ended: it goes back to {person.name}."
        for item in await delegations.handled(conn, ended.id):
            if not item.still_delegated or item.status not in OPEN:
                continue
            h = await lookups.handoff(conn, ws, item.handoff_id, lock=True)
            if ended.id not in h.delegation_ids or h.status not in OPEN:
                continue
            k = h.delegation_ids.index(ended.id)
            returned = await move(
                conn,
                ws,
                now,
                h,
                "delegationEnded",
                why,
                to_person=person,
                passed_via=h.delegated_via[:k],
                passed_ids=h.delegation_ids[:k],
            )
            if returned is not None:
                handed.append(h.id)
        await delegations.handed_back(conn, ended.id, handed, now)
    items = await delegations.handled(conn, ended.id)
    data = {
        **await _refs(conn, ws, ended, person),
        "reason": reason,
        "handledCount": len(items),
        "handled": [
            {
                "handoff": encode("Handoff", i.handoff_id),
                "how": i.how,
                "receivedBy": encode("Person", i.receiver_id),
                "status": str(i.status),
                "handedBack": i.handoff_id in handed,
            }
            for i in items
        ],
    }
    await events.record(conn, NewEvent(ws, "delegation.ended", data, person_id=person.id), now)
    return ended, handed


async def move(
    conn: Conn,
    ws: int,
    now: datetime,
    h: Handoff,
    reason: str,
    why: str,
    *,
    to_person: Person | None = None,
    to_team_id: int | None = None,
    passed_via: Sequence[int] = (),
    passed_ids: Sequence[int] = (),
    strict: bool = False,
) -> Handoff | None:
    """Send an open handoff to a person (following their delegations) or a team, in the
    new receiver's hours, with a `handoff.reassigned` event saying `reason` and `why`.

    `passed_via`/`passed_ids` are the delegation chain before `to_person`, kept in front
    of the new route's. A handoff that cannot move (nobody with working time ahead) stays
    where it is and that is logged, so a start or end always completes; with `strict` the
    error is raised instead (a caller who must not leave it behind).
    """
    sender = await lookups.person(conn, ws, h.sender_id)
    try:
        plan, team = await plan_route(
            conn,
            ws,
            now,
            sender,
            None if to_person is None else to_person.id,
            to_team_id,
            h.respond_within,
            advance_round_robin=True,
            passed=passed_via,
        )
    except ServiceError as e:
        if strict:
            raise
        log.warning("handoff %s stays with its receiver: %s", h.id, e.message)
        return None
    if plan.receiver.person.id == h.receiver_id and team is None:
        # The route ends where it is already (say the delegate sent it): nothing moves.
        return None
    via, ids = [*passed_via, *plan.via], [*passed_ids, *plan.delegation_ids]
    chain = Delegated(via[0] if via else None, via, ids, list(plan.delegation_ids))
    if team is None and h.team_id is not None:
        team = await lookups.team(conn, ws, h.team_id)  # still the team's handoff
    if h.status == HandoffStatus.ACKNOWLEDGED:
        # Acknowledged work travels again: its item is on its way once more.
        await work_items.follow_handoff(
            conn, ws, h.work_item_id, h.id, WorkItemStatus.IN_HANDOFF, h.receiver_id, now
        )
    plan = replace(plan, reasons=(why, *plan.reasons))
    extra = {"move": {"reason": reason, "why": why}}
    return await reroute_to_plan(conn, ws, now, h, plan, team, delegated=chain, extra=extra)


def _to(h: Handoff) -> str:
    return encode("Person", h.receiver_id)


def delegation_data(d: Delegation) -> dict[str, Any]:
    """A delegation as events show it."""
    time_off = (
        None
        if d.time_off_start is None or d.time_off_end is None
        else {"start": d.time_off_start.isoformat(), "end": d.time_off_end.isoformat()}
    )
    return {
        "id": encode("Delegation", d.id),
        "start": d.starts_at.isoformat(),
        "end": d.ends_at.isoformat(),
        "openHandoffs": str(d.open_handoffs),
        "handBack": d.hand_back,
        "state": str(d.state),
        "timeOff": time_off,
    }


async def _refs(conn: Conn, ws: int, d: Delegation, person: Person) -> dict[str, Any]:
    """`delegation`, `person` and `delegate` (a person or a team) of a delegation event."""
    delegate: dict[str, Any]
    if d.delegate_id is not None:
        found = await people.get(conn, ws, d.delegate_id)
        assert found is not None
        delegate = {"person": person_ref(found), "team": None}
    else:
        assert d.delegate_team_id is not None
        team = await teams.get(conn, ws, d.delegate_team_id)
        assert team is not None
        delegate = {"person": None, "team": {"id": encode("Team", team.id), "name": team.name}}
    return {"delegation": delegation_data(d), "person": person_ref(person), "delegate": delegate}


async def carry_out(
    conn: Conn, items: list[tuple[int, int]], now: datetime, done: MutableMapping[str, int]
) -> tuple[list[tuple[int, int]], int]:
    """Carry out the delegation starts and ends among a batch's `(id, version)` rows,
    counting each kind carried out in `done`.

    Returns the rows that are not delegation rows (for the handoff path) and how many
    delegation rows were ignored (their version moved on).
    """
    found = await delegations.lock_transitions(conn, [i for i, _ in items])
    if not found:
        return items, 0
    wanted = dict(items)
    mine: set[int] = set()
    finished: list[int] = []
    ignored = 0
    for t in found:
        mine.add(t.follow_up_id)
        if t.version != wanted[t.follow_up_id]:
            ignored += 1
            continue
        d = t.delegation
        if t.kind == FollowUpKind.DELEGATION_START:
            await start(conn, d.workspace_id, now, d)
        else:
            await end(conn, d.workspace_id, now, d, "ended")
        finished.append(t.follow_up_id)
        done[t.kind] = done.get(t.kind, 0) + 1
    await delegations.transitions_done(conn, finished, now)
    return [(i, v) for i, v in items if i not in mine], ignored
