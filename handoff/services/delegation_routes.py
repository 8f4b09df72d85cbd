"""Who a handoff addressed to a person really goes to, following delegations.

A handoff reaches a person P at an instant t (the addressee at the moment it is sent).
P's delegation sends it on when it is active at t, or when it starts later but before
the handoff would land with P (it would otherwise wait through the cover); then it reaches
the delegate at t or at the delegation's start, whichever is later. Chains are followed
(the delegate's own delegate). Loops are refused when a delegation is set
(`handoff.services.delegations`), but dates can still bring the chain back to someone
it passed (each hop is judged at its own instant): then the handoff stays with the last
person before the loop, and the explanation says so. A delegate who sent the handoff
never gets it back: it stays with the person before them; so does a handoff whose
delegate team has nobody but people who sent or passed it (members change at any time,
so such loops cannot all be refused when a delegation is set).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from handoff.calendar import NoWorkingTime
from handoff.calendar.wallclock import to_us
from handoff.calendar.wording import local_time
from handoff.services import lookups
from handoff.services.routing import Plan, times_for
from handoff.states import DelegationState
from handoff.storage import delegations
from handoff.storage.delegations import Delegation
from handoff.storage.models import Person
from handoff.storage.run import Conn

# A chain longer than this is cut (loops are refused anyway; this bounds the reads).
MAX_HOPS = 20


@dataclass(frozen=True)
class Route:
    """Where delegations send a handoff addressed to someone.

    `receiver` is the person it ends with, or None when a team takes it (`team_id`);
    `at` is when it reaches them. `via` lists the people whose delegations passed it on
    (addressee first) and `delegation_ids` those delegations; both are empty when no
    delegation applied. `skip` are people a delegate team must not pick.
    """

    receiver: Person | None
    team_id: int | None
    at: datetime
    via: tuple[int, ...] = ()
    delegation_ids: tuple[int, ...] = ()
    reasons: tuple[str, ...] = ()

    @property
    def skip(self) -> frozenset[int]:
        return frozenset(self.via)

    def applied_to(self, plan: Plan) -> Plan:
        """The plan for the route's receiver (or team), with the route's reasons first."""
        return replace(
            plan,
            reasons=(*self.reasons, *plan.reasons),
            via=self.via,
            delegation_ids=self.delegation_ids,
        )


def _when(person: Person, at: datetime) -> str:
    """An instant on the person's wall clock where they are then, as explanations say."""
    return local_time(to_us(at, "at"), person.pattern.zone_at(at))


def _landing(person: Person, at: datetime, respond_within: timedelta | None) -> datetime | None:
    try:
        return times_for(person, at, respond_within).deliver_at
    except NoWorkingTime:
        return None


async def _applying(
    conn: Conn, ws: int, person: Person, at: datetime, respond_within: timedelta | None
) -> Delegation | None:
    """The delegation of `person` that takes a handoff reaching them at `at`, if any."""
    live = await delegations.live_for_person(conn, ws, person.id)
    for d in live:
        # ACTIVE before its start: its start job ran on a clock a little ahead of this
        # request's and cannot move what commits after it, so the delegation takes it now
        if d.active_at(at) or (d.state == DelegationState.ACTIVE and at < d.starts_at):
            return d
    later = [d for d in live if d.starts_at > at]
    if not later:
        return None
    landing = _landing(person, at, respond_within)
    if landing is None:
        return None
    # one that starts before it would land: it would otherwise wait through the cover
    # (time off with a cover pushes the landing past the cover's end)
    return next((d for d in later if d.starts_at <= landing), None)


async def follow(
    conn: Conn,
    ws: int,
    at: datetime,
    addressee: Person,
    respond_within: timedelta | None,
    sender_id: int,
    passed: Collection[int] = (),
    settled: Collection[int] = (),
) -> Route:
    """Follow the delegations of `addressee` from `at`; `passed` are people the handoff
    already went through (a loop back to them stops it too), `settled` people known to
    have no scheduled or running delegation (their delegations are not read)."""
    person, t = addressee, at
    via: list[int] = []
    ids: list[int] = []
    reasons: list[str] = []
    seen = {addressee.id, *passed}
    for _ in range(MAX_HOPS):
        if person.id in settled:
            break
        d = await _applying(conn, ws, person, t, respond_within)
        if d is None:
            break
        reach = max(t, d.starts_at)
        if d.delegate_team_id is not None:
            team = await lookups.team(conn, ws, d.delegate_team_id)
            members = await lookups.team_members(conn, ws, team.id)
            if all(m.id == sender_id or m.id in seen for m in members):
                reasons.append(
                    f"{person.name} is away and team {team.name} covers, but it has nobody "
                    f"who has not sent or passed this handoff, so it stays with {person.name}."
                )
                break
            reasons.append(_covered(person, d, t, f"team {team.name}", "the team routes it"))
            via.append(person.id)
            ids.append(d.id)
            return Route(None, team.id, reach, tuple(via), tuple(ids), tuple(reasons))
        assert d.delegate_id is not None
        # FOR SHARE: their deactivation or time off waits for this handoff, then moves it
        delegate = await lookups.person(conn, ws, d.delegate_id, share=True)
        if delegate.deactivated_at is not None:
            break  # leaving ends delegations to them; never route to someone who left
        if delegate.id == sender_id:
            reasons.append(
                f"{delegate.name} covers for {person.name} but sent it, "
                f"so it stays with {person.name}."
            )
            break
        if delegate.id in seen:
            reasons.append(
                f"{person.name} is away too, but {person.name}'s delegation would pass it back "
                f"to {delegate.name}, who already passed it on; to avoid a loop it stays "
                f"with {person.name}."
            )
            break
        reasons.append(_covered(person, d, t, delegate.name, f"it goes to {delegate.name}"))
        via.append(person.id)
        ids.append(d.id)
        seen.add(delegate.id)
        person, t = delegate, reach
    return Route(person, None, t, tuple(via), tuple(ids), tuple(reasons))


def _covered(person: Person, d: Delegation, at: datetime, who: str, outcome: str) -> str:
    """Why a delegation takes the handoff."""
    until = _when(person, d.ends_at)
    if d.starts_at <= at:
        return f"{person.name} is away: {who} covers for {person.name} until {until}, so {outcome}."
    since = _when(person, d.starts_at)
    return (
        f"{person.name} is away from {since} until {until}, before it would land with "
        f"{person.name}; {who} covers for {person.name}, so {outcome} from {since}."
    )
