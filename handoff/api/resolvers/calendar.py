"""Questions about working time: availability, overlap, who is reachable next."""

from __future__ import annotations

from datetime import datetime, timedelta

import strawberry

from handoff.api.errors import expected_failures
from handoff.api.inputs import decode_id, require_aware
from handoff.api.resolvers.common import FromArg, people_models, person_model, time_range
from handoff.api.scalars import Duration
from handoff.api.types import Info, Person, Window
from handoff.api.types.results import (
    Availability,
    AvailabilityResult,
    NextReachable,
    NextReachableResult,
    Overlap,
    OverlapResult,
    OverlapWindow,
    ReachableCandidate,
)
from handoff.calendar import NoWorkingTime, next_delivery, overlap
from handoff.services import lookups
from handoff.services.errors import Invalid
from handoff.storage import models as m


def _candidate(p: m.Person, when: datetime) -> ReachableCandidate:
    try:
        d = next_delivery(p.pattern, p.policy, when, name=p.name)
    except NoWorkingTime:
        return ReachableCandidate(
            person=Person.wrap(p),
            at=None,
            explanation=[f"{p.name} has no working time in the next two years."],
        )
    return ReachableCandidate(person=Person.wrap(p), at=d.at, explanation=list(d.reasons))


@strawberry.type
class CalendarQuery:
    @strawberry.field(description="A person's working windows in a range (at most 92 days)")
    @expected_failures()
    async def availability(
        self, info: Info, person_id: strawberry.ID, from_: FromArg, to: datetime
    ) -> AvailabilityResult:
        start, end = time_range(from_, to)
        person = await person_model(info, person_id, "personId")
        pattern = person.pattern
        windows = pattern.windows(start, end)
        return Availability(
            person=Person.wrap(person),
            windows=[
                Window(start=a, end=b, start_local=pattern.local(a), end_local=pattern.local(b))
                for a, b in windows
            ],
            working_time=Duration(sum((b - a for a, b in windows), timedelta())),
        )

    @strawberry.field(description="When all these people work at once (at most 92 days)")
    @expected_failures()
    async def overlap(
        self, info: Info, person_ids: list[strawberry.ID], from_: FromArg, to: datetime
    ) -> OverlapResult:
        start, end = time_range(from_, to)
        people = await people_models(info, person_ids, "personIds")
        shared = overlap([p.pattern for p in people], start, end)
        return Overlap(
            windows=[OverlapWindow(start=a, end=b) for a, b in shared],
            total=Duration(sum((b - a for a, b in shared), timedelta())),
        )

    @strawberry.field(description="When each person (or team member) can next be reached")
    @expected_failures()
    async def next_reachable(
        self,
        info: Info,
        person_ids: list[strawberry.ID] | None = None,
        team_id: strawberry.ID | None = None,
        at: datetime | None = None,
    ) -> NextReachableResult:
        ctx = info.context
        when = require_aware(at, "at") if at is not None else ctx.clock.now()
        if (person_ids is None) == (team_id is None):
            raise Invalid("personIds", "give exactly one of personIds and teamId")
        if team_id is not None:
            tid = decode_id(team_id, "Team", "teamId")
            async with ctx.connection() as conn:
                team = await lookups.team(conn, ctx.workspace_id, tid)
                members = await lookups.team_members(conn, ctx.workspace_id, team.id)
        else:
            members = await people_models(info, person_ids or [], "personIds")
        candidates = sorted(
            (_candidate(p, when) for p in members), key=lambda c: (c.at is None, c.at or when)
        )
        reachable = [c for c in candidates if c.at is not None]
        return NextReachable(soonest=reachable[0] if reachable else None, candidates=candidates)
