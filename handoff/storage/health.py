"""The async-health report in PostgreSQL: the first answer to a handoff, recorded when it
is given, and the aggregation of a group's history (one statement)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from handoff.storage.queries import Queries
from handoff.storage.run import Conn, Ids, execute, scalar

Q = Queries("health")


async def record_answer(
    conn: Conn, ws: int, handoff_id: int, working_time: timedelta, now: datetime
) -> None:
    """The handoff's first answer came at `now`, `working_time` of the receiver's working
    time after it landed; later answers leave it as it is."""
    params = {"workspace_id": ws, "id": handoff_id, "working_time": working_time, "now": now}
    await execute(conn, Q.record_answer, params)


@dataclass(frozen=True)
class Spans:
    """Per person, UTC spans of one kind: `W` working time, `D` delivery windows."""

    people: list[int]
    kinds: list[str]
    starts: list[datetime]
    ends: list[datetime]


@dataclass(frozen=True)
class ReportRow:
    """The report's counts and response times as PostgreSQL aggregates them."""

    received: int
    in_hours: int
    held: int
    response_median: timedelta | None
    response_p90: timedelta | None
    timed_answers: int
    expecting_answer: int
    answered_in_time: int
    reminders: int
    escalated: int
    urgent_sent: int
    urgent_broke_through: int
    urgent_declined: int
    urgent_senders: int
    urgent_rated: int
    urgent_rated_urgent: int
    sent: int
    digests: int
    bundled: int


async def report(
    conn: Conn,
    ws: int,
    people: Sequence[int],
    start: datetime,
    end: datetime,
    spans: Spans,
    now: datetime,
) -> ReportRow:
    """Aggregate the history of `people` with deliverAt in `[start, end)`."""
    params = {
        "workspace_id": ws,
        "people": Ids(people),
        "from": start,
        "to": end,
        "now": now,
        "span_people": spans.people,
        "span_kinds": spans.kinds,
        "span_starts": spans.starts,
        "span_ends": spans.ends,
    }
    # Never a prepared statement: the generic plan PostgreSQL switches to after five runs
    # cannot see how many rows the group and range select (bench_health: ~190 ms against
    # ~140 ms planned each time), and planning costs ~1 ms.
    cur = await conn.execute(Q.report, params, prepare=False)
    r = await cur.fetchone()
    assert r is not None
    median, p90 = r["response_times"] or (None, None)
    return ReportRow(
        received=r["received"],
        in_hours=r["in_hours"],
        held=r["held"],
        response_median=median,
        response_p90=p90,
        timed_answers=r["timed_answers"],
        expecting_answer=r["expecting_answer"],
        answered_in_time=r["answered_in_time"],
        reminders=int(r["reminders"]),
        escalated=r["escalated"],
        urgent_sent=r["urgent_sent"],
        urgent_broke_through=r["urgent_broke_through"],
        urgent_declined=r["urgent_declined"],
        urgent_senders=r["urgent_senders"],
        urgent_rated=r["urgent_rated"],
        urgent_rated_urgent=r["urgent_rated_urgent"],
        sent=r["sent"],
        digests=r["digests"],
        bundled=int(r["bundled"]),
    )


async def receivers(
    conn: Conn, ws: int, people: Sequence[int], start: datetime, end: datetime
) -> int:
    """How many of `people` had a handoff land with them with deliverAt in `[start, end)`."""
    params = {"workspace_id": ws, "people": Ids(people), "from": start, "to": end}
    return int(await scalar(conn, Q.receivers, params))


async def count_received(
    conn: Conn, ws: int, people: Sequence[int], start: datetime, end: datetime
) -> int:
    """How many rows the report aggregates: a plain count(*), for comparison."""
    params = {"workspace_id": ws, "people": Ids(people), "from": start, "to": end}
    return int(await scalar(conn, Q.count_received, params))
