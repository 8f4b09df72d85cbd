"""The async-health report: a team's mirror, never a person's.

It is computed from stored history: the handoffs that landed with the group's members
with `deliverAt` in `[from, to)`, what the members sent, and their digests. PostgreSQL
aggregates the rows (`storage.health.report`, one statement); Python adds what is pure
working-time arithmetic over the members' current patterns (coverage gaps and overlap
per pair) and the working and delivery windows that the statement checks landings
against. A group smaller than `HANDOFF_HEALTH_MIN_GROUP` (5) gets `GroupTooSmall`.

`record_answer` stores the facts of the first answer to a handoff when it is given (from
`lifecycle.transition`), so response times need no engine run at report time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from handoff.calendar import coverage_gaps, delivery_windows, pairwise_overlap
from handoff.services import lookups
from handoff.services.errors import Invalid, NotFound
from handoff.storage import health, people
from handoff.storage.health import ReportRow, Spans
from handoff.storage.models import Handoff, Person
from handoff.storage.run import Conn

MAX_RANGE = timedelta(days=731)  # two years, a leap day included
MAX_GROUP = 100
# A landing is judged against windows this far past `to`: a handoff due just before `to`
# may land a little later (a busy or restarted worker).
LATE_MARGIN = timedelta(days=7)
WEEK = timedelta(days=7)


async def record_answer(conn: Conn, ws: int, handoff: Handoff, now: datetime) -> None:
    """The receiver answered `handoff` (as it was before the answer) at `now`: store the
    first answer's instant and the receiver's working time since it landed."""
    receiver = await lookups.person(conn, ws, handoff.receiver_id)
    landed = handoff.delivered_at or handoff.deliver_at
    working = receiver.pattern.working_time_between(landed, now)
    await health.record_answer(conn, ws, handoff.id, working, now)


@dataclass(frozen=True)
class GroupTooSmall:
    """The group has fewer people than the report's minimum, or fewer of them received a
    handoff in the range (`too_few_receivers`): padding a list with idle people must not
    make one person's figures a report. How many did is not said: with one person and
    four idle ones, 0 or 1 would say whether that person received anything."""

    size: int
    minimum: int
    too_few_receivers: bool = False


@dataclass(frozen=True)
class PairOverlap:
    """Working time two members share in the range."""

    a: Person
    b: Person
    shared: timedelta


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


@dataclass(frozen=True)
class Report:
    """The figures of the report (README, "The async-health report", defines each)."""

    people: list[Person]
    start: datetime
    end: datetime
    row: ReportRow
    coverage_gap: timedelta
    overlaps: list[PairOverlap]

    @property
    def weeks(self) -> float:
        return (self.end - self.start) / WEEK

    @property
    def delivered_in_hours_share(self) -> float | None:
        return _share(self.row.in_hours, self.row.received)

    @property
    def interruptions_avoided_share(self) -> float | None:
        return _share(self.row.held, self.row.received)

    @property
    def handoffs_per_digest(self) -> float | None:
        return _share(self.row.bundled, self.row.digests)

    @property
    def answered_in_time_share(self) -> float | None:
        return _share(self.row.answered_in_time, self.row.expecting_answer)

    @property
    def reminders_per_handoff(self) -> float | None:
        return _share(self.row.reminders, self.row.received)

    @property
    def escalations_per_handoff(self) -> float | None:
        return _share(self.row.escalated, self.row.received)

    @property
    def break_throughs_per_sender(self) -> float | None:
        return _share(self.row.urgent_broke_through, self.row.urgent_senders)

    @property
    def rated_urgent_share(self) -> float | None:
        return _share(self.row.urgent_rated_urgent, self.row.urgent_rated)

    @property
    def gap_hours_per_week(self) -> float:
        return self.coverage_gap / timedelta(hours=1) / self.weeks


def check_range(start: datetime, end: datetime) -> None:
    """`[from, to)`: `to` after `from`, at most two years on."""
    if end <= start:
        raise Invalid("to", "to must be after from")
    if end - start > MAX_RANGE:
        raise Invalid("to", "the range may span at most two years (731 days)")


async def _group(
    conn: Conn, ws: int, team_id: int | None, person_ids: list[int] | None
) -> list[Person]:
    if (team_id is None) == (person_ids is None):
        raise Invalid("personIds", "give exactly one of personIds and teamId")
    if team_id is not None:
        # a report only reads: no row locks a member's change in progress would wait on
        return await lookups.team_members_to_read(conn, ws, team_id)
    # the same person twice is one person: a group is never padded to the minimum
    ids = list(dict.fromkeys(person_ids or []))
    if not ids:
        raise Invalid("personIds", "give at least one person")
    found = {p.id: p for p in await people.by_ids(conn, ws, ids)}
    for pid in ids:
        if pid not in found:
            raise NotFound("Person", pid)
    return [found[pid] for pid in ids]


def _spans(members: list[Person], start: datetime, end: datetime) -> Spans:
    spans = Spans([], [], [], [])
    for p in members:
        working = p.pattern.windows(start, end)
        deliverable = delivery_windows(p.pattern, p.policy, start, end).windows
        for kind, found in (("W", working), ("D", deliverable)):
            for a, b in found:
                spans.people.append(p.id)
                spans.kinds.append(kind)
                spans.starts.append(a)
                spans.ends.append(b)
    return spans


async def async_health(
    conn: Conn,
    ws: int,
    now: datetime,
    *,
    start: datetime,
    end: datetime,
    team_id: int | None = None,
    person_ids: list[int] | None = None,
    min_group: int = 5,
) -> Report | GroupTooSmall:
    """The report for a team's members or a list of people over `[start, end)`."""
    check_range(start, end)
    members = await _group(conn, ws, team_id, person_ids)
    if len(members) > MAX_GROUP:
        raise Invalid("personIds" if team_id is None else "teamId", f"at most {MAX_GROUP} people")
    if len(members) < min_group:
        return GroupTooSmall(len(members), min_group)
    ids = [p.id for p in members]
    receivers = await health.receivers(conn, ws, ids, start, end)
    if receivers < min_group:
        return GroupTooSmall(len(members), min_group, too_few_receivers=True)
    spans = _spans(members, start, end + LATE_MARGIN)
    row = await health.report(conn, ws, ids, start, end, spans, now)
    patterns = [p.pattern for p in members]
    gap = sum((b - a for a, b in coverage_gaps(patterns, start, end)), timedelta())
    shared = pairwise_overlap(patterns, start, end)
    overlaps = [PairOverlap(members[i], members[j], t) for (i, j), t in sorted(shared.items())]
    return Report(members, start, end, row, gap, overlaps)
