"""Root Query and Mutation: thin translations between GraphQL and the services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Annotated, Any, TypeVar

import strawberry

from handoff.api.errors import ValidationError, from_service_error
from handoff.api.inputs import (
    CreateHandoffInput,
    CreatePersonInput,
    CreateTeamInput,
    CreateWorkItemInput,
    DeliveryPolicyInput,
    HandoffFilter,
    UpdatePersonInput,
    WorkingPatternInput,
    WorkItemFilter,
    decode_id,
    decode_optional,
    require_aware,
)
from handoff.api.loaders import loader
from handoff.api.scalars import Duration
from handoff.api.types import (
    Availability,
    AvailabilityResult,
    Connection,
    CreateHandoffPayload,
    CreateHandoffResult,
    Handoff,
    HandoffPayload,
    HandoffPreview,
    HandoffResult,
    Info,
    NextReachable,
    NextReachableResult,
    Node,
    Overlap,
    OverlapResult,
    OverlapWindow,
    Person,
    PersonPayload,
    PersonResult,
    PreviewResult,
    ReachableCandidate,
    Team,
    TeamPayload,
    TeamResult,
    Window,
    WorkItem,
    WorkItemPayload,
    WorkItemResult,
    Workspace,
    WorkspacePayload,
    WorkspaceResult,
    connection,
    decode_cursor,
    workspace_from,
)
from handoff.calendar import NoWorkingTime, next_delivery, overlap
from handoff.ids import BadId, decode
from handoff.services import handoffs as handoff_service
from handoff.services import people as people_service
from handoff.services import teams as team_service
from handoff.services import work_items as work_item_service
from handoff.services import workspaces as workspace_service
from handoff.services.errors import Invalid, ServiceError
from handoff.services.errors import NotFound as Missing
from handoff.storage import models as m
from handoff.storage.run import many, one

R = TypeVar("R")
FromArg = Annotated[datetime, strawberry.argument(name="from")]
MAX_RANGE = timedelta(days=92)
MAX_PEOPLE = 50


async def attempt(call: Callable[[], Awaitable[R]], prefix: str = "") -> Any:
    """Run a service call; expected failures become union values with a full field path."""
    try:
        return await call()
    except ServiceError as error:
        result = from_service_error(error)
        if isinstance(result, ValidationError) and prefix and result.field:
            result.field = f"{prefix}.{result.field}"
        return result


def _limit(info: Info, first: int | None) -> int:
    cap = info.context.settings.max_page_size
    if first is None:
        return min(50, cap)
    if not 1 <= first <= cap:
        raise Invalid("first", f"first must be between 1 and {cap}, got {first}")
    return first


def _after_id(after: str | None) -> int:
    raw = decode_cursor(after)
    if raw is None:
        return 0
    if not raw.isdigit():
        raise Invalid("after", f"{after!r} is not a cursor of this list")
    return int(raw)


def _range(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    require_aware(start, "from")
    require_aware(end, "to")
    if end <= start:
        raise Invalid("to", "to must be after from")
    if end - start > MAX_RANGE:
        raise Invalid("to", "the range may span at most 92 days")
    return start, end


async def _people(info: Info, raw_ids: list[strawberry.ID], field: str) -> list[m.Person]:
    if not raw_ids:
        raise Invalid(field, "give at least one person")
    if len(raw_ids) > MAX_PEOPLE:
        raise Invalid(field, f"at most {MAX_PEOPLE} people")
    person_ids = [decode_id(v, "Person", f"{field}.{i}") for i, v in enumerate(raw_ids)]
    found = await loader(info.context, "person").load_many(person_ids)
    for pid, person in zip(person_ids, found, strict=True):
        if person is None:
            raise Missing("Person", pid)
    return [p for p in found if p is not None]


async def _person_model(info: Info, raw_id: strawberry.ID, field: str) -> m.Person:
    pid = decode_id(raw_id, "Person", field)
    found = await loader(info.context, "person").load(pid)
    if found is None:
        raise Missing("Person", pid)
    return found


def _new_handoff(data: CreateHandoffInput) -> handoff_service.NewHandoff:
    note = data.note
    return handoff_service.NewHandoff(
        sender_id=decode_id(data.sender_id, "Person", "senderId"),
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
    )


async def _id_page(
    info: Info,
    query: str,
    filters: dict[str, Any],
    build: Callable[[dict[str, Any]], Any],
    wrap: Callable[[Any], Any],
    first: int | None,
    after: str | None,
) -> Any:
    """One page of a list ordered by row id, scoped to the caller's workspace."""
    limit, after_id = _limit(info, first), _after_id(after)
    params = {
        **filters,
        "workspace_id": info.context.workspace_id,
        "after_id": after_id,
        "limit": limit + 1,
    }
    async with info.context.pool.connection() as conn:
        found = await many(conn, query, params, build)
    return connection(found, limit, lambda row: str(row.id), wrap)


async def _viewer(info: Info) -> Workspace:
    ctx = info.context
    async with ctx.pool.connection() as conn:
        ws = await one(
            conn, "workspace_get", {"workspace_id": ctx.workspace_id}, m.Workspace.from_row
        )
    assert ws is not None
    return workspace_from(ws)


@strawberry.type
class Query:
    @strawberry.field(description="The workspace of the caller's token")
    async def viewer(self, info: Info) -> Workspace:
        return await _viewer(info)

    @strawberry.field(description="Any object by global ID; null when not in this workspace")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        try:
            kind, pk = decode(str(id))
        except BadId:
            return None
        ctx = info.context
        if kind == "Workspace":
            return await _viewer(info) if pk == ctx.workspace_id else None
        wrappers: dict[str, tuple[str, Any]] = {
            "Person": ("person", Person.wrap),
            "Team": ("team", Team.wrap),
            "WorkItem": ("work_item", WorkItem.wrap),
            "Handoff": ("handoff", Handoff.wrap),
        }
        if kind not in wrappers:
            return None
        name, wrap = wrappers[kind]
        found = await loader(ctx, name).load(pk)
        return None if found is None else wrap(found)

    @strawberry.field
    async def people(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Person]:
        return await _id_page(info, "people_page", {}, m.Person.from_row, Person.wrap, first, after)

    @strawberry.field
    async def person(self, info: Info, id: strawberry.ID) -> PersonResult:
        async def run() -> PersonPayload:
            return PersonPayload(person=Person.wrap(await _person_model(info, id, "id")))

        return await attempt(run)

    @strawberry.field
    async def teams(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Team]:
        return await _id_page(info, "teams_page", {}, m.Team.from_row, Team.wrap, first, after)

    @strawberry.field
    async def work_items(
        self,
        info: Info,
        filter: WorkItemFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[WorkItem]:
        f = filter or WorkItemFilter()
        filters = {
            "status": f.status.value if f.status else None,
            "holder_id": decode_optional(f.holder_id, "Person", "filter.holderId"),
        }
        return await _id_page(
            info, "work_items_page", filters, m.WorkItem.from_row, WorkItem.wrap, first, after
        )

    @strawberry.field
    async def handoffs(
        self,
        info: Info,
        filter: HandoffFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Handoff]:
        f = filter or HandoffFilter()
        filters = {
            "status": f.status.value if f.status else None,
            "receiver_id": decode_optional(f.receiver_id, "Person", "filter.receiverId"),
            "sender_id": decode_optional(f.sender_id, "Person", "filter.senderId"),
            "team_id": decode_optional(f.team_id, "Team", "filter.teamId"),
        }
        return await _id_page(
            info, "handoffs_page", filters, m.Handoff.from_row, Handoff.wrap, first, after
        )

    @strawberry.field(description="Delivered, not yet acknowledged, oldest first")
    async def inbox(
        self,
        info: Info,
        person_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Handoff]:
        limit = _limit(info, first)
        person = await _person_model(info, person_id, "personId")
        raw = decode_cursor(after)
        after_at, after_id = datetime.min.replace(tzinfo=person.created_at.tzinfo), 0
        if raw is not None:
            stamp, _, pk = raw.rpartition("|")
            try:
                after_at, after_id = datetime.fromisoformat(stamp), int(pk)
            except ValueError:
                raise Invalid("after", f"{after!r} is not a cursor of this list") from None
        params = {
            "workspace_id": info.context.workspace_id,
            "receiver_id": person.id,
            "after_at": after_at,
            "after_id": after_id,
            "limit": limit + 1,
        }
        async with info.context.pool.connection() as conn:
            found = await many(conn, "inbox_page", params, m.Handoff.from_row)
        return connection(
            found, limit, lambda h: f"{h.delivered_at.isoformat()}|{h.id}", Handoff.wrap
        )

    @strawberry.field(description="A person's working windows in a range (at most 92 days)")
    async def availability(
        self, info: Info, person_id: strawberry.ID, from_: FromArg, to: datetime
    ) -> AvailabilityResult:
        async def run() -> Availability:
            start, end = _range(from_, to)
            person = await _person_model(info, person_id, "personId")
            pattern = person.pattern
            windows = pattern.windows(start, end)
            return Availability(
                person=Person.wrap(person),
                windows=[
                    Window(start=a, end=b, start_local=pattern.local(a), end_local=pattern.local(b))
                    for a, b in windows
                ],
                working_time=Duration(sum((b - a for a, b in windows), timedelta())),
            )

        return await attempt(run)

    @strawberry.field(description="When all these people work at once (at most 92 days)")
    async def overlap(
        self, info: Info, person_ids: list[strawberry.ID], from_: FromArg, to: datetime
    ) -> OverlapResult:
        async def run() -> Overlap:
            start, end = _range(from_, to)
            people = await _people(info, person_ids, "personIds")
            shared = overlap([p.pattern for p in people], start, end)
            return Overlap(
                windows=[OverlapWindow(start=a, end=b) for a, b in shared],
                total=Duration(sum((b - a for a, b in shared), timedelta())),
            )

        return await attempt(run)

    @strawberry.field(description="When each person (or team member) can next be reached")
    async def next_reachable(
        self,
        info: Info,
        person_ids: list[strawberry.ID] | None = None,
        team_id: strawberry.ID | None = None,
        at: datetime | None = None,
    ) -> NextReachableResult:
        async def run() -> NextReachable:
            when = require_aware(at, "at") if at is not None else info.context.clock.now()
            if (person_ids is None) == (team_id is None):
                raise Invalid("personIds", "give exactly one of personIds and teamId")
            if team_id is not None:
                tid = decode_id(team_id, "Team", "teamId")
                async with info.context.pool.connection() as conn:
                    members = await handoff_service.team_members(
                        conn,
                        info.context.workspace_id,
                        (await handoff_service.get_team(conn, info.context.workspace_id, tid)).id,
                    )
            else:
                members = await _people(info, person_ids or [], "personIds")
            candidates = []
            for p in members:
                try:
                    d = next_delivery(p.pattern, p.policy, when, name=p.name)
                    candidates.append(
                        ReachableCandidate(
                            person=Person.wrap(p), at=d.at, explanation=list(d.reasons)
                        )
                    )
                except NoWorkingTime:
                    candidates.append(
                        ReachableCandidate(
                            person=Person.wrap(p),
                            at=None,
                            explanation=[f"{p.name} has no working time in the next two years."],
                        )
                    )
            candidates.sort(key=lambda c: (c.at is None, c.at or when))
            reachable = [c for c in candidates if c.at is not None]
            return NextReachable(soonest=reachable[0] if reachable else None, candidates=candidates)

        return await attempt(run)

    @strawberry.field(description="What createHandoff would compute now, writing nothing")
    async def preview_handoff(self, info: Info, input: CreateHandoffInput) -> PreviewResult:
        ctx = info.context

        async def run() -> HandoffPreview:
            new = _new_handoff(input)
            async with ctx.pool.connection() as conn:
                p = await handoff_service.preview_handoff(
                    conn, ctx.workspace_id, ctx.clock.now(), new
                )
            return HandoffPreview(
                receiver=Person.wrap(p.receiver),
                team=Team.wrap(p.team) if p.team else None,
                deliver_at=p.deliver_at,
                respond_by=p.respond_by,
                explanation=p.explanation,
            )

        return await attempt(run, "input")


def _in_tx(
    info: Info, fn: Callable[..., Awaitable[R]], *args: Any, **kwargs: Any
) -> Callable[[], Awaitable[R]]:
    """A call of service `fn(conn, workspace, now, *args)` inside one transaction."""
    ctx = info.context

    async def call() -> R:
        async with ctx.transaction() as conn:
            return await fn(conn, ctx.workspace_id, ctx.clock.now(), *args, **kwargs)

    return call


def _person_payload(
    call: Callable[[], Awaitable[m.Person]],
) -> Callable[[], Awaitable[PersonPayload]]:
    async def run() -> PersonPayload:
        return PersonPayload(person=Person.wrap(await call()))

    return run


def _handoff_payload(
    call: Callable[[], Awaitable[m.Handoff]],
) -> Callable[[], Awaitable[HandoffPayload]]:
    async def run() -> HandoffPayload:
        return HandoffPayload(handoff=Handoff.wrap(await call()))

    return run


def _handoff_id(value: strawberry.ID) -> int:
    return decode_id(value, "Handoff", "id")


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Reminders before a handoff escalates (0-20), for handoffs created from now on"
    )
    async def update_workspace(
        self, info: Info, reminders_before_escalation: int
    ) -> WorkspaceResult:
        async def run() -> WorkspacePayload:
            ws = await _in_tx(info, workspace_service.set_reminders, reminders_before_escalation)()
            return WorkspacePayload(workspace=workspace_from(ws))

        return await attempt(run)

    @strawberry.mutation
    async def create_person(self, info: Info, input: CreatePersonInput) -> PersonResult:
        async def run() -> PersonPayload:
            return await _person_payload(
                _in_tx(
                    info,
                    people_service.create_person,
                    name=input.name,
                    handle=input.handle,
                    timezone=input.timezone,
                    email=input.email,
                    working_pattern=input.working_pattern.to_dict()
                    if input.working_pattern
                    else None,
                    delivery_policy=input.delivery_policy.to_dict()
                    if input.delivery_policy
                    else None,
                )
            )()

        return await attempt(run, "input")

    @strawberry.mutation
    async def update_person(self, info: Info, input: UpdatePersonInput) -> PersonResult:
        async def run() -> PersonPayload:
            set_email = input.email is not strawberry.UNSET
            return await _person_payload(
                _in_tx(
                    info,
                    people_service.update_person,
                    decode_id(input.id, "Person", "id"),
                    name=input.name,
                    handle=input.handle,
                    email=input.email if set_email else None,
                    set_email=set_email,
                )
            )()

        return await attempt(run, "input")

    @strawberry.mutation(description="Replace a person's working pattern; pending follow-ups move")
    async def set_working_pattern(
        self, info: Info, person_id: strawberry.ID, pattern: WorkingPatternInput
    ) -> PersonResult:
        async def run() -> PersonPayload:
            pid = decode_id(person_id, "Person", "personId")
            data = pattern.to_dict()
            if "timezone" not in data:
                async with info.context.pool.connection() as conn:
                    data["timezone"] = (
                        await people_service.get_person(conn, info.context.workspace_id, pid)
                    ).timezone
            return await _person_payload(
                _in_tx(info, people_service.set_working_pattern, pid, data)
            )()

        result = await attempt(run)
        if (
            isinstance(result, ValidationError)
            and result.field
            and result.field.startswith("workingPattern")
        ):
            result.field = "pattern" + result.field.removeprefix("workingPattern")
        return result

    @strawberry.mutation
    async def set_delivery_policy(
        self, info: Info, person_id: strawberry.ID, policy: DeliveryPolicyInput
    ) -> PersonResult:
        async def run() -> PersonPayload:
            pid = decode_id(person_id, "Person", "personId")
            return await _person_payload(
                _in_tx(info, people_service.set_delivery_policy, pid, policy.to_dict())
            )()

        result = await attempt(run)
        if (
            isinstance(result, ValidationError)
            and result.field
            and result.field.startswith("deliveryPolicy")
        ):
            result.field = "policy" + result.field.removeprefix("deliveryPolicy")
        return result

    @strawberry.mutation(description="Local dates, both inclusive")
    async def add_time_off(
        self,
        info: Info,
        person_id: strawberry.ID,
        start: date,
        end: date,
        reason: str | None = None,
    ) -> PersonResult:
        async def run() -> PersonPayload:
            pid = decode_id(person_id, "Person", "personId")
            return await _person_payload(
                _in_tx(info, people_service.add_time_off, pid, start, end, reason)
            )()

        return await attempt(run)

    @strawberry.mutation
    async def remove_time_off(
        self, info: Info, person_id: strawberry.ID, start: date, end: date
    ) -> PersonResult:
        async def run() -> PersonPayload:
            pid = decode_id(person_id, "Person", "personId")
            return await _person_payload(
                _in_tx(info, people_service.remove_time_off, pid, start, end)
            )()

        return await attempt(run)

    @strawberry.mutation
    async def create_team(self, info: Info, input: CreateTeamInput) -> TeamResult:
        async def run() -> TeamPayload:
            member_ids = [
                decode_id(v, "Person", f"memberIds.{i}")
                for i, v in enumerate(input.member_ids or [])
            ]
            team = await _in_tx(
                info, team_service.create_team, input.name, input.routing.value, member_ids
            )()
            return TeamPayload(team=Team.wrap(team))

        return await attempt(run, "input")

    @strawberry.mutation
    async def add_team_member(
        self, info: Info, team_id: strawberry.ID, person_id: strawberry.ID
    ) -> TeamResult:
        async def run() -> TeamPayload:
            team = await _in_tx(
                info,
                team_service.add_member,
                decode_id(team_id, "Team", "teamId"),
                decode_id(person_id, "Person", "personId"),
            )()
            return TeamPayload(team=Team.wrap(team))

        return await attempt(run)

    @strawberry.mutation
    async def remove_team_member(
        self, info: Info, team_id: strawberry.ID, person_id: strawberry.ID
    ) -> TeamResult:
        async def run() -> TeamPayload:
            team = await _in_tx(
                info,
                team_service.remove_member,
                decode_id(team_id, "Team", "teamId"),
                decode_id(person_id, "Person", "personId"),
            )()
            return TeamPayload(team=Team.wrap(team))

        return await attempt(run)

    @strawberry.mutation
    async def create_work_item(self, info: Info, input: CreateWorkItemInput) -> WorkItemResult:
        async def run() -> WorkItemPayload:
            item = await _in_tx(
                info,
                work_item_service.create_work_item,
                input.title,
                input.description,
                decode_optional(input.holder_id, "Person", "holderId"),
            )()
            return WorkItemPayload(work_item=WorkItem.wrap(item))

        return await attempt(run, "input")

    @strawberry.mutation(description="Hand work to a person or team; lands in their working hours")
    async def create_handoff(self, info: Info, input: CreateHandoffInput) -> CreateHandoffResult:
        async def run() -> CreateHandoffPayload:
            handoff, created = await _in_tx(
                info, handoff_service.create_handoff, _new_handoff(input)
            )()
            return CreateHandoffPayload(handoff=Handoff.wrap(handoff), created=created)

        return await attempt(run, "input")

    @strawberry.mutation
    async def acknowledge_handoff(self, info: Info, id: strawberry.ID) -> HandoffResult:
        return await attempt(
            _handoff_payload(
                lambda: _in_tx(info, handoff_service.transition, _handoff_id(id), "ACKNOWLEDGED")()
            )
        )

    @strawberry.mutation
    async def complete_handoff(self, info: Info, id: strawberry.ID) -> HandoffResult:
        return await attempt(
            _handoff_payload(
                lambda: _in_tx(info, handoff_service.transition, _handoff_id(id), "COMPLETED")()
            )
        )

    @strawberry.mutation(description="The receiver sends it back to the sender with a note")
    async def return_handoff(self, info: Info, id: strawberry.ID, note: str) -> HandoffResult:
        return await attempt(
            _handoff_payload(
                lambda: _in_tx(
                    info, handoff_service.transition, _handoff_id(id), "RETURNED", note
                )()
            )
        )

    @strawberry.mutation
    async def cancel_handoff(self, info: Info, id: strawberry.ID) -> HandoffResult:
        return await attempt(
            _handoff_payload(
                lambda: _in_tx(info, handoff_service.transition, _handoff_id(id), "CANCELLED")()
            )
        )

    @strawberry.mutation(description="Send a scheduled or delivered handoff to someone else")
    async def reassign_handoff(
        self,
        info: Info,
        id: strawberry.ID,
        to_person_id: strawberry.ID | None = None,
        to_team_id: strawberry.ID | None = None,
    ) -> HandoffResult:
        return await attempt(
            _handoff_payload(
                lambda: _in_tx(
                    info,
                    handoff_service.reassign,
                    _handoff_id(id),
                    decode_optional(to_person_id, "Person", "toPersonId"),
                    decode_optional(to_team_id, "Team", "toTeamId"),
                )()
            )
        )
