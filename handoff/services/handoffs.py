"""Handoffs: validate, preview and create them.

A new handoff, its work item, its delivery follow-ups and its `handoff.created` event
are written in one statement of the caller's transaction, so they commit together (an
urgent one adds its decisions, `handoff.services.urgency`, in the same transaction).
The life cycle after creation lives in `handoff.services.lifecycle`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from handoff.observability.metrics import HANDOFFS_CREATED
from handoff.services import lookups
from handoff.services.delegation_routes import Route, follow
from handoff.services.errors import Conflict, Invalid, NotFound
from handoff.services.idempotency import fingerprint, same_request
from handoff.services.payloads import as_stored, delegation_data, handoff_data
from handoff.services.rights import Actor, Right, require
from handoff.services.routing import Plan, plan_for_person, plan_for_team
from handoff.services.text import trimmed
from handoff.services.urgency import Allowance, Urgency, check_reason
from handoff.services.work_items import checked_title
from handoff.states import FollowUpKind, Routing, WorkItemStatus
from handoff.storage import handoffs, teams
from handoff.storage.follow_ups import NewFollowUp
from handoff.storage.handoffs import NewHandoffRow
from handoff.storage.models import Handoff, Person, Team, WorkItem
from handoff.storage.run import Conn

MAX_OPEN_QUESTIONS = 50
MAX_TEXT = 20_000
MAX_RESPONSE_WINDOW = timedelta(days=90)


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

    sender_id: int | None
    note: Note
    work_item_id: int | None = None
    new_work_item_title: str | None = None
    new_work_item_description: str = ""
    to_person_id: int | None = None
    to_team_id: int | None = None
    respond_within: timedelta | None = None
    idempotency_key: str | None = None
    max_reminders: int | None = None
    urgent_reason: str | None = None  # sent as urgent, and why


@dataclass(frozen=True)
class Preview:
    """What create_handoff would compute."""

    receiver: Person
    team: Team | None
    deliver_at: datetime
    respond_by: datetime | None
    explanation: list[str]
    urgency: Allowance | None = None


def _validate(new: NewHandoff) -> None:
    note = new.note
    if not trimmed(note.summary):
        raise Invalid("note.summary", "summary must not be empty")
    for name, text in (("summary", note.summary), ("done", note.done), ("next", note.next)):
        if len(text) > MAX_TEXT:
            raise Invalid(f"note.{name}", f"{name} is longer than {MAX_TEXT} characters")
    if len(note.open_questions) > MAX_OPEN_QUESTIONS:
        raise Invalid("note.openQuestions", f"at most {MAX_OPEN_QUESTIONS} open questions")
    for i, question in enumerate(note.open_questions):
        if not trimmed(question):
            raise Invalid(f"note.openQuestions.{i}", "an open question must not be empty")
        if len(question) > MAX_TEXT:
            raise Invalid(
                f"note.openQuestions.{i}", f"an open question is longer than {MAX_TEXT} characters"
            )
    if (new.work_item_id is None) == (new.new_work_item_title is None):
        raise Invalid("workItemId", "give exactly one of workItemId and newWorkItem")
    if new.new_work_item_title is not None:
        checked_title(new.new_work_item_title, "newWorkItem.title")
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
    check_reason(new.urgent_reason)


def _urgency(ws: int, now: datetime, sender: Person, new: NewHandoff, lock: bool) -> Urgency | None:
    """The urgency of a handoff sent as urgent (`lock`: serialise decisions about receivers)."""
    reason = new.urgent_reason
    return None if reason is None else Urgency(ws, now, sender, trimmed(reason), lock=lock)


async def plan_route(
    conn: Conn,
    ws: int,
    now: datetime,
    sender: Person,
    to_person_id: int | None,
    to_team_id: int | None,
    respond_within: timedelta | None,
    *,
    advance_round_robin: bool,
    known: dict[int, Person] | None = None,
    urgency: Urgency | None = None,
    passed: Collection[int] = (),
    settled: Collection[int] = (),
) -> tuple[Plan, Team | None]:
    """Who receives a handoff from `sender` made at `now`, and when it lands for them.

    A person's delegations are followed (`delegation_routes`; `passed` are people it went
    through already, `settled` people known to have no delegation); a deactivated receiver
    is a Conflict. A team's members are read FOR SHARE; round-robin advances the team's
    position only with `advance_round_robin` (a preview must not move it). With `urgency`
    it breaks through to the receivers that urgency allows (the delegate's own rules when a
    delegation sends it on).
    """
    route: Route | None = None
    at = now
    if to_person_id is not None:
        receiver = (known or {}).get(to_person_id) or await lookups.person(
            conn, ws, to_person_id, share=True
        )
        if receiver.id == sender.id:
            raise Invalid("toPersonId", "a handoff needs someone else to receive it")
        lookups.require_active(receiver, "new handoffs to them are refused")
        route = await follow(conn, ws, now, receiver, respond_within, sender.id, passed, settled)
        if route.receiver is not None:
            final = route.receiver
            urgent = urgency is not None and final.id in await urgency.allow(
                conn, [final], None, route.at
            )
            plan = plan_for_person(final, route.at, respond_within, "toPersonId", urgent)
            return route.applied_to(plan), None
        to_team_id, at = route.team_id, route.at
    assert to_team_id is not None
    team = await lookups.team(conn, ws, to_team_id)
    skip = {sender.id, *passed, *(route.skip if route else ())}
    members = [p for p in await lookups.team_members(conn, ws, team.id) if p.id not in skip]
    if not members:
        raise Invalid("toTeamId", f"team {team.name!r} has no members besides the sender")
    position = team.rr_counter
    if team.routing == Routing.ROUND_ROBIN and advance_round_robin:
        position = await teams.advance_round_robin(conn, ws, team.id)
    urgent_for = await urgency.allow(conn, members, team, at) if urgency else frozenset()
    plan = plan_for_team(team, members, at, respond_within, position, "toTeamId", urgent_for)
    return (route.applied_to(plan) if route else plan), team


def deliveries(ws: int, handoff_id: int, plan: Plan) -> list[NewFollowUp]:
    """The DELIVERY follow-ups of a plan: one per recipient, in their own hours."""
    return [
        NewFollowUp(
            workspace_id=ws,
            handoff_id=handoff_id,
            person_id=r.person.id,
            kind=FollowUpKind.DELIVERY,
            due_at=r.times.deliver_at,
            digest=bool(r.person.policy.digest_times) and not r.urgent,
            explanation=plan.explanation_for(r),
        )
        for r in plan.recipients
    ]


def _sender_id(new: NewHandoff, actor: Actor | None) -> int:
    """Who sends: `senderId`, or the person a person token acts as."""
    if new.sender_id is not None:
        return new.sender_id
    if actor is None or actor.person_id is None:
        raise Invalid("senderId", "give senderId: a workspace token acts for no one")
    return actor.person_id


async def preview_handoff(
    conn: Conn, ws: int, now: datetime, new: NewHandoff, actor: Actor | None = None
) -> Preview:
    """What create_handoff would compute at `now`, writing nothing."""
    _validate(new)
    sender = await lookups.person(conn, ws, _sender_id(new, actor))
    require(actor, Right.SEND_AS, field="senderId", person_id=sender.id)
    lookups.require_active(sender, "they cannot send handoffs")
    if new.work_item_id is not None:
        _require_free(actor, await lookups.work_item(conn, ws, new.work_item_id))
    urgency = _urgency(ws, now, sender, new, lock=False)
    plan, team = await plan_route(
        conn,
        ws,
        now,
        sender,
        new.to_person_id,
        new.to_team_id,
        new.respond_within,
        advance_round_robin=False,
        urgency=urgency,
    )
    decided = None
    if urgency is not None:
        plan = urgency.explain(plan)
        decided = urgency.allowances.get(plan.receiver.person.id)
    times = plan.receiver.times
    receiver = plan.receiver.person
    return Preview(receiver, team, times.deliver_at, times.respond_by, plan.explanation, decided)


def _require_holder(actor: Actor | None, item: WorkItem) -> None:
    """A person token hands off only a work item it holds (or one nobody holds)."""
    if item.holder_id is not None:
        require(actor, Right.OWN, field="workItemId", person_id=item.holder_id)


def _require_free(actor: Actor | None, item: WorkItem) -> None:
    """The actor holds the item (or may act for its holder), and it can be handed off."""
    _require_holder(actor, item)
    if item.status == WorkItemStatus.IN_HANDOFF:
        raise Conflict(f"work item {item.title!r} is already being handed off")
    if item.status == WorkItemStatus.DONE:
        raise Conflict(f"work item {item.title!r} is done")


async def _item_to_hand_off(
    conn: Conn,
    ws: int,
    new: NewHandoff,
    sender: Person,
    new_id: int,
    now: datetime,
    actor: Actor | None,
    asked: bytes | None,
) -> WorkItem | Handoff:
    """The work item as it will read once handed off, or the handoff an earlier request
    with the same idempotency key made while this one waited for the item's lock."""
    if new.work_item_id is None:
        assert new.new_work_item_title is not None
        return WorkItem(
            id=new_id,
            workspace_id=ws,
            title=trimmed(new.new_work_item_title),
            description=new.new_work_item_description,
            status=WorkItemStatus.IN_HANDOFF,
            holder_id=sender.id,
            created_at=now,
            updated_at=now,
        )
    old = await lookups.work_item(conn, ws, new.work_item_id, lock=True)
    if old.status == WorkItemStatus.IN_HANDOFF and new.idempotency_key is not None:
        existing = await handoffs.by_idempotency_key(conn, ws, new.idempotency_key)
        if existing is not None:
            return same_request(existing, asked)
    _require_free(actor, old)
    return replace(
        old, status=WorkItemStatus.IN_HANDOFF, holder_id=old.holder_id or sender.id, updated_at=now
    )


async def create_handoff(
    conn: Conn, ws: int, now: datetime, new: NewHandoff, actor: Actor | None = None
) -> tuple[Handoff, bool]:
    """Create a handoff with its delivery follow-ups; returns (handoff, created).

    The same idempotency key with the same request again returns the first handoff and
    writes nothing; with a different request it is refused (`idempotency`).

    Round trips: one read (`creation_context`: workspace default, an earlier handoff with
    this key, fresh ids, sender and receiver) and one write (`handoffs.create`: handoff,
    work item, follow-ups and event in one statement), plus the team's and an existing
    work item's rows when those are involved.
    """
    _validate(new)
    sender_id = _sender_id(new, actor)
    # before the key is looked up: nobody learns of (or gets) a handoff sent as someone else
    require(actor, Right.SEND_AS, field="senderId", person_id=sender_id)
    key = new.idempotency_key
    asked = None if key is None else fingerprint(new, sender_id)
    if key is not None and new.to_team_id is not None:
        # Round-robin advances the team's counter before the handoff row exists; serialise
        # requests with the same key so a duplicate never advances it.
        await handoffs.lock_idempotency_key(conn, ws, key)
    person_ids = [sender_id] if new.to_person_id is None else [sender_id, new.to_person_id]
    head = await handoffs.creation_context(conn, ws, key, person_ids)
    if head.existing_id is not None:
        return same_request(await lookups.handoff(conn, ws, head.existing_id), asked), False
    sender = head.people.get(sender_id)
    if sender is None:
        raise NotFound("Person", sender_id)
    lookups.require_active(sender, "they cannot send handoffs")
    # only the receiver's delegations route it; the sender's own never do
    settled = head.people.keys() - head.delegating - {sender_id}
    try:
        return await _route_and_write(conn, ws, now, new, actor, head, sender, asked, settled)
    except handoffs.Unsettled:
        # a delegation committed while the prefetch waited for someone's lock: read them all
        return await _route_and_write(conn, ws, now, new, actor, head, sender, asked, ())


async def _route_and_write(
    conn: Conn,
    ws: int,
    now: datetime,
    new: NewHandoff,
    actor: Actor | None,
    head: handoffs.CreationContext,
    sender: Person,
    asked: bytes | None,
    settled: Collection[int],
) -> tuple[Handoff, bool]:
    """Route a new handoff and write it; `settled` are people taken to have no delegations
    (handoffs.Unsettled, nothing written, when one has one by the time it is written)."""
    key = new.idempotency_key
    urgency = _urgency(ws, now, sender, new, lock=True)
    plan, team = await plan_route(
        conn,
        ws,
        now,
        sender,
        new.to_person_id,
        new.to_team_id,
        new.respond_within,
        advance_round_robin=True,
        known=head.people,
        urgency=urgency,
        settled=settled,
    )
    if urgency is not None:
        plan = urgency.explain(plan)
    item = await _item_to_hand_off(conn, ws, new, sender, head.new_work_item_id, now, actor, asked)
    if isinstance(item, Handoff):
        return item, False
    times = plan.receiver.times
    receiver = plan.receiver.person
    row = NewHandoffRow(
        id=head.new_handoff_id,
        workspace_id=ws,
        work_item_id=item.id,
        sender_id=sender.id,
        receiver_id=receiver.id,
        team_id=team.id if team else None,
        summary=trimmed(new.note.summary),
        done=new.note.done,
        next_steps=new.note.next,
        open_questions=new.note.open_questions,
        respond_within=new.respond_within,
        deliver_at=times.deliver_at,
        respond_by=times.respond_by,
        explanation=plan.explanation,
        max_reminders=head.workspace_reminders if new.max_reminders is None else new.max_reminders,
        idempotency_key=key,
        addressed_to_id=plan.via[0] if plan.via else None,
        delegated_via=list(plan.via),
        delegation_ids=list(plan.delegation_ids),
        request_fingerprint=asked,
        route_reasons=list(plan.reasons),
    )
    handoff = await handoffs.create(
        conn,
        row,
        item,
        insert_item=new.work_item_id is None,
        deliveries=deliveries(ws, row.id, plan),
        event_data=handoff_data(as_stored(row, now), item, sender, receiver, team)
        | delegation_data(plan.via, plan.delegation_ids),
        now=now,
        settled=settled,
    )
    if handoff is None:
        # A concurrent request with the same key committed first (the insert waited for it
        # on the unique index): nothing was written here; answer with its handoff.
        assert key is not None
        existing = await handoffs.by_idempotency_key(conn, ws, key)
        assert existing is not None, "an idempotency-key conflict leaves a visible row"
        return same_request(existing, asked), False
    if urgency is not None:
        await urgency.record(conn, handoff, plan, item, team)
    HANDOFFS_CREATED.inc()
    return handoff, True
