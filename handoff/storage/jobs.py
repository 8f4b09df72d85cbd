"""Storage of the delivery engine: claiming due follow-ups and applying a batch's effects.

Queries live in `sql/jobs.sql`. The caller owns the transaction; effects are written
set-based (one statement per kind of effect per batch), so a batch of hundreds of rows
costs a handful of round trips.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

from handoff.storage.models import FollowUp, Handoff, Person, Team, WorkItem
from handoff.storage.run import execute, many, rows

Conn = AsyncConnection[Any]


@dataclass(frozen=True)
class Claimed:
    """A follow-up the relay handed to the queue, as the job will check it."""

    id: int
    version: int
    due_at: datetime
    kind: str
    person_id: int
    digest: bool


async def claim_due(
    conn: Conn, now: datetime, until: datetime, stale_before: datetime, limit: int
) -> list[Claimed]:
    """Mark due (or stale ENQUEUED) rows ENQUEUED and return them; SKIP LOCKED."""
    found = await rows(
        conn,
        "jobs_claim_due",
        {"now": now, "until": until, "stale_before": stale_before, "limit": limit},
    )
    return [
        Claimed(r["id"], r["version"], r["due_at"], r["kind"], r["person_id"], r["digest"])
        for r in found
    ]


async def oldest_open_due(conn: Conn, now: datetime) -> datetime | None:
    """Due instant of the oldest due row not yet handled (for the relay-lag gauge)."""
    found = await rows(conn, "jobs_oldest_open_due", {"now": now})
    return found[0]["due_at"] if found else None


@dataclass(frozen=True)
class Locked:
    """A follow-up row read under lock, with what its handoff looked like then."""

    row: FollowUp
    handoff_status: str
    handoff_receiver_id: int
    expects_answer: bool  # the handoff has a respond_by deadline

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Locked:
        return cls(
            FollowUp.from_row(row),
            row["handoff_status"],
            row["handoff_receiver_id"],
            row["handoff_expects_answer"],
        )

    @property
    def plain_delivery(self) -> bool:
        """A delivery to the handoff's receiver, not bundled: `deliver_many` carries it out."""
        r = self.row
        return (
            r.kind == "DELIVERY"
            and not r.digest
            and self.handoff_status == "SCHEDULED"
            and r.person_id == self.handoff_receiver_id
        )


async def lock_rows(conn: Conn, ids: list[int]) -> list[Locked]:
    """Open rows among `ids`, locked with their handoffs; rows held elsewhere are skipped."""
    return await many(conn, "jobs_lock_rows", {"ids": ids}, Locked.from_row)


async def lock_digest_siblings(
    conn: Conn, person_ids: list[int], exclude_ids: list[int], now: datetime
) -> list[Locked]:
    """Open digest deliveries of these people due by `now` outside this batch, locked."""
    return await many(
        conn,
        "jobs_lock_digest_siblings",
        {"person_ids": person_ids, "ids": exclude_ids, "now": now},
        Locked.from_row,
    )


async def deliver_many(
    conn: Conn, follow_up_ids: list[int], handoff_ids: list[int], now: datetime
) -> set[int]:
    """Deliver SCHEDULED handoffs with their events built in SQL; the handoff ids delivered.

    One follow-up row per handoff: each row of `follow_up_ids` gets one event.
    """
    if not follow_up_ids:
        return set()
    found = await rows(
        conn,
        "jobs_deliver_many",
        {"ids": follow_up_ids, "handoff_ids": handoff_ids, "now": now},
    )
    return {r["handoff_id"] for r in found}


async def still_open(conn: Conn, items: Iterable[tuple[int, int]]) -> list[int]:
    """Ids of (id, version) pairs whose row still waits to be handled at that version."""
    pairs = list(items)
    if not pairs:
        return []
    found = await rows(
        conn,
        "jobs_still_open",
        {"ids": [i for i, _ in pairs], "versions": [v for _, v in pairs]},
    )
    return [r["id"] for r in found]


@dataclass
class Context:
    """Handoffs, people, work items and teams a batch needs, loaded in four queries."""

    handoffs: dict[int, Handoff] = field(default_factory=dict)
    people: dict[int, Person] = field(default_factory=dict)
    work_items: dict[int, WorkItem] = field(default_factory=dict)
    teams: dict[int, Team] = field(default_factory=dict)


async def load_context(
    conn: Conn, handoff_ids: set[int], cache: dict[tuple[int, datetime], Person] | None = None
) -> Context:
    """`cache` maps (person id, updated_at) to parsed people reused across batches."""
    ctx = Context()
    if not handoff_ids:
        return ctx
    for h in await many(conn, "jobs_handoffs", {"ids": sorted(handoff_ids)}, Handoff.from_row):
        ctx.handoffs[h.id] = h
    await load_people(
        conn, ctx, {p for h in ctx.handoffs.values() for p in (h.sender_id, h.receiver_id)}, cache
    )
    wi_ids = sorted({h.work_item_id for h in ctx.handoffs.values()})
    for w in await many(conn, "jobs_work_items", {"ids": wi_ids}, WorkItem.from_row):
        ctx.work_items[w.id] = w
    team_ids = sorted({h.team_id for h in ctx.handoffs.values() if h.team_id is not None})
    if team_ids:
        for t in await many(conn, "jobs_teams", {"ids": team_ids}, Team.from_row):
            ctx.teams[t.id] = t
    return ctx


async def load_people(
    conn: Conn,
    ctx: Context,
    ids: set[int],
    cache: dict[tuple[int, datetime], Person] | None = None,
) -> None:
    missing = sorted(ids - ctx.people.keys())
    if missing and cache is not None:
        # Only (id, updated_at) first: unchanged people come from the cache unparsed.
        stamps = await rows(conn, "jobs_people_stamps", {"ids": missing})
        still = []
        for r in stamps:
            hit = cache.get((r["id"], r["updated_at"]))
            if hit is None:
                still.append(r["id"])
            else:
                ctx.people[r["id"]] = hit
        missing = still
    if missing:
        for p in await many(conn, "jobs_people", {"ids": missing}, Person.from_row):
            ctx.people[p.id] = p
            if cache is not None:
                cache[(p.id, p.updated_at)] = p


async def team_members(conn: Conn, workspace_id: int, team_id: int) -> list[Person]:
    """A team's members for escalation routing (the same locked read as createHandoff)."""
    return await many(
        conn,
        "team_members_for_share",
        {"workspace_id": workspace_id, "team_id": team_id},
        Person.from_row,
    )


async def mark_done(conn: Conn, ids: list[int], now: datetime) -> None:
    if ids:
        await execute(conn, "jobs_mark_done", {"ids": ids, "now": now})


async def handoffs_delivered(conn: Conn, ids: list[int], now: datetime) -> None:
    if ids:
        await execute(conn, "jobs_handoffs_delivered", {"ids": ids, "now": now})


async def handoff_reminded(
    conn: Conn, handoff_id: int, respond_by: datetime | None, now: datetime
) -> None:
    await execute(
        conn, "jobs_handoff_reminded", {"id": handoff_id, "respond_by": respond_by, "now": now}
    )


async def handoff_escalated(conn: Conn, handoff_id: int, now: datetime) -> None:
    await execute(conn, "jobs_handoff_escalated", {"id": handoff_id, "now": now})


async def handoff_rerouted(
    conn: Conn,
    handoff_id: int,
    receiver_id: int,
    deliver_at: datetime,
    respond_by: datetime | None,
    now: datetime,
) -> None:
    await execute(
        conn,
        "jobs_handoff_rerouted",
        {
            "id": handoff_id,
            "receiver_id": receiver_id,
            "deliver_at": deliver_at,
            "respond_by": respond_by,
            "now": now,
        },
    )


@dataclass(frozen=True)
class NewEvent:
    workspace_id: int
    type: str
    data: dict[str, Any]
    handoff_id: int | None = None
    person_id: int | None = None


async def insert_events(conn: Conn, events: list[NewEvent], now: datetime) -> None:
    """Append events to the outbox in one statement (same columns as `record_event`)."""
    if not events:
        return
    rows = [
        {
            "ws": e.workspace_id,
            "type": e.type,
            "h": e.handoff_id,
            "p": e.person_id,
            "data": e.data,
            "pub": f"msg_{uuid.uuid4().hex}",
        }
        for e in events
    ]
    await execute(
        conn, "jobs_events_insert_many", {"now": now, "rows": json.dumps(rows, default=str)}
    )


@dataclass(frozen=True)
class NewFollowUp:
    workspace_id: int
    handoff_id: int
    person_id: int
    kind: str
    due_at: datetime
    digest: bool
    explanation: list[str]


async def insert_follow_ups(conn: Conn, new: list[NewFollowUp], now: datetime) -> None:
    """Schedule follow-up rows (state PENDING) in one statement."""
    if not new:
        return
    rows = [
        {
            "ws": f.workspace_id,
            "h": f.handoff_id,
            "p": f.person_id,
            "kind": f.kind,
            "due": f.due_at.isoformat(),
            "digest": f.digest,
            "explanation": f.explanation,
        }
        for f in new
    ]
    await execute(conn, "jobs_follow_ups_insert_many", {"now": now, "rows": json.dumps(rows)})
