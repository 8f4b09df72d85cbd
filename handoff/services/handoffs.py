"""Handoffs: create, preview, and move through their life cycle.

Every change writes the handoff, its follow-up rows and its event in the caller's
transaction, so they commit (or roll back) together.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from handoff.calendar import HandoffTimes
from handoff.observability.metrics import HANDOFFS_CREATED
from handoff.services.errors import Conflict, Invalid, NotFound
from handoff.services.payloads import handoff_data
from handoff.services.people import get_person
from handoff.services.routing import Plan, Recipient, plan_for_person, plan_for_team, times_for
from handoff.storage.events import new_public_id, record_event
from handoff.storage.models import Handoff, Person, Team, WorkItem
from handoff.storage.run import execute, many, one, rows

MAX_OPEN_QUESTIONS = 50
MAX_TEXT = 20_000
MAX_RESPONSE_WINDOW = timedelta(days=90)
IN_FLIGHT = ("SCHEDULED", "DELIVERED")

# status -> the statuses it may move to, and what the work item becomes
_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "ACKNOWLEDGED": ("DELIVERED",),
    "COMPLETED": ("DELIVERED", "ACKNOWLEDGED"),
    "RETURNED": ("DELIVERED", "ACKNOWLEDGED"),
    "CANCELLED": ("SCHEDULED", "DELIVERED", "ACKNOWLEDGED"),
}


@dataclass(frozen=True)
class Note:
    """What the sender says: done, next, open questions."""

    summary: str
    done: str = ""
    next: str = ""
    open_questions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class NewHandoff:
    """Input of create_handoff / preview_handoff."""

    sender_id: int
    note: Note
    work_item_id: int | None = None
    new_work_item_title: str | None = None
    new_work_item_description: str = ""
    to_person_id: int | None = None
    to_team_id: int | None = None
    respond_within: timedelta | None = None
    idempotency_key: str | None = None
    max_reminders: int | None = None


@dataclass(frozen=True)
class Preview:
    """What create_handoff would compute."""

    receiver: Person
    team: Team | None
    deliver_at: datetime
    respond_by: datetime | None
    explanation: list[str]


def times_from(person: Person, at: datetime, respond_within: timedelta | None) -> HandoffTimes:
    """When a handoff to `person` made at `at` lands and is due."""
    return times_for(person, at, respond_within)


async def get_handoff(conn: AsyncConnection[Any], ws: int, handoff_id: int) -> Handoff:
    """The handoff, or NotFound (also for another workspace's handoff)."""
    found = await one(conn, "handoff_get", {"workspace_id": ws, "id": handoff_id}, Handoff.from_row)
    if found is None:
        raise NotFound("Handoff", handoff_id)
    return found


async def get_team(conn: AsyncConnection[Any], ws: int, team_id: int) -> Team:
    """The team, or NotFound."""
    team = await one(conn, "team_get", {"workspace_id": ws, "id": team_id}, Team.from_row)
    if team is None:
        raise NotFound("Team", team_id)
    return team


async def team_members(conn: AsyncConnection[Any], ws: int, team_id: int) -> list[Person]:
    """A team's members, by id, locked FOR SHARE until the caller's transaction ends."""
    return await many(
        conn, "team_members_for_share", {"workspace_id": ws, "team_id": team_id}, Person.from_row
    )


def _validate(new: NewHandoff) -> None:
    note = new.note
    if not note.summary.strip():
        raise Invalid("note.summary", "summary must not be empty")
    for name, text in (("summary", note.summary), ("done", note.done), ("next", note.next)):
        if len(text) > MAX_TEXT:
            raise Invalid(f"note.{name}", f"{name} is longer than {MAX_TEXT} characters")
    if len(note.open_questions) > MAX_OPEN_QUESTIONS:
        raise Invalid("note.openQuestions", f"at most {MAX_OPEN_QUESTIONS} open questions")
    for i, question in enumerate(note.open_questions):
        if not question.strip():
            raise Invalid(f"note.openQuestions.{i}", "an open question must not be empty")
    if (new.work_item_id is None) == (new.new_work_item_title is None):
        raise Invalid("workItemId", "give exactly one of workItemId and newWorkItem")
    if new.new_work_item_title is not None and not new.new_work_item_title.strip():
        raise Invalid("newWorkItem.title", "title must not be empty")
    if (new.to_person_id is None) == (new.to_team_id is None):
        raise Invalid("toPersonId", "give exactly one of toPersonId and toTeamId")
    window = new.respond_within
    if window is not None and not timedelta(0) < window <= MAX_RESPONSE_WINDOW:
        raise Invalid(
            "expectResponseWithin", "expectResponseWithin must be positive and at most 90 days"
        )
    if new.max_reminders is not None and not 0 <= new.max_reminders <= 20:
        raise Invalid("maxReminders", "maxReminders must be between 0 and 20")
    if new.idempotency_key is not None and not 1 <= len(new.idempotency_key) <= 200:
        raise Invalid("idempotencyKey", "idempotencyKey must be 1 to 200 characters")


async def _plan(
    conn: AsyncConnection[Any],
    ws: int,
    now: datetime,
    sender: Person,
    to_person_id: int | None,
    to_team_id: int | None,
    respond_within: timedelta | None,
    *,
    advance_round_robin: bool,
    known: dict[int, Person] | None = None,
) -> tuple[Plan, Team | None]:
    if to_person_id is not None:
        receiver = (known or {}).get(to_person_id) or await get_person(conn, ws, to_person_id)
        if receiver.id == sender.id:
            raise Invalid("toPersonId", "a handoff needs someone else to receive it")
        return plan_for_person(receiver, now, respond_within, "toPersonId"), None
    assert to_team_id is not None
    team = await get_team(conn, ws, to_team_id)
    members = [p for p in await team_members(conn, ws, team.id) if p.id != sender.id]
    if not members:
        raise Invalid("toTeamId", f"team {team.name!r} has no members besides the sender")
    position = 0
    if team.routing == "ROUND_ROBIN":
        if advance_round_robin:
            got = await one(
                conn,
                "team_lock_and_advance",
                {"workspace_id": ws, "id": team.id},
                lambda r: int(r["position"]),
            )
            position = got or 0
        else:
            position = int(
                (await rows(conn, "team_get", {"workspace_id": ws, "id": team.id}))[0]["rr_counter"]
            )
    return plan_for_team(team, members, now, respond_within, position, "toTeamId"), team


async def preview_handoff(
    conn: AsyncConnection[Any], ws: int, now: datetime, new: NewHandoff
) -> Preview:
    """What create_handoff would compute now, writing nothing."""
    _validate(new)
    sender = await get_person(conn, ws, new.sender_id)
    if new.work_item_id is not None:
        await _work_item(conn, ws, new.work_item_id, lock=False)
    plan, team = await _plan(
        conn,
        ws,
        now,
        sender,
        new.to_person_id,
        new.to_team_id,
        new.respond_within,
        advance_round_robin=False,
    )
    times = plan.receiver.times
    return Preview(plan.receiver.person, team, times.deliver_at, times.respond_by, plan.explanation)


async def _work_item(conn: AsyncConnection[Any], ws: int, item_id: int, *, lock: bool) -> WorkItem:
    name = "work_item_get_for_update" if lock else "work_item_get"
    item = await one(conn, name, {"workspace_id": ws, "id": item_id}, WorkItem.from_row)
    if item is None:
        raise NotFound("WorkItem", item_id)
    return item


async def create_handoff(
    conn: AsyncConnection[Any], ws: int, now: datetime, new: NewHandoff
) -> tuple[Handoff, bool]:
    """Create a handoff with its delivery follow-ups; returns (handoff, created).

    The same idempotency key again returns the first handoff and writes nothing.

    Round trips: one read (`handoff_create_prefetch`: workspace default, an earlier handoff
    with this key, fresh ids, sender and receiver) and one write (`handoff_create`: handoff,
    work item, follow-ups and event in one statement), plus the team's and an existing work
    item's rows when those are involved.
    """
    _validate(new)
    key = new.idempotency_key
    if key is not None and new.to_team_id is not None:
        # Round-robin advances the team's counter before the handoff row exists; serialise
        # requests with the same key so a duplicate never advances it.
        await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, %s))", (key, ws))
    person_ids = [new.sender_id] if new.to_person_id is None else [new.sender_id, new.to_person_id]
    found = await rows(
        conn, "handoff_create_prefetch", {"workspace_id": ws, "key": key, "people": person_ids}
    )
    head = found[0]
    if head["existing_id"] is not None:
        existing = await one(
            conn, "handoff_get", {"workspace_id": ws, "id": head["existing_id"]}, Handoff.from_row
        )
        assert existing is not None
        return existing, False
    people = {r["id"]: Person.from_row(r) for r in found if r["id"] is not None}
    sender = people.get(new.sender_id)
    if sender is None:
        raise NotFound("Person", new.sender_id)
    plan, team = await _plan(
        conn,
        ws,
        now,
        sender,
        new.to_person_id,
        new.to_team_id,
        new.respond_within,
        advance_round_robin=True,
        known=people,
    )
    if new.work_item_id is not None:
        old = await _work_item(conn, ws, new.work_item_id, lock=True)
        if old.status == "IN_HANDOFF" and key is not None:
            # A concurrent request with the same key may have committed while we waited
            # for the item's lock: that is the retry the key exists for.
            existing = await one(
                conn,
                "handoff_by_idempotency_key",
                {"workspace_id": ws, "key": key},
                Handoff.from_row,
            )
            if existing is not None:
                return existing, False
        if old.status == "IN_HANDOFF":
            raise Conflict(f"work item {old.title!r} is already being handed off")
        if old.status == "DONE":
            raise Conflict(f"work item {old.title!r} is done")
        item = replace(
            old, status="IN_HANDOFF", holder_id=old.holder_id or sender.id, updated_at=now
        )
    else:
        assert new.new_work_item_title is not None
        item = WorkItem(
            id=head["new_work_item_id"],
            workspace_id=ws,
            title=new.new_work_item_title.strip(),
            description=new.new_work_item_description,
            status="IN_HANDOFF",
            holder_id=sender.id,
            created_at=now,
            updated_at=now,
        )
    max_reminders = (
        new.max_reminders if new.max_reminders is not None else int(head["ws_reminders"])
    )
    times = plan.receiver.times
    receiver = plan.receiver.person
    explanation = plan.explanation
    summary = new.note.summary.strip()
    # The event shows the handoff as the row will read back (instants in UTC).
    shown = _NewRow(
        id=head["new_handoff_id"],
        status="SCHEDULED",
        summary=summary,
        done=new.note.done,
        next_steps=new.note.next,
        open_questions=new.note.open_questions,
        created_at=now.astimezone(UTC),
        deliver_at=times.deliver_at.astimezone(UTC),
        respond_by=None if times.respond_by is None else times.respond_by.astimezone(UTC),
        explanation=explanation,
        return_note=None,
    )
    payload = handoff_data(shown, item, sender, receiver, team)  # type: ignore[arg-type]
    handoff = await one(
        conn,
        "handoff_create",
        {
            "id": shown.id,
            "workspace_id": ws,
            "work_item_id": item.id,
            "sender_id": sender.id,
            "receiver_id": receiver.id,
            "team_id": team.id if team else None,
            "summary": summary,
            "done": new.note.done,
            "next_steps": new.note.next,
            "open_questions": Jsonb(new.note.open_questions),
            "respond_within": new.respond_within,
            "now": now,
            "deliver_at": times.deliver_at,
            "respond_by": times.respond_by,
            "explanation": Jsonb(explanation),
            "max_reminders": max_reminders,
            "idempotency_key": key,
            "insert_item": new.work_item_id is None,
            "item_title": item.title,
            "item_description": item.description,
            "item_holder_id": item.holder_id,
            "follow_ups": Jsonb(_delivery_rows(plan)),
            "payload": Jsonb(payload),
            "public_id": new_public_id(),
        },
        Handoff.from_row,
    )
    if handoff is None:
        # A concurrent request with the same key committed first (the insert waited for it
        # on the unique index): nothing was written here; answer with its handoff.
        existing = await one(
            conn, "handoff_by_idempotency_key", {"workspace_id": ws, "key": key}, Handoff.from_row
        )
        assert existing is not None, "an idempotency-key conflict leaves a visible row"
        return existing, False
    HANDOFFS_CREATED.inc()
    return handoff, True


@dataclass(frozen=True)
class _NewRow:
    """The handoff fields the created event shows, known before the row is written."""

    id: int
    status: str
    summary: str
    done: str
    next_steps: str
    open_questions: list[str]
    created_at: datetime
    deliver_at: datetime
    respond_by: datetime | None
    explanation: list[str]
    return_note: str | None


def _explanations(plan: Plan) -> list[tuple[Recipient, list[str]]]:
    out = []
    for recipient in plan.recipients:
        explanation = (
            plan.explanation
            if recipient.person.id == plan.receiver.person.id
            else [*plan.reasons, *recipient.times.explanation[:-1]]
            if recipient.times.respond_by is not None
            else [*plan.reasons, *recipient.times.explanation]
        )
        out.append((recipient, explanation))
    return out


def _delivery_rows(plan: Plan) -> list[dict[str, Any]]:
    return [
        {
            "person_id": recipient.person.id,
            "due_at": recipient.times.deliver_at.isoformat(),
            "digest": bool(recipient.person.policy.digest_times),
            "explanation": explanation,
        }
        for recipient, explanation in _explanations(plan)
    ]


async def _schedule_deliveries(
    conn: AsyncConnection[Any], ws: int, now: datetime, handoff: Handoff, plan: Plan
) -> None:
    for recipient, explanation in _explanations(plan):
        await execute(
            conn,
            "follow_up_insert",
            {
                "workspace_id": ws,
                "handoff_id": handoff.id,
                "person_id": recipient.person.id,
                "kind": "DELIVERY",
                "due_at": recipient.times.deliver_at,
                "digest": bool(recipient.person.policy.digest_times),
                "explanation": Jsonb(explanation),
                "now": now,
            },
        )


async def _event(
    conn: AsyncConnection[Any],
    ws: int,
    now: datetime,
    type_: str,
    handoff: Handoff,
    item: WorkItem,
    sender: Person,
    receiver: Person,
    team: Team | None,
) -> None:
    await record_event(
        conn,
        ws,
        type_,
        handoff_data(handoff, item, sender, receiver, team),
        now,
        handoff_id=handoff.id,
        person_id=receiver.id,
    )


async def _locked_handoff(conn: AsyncConnection[Any], ws: int, handoff_id: int) -> Handoff:
    found = await one(
        conn, "handoff_get_for_update", {"workspace_id": ws, "id": handoff_id}, Handoff.from_row
    )
    if found is None:
        raise NotFound("Handoff", handoff_id)
    return found


async def transition(
    conn: AsyncConnection[Any],
    ws: int,
    now: datetime,
    handoff_id: int,
    status: str,
    note: str | None = None,
) -> Handoff:
    """Acknowledge, complete, return or cancel; cancels pending follow-ups."""
    handoff = await _locked_handoff(conn, ws, handoff_id)
    allowed = _TRANSITIONS[status]
    if handoff.status not in allowed:
        raise Conflict(
            f"cannot move a {handoff.status} handoff to {status}; "
            f"only {' or '.join(allowed)} handoffs can be"
        )
    if status == "RETURNED" and not (note or "").strip():
        raise Invalid("note", "say why it goes back: note must not be empty")
    updated = await one(
        conn,
        "handoff_transition",
        {"workspace_id": ws, "id": handoff.id, "status": status, "note": note, "now": now},
        Handoff.from_row,
    )
    assert updated is not None
    await execute(
        conn,
        "follow_ups_cancel_for_handoff",
        {"workspace_id": ws, "handoff_id": handoff.id, "now": now},
    )
    item_status, holder = {
        "ACKNOWLEDGED": ("OPEN", handoff.receiver_id),
        "COMPLETED": ("DONE", handoff.receiver_id),
        "RETURNED": ("OPEN", handoff.sender_id),
        "CANCELLED": ("OPEN", handoff.sender_id),
    }[status]
    item = await one(
        conn,
        "work_item_follow_handoff",
        {
            "workspace_id": ws,
            "id": handoff.work_item_id,
            "handoff_id": handoff.id,
            "status": item_status,
            "holder_id": holder,
            "now": now,
        },
        WorkItem.from_row,
    ) or await _work_item(conn, ws, handoff.work_item_id, lock=False)
    sender = await get_person(conn, ws, handoff.sender_id)
    receiver = await get_person(conn, ws, handoff.receiver_id)
    team = await get_team(conn, ws, handoff.team_id) if handoff.team_id else None
    await _event(conn, ws, now, f"handoff.{status.lower()}", updated, item, sender, receiver, team)
    return updated


async def reassign(
    conn: AsyncConnection[Any],
    ws: int,
    now: datetime,
    handoff_id: int,
    to_person_id: int | None,
    to_team_id: int | None,
) -> Handoff:
    """Send a scheduled or delivered handoff to someone else, computed afresh from now."""
    if (to_person_id is None) == (to_team_id is None):
        raise Invalid("toPersonId", "give exactly one of toPersonId and toTeamId")
    handoff = await _locked_handoff(conn, ws, handoff_id)
    if handoff.status not in IN_FLIGHT:
        raise Conflict(f"cannot reassign a {handoff.status} handoff; only scheduled or delivered")
    sender = await get_person(conn, ws, handoff.sender_id)
    plan, team = await _plan(
        conn,
        ws,
        now,
        sender,
        to_person_id,
        to_team_id,
        handoff.respond_within,
        advance_round_robin=True,
    )
    return await _reroute(conn, ws, now, handoff, sender, plan, team)


async def reroute_team_handoff(
    conn: AsyncConnection[Any], ws: int, now: datetime, handoff: Handoff
) -> Handoff:
    """Route a scheduled team handoff again (its member's availability changed)."""
    assert handoff.team_id is not None
    sender = await get_person(conn, ws, handoff.sender_id)
    plan, team = await _plan(
        conn,
        ws,
        now,
        sender,
        None,
        handoff.team_id,
        handoff.respond_within,
        advance_round_robin=False,
    )
    return await _reroute(conn, ws, now, handoff, sender, plan, team)


async def _reroute(
    conn: AsyncConnection[Any],
    ws: int,
    now: datetime,
    handoff: Handoff,
    sender: Person,
    plan: Plan,
    team: Team | None,
) -> Handoff:
    """Cancel the handoff's open follow-ups, schedule it for the plan's receiver(s) and
    record `handoff.reassigned`."""
    await execute(
        conn,
        "follow_ups_cancel_for_handoff",
        {"workspace_id": ws, "handoff_id": handoff.id, "now": now},
    )
    times = plan.receiver.times
    updated = await one(
        conn,
        "handoff_reroute",
        {
            "workspace_id": ws,
            "id": handoff.id,
            "receiver_id": plan.receiver.person.id,
            "team_id": team.id if team else None,
            "deliver_at": times.deliver_at,
            "respond_by": times.respond_by,
            "explanation": Jsonb(plan.explanation),
            "now": now,
        },
        Handoff.from_row,
    )
    assert updated is not None
    await _schedule_deliveries(conn, ws, now, updated, plan)
    item = await _work_item(conn, ws, updated.work_item_id, lock=False)
    await _event(
        conn, ws, now, "handoff.reassigned", updated, item, sender, plan.receiver.person, team
    )
    return updated
