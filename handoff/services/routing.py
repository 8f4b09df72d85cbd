"""Which team member a handoff goes to, and when it lands for each recipient."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from handoff.calendar import HandoffTimes, NoWorkingTime, schedule_handoff
from handoff.services.errors import Invalid
from handoff.storage.models import Person, Team


@dataclass(frozen=True)
class Recipient:
    """A person the handoff lands with, and when."""

    person: Person
    times: HandoffTimes


@dataclass(frozen=True)
class Plan:
    """The chosen receiver's times, plus every recipient (several for ALL-routing)."""

    receiver: Recipient
    recipients: tuple[Recipient, ...]
    reasons: tuple[str, ...]

    @property
    def explanation(self) -> list[str]:
        return [*self.reasons, *self.receiver.times.explanation]


def times_for(person: Person, at: datetime, respond_within: timedelta | None) -> HandoffTimes:
    """When a handoff made at `at` lands for `person`; NoWorkingTime when never."""
    return schedule_handoff(person.pattern, person.policy, at, respond_within, name=person.name)


def plan_for_person(
    person: Person, at: datetime, respond_within: timedelta | None, field: str
) -> Plan:
    """A handoff straight to one person."""
    try:
        recipient = Recipient(person, times_for(person, at, respond_within))
    except NoWorkingTime:
        raise Invalid(
            field, f"{person.name} has no working time in the next two years to receive it"
        ) from None
    return Plan(recipient, (recipient,), ())


def plan_for_team(
    team: Team,
    members: list[Person],
    at: datetime,
    respond_within: timedelta | None,
    position: int,
    field: str,
) -> Plan:
    """Route a team handoff: follow-the-sun, round-robin, or to all members."""
    reachable: list[Recipient] = []
    for person in sorted(members, key=lambda p: p.id):
        try:
            reachable.append(Recipient(person, times_for(person, at, respond_within)))
        except NoWorkingTime:
            continue
    if not reachable:
        raise Invalid(
            field, f"no member of team {team.name!r} has working time in the next two years"
        )
    soonest = min(reachable, key=lambda r: (r.times.deliver_at, r.person.id))
    if team.routing == "ROUND_ROBIN":
        chosen = reachable[position % len(reachable)]
        why = f"Team {team.name} routes round-robin; it is {chosen.person.name}'s turn."
        return Plan(chosen, (chosen,), (why,))
    if team.routing == "ALL":
        why = (
            f"Team {team.name} notifies all {len(reachable)} reachable members; "
            f"{soonest.person.name} is reachable soonest and holds the response clock."
        )
        return Plan(soonest, tuple(reachable), (why,))
    why = (
        f"Team {team.name} routes follow-the-sun: {soonest.person.name} "
        f"({soonest.person.timezone}) is reachable soonest."
    )
    return Plan(soonest, (soonest,), (why,))
