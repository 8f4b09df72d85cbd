"""Which team member a handoff goes to, and when it lands for each recipient.

Pure functions over people already read: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from handoff.calendar import (
    HandoffTimes,
    NoWorkingTime,
    escalation_line,
    next_delivery,
    schedule_handoff,
)
from handoff.services.errors import Invalid
from handoff.states import Routing
from handoff.storage.models import Person, Team


@dataclass(frozen=True)
class Recipient:
    """A person the handoff lands with, and when."""

    person: Person
    times: HandoffTimes
    urgent: bool = False  # breaks through focus blocks and digest waits (services.urgency)


@dataclass(frozen=True)
class Plan:
    """The chosen receiver's times, plus every recipient (several for ALL-routing)."""

    receiver: Recipient
    recipients: tuple[Recipient, ...]
    reasons: tuple[str, ...]
    # when delegations sent it on: the people they passed it through (addressee first)
    # and those delegations (`handoff.services.delegation_routes`)
    via: tuple[int, ...] = ()
    delegation_ids: tuple[int, ...] = ()

    @property
    def explanation(self) -> list[str]:
        return [*self.reasons, *self.receiver.times.explanation]

    def explanation_for(self, recipient: Recipient) -> list[str]:
        """What a recipient's delivery row says: the receiver's full explanation, or for
        another member of an ALL team the routing reasons and their own landing."""
        if recipient.person.id == self.receiver.person.id:
            return self.explanation
        own = recipient.times.explanation
        # the last line names the receiver's response deadline, which is not theirs
        return [*self.reasons, *(own[:-1] if recipient.times.respond_by is not None else own)]


def times_for(
    person: Person, at: datetime, respond_within: timedelta | None, urgent: bool = False
) -> HandoffTimes:
    """When a handoff made at `at` lands for `person`; NoWorkingTime when never."""
    return schedule_handoff(
        person.pattern, person.policy, at, respond_within, name=person.name, urgent=urgent
    )


def plan_for_person(
    person: Person, at: datetime, respond_within: timedelta | None, field: str, urgent: bool = False
) -> Plan:
    """A handoff straight to one person (breaking through with `urgent`)."""
    try:
        recipient = Recipient(person, times_for(person, at, respond_within, urgent), urgent)
    except NoWorkingTime as e:
        raise Invalid(field, f"{person.name} cannot receive it: {e}") from None
    return Plan(recipient, (recipient,), ())


def reachable(
    members: Iterable[Person],
    at: datetime,
    respond_within: timedelta | None,
    urgent_for: frozenset[int] = frozenset(),
) -> list[Recipient]:
    """Members with working time ahead, by person id, with their times (breaking through
    for the ids in `urgent_for`)."""
    found: list[Recipient] = []
    for person in sorted(members, key=lambda p: p.id):
        urgent = person.id in urgent_for
        try:
            found.append(Recipient(person, times_for(person, at, respond_within, urgent), urgent))
        except NoWorkingTime:
            continue
    return found


def soonest(recipients: Iterable[Recipient]) -> Recipient | None:
    """Follow-the-sun: the recipient it lands with first (ties: the lower person id)."""
    return min(recipients, key=lambda r: (r.times.deliver_at, r.person.id), default=None)


def plan_for_team(
    team: Team,
    members: list[Person],
    at: datetime,
    respond_within: timedelta | None,
    position: int,
    field: str,
    urgent_for: frozenset[int] = frozenset(),
) -> Plan:
    """Route a team handoff: follow-the-sun, round-robin, or to all members."""
    candidates = reachable(members, at, respond_within, urgent_for)
    first = soonest(candidates)
    if first is None:
        raise Invalid(
            field, f"no member of team {team.name!r} has working time in the next two years"
        )
    if team.routing == Routing.ROUND_ROBIN:
        chosen = candidates[position % len(candidates)]
        why = f"Team {team.name} routes round-robin; it is {chosen.person.name}'s turn."
        return Plan(chosen, (chosen,), (why,))
    if team.routing == Routing.ALL:
        why = (
            f"Team {team.name} notifies all {len(candidates)} reachable members; "
            f"{first.person.name} is reachable soonest and holds the response clock."
        )
        return Plan(first, tuple(candidates), (why,))
    # where the member is when it lands (a traveller is in another zone than home)
    where = first.person.pattern.zone_at(first.times.deliver_at).key
    why = (
        f"Team {team.name} routes follow-the-sun: {first.person.name} "
        f"({where}) is reachable soonest."
    )
    return Plan(first, (first,), (why,))


def reaches_sender(sender: Person, basis: datetime) -> tuple[datetime, list[str]]:
    """When something going back to `sender` from `basis` reaches them (an escalation, a
    quick reply), and why: at their next delivery instant; at once when they have left or
    have no working time ahead (erased), so it is recorded instead of silently never
    happening."""
    if sender.deactivated_at is not None:
        return basis, [f"{sender.name} has left, so it goes back at once."]
    try:
        d = next_delivery(sender.pattern, sender.policy, basis, name=sender.name)
    except NoWorkingTime:
        return basis, [f"{sender.name} has no working time ahead, so it goes back at once."]
    return d.at, list(d.reasons)


def escalation_to(
    sender: Person,
    successor: Person | None,
    receiver: Person,
    deadline: datetime,
    basis: datetime,
) -> tuple[Person, datetime, list[str]]:
    """Who an unanswered handoff goes to after `deadline` (from `basis`), when, and the
    lines that say why: its sender, in their hours; for a sender who has left, the
    `successor` who took over their work (never the receiver themself), else the departed
    sender at once, so the escalation is recorded."""
    left = sender.deactivated_at is not None
    target = sender
    if left and successor is not None and successor.id != receiver.id:
        target = successor
    at, reasons = reaches_sender(target, basis)
    instead = None if target is sender else target.name
    line = escalation_line(receiver.name, receiver.pattern, deadline, sender.name, instead)
    return target, at, [line, *reasons]
