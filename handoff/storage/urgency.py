"""Urgency in PostgreSQL: policies and allow-lists, urgent handoffs with their decisions
and ratings, the pauses after three "not urgent" ratings, and the events of
break-throughs that landed."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handoff.states import UrgencyDeclined, UrgencyOutcome, UrgentFrom
from handoff.storage.from_row import FromRow
from handoff.storage.queries import Queries
from handoff.storage.run import Conn, Ids, execute, many, one, rows, scalar

Q = Queries("urgency")
DEFAULT_BUDGET = 1


@dataclass(frozen=True)
class UrgencyPolicy:
    """Who may break through a person's focus blocks and digest waits, and how often."""

    person_id: int
    urgent_from: UrgentFrom = UrgentFrom.ANYONE
    weekly_budget: int = DEFAULT_BUDGET
    allowed_sender_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class UrgentHandoff(FromRow):
    """A handoff sent as urgent, for one person it was urgent for."""

    workspace_id: int
    handoff_id: int
    person_id: int
    sender_id: int
    reason: str
    outcome: UrgencyOutcome
    declined_because: str | None
    explanation: str
    lands_at: datetime
    created_at: datetime
    delivered_at: datetime | None
    rated_at: datetime | None
    was_urgent: bool | None
    # routed again as an ordinary handoff before it landed (the break-through is void)
    given_back_at: datetime | None = None

    @property
    def declined(self) -> UrgencyDeclined | None:
        return None if self.declined_because is None else UrgencyDeclined(self.declined_because)


async def policies(conn: Conn, ws: int, person_ids: Sequence[int]) -> dict[int, UrgencyPolicy]:
    """Each person's policy; the default for people without a stored one."""
    found = {
        r["person_id"]: UrgencyPolicy(
            r["person_id"],
            UrgentFrom(r["urgent_from"]),
            r["weekly_budget"],
            tuple(r["allowed_sender_ids"]),
        )
        for r in await rows(conn, Q.policies, {"workspace_id": ws, "ids": Ids(person_ids)})
    }
    return {pid: found.get(pid) or UrgencyPolicy(pid) for pid in person_ids}


async def set_policy(conn: Conn, ws: int, policy: UrgencyPolicy, now: datetime) -> None:
    """Store a person's policy, replacing the allow-list."""
    params = {
        "workspace_id": ws,
        "person_id": policy.person_id,
        "urgent_from": policy.urgent_from,
        "weekly_budget": policy.weekly_budget,
        "allowed": Ids(policy.allowed_sender_ids),
        "now": now,
    }
    await execute(conn, Q.set_policy, params)


async def lock_receivers(conn: Conn, person_ids: Sequence[int]) -> None:
    """Serialise urgent decisions about these people until the transaction ends."""
    if person_ids:
        await execute(conn, Q.lock_receivers, {"ids": Ids(person_ids)})


@dataclass(frozen=True)
class AllowanceFacts:
    """What an urgent decision about one receiver reads from storage."""

    person_id: int
    urgent_from: UrgentFrom
    weekly_budget: int
    listed: bool
    used: tuple[datetime, ...]
    paused_until: datetime | None


async def allowance_facts(
    conn: Conn,
    ws: int,
    sender_id: int,
    weeks: dict[int, tuple[datetime, datetime]],
    now: datetime,
) -> dict[int, AllowanceFacts]:
    """For each receiver id and its week `[start, end)`: policy, allow-list membership,
    the sender's break-throughs landing in that week, and a pause in force at `now`."""
    ids = list(weeks)
    params = {
        "workspace_id": ws,
        "sender_id": sender_id,
        "ids": ids,
        "week_starts": [weeks[i][0] for i in ids],
        "week_ends": [weeks[i][1] for i in ids],
        "now": now,
    }
    return {
        r["person_id"]: AllowanceFacts(
            r["person_id"],
            UrgentFrom(r["urgent_from"]),
            r["weekly_budget"],
            r["listed"],
            tuple(r["used"]),
            r["paused_until"],
        )
        for r in await rows(conn, Q.allowances, params)
    }


@dataclass(frozen=True)
class NewUrgentHandoff:
    """The decision for one person a new urgent handoff is urgent for."""

    person_id: int
    outcome: UrgencyOutcome
    declined_because: UrgencyDeclined | None
    explanation: str
    lands_at: datetime


async def insert_many(
    conn: Conn,
    ws: int,
    handoff_id: int,
    sender_id: int,
    reason: str,
    decisions: Sequence[NewUrgentHandoff],
    now: datetime,
) -> None:
    """Store the decisions about a new urgent handoff (one statement)."""
    payload = [
        {
            "person_id": d.person_id,
            "outcome": d.outcome,
            "declined_because": d.declined_because,
            "explanation": d.explanation,
            "lands_at": d.lands_at.isoformat(),
        }
        for d in decisions
    ]
    params = {
        "workspace_id": ws,
        "handoff_id": handoff_id,
        "sender_id": sender_id,
        "reason": reason,
        "rows": json.dumps(payload),
        "now": now,
    }
    await execute(conn, Q.insert_many, params)


async def for_handoffs(conn: Conn, ws: int, ids: Sequence[int]) -> dict[int, list[UrgentHandoff]]:
    """Each handoff's urgent rows, by person id."""
    groups: dict[int, list[UrgentHandoff]] = defaultdict(list)
    params = {"workspace_id": ws, "ids": Ids(ids)}
    for u in await many(conn, Q.for_handoffs, params, UrgentHandoff.from_row):
        groups[u.handoff_id].append(u)
    return groups


async def get_for_update(
    conn: Conn, ws: int, handoff_id: int, person_id: int
) -> UrgentHandoff | None:
    """The urgent row of a handoff for one person, locked; None when it was not urgent."""
    params = {"workspace_id": ws, "handoff_id": handoff_id, "person_id": person_id}
    return await one(conn, Q.get_for_update, params, UrgentHandoff.from_row)


async def rate(
    conn: Conn, ws: int, handoff_id: int, person_id: int, was_urgent: bool, now: datetime
) -> UrgentHandoff:
    """Store the receiver's rating."""
    params = {
        "workspace_id": ws,
        "handoff_id": handoff_id,
        "person_id": person_id,
        "was_urgent": was_urgent,
        "now": now,
    }
    rated = await one(conn, Q.rate, params, UrgentHandoff.from_row)
    assert rated is not None, "rate a row read under lock"
    return rated


async def latest_ratings(conn: Conn, person_id: int, sender_id: int, limit: int) -> list[bool]:
    """The pair's newest ratings (newest first) given since its latest pause began."""
    params = {"person_id": person_id, "sender_id": sender_id, "limit": limit}
    return [bool(r["was_urgent"]) for r in await rows(conn, Q.latest_ratings, params)]


async def start_pause(
    conn: Conn, ws: int, person_id: int, sender_id: int, starts_at: datetime, ends_at: datetime
) -> None:
    """The sender may not break through to the person in `[starts_at, ends_at)`."""
    params: dict[str, Any] = {
        "workspace_id": ws,
        "person_id": person_id,
        "sender_id": sender_id,
        "starts_at": starts_at,
        "ends_at": ends_at,
    }
    await execute(conn, Q.start_pause, params)


async def paused_until(
    conn: Conn, person_id: int, sender_id: int, now: datetime
) -> datetime | None:
    """The end of a pause of the pair in force at `now`."""
    params = {"person_id": person_id, "sender_id": sender_id, "now": now}
    found: datetime | None = await scalar(conn, Q.paused_until, params)
    return found


async def landed(conn: Conn, follow_up_ids: Sequence[int], now: datetime) -> None:
    """Record `handoff.urgent_delivered` for break-throughs among deliveries just done."""
    if follow_up_ids:
        await execute(conn, Q.landed, {"ids": Ids(follow_up_ids), "now": now})


async def moved(conn: Conn, handoff_id: int, person_id: int, lands_at: datetime) -> None:
    """A break-through on its way lands at `lands_at` now (its budget week follows)."""
    params = {"handoff_id": handoff_id, "person_id": person_id, "lands_at": lands_at}
    await execute(conn, Q.moved, params)


async def give_back(
    conn: Conn, ws: int, handoff_id: int, now: datetime, person_ids: list[int] | None = None
) -> None:
    """Break-throughs of the handoff that had not landed (to `person_ids`, when given) are
    given back: it was routed again as an ordinary handoff."""
    params = {"workspace_id": ws, "handoff_id": handoff_id, "now": now, "person_ids": person_ids}
    await execute(conn, Q.give_back, params)


async def breaks_through(conn: Conn, handoff_id: int, person_id: int) -> bool:
    """Whether the handoff is an urgent break-through to the person that has not landed."""
    params = {"handoff_id": handoff_id, "person_id": person_id}
    return bool(await scalar(conn, Q.breaks_through, params))
