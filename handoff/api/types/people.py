"""GraphQL types of people and workspaces: who works when."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types.lazy_type import LazyType

from handoff import ids
from handoff.api.lean_resolvers import context_only
from handoff.api.types.common import Info, Node, PersonStatus, at_or_now
from handoff.api.types.urgency_enums import UrgentFrom
from handoff.calendar import NoWorkingTime, next_delivery
from handoff.services.rights import Right, has
from handoff.storage import models as m

if TYPE_CHECKING:
    from handoff.api.types.delegation import Delegation
    from handoff.api.types.travel import TravelPeriod

_DAY = "Intervals 'HH:MM-HH:MM' that start on this weekday, wall-clock in the person's zone"
AtArg = Annotated[
    datetime | None,
    strawberry.argument(description="The instant to ask about; default: now (the server's clock)"),
]


@strawberry.type(description="Intervals per weekday, wall-clock in the zone.")
class Weekly:
    mon: list[str] = strawberry.field(description=_DAY)
    tue: list[str] = strawberry.field(description=_DAY)
    wed: list[str] = strawberry.field(description=_DAY)
    thu: list[str] = strawberry.field(description=_DAY)
    fri: list[str] = strawberry.field(description=_DAY)
    sat: list[str] = strawberry.field(description=_DAY)
    sun: list[str] = strawberry.field(description=_DAY)


@strawberry.type(description="Whose public holidays are days off.")
class HolidayRegion:
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 country code")
    subdivision: str | None = strawberry.field(description="State or province; null = national")


@strawberry.type(description="Local dates without work, both inclusive.")
class TimeOff:
    start: date = strawberry.field(description="First day off")
    end: date = strawberry.field(description="Last day off")
    reason: str | None = strawberry.field(
        description="Why, as explanations show it; null to others when private"
    )
    private: bool = strawberry.field(
        default=False,
        description="The reason is the person's own: explanations and timelines leave it "
        "out, and only they (and workspace tokens) read it here",
    )


@strawberry.type(description="Different hours on one local date.")
class DateOverride:
    date: date = strawberry.field(description="The local date")
    intervals: list[str] = strawberry.field(description="That day's intervals; [] = off")


@strawberry.type(description="When a person works; mirrors the engine's pattern dict.")
class WorkingPattern:
    timezone: str = strawberry.field(description="IANA zone the intervals are read in")
    weekly: Weekly = strawberry.field(description="The usual week")
    holidays: HolidayRegion | None = strawberry.field(description="Public holidays observed")
    time_off: list[TimeOff] = strawberry.field(description="Periods off")
    overrides: list[DateOverride] = strawberry.field(description="Dates with different hours")

    @classmethod
    def from_dict(cls, d: dict[str, Any], own: bool = True) -> WorkingPattern:
        """The stored pattern; `own`: read by the person or a workspace token, who see
        private time-off reasons (others get null)."""
        hol = d.get("holidays")
        return cls(
            timezone=d["timezone"],
            weekly=Weekly(**d["weekly"]),
            holidays=HolidayRegion(country=hol["country"], subdivision=hol.get("subdivision"))
            if hol
            else None,
            time_off=[
                TimeOff(
                    start=date.fromisoformat(t["start"]),
                    end=date.fromisoformat(t["end"]),
                    reason=t.get("reason") if own or not t.get("private") else None,
                    private=bool(t.get("private")),
                )
                for t in d.get("time_off", [])
            ],
            overrides=[
                DateOverride(date=date.fromisoformat(k), intervals=v)
                for k, v in sorted(d.get("overrides", {}).items())
            ],
        )


@strawberry.type(description="Who may break through a person's focus blocks and digest waits.")
class UrgencyPolicy:
    sender_ids: strawberry.Private[tuple[int, ...]]
    urgent_from: UrgentFrom = strawberry.field(description="Anyone, the allow-list, or nobody")
    budget_per_week: int = strawberry.field(
        description="Break-throughs per sender per week (Monday to Monday in the person's zone)"
    )

    @strawberry.field(description="The allow-list (used with urgentFrom ALLOWED_SENDERS)")
    async def allowed_senders(self, info: Info) -> list[Person]:
        from handoff.api.loaders import loader

        found = await loader(info.context, "person").load_many(list(self.sender_ids))
        return [Person.wrap(p) for p in found if p is not None]


@strawberry.type(description="When, inside working time, a person accepts notifications.")
class DeliveryPolicy:
    person_id: strawberry.Private[int]
    focus_blocks: Weekly = strawberry.field(description="never interrupted")
    digest_times: list[str] = strawberry.field(
        description="local times 'HH:MM' at which deliveries are bundled; empty = as they come"
    )

    @strawberry.field(description="Whose urgent handoffs may break through, and how often")
    async def urgency(self, info: Info) -> UrgencyPolicy:
        from handoff.api.loaders import loader

        found = await loader(info.context, "urgency_policy").load(self.person_id)
        return UrgencyPolicy(
            sender_ids=found.allowed_sender_ids,
            urgent_from=found.urgent_from,
            budget_per_week=found.weekly_budget,
        )


@strawberry.type(description="A span of working time.")
class Window:
    start: datetime = strawberry.field(description="Start (UTC)")
    end: datetime = strawberry.field(description="End (UTC), exclusive")
    start_local: datetime = strawberry.field(description="Start in the person's zone")
    end_local: datetime = strawberry.field(description="End in the person's zone")


@strawberry.type(description="A tenant: its people, teams, work items, tokens and webhooks.")
class Workspace(Node):
    name: str = strawberry.field(description="Unique name")
    reminders_before_escalation: int = strawberry.field(
        description="Reminders a new handoff gets before it escalates, unless it says otherwise"
    )

    @strawberry.field(
        description="The person the caller's token acts as (read it as `viewer { person }`); "
        "null for a workspace token"
    )
    async def person(self, info: Info) -> Person | None:
        from handoff.api.loaders import loader

        actor = info.context.actor
        if actor is None or actor.person_id is None:
            return None
        found = await loader(info.context, "person").load(actor.person_id)
        return None if found is None else Person.wrap(found)


def workspace_from(model: m.Workspace) -> Workspace:
    return Workspace(
        id=strawberry.ID(ids.encode("Workspace", model.id)),
        name=model.name,
        reminders_before_escalation=model.reminders_before_escalation,
    )


# The wrappers below copy a model's plain values into dataclass fields when they wrap it:
# graphql-core reads those with its default resolver, far cheaper than a method resolver
# per field (an inbox page resolves ~450 fields). Computed values and relations stay
# resolvers; relations load through the request's DataLoaders.


@context_only
def _working_pattern(root: Person, info: Info) -> WorkingPattern:
    own = has(info.context.actor, Right.OWN, person_id=root._m.id)
    return WorkingPattern.from_dict(root._m.pattern_data, own)


def _delivery_policy(root: Person) -> DeliveryPolicy:
    policy = root._m.policy.to_dict()
    return DeliveryPolicy(
        person_id=root._m.id,
        focus_blocks=Weekly(**policy["focus_blocks"]),
        digest_times=policy["digest_times"],
    )


@context_only
def _local_time(root: Person, info: Info, at: AtArg = None) -> datetime:
    return root._m.pattern.local(at_or_now(info, at))


@context_only
def _is_working_now(root: Person, info: Info, at: AtArg = None) -> bool:
    return root._m.pattern.is_working(at_or_now(info, at))


@context_only
def _next_reachable_at(root: Person, info: Info, at: AtArg = None) -> datetime | None:
    try:
        return next_delivery(root._m.pattern, root._m.policy, at_or_now(info, at)).at
    except NoWorkingTime:
        return None


@context_only
def _timezone(root: Person, info: Info, at: AtArg = None) -> str:
    pattern = root._m.pattern
    if not pattern.travel:
        return root._m.timezone
    return pattern.zone_at(at_or_now(info, at)).key


# Travel periods and delegations refer back to people (and to teams and handoffs), so
# their types live in their own modules and are reached lazily, strawberry's way across
# modules that refer to each other; `resolve_type` gives the class to wrap rows with.
_TRAVEL: LazyType[Any, Any] = LazyType("TravelPeriod", "handoff.api.types.travel")
_DELEGATION: LazyType[Any, Any] = LazyType("Delegation", "handoff.api.types.delegation")
TravelPeriodRef = Annotated["TravelPeriod", strawberry.lazy("handoff.api.types.travel")]
DelegationRef = Annotated["Delegation", strawberry.lazy("handoff.api.types.delegation")]


async def _travel(root: Person, info: Info) -> list[TravelPeriodRef]:
    from handoff.api.loaders import loader

    rows = await loader(info.context, "travel_by_person").load(root._m.id)
    wrap = _TRAVEL.resolve_type().wrap
    return [wrap(r) for r in rows]


async def _delegations(root: Person, info: Info) -> list[DelegationRef]:
    from handoff.api.loaders import loader

    rows = await loader(info.context, "delegations_by_person").load(root._m.id)
    wrap = _DELEGATION.resolve_type().wrap
    return [wrap(r) for r in rows]


async def _delegation(root: Person, info: Info, at: AtArg = None) -> DelegationRef | None:
    from handoff.api.loaders import loader

    when = at_or_now(info, at)
    rows = await loader(info.context, "delegations_by_person").load(root._m.id)
    current = next((d for d in rows if d.active_at(when)), None)
    upcoming = next((d for d in rows if d.starts_at > when), None)
    found = current or upcoming
    return None if found is None else _DELEGATION.resolve_type().wrap(found)


@strawberry.type(description="Someone who gives or receives handoffs.")
class Person(Node):
    _m: strawberry.Private[m.Person]
    name: str = strawberry.field(description="Display name")
    handle: str = strawberry.field(description="Unique short name in the workspace")
    email: str | None = strawberry.field(description="Email address")
    home_timezone: str = strawberry.field(
        description="IANA zone of home: the zone of their working pattern, whatever travel"
    )
    status: PersonStatus = strawberry.field(description="Active, deactivated or erased")
    deactivated_at: datetime | None = strawberry.field(description="When they left, if they did")
    erased_at: datetime | None = strawberry.field(
        description="When their personal data was erased, if it was"
    )

    @classmethod
    def wrap(cls, model: m.Person) -> Person:
        return cls(
            id=strawberry.ID(ids.encode("Person", model.id)),
            _m=model,
            name=model.name,
            handle=model.handle,
            email=model.email,
            home_timezone=model.timezone,
            status=model.status,
            deactivated_at=model.deactivated_at,
            erased_at=model.erased_at,
            created_at=model.created_at,
        )

    timezone: str = strawberry.field(
        resolver=_timezone,
        description="IANA zone where they are now (or at `at`): a travel period's zone "
        "while they travel, else `homeTimezone`",
    )

    working_pattern: WorkingPattern = strawberry.field(
        resolver=_working_pattern, description="When they work"
    )
    delivery_policy: DeliveryPolicy = strawberry.field(
        resolver=_delivery_policy, description="Focus blocks and digest times"
    )
    local_time: datetime = strawberry.field(
        resolver=_local_time,
        description="Now (or `at`), on the wall clock where they are (see `timezone`)",
    )
    is_working_now: bool = strawberry.field(
        resolver=_is_working_now, description="Whether now (or `at`) is working time for them"
    )
    next_reachable_at: datetime | None = strawberry.field(
        resolver=_next_reachable_at,
        description="When something sent now (or at `at`) would land; null if never",
    )
    created_at: datetime = strawberry.field(description="When the person was added")
    travel: list[TravelPeriodRef] = strawberry.field(
        resolver=_travel, description="Their travel periods, by start"
    )
    delegation: DelegationRef | None = strawberry.field(
        resolver=_delegation,
        description="The delegation running now (or at `at`), else the next one; null if none",
    )
    delegations: list[DelegationRef] = strawberry.field(
        resolver=_delegations, description="Their scheduled and running delegations, by start"
    )
