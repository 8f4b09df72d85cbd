"""What happens when follow-ups fire: delivery, digest, reminder, escalation.

`handle_batch` runs inside the caller's transaction. It re-reads the batch's rows under
lock, ignores every row whose state or version is no longer what the job was enqueued
for, applies the effects (handoff state, outbox events, the next follow-up of the chain)
and marks the rows DONE, so effects and the rows' new state commit together.

The chain, all instants counted in the receiver's (or sender's) own time:

- DELIVERY: a `handoff.delivered` event (one `digest.delivered` listing all that is due
  for a person who bundles); the holder's makes the handoff DELIVERED and, when it
  expects an answer, schedules the first REMINDER at their next delivery instant at or
  after `respond_by` (another ALL-team member's is a notification only).
- REMINDER: a `handoff.reminded` event, `reminders_sent + 1`, and the new deadline is
  the reminder instant plus `respond_within` of the receiver's working time (stored as
  the handoff's `respond_by`). Before `max_reminders` is reached the next REMINDER is
  scheduled at the receiver's next delivery instant after that deadline; after the last
  one an ESCALATION is scheduled.
- ESCALATION of a team handoff (the first time): due at the deadline itself; the team
  routes it again follow-the-sun to another member (a new DELIVERY, the response clock
  starts again) with a `handoff.escalated` event. Otherwise (person handoff, a team
  handoff escalated before, or no other reachable member) the escalation goes back to
  the sender at the *sender's* next delivery instant, with a `handoff.escalated` event.
- REPLY: the reply reaches the sender (`handoff.replied`, built in SQL at the end, as is
  `handoff.urgent_delivered` for an urgent break-through that landed).
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from handoff.calendar import (
    NoWorkingTime,
    next_delivery,
    reminder_line,
    reminder_reason,
    response_deadline,
    team_escalation_line,
)
from handoff.ids import encode
from handoff.observability.metrics import FOLLOW_UP_LATENESS, FOLLOW_UPS_DELIVERED, FOLLOW_UPS_LATE
from handoff.services.batch_context import Context
from handoff.services.delegation_effects import carry_out
from handoff.services.lookups import taken_over_by
from handoff.services.payloads import handoff_data, person_ref
from handoff.services.routing import escalation_to, reachable, soonest
from handoff.states import FollowUpKind, HandoffStatus
from handoff.storage import events, follow_ups, handoffs, teams
from handoff.storage.events import NewEvent
from handoff.storage.follow_ups import Locked, NewFollowUp
from handoff.storage.models import FollowUp, Handoff, Person
from handoff.storage.replies import deliver as deliver_replies
from handoff.storage.run import Conn
from handoff.storage.urgency import landed as urgent_landed

log = logging.getLogger(__name__)
K = FollowUpKind
S = HandoffStatus


@dataclass
class BatchOutcome:
    """What a batch did: rows carried out (by kind), rows ignored, rows it could not lock."""

    handled: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    ignored: int = 0
    locked_out: list[tuple[int, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.handled.values())


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


class _Batch:
    def __init__(self, conn: Conn, now: datetime, ctx: Context) -> None:
        self.conn = conn
        self.now = now
        self.ctx = ctx
        self.events: list[NewEvent] = []
        self.new_rows: list[NewFollowUp] = []
        self.delivered: list[int] = []
        self.done: list[int] = []
        self.digests: dict[int, list[tuple[FollowUp, Handoff]]] = defaultdict(list)
        self.pending_updates: list[tuple[int, datetime | None, list[str]]] = []
        self.pending_escalated: list[int] = []
        self.reroutes: list[Handoff] = []

    # -- helpers ----------------------------------------------------------------

    def person(self, pid: int) -> Person:
        return self.ctx.people[pid]

    def data(self, h: Handoff) -> dict[str, Any]:
        team = self.ctx.teams.get(h.team_id) if h.team_id is not None else None
        return handoff_data(
            h,
            self.ctx.work_items[h.work_item_id],
            self.person(h.sender_id),
            self.person(h.receiver_id),
            team,
        )

    def event(self, r: FollowUp, type_: str, data: dict[str, Any], person_id: int) -> None:
        data["followUp"] = {
            "kind": r.kind,
            "dueAt": _iso(r.due_at),
            "explanation": r.explanation,
        }
        self.events.append(NewEvent(r.workspace_id, type_, data, r.handoff_id, person_id))

    def deliver(self, r: FollowUp, h: Handoff) -> bool:
        if h.status not in (S.SCHEDULED, S.DELIVERED):
            return False
        holder = r.person_id == h.receiver_id
        if h.status == S.DELIVERED and holder:
            return False  # already delivered to this person (an older row); nothing to do
        if h.status == S.SCHEDULED and holder:
            self.delivered.append(h.id)
            h = dataclasses.replace(h, status=S.DELIVERED)
        if r.digest:
            self.digests[r.person_id].append((r, h))
        else:  # `receiver` is the holder; an ALL team's other member is `notified`
            notified = {} if holder else {"notified": person_ref(self.person(r.person_id))}
            self.event(r, "handoff.delivered", self.data(h) | notified, r.person_id)
        if holder and h.respond_by is not None:
            self.after_deadline(r, h, h.respond_by, reminders_sent=h.reminders_sent)
        return True

    def remind(self, r: FollowUp, h: Handoff) -> bool:
        if h.status != S.DELIVERED or r.person_id != h.receiver_id:
            return False
        receiver = self.person(h.receiver_id)
        sent = h.reminders_sent + 1
        deadline = None
        explanation = h.explanation
        if h.respond_within is not None:
            # The next deadline is counted again in the receiver's working time, and the
            # explanation says so instead of naming the old one.
            deadline, line = response_deadline(
                receiver.pattern, r.due_at, h.respond_within, name=receiver.name
            )
            # the explanation ends with the deadline line (and, after a reminder, its line)
            kept = (
                h.explanation[: -2 if h.reminders_sent else -1] if h.respond_by else h.explanation
            )
            sent_line = reminder_line(
                receiver.pattern, r.due_at, sent, h.max_reminders, receiver.name
            )
            explanation = [*kept, sent_line, line]
        store_h = dataclasses.replace(
            h, reminders_sent=sent, respond_by=deadline, explanation=explanation
        )
        data = self.data(store_h)
        data["reminder"] = {"number": sent, "of": h.max_reminders, "respondBy": _iso(deadline)}
        self.event(r, "handoff.reminded", data, r.person_id)
        self.pending_updates.append((h.id, deadline, explanation))
        if deadline is not None:
            self.after_deadline(r, store_h, deadline, reminders_sent=sent)
        return True

    def after_deadline(
        self, r: FollowUp, h: Handoff, deadline: datetime, *, reminders_sent: int
    ) -> None:
        """Schedule what follows an unanswered deadline: a reminder or the escalation."""
        receiver = self.person(h.receiver_id)
        if reminders_sent < h.max_reminders:
            try:
                d = next_delivery(receiver.pattern, receiver.policy, deadline, name=receiver.name)
            except NoWorkingTime:
                log.warning("no working time for a reminder of handoff %s", h.id)
                return
            n, pattern = reminders_sent + 1, receiver.pattern
            why = reminder_reason(n, h.max_reminders, receiver.name, pattern, deadline)
            self.new_rows.append(
                NewFollowUp(
                    r.workspace_id,
                    h.id,
                    receiver.id,
                    K.REMINDER,
                    d.at,
                    bool(receiver.policy.digest_times),
                    [why, *d.reasons],
                )
            )
            return
        self.schedule_escalation(r, h, deadline)

    def schedule_escalation(self, r: FollowUp, h: Handoff, deadline: datetime) -> None:
        receiver = self.person(h.receiver_id)
        if h.team_id is not None and h.escalated_at is None:
            team, pattern = self.ctx.teams[h.team_id], receiver.pattern
            why = team_escalation_line(receiver.name, pattern, deadline, team.name, h.max_reminders)
            self.new_rows.append(
                NewFollowUp(r.workspace_id, h.id, receiver.id, K.ESCALATION, deadline, False, [why])
            )
            return
        self.escalate_to_sender(r, h, deadline)

    def escalate_to_sender(self, r: FollowUp, h: Handoff, basis: datetime) -> None:
        sender = self.person(h.sender_id)
        successor = taken_over_by(sender, self.ctx.people)
        to, at, why = escalation_to(sender, successor, self.person(h.receiver_id), basis, basis)
        self.new_rows.append(NewFollowUp(r.workspace_id, h.id, to.id, K.ESCALATION, at, False, why))

    async def escalate(self, r: FollowUp, h: Handoff) -> bool:
        if h.status != S.DELIVERED:
            return False
        # (a team's own escalation is the row of its receiver; any other row goes back)
        if r.person_id != h.receiver_id or h.team_id is None:
            self.pending_escalated.append(h.id)
            data = self.data(h)
            # to the sender, or to who took over the work of a sender who left
            to = "sender" if r.person_id == h.sender_id else "successor"
            data["escalation"] = {"to": to, "person": person_ref(self.person(r.person_id))}
            self.event(r, "handoff.escalated", data, r.person_id)
            return True
        # A team handoff: route it again, follow-the-sun, to someone else.
        members = await teams.members_for_routing(self.conn, h.workspace_id, h.team_id)
        others = [m for m in members if m.id not in (h.receiver_id, h.sender_id)]
        for m in others:
            self.ctx.people.setdefault(m.id, m)
        best = soonest(reachable(others, self.now, h.respond_within))
        if best is None:
            self.escalate_to_sender(r, h, self.now)
            return True
        member, times = best.person, best.times
        team = self.ctx.teams[h.team_id]
        previous = self.person(h.receiver_id)
        why = (
            f"Escalated: {previous.name} did not answer; team {team.name} follows the sun "
            f"and {member.name} is reachable soonest."
        )
        moved = dataclasses.replace(
            h,
            receiver_id=member.id,
            status=S.SCHEDULED,
            deliver_at=times.deliver_at,
            respond_by=times.respond_by,
            reminders_sent=0,
            escalated_at=self.now,
            explanation=[why, *times.explanation],
            route_reasons=[why],
        )
        self.reroutes.append(moved)
        data = self.data(moved)
        data["escalation"] = {
            "to": "team",
            "team": {"id": encode("Team", team.id), "name": team.name},
            "from": person_ref(previous),
            "person": person_ref(member),
        }
        self.event(r, "handoff.escalated", data, member.id)
        self.new_rows.append(
            NewFollowUp(
                r.workspace_id,
                h.id,
                member.id,
                K.DELIVERY,
                times.deliver_at,
                bool(member.policy.digest_times),
                [why, *times.explanation],
            )
        )
        return True

    def flush_digests(self) -> None:
        for person_id, items in self.digests.items():
            person = self.person(person_id)
            first = items[0][0]
            data: dict[str, Any] = {
                "person": person_ref(person),
                "count": len(items),
                "handoffs": [self.data(h) for _, h in items],
                "followUps": [
                    {"dueAt": _iso(r.due_at), "explanation": r.explanation} for r, _ in items
                ],
            }
            self.events.append(
                NewEvent(first.workspace_id, "digest.delivered", data, None, person_id)
            )


def _count(outcome: BatchOutcome, r: FollowUp, now: datetime) -> None:
    outcome.handled[r.kind] += 1
    late = max(0.0, (now - r.due_at).total_seconds())
    FOLLOW_UP_LATENESS.observe(late)
    if late > 1.0:
        FOLLOW_UPS_LATE.labels(r.kind).inc()


async def handle_batch(conn: Conn, items: list[tuple[int, int]], now: datetime) -> BatchOutcome:
    """Carry out the follow-ups `(id, version)` in the caller's transaction.

    Delegation starts and ends go first (`delegation_effects.carry_out`): a delivery due as
    one starts finds its handoff moved. Plain deliveries take one statement with events.
    """
    outcome = BatchOutcome()
    items, outcome.ignored = await carry_out(conn, items, now, outcome.handled)
    wanted = dict(items)
    locked = await follow_ups.lock_rows(conn, list(wanted))
    seen = {x.row.id for x in locked}
    outcome.locked_out = [(i, v) for i, v in items if i not in seen]
    current = [x for x in locked if x.row.version == wanted[x.row.id]]
    outcome.ignored += len(locked) - len(current)
    digest_people = sorted(
        {x.row.person_id for x in current if x.row.digest and x.row.kind == K.DELIVERY}
    )
    if digest_people:
        current += await follow_ups.lock_digest_siblings(conn, digest_people, list(wanted), now)
    if not current:
        return outcome

    # One row per handoff goes the set-based way; any other row of the same handoff takes
    # the general path below, which then sees the handoff DELIVERED.
    plain: dict[int, Locked] = {}
    for x in current:
        if x.plain_delivery and x.row.handoff_id not in plain:
            plain[x.row.handoff_id] = x
    delivered = await handoffs.deliver_many(conn, [x.row.id for x in plain.values()], now)
    rows = [
        x.row
        for x in current
        if x.row.handoff_id not in delivered or plain.get(x.row.handoff_id) is not x
    ]
    answer = {h for h in delivered if plain[h].expects_answer}

    ctx = Context()
    # A row's person is not always the handoff's sender or receiver: ALL-routing notifies
    # every team member.
    await ctx.load(conn, {r.handoff_id for r in rows} | answer, {r.person_id for r in rows})
    batch = _Batch(conn, now, ctx)

    for hid in delivered:
        r = plain[hid].row
        h = ctx.handoffs.get(hid)
        if h is not None and h.respond_by is not None:
            batch.after_deadline(r, h, h.respond_by, reminders_sent=h.reminders_sent)
        batch.done.append(r.id)
        _count(outcome, r, now)
    if delivered:
        FOLLOW_UPS_DELIVERED.labels(K.DELIVERY).inc(len(delivered))

    for r in rows:
        h = ctx.handoffs[r.handoff_id]
        if r.kind == K.DELIVERY:
            acted = batch.deliver(r, h)
        elif r.kind == K.REMINDER:
            acted = batch.remind(r, h)
        else:  # an ESCALATION, or a REPLY whose event is built in SQL below
            acted = r.kind == K.REPLY or await batch.escalate(r, h)
        batch.done.append(r.id)
        if acted:
            _count(outcome, r, now)
            FOLLOW_UPS_DELIVERED.labels(r.kind).inc()
        else:
            outcome.ignored += 1
    batch.flush_digests()

    await handoffs.mark_delivered(conn, batch.delivered, now)
    for hid, deadline, explanation in batch.pending_updates:
        await handoffs.reminded(conn, hid, deadline, explanation, now)
    for hid in batch.pending_escalated:
        await handoffs.escalated(conn, hid, now)
    for moved in batch.reroutes:
        await handoffs.escalated_to_member(conn, moved, now)
    await events.record_many(conn, batch.events, now)
    await follow_ups.insert_many(conn, batch.new_rows, now)
    await follow_ups.mark_done(conn, batch.done, now)
    await deliver_replies(conn, [r.id for r in rows if r.kind == K.REPLY], now)
    await urgent_landed(conn, batch.done, now)
    return outcome
