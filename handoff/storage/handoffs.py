"""Handoffs in PostgreSQL: creation with its follow-ups and event, the life cycle, and
the set-based effects of a follow-up batch."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb

from handoff.states import HandoffStatus
from handoff.storage.events import message_id_seed, new_message_id
from handoff.storage.follow_ups import NewFollowUp
from handoff.storage.models import Handoff, Person, WorkItem
from handoff.storage.queries import Queries
from handoff.storage.run import Conn, Ids, execute, many, one, rows, scalar

Q = Queries("handoffs")


async def get(conn: Conn, ws: int, handoff_id: int, *, lock: bool = False) -> Handoff | None:
    """The handoff (locked FOR UPDATE with `lock`), or None outside the workspace."""
    sql = Q.get_for_update if lock else Q.get
    return await one(conn, sql, {"workspace_id": ws, "id": handoff_id}, Handoff.from_row)


async def by_idempotency_key(conn: Conn, ws: int, key: str) -> Handoff | None:
    """The handoff created with this idempotency key in the workspace."""
    return await one(conn, Q.by_idempotency_key, {"workspace_id": ws, "key": key}, Handoff.from_row)


async def by_ids(conn: Conn, ws: int, ids: Sequence[int]) -> list[Handoff]:
    """The workspace's handoffs among `ids`."""
    return await many(conn, Q.by_ids, {"workspace_id": ws, "ids": Ids(ids)}, Handoff.from_row)


async def by_ids_any_workspace(conn: Conn, ids: Sequence[int]) -> list[Handoff]:
    """Handoffs by id whatever their workspace (for the worker)."""
    return await many(conn, Q.by_ids_any_workspace, {"ids": Ids(ids)}, Handoff.from_row)


@dataclass(frozen=True)
class HandoffFilter:
    """Which handoffs a page lists; None = any."""

    status: HandoffStatus | None = None
    receiver_id: int | None = None
    sender_id: int | None = None
    team_id: int | None = None


async def page(
    conn: Conn,
    ws: int,
    after_id: int,
    limit: int,
    where: HandoffFilter | None = None,
    newest_first: bool = False,
) -> list[Handoff]:
    """Up to `limit` handoffs after row id `after_id`, by id (descending with
    `newest_first`, where `after_id` 0 is the start)."""
    w = where or HandoffFilter()
    params = {
        "workspace_id": ws,
        "after_id": after_id,
        "limit": limit,
        "status": w.status,
        "receiver_id": w.receiver_id,
        "sender_id": w.sender_id,
        "team_id": w.team_id,
    }
    return await many(conn, Q.page_newest if newest_first else Q.page, params, Handoff.from_row)


async def count(conn: Conn, ws: int, where: HandoffFilter | None = None) -> int:
    """How many handoffs match the filter."""
    w = where or HandoffFilter()
    params = {
        "workspace_id": ws,
        "status": w.status,
        "receiver_id": w.receiver_id,
        "sender_id": w.sender_id,
        "team_id": w.team_id,
    }
    return int(await scalar(conn, Q.count, params))


async def inbox_count(conn: Conn, ws: int, receiver_id: int) -> int:
    """How many handoffs wait in a receiver's inbox."""
    params = {"workspace_id": ws, "receiver_id": receiver_id}
    return int(await scalar(conn, Q.inbox_count, params))


async def inbox_page(
    conn: Conn, ws: int, receiver_id: int, after: tuple[datetime, int] | None, limit: int
) -> list[Handoff]:
    """Delivered, unacknowledged handoffs of a receiver after `(delivered_at, id)`."""
    after_at, after_id = after or (datetime.min.replace(tzinfo=UTC), 0)
    params = {
        "workspace_id": ws,
        "receiver_id": receiver_id,
        "after_at": after_at,
        "after_id": after_id,
        "limit": limit,
    }
    return await many(conn, Q.inbox_page, params, Handoff.from_row)


async def for_work_items(conn: Conn, ws: int, ids: Sequence[int]) -> dict[int, list[Handoff]]:
    """Every handoff of each work item, oldest first."""
    groups: dict[int, list[Handoff]] = defaultdict(list)
    params = {"workspace_id": ws, "ids": Ids(ids)}
    for h in await many(conn, Q.for_work_items, params, Handoff.from_row):
        groups[h.work_item_id].append(h)
    return groups


# -- creation ---------------------------------------------------------------------------


async def lock_idempotency_key(conn: Conn, ws: int, key: str) -> None:
    """Serialise, until the transaction ends, the requests carrying this key."""
    await conn.execute(Q.lock_idempotency_key, {"key": key, "workspace_id": ws})


@dataclass(frozen=True)
class CreationContext:
    """What createHandoff reads before it writes, in one round trip."""

    workspace_reminders: int
    existing_id: int | None
    new_handoff_id: int
    new_work_item_id: int
    people: dict[int, Person]
    # those of `people` with a scheduled or running delegation
    delegating: frozenset[int] = frozenset()


async def creation_context(
    conn: Conn, ws: int, key: str | None, person_ids: Sequence[int]
) -> CreationContext:
    """The workspace's reminder default, the handoff already made with `key`, fresh ids,
    and the people involved, locked FOR SHARE."""
    params = {"workspace_id": ws, "key": key, "people": Ids(person_ids)}
    found = await rows(conn, Q.create_prefetch, params, raw_json=True)  # people's only
    head = found[0]
    return CreationContext(
        workspace_reminders=int(head["ws_reminders"]),
        existing_id=head["existing_id"],
        new_handoff_id=int(head["new_handoff_id"]),
        new_work_item_id=int(head["new_work_item_id"]),
        people={r["id"]: Person.from_row(r) for r in found if r["id"] is not None},
        delegating=frozenset(r["id"] for r in found if r["id"] is not None and r["delegating"]),
    )


@dataclass(frozen=True)
class NewHandoffRow:
    """A handoff row to insert, with the id `creation_context` reserved."""

    id: int
    workspace_id: int
    work_item_id: int
    sender_id: int
    receiver_id: int
    team_id: int | None
    summary: str
    done: str
    next_steps: str
    open_questions: list[str]
    respond_within: timedelta | None
    deliver_at: datetime
    respond_by: datetime | None
    explanation: list[str]
    max_reminders: int
    idempotency_key: str | None
    addressed_to_id: int | None = None
    delegated_via: list[int] = field(default_factory=list)
    delegation_ids: list[int] = field(default_factory=list)
    request_fingerprint: bytes | None = None
    route_reasons: list[str] = field(default_factory=list)


class Unsettled(Exception):
    """Someone `create` was told has no delegations has one now (it committed while the
    prefetch waited for their lock): nothing was written; plan the route again."""


async def create(
    conn: Conn,
    new: NewHandoffRow,
    item: WorkItem,
    *,
    insert_item: bool,
    deliveries: list[NewFollowUp],
    event_data: dict[str, Any],
    now: datetime,
    settled: Collection[int] = (),
) -> Handoff | None:
    """Write the handoff, its work item (inserted or moved), its deliveries and its
    `handoff.created` event in one statement; None when the idempotency key was taken
    by a concurrent request (then nothing is written). `settled`: the people routing took
    to have no delegations; Unsettled (nothing written) when one has now."""
    params = {
        "id": new.id,
        "workspace_id": new.workspace_id,
        "work_item_id": new.work_item_id,
        "sender_id": new.sender_id,
        "receiver_id": new.receiver_id,
        "team_id": new.team_id,
        "summary": new.summary,
        "done": new.done,
        "next_steps": new.next_steps,
        "open_questions": Jsonb(new.open_questions),
        "respond_within": new.respond_within,
        "now": now,
        "deliver_at": new.deliver_at,
        "respond_by": new.respond_by,
        "explanation": Jsonb(new.explanation),
        "max_reminders": new.max_reminders,
        "idempotency_key": new.idempotency_key,
        "addressed_to_id": new.addressed_to_id,
        "delegated_via": Ids(new.delegated_via),
        "delegation_ids": Ids(new.delegation_ids),
        "request_fingerprint": new.request_fingerprint,
        "route_reasons": Jsonb(new.route_reasons),
        "insert_item": insert_item,
        "item_title": item.title,
        "item_description": item.description,
        "item_holder_id": item.holder_id,
        "follow_ups": Jsonb(
            [
                {
                    "person_id": f.person_id,
                    "due_at": f.due_at.isoformat(),
                    "digest": f.digest,
                    "explanation": f.explanation,
                }
                for f in deliveries
            ]
        ),
        "payload": Jsonb(event_data),
        "public_id": new_message_id(),
    }
    params["settled"] = Ids(settled)
    cur = await conn.execute(Q.create, params)
    row = await cur.fetchone()
    assert row is not None, "the statement returns one row"
    if not row["settled_held"]:
        raise Unsettled
    return None if row["id"] is None else Handoff.from_row(row)


# -- the life cycle -----------------------------------------------------------------------


async def transition(
    conn: Conn, ws: int, handoff_id: int, status: HandoffStatus, note: str | None, now: datetime
) -> Handoff | None:
    """Move to `status`, stamping its instant (and the return note)."""
    params = {"workspace_id": ws, "id": handoff_id, "status": status, "note": note, "now": now}
    return await one(conn, Q.transition, params, Handoff.from_row)


async def reroute(
    conn: Conn,
    ws: int,
    handoff_id: int,
    *,
    receiver_id: int,
    team_id: int | None,
    deliver_at: datetime,
    respond_by: datetime | None,
    explanation: list[str],
    route_reasons: list[str],
    now: datetime,
    delegated: Delegated | None = None,
) -> Handoff | None:
    """Send it to another receiver: SCHEDULED again, with fresh instants, the lines that
    say why (`route_reasons`, the explanation's first) and the delegation chain of the
    new route (none when `delegated` is None)."""
    chain = delegated or Delegated()
    params = {
        "workspace_id": ws,
        "id": handoff_id,
        "receiver_id": receiver_id,
        "team_id": team_id,
        "deliver_at": deliver_at,
        "respond_by": respond_by,
        "explanation": Jsonb(explanation),
        "route_reasons": Jsonb(route_reasons),
        "now": now,
        "addressed_to_id": chain.addressed_to_id,
        "delegated_via": chain.via,
        "delegation_ids": chain.delegation_ids,
        "new_delegation_ids": chain.new_delegation_ids,
    }
    return await one(conn, Q.reroute, params, Handoff.from_row)


@dataclass(frozen=True)
class Delegated:
    """A handoff's delegation chain: the addressee, the people whose delegations it passed
    through (addressee first) and those delegations; `new_delegation_ids` are the ones
    that sent it on just now (they log it)."""

    addressed_to_id: int | None = None
    via: list[int] = field(default_factory=list)
    delegation_ids: list[int] = field(default_factory=list)
    new_delegation_ids: list[int] = field(default_factory=list)


async def open_for_receiver(
    conn: Conn, ws: int, receiver_id: int, statuses: Sequence[HandoffStatus]
) -> list[Handoff]:
    """A receiver's handoffs in `statuses`, locked FOR UPDATE, oldest first."""
    params = {"workspace_id": ws, "receiver_id": receiver_id, "statuses": list(statuses)}
    return await many(conn, Q.open_for_receiver, params, Handoff.from_row)


async def count_for_person(conn: Conn, ws: int, person_id: int) -> tuple[int, int]:
    """(sent, received) handoffs of a person."""
    found = await rows(conn, Q.count_for_person, {"workspace_id": ws, "person_id": person_id})
    return int(found[0]["sent"] or 0), int(found[0]["received"] or 0)


async def set_times(
    conn: Conn,
    ws: int,
    handoff_id: int,
    deliver_at: datetime,
    respond_by: datetime | None,
    explanation: list[str],
    now: datetime,
) -> None:
    """New instants for a handoff (its receiver's availability changed)."""
    params = {
        "workspace_id": ws,
        "id": handoff_id,
        "deliver_at": deliver_at,
        "respond_by": respond_by,
        "explanation": Jsonb(explanation),
        "now": now,
    }
    await execute(conn, Q.set_times, params)


# -- effects of a follow-up batch ----------------------------------------------------------


async def deliver_many(conn: Conn, follow_up_ids: list[int], now: datetime) -> set[int]:
    """Deliver SCHEDULED handoffs with their events built in SQL; the handoff ids delivered.

    One follow-up row per handoff: each row of `follow_up_ids` gets one event.
    """
    if not follow_up_ids:
        return set()
    params = {"ids": Ids(follow_up_ids), "now": now, "msg_seed": message_id_seed()}
    return {r["handoff_id"] for r in await rows(conn, Q.deliver_many, params)}


async def mark_delivered(conn: Conn, ids: list[int], now: datetime) -> None:
    """SCHEDULED handoffs among `ids` become DELIVERED."""
    if ids:
        await execute(conn, Q.mark_delivered, {"ids": ids, "now": now})


async def reminded(
    conn: Conn,
    handoff_id: int,
    respond_by: datetime | None,
    explanation: list[str],
    now: datetime,
) -> None:
    """One more reminder sent; the deadline counted again and explained."""
    params = {
        "id": handoff_id,
        "respond_by": respond_by,
        "explanation": Jsonb(explanation),
        "now": now,
    }
    await execute(conn, Q.reminded, params)


async def escalated(conn: Conn, handoff_id: int, now: datetime) -> None:
    """Escalated back to its sender."""
    await execute(conn, Q.escalated, {"id": handoff_id, "now": now})


async def escalated_to_member(conn: Conn, moved: Handoff, now: datetime) -> None:
    """Escalated within its team: `moved` has its new member, delivery, deadline and
    explanation; the clock starts again."""
    params = {
        "id": moved.id,
        "receiver_id": moved.receiver_id,
        "deliver_at": moved.deliver_at,
        "respond_by": moved.respond_by,
        "explanation": Jsonb(moved.explanation),
        "route_reasons": Jsonb(moved.route_reasons),
        "now": now,
    }
    await execute(conn, Q.escalated_to_member, params)
