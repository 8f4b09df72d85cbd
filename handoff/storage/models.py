"""Domain objects read from PostgreSQL rows."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, Self, TypeVar

from handoff.calendar import DeliveryPolicy, WorkingPattern


class FromRow:
    """Built from a row whose column names are the dataclass's field names."""

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        return cls(**{f.name: row[f.name] for f in fields(cls)})  # type: ignore[arg-type]


@dataclass(frozen=True)
class Workspace(FromRow):
    id: int
    name: str
    reminders_before_escalation: int
    created_at: datetime


@dataclass(frozen=True)
class Person:
    id: int
    workspace_id: int
    name: str
    handle: str
    email: str | None
    timezone: str
    pattern_data: dict[str, Any]
    policy_data: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Person:
        return cls(
            id=row["id"],
            workspace_id=row["workspace_id"],
            name=row["name"],
            handle=row["handle"],
            email=row["email"],
            timezone=row["timezone"],
            pattern_data=row["working_pattern"],
            policy_data=row["delivery_policy"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )

    @cached_property
    def pattern(self) -> WorkingPattern:
        return _parsed(_PATTERNS, self.id, self.updated_at, self.pattern_data, WorkingPattern)

    @cached_property
    def policy(self) -> DeliveryPolicy:
        return _parsed(_POLICIES, self.id, self.updated_at, self.policy_data, DeliveryPolicy)


# Per-process caches of parsed patterns and policies: rows are read on every request, but
# change rarely. Keyed by (person id, updated_at); a hit also needs equal data, so an edit
# that kept updated_at (a frozen test clock) is never served stale.
_CACHE_LIMIT = 10_000
_PATTERNS: dict[tuple[int, datetime], tuple[dict[str, Any], WorkingPattern]] = {}
_POLICIES: dict[tuple[int, datetime], tuple[dict[str, Any], DeliveryPolicy]] = {}
_P = TypeVar("_P", WorkingPattern, DeliveryPolicy)


def _parsed(
    cache: dict[tuple[int, datetime], tuple[dict[str, Any], _P]],
    person_id: int,
    updated_at: datetime,
    data: dict[str, Any],
    kind: type[_P],
) -> _P:
    key = (person_id, updated_at)
    hit = cache.get(key)
    if hit is not None and hit[0] == data:
        return hit[1]
    value = kind.from_dict(data)
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = (data, value)
    return value


@dataclass(frozen=True)
class Team(FromRow):
    id: int
    workspace_id: int
    name: str
    routing: str
    created_at: datetime


@dataclass(frozen=True)
class WorkItem(FromRow):
    id: int
    workspace_id: int
    title: str
    description: str
    status: str
    holder_id: int | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Handoff(FromRow):
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
    status: str
    created_at: datetime
    deliver_at: datetime
    respond_by: datetime | None
    explanation: list[str]
    max_reminders: int
    reminders_sent: int
    escalated_at: datetime | None
    delivered_at: datetime | None
    acknowledged_at: datetime | None
    completed_at: datetime | None
    returned_at: datetime | None
    return_note: str | None
    cancelled_at: datetime | None
    updated_at: datetime
    idempotency_key: str | None


@dataclass(frozen=True)
class FollowUp(FromRow):
    id: int
    workspace_id: int
    handoff_id: int
    person_id: int
    kind: str
    due_at: datetime
    state: str
    version: int
    digest: bool
    explanation: list[str]
    created_at: datetime
    handled_at: datetime | None
