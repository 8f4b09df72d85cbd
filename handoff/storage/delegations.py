"""Delegations in PostgreSQL: the delegations, their start and end follow-ups, and the
log of what each one sent to its delegate."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from psycopg.types.json import Jsonb

from handoff.states import DelegationState, FollowUpKind, HandoffStatus, OpenHandoffs
from handoff.storage.from_row import FromRow
from handoff.storage.models import Handoff
from handoff.storage.queries import Queries
from handoff.storage.run import Conn, Ids, execute, many, one, rows

Q = Queries("delegations")


@dataclass(frozen=True)
class Delegation(FromRow):
    """While `person_id` is away, new handoffs to them go to a delegate (person or team)."""

    id: int
    workspace_id: int
    person_id: int
    delegate_id: int | None
    delegate_team_id: int | None
    starts_at: datetime
    ends_at: datetime
    open_handoffs: OpenHandoffs
    hand_back: bool
    state: DelegationState
    time_off_start: date | None
    time_off_end: date | None
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None

    def active_at(self, at: datetime) -> bool:
        """Whether it routes handoffs at `at` (its planned span, unless it was ended)."""
        return (
            self.state in (DelegationState.SCHEDULED, DelegationState.ACTIVE)
            and self.starts_at <= at < self.ends_at
        )


@dataclass(frozen=True)
class NewDelegation:
    """A delegation to insert."""

    workspace_id: int
    person_id: int
    delegate_id: int | None
    delegate_team_id: int | None
    starts_at: datetime
    ends_at: datetime
    open_handoffs: OpenHandoffs
    hand_back: bool
    time_off_start: date | None = None
    time_off_end: date | None = None


@dataclass(frozen=True)
class Transition:
    """A delegation's start or end follow-up, read under lock with its delegation."""

    follow_up_id: int
    version: int
    kind: FollowUpKind
    due_at: datetime
    delegation: Delegation


@dataclass(frozen=True)
class Handled:
    """A handoff a delegation sent on, as it stands now."""

    handoff_id: int
    receiver_id: int
    how: str
    at: datetime
    handed_back_at: datetime | None
    status: HandoffStatus
    current_receiver_id: int
    still_delegated: bool


async def insert(conn: Conn, new: NewDelegation, now: datetime) -> Delegation:
    """Store a new delegation (SCHEDULED)."""
    params = {**new.__dict__, "workspace_id": new.workspace_id, "now": now}
    found = await one(conn, Q.insert, params, Delegation.from_row)
    assert found is not None
    return found


async def schedule(
    conn: Conn,
    delegation: Delegation,
    *,
    start_why: list[str] | None,
    end_why: list[str],
    now: datetime,
) -> None:
    """Write its end follow-up, and its start follow-up unless `start_why` is None."""
    params = {
        "id": delegation.id,
        "starts_at": delegation.starts_at,
        "ends_at": delegation.ends_at,
        "start_why": Jsonb(start_why or []),
        "end_why": Jsonb(end_why),
        "schedule_start": start_why is not None,
        "now": now,
    }
    await execute(conn, Q.schedule, params)


async def move_span(
    conn: Conn, ws: int, delegation_id: int, starts_at: datetime, ends_at: datetime
) -> None:
    """A new span for a scheduled delegation (a new end for a running one), its pending
    start and end follow-ups moved with it."""
    params = {"workspace_id": ws, "id": delegation_id, "starts_at": starts_at, "ends_at": ends_at}
    await execute(conn, Q.move_span, params)


async def get(conn: Conn, ws: int, delegation_id: int) -> Delegation | None:
    """The delegation, or None outside the workspace."""
    return await one(conn, Q.get, {"workspace_id": ws, "id": delegation_id}, Delegation.from_row)


async def by_ids(conn: Conn, ws: int, ids: Sequence[int]) -> list[Delegation]:
    """The workspace's delegations among `ids`."""
    params = {"workspace_id": ws, "ids": Ids(ids)}
    return await many(conn, Q.by_ids, params, Delegation.from_row)


async def live_for_person(
    conn: Conn, ws: int, person_id: int, *, lock: bool = False
) -> list[Delegation]:
    """A person's delegations that can still route (scheduled or active), by start."""
    sql = Q.live_for_person_for_update if lock else Q.live_for_person
    return await many(conn, sql, {"workspace_id": ws, "person_id": person_id}, Delegation.from_row)


async def live_for_people(conn: Conn, ws: int, ids: Sequence[int]) -> dict[int, list[Delegation]]:
    """Each person's scheduled or active delegations, by start."""
    groups: dict[int, list[Delegation]] = defaultdict(list)
    params = {"workspace_id": ws, "ids": Ids(ids)}
    for d in await many(conn, Q.live_for_people, params, Delegation.from_row):
        groups[d.person_id].append(d)
    return groups


async def live_overlapping(
    conn: Conn, ws: int, starts_at: datetime, ends_at: datetime
) -> list[Delegation]:
    """Scheduled or active delegations to a person that meet `[starts_at, ends_at)`."""
    params = {"workspace_id": ws, "starts_at": starts_at, "ends_at": ends_at}
    return await many(conn, Q.live_overlapping, params, Delegation.from_row)


async def live_to_delegate(conn: Conn, ws: int, person_id: int) -> list[Delegation]:
    """Scheduled or active delegations naming `person_id` as delegate, locked."""
    params = {"workspace_id": ws, "person_id": person_id}
    return await many(conn, Q.live_to_delegate, params, Delegation.from_row)


async def for_time_off(
    conn: Conn, ws: int, person_id: int, start: date, end: date
) -> list[Delegation]:
    """Live delegations made with the time off `start..end`, locked."""
    params = {"workspace_id": ws, "person_id": person_id, "start": start, "end": end}
    return await many(conn, Q.for_time_off, params, Delegation.from_row)


async def started(conn: Conn, delegation_id: int, now: datetime) -> Delegation | None:
    """SCHEDULED -> ACTIVE; None when it was not scheduled any more."""
    return await one(conn, Q.started, {"id": delegation_id, "now": now}, Delegation.from_row)


async def ended(conn: Conn, delegation_id: int, now: datetime) -> Delegation | None:
    """-> ENDED (CANCELLED before its start), its pending follow-ups cancelled; None when it
    had already ended."""
    found = await one(conn, Q.ended, {"id": delegation_id, "now": now}, Delegation.from_row)
    if found is not None:
        await execute(conn, Q.cancel_transitions, {"id": delegation_id, "now": now})
    return found


async def lock_transitions(conn: Conn, follow_up_ids: Sequence[int]) -> list[Transition]:
    """The delegation follow-ups among `follow_up_ids`, locked, starts before ends."""
    found = await rows(conn, Q.lock_transitions, {"ids": Ids(follow_up_ids)})
    return [
        Transition(
            r["follow_up_id"],
            r["follow_up_version"],
            FollowUpKind(r["follow_up_kind"]),
            r["follow_up_due_at"],
            Delegation.from_row(r),
        )
        for r in found
    ]


async def transitions_done(conn: Conn, follow_up_ids: list[int], now: datetime) -> None:
    """Mark carried-out start/end follow-ups DONE."""
    if follow_up_ids:
        await execute(conn, Q.transitions_done, {"ids": Ids(follow_up_ids), "now": now})


async def handled(conn: Conn, delegation_id: int) -> list[Handled]:
    """What a delegation sent to its delegate, oldest first."""

    def build(r: dict[str, Any]) -> Handled:
        return Handled(
            r["handoff_id"],
            r["receiver_id"],
            r["how"],
            r["at"],
            r["handed_back_at"],
            HandoffStatus(r["status"]),
            r["current_receiver_id"],
            r["still_delegated"],
        )

    return await many(conn, Q.handled, {"id": delegation_id}, build)


async def handled_for(conn: Conn, ws: int, ids: Sequence[int]) -> dict[int, list[Handoff]]:
    """The handoffs each delegation sent on, oldest first (for the API)."""
    groups: dict[int, list[Handoff]] = defaultdict(list)
    for r in await rows(conn, Q.handled_for, {"workspace_id": ws, "ids": Ids(ids)}):
        groups[r["delegation_id"]].append(Handoff.from_row(r))
    return groups


async def handed_back(
    conn: Conn, delegation_id: int, handoff_ids: list[int], now: datetime
) -> None:
    """Note that these handoffs went back to the delegating person."""
    if handoff_ids:
        params = {"id": delegation_id, "handoff_ids": handoff_ids, "now": now}
        await execute(conn, Q.handed_back, params)
