"""Domain objects read from PostgreSQL rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cached_property
from typing import Any, ClassVar, Self, TypeVar, get_type_hints

from handoff.calendar import DeliveryPolicy, WorkingPattern
from handoff.states import (
    EndpointHealth,
    FollowUpKind,
    FollowUpState,
    HandoffStatus,
    PersonStatus,
    Routing,
    WebhookDeliveryStatus,
    WorkItemStatus,
)

# (field, column, enum or None, default when the column may be absent, else _REQUIRED)
_Column = tuple[str, str, type[StrEnum] | None, Any]
_COLUMNS: dict[type, tuple[_Column, ...]] = {}
_REQUIRED: Any = object()


def _columns(cls: type[FromRow]) -> tuple[_Column, ...]:
    found = _COLUMNS.get(cls)
    if found is None:
        hints = get_type_hints(cls)
        found = _COLUMNS[cls] = tuple(
            (
                f.name,
                cls.COLUMN_OF.get(f.name, f.name),
                hints[f.name]
                if isinstance(hints[f.name], type) and issubclass(hints[f.name], StrEnum)
                else None,
                f.default if f.name in cls.OPTIONAL else _REQUIRED,
            )
            for f in fields(cls)  # type: ignore[arg-type]
        )
    return found


RowMaker = Callable[[Sequence[Any]], Any]
E = TypeVar("E", bound=StrEnum)


def member_lookup(enum: type[E]) -> Callable[[str], E]:
    """`enum(value)` by one dict lookup, for row makers: the enum's call costs ten times
    as much, and the tables' CHECK constraints keep out values it does not know."""
    return enum._value2member_map_.__getitem__  # type: ignore[return-value]


class FromRow:
    """Built from a row whose column names are the dataclass's field names (but for
    `COLUMN_OF`; the columns of `OPTIONAL` fields may be absent: their default applies).

    Text columns whose field is a state enum come back as that enum's member.
    """

    COLUMN_OF: ClassVar[dict[str, str]] = {}
    OPTIONAL: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        return cls(
            **{
                name: (row[column] if enum is None else enum(row[column]))
                if default is _REQUIRED or column in row
                else default
                for name, column, enum, default in _columns(cls)
            }
        )

    @classmethod
    def row_factory(cls) -> Callable[[Any], RowMaker]:
        """A psycopg row factory building what `from_row` builds, straight from a row's
        values: positions are looked up once per result, and the object is filled
        without the frozen dataclass's `__init__` (one `object.__setattr__` per field),
        for about a third of `from_row`'s cost on a page of handoffs."""
        columns = _columns(cls)
        new = object.__new__

        def factory(cursor: Any) -> RowMaker:
            at = {c.name: i for i, c in enumerate(cursor.description or ())}
            plan = []
            defaults: dict[str, Any] = {}
            for name, column, enum, default in columns:
                if column in at:
                    to = None if enum is None else member_lookup(enum)
                    plan.append((name, at[column], to))
                elif default is _REQUIRED:
                    raise KeyError(column)
                else:
                    defaults[name] = default

            def make(values: Sequence[Any]) -> Any:
                obj: Any = new(cls)
                obj.__dict__.update(defaults)
                obj.__dict__.update(
                    {name: values[i] if to is None else to(values[i]) for name, i, to in plan}
                )
                return obj

            return make

        return factory


_FACTORIES: dict[type, Callable[[Any], RowMaker]] = {}


def row_factory(build: Callable[[dict[str, Any]], Any]) -> Callable[[Any], RowMaker] | None:
    """The positional row factory that builds what `build` builds from a dict row, when it
    is a model's `FromRow.from_row`; else None."""
    owner = getattr(build, "__self__", None)
    if not (isinstance(owner, type) and issubclass(owner, FromRow)):
        return None
    if getattr(build, "__func__", None) is not FromRow.from_row.__func__:  # type: ignore[attr-defined]
        return None  # a model's own from_row
    found = _FACTORIES.get(owner)
    if found is None:
        found = _FACTORIES[owner] = owner.row_factory()
    return found


@dataclass(frozen=True)
class Workspace(FromRow):
    id: int
    name: str
    reminders_before_escalation: int
    created_at: datetime


@dataclass(frozen=True)
class Person(FromRow):
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
    deactivated_at: datetime | None = None
    erased_at: datetime | None = None
    # who took over their work when they left (a person), if anyone
    successor_id: int | None = None

    COLUMN_OF: ClassVar[dict[str, str]] = {
        "pattern_data": "working_pattern",
        "policy_data": "delivery_policy",
    }
    # a query may leave these out: they read as their defaults
    OPTIONAL: ClassVar[frozenset[str]] = frozenset({"deactivated_at", "erased_at", "successor_id"})

    @property
    def status(self) -> PersonStatus:
        """Active, deactivated (left the team) or erased (personal data replaced)."""
        if self.erased_at is not None:
            return PersonStatus.ERASED
        if self.deactivated_at is not None:
            return PersonStatus.DEACTIVATED
        return PersonStatus.ACTIVE

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
    routing: Routing
    rr_counter: int
    created_at: datetime


@dataclass(frozen=True)
class WorkItem(FromRow):
    id: int
    workspace_id: int
    title: str
    description: str
    status: WorkItemStatus
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
    status: HandoffStatus
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
    # set when a delegation sent it on: the addressee, the people whose delegations it
    # passed through (addressee first) and those delegations
    addressed_to_id: int | None = None
    delegated_via: list[int] = field(default_factory=list)
    delegation_ids: list[int] = field(default_factory=list)
    # a digest of the createHandoff request that made it with an idempotency key
    request_fingerprint: bytes | None = None
    # the explanation's first lines, on why it goes to its receiver (kept when it is
    # planned again from the receiver's hours)
    route_reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FollowUp(FromRow):
    id: int
    workspace_id: int
    handoff_id: int
    person_id: int
    kind: FollowUpKind
    due_at: datetime
    state: FollowUpState
    version: int
    digest: bool
    explanation: list[str]
    created_at: datetime
    handled_at: datetime | None


@dataclass(frozen=True)
class ApiToken(FromRow):
    """A token as listed: never its secret (only the hash is stored, and not returned)."""

    id: int
    workspace_id: int
    person_id: int | None
    label: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    made_by: int | None = None


@dataclass(frozen=True)
class Event(FromRow):
    """An outbox event: something that happened, as webhooks carry it."""

    id: int
    workspace_id: int
    type: str
    handoff_id: int | None
    person_id: int | None
    payload: dict[str, Any]
    occurred_at: datetime


# -- webhooks -------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookEndpoint(FromRow):
    """Where a workspace's events are POSTed. The secret is kept out of the repr so it
    never reaches a log line."""

    id: int
    workspace_id: int
    url: str
    description: str
    event_types: list[str]
    secret: str = field(repr=False)
    enabled: bool
    disabled_at: datetime | None
    disabled_reason: str | None
    failing_since: datetime | None
    created_at: datetime
    updated_at: datetime
    previous_secret_until: datetime | None
    health: EndpointHealth = EndpointHealth.HEALTHY
    probe_at: datetime | None = None


@dataclass(frozen=True)
class WebhookEndpointRecord(FromRow):
    """A `webhook.disabled` record: the endpoint was switched off for failing."""

    id: int
    endpoint_id: int
    type: str
    occurred_at: datetime
    reason: str
    failing_since: datetime | None


@dataclass(frozen=True)
class WebhookDelivery(FromRow):
    """One event to one endpoint; every attempt shares its message id."""

    id: int
    workspace_id: int
    endpoint_id: int
    event_id: int
    event_type: str
    message_id: str
    event_occurred_at: datetime
    status: WebhookDeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True)
class WebhookAttempt(FromRow):
    """One HTTP attempt of a webhook delivery."""

    id: int
    delivery_id: int
    number: int
    attempted_at: datetime
    outcome: str
    status_code: int | None
    latency_ms: int
    response_excerpt: str | None
    error: str | None
