"""Budgeted urgency: may an urgent handoff break through to its receiver, and what it says.

An urgent handoff may land inside a focus block or skip the wait for a digest time, never
outside working time (the engine's `urgent=True`). The receiver's policy decides who may
(`handoff.services.urgency_policy` stores it); `Urgency` decides, for one handoff being
sent, for every candidate receiver in this order:

1. the receiver takes no urgent handoffs (`NOBODY`): declined, REFUSED;
2. `ALLOWED_SENDERS` and the sender is not on the list: declined, NOT_ALLOWED;
3. the receiver rated the sender's last three urgent handoffs not urgent, less than 30
   days ago: declined, PAUSED;
4. urgency would not land it any earlier than an ordinary handoff: NOT_NEEDED (no budget
   used);
5. the sender's break-throughs landing in the receiver's week of this landing (Monday
   00:00 to Monday 00:00 in the zone in force, `calendar.working_week`) reached the
   budget: declined, BUDGET_USED;
6. otherwise it breaks through: BROKE_THROUGH, using one of the week's budget.

A declined handoff is delivered as a normal one; its explanation says why at once and a
`handoff.urgency_declined` event is recorded for the sender. A break-through records
`handoff.urgent_delivered` when it lands (`storage.urgency.landed`, from the delivery
engine's batch). Creating takes an advisory lock per candidate receiver before counting,
so concurrent urgent handoffs cannot both take a week's last break-through.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from handoff.calendar import NoWorkingTime, next_delivery, working_week
from handoff.services.errors import Invalid
from handoff.services.payloads import handoff_data, person_ref
from handoff.services.routing import Plan
from handoff.services.text import trimmed
from handoff.states import UrgencyDeclined, UrgencyOutcome, UrgentFrom
from handoff.storage import events
from handoff.storage import urgency as store
from handoff.storage.events import NewEvent
from handoff.storage.models import Handoff, Person, Team, WorkItem
from handoff.storage.run import Conn

MAX_REASON = 500
D = UrgencyDeclined
Outcome = UrgencyOutcome

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def check_reason(reason: str | None) -> str | None:
    """The urgent reason, trimmed; Invalid when empty or longer than 500 characters."""
    if reason is None:
        return None
    reason = trimmed(reason)
    if not reason:
        raise Invalid("urgent.reason", "say why it is urgent: reason must not be empty")
    if len(reason) > MAX_REASON:
        raise Invalid(
            "urgent.reason", f"reason is {len(reason):,} characters; at most {MAX_REASON}"
        )
    return reason


def short_day(person: Person, at: datetime) -> str:
    """`Tue 1 Dec`: the local date of `at` where the person is."""
    d = person.pattern.local(at)
    return f"{_WEEKDAYS[d.weekday()]} {d.day} {_MONTHS[d.month - 1]}"


def local_time(person: Person, at: datetime) -> str:
    """`Sat 9 Jan 14:00 Europe/Amsterdam`: `at` on the person's wall clock."""
    d = person.pattern.local(at)
    return f"{short_day(person, at)} {d.strftime('%H:%M')} {d.tzinfo}"


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _dates(days: list[str]) -> str:
    unique = list(dict.fromkeys(days))
    return unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + " and " + unique[-1]


@dataclass(frozen=True)
class Allowance:
    """What urgency would do for one candidate receiver, and the explanation line."""

    person: Person
    outcome: UrgencyOutcome
    declined: UrgencyDeclined | None
    line: str

    @property
    def refuses(self) -> bool:
        """The receiver's policy keeps this sender out whatever the week."""
        return self.declined in (D.REFUSED, D.NOT_ALLOWED)


def decide(
    sender: Person,
    receiver: Person,
    facts: store.AllowanceFacts,
    urgent_at: datetime,
    normal_at: datetime | None,
    reach: datetime | None = None,
) -> Allowance:
    """The decision for one receiver (pure: the rules in the module's docstring).

    `normal_at` is where an ordinary handoff would land; None when never (focus blocks
    that cover all their working time). `reach`: when it could reach them at the earliest
    (sent, or handed on); an urgent landing after it waits for their working time."""
    s, r = sender.name, receiver.name

    def declined(why: UrgencyDeclined, line: str) -> Allowance:
        return Allowance(receiver, Outcome.DECLINED, why, f"Not delivered early: {line}.")

    if facts.urgent_from == UrgentFrom.NOBODY:
        return declined(D.REFUSED, f"{r} takes no urgent handoffs")
    if facts.urgent_from == UrgentFrom.ALLOWED_SENDERS and not facts.listed:
        return declined(
            D.NOT_ALLOWED, f"{r} takes urgent handoffs only from the people on a list {s} is not on"
        )
    if facts.paused_until is not None:
        return declined(
            D.PAUSED,
            f"{r} rated {s}'s last three urgent handoffs not urgent, so {s} may not break "
            f"through to {r} until {local_time(receiver, facts.paused_until)}",
        )
    if normal_at is not None and urgent_at >= normal_at:
        if reach is not None and urgent_at > reach:
            # urgency breaks through focus blocks and digests, never outside working time
            held = (
                f"Sent as urgent, but urgency never reaches {r} outside {r}'s working time: "
                f"it lands at {local_time(receiver, urgent_at)}, when an ordinary handoff would,"
            )
        else:
            held = "Sent as urgent, but nothing holds it back: it lands when an ordinary handoff would,"
        return Allowance(
            receiver,
            Outcome.NOT_NEEDED,
            None,
            f"{held} and uses none of {s}'s urgent budget with {r}.",
        )
    n = facts.weekly_budget
    if len(facts.used) >= n:
        days = _dates([short_day(receiver, t) for t in facts.used])
        plural = "" if n == 1 else "s"
        return declined(
            D.BUDGET_USED,
            f"the budget of {n} urgent handoff{plural} a week to {r} was used on {days}",
        )
    return Allowance(
        receiver,
        Outcome.BROKE_THROUGH,
        None,
        f"Sent as urgent: {r} lets {s} break through {_times(n)} a week, and this is "
        f"number {len(facts.used) + 1} of the week.",
    )


class Urgency:
    """The urgency of one handoff being sent (or previewed) by `sender` at `now`.

    `allow` is called by the routing with the candidate receivers and answers who breaks
    through; `explain` adds the receiver's line to the plan; `record` stores the decisions
    and the events of the handoff once it exists.
    """

    def __init__(self, ws: int, now: datetime, sender: Person, reason: str, *, lock: bool):
        self.ws = ws
        self.now = now
        self.sender = sender
        self.reason = reason
        self.lock = lock
        self.allowances: dict[int, Allowance] = {}

    async def allow(
        self, conn: Conn, candidates: list[Person], team: Team | None, at: datetime | None = None
    ) -> frozenset[int]:
        """The ids among `candidates` an urgent handoff breaks through to, when it reaches
        them at `at` (now, or later: when a delegation's cover starts).

        A team none of whose members takes urgent handoffs from the sender is Invalid.
        """
        reach = self.now if at is None else max(self.now, at)
        landings: dict[int, tuple[datetime, datetime | None]] = {}
        weeks: dict[int, tuple[datetime, datetime]] = {}
        for p in candidates:
            try:
                urgent = next_delivery(p.pattern, p.policy, reach, urgent=True).at
            except NoWorkingTime:
                continue  # no working time ahead: the routing says so, or skips them
            try:
                normal: datetime | None = next_delivery(p.pattern, p.policy, reach).at
            except NoWorkingTime:
                normal = None  # only urgency gets through their focus blocks
            landings[p.id] = (urgent, normal)
            weeks[p.id] = working_week(p.pattern, urgent)
        if self.lock:
            await store.lock_receivers(conn, sorted(weeks))
        facts = await store.allowance_facts(conn, self.ws, self.sender.id, weeks, self.now)
        by_id = {p.id: p for p in candidates}
        self.allowances = {
            pid: decide(self.sender, by_id[pid], facts[pid], *landings[pid], reach) for pid in weeks
        }
        if (
            team is not None
            and self.allowances
            and all(a.refuses for a in self.allowances.values())
        ):
            raise Invalid(
                "urgent",
                f"no member of team {team.name!r} takes urgent handoffs from {self.sender.name}; "
                "send it without urgent",
            )
        return frozenset(
            pid for pid, a in self.allowances.items() if a.outcome == Outcome.BROKE_THROUGH
        )

    def explain(self, plan: Plan) -> Plan:
        """The plan with the receiver's urgency line after the routing reasons."""
        found = self.allowances.get(plan.receiver.person.id)
        if found is None:
            return plan
        return dataclasses.replace(plan, reasons=(*plan.reasons, found.line))

    def decisions(self, plan: Plan) -> list[store.NewUrgentHandoff]:
        """One decision per recipient of the plan (the receiver; each member of ALL)."""
        found = []
        for r in plan.recipients:
            a = self.allowances[r.person.id]
            found.append(
                store.NewUrgentHandoff(
                    r.person.id, a.outcome, a.declined, a.line, r.times.deliver_at
                )
            )
        return found

    async def record(
        self, conn: Conn, handoff: Handoff, plan: Plan, item: WorkItem, team: Team | None
    ) -> None:
        """Store the decisions about the new handoff and record `handoff.urgency_declined`
        for each person it was declined for (the sender reads it at once)."""
        decisions = self.decisions(plan)
        await store.insert_many(
            conn, self.ws, handoff.id, self.sender.id, self.reason, decisions, self.now
        )
        receiver = plan.receiver.person
        for d in decisions:
            if d.outcome != Outcome.DECLINED:
                continue
            data = handoff_data(handoff, item, self.sender, receiver, team)
            data["urgency"] = {
                "reason": self.reason,
                "outcome": d.outcome,
                "declinedBecause": d.declined_because,
                "explanation": d.explanation,
                "person": person_ref(self.allowances[d.person_id].person),
            }
            event = NewEvent(self.ws, "handoff.urgency_declined", data, handoff.id, self.sender.id)
            await events.record(conn, event, self.now)
