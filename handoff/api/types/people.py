"""GraphQL types of people and workspaces: who works when."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry

from handoff import ids
from handoff.api.types.common import Info, Node
from handoff.calendar import NoWorkingTime, next_delivery
from handoff.storage import models as m


@strawberry.type(description="Intervals 'HH:MM-HH:MM' per weekday, wall-clock in the zone.")
class Weekly:
    mon: list[str]
    tue: list[str]
    wed: list[str]
    thu: list[str]
    fri: list[str]
    sat: list[str]
    sun: list[str]


@strawberry.type
class HolidayRegion:
    country: str
    subdivision: str | None


@strawberry.type
class TimeOff:
    start: date
    end: date
    reason: str | None


@strawberry.type
class DateOverride:
    date: date
    intervals: list[str]


@strawberry.type(description="When a person works; mirrors the engine's pattern dict.")
class WorkingPattern:
    timezone: str
    weekly: Weekly
    holidays: HolidayRegion | None
    time_off: list[TimeOff]
    overrides: list[DateOverride]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> WorkingPattern:
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
                    reason=t.get("reason"),
                )
                for t in d.get("time_off", [])
            ],
            overrides=[
                DateOverride(date=date.fromisoformat(k), intervals=v)
                for k, v in sorted(d.get("overrides", {}).items())
            ],
        )


@strawberry.type(description="When, inside working time, a person accepts notifications.")
class DeliveryPolicy:
    focus_blocks: Weekly = strawberry.field(description="never interrupted")
    digest_times: list[str] = strawberry.field(
        description="local times 'HH:MM' at which deliveries are bundled; empty = as they come"
    )


@strawberry.type
class Window:
    start: datetime
    end: datetime
    start_local: datetime
    end_local: datetime


@strawberry.type
class Workspace(Node):
    name: str
    reminders_before_escalation: int


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


def _working_pattern(root: Person) -> WorkingPattern:
    return WorkingPattern.from_dict(root._m.pattern_data)


def _delivery_policy(root: Person) -> DeliveryPolicy:
    policy = root._m.policy.to_dict()
    return DeliveryPolicy(
        focus_blocks=Weekly(**policy["focus_blocks"]), digest_times=policy["digest_times"]
    )


def _local_time(root: Person, info: Info) -> datetime:
    return root._m.pattern.local(info.context.clock.now())


def _is_working_now(root: Person, info: Info) -> bool:
    return root._m.pattern.is_working(info.context.clock.now())


def _next_reachable_at(root: Person, info: Info) -> datetime | None:
    try:
        return next_delivery(root._m.pattern, root._m.policy, info.context.clock.now()).at
    except NoWorkingTime:
        return None


@strawberry.type
class Person(Node):
    _m: strawberry.Private[m.Person]
    name: str
    handle: str
    email: str | None
    timezone: str = strawberry.field(description="IANA time zone")

    @classmethod
    def wrap(cls, model: m.Person) -> Person:
        return cls(
            id=strawberry.ID(ids.encode("Person", model.id)),
            _m=model,
            name=model.name,
            handle=model.handle,
            email=model.email,
            timezone=model.timezone,
            created_at=model.created_at,
        )

    working_pattern: WorkingPattern = strawberry.field(resolver=_working_pattern)
    delivery_policy: DeliveryPolicy = strawberry.field(resolver=_delivery_policy)
    local_time: datetime = strawberry.field(
        resolver=_local_time, description="Now, in the person's zone"
    )
    is_working_now: bool = strawberry.field(resolver=_is_working_now)
    next_reachable_at: datetime | None = strawberry.field(
        resolver=_next_reachable_at, description="When something sent now would land; null if never"
    )
    created_at: datetime
