"""Follow-ups in PostgreSQL: scheduled deliveries, reminders and escalations.

The relay claims due rows; a batch job re-reads them under lock (`lock_rows`), and its
effects commit with the rows' DONE (`mark_done`). Writes of many rows are one statement.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb

from handoff.states import FollowUpKind, HandoffStatus
from handoff.storage.from_row import RowMaker, member_lookup, positions, row_factory
from handoff.storage.models import FollowUp
from handoff.storage.queries import Queries
from handoff.storage.run import Conn, Ids, built, execute, many, rows

Q = Queries("follow_ups")


@dataclass(frozen=True)
class NewFollowUp:
    """A follow-up to schedule (state PENDING)."""

    workspace_id: int
    handoff_id: int
    person_id: int
    kind: FollowUpKind
    due_at: datetime
    digest: bool
    explanation: list[str]

    def as_json(self) -> dict[str, Any]:
        """The row as the bulk inserts read it."""
        return {
            "ws": self.workspace_id,
            "h": self.handoff_id,
            "p": self.person_id,
            "kind": self.kind,
            "due": self.due_at.isoformat(),
            "digest": self.digest,
            "explanation": self.explanation,
        }


async def insert_many(conn: Conn, new: list[NewFollowUp], now: datetime) -> None:
    """Schedule follow-ups in one statement."""
    if new:
        payload = json.dumps([f.as_json() for f in new])
        await execute(conn, Q.insert_many, {"now": now, "rows": payload})


async def cancel_for_handoff(
    conn: Conn, ws: int, handoff_id: int, now: datetime, holders: list[int] | None = None
) -> None:
    """Cancel a handoff's open follow-ups (a new version, so queued jobs skip them), but
    not a quick reply on its way to the sender; given `holders`, only their deliveries
    (an ALL team's other members are still told)."""
    params = {"workspace_id": ws, "handoff_id": handoff_id, "now": now, "holders": holders}
    await execute(conn, Q.cancel_for_handoff, params)


async def open_for_person(conn: Conn, ws: int, person_id: int) -> list[FollowUp]:
    """A person's open follow-ups, locked FOR UPDATE, by id."""
    params = {"workspace_id": ws, "person_id": person_id}
    return await many(conn, Q.open_for_person, params, FollowUp.from_row)


async def reschedule(
    conn: Conn,
    ws: int,
    follow_up_id: int,
    due_at: datetime,
    digest: bool,
    explanation: list[str],
) -> None:
    """Move an open follow-up to a new instant as a new version."""
    params = {
        "workspace_id": ws,
        "id": follow_up_id,
        "due_at": due_at,
        "digest": digest,
        "explanation": Jsonb(explanation),
    }
    await execute(conn, Q.reschedule, params)


async def readdress(
    conn: Conn, ws: int, follow_up_id: int, person_id: int, due_at: datetime, why: list[str]
) -> None:
    """The same open follow-up for `person_id`, at `due_at`, as a new version."""
    params = {
        "workspace_id": ws,
        "id": follow_up_id,
        "person_id": person_id,
        "due_at": due_at,
        "explanation": Jsonb(why),
    }
    await execute(conn, Q.readdress, params)


async def for_handoffs(conn: Conn, ws: int, ids: Sequence[int]) -> dict[int, list[FollowUp]]:
    """Every follow-up of each handoff, by id."""
    groups: dict[int, list[FollowUp]] = defaultdict(list)
    params = {"workspace_id": ws, "ids": Ids(ids)}
    for f in await many(conn, Q.for_handoffs, params, FollowUp.from_row):
        groups[f.handoff_id].append(f)
    return groups


# -- the relay ------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    """A follow-up the relay handed to the queue, as the job will check it."""

    id: int
    version: int
    due_at: datetime
    kind: FollowUpKind
    person_id: int
    digest: bool
    reclaimed: bool = False  # its earlier job's lease had run out


async def claim_due(
    conn: Conn,
    now: datetime,
    until: datetime,
    limit: int,
    *,
    lease: timedelta,
    reclaim: bool = True,
) -> list[Claimed]:
    """Mark rows due by `until` ENQUEUED, leased until their due instant + `lease`.

    With `reclaim`, ENQUEUED rows whose lease ran out are claimed again too. SKIP LOCKED:
    rows of a batch that is running (it holds their locks) are never taken.
    """
    params = {"now": now, "until": until, "limit": limit, "lease": lease, "reclaim": reclaim}
    return [
        Claimed(
            r["id"],
            r["version"],
            r["due_at"],
            FollowUpKind(r["kind"]),
            r["person_id"],
            r["digest"],
            r["reclaimed"],
        )
        for r in await rows(conn, Q.claim_due, params)
    ]


async def oldest_open_due(conn: Conn, now: datetime) -> datetime | None:
    """Due instant of the oldest due row not yet handled (for the relay-lag gauge)."""
    found = await rows(conn, Q.oldest_open_due, {"now": now})
    return found[0]["due_at"] if found else None


@dataclass(frozen=True)
class OpenStats:
    """Open rows, and the due instant of the oldest one due by now (None when none is)."""

    pending: int
    oldest_due: datetime | None


async def open_stats(conn: Conn, now: datetime) -> OpenStats:
    """How many follow-ups wait, for the gauges read at scrape time."""
    row = (await rows(conn, Q.open_stats, {"now": now}))[0]
    return OpenStats(int(row["pending"] or 0), row["oldest_due"])


# -- a batch job ------------------------------------------------------------------------


@dataclass(frozen=True)
class Locked:
    """A follow-up row read under lock, with what its handoff looked like then."""

    row: FollowUp
    handoff_status: HandoffStatus
    handoff_receiver_id: int
    expects_answer: bool  # the handoff has a respond_by deadline

    @classmethod
    def row_factory(cls, cursor: Any) -> RowMaker:
        """A psycopg row factory: a batch reads its 500 rows positionally, the follow-up
        as `FollowUp`'s own row factory builds it (no dict per row)."""
        follow_up = row_factory(FollowUp.from_row)
        assert follow_up is not None
        make_row = follow_up(cursor)
        at = positions(cursor)
        status, receiver = at["handoff_status"], at["handoff_receiver_id"]
        answer = at["handoff_expects_answer"]
        handoff_status = member_lookup(HandoffStatus)

        def make(values: Sequence[Any]) -> Locked:
            return cls(
                make_row(values), handoff_status(values[status]), values[receiver], values[answer]
            )

        return make

    @property
    def plain_delivery(self) -> bool:
        """A delivery to the handoff's receiver, not bundled: one statement carries it out."""
        r = self.row
        return (
            r.kind == FollowUpKind.DELIVERY
            and not r.digest
            and self.handoff_status == HandoffStatus.SCHEDULED
            and r.person_id == self.handoff_receiver_id
        )


async def lock_rows(conn: Conn, ids: list[int]) -> list[Locked]:
    """Open rows among `ids`, locked with their handoffs; rows held elsewhere are skipped."""
    return await built(conn, Q.lock_rows, {"ids": Ids(ids)}, Locked.row_factory)


async def lock_digest_siblings(
    conn: Conn, person_ids: list[int], exclude_ids: list[int], now: datetime
) -> list[Locked]:
    """Open digest deliveries of these people due by `now` outside this batch, locked."""
    params = {"person_ids": Ids(person_ids), "ids": Ids(exclude_ids), "now": now}
    return await built(conn, Q.lock_digest_siblings, params, Locked.row_factory)


async def still_open(conn: Conn, items: Iterable[tuple[int, int]]) -> list[int]:
    """Ids of (id, version) pairs whose row still waits to be handled at that version."""
    pairs = list(items)
    if not pairs:
        return []
    params = {"ids": Ids(i for i, _ in pairs), "versions": [v for _, v in pairs]}
    return [r["id"] for r in await rows(conn, Q.still_open, params)]


async def mark_done(conn: Conn, ids: list[int], now: datetime) -> None:
    """Mark handled rows DONE."""
    if ids:
        await execute(conn, Q.mark_done, {"ids": Ids(ids), "now": now})
