"""Questions about working time: availability, overlap, who is reachable next."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Annotated

import strawberry

from handoff.api.errors import expected_failures
from handoff.api.executor import SharedList
from handoff.api.identity_memo import IdentityMemo
from handoff.api.inputs import decode_id
from handoff.api.resolvers.common import (
    FromArg,
    PersonIdArg,
    ToArg,
    people_models,
    person_model,
    time_range,
)
from handoff.api.scalars import Duration
from handoff.api.types import Info, Person, Window
from handoff.api.types.common import at_or_now
from handoff.api.types.people import AtArg
from handoff.api.types.results import (
    AddWorkingTimeResult,
    Availability,
    AvailabilityResult,
    NextReachable,
    NextReachableResult,
    Overlap,
    OverlapResult,
    OverlapWindow,
    ReachableCandidate,
    WorkingTime,
    WorkingTimeResult,
    WorkingTimeSum,
)
from handoff.api.types.timeline import (
    DeliveryWindows,
    DeliveryWindowsResult,
    PersonTimeline,
    TeamTimeline,
    TeamTimelineResult,
    TimelineSegment,
    TimeSpan,
)
from handoff.calendar import (
    DeliveryPolicy,
    NoWorkingTime,
    SegmentKind,
    WorkingPattern,
    coverage_gaps,
    delivery_windows,
    next_delivery,
    overlap,
    person_segments,
)
from handoff.services import lookups
from handoff.services.errors import Invalid
from handoff.storage import models as m

PeopleArg = Annotated[list[strawberry.ID], strawberry.argument(description="1 to 50 people")]
MAX_ADD = timedelta(days=366)


async def _group(
    info: Info, team_id: strawberry.ID | None, person_ids: list[strawberry.ID] | None
) -> list[m.Person]:
    """The people asked about: a team's members, or 1 to 50 people (exactly one of them)."""
    if (person_ids is None) == (team_id is None):
        raise Invalid("personIds", "give exactly one of personIds and teamId")
    if team_id is None:
        return await people_models(info, person_ids or [], "personIds")
    ctx = info.context
    tid = decode_id(team_id, "Team", "teamId")
    async with ctx.connection() as conn:
        return await lookups.team_members_to_read(conn, ctx.workspace_id, tid)


def _candidate(p: m.Person, when: datetime) -> ReachableCandidate:
    try:
        d = next_delivery(p.pattern, p.policy, when, name=p.name)
    except NoWorkingTime as e:
        return ReachableCandidate(
            person=Person.wrap(p), at=None, explanation=[f"{p.name} cannot be reached: {e}."]
        )
    return ReachableCandidate(person=Person.wrap(p), at=d.at, explanation=list(d.reasons))


@strawberry.type
class CalendarQuery:
    @strawberry.field(description="A person's working windows in a range (at most 92 days)")
    @expected_failures()
    async def availability(
        self, info: Info, person_id: PersonIdArg, from_: FromArg, to: ToArg
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
        self, info: Info, person_ids: PeopleArg, from_: FromArg, to: ToArg
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
        person_ids: Annotated[
            list[strawberry.ID] | None,
            strawberry.argument(description="1 to 50 people (or give teamId)"),
        ] = None,
        team_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="A team's members")
        ] = None,
        at: AtArg = None,
    ) -> NextReachableResult:
        when = at_or_now(info, at)
        members = await _group(info, team_id, person_ids)
        candidates = sorted(
            (_candidate(p, when) for p in members), key=lambda c: (c.at is None, c.at or when)
        )
        reachable = [c for c in candidates if c.at is not None]
        return NextReachable(soonest=reachable[0] if reachable else None, candidates=candidates)

    @strawberry.field(description="How much of a person's working time lies in a range")
    @expected_failures()
    async def working_time(
        self, info: Info, person_id: PersonIdArg, from_: FromArg, to: ToArg
    ) -> WorkingTimeResult:
        start, end = time_range(from_, to)
        person = await person_model(info, person_id, "personId")
        total = person.pattern.working_time_between(start, end)
        return WorkingTime(person=Person.wrap(person), total=Duration(total))

    @strawberry.field(
        description="The instant a duration of a person's working time after `at` ends "
        "(the response-window arithmetic)"
    )
    @expected_failures()
    async def add_working_time(
        self,
        info: Info,
        person_id: PersonIdArg,
        at: Annotated[datetime, strawberry.argument(description="Where to start counting")],
        duration: Annotated[
            Duration, strawberry.argument(description="Working time to add, e.g. PT4H")
        ],
    ) -> AddWorkingTimeResult:
        if not timedelta(0) < duration <= MAX_ADD:
            raise Invalid("duration", "duration must be positive and at most 366 days")
        person = await person_model(info, person_id, "personId")
        try:
            ends = person.pattern.add_working_time(at, duration)
        except NoWorkingTime as e:
            raise Invalid(
                "duration", f"{person.name} has too little working time ahead to add it: {e}"
            ) from None
        return WorkingTimeSum(
            person=Person.wrap(person), ends_at=ends, ends_at_local=person.pattern.local(ends)
        )

    @strawberry.field(
        description="A week (or any range up to 92 days) of each person's typed spans side by "
        "side, with the group's overlap and the hours nobody works; give teamId or personIds"
    )
    @expected_failures()
    async def team_timeline(
        self,
        info: Info,
        from_: FromArg,
        to: ToArg,
        team_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="A team's members")
        ] = None,
        person_ids: Annotated[
            list[strawberry.ID] | None,
            strawberry.argument(description="1 to 50 people, in the order of the rows"),
        ] = None,
    ) -> TeamTimelineResult:
        start, end = time_range(from_, to)
        members = await _group(info, team_id, person_ids)
        rows = [_row(p, start, end) for p in members]
        patterns = tuple(p.pattern for p in members)
        shared, gaps = (
            _SHARED(
                patterns, (start, end), lambda: _overlap_and_gaps(patterns, start, end, SharedList)
            )
            if _kept(start, end)
            else _overlap_and_gaps(patterns, start, end, list)
        )
        return TeamTimeline(
            start=start,
            end=end,
            rows=rows,
            overlap=shared,
            gaps=gaps,
            overlap_total=Duration(sum((s.end - s.start for s in shared), timedelta())),
            gap_total=Duration(sum((s.end - s.start for s in gaps), timedelta())),
        )

    @strawberry.field(
        description="When handoffs can reach a person: working time minus focus blocks, "
        "and the digest instants"
    )
    @expected_failures()
    async def delivery_windows(
        self, info: Info, person_id: PersonIdArg, from_: FromArg, to: ToArg
    ) -> DeliveryWindowsResult:
        start, end = time_range(from_, to)
        person = await person_model(info, person_id, "personId")
        found = delivery_windows(person.pattern, person.policy, start, end)
        return DeliveryWindows(
            person=Person.wrap(person),
            windows=[TimeSpan(start=a, end=b) for a, b in found.windows],
            digest_times=list(found.digests),
            bundled=found.bundled,
        )


def _overlap_and_gaps(
    patterns: tuple[WorkingPattern, ...],
    start: datetime,
    end: datetime,
    make: Callable[[Iterable[TimeSpan]], list[TimeSpan]],
) -> tuple[list[TimeSpan], list[TimeSpan]]:
    """The group's overlap and gaps, each list made by `make` (a SharedList when kept)."""
    shared = overlap(list(patterns), start, end) if patterns else []
    gaps = coverage_gaps(list(patterns), start, end)
    return make(TimeSpan(start=a, end=b) for a, b in shared), make(
        TimeSpan(start=a, end=b) for a, b in gaps
    )


# Spans are asked for a microsecond wider on each side: one that crosses an edge of the
# range then reaches past it and is marked, instead of passing for hours that begin or
# end at the edge (a night shift from Sunday 22:00 is not "Monday from 00:00").
_TICK = timedelta(microseconds=1)


def _row(person: m.Person, start: datetime, end: datetime) -> PersonTimeline:
    segments, working = _spans(person.pattern, person.policy, start, end)
    return PersonTimeline(
        person=Person.wrap(person), segments=segments, working_time=Duration(working)
    )


# Answers computed from per-process objects (a person's pattern and policy are kept while
# their row is unchanged, `models.Person.pattern`) and a range, by those objects' identity:
# a team's week is asked for again and again, and these are functions of the key alone.
_SPANS: IdentityMemo[tuple[list[TimelineSegment], timedelta]] = IdentityMemo(1024)
_SHARED: IdentityMemo[tuple[list[TimeSpan], list[TimeSpan]]] = IdentityMemo(1024)
# the longest range whose answers are kept: a week or two, what a timeline shows
_KEPT_RANGE = timedelta(days=15)


def _kept(start: datetime, end: datetime) -> bool:
    """Whether answers for this range are kept (a quarter's would fill memory)."""
    return end - start <= _KEPT_RANGE


def _spans(
    pattern: WorkingPattern, policy: DeliveryPolicy, start: datetime, end: datetime
) -> tuple[list[TimelineSegment], timedelta]:
    if not _kept(start, end):
        return _cut(pattern, policy, start, end, list)
    return _SPANS(
        (pattern, policy), (start, end), lambda: _cut(pattern, policy, start, end, SharedList)
    )


def _cut(
    pattern: WorkingPattern,
    policy: DeliveryPolicy,
    start: datetime,
    end: datetime,
    make: Callable[[list[TimelineSegment]], list[TimelineSegment]],
) -> tuple[list[TimelineSegment], timedelta]:
    """A person's segments within the range and their working time; the list made by
    `make` (a SharedList when kept)."""
    wide = person_segments(pattern, policy, start - _TICK, end + _TICK)
    segments = [
        TimelineSegment.of(s, start, end)
        for s in wide
        if (
            start <= s.start < end
            if s.kind == SegmentKind.DIGEST
            else s.end > start and s.start < end
        )
    ]
    working = sum((s.end - s.start for s in segments if s.kind == SegmentKind.WORKING), timedelta())
    return make(segments), working
