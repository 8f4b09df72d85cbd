"""Handoffs: listed, previewed, created, and moved through their life cycle."""

from __future__ import annotations

import asyncio
from datetime import datetime
from functools import partial
from typing import Annotated

import strawberry

from handoff.api.errors import expected_failures
from handoff.api.inputs import CreateHandoffInput, HandoffFilter, decode_id, decode_optional
from handoff.api.resolvers.common import (
    AfterArg,
    FirstArg,
    InputArg,
    PersonIdArg,
    counter,
    id_page,
    known,
    page_limit,
    require_known,
)
from handoff.api.types import Connection, Handoff, Info, Person, Team, connection, decode_cursor
from handoff.api.types.common import at_or_now
from handoff.api.types.handoffs import preload_relations
from handoff.api.types.results import (
    CreateHandoffPayload,
    CreateHandoffResult,
    HandoffPayload,
    HandoffPreview,
    HandoffResult,
    PreviewResult,
)
from handoff.api.types.urgency import Urgency
from handoff.services import handoffs as handoff_service
from handoff.services import lifecycle
from handoff.services.errors import Invalid
from handoff.services.text import trimmed
from handoff.states import HandoffStatus
from handoff.storage import handoffs
from handoff.storage import models as m

HandoffIdArg = Annotated[strawberry.ID, strawberry.argument(description="The handoff's global ID")]


def _new_handoff(data: CreateHandoffInput) -> handoff_service.NewHandoff:
    note = data.note
    return handoff_service.NewHandoff(
        sender_id=decode_optional(data.sender_id, "Person", "senderId"),
        note=handoff_service.Note(
            summary=note.summary, done=note.done, next=note.next, open_questions=note.open_questions
        ),
        work_item_id=decode_optional(data.work_item_id, "WorkItem", "workItemId"),
        new_work_item_title=data.new_work_item.title if data.new_work_item else None,
        new_work_item_description=data.new_work_item.description if data.new_work_item else "",
        to_person_id=decode_optional(data.to_person_id, "Person", "toPersonId"),
        to_team_id=decode_optional(data.to_team_id, "Team", "toTeamId"),
        respond_within=data.expect_response_within,
        idempotency_key=data.idempotency_key,
        max_reminders=data.max_reminders,
        urgent_reason=data.urgent.reason if data.urgent else None,
    )


def _inbox_cursor(h: m.Handoff) -> str:
    assert h.delivered_at is not None
    return f"{h.delivered_at.isoformat()}|{h.id}"


def _after_inbox(after: str | None) -> tuple[datetime, int] | None:
    raw = decode_cursor(after)
    if raw is None:
        return None
    stamp, _, pk = raw.rpartition("|")
    try:
        at = datetime.fromisoformat(stamp)
        if at.tzinfo is None:
            raise ValueError(stamp)
        return at, int(pk)
    except ValueError:
        raise Invalid("after", f"{after!r} is not a cursor of this list") from None


async def _transition(
    info: Info, id: strawberry.ID, status: HandoffStatus, note: str | None = None
) -> HandoffPayload:
    handoff = await info.context.change(
        lifecycle.transition, decode_id(id, "Handoff", "id"), status, note
    )
    return HandoffPayload(handoff=Handoff.wrap(handoff))


@strawberry.type
class HandoffQuery:
    @strawberry.field(
        description="The workspace's handoffs, by creation (oldest first unless newestFirst), "
        "optionally filtered"
    )
    async def handoffs(
        self,
        info: Info,
        filter: Annotated[
            HandoffFilter | None, strawberry.argument(description="Which handoffs; omitted = all")
        ] = None,
        first: FirstArg = None,
        after: AfterArg = None,
        newest_first: Annotated[
            bool, strawberry.argument(description="Newest first (by creation); default oldest")
        ] = False,
    ) -> Connection[Handoff]:
        f = filter or HandoffFilter()
        where = handoffs.HandoffFilter(
            status=f.status,
            receiver_id=decode_optional(f.receiver_id, "Person", "filter.receiverId"),
            sender_id=decode_optional(f.sender_id, "Person", "filter.senderId"),
            team_id=decode_optional(f.team_id, "Team", "filter.teamId"),
        )
        await asyncio.gather(  # at once: the loaders read both people in one statement
            require_known(info, "person", "Person", where.receiver_id),
            require_known(info, "person", "Person", where.sender_id),
            require_known(info, "team", "Team", where.team_id),
        )
        fetch = partial(handoffs.page, where=where, newest_first=newest_first)
        count = partial(handoffs.count, where=where)
        return await id_page(info, fetch, count, Handoff.wrap, first, after, preload_relations)

    @strawberry.field(description="Delivered, not yet acknowledged, oldest first")
    async def inbox(
        self,
        info: Info,
        person_id: PersonIdArg,
        first: FirstArg = None,
        after: AfterArg = None,
    ) -> Connection[Handoff]:
        limit = page_limit(info, first)
        start = _after_inbox(after)
        pid = decode_id(person_id, "Person", "personId")
        async with info.context.connection() as conn:
            # the page first: it is empty for a person the workspace lacks, and the person
            # is then read with the page's senders and receivers, in one statement
            found = await handoffs.inbox_page(
                conn, info.context.workspace_id, pid, start, limit + 1
            )
            await preload_relations(info, found[:limit], conn, people=[pid])
        await known(info, "person", "Person", pid)  # read above with the page's people
        count = counter(info, partial(handoffs.inbox_count, receiver_id=pid))
        return connection(found, limit, _inbox_cursor, Handoff.wrap, count)

    @strawberry.field(
        description="What createHandoff would compute if sent now (or at `at`), writing nothing"
    )
    @expected_failures("input")
    async def preview_handoff(
        self,
        info: Info,
        input: Annotated[CreateHandoffInput, strawberry.argument(description="The handoff")],
        at: Annotated[
            datetime | None,
            strawberry.argument(description="When it would be sent; default: now"),
        ] = None,
    ) -> PreviewResult:
        ctx = info.context
        new = _new_handoff(input)
        async with ctx.connection() as conn:
            p = await handoff_service.preview_handoff(
                conn, ctx.workspace_id, at_or_now(info, at), new, actor=ctx.actor
            )
        reason = trimmed(new.urgent_reason or "")
        return HandoffPreview(
            receiver=Person.wrap(p.receiver),
            team=Team.wrap(p.team) if p.team else None,
            deliver_at=p.deliver_at,
            respond_by=p.respond_by,
            explanation=p.explanation,
            urgency=Urgency.preview(p.urgency, reason, p.deliver_at) if p.urgency else None,
        )


@strawberry.type
class HandoffMutation:
    @strawberry.mutation(description="Hand work to a person or team; lands in their working hours")
    @expected_failures("input")
    async def create_handoff(
        self, info: Info, input: InputArg[CreateHandoffInput]
    ) -> CreateHandoffResult:
        handoff, created = await info.context.change(
            handoff_service.create_handoff, _new_handoff(input)
        )
        return CreateHandoffPayload(handoff=Handoff.wrap(handoff), created=created)

    @strawberry.mutation(description="The receiver has seen it; reminders stop")
    @expected_failures()
    async def acknowledge_handoff(self, info: Info, id: HandoffIdArg) -> HandoffResult:
        return await _transition(info, id, HandoffStatus.ACKNOWLEDGED)

    @strawberry.mutation(description="The receiver finished the work")
    @expected_failures()
    async def complete_handoff(self, info: Info, id: HandoffIdArg) -> HandoffResult:
        return await _transition(info, id, HandoffStatus.COMPLETED)

    @strawberry.mutation(description="The receiver sends it back to the sender with a note")
    @expected_failures()
    async def return_handoff(
        self,
        info: Info,
        id: HandoffIdArg,
        note: Annotated[str, strawberry.argument(description="Why it goes back (not empty)")],
    ) -> HandoffResult:
        return await _transition(info, id, HandoffStatus.RETURNED, note)

    @strawberry.mutation(description="Call it off; pending follow-ups are cancelled")
    @expected_failures()
    async def cancel_handoff(self, info: Info, id: HandoffIdArg) -> HandoffResult:
        return await _transition(info, id, HandoffStatus.CANCELLED)

    @strawberry.mutation(
        description=(
            "Send a scheduled or delivered handoff to someone else (a ValidationError when the "
            "new route would choose whoever has it now: that would only restart its clock)"
        )
    )
    @expected_failures()
    async def reassign_handoff(
        self,
        info: Info,
        id: HandoffIdArg,
        to_person_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="The new receiver")
        ] = None,
        to_team_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="A team; its routing picks the receiver"),
        ] = None,
    ) -> HandoffResult:
        handoff = await info.context.change(
            lifecycle.reassign,
            decode_id(id, "Handoff", "id"),
            decode_optional(to_person_id, "Person", "toPersonId"),
            decode_optional(to_team_id, "Team", "toTeamId"),
        )
        return HandoffPayload(handoff=Handoff.wrap(handoff))
